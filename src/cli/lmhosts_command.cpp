// `portolan lmhosts` and `portolan mp-script`: the two workarounds KB 826852 gives for
// clients that cannot find their management point.

#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "core/atomic_file.hpp"
#include "report/lmhosts.hpp"

namespace portolan::cli {

namespace {

struct LmhostsOptions {
  InventoryOptions input;
  std::optional<std::string> output;
};

struct MpScriptOptions {
  InventoryOptions input;
  std::optional<std::string> site;
  std::string language = "vbs";
  std::optional<std::string> output;
  std::optional<std::string> out_dir;
};

std::string SiteCodes(const inventory::Inventory& inventory) {
  std::vector<std::string> codes;
  for (const auto& site : inventory.sites) codes.push_back(site.code);
  return fmt::format("{}", fmt::join(codes, ", "));
}

}  // namespace

void AddLmhostsCommands(CLI::App& app, int& exit_code) {
  auto lmhosts = std::make_shared<LmhostsOptions>();
  auto* lmhosts_command = app.add_subcommand(
      "lmhosts",
      "Write LMHOSTS entries (KB 180094 format) for every site's management point, proxy management point "
      "and server locator point, for clients without WINS or Active Directory");
  AddInventoryOptions(*lmhosts_command, lmhosts->input);
  lmhosts_command->add_option("-o,--output", lmhosts->output, "Write to FILE instead of standard output")
      ->type_name("FILE");
  lmhosts_command->callback([lmhosts, &exit_code] {
    const auto loaded = Load(lmhosts->input);
    Emit(report::RenderLmhosts(loaded.inventory), lmhosts->output);
    exit_code = kExitOk;
  });

  auto script = std::make_shared<MpScriptOptions>();
  auto* script_command = app.add_subcommand(
      "mp-script",
      "Write the KB's script that sets an Advanced Client's management point (for clients that reach only "
      "port 80), as VBScript or PowerShell");
  AddInventoryOptions(*script_command, script->input);
  script_command->add_option("--site", script->site, "The clients' site code (required unless --out is given)")
      ->type_name("CODE");
  script_command->add_option("--lang", script->language, "vbs (the KB's VBScript, default) or powershell")
      ->check(CLI::IsMember({"vbs", "powershell"}));
  script_command->add_option("-o,--output", script->output, "Write to FILE instead of standard output")
      ->type_name("FILE");
  script_command->add_option("--out", script->out_dir, "Write set-mp-<SITE>.vbs and .ps1 for every site into DIR")
      ->type_name("DIR");
  script_command->callback([script, &exit_code] {
    const auto loaded = Load(script->input);
    const auto& inventory = loaded.inventory;
    if (script->out_dir) {
      core::CreateFolders(*script->out_dir);
      for (int s = 0; s < static_cast<int>(inventory.sites.size()); ++s) {
        for (const auto& [language, extension] : {std::pair{report::ScriptLanguage::kVbscript, "vbs"},
                                                  std::pair{report::ScriptLanguage::kPowerShell, "ps1"}}) {
          const auto path =
              std::filesystem::path(*script->out_dir) / fmt::format("set-mp-{}.{}", inventory.sites[s].code, extension);
          try {
            Emit(report::RenderMpScript(inventory, s, language), path.string());
            std::cerr << "wrote " << path.string() << "\n";
          } catch (const std::invalid_argument& e) {
            std::cerr << "skipped " << path.string() << ": " << e.what() << "\n";
          }
        }
      }
      exit_code = kExitOk;
      return;
    }
    if (!script->site)
      BadArgument("--site", fmt::format("give the clients' site code ({}) or --out DIR", SiteCodes(inventory)));
    const int site = inventory.FindSite(*script->site);
    if (site < 0)
      BadArgument("--site",
                  fmt::format("no site '{}' in {} (sites: {})", *script->site, inventory.file, SiteCodes(inventory)));
    const auto language =
        script->language == "powershell" ? report::ScriptLanguage::kPowerShell : report::ScriptLanguage::kVbscript;
    try {
      Emit(report::RenderMpScript(inventory, site, language), script->output);
    } catch (const std::invalid_argument& e) {
      BadArgument("--site", e.what());
    }
    exit_code = kExitOk;
  });
}

}  // namespace portolan::cli
