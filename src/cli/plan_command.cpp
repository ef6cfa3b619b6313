// `portolan plan`: every required flow of an inventory, with its reasons and advisories.

#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "core/atomic_file.hpp"
#include "plan/planner.hpp"
#include "report/plan_report.hpp"

namespace portolan::cli {

namespace {

struct PlanOptions {
  InventoryOptions input;
  core::Format format = core::Format::kTable;
  std::optional<std::string> output;
  std::optional<std::string> out_dir;
};

}  // namespace

void AddPlanCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PlanOptions>();
  auto* command = app.add_subcommand("plan",
                                     "Compute every required flow of a site inventory: source -> destination, "
                                     "protocol, ports, the catalog entries that require it, and advisories");
  AddInventoryOptions(*command, options->input);
  AddFormatOption(*command, options->format,
                  {core::Format::kTable, core::Format::kJson, core::Format::kCsv, core::Format::kMarkdown});
  command->add_option("-o,--output", options->output, "Write to FILE instead of standard output")->type_name("FILE");
  command
      ->add_option("--out", options->out_dir,
                   "Also write plan.txt, plan.json, plan.csv and plan.md into DIR (created if missing)")
      ->type_name("DIR");
  command->callback([options, &exit_code] {
    const auto loaded = Load(options->input);
    const auto plan = plan::BuildPlan(loaded.catalog, loaded.inventory);
    if (options->out_dir) {
      core::CreateFolders(*options->out_dir);
      for (const auto format :
           {core::Format::kTable, core::Format::kJson, core::Format::kCsv, core::Format::kMarkdown}) {
        const auto path =
            std::filesystem::path(*options->out_dir) / fmt::format("plan.{}", core::FormatExtension(format));
        Emit(report::RenderPlan(loaded.catalog, loaded.inventory, plan, format), path.string());
        std::cerr << "wrote " << path.string() << "\n";
      }
    }
    Emit(report::RenderPlan(loaded.catalog, loaded.inventory, plan, options->format), options->output);
    exit_code = kExitOk;
  });
}

}  // namespace portolan::cli
