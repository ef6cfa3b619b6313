// `portolan catalog` and `portolan catalog lint FILE`.

#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "catalog/catalog_lint.hpp"
#include "catalog/catalog_loader.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "core/atomic_file.hpp"
#include "report/catalog_report.hpp"

namespace portolan::cli {

namespace {

struct CatalogOptions {
  std::string name = "sms2003";
  std::optional<std::string> file;
  core::Format format = core::Format::kTable;
  std::string show = "all";
  std::optional<std::string> output;
};

struct LintOptions {
  std::vector<std::string> files;
  core::Format format = core::Format::kTable;
};

report::CatalogPart PartOf(const std::string& show) {
  if (show == "roles") return report::CatalogPart::kRoles;
  if (show == "entries") return report::CatalogPart::kEntries;
  if (show == "advisories") return report::CatalogPart::kAdvisories;
  return report::CatalogPart::kAll;
}

int RunLint(const LintOptions& options) {
  bool errors = false;
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  for (const auto& file : options.files) {
    std::string text;
    try {
      text = core::ReadFile(file);
    } catch (const std::exception& e) {
      std::cerr << "portolan: " << e.what() << "\n";
      return kExitBadInput;
    }
    const auto diags = catalog::LintCatalogText(text, file);
    errors = errors || diags.HasErrors();
    if (options.format == core::Format::kJson) {
      for (const auto& d : diags.All()) {
        json.push_back({{"file", d.where.file},
                        {"line", d.where.line},
                        {"column", d.where.column},
                        {"severity", d.severity == core::Severity::kError ? "error" : "warning"},
                        {"message", d.message}});
      }
      continue;
    }
    std::cout << diags.ToString();
    std::size_t error_count = 0;
    for (const auto& d : diags.All()) error_count += d.severity == core::Severity::kError ? 1 : 0;
    std::cout << fmt::format("{}: {} error{}, {} warning{}\n", file, error_count, error_count == 1 ? "" : "s",
                             diags.All().size() - error_count, diags.All().size() - error_count == 1 ? "" : "s");
  }
  if (options.format == core::Format::kJson) std::cout << json.dump(2) << "\n";
  return errors ? kExitFindings : kExitOk;
}

}  // namespace

void AddCatalogCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CatalogOptions>();
  auto* command =
      app.add_subcommand("catalog", "List the catalog: roles, port entries (with KB citations and errata), advisories");
  command->add_option("--name", options->name, "Built-in catalog to show (default sms2003)")->type_name("NAME");
  command->add_option("--catalog", options->file, "Show this catalog file instead of a built-in one")
      ->type_name("FILE");
  AddFormatOption(*command, options->format,
                  {core::Format::kTable, core::Format::kJson, core::Format::kCsv, core::Format::kMarkdown});
  command->add_option("--show", options->show, "What to list: all, roles, entries, advisories (default all)")
      ->check(CLI::IsMember({"all", "roles", "entries", "advisories"}));
  command->add_option("-o,--output", options->output, "Write to FILE instead of standard output")->type_name("FILE");

  auto lint = std::make_shared<LintOptions>();
  auto* lint_command = command->add_subcommand(
      "lint",
      "Check catalog files: syntax, unknown roles and references, missing citations, duplicate or overlapping "
      "entries. Exit 1 when a file has errors");
  lint_command->add_option("files", lint->files, "Catalog files (YAML)")->required()->type_name("FILE");
  AddFormatOption(*lint_command, lint->format, {core::Format::kTable, core::Format::kJson});
  lint_command->callback([lint, &exit_code] { exit_code = RunLint(*lint); });

  command->callback([command, options, &exit_code] {
    if (command->got_subcommand("lint")) return;
    const auto catalog =
        options->file ? catalog::LoadCatalogFile(*options->file) : catalog::LoadEmbeddedCatalog(options->name);
    Emit(report::RenderCatalog(catalog, options->format, PartOf(options->show)), options->output);
    exit_code = kExitOk;
  });
}

}  // namespace portolan::cli
