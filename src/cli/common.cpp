#include "cli/common.hpp"

#include <iostream>
#include <map>

#include <fmt/format.h>

#include "core/atomic_file.hpp"

namespace portolan::cli {

void AddInventoryOptions(CLI::App& command, InventoryOptions& options) {
  command.add_option("-i,--inventory", options.inventory, "Site inventory (YAML), e.g. examples/sms2003-site.yaml")
      ->required()
      ->type_name("FILE");
  command
      .add_option("--catalog", options.catalog, "Use this catalog file instead of the built-in one the inventory names")
      ->type_name("FILE");
  command.add_flag("-q,--quiet", options.quiet, "Do not print warnings about the inventory");
}

inventory::LoadedInventory Load(const InventoryOptions& options) {
  auto loaded = inventory::LoadInventory(options.inventory, options.catalog);
  if (!options.quiet && !loaded.warnings.All().empty()) std::cerr << loaded.warnings.ToString();
  return loaded;
}

void AddFormatOption(CLI::App& command, report::Format& format, const std::vector<report::Format>& choices) {
  std::vector<std::string> names;
  for (const auto choice : choices) names.emplace_back(report::FormatName(choice));
  format = choices.front();
  command
      .add_option_function<std::string>(
          "-f,--format", [&format](const std::string& value) { format = *report::ParseFormat(value); },
          fmt::format("Output format: {} (default {})", fmt::join(names, ", "), names.front()))
      ->check(CLI::IsMember(names))
      ->type_name("FORMAT");
}

[[noreturn]] void BadArgument(const std::string& option, const std::string& message) {
  core::Diagnostics diags;
  diags.Error({option, 0, 0}, message);
  throw core::InputError(std::move(diags));
}

void Emit(const std::string& content, const std::optional<std::string>& path) {
  if (path) {
    core::WriteFileAtomically(*path, content);
    return;
  }
  std::cout << content;
  std::cout.flush();
}

std::chrono::milliseconds ParseDuration(const std::string& option, const std::string& text,
                                        std::chrono::milliseconds least, std::chrono::milliseconds most) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    BadArgument(option, fmt::format("'{}' is not a duration (expected e.g. 500ms, 2s, 10m or 2h)", text));
  }
  const std::string unit = text.substr(used);
  static const std::map<std::string, double> kUnits = {
      {"ms", 1}, {"s", 1000}, {"", 1000}, {"m", 60000}, {"h", 3600000}};
  const auto it = kUnits.find(unit);
  if (it == kUnits.end())
    BadArgument(option, fmt::format("'{}': unknown unit '{}' (expected ms, s, m or h)", text, unit));
  const double milliseconds = value * it->second;
  if (!(milliseconds >= static_cast<double>(least.count()) && milliseconds <= static_cast<double>(most.count()))) {
    BadArgument(option, fmt::format("'{}' is out of range ({} ms to {} s)", text, least.count(), most.count() / 1000));
  }
  return std::chrono::milliseconds(static_cast<long long>(milliseconds));
}

}  // namespace portolan::cli
