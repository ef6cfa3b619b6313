#pragma once
// Synthetic SMS 2003 site inventories of any size, for the scale benchmark and for tests:
// a hub-and-spoke hierarchy whose YAML always loads, byte-identical for a given seed.

#include <cstdint>
#include <string>

namespace portolan::bench {

struct GeneratorOptions {
  int sites = 3;            // at least 1, at most kMaxSites
  int hosts = 12;           // every site needs a site server: fewer than `sites` is raised to `sites`
  int client_networks = 3;  // may be 0
  std::uint64_t seed = 1;
  double secondary_fraction = 0.3;  // share of non-central sites that are secondary
  double ras_fraction = 0.2;        // share of child sites using sender: ras (some courier too)
  double ipv6_fraction = 0.1;       // share of hosts/networks IPv6-only; some dual-stack too
  // Random attributes: bits true/false, sql named_pipes / custom port / instance,
  // remote_control tcp/netbios/none, dhcp on hosts, schema_extended false, inventories
  // without WINS or without global catalog, several DCs/DNS/WINS/DHCP servers, hosts
  // carrying many roles, admin consoles in several sites. Off: one plain value for each.
  bool variety = true;
};

// Site codes are three base-36 characters whose first one is a letter.
inline constexpr int kMaxSites = 26 * 36 * 36;

// The inventory as YAML (catalog sms2003). Deterministic for a seed on every platform.
// Throws std::invalid_argument when the options cannot be met (sites out of range,
// negative counts, fractions outside [0, 1], or more endpoints than the address plan holds).
std::string GenerateInventoryYaml(const GeneratorOptions& options);

}  // namespace portolan::bench
