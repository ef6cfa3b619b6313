// Synthetic SMS 2003 site inventories of any size, for the scale benchmark and for tests:
// a hub-and-spoke hierarchy whose YAML always loads, byte-identical for a given seed.

#include "generator/inventory_generator.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <random>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace portolan::bench {

namespace {

// Address plan: 10.0.0.0/9 holds each site's server subnets (consecutive /24s), 10.128.0.0/9
// the client networks; IPv6 lives in fd00:0::/32 (hosts, a /48 per site) and fd00:1::/32
// (client networks, one /64 each).
constexpr std::uint32_t kServerPool = 0x0A000000;  // 10.0.0.0
constexpr std::uint32_t kClientPool = 0x0A800000;  // 10.128.0.0
constexpr std::uint32_t kPoolSize = 1U << 23;      // a /9
constexpr int kHostsPerSubnet = 250;               // .1 to .250; the top of a /24 is left for routers
constexpr int kWidestClientPrefix = 22;
constexpr int kNarrowestClientPrefix = 28;
constexpr int kSitesPerHub = 25;
constexpr int kDeepestParent = 2;  // central 0, hubs 1, branches 2 may have children: 4 levels in all

// Independent streams per concern, so that e.g. more hosts do not reshuffle the site tree.
enum class Stream : std::uint64_t { kTree = 1, kSizes, kHosts, kClients, kInventory };

std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// std::uniform_*_distribution differ between standard libraries; mt19937_64's raw output
// does not, so every draw is derived from it by plain arithmetic.
class Random {
 public:
  Random(std::uint64_t seed, Stream stream)
      : engine_(SplitMix64(seed ^ SplitMix64(static_cast<std::uint64_t>(stream)))) {}

  int Below(int n) { return static_cast<int>(engine_() % static_cast<std::uint64_t>(n)); }
  double Unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }

 private:
  std::mt19937_64 engine_;
};

struct SiteSpec {
  std::string code;
  std::string name;
  int parent = -1;
  int depth = 0;
  int hub_ordinal = -1;  // 0-based among hubs, -1 when not a hub
  bool secondary = false;
  std::string_view sender;  // empty: standard, left out of the YAML
  int host_count = 0;
  int client_count = 0;
};

struct HostSpec {
  std::string name;
  std::vector<std::string_view> roles;
  std::vector<std::string> addresses;
  std::optional<bool> bits;
  bool dhcp = false;
  std::string_view remote_control;
  std::string sql;  // a YAML flow mapping, or empty
};

struct ClientSpec {
  std::string name;
  std::vector<std::string> networks;
  std::string_view remote_control;
  bool no_dhcp = false;
};

struct InventoryTraits {
  bool has_wins = true;
  bool has_global_catalog = true;
  bool schema_extended = true;
  std::vector<std::string_view> rpc_ports;  // empty: left out (the loader warns and uses the default)
  int wins_hub_stride = 5;                  // every n-th hub runs WINS
};

struct FillerRole {
  std::string_view role;
  std::string_view companion;  // a role that usually shares the host, or empty
  int weight;
};

// What the extra servers of a site mostly are: branch distribution points, then consoles,
// domain controllers and the SMS roles a busy primary site scales out. Roughly one server in
// twenty is a DNS server, as when DNS runs on the domain controllers of larger sites.
constexpr FillerRole kPrimaryFiller[] = {
    {"distribution-point", "", 60},
    {"admin-console", "", 6},
    {"global-catalog", "dns-server", 3},
    {"dns-server", "", 1},
    {"dhcp-server", "", 2},
    {"management-point", "", 2},
    {"reporting-point", "", 2},
    {"sms-provider", "", 1},
    {"server-locator-point", "", 1},
    {"advanced-client", "", 4},
    {"distribution-point", "advanced-client", 5},
};
constexpr FillerRole kSecondaryFiller[] = {
    {"distribution-point", "", 70}, {"global-catalog", "dns-server", 4}, {"dns-server", "", 1}, {"dhcp-server", "", 2},
    {"admin-console", "", 4},       {"advanced-client", "", 5},
};

std::string_view NamePrefix(std::string_view role) {
  static constexpr std::pair<std::string_view, std::string_view> kPrefixes[] = {
      {"site-server", "SMS"},     {"site-database", "SQL"},          {"sms-provider", "PRV"},
      {"management-point", "MP"}, {"proxy-management-point", "PMP"}, {"server-locator-point", "SLP"},
      {"reporting-point", "RPT"}, {"distribution-point", "DP"},      {"global-catalog", "DC"},
      {"advanced-client", "SRV"}, {"admin-console", "ADM"},          {"dns-server", "DNS"},
      {"wins-server", "WINS"},    {"dhcp-server", "DHCP"},           {"ras-server", "RAS"},
  };
  for (const auto& [id, prefix] : kPrefixes) {
    if (id == role) return prefix;
  }
  return "HOST";
}

std::string SiteCode(int index) {
  constexpr std::string_view kDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  return {static_cast<char>('A' + index / (36 * 36)), kDigits[(index / 36) % 36], kDigits[index % 36]};
}

std::string Ipv4(std::uint32_t address) {
  return fmt::format("{}.{}.{}.{}", address >> 24, (address >> 16) & 0xFF, (address >> 8) & 0xFF, address & 0xFF);
}

// Largest-remainder apportionment: the parts sum to total exactly.
std::vector<int> Apportion(int total, const std::vector<double>& weights) {
  std::vector<int> parts(weights.size(), 0);
  if (weights.empty() || total <= 0) return parts;
  double sum = 0;
  for (const double w : weights) sum += w;
  std::vector<std::pair<double, int>> remainders;
  int given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const double quota = static_cast<double>(total) * weights[i] / sum;
    parts[i] = static_cast<int>(std::floor(quota));
    given += parts[i];
    remainders.emplace_back(quota - parts[i], static_cast<int>(i));
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (int k = 0; given < total; ++k, ++given) parts[remainders[k % remainders.size()].second] += 1;
  return parts;
}

void AddRoles(std::vector<std::string_view>& roles, std::initializer_list<std::string_view> extra) {
  for (const auto role : extra) {
    if (!role.empty() && std::find(roles.begin(), roles.end(), role) == roles.end()) roles.push_back(role);
  }
}

class Generator {
 public:
  explicit Generator(const GeneratorOptions& options) : options_(options) {}

  std::string Run() {
    Validate();
    ChooseTraits();
    BuildTree();
    SizeSites();
    std::string out;
    out.reserve(static_cast<std::size_t>(options_.hosts) * 120 +
                static_cast<std::size_t>(options_.client_networks) * 90);
    WriteHeader(out);
    Random host_rng(options_.seed, Stream::kHosts);
    Random client_rng(options_.seed, Stream::kClients);
    for (int s = 0; s < static_cast<int>(sites_.size()); ++s) {
      WriteSite(out, s, BuildHosts(s, host_rng), BuildClients(s, client_rng));
    }
    return out;
  }

 private:
  void Validate() {
    const auto fraction_ok = [](double f) { return f >= 0.0 && f <= 1.0; };  // false for NaN
    if (options_.sites < 1 || options_.sites > kMaxSites) {
      throw std::invalid_argument(fmt::format("sites must be between 1 and {}; got {}", kMaxSites, options_.sites));
    }
    if (options_.hosts < 0 || options_.client_networks < 0) {
      throw std::invalid_argument("hosts and client networks cannot be negative");
    }
    if (!fraction_ok(options_.secondary_fraction) || !fraction_ok(options_.ras_fraction) ||
        !fraction_ok(options_.ipv6_fraction)) {
      throw std::invalid_argument("secondary, RAS and IPv6 fractions must be between 0 and 1");
    }
    host_total_ = std::max(options_.hosts, options_.sites);
    client_prefix_ = kWidestClientPrefix;
    // Half the pool at most, so that aligning mixed sizes can never run out of room.
    while (static_cast<std::uint64_t>(options_.client_networks) << (32 - client_prefix_) > kPoolSize / 2) {
      if (++client_prefix_ > kNarrowestClientPrefix) {
        throw std::invalid_argument(fmt::format("too many client networks: {}", options_.client_networks));
      }
    }
  }

  void ChooseTraits() {
    Random rng(options_.seed, Stream::kInventory);
    traits_.rpc_ports = {"1025-5000"};
    if (!options_.variety) return;
    traits_.has_wins = !rng.Chance(0.15);
    traits_.has_global_catalog = !rng.Chance(0.15);
    traits_.schema_extended = !rng.Chance(0.15);
    traits_.wins_hub_stride = 3 + rng.Below(4);
    switch (rng.Below(5)) {
      case 0: traits_.rpc_ports = {"5000-5100"}; break;
      case 1: traits_.rpc_ports = {"49152-65535"}; break;
      case 2: traits_.rpc_ports = {"5000-5020", "5100-5120"}; break;
      case 3: traits_.rpc_ports = {}; break;
      default: break;
    }
  }

  void BuildTree() {
    Random rng(options_.seed, Stream::kTree);
    const int count = options_.sites;
    const int others = count - 1;
    // Hubs are always primary, so there can be no more of them than primaries are wanted.
    const int wanted_hubs = others == 0 ? 0 : std::max(1, (others + kSitesPerHub - 1) / kSitesPerHub);
    const int hubs =
        std::min(wanted_hubs, static_cast<int>(std::floor((1.0 - options_.secondary_fraction) * others + 1e-9)));
    const double secondary_chance =
        others - hubs > 0 ? std::min(1.0, options_.secondary_fraction * others / (others - hubs)) : 0.0;

    sites_.resize(static_cast<std::size_t>(count));
    std::vector<int> branch_parents;  // primary branches that may have children of their own
    for (int s = 0; s < count; ++s) {
      auto& site = sites_[s];
      site.code = SiteCode(s);
      if (s == 0) {
        site.name = "Headquarters";
        continue;
      }
      if (s <= hubs) {
        site.parent = 0;
        site.hub_ordinal = s - 1;
        site.name = fmt::format("Region {:02} hub", s);
      } else {
        const double r = rng.Unit();
        if (hubs > 0 && r < 0.7) {
          site.parent = 1 + rng.Below(hubs);
        } else if (!branch_parents.empty() && r < 0.93) {
          site.parent = branch_parents[rng.Below(static_cast<int>(branch_parents.size()))];
        } else if (hubs > 0 && r < 0.93) {
          site.parent = 1 + rng.Below(hubs);
        } else {
          site.parent = 0;
        }
        site.secondary = rng.Chance(secondary_chance);
        site.name = fmt::format("{} {:04}", site.secondary ? "Outpost" : "Branch", s);
      }
      site.depth = sites_[site.parent].depth + 1;
      if (site.hub_ordinal < 0 && !site.secondary && site.depth <= kDeepestParent) branch_parents.push_back(s);
      if (rng.Chance(options_.ras_fraction)) {
        site.sender = "ras";
      } else if (options_.variety && rng.Chance(0.05)) {
        site.sender = "courier";
      }
    }
  }

  void SizeSites() {
    Random rng(options_.seed, Stream::kSizes);
    std::vector<double> host_weights;
    std::vector<double> client_weights;
    for (const auto& site : sites_) {
      const double jitter = options_.variety ? 0.5 + rng.Unit() : 1.0;
      const bool central = site.parent < 0;
      const bool hub = site.hub_ordinal >= 0;
      host_weights.push_back(jitter * (central ? 24.0 : hub ? 8.0 : site.secondary ? 1.5 : 3.0));
      client_weights.push_back(jitter * (central ? 6.0 : hub ? 4.0 : site.secondary ? 1.0 : 2.0));
    }
    // Every site needs its site server; only the rest is shared out by weight.
    const auto extra_hosts = Apportion(host_total_ - options_.sites, host_weights);
    const auto clients = Apportion(options_.client_networks, client_weights);
    int subnets = 0;
    for (std::size_t s = 0; s < sites_.size(); ++s) {
      sites_[s].host_count = 1 + extra_hosts[s];
      sites_[s].client_count = clients[s];
      subnets += (sites_[s].host_count + kHostsPerSubnet - 1) / kHostsPerSubnet;
    }
    if (static_cast<std::uint64_t>(subnets) * 256 > kPoolSize) {
      throw std::invalid_argument(fmt::format("too many hosts for the address plan: {}", host_total_));
    }
  }

  // The role sets of a site's hosts, most important first; the first is the site server.
  std::vector<std::vector<std::string_view>> RoleSets(int s, Random& rng) {
    auto& site = sites_[s];
    const bool variety = options_.variety;
    const bool central = site.parent < 0;
    const bool hub = site.hub_ordinal >= 0;
    std::vector<std::vector<std::string_view>> sets;
    if (site.secondary) {
      sets.push_back({"site-server", "proxy-management-point", "distribution-point"});
    } else {
      sets.push_back({"site-server"});
      std::size_t database = 0;
      if (variety && rng.Chance(0.25)) {
        AddRoles(sets[0], {"site-database"});
      } else {
        database = sets.size();
        sets.push_back({"site-database"});
      }
      if (variety && rng.Chance(0.2)) AddRoles(sets[database], {"sms-provider"});
      const std::size_t mp = sets.size();
      sets.push_back({"management-point"});
      if (central) {
        if (variety && rng.Chance(0.5)) {
          sets.push_back({"server-locator-point", "reporting-point"});
        } else {
          AddRoles(sets[mp], {"server-locator-point", "reporting-point"});
        }
      } else if (hub && variety && rng.Chance(0.3)) {
        AddRoles(sets[mp], {"reporting-point"});
      }
      sets.push_back({"distribution-point"});
    }

    const int dcs = central ? (variety ? 2 + rng.Below(3) : 1)
                    : hub   ? (variety ? 1 + rng.Below(2) : 1)
                            : (rng.Chance(variety ? 0.25 : 0.2) ? 1 : 0);
    const std::size_t first_dc = sets.size();
    const std::string_view gc = traits_.has_global_catalog ? "global-catalog" : "";
    for (int d = 0; d < dcs; ++d) {
      sets.emplace_back();
      AddRoles(sets.back(), {gc, "dns-server"});
    }
    if (traits_.has_wins) {
      if (central) {
        AddRoles(sets[first_dc], {"wins-server"});
        if (variety && dcs > 1) AddRoles(sets[first_dc + 1], {"wins-server"});
      } else if (hub && site.hub_ordinal % traits_.wins_hub_stride == 0) {
        AddRoles(sets[first_dc], {"wins-server"});
      }
    }
    if (central || hub) {
      if (variety && rng.Chance(0.5)) {
        sets.push_back({"dhcp-server"});
      } else {
        AddRoles(sets[first_dc], {"dhcp-server"});
      }
    } else if (dcs > 0 && variety && rng.Chance(0.3)) {
      AddRoles(sets[first_dc], {"dhcp-server"});
    }
    const int consoles = central ? (variety ? 1 + rng.Below(3) : 1)
                         : hub   ? (variety && rng.Chance(0.4) ? 1 : 0)
                                 : (variety && rng.Chance(0.05) ? 1 : 0);
    for (int c = 0; c < consoles; ++c) sets.push_back({"admin-console"});
    if (variety && site.sender == "ras" && rng.Chance(0.4)) sets.push_back({"ras-server"});

    // A small site runs several roles per server: fold what does not fit onto the first hosts.
    const auto n = static_cast<std::size_t>(site.host_count);
    for (std::size_t k = n; k < sets.size(); ++k) {
      auto& target = sets[(k - n) % n];
      for (const auto role : sets[k]) AddRoles(target, {role});
    }
    if (sets.size() > n) sets.resize(n);
    while (sets.size() < n) sets.push_back(FillerSet(site, rng));
    return sets;
  }

  std::vector<std::string_view> FillerSet(const SiteSpec& site, Random& rng) const {
    if (!options_.variety) return {"distribution-point"};
    const auto pick = [&]() -> const FillerRole& {
      const auto* table = site.secondary ? std::begin(kSecondaryFiller) : std::begin(kPrimaryFiller);
      const auto* end = site.secondary ? std::end(kSecondaryFiller) : std::end(kPrimaryFiller);
      int total = 0;
      for (const auto* it = table; it != end; ++it) total += it->weight;
      int r = rng.Below(total);
      for (const auto* it = table; it != end; ++it) {
        if (r < it->weight) return *it;
        r -= it->weight;
      }
      return *table;
    };
    const std::string_view gc = traits_.has_global_catalog ? "global-catalog" : "";
    const auto add = [&](std::vector<std::string_view>& roles, const FillerRole& filler) {
      AddRoles(roles, {filler.role == "global-catalog" ? gc : filler.role, filler.companion});
    };
    std::vector<std::string_view> roles;
    add(roles, pick());
    if (rng.Chance(0.12)) {
      const int more = 1 + rng.Below(3);
      for (int m = 0; m < more; ++m) add(roles, pick());
    }
    if (roles.empty()) roles.push_back("dns-server");  // a domain controller in a domain without a GC
    return roles;
  }

  std::vector<HostSpec> BuildHosts(int s, Random& rng) {
    const auto& site = sites_[s];
    const auto sets = RoleSets(s, rng);
    std::vector<HostSpec> hosts;
    std::vector<std::pair<std::string_view, int>> counters;
    const std::uint32_t subnet_base = kServerPool + (static_cast<std::uint32_t>(next_subnet_) << 8);
    next_subnet_ += (site.host_count + kHostsPerSubnet - 1) / kHostsPerSubnet;
    for (std::size_t j = 0; j < sets.size(); ++j) {
      HostSpec host;
      host.roles = sets[j];
      const auto prefix = NamePrefix(host.roles.front());
      auto counter = std::find_if(counters.begin(), counters.end(), [&](const auto& c) { return c.first == prefix; });
      if (counter == counters.end()) counter = counters.insert(counters.end(), {prefix, 0});
      host.name = fmt::format("{}{}{:02}", site.code, prefix, ++counter->second);

      const auto has = [&](std::string_view role) {
        return std::find(host.roles.begin(), host.roles.end(), role) != host.roles.end();
      };
      const int index = static_cast<int>(j);
      const std::string v4 =
          Ipv4(subnet_base + (static_cast<std::uint32_t>(index / kHostsPerSubnet) << 8) + 1 + index % kHostsPerSubnet);
      const std::string v6 = fmt::format("fd00:0:{:x}:{:x}::{:x}", s, index >> 16, (index & 0xFFFF) + 1);
      const double f = options_.ipv6_fraction;
      const double r = rng.Unit();
      // The SMS core stays reachable over IPv4 so that the hierarchy's own flows exist.
      const bool core = has("site-server") || has("site-database") || has("management-point");
      if (!core && r < f) {
        host.addresses = {v6};
      } else if (r < (core ? f : 2 * f)) {
        host.addresses = {v4, v6};
      } else {
        host.addresses = {v4};
      }

      if (has("distribution-point")) host.bits = options_.variety ? rng.Chance(0.6) : true;
      if (has("site-database") && options_.variety) host.sql = SqlSettings(rng);
      if (options_.variety) {
        host.dhcp = rng.Chance(0.05);
        if (has("advanced-client")) host.remote_control = RemoteControl(rng);
      }
      hosts.push_back(std::move(host));
    }
    return hosts;
  }

  static std::string SqlSettings(Random& rng) {
    switch (rng.Below(7)) {
      case 0: return "{ port: 1433 }";
      case 1: return fmt::format("{{ port: {} }}", 14330 + rng.Below(100));
      case 2: return "{ port: 1433, named_pipes: true }";
      case 3: return "{ named_pipes: true }";
      case 4: return fmt::format("{{ instance: SMS{} }}", 1 + rng.Below(3));
      case 5: return fmt::format("{{ instance: SMS, port: {}, named_pipes: false }}", 2433 + rng.Below(100));
      default: return "";  // the catalog's defaults
    }
  }

  static std::string_view RemoteControl(Random& rng) {
    const int r = rng.Below(20);
    if (r < 11) return "tcp";
    if (r < 16) return "netbios";
    if (r < 18) return "none";
    return "";  // left out: none
  }

  std::vector<ClientSpec> BuildClients(int s, Random& rng) {
    const auto& site = sites_[s];
    std::vector<ClientSpec> clients;
    for (int k = 0; k < site.client_count; ++k) {
      ClientSpec client;
      std::string lower = site.code;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
      client.name = fmt::format("{}-clients-{:02}", lower, k + 1);
      const int prefix = client_prefix_ + (options_.variety ? rng.Below(3) : 0);
      const double f = options_.ipv6_fraction;
      const double r = rng.Unit();
      std::string v4;
      if (r >= f) {
        const std::uint32_t size = 1U << (32 - prefix);
        next_client_offset_ = (next_client_offset_ + size - 1) / size * size;
        v4 = fmt::format("{}/{}", Ipv4(kClientPool + next_client_offset_), prefix);
        next_client_offset_ += size;
      }
      const std::string v6 = fmt::format("fd00:1:{:x}:{:x}::/64", next_client_v6_ >> 16, next_client_v6_ & 0xFFFF);
      if (r < f || r < 2 * f) ++next_client_v6_;
      if (r < f) {
        client.networks = {v6};
      } else if (r < 2 * f) {
        client.networks = {v4, v6};
      } else {
        client.networks = {v4};
      }
      if (options_.variety) {
        client.remote_control = RemoteControl(rng);
        client.no_dhcp = rng.Chance(0.1);
      } else {
        client.remote_control = "tcp";
      }
      clients.push_back(std::move(client));
    }
    return clients;
  }

  void WriteHeader(std::string& out) const {
    auto it = std::back_inserter(out);
    fmt::format_to(
        it,
        "# A synthetic SMS 2003 hierarchy from portolan_gen_inventory (bench/generator): {} sites, {} hosts,\n"
        "# {} client networks, seed {}, secondary {}, ras {}, ipv6 {}, variety {}.\n",
        options_.sites, host_total_, options_.client_networks, options_.seed, options_.secondary_fraction,
        options_.ras_fraction, options_.ipv6_fraction, options_.variety ? "on" : "off");
    out += "catalog: sms2003\ndomain:\n  name: corp.example\n";
    if (!traits_.rpc_ports.empty()) {
      if (traits_.rpc_ports.size() == 1) {
        fmt::format_to(it, "  rpc_dynamic_ports: {}\n", traits_.rpc_ports.front());
      } else {
        fmt::format_to(it, "  rpc_dynamic_ports: [{}]\n", fmt::join(traits_.rpc_ports, ", "));
      }
    }
    if (!traits_.schema_extended) out += "  schema_extended: false\n";
    out += "sites:\n";
  }

  static void WriteList(std::string& out, std::string_view one, std::string_view many,
                        const std::vector<std::string>& items) {
    if (items.size() == 1) {
      fmt::format_to(std::back_inserter(out), "        {}: {}\n", one, items.front());
    } else {
      fmt::format_to(std::back_inserter(out), "        {}: [{}]\n", many, fmt::join(items, ", "));
    }
  }

  void WriteSite(std::string& out, int s, const std::vector<HostSpec>& hosts,
                 const std::vector<ClientSpec>& clients) const {
    const auto& site = sites_[s];
    auto it = std::back_inserter(out);
    fmt::format_to(it, "  - code: {}\n    name: {}\n", site.code, site.name);
    if (site.parent >= 0) fmt::format_to(it, "    parent: {}\n", sites_[site.parent].code);
    if (site.secondary) out += "    type: secondary\n";
    if (site.parent >= 0 && !site.sender.empty()) fmt::format_to(it, "    sender: {}\n", site.sender);
    out += "    hosts:\n";
    for (const auto& host : hosts) {
      fmt::format_to(it, "      - name: {}\n", host.name);
      WriteList(out, "address", "addresses", host.addresses);
      fmt::format_to(it, "        roles: [{}]\n", fmt::join(host.roles, ", "));
      if (host.bits) fmt::format_to(it, "        bits: {}\n", *host.bits);
      if (host.dhcp) out += "        dhcp: true\n";
      if (!host.remote_control.empty()) fmt::format_to(it, "        remote_control: {}\n", host.remote_control);
      if (!host.sql.empty()) fmt::format_to(it, "        sql: {}\n", host.sql);
    }
    if (clients.empty()) return;
    out += "    clients:\n";
    for (const auto& client : clients) {
      fmt::format_to(it, "      - name: {}\n", client.name);
      WriteList(out, "network", "networks", client.networks);
      if (!client.remote_control.empty()) fmt::format_to(it, "        remote_control: {}\n", client.remote_control);
      if (client.no_dhcp) out += "        dhcp: false\n";
    }
  }

  const GeneratorOptions& options_;
  InventoryTraits traits_;
  std::vector<SiteSpec> sites_;
  int host_total_ = 0;
  int client_prefix_ = kWidestClientPrefix;
  int next_subnet_ = 0;
  std::uint32_t next_client_offset_ = 0;
  std::uint32_t next_client_v6_ = 0;
};

}  // namespace

std::string GenerateInventoryYaml(const GeneratorOptions& options) {
  return Generator(options).Run();
}

}  // namespace portolan::bench
