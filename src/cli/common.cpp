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

void AddFormatOption(CLI::App& command, core::Format& format, const std::vector<core::Format>& choices) {
  std::vector<std::string> names;
  names.reserve(choices.size());
  for (const auto choice : choices) names.emplace_back(core::FormatName(choice));
  format = choices.front();
  command
      .add_option_function<std::string>(
          "-f,--format", [&format](const std::string& value) { format = *core::ParseFormat(value); },
          fmt::format("Output format: {} (default {})", fmt::join(names, ", "), names.front()))
      ->check(CLI::IsMember(names))
      ->type_name("FORMAT");
}

[[noreturn]] void BadArgument(const std::string& option, const std::string& message) {
  core::Diagnostics diags;
  diags.Error({option, 0, 0}, message);
  throw core::InputError(std::move(diags));
}

std::chrono::milliseconds ParseDuration(const std::string& option, const std::string& text,
                                        std::chrono::milliseconds min, std::chrono::milliseconds max) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    BadArgument(option, fmt::format("'{}' is not a duration (expected e.g. 500ms, 2s, 10m or 2h)", text));
  }
  const std::string unit = text.substr(used);
  double milliseconds = 0;
  if (unit == "ms") {
    milliseconds = value;
  } else if (unit == "s" || unit.empty()) {
    milliseconds = value * 1000;
  } else if (unit == "m" || unit == "min") {
    milliseconds = value * 60 * 1000;
  } else if (unit == "h") {
    milliseconds = value * 3600 * 1000;
  } else {
    BadArgument(option, fmt::format("'{}': unknown unit '{}' (expected ms, s, m or h)", text, unit));
  }
  if (!(milliseconds >= static_cast<double>(min.count()) && milliseconds <= static_cast<double>(max.count()))) {
    BadArgument(option, fmt::format("'{}' is out of range ({} to {})", text, DurationText(min), DurationText(max)));
  }
  return std::chrono::milliseconds(static_cast<long>(milliseconds));
}

std::string DurationText(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms != 0 && ms % (3600 * 1000) == 0) return fmt::format("{} h", ms / (3600 * 1000));
  if (ms != 0 && ms % (60 * 1000) == 0) return fmt::format("{} min", ms / (60 * 1000));
  if (ms % 1000 == 0) return fmt::format("{} s", ms / 1000);
  return fmt::format("{} ms", ms);
}

void Emit(const std::string& content, const std::optional<std::string>& path) {
  if (path) {
    core::WriteFileAtomically(*path, content);
    return;
  }
  std::cout << content;
  std::cout.flush();
}

}  // namespace portolan::cli
