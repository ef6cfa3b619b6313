// portolan_gen_inventory: writes a synthetic SMS 2003 inventory (bench/generator) as YAML,
// for the scale benchmark and for trying the planner on hierarchies of any size.

#include <charconv>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "generator/inventory_generator.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitBadUsage = 2;  // the same code portolan uses for bad usage
constexpr int kExitFailed = 1;

constexpr std::string_view kUsage =
    "usage: portolan_gen_inventory [--sites N] [--hosts N] [--clients N] [--seed S]\n"
    "                              [--secondary F] [--ras F] [--ipv6 F] [--no-variety] [-o FILE]\n"
    "\n"
    "Writes a synthetic SMS 2003 site inventory (catalog sms2003) that `portolan plan -i` loads.\n"
    "The same options and seed always give the same bytes.\n"
    "\n"
    "  --sites N       sites in the hierarchy (default 3)\n"
    "  --hosts N       hosts in all (default 12; at least one per site)\n"
    "  --clients N     client networks in all (default 3)\n"
    "  --seed S        random seed, an unsigned 64-bit number (default 1)\n"
    "  --secondary F   share of non-central sites that are secondary, 0 to 1 (default 0.3)\n"
    "  --ras F         share of child sites whose sender is ras, 0 to 1 (default 0.2)\n"
    "  --ipv6 F        share of IPv6-only hosts and networks, 0 to 1 (default 0.1)\n"
    "  --no-variety    plain attributes instead of random ones\n"
    "  -o FILE         write to FILE instead of standard output\n";

template <typename Number>
std::optional<Number> ParseNumber(std::string_view text) {
  Number value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

// std::from_chars for double needs a newer libstdc++ than some CI images have; stod is enough
// here, with the whole argument required to be the number.
std::optional<double> ParseFraction(const std::string& text) {
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used != text.size()) return std::nullopt;
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

int BadUsage(const std::string& message) {
  std::cerr << "portolan_gen_inventory: " << message << "\n\n" << kUsage;
  return kExitBadUsage;
}

}  // namespace

int main(int argc, char** argv) {
  portolan::bench::GeneratorOptions options;
  std::optional<std::string> output;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return kExitOk;
    }
    if (arg == "--no-variety") {
      options.variety = false;
      continue;
    }
    if (i + 1 >= argc) return BadUsage(arg.rfind('-', 0) == 0 ? arg + " needs a value" : "unexpected '" + arg + "'");
    const std::string value = argv[++i];
    const auto count = [&](int& target) {
      const auto parsed = ParseNumber<int>(value);
      if (!parsed || *parsed < 0) return false;
      target = *parsed;
      return true;
    };
    const auto fraction = [&](double& target) {
      const auto parsed = ParseFraction(value);
      if (!parsed) return false;
      target = *parsed;
      return true;
    };
    bool ok = true;
    if (arg == "--sites") {
      ok = count(options.sites);
    } else if (arg == "--hosts") {
      ok = count(options.hosts);
    } else if (arg == "--clients") {
      ok = count(options.client_networks);
    } else if (arg == "--seed") {
      const auto parsed = ParseNumber<std::uint64_t>(value);
      ok = parsed.has_value();
      if (ok) options.seed = *parsed;
    } else if (arg == "--secondary") {
      ok = fraction(options.secondary_fraction);
    } else if (arg == "--ras") {
      ok = fraction(options.ras_fraction);
    } else if (arg == "--ipv6") {
      ok = fraction(options.ipv6_fraction);
    } else if (arg == "-o" || arg == "--output") {
      output = value;
    } else {
      return BadUsage("unknown option '" + arg + "'");
    }
    if (!ok) return BadUsage("bad value for " + arg + ": '" + value + "'");
  }

  std::string yaml;
  try {
    yaml = portolan::bench::GenerateInventoryYaml(options);
  } catch (const std::invalid_argument& e) {
    return BadUsage(e.what());
  }
  if (!output || *output == "-") {
    std::cout << yaml;
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "portolan_gen_inventory: cannot write to standard output\n";
      return kExitFailed;
    }
    return kExitOk;
  }
  std::ofstream file(*output, std::ios::binary | std::ios::trunc);
  file << yaml;
  file.close();
  if (!file) {
    std::cerr << "portolan_gen_inventory: cannot write " << *output << "\n";
    return kExitFailed;
  }
  return kExitOk;
}
