#include "inventory/inventory_loader.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <tuple>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "catalog/catalog_loader.hpp"
#include "core/atomic_file.hpp"
#include "core/yaml_reader.hpp"

namespace portolan::inventory {

namespace {

using core::Diagnostics;
using core::MapReader;
using core::SourceLocation;
using core::Where;

constexpr std::size_t kSiteCodeLength = 3;      // SMS site codes are three characters
constexpr std::size_t kNetbiosNameLength = 15;  // the 16th byte is the NetBIOS suffix
constexpr std::size_t kMaxListedSites = 12;     // an unknown parent's message lists at most these

// "AAA, BBB, CCC", or the first kMaxListedSites and how many more.
std::string ListCodes(const std::vector<std::string>& codes) {
  if (codes.size() <= kMaxListedSites) return fmt::format("{}", fmt::join(codes, ", "));
  return fmt::format("{}, and {} more",
                     fmt::join(codes.begin(), codes.begin() + static_cast<std::ptrdiff_t>(kMaxListedSites), ", "),
                     codes.size() - kMaxListedSites);
}

std::string Upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

template <typename Enum>
std::optional<Enum> ReadChoice(MapReader& map, std::string_view key,
                               std::initializer_list<std::pair<std::string_view, Enum>> choices) {
  const auto node = map.Get(key);
  if (!node.IsDefined()) return std::nullopt;
  std::vector<std::string_view> names;
  for (const auto& [name, value] : choices) {
    if (node.IsScalar() && node.Scalar() == name) return value;
    names.push_back(name);
  }
  map.diags().Error(Where(map.file(), node),
                    fmt::format("'{}' must be one of: {}; found '{}'", key, fmt::join(names, ", "),
                                node.IsScalar() ? node.Scalar() : std::string("a non-text value")));
  return std::nullopt;
}

class InventoryParser {
 public:
  InventoryParser(const std::string& file, const catalog::Catalog& catalog, Diagnostics& diags)
      : file_(file), catalog_(catalog), diags_(diags) {}

  std::optional<Inventory> Parse(const YAML::Node& root) {
    inventory_.file = file_;
    if (root.IsNull()) {
      diags_.Error({file_, 1, 1}, "inventory: the file is empty; expected 'catalog', 'domain' and 'sites'");
      return std::nullopt;
    }
    MapReader top(root, file_, diags_, "inventory");
    if (!top.IsMap()) return std::nullopt;
    inventory_.catalog = top.String("catalog", true).value_or("");
    ReadDomain(top.Get("domain", true));
    const auto sites = top.Get("sites", true);
    if (sites.IsDefined()) {
      if (!sites.IsSequence() || sites.size() == 0) {
        diags_.Error(Where(file_, sites), "'sites' must be a list with at least one site");
      } else {
        for (const auto& site : sites) ReadSite(site);
      }
    }
    top.Finish();
    LinkSites();
    CheckSites();
    LinkProxies();
    if (diags_.HasErrors()) return std::nullopt;
    return std::move(inventory_);
  }

 private:
  void ReadDomain(const YAML::Node& node) {
    if (!node.IsDefined()) return;
    MapReader map(node, file_, diags_, "domain");
    inventory_.domain.name = map.String("name", true).value_or("");
    const auto rpc = map.Get("rpc_dynamic_ports");
    if (rpc.IsDefined()) {
      core::PortSet ports;
      for (const auto& [text, item] : core::ReadStringList(rpc, file_, diags_, "domain 'rpc_dynamic_ports'")) {
        std::string error;
        if (auto range = core::ParsePortRange(text, &error)) {
          ports = ports.Union(core::PortSet::Of(*range));
        } else {
          diags_.Error(Where(file_, item), "domain 'rpc_dynamic_ports': " + error);
        }
      }
      if (!ports.Empty()) inventory_.domain.rpc_dynamic_ports = ports;
    } else if (map.IsMap()) {
      const auto* setting = catalog_.FindSetting("rpc_dynamic_ports");
      diags_.Warning(map.Location(),
                     fmt::format("domain has no 'rpc_dynamic_ports'; using {} (set it to the range your servers use)",
                                 setting != nullptr ? setting->default_ports.ToString() : "the catalog's default"));
    }
    inventory_.domain.schema_extended = map.Bool("schema_extended").value_or(true);
    map.Finish();
  }

  void ReadSite(const YAML::Node& node) {
    MapReader map(node, file_, diags_, "site");
    if (!map.IsMap()) return;
    Site site;
    site.where = map.Location();
    const int index = static_cast<int>(inventory_.sites.size());
    if (const auto code = map.String("code", true)) {
      const bool valid = code->size() == kSiteCodeLength &&
                         std::all_of(code->begin(), code->end(), [](unsigned char c) { return std::isalnum(c); });
      if (!valid) {
        diags_.Error(Where(file_, map.Get("code")),
                     fmt::format("site code '{}' must be {} letters or digits (e.g. AAA)", *code, kSiteCodeLength));
      }
      site.code = Upper(*code);
      if (const auto it = site_codes_.find(site.code); it != site_codes_.end()) {
        diags_.Error(Where(file_, map.Get("code")),
                     fmt::format("duplicate site code '{}' (first used at {})", site.code, it->second.ToString()));
      } else {
        site_codes_.emplace(site.code, Where(file_, map.Get("code")));
      }
    }
    site.name = map.String("name").value_or(site.code);
    site.zone = ReadZone(map).value_or(site.code);
    if (const auto parent = map.String("parent")) {
      site.parent_code = Upper(*parent);
      parent_locations_[index] = Where(file_, map.Get("parent"));
    }
    site.type =
        ReadChoice<SiteType>(map, "type", {{"primary", SiteType::kPrimary}, {"secondary", SiteType::kSecondary}})
            .value_or(SiteType::kPrimary);
    if (map.Has("sender")) sender_locations_[index] = Where(file_, map.Get("sender"));
    site.sender =
        ReadChoice<Sender>(map, "sender",
                           {{"standard", Sender::kStandard}, {"ras", Sender::kRas}, {"courier", Sender::kCourier}})
            .value_or(Sender::kStandard);
    inventory_.sites.push_back(site);

    const auto hosts = map.Get("hosts", true);
    if (hosts.IsDefined()) {
      if (!hosts.IsSequence()) {
        diags_.Error(Where(file_, hosts), "'hosts' must be a list of hosts");
      } else {
        for (const auto& host : hosts) ReadHost(host, index);
      }
    }
    const auto clients = map.Get("clients");
    if (clients.IsDefined()) {
      if (!clients.IsSequence()) {
        diags_.Error(Where(file_, clients), "'clients' must be a list of client networks");
      } else {
        for (const auto& client : clients) ReadClient(client, index);
      }
    }
    map.Finish();
  }

  void ReadName(MapReader& map, Endpoint& endpoint, std::string_view what) {
    const auto name = map.String("name", true);
    if (!name) return;
    endpoint.name = *name;
    const auto upper = Upper(*name);
    if (const auto it = names_.find(upper); it != names_.end()) {
      diags_.Error(Where(file_, map.Get("name")),
                   fmt::format("duplicate name '{}' (first used at {}); names are case-insensitive, as in NetBIOS",
                               *name, it->second.ToString()));
    } else {
      names_.emplace(upper, Where(file_, map.Get("name")));
    }
    if (what == "host" && name->size() > kNetbiosNameLength) {
      diags_.Warning(Where(file_, map.Get("name")),
                     fmt::format("host name '{}' is longer than {} characters; its NetBIOS name is '{}'", *name,
                                 kNetbiosNameLength, name->substr(0, kNetbiosNameLength)));
    }
  }

  void ReadAddresses(MapReader& map, Endpoint& endpoint, bool networks) {
    const std::string_view one = networks ? "network" : "address";
    const std::string_view many = networks ? "networks" : "addresses";
    std::vector<std::pair<std::string, YAML::Node>> items;
    if (const auto node = map.Get(one); node.IsDefined()) {
      if (auto s = core::ReadString(node, file_, diags_, fmt::format("'{}'", one))) items.emplace_back(*s, node);
    }
    if (const auto node = map.Get(many); node.IsDefined()) {
      for (auto& item : core::ReadStringList(node, file_, diags_, fmt::format("'{}'", many))) items.push_back(item);
    }
    for (const auto& [text, node] : items) {
      core::ParseFailure failure;
      const auto parsed = networks ? core::ParseNetwork(text, &failure) : core::ParseAddress(text, &failure);
      if (!parsed) {
        diags_.Error(Where(file_, node),
                     fmt::format("bad {}: {}", networks ? "network (CIDR)" : "address", failure.message));
        continue;
      }
      if (!networks) {
        const auto key = parsed->ToString();
        if (const auto it = addresses_.find(key); it != addresses_.end()) {
          diags_.Error(Where(file_, node),
                       fmt::format("address {} is already used by {} at {}", parsed->AddressString(), it->second.first,
                                   it->second.second.ToString()));
        } else {
          addresses_.emplace(key, std::make_pair(endpoint.name, Where(file_, node)));
        }
      }
      endpoint.addresses.push_back(*parsed);
    }
    if (items.empty() && map.IsMap()) {
      diags_.Error(map.Location(),
                   fmt::format("{} '{}' has no {} (expected '{}: {}')", networks ? "client network" : "host",
                               endpoint.name, one, one, networks ? "10.1.0.0/16" : "10.0.0.1"));
    }
  }

  void ReadRoles(MapReader& map, Endpoint& endpoint) {
    const auto node = map.Get("roles", true);
    if (!node.IsDefined()) return;
    if (node.IsSequence() && node.size() == 0) {
      diags_.Warning(Where(file_, node), fmt::format("host '{}' has no roles", endpoint.name));
    }
    for (const auto& [role, item] : core::ReadStringList(node, file_, diags_, "'roles'")) {
      if (catalog_.FindRole(role) == nullptr) {
        diags_.Error(Where(file_, item), fmt::format("unknown role '{}'{} (catalog {} has: {})", role,
                                                     core::DidYouMean(role, catalog_.RoleIds()), catalog_.name,
                                                     fmt::join(catalog_.RoleIds(), ", ")));
        continue;
      }
      if (endpoint.HasRole(role)) {
        diags_.Warning(Where(file_, item), fmt::format("role '{}' is listed twice", role));
        continue;
      }
      endpoint.roles.push_back(role);
      role_locations_[{endpoint.name, role}] = Where(file_, item);
    }
  }

  // Zone names end up as interface, chain and object-group names: keep them to a safe alphabet.
  std::optional<std::string> ReadZone(MapReader& map) {
    auto zone = map.String("zone");
    if (!zone) return std::nullopt;
    constexpr std::size_t kMaxZoneLength = 24;
    const bool valid = !zone->empty() && zone->size() <= kMaxZoneLength &&
                       std::isalpha(static_cast<unsigned char>((*zone)[0])) &&
                       std::all_of(zone->begin(), zone->end(),
                                   [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
    if (!valid) {
      diags_.Error(
          Where(file_, map.Get("zone")),
          fmt::format("zone '{}' must be 1 to {} letters, digits, '-' or '_', starting with a letter (e.g. dmz)", *zone,
                      kMaxZoneLength));
      return std::nullopt;
    }
    return zone;
  }

  std::optional<RemoteControl> ReadRemoteControl(MapReader& map) {
    return ReadChoice<RemoteControl>(
        map, "remote_control",
        {{"tcp", RemoteControl::kTcp}, {"netbios", RemoteControl::kNetbios}, {"none", RemoteControl::kNone}});
  }

  void ReadSql(MapReader& map, Endpoint& endpoint) {
    const auto node = map.Get("sql");
    if (!node.IsDefined()) return;
    MapReader sql_map(node, file_, diags_, "sql");
    SqlSettings sql;
    sql.port = sql_map.Int("port", core::kMinPort, core::kMaxPort);
    sql.named_pipes = sql_map.Bool("named_pipes").value_or(false);
    sql.instance = sql_map.String("instance");
    sql_map.Finish();
    endpoint.sql = sql;
    if (!endpoint.HasRole("site-database") && !endpoint.roles.empty()) {
      diags_.Warning(Where(file_, node), fmt::format("host '{}' has 'sql' settings but not the site-database role; "
                                                     "they have no effect",
                                                     endpoint.name));
    }
  }

  // A host with the http-proxy role: its port, how clients log on, and what they reach directly.
  void ReadHttpProxy(MapReader& map, Endpoint& host) {
    const auto node = map.Get("http_proxy");
    if (!node.IsDefined()) {
      if (host.HasRole("http-proxy")) {
        HttpProxySettings settings;
        settings.where = host.where;
        if (const auto* setting = catalog_.FindSetting("http_proxy_port");
            setting && setting->default_ports.Count() == 1) {
          settings.port = setting->default_ports.Ranges().front().first;
        }
        host.http_proxy = settings;
      }
      return;
    }
    MapReader proxy_map(node, file_, diags_, "http_proxy");
    HttpProxySettings settings;
    settings.where = Where(file_, node);
    if (const auto port = proxy_map.Int("port", core::kMinPort, core::kMaxPort)) settings.port = *port;
    settings.auth = ReadChoice<ProxyAuth>(proxy_map, "auth",
                                          {{"none", ProxyAuth::kNone},
                                           {"basic", ProxyAuth::kBasic},
                                           {"ntlm", ProxyAuth::kNtlm},
                                           {"negotiate", ProxyAuth::kNegotiate}})
                        .value_or(ProxyAuth::kNone);
    if (const auto bypass = proxy_map.Get("bypass"); bypass.IsDefined()) {
      for (const auto& [text, item] : core::ReadStringList(bypass, file_, diags_, "http_proxy 'bypass'")) {
        // A network (10.0.0.0/24, 10.0.0.1) or the name of a host of the inventory.
        const bool looks_numeric =
            !text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) || text.find(':') != std::string::npos);
        if (looks_numeric) {
          core::ParseFailure failure;
          const auto network = text.find('/') != std::string::npos ? core::ParseNetwork(text, &failure)
                                                                   : core::ParseAddress(text, &failure);
          if (!network) {
            diags_.Error(Where(file_, item), fmt::format("http_proxy 'bypass': bad network: {}", failure.message));
            continue;
          }
          settings.bypass_networks.push_back(*network);
        } else {
          settings.bypass_hosts.push_back(text);
          bypass_locations_.emplace_back(host.name, text, Where(file_, item));
        }
      }
    }
    proxy_map.Finish();
    if (!host.HasRole("http-proxy")) {
      diags_.Warning(settings.where,
                     fmt::format("host '{}' sets 'http_proxy' but does not have the http-proxy role; it has no effect",
                                 host.name));
      return;
    }
    host.http_proxy = settings;
  }

  // 'proxy: NAME' on a client network or host: its web requests go through that http-proxy.
  void ReadProxyName(MapReader& map, Endpoint& endpoint) {
    const auto node = map.Get("proxy");
    if (!node.IsDefined()) return;
    if (auto name = core::ReadString(node, file_, diags_, "'proxy'")) {
      endpoint.proxy_where = Where(file_, node);
      proxy_names_.emplace_back(static_cast<int>(inventory_.endpoints.size()), *name);
    }
  }

  void LinkProxies() {
    std::vector<std::string> proxies;
    for (const auto& e : inventory_.endpoints) {
      if (e.HasRole("http-proxy")) proxies.push_back(e.name);
    }
    const auto index_of = [&](const std::string& name) {
      const auto* found = inventory_.FindEndpoint(name);
      return found == nullptr ? -1 : static_cast<int>(found - inventory_.endpoints.data());
    };
    for (const auto& [endpoint, name] : proxy_names_) {
      auto& e = inventory_.endpoints[endpoint];
      const int proxy = index_of(name);
      if (proxy < 0 || !inventory_.endpoints[proxy].HasRole("http-proxy")) {
        diags_.Error(e.proxy_where,
                     fmt::format("{} '{}': proxy '{}' is not a host with the http-proxy role{}{}",
                                 e.kind == EndpointKind::kHost ? "host" : "client network", e.name, name,
                                 core::DidYouMean(name, proxies),
                                 proxies.empty() ? std::string(" (the inventory has none)")
                                                 : fmt::format(" (http-proxy hosts: {})", fmt::join(proxies, ", "))));
        continue;
      }
      if (proxy == endpoint) {
        diags_.Error(e.proxy_where, fmt::format("host '{}' names itself as its proxy", e.name));
        continue;
      }
      e.proxy = proxy;
    }
    for (const auto& [proxy, name, where] : bypass_locations_) {
      if (index_of(name) < 0) {
        diags_.Error(where, fmt::format("http-proxy '{}': bypass names '{}', which is neither a host of the inventory "
                                        "nor a network (10.0.0.0/24)",
                                        proxy, name));
      }
    }
  }

  void ReadHost(const YAML::Node& node, int site) {
    MapReader map(node, file_, diags_, "host");
    if (!map.IsMap()) return;
    Endpoint host;
    host.kind = EndpointKind::kHost;
    host.site = site;
    host.where = map.Location();
    ReadName(map, host, "host");
    host.description = map.String("description").value_or("");
    ReadRoles(map, host);
    ReadAddresses(map, host, false);
    host.bits = map.Bool("bits").value_or(false);
    if (map.Has("bits") && !host.HasRole("distribution-point")) {
      diags_.Warning(Where(file_, map.Get("bits")),
                     fmt::format("host '{}' sets 'bits' but is not a distribution point; it has no effect", host.name));
    }
    host.dhcp = map.Bool("dhcp").value_or(false);
    host.remote_control = ReadRemoteControl(map).value_or(RemoteControl::kNone);
    ReadSql(map, host);
    host.zone = ReadZone(map);
    ReadHttpProxy(map, host);
    ReadProxyName(map, host);
    map.Finish();
    Add(std::move(host));
  }

  void ReadClient(const YAML::Node& node, int site) {
    MapReader map(node, file_, diags_, "client network");
    if (!map.IsMap()) return;
    Endpoint client;
    client.kind = EndpointKind::kClientNetwork;
    client.site = site;
    client.where = map.Location();
    ReadName(map, client, "client network");
    client.description = map.String("description").value_or("");
    ReadAddresses(map, client, true);
    client.roles.push_back(catalog_.client_role);
    client.dhcp = map.Bool("dhcp").value_or(true);
    client.remote_control = ReadRemoteControl(map).value_or(RemoteControl::kNone);
    client.zone = ReadZone(map);
    ReadProxyName(map, client);
    map.Finish();
    Add(std::move(client));
  }

  void Add(Endpoint endpoint) {
    auto& site = inventory_.sites[endpoint.site];
    site.endpoints.push_back(static_cast<int>(inventory_.endpoints.size()));
    inventory_.endpoints.push_back(std::move(endpoint));
  }

  void LinkSites() {
    auto& sites = inventory_.sites;
    std::vector<std::string> codes;
    codes.reserve(sites.size());
    for (const auto& site : sites) codes.push_back(site.code);
    for (std::size_t i = 0; i < sites.size(); ++i) {
      if (!sites[i].parent_code) continue;
      const int parent = inventory_.FindSite(*sites[i].parent_code);
      if (parent < 0) {
        diags_.Error(parent_locations_[static_cast<int>(i)],
                     fmt::format("site {}: unknown parent '{}'{} (sites: {})", sites[i].code, *sites[i].parent_code,
                                 core::DidYouMean(*sites[i].parent_code, codes), ListCodes(codes)));
        continue;
      }
      if (parent == static_cast<int>(i)) {
        diags_.Error(parent_locations_[static_cast<int>(i)], fmt::format("site {} is its own parent", sites[i].code));
        continue;
      }
      sites[i].parent = parent;
    }
    BreakCycles();
    for (std::size_t i = 0; i < sites.size(); ++i) {
      if (sites[i].parent >= 0) sites[sites[i].parent].children.push_back(static_cast<int>(i));
    }
  }

  // A cycle has no central site above it. Each site is walked over once: a walk stops at a
  // site an earlier walk finished, and finds a cycle when it meets a site of its own path.
  void BreakCycles() {
    auto& sites = inventory_.sites;
    enum class Mark { kUnvisited, kOnPath, kDone };
    std::vector<Mark> marks(sites.size(), Mark::kUnvisited);
    for (std::size_t i = 0; i < sites.size(); ++i) {
      std::vector<int> path;
      int current = static_cast<int>(i);
      while (current >= 0 && marks[current] == Mark::kUnvisited) {
        marks[current] = Mark::kOnPath;
        path.push_back(current);
        current = sites[current].parent;
      }
      if (current >= 0 && marks[current] == Mark::kOnPath) {
        std::vector<int> cycle(std::find(path.begin(), path.end(), current), path.end());
        // Told from the site that comes first in the file, whose 'parent' is reported.
        std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
        std::vector<std::string> codes;
        codes.reserve(cycle.size());
        for (const int s : cycle) codes.push_back(sites[s].code);
        codes.push_back(sites[cycle.front()].code);
        diags_.Error(parent_locations_[cycle.front()],
                     fmt::format("the site hierarchy has a cycle: {}", fmt::join(codes, " -> parent ")));
        for (const int s : cycle) sites[s].parent = -1;  // keep later checks from looping
      }
      for (const int s : path) marks[s] = Mark::kDone;
    }
  }

  std::vector<int> HostsWithRole(const Site& site, std::string_view role) const {
    std::vector<int> out;
    for (const int e : site.endpoints) {
      if (inventory_.endpoints[e].kind == EndpointKind::kHost && inventory_.endpoints[e].HasRole(role))
        out.push_back(e);
    }
    return out;
  }

  void CheckSites() {
    if (diags_.HasErrors() && inventory_.sites.empty()) return;
    std::vector<std::string> central;
    for (std::size_t i = 0; i < inventory_.sites.size(); ++i) {
      const auto& site = inventory_.sites[i];
      const int index = static_cast<int>(i);
      if (!site.parent_code) central.push_back(site.code);
      const auto servers = HostsWithRole(site, "site-server");
      if (servers.empty()) {
        diags_.Error(site.where, fmt::format("site {} has no host with the site-server role", site.code));
      } else if (servers.size() > 1) {
        diags_.Error(inventory_.endpoints[servers[1]].where,
                     fmt::format("site {} has more than one site server ({} and {}); a site has exactly one", site.code,
                                 inventory_.endpoints[servers[0]].name, inventory_.endpoints[servers[1]].name));
      }
      const auto databases = HostsWithRole(site, "site-database");
      if (site.type == SiteType::kSecondary) {
        if (!site.parent_code) {
          diags_.Error(site.where, fmt::format("secondary site {} needs a 'parent'", site.code));
        }
        for (const int db : databases) {
          const auto& host = inventory_.endpoints[db];
          diags_.Error(role_locations_[{host.name, "site-database"}],
                       fmt::format("secondary site {} cannot have a site database ({}); its proxy management point "
                                   "uses the parent's",
                                   site.code, host.name));
        }
        for (const int child : site.children) {
          diags_.Error(parent_locations_[child], fmt::format("site {} cannot have secondary site {} as its parent; "
                                                             "secondary sites have no child sites",
                                                             inventory_.sites[child].code, site.code));
        }
      } else if (databases.empty()) {
        diags_.Error(site.where, fmt::format("primary site {} has no host with the site-database role", site.code));
      } else if (databases.size() > 1) {
        diags_.Error(inventory_.endpoints[databases[1]].where,
                     fmt::format("site {} has more than one site database ({} and {})", site.code,
                                 inventory_.endpoints[databases[0]].name, inventory_.endpoints[databases[1]].name));
      }
      if (!site.parent_code && sender_locations_.count(index) != 0) {
        diags_.Warning(sender_locations_[index],
                       fmt::format("site {} has no parent; its 'sender' has no effect", site.code));
      }
    }
    if (central.size() > 1) {
      diags_.Warning(inventory_.sites.front().where,
                     fmt::format("{} sites have no parent ({}): they form separate hierarchies", central.size(),
                                 fmt::join(central, ", ")));
    }
  }

  std::string file_;
  const catalog::Catalog& catalog_;
  Diagnostics& diags_;
  Inventory inventory_;
  std::map<std::string, SourceLocation> site_codes_;
  std::vector<std::pair<int, std::string>> proxy_names_;  // endpoint index, the proxy it names
  std::vector<std::tuple<std::string, std::string, SourceLocation>> bypass_locations_;  // proxy, host, where
  std::map<std::string, SourceLocation> names_;
  std::map<std::string, std::pair<std::string, SourceLocation>> addresses_;
  std::map<int, SourceLocation> parent_locations_;
  std::map<int, SourceLocation> sender_locations_;
  std::map<std::pair<std::string, std::string>, SourceLocation> role_locations_;
};

}  // namespace

namespace {

// The catalog name from an already parsed document.
std::optional<std::string> CatalogNameOf(const YAML::Node& root, const std::string& file, Diagnostics& diags) {
  if (root.IsNull()) {
    diags.Error({file, 1, 1}, "inventory: the file is empty; expected 'catalog', 'domain' and 'sites'");
    return std::nullopt;
  }
  if (!root.IsMap()) {
    diags.Error(Where(file, root), "inventory: expected a mapping with 'catalog', 'domain' and 'sites'");
    return std::nullopt;
  }
  const auto node = root["catalog"];
  if (!node.IsDefined() || node.IsNull()) {
    diags.Error(Where(file, root), "inventory: missing required key 'catalog' (e.g. 'catalog: sms2003')");
    return std::nullopt;
  }
  return core::ReadString(node, file, diags, "inventory 'catalog'");
}

}  // namespace

std::string Fingerprint(std::string_view text) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("cannot compute SHA-256 (OpenSSL)");
  // Hashed piece by piece, the CR of each CRLF left out, rather than from a converted copy.
  std::size_t from = 0;
  for (auto crlf = text.find("\r\n"); crlf != std::string_view::npos; crlf = text.find("\r\n", from)) {
    EVP_DigestUpdate(context.get(), text.data() + from, crlf - from);
    from = crlf + 1;
  }
  EVP_DigestUpdate(context.get(), text.data() + from, text.size() - from);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(context.get(), digest.data(), &size);
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string hex = "sha256:";
  for (unsigned int i = 0; i < size; ++i) {
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 0xF];
  }
  return hex;
}

std::optional<std::string> PeekCatalogName(const std::string& text, const std::string& file, Diagnostics& diags) {
  const auto root = core::ParseYaml(text, file, diags);
  if (!root) return std::nullopt;
  return CatalogNameOf(*root, file, diags);
}

std::optional<Inventory> ParseInventory(const std::string& text, const std::string& file,
                                        const catalog::Catalog& catalog, Diagnostics& diags) {
  const auto root = core::ParseYaml(text, file, diags);
  if (!root) return std::nullopt;
  auto inventory = InventoryParser(file, catalog, diags).Parse(*root);
  if (inventory) inventory->fingerprint = Fingerprint(text);
  return inventory;
}

LoadedInventory LoadInventory(const std::string& path, const std::optional<std::string>& catalog_file) {
  Diagnostics diags;
  std::string text;
  try {
    text = core::ReadFile(path);
  } catch (const std::exception& e) {
    diags.Error({path, 0, 0}, e.what());
    throw core::InputError(std::move(diags));
  }
  // Parsed once: the catalog name decides how the rest is read.
  const auto root = core::ParseYaml(text, path, diags);
  if (!root) throw core::InputError(std::move(diags));
  const auto name = CatalogNameOf(*root, path, diags);
  if (!name) throw core::InputError(std::move(diags));
  LoadedInventory loaded{
      catalog_file ? catalog::LoadCatalogFile(*catalog_file) : catalog::LoadEmbeddedCatalog(*name), {}, {}};
  auto inventory = InventoryParser(path, loaded.catalog, diags).Parse(*root);
  if (!inventory) throw core::InputError(std::move(diags));
  loaded.inventory = std::move(*inventory);
  loaded.inventory.fingerprint = Fingerprint(text);
  loaded.warnings = std::move(diags);
  return loaded;
}

}  // namespace portolan::inventory
