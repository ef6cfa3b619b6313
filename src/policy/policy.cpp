#include "policy/policy.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "core/diagnostics.hpp"
#include "core/yaml_reader.hpp"

namespace portolan::policy {

const std::string kOutsideZone = "outside";

std::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kHost: return "host";
    case Mode::kNetwork: return "network";
    case Mode::kProxy: return "proxy";
  }
  return "?";
}

core::PortSet Rule::Ports() const {
  core::PortSet ports;
  for (const auto& item : items) ports = ports.Union(item.ports);
  return ports;
}

std::vector<int> Rule::Entries() const {
  std::set<int> entries;
  for (const auto& item : items) entries.insert(item.entries.begin(), item.entries.end());
  return {entries.begin(), entries.end()};
}

bool Policy::HasFamily(core::Family family) const {
  return std::any_of(rules.begin(), rules.end(), [&](const Rule& rule) { return rule.family == family; });
}

std::vector<core::Network> Policy::HostNetworks(core::Family family) const {
  std::vector<core::Network> networks;
  if (!options.host) return networks;
  for (const auto& network : inventory->endpoints[*options.host].addresses) {
    if (network.family == family) networks.push_back(network);
  }
  return core::CollapseNetworks(std::move(networks));
}

std::string Policy::HostName() const {
  return options.host ? inventory->endpoints[*options.host].name : std::string();
}

namespace {

// Names end up as nft set names, Cisco object-group names and Windows rule names.
std::string SafeName(std::string_view text) {
  std::string name;
  for (const char c : text) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    name += ok ? c : '_';
  }
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) name = "h" + name;
  return name;
}

PortKeyword KeywordOf(const catalog::Catalog& catalog, catalog::Protocol protocol, const std::vector<int>& entries) {
  if (protocol != catalog::Protocol::kTcp || entries.empty()) return PortKeyword::kNone;
  const auto all = [&](auto predicate) {
    return std::all_of(entries.begin(), entries.end(), [&](int e) { return predicate(catalog.entries[e]); });
  };
  if (all([](const catalog::Entry& e) { return e.port_setting == "rpc_dynamic_ports"; })) {
    return PortKeyword::kRpcDynamic;
  }
  if (all([](const catalog::Entry& e) { return e.service == "epmap"; })) return PortKeyword::kRpcEndpointMapper;
  return PortKeyword::kNone;
}

std::string ListZones(const std::vector<std::string>& zones) {
  constexpr std::size_t kShown = 12;
  if (zones.size() <= kShown) return fmt::format("zones: {}", fmt::join(zones, ", "));
  return fmt::format("{} zones: {}, ...", zones.size(),
                     fmt::join(zones.begin(), zones.begin() + static_cast<std::ptrdiff_t>(kShown), ", "));
}

class Builder {
 public:
  Builder(const PolicyIndex& index, const PolicyOptions& options)
      : index_(index), catalog_(index.catalog()), inventory_(index.inventory()) {
    policy_.options = options;
    policy_.catalog = &catalog_;
    policy_.inventory = &inventory_;
  }

  Policy Build() {
    if (policy_.options.mode == Mode::kProxy) return BuildProxy();
    CheckZones();
    const auto& flows = index_.plan().flows;
    std::vector<int> selected;
    if (policy_.options.mode == Mode::kHost && policy_.options.host) {
      selected = index_.FlowsOf(*policy_.options.host);
    } else {
      selected.resize(flows.size());
      std::iota(selected.begin(), selected.end(), 0);
    }
    for (const int f : selected) {
      const auto& flow = flows[f];
      if (policy_.options.family && flow.family != *policy_.options.family) continue;
      if (policy_.options.mode == Mode::kNetwork) {
        AddNetworkRules(flow);
      } else {
        AddHostRules(flow);
      }
    }
    std::set<std::string> zones;
    for (const auto& rule : policy_.rules) {
      if (rule.direction != Direction::kForward) continue;
      for (const auto* group : {&policy_.groups[rule.sources], &policy_.groups[rule.destinations]}) {
        for (const int e : group->endpoints) zones.insert(Zone(e));
      }
    }
    policy_.zones.assign(zones.begin(), zones.end());
    return std::move(policy_);
  }

 private:
  // The requests one HTTP proxy carries, one rule each: its clients to its origin servers on the
  // origin ports, with the methods the request's catalog entries name.
  Policy BuildProxy() {
    const auto& proxy = policy_.options.proxy;
    if (!proxy || *proxy < 0 || *proxy >= static_cast<int>(inventory_.endpoints.size()) ||
        !inventory_.endpoints[*proxy].HasRole("http-proxy")) {
      std::vector<std::string> proxies;
      for (const auto& e : inventory_.endpoints) {
        if (e.HasRole("http-proxy")) proxies.push_back(e.name);
      }
      core::Diagnostics diags;
      diags.Error({"--host", 0, 0},
                  proxy && *proxy >= 0 && *proxy < static_cast<int>(inventory_.endpoints.size())
                      ? fmt::format("proxy mode needs an http-proxy host; {} is not one ({})",
                                    inventory_.endpoints[*proxy].name,
                                    proxies.empty() ? std::string("the inventory has none")
                                                    : fmt::format("http-proxy hosts: {}", fmt::join(proxies, ", ")))
                      : std::string("proxy mode needs the http-proxy host whose requests to write (--host NAME)"));
      throw core::InputError(std::move(diags));
    }
    for (const auto& request : index_.plan().proxy_requests) {
      if (request.proxy != *proxy) continue;
      if (policy_.options.family && request.family != *policy_.options.family) continue;
      Rule rule;
      rule.name = request.id;
      rule.flow_id = request.id;
      rule.direction = Direction::kForward;
      rule.family = request.family;
      rule.protocol = catalog::Protocol::kTcp;
      rule.sources = GroupOf(request.sources, request.family);
      rule.destinations = GroupOf(request.destinations, request.family);
      rule.items.push_back({request.ports, request.entries, PortKeyword::kNone});
      rule.methods = request.methods;
      policy_.rules.push_back(std::move(rule));
    }
    return std::move(policy_);
  }

  void CheckZones() {
    // Sorting every endpoint's zone is the costly part of a host's policy: only when asked.
    if (policy_.options.zones.empty() && !policy_.options.edge) return;
    const auto known = inventory_.Zones();
    core::Diagnostics diags;
    for (const auto& zone : policy_.options.zones) {
      if (std::find(known.begin(), known.end(), zone) == known.end()) {
        diags.Error({"--zones", 0, 0},
                    fmt::format("unknown zone '{}'{} ({})", zone, core::DidYouMean(zone, known), ListZones(known)));
      }
    }
    if (const auto& edge = policy_.options.edge) {
      if (!policy_.options.zones.empty()) diags.Error({"--edge", 0, 0}, "--edge and --zones exclude each other");
      if (std::find(known.begin(), known.end(), *edge) == known.end()) {
        diags.Error({"--edge", 0, 0},
                    fmt::format("unknown zone '{}'{} ({})", *edge, core::DidYouMean(*edge, known), ListZones(known)));
      }
      if (std::find(known.begin(), known.end(), kOutsideZone) != known.end()) {
        diags.Error({"--edge", 0, 0}, fmt::format("the inventory has a zone named '{}', the name --edge gives "
                                                  "everything beyond the edge; rename that zone",
                                                  kOutsideZone));
      }
    }
    if (diags.HasErrors()) throw core::InputError(std::move(diags));
  }

  // With --edge, every zone but the edge's own is one zone: the outside.
  const std::string& Zone(int endpoint) const {
    const auto& zone = inventory_.ZoneOf(endpoint);
    if (!policy_.options.edge || zone == *policy_.options.edge) return zone;
    return kOutsideZone;
  }

  bool ZoneSelected(const std::string& zone) const {
    const auto& zones = policy_.options.zones;
    return zones.empty() || std::find(zones.begin(), zones.end(), zone) != zones.end();
  }

  void AddHostRules(const plan::Flow& flow) {
    const auto& host = policy_.options.host;
    if (!host) {
      AddRule(flow, Direction::kInbound, flow.sources, flow.destinations, flow.id);
      return;
    }
    const auto without_host = [&](const std::vector<int>& endpoints) {
      std::vector<int> rest;
      std::copy_if(endpoints.begin(), endpoints.end(), std::back_inserter(rest), [&](int e) { return e != *host; });
      return rest;
    };
    const auto contains = [&](const std::vector<int>& endpoints) {
      return std::binary_search(endpoints.begin(), endpoints.end(), *host);
    };
    if (contains(flow.destinations)) {
      if (auto sources = without_host(flow.sources); !sources.empty()) {
        AddRule(flow, Direction::kInbound, sources, {*host}, flow.id + "-in");
      }
    }
    if (policy_.options.egress && contains(flow.sources)) {
      if (auto destinations = without_host(flow.destinations); !destinations.empty()) {
        AddRule(flow, Direction::kOutbound, {*host}, destinations, flow.id + "-out");
      }
    }
  }

  // One rule per pair of different zones the flow connects: a pair inside one zone never
  // crosses the firewall, so the rule does not cover it.
  void AddNetworkRules(const plan::Flow& flow) {
    std::map<std::string, std::vector<int>> sources;
    std::map<std::string, std::vector<int>> destinations;
    for (const int s : flow.sources) {
      if (ZoneSelected(Zone(s))) sources[Zone(s)].push_back(s);
    }
    for (const int d : flow.destinations) {
      if (ZoneSelected(Zone(d))) destinations[Zone(d)].push_back(d);
    }
    if (policy_.options.merge_source_zones) {
      AddMergedNetworkRules(flow, sources, destinations);
      return;
    }
    for (const auto& [from, from_endpoints] : sources) {
      for (const auto& [to, to_endpoints] : destinations) {
        if (from == to) continue;
        auto& rule = AddRule(flow, Direction::kForward, from_endpoints, to_endpoints,
                             fmt::format("{}-{}-{}", flow.id, from, to));
        rule.from_zone = from;
        rule.to_zone = to;
      }
    }
  }

  // Per destination zone Z: every source outside Z to the destinations in Z. Zones whose
  // source sets come out equal share one rule (the product stays exactly the crossing pairs).
  void AddMergedNetworkRules(const plan::Flow& flow, const std::map<std::string, std::vector<int>>& sources,
                             const std::map<std::string, std::vector<int>>& destinations) {
    std::map<std::vector<int>, std::pair<std::vector<std::string>, std::vector<int>>> by_sources;
    for (const auto& [to, to_endpoints] : destinations) {
      std::vector<int> outside;
      for (const auto& [from, from_endpoints] : sources) {
        if (from != to) outside.insert(outside.end(), from_endpoints.begin(), from_endpoints.end());
      }
      if (outside.empty()) continue;
      std::sort(outside.begin(), outside.end());
      auto& [zones, merged] = by_sources[outside];
      zones.push_back(to);
      merged.insert(merged.end(), to_endpoints.begin(), to_endpoints.end());
    }
    std::vector<std::pair<std::vector<int>, std::pair<std::vector<std::string>, std::vector<int>>>> groups(
        by_sources.begin(), by_sources.end());
    // Rules in the order of their first destination zone, whatever the source sets are.
    std::sort(groups.begin(), groups.end(),
              [](const auto& a, const auto& b) { return a.second.first.front() < b.second.first.front(); });
    for (auto& [outside, zoned] : groups) {
      auto& [zones, merged] = zoned;
      std::sort(merged.begin(), merged.end());
      const std::string name = groups.size() == 1 ? flow.id : fmt::format("{}-{}", flow.id, zones.front());
      auto& rule = AddRule(flow, Direction::kForward, outside, merged, name);
      if (zones.size() == 1) rule.to_zone = zones.front();
    }
  }

  Rule& AddRule(const plan::Flow& flow, Direction direction, const std::vector<int>& sources,
                const std::vector<int>& destinations, std::string name) {
    Rule rule;
    rule.name = std::move(name);
    rule.flow_id = flow.id;
    rule.direction = direction;
    rule.family = flow.family;
    rule.protocol = flow.protocol;
    rule.sources = GroupOf(sources, flow.family);
    rule.destinations = GroupOf(destinations, flow.family);
    const bool has_ports = catalog::ProtocolHasPorts(flow.protocol);
    for (const auto& reason : flow.content) {
      rule.items.push_back({has_ports ? reason.ports : core::PortSet(), reason.entries,
                            KeywordOf(catalog_, flow.protocol, reason.entries)});
    }
    policy_.rules.push_back(std::move(rule));
    return policy_.rules.back();
  }

  int GroupOf(const std::vector<int>& endpoints, core::Family family) {
    const auto key = std::make_pair(endpoints, family);
    if (const auto it = group_index_.find(key); it != group_index_.end()) return it->second;
    AddressGroup group;
    group.family = family;
    group.endpoints = endpoints;
    std::vector<std::string> names;
    for (const int e : endpoints) {
      const auto& endpoint = inventory_.endpoints[e];
      names.push_back(endpoint.name);
      for (const auto& network : endpoint.addresses) {
        if (network.family == family) group.networks.push_back(network);
      }
    }
    group.networks = core::CollapseNetworks(std::move(group.networks));
    group.members = fmt::format("{}", fmt::join(names, ", "));
    group.name = UniqueName(BaseName(endpoints, family), family, endpoints.size() == 1);
    const int index = static_cast<int>(policy_.groups.size());
    policy_.groups.push_back(std::move(group));
    group_index_.emplace(key, index);
    return index;
  }

  // An endpoint's own name; a role's name when the group is exactly that role's members
  // (in one zone: "site-server-AAA"); otherwise a number.
  std::string BaseName(const std::vector<int>& endpoints, core::Family family) {
    if (endpoints.size() == 1) return SafeName(inventory_.endpoints[endpoints.front()].name);
    const auto zone_of_all = [&]() -> std::optional<std::string> {
      const auto& zone = inventory_.ZoneOf(endpoints.front());
      for (const int e : endpoints) {
        if (inventory_.ZoneOf(e) != zone) return std::nullopt;
      }
      return zone;
    }();
    // Only a role of the first endpoint can have exactly these members.
    const auto& first = inventory_.endpoints[endpoints.front()];
    for (int r = 0; r < static_cast<int>(catalog_.roles.size()); ++r) {
      const auto& role = catalog_.roles[r].id;
      if (!first.HasRole(role)) continue;
      if (index_.RoleMembers(r, family) == endpoints) return SafeName(role);
      if (zone_of_all && index_.RoleMembers(r, family, &*zone_of_all) == endpoints) {
        return SafeName(role + "-" + *zone_of_all);
      }
    }
    return fmt::format("group{:02}", ++numbered_);
  }

  // own: the name is the group's single endpoint's own name, so it may equal a host name.
  std::string UniqueName(const std::string& base, core::Family family, bool own) {
    const std::string stem = family == core::Family::kIPv6 ? base + "_v6" : base;
    std::string name = stem;
    for (int n = 2; used_.count(name) != 0 || (!own && index_.IsEndpointName(name)); ++n) {
      name = fmt::format("{}-{}", stem, n);
    }
    used_.insert(name);
    return name;
  }

  const PolicyIndex& index_;
  const catalog::Catalog& catalog_;
  const inventory::Inventory& inventory_;
  Policy policy_;
  std::map<std::pair<std::vector<int>, core::Family>, int> group_index_;
  std::set<std::string> used_;
  int numbered_ = 0;
};

}  // namespace

PolicyIndex::PolicyIndex(const catalog::Catalog& catalog, const inventory::Inventory& inventory, const plan::Plan& plan)
    : catalog_(catalog), inventory_(inventory), plan_(plan), flows_of_(inventory.endpoints.size()) {
  for (int f = 0; f < static_cast<int>(plan.flows.size()); ++f) {
    const auto& flow = plan.flows[f];
    for (const auto* side : {&flow.sources, &flow.destinations}) {
      for (const int e : *side) {
        auto& flows = flows_of_[e];
        if (flows.empty() || flows.back() != f) flows.push_back(f);
      }
    }
  }
  for (int r = 0; r < static_cast<int>(catalog.roles.size()); ++r) {
    for (int e = 0; e < static_cast<int>(inventory.endpoints.size()); ++e) {
      const auto& endpoint = inventory.endpoints[e];
      if (!endpoint.HasRole(catalog.roles[r].id)) continue;
      for (const auto family : {core::Family::kIPv4, core::Family::kIPv6}) {
        if (!endpoint.HasFamily(family)) continue;
        members_[{r, family, ""}].push_back(e);
        members_[{r, family, inventory.ZoneOf(e)}].push_back(e);
      }
    }
  }
  for (const auto& endpoint : inventory.endpoints) endpoint_names_.insert(SafeName(endpoint.name));
}

const std::vector<int>& PolicyIndex::RoleMembers(int role, core::Family family, const std::string* zone) const {
  static const std::vector<int> kNone;
  const auto it = members_.find({role, family, zone ? *zone : std::string()});
  return it == members_.end() ? kNone : it->second;
}

bool PolicyIndex::IsEndpointName(const std::string& safe_name) const {
  return endpoint_names_.count(safe_name) != 0;
}

Policy BuildPolicy(const PolicyIndex& index, const PolicyOptions& options) {
  return Builder(index, options).Build();
}

Policy BuildPolicy(const catalog::Catalog& catalog, const inventory::Inventory& inventory, const plan::Plan& plan,
                   const PolicyOptions& options) {
  return BuildPolicy(PolicyIndex(catalog, inventory, plan), options);
}

}  // namespace portolan::policy
