#include "audit/required_flows.hpp"

#include <map>
#include <optional>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "audit/http_methods.hpp"

namespace portolan::audit {

namespace {

constexpr int kIcmpV6RouterSolicitation = 133;
constexpr int kIcmpV6NeighborAdvertisement = 136;

PacketSet Sources(const std::vector<core::Network>& networks) {
  auto set = PacketSet::None();
  for (const auto& network : networks) set |= PacketSet::Source(network);
  return set;
}

PacketSet Destinations(const std::vector<core::Network>& networks) {
  auto set = PacketSet::None();
  for (const auto& network : networks) set |= PacketSet::Destination(network);
  return set;
}

std::vector<core::Network> EndpointNetworks(const inventory::Inventory& inventory, const std::vector<int>& endpoints) {
  std::vector<core::Network> networks;
  for (const int endpoint : endpoints)
    for (const auto& network : inventory.endpoints[endpoint].addresses) networks.push_back(network);
  return networks;
}

std::vector<int> ZoneMembers(const inventory::Inventory& inventory, const std::string& zone, bool outside) {
  std::vector<int> members;
  for (std::size_t i = 0; i < inventory.endpoints.size(); ++i) {
    const bool in_zone = inventory.ZoneOf(static_cast<int>(i)) == zone;
    if (in_zone != outside) members.push_back(static_cast<int>(i));
  }
  return members;
}

// The address groups of a policy as packet sets, each built once: a big site's flows share
// groups of thousands of networks.
class GroupSets {
 public:
  explicit GroupSets(const policy::Policy& policy)
      : policy_(policy), sources_(policy.groups.size()), destinations_(policy.groups.size()) {}

  const PacketSet& Sources(int group) { return Get(sources_, group, true); }
  const PacketSet& Destinations(int group) { return Get(destinations_, group, false); }

  PacketSet UnionOf(const std::set<int>& groups, bool sources) {
    auto set = PacketSet::None();
    for (const int group : groups) set |= sources ? Sources(group) : Destinations(group);
    return set;
  }

 private:
  const PacketSet& Get(std::vector<std::optional<PacketSet>>& cache, int group, bool source) {
    auto& slot = cache[group];
    if (!slot) {
      const auto& networks = policy_.groups[group].networks;
      slot = source ? audit::Sources(networks) : audit::Destinations(networks);
    }
    return *slot;
  }

  const policy::Policy& policy_;
  std::vector<std::optional<PacketSet>> sources_;
  std::vector<std::optional<PacketSet>> destinations_;
};

PacketSet ServiceSet(const policy::Rule& rule, bool replies) {
  auto set = PacketSet::Protocol(catalog::ProtocolNumber(rule.protocol));
  if (catalog::ProtocolHasPorts(rule.protocol))
    set &= replies ? PacketSet::SourcePorts(rule.Ports()) : PacketSet::DestinationPorts(rule.Ports());
  // A proxy's requests: their methods are codes in the source port field (audit/http_methods.hpp).
  if (!rule.methods.empty() && !replies) set &= MethodSet(rule.methods);
  return set;
}

// A service of a flow (protocol and ports) with the address groups of the rules that carry it.
struct ServiceRules {
  const policy::Rule* first = nullptr;
  std::set<std::pair<int, int>> pairs;  // (source group, destination group)
  std::set<int> sources;
  std::set<int> destinations;
};

using FlowServices = std::map<std::string, ServiceRules>;  // by "protocol/ports"

// The flows of the policy's rules in the order they first appear, each with its rules grouped
// by service.
void GroupRules(const policy::Policy& policy, std::vector<RequiredFlow>& flows, std::vector<FlowServices>& services) {
  std::map<std::pair<std::string, policy::Direction>, std::size_t> index;
  for (const auto& rule : policy.rules) {
    const auto key = std::make_pair(rule.flow_id, rule.direction);
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, flows.size()).first;
      flows.push_back({rule.flow_id, rule.direction, {}, PacketSet::None(), PacketSet::None(), {}, {}});
      services.emplace_back();
    }
    flows[it->second].rules.push_back(&rule);
    auto service_key = fmt::format("{}/{}", catalog::ProtocolNumber(rule.protocol), rule.Ports().ToString());
    if (!rule.methods.empty()) service_key += fmt::format("/{}", fmt::join(rule.methods, ","));
    auto& service = services[it->second][service_key];
    if (!service.first) service.first = &rule;
    service.pairs.emplace(rule.sources, rule.destinations);
    service.sources.insert(rule.sources);
    service.destinations.insert(rule.destinations);
  }
}

void AddHull(std::vector<Cube>& hull, const PacketSet& cover) {
  if (const auto* cubes = cover.Cubes())
    hull.insert(hull.end(), cubes->begin(), cubes->end());
  else
    hull.emplace_back();  // everything
}

// A service carried by few rules: their packets, rule by rule.
void AddServiceByRules(RequiredFlow& flow, const ServiceRules& service, GroupSets& groups, bool replies) {
  const auto& rule = *service.first;
  for (const auto& [source, destination] : service.pairs) {
    const auto packets = groups.Sources(source) & groups.Destinations(destination) & ServiceSet(rule, false);
    flow.packets |= packets;
    AddHull(flow.hull, packets);
    if (replies) {
      const auto back = groups.Sources(destination) & groups.Destinations(source) & ServiceSet(rule, true);
      flow.replies |= back;
      AddHull(flow.reply_hull, back);
    }
  }
}

// The direction the replies of a flow cross the same firewall: between zones, the domain is the
// same both ways; a host's inbound domain is its outbound one reversed.
policy::Direction ReplyDirection(policy::Direction direction) {
  switch (direction) {
    case policy::Direction::kInbound: return policy::Direction::kOutbound;
    case policy::Direction::kOutbound: return policy::Direction::kInbound;
    case policy::Direction::kForward: return policy::Direction::kForward;
  }
  return policy::Direction::kForward;
}

// A service carried by many rules: all its sources times all its destinations, within the domain.
void AddServiceByGroups(RequiredFlow& flow, const ServiceRules& service, GroupSets& groups, bool replies,
                        const std::function<PacketSet(policy::Direction)>& domain_of) {
  const auto& rule = *service.first;
  const auto sources = groups.UnionOf(service.sources, true);
  const auto destinations = groups.UnionOf(service.destinations, false);
  AddHull(flow.hull, sources & destinations & ServiceSet(rule, false));
  if (replies)
    AddHull(flow.reply_hull, groups.UnionOf(service.destinations, true) & groups.UnionOf(service.sources, false) &
                                 ServiceSet(rule, true));
  flow.packets |= sources & destinations & domain_of(flow.direction) & ServiceSet(rule, false);
  if (replies) {
    flow.replies |= groups.UnionOf(service.destinations, true) & groups.UnionOf(service.sources, false) &
                    domain_of(ReplyDirection(flow.direction)) & ServiceSet(rule, true);
  }
}

}  // namespace

std::vector<RequiredFlow> RequiredFlows(const policy::Policy& policy, bool replies,
                                        const std::function<PacketSet(policy::Direction)>& domain_of, int exact_rules) {
  GroupSets groups(policy);
  std::vector<RequiredFlow> flows;
  std::vector<FlowServices> services;
  GroupRules(policy, flows, services);
  for (std::size_t f = 0; f < flows.size(); ++f) {
    for (const auto& [key, service] : services[f]) {
      if (static_cast<int>(service.pairs.size()) <= exact_rules)
        AddServiceByRules(flows[f], service, groups, replies);
      else
        AddServiceByGroups(flows[f], service, groups, replies, domain_of);
    }
  }
  return flows;
}

PacketSet Domain(const policy::Policy& policy, policy::Direction direction) {
  const auto& inventory = *policy.inventory;
  const auto& options = policy.options;
  // A proxy is asked for every request its clients send, whatever their zones: HTTP over tcp.
  // Its cache manager requests it answers itself: it carries none of them.
  if (options.mode == policy::Mode::kProxy) return PacketSet::Protocol(kProtocolTcp) - CacheManagerRequests();
  if (direction != policy::Direction::kForward) {
    std::vector<core::Network> host;
    for (const auto family : {core::Family::kIPv4, core::Family::kIPv6})
      for (const auto& network : policy.HostNetworks(family)) host.push_back(network);
    if (direction == policy::Direction::kInbound) return Destinations(host) - Sources(host);
    return Sources(host) - Destinations(host);
  }
  if (options.edge) {
    const auto inside = EndpointNetworks(inventory, ZoneMembers(inventory, *options.edge, false));
    const auto src = Sources(inside);
    const auto dst = Destinations(inside);
    return (src - dst) | (dst - src);
  }
  const auto zones = options.zones.empty() ? inventory.Zones() : options.zones;
  std::vector<std::pair<PacketSet, PacketSet>> ends;
  for (const auto& zone : zones) {
    const auto networks = EndpointNetworks(inventory, ZoneMembers(inventory, zone, false));
    ends.emplace_back(Sources(networks), Destinations(networks));
  }
  auto internal = PacketSet::None();
  for (const auto& [src, dst] : ends) internal |= src & dst;
  if (options.zones.empty()) return ~internal;  // everything that crosses zones, or comes from elsewhere
  auto between = PacketSet::None();
  for (std::size_t a = 0; a < ends.size(); ++a)
    for (std::size_t b = 0; b < ends.size(); ++b)
      if (a != b) between |= ends[a].first & ends[b].second;
  return between;
}

PacketSet Infrastructure() {
  return PacketSet::Family(core::Family::kIPv6) & PacketSet::Protocol(kProtocolIcmpV6) &
         PacketSet::DestinationPorts(kIcmpV6RouterSolicitation * 256, kIcmpV6NeighborAdvertisement * 256 + 255);
}

PacketSet NotLoopback() {
  return ~PacketSet::InInterface(kLoopbackCode) & ~PacketSet::OutInterface(kLoopbackCode);
}

Hook HookOf(policy::Direction direction) {
  switch (direction) {
    case policy::Direction::kInbound: return Hook::kInput;
    case policy::Direction::kOutbound: return Hook::kOutput;
    case policy::Direction::kForward: return Hook::kForward;
  }
  return Hook::kForward;
}

}  // namespace portolan::audit
