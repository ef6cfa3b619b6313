#include "plan/planner.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "plan/context.hpp"
#include "plan/flow_merge.hpp"

namespace portolan::plan {

using catalog::Scope;
using catalog::Subject;

core::PortSet Flow::Ports() const {
  core::PortSet ports;
  for (const auto& item : content) ports = ports.Union(item.ports);
  return ports == kNoPorts ? core::PortSet{} : ports;
}

std::vector<int> Flow::Entries() const {
  std::vector<int> out;
  for (const auto& item : content) out = SetUnion(out, item.entries);
  return out;
}

std::vector<int> Flow::Advisories() const {
  std::vector<int> out;
  for (const auto& item : content) out = SetUnion(out, item.advisories);
  return out;
}

namespace {

// A request an HTTP proxy carries, before the plan numbers it: one catalog entry's part.
struct ProxiedPart {
  core::Family family;
  int proxy;
  std::vector<int> sources;
  std::vector<int> destinations;
  core::PortSet ports;
  int entry;
};

// Initiators and responders that an entry's scope pairs, with the site link between them.
struct Group {
  std::vector<int> initiators;
  std::vector<int> responders;
  int link_child = -1;
};

class BlockBuilder {
 public:
  explicit BlockBuilder(const PlanContext& context)
      : ctx_(context),
        inventory_(context.inventory()),
        client_leg_(EntryIndex(kClientLegEntry)),
        origin_leg_(EntryIndex(kOriginLegEntry)) {}

  std::vector<Block> Build() {
    const auto& entries = ctx_.catalog().entries;
    for (int e = 0; e < static_cast<int>(entries.size()); ++e) {
      // Proxy legs exist only as part of a proxied request (AddProxied).
      if (!catalog::StatusIsPlanned(entries[e].status) || entries[e].scope == Scope::kViaProxy) continue;
      for (auto& group : Groups(entries[e])) AddGroup(e, std::move(group));
    }
    return std::move(blocks_);
  }

  std::vector<ProxiedPart> TakeProxied() { return std::move(proxied_); }

 private:
  int NearestSiteWith(int site, const std::vector<std::string>& roles) const {
    for (int s = site; s >= 0; s = inventory_.sites[s].parent) {
      if (!ctx_.Members(s, roles).empty()) return s;
    }
    return -1;
  }

  // For every site, the members of the roles in it and in all the sites below it.
  std::vector<std::vector<int>> SubtreeMembers(const std::vector<std::string>& roles) const {
    const int site_count = static_cast<int>(inventory_.sites.size());
    std::vector<std::vector<int>> below(site_count);
    std::vector<bool> done(site_count, false);
    // Children before parents: repeat over sites whose children are all done (the tree is acyclic).
    for (int remaining = site_count; remaining > 0;) {
      for (int s = 0; s < site_count; ++s) {
        if (done[s]) continue;
        const auto& children = inventory_.sites[s].children;
        if (!std::all_of(children.begin(), children.end(), [&](int c) { return done[c]; })) continue;
        below[s] = ctx_.Members(s, roles);
        for (const int c : children) below[s] = SetUnion(below[s], below[c]);
        done[s] = true;
        --remaining;
      }
    }
    return below;
  }

  std::vector<Group> Groups(const catalog::Entry& entry) const {
    std::vector<Group> groups;
    const int site_count = static_cast<int>(inventory_.sites.size());
    switch (entry.scope) {
      case Scope::kDomain: {
        Group all;
        for (int s = 0; s < site_count; ++s) {
          const auto from = ctx_.Members(s, entry.from);
          const auto to = ctx_.Members(s, entry.to);
          all.initiators.insert(all.initiators.end(), from.begin(), from.end());
          all.responders.insert(all.responders.end(), to.begin(), to.end());
        }
        for (auto* side : {&all.initiators, &all.responders}) {
          std::sort(side->begin(), side->end());
          side->erase(std::unique(side->begin(), side->end()), side->end());
        }
        groups.push_back(std::move(all));
        break;
      }
      case Scope::kSameSite:
        for (int s = 0; s < site_count; ++s) groups.push_back({ctx_.Members(s, entry.from), ctx_.Members(s, entry.to)});
        break;
      case Scope::kNearest:
        for (int s = 0; s < site_count; ++s) {
          const int target = NearestSiteWith(s, entry.to);
          if (target >= 0) groups.push_back({ctx_.Members(s, entry.from), ctx_.Members(target, entry.to)});
        }
        break;
      case Scope::kAssignedSite:
        for (int s = 0; s < site_count; ++s) {
          const int assigned = inventory_.AssignedSite(s);
          if (assigned >= 0) groups.push_back({ctx_.Members(s, entry.from), ctx_.Members(assigned, entry.to)});
        }
        break;
      case Scope::kParent:
        for (int s = 0; s < site_count; ++s) {
          const int parent = inventory_.sites[s].parent;
          if (parent >= 0) groups.push_back({ctx_.Members(s, entry.from), ctx_.Members(parent, entry.to), s});
        }
        break;
      case Scope::kChild:
        for (int s = 0; s < site_count; ++s) {
          const int parent = inventory_.sites[s].parent;
          if (parent >= 0) groups.push_back({ctx_.Members(parent, entry.from), ctx_.Members(s, entry.to), s});
        }
        break;
      case Scope::kSiteAndDescendants: {
        const auto below = SubtreeMembers(entry.to);
        for (int s = 0; s < site_count; ++s) groups.push_back({ctx_.Members(s, entry.from), below[s]});
        break;
      }
      case Scope::kViaProxy: break;  // AddProxied plans these
    }
    return groups;
  }

  // Bit i set: the i-th advisory of the entry holds for this endpoint on the given side.
  std::uint64_t AdvisoryMask(const catalog::Entry& entry, Subject side, int endpoint) const {
    std::uint64_t mask = 0;
    for (std::size_t i = 0; i < entry.advisories.size(); ++i) {
      const auto* advisory = ctx_.catalog().FindAdvisory(entry.advisories[i]);
      if (advisory != nullptr && ctx_.HoldsFor(advisory->when, side, endpoint)) mask |= (1ULL << i);
    }
    return mask;
  }

  int EntryIndex(std::string_view id) const {
    const auto& entries = ctx_.catalog().entries;
    for (int e = 0; e < static_cast<int>(entries.size()); ++e) {
      if (entries[e].id == id && catalog::StatusIsPlanned(entries[e].status)) return e;
    }
    return -1;
  }

  // Initiators that the entry leaves to a role of their own site (unless_site_has).
  std::vector<int> WithoutReplaced(const catalog::Entry& entry, std::vector<int> initiators) const {
    if (entry.unless_site_has.empty()) return initiators;
    std::erase_if(initiators,
                  [&](int i) { return !ctx_.Members(inventory_.endpoints[i].site, entry.unless_site_has).empty(); });
    return initiators;
  }

  void AddGroup(int entry_index, Group group) {
    const auto& entry = ctx_.catalog().entries[entry_index];
    group.initiators = WithoutReplaced(entry, std::move(group.initiators));
    if (group.initiators.empty() || group.responders.empty()) return;
    if (!ctx_.GroupHolds(entry.when, group.link_child)) return;

    // Split both sides into parts that agree on everything the blocks must carry.
    std::map<std::uint64_t, std::vector<int>> initiator_parts;
    for (const int i : group.initiators) {
      if (ctx_.HoldsFor(entry.when, Subject::kInitiator, i)) {
        initiator_parts[AdvisoryMask(entry, Subject::kInitiator, i)].push_back(i);
      }
    }
    std::map<std::pair<core::PortSet, std::uint64_t>, std::vector<int>> responder_parts;
    for (const int r : group.responders) {
      if (ctx_.HoldsFor(entry.when, Subject::kResponder, r)) {
        responder_parts[{ctx_.EntryPorts(entry, r), AdvisoryMask(entry, Subject::kResponder, r)}].push_back(r);
      }
    }
    std::uint64_t group_mask = 0;
    for (std::size_t i = 0; i < entry.advisories.size(); ++i) {
      const auto* advisory = ctx_.catalog().FindAdvisory(entry.advisories[i]);
      if (advisory != nullptr && !advisory->global && ctx_.GroupHolds(advisory->when, group.link_child)) {
        group_mask |= (1ULL << i);
      }
    }
    for (const auto& [initiator_mask, initiators] : initiator_parts) {
      for (const auto& [key, responders] : responder_parts) {
        const auto& [ports, responder_mask] = key;
        const auto advisories = Advisories(entry, initiator_mask & responder_mask & group_mask);
        for (const auto family : {core::Family::kIPv4, core::Family::kIPv6}) {
          AddWithoutSelf(family, entry, entry_index, Having(initiators, family), Having(responders, family), ports,
                         advisories);
        }
      }
    }
  }

  std::vector<int> Advisories(const catalog::Entry& entry, std::uint64_t mask) const {
    std::vector<int> out;
    const auto& all = ctx_.catalog().advisories;
    for (std::size_t i = 0; i < entry.advisories.size(); ++i) {
      if ((mask & (1ULL << i)) == 0) continue;
      const auto it = std::find_if(all.begin(), all.end(), [&](const auto& a) { return a.id == entry.advisories[i]; });
      out.push_back(static_cast<int>(it - all.begin()));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<int> Having(const std::vector<int>& endpoints, core::Family family) const {
    std::vector<int> out;
    for (const int e : endpoints) {
      if (inventory_.endpoints[e].HasFamily(family)) out.push_back(e);
    }
    return out;
  }

  // A host's traffic to itself never crosses a firewall, so it is never a flow of its own;
  // where sources and destinations share hosts, those self pairs ride along inside the
  // product (splitting them out would take one flow per shared host). Consumers skip them.
  void AddWithoutSelf(core::Family family, const catalog::Entry& entry, int entry_index, std::vector<int> sources,
                      std::vector<int> destinations, const core::PortSet& ports, const std::vector<int>& advisories) {
    if (entry.http && client_leg_ >= 0 && origin_leg_ >= 0) {
      // Sources that name an http-proxy send this request through it, unless it bypasses the server.
      std::map<int, std::vector<int>> by_proxy;
      std::vector<int> direct;
      for (const int s : sources)
        (inventory_.endpoints[s].proxy >= 0 ? by_proxy[inventory_.endpoints[s].proxy] : direct).push_back(s);
      for (const auto& [proxy, clients] : by_proxy) {
        std::vector<int> through;
        std::vector<int> bypassed;
        for (const int d : destinations)
          (inventory_.Bypasses(proxy, d) || d == proxy ? bypassed : through).push_back(d);
        PushBlock(family, entry, entry_index, clients, bypassed, ports, advisories);
        AddProxied(family, entry_index, proxy, clients, through, ports);
      }
      sources = std::move(direct);
    }
    PushBlock(family, entry, entry_index, std::move(sources), std::move(destinations), ports, advisories);
  }

  void PushBlock(core::Family family, const catalog::Entry& entry, int entry_index, std::vector<int> sources,
                 std::vector<int> destinations, const core::PortSet& ports, const std::vector<int>& advisories) {
    if (sources.empty() || destinations.empty() || OnlySelfPairs(sources, destinations)) return;
    blocks_.push_back(
        {family, entry.protocol, std::move(sources), std::move(destinations), ports, entry_index, advisories});
  }

  // A request through a proxy becomes two legs, each carrying the leg's entry and the request's
  // own: clients -> the proxy's port, and the proxy -> the servers on the request's ports. The
  // proxy reaches the servers in its own address family; a family it has no address in carries
  // nothing.
  void AddProxied(core::Family family, int entry_index, int proxy, const std::vector<int>& clients,
                  const std::vector<int>& servers, const core::PortSet& ports) {
    if (clients.empty() || servers.empty() || !inventory_.endpoints[proxy].HasFamily(family)) return;
    const auto& entries = ctx_.catalog().entries;
    const auto& client_leg = entries[client_leg_];
    const auto& origin_leg = entries[origin_leg_];
    const std::vector<int> proxy_side{proxy};
    // The legs' advisories, split by the far side's endpoints as AddGroup splits an entry's.
    const auto add_leg = [&](const catalog::Entry& leg, int leg_index, Subject proxy_is, const std::vector<int>& far,
                             const core::PortSet& leg_ports) {
      const Subject far_is = proxy_is == Subject::kResponder ? Subject::kInitiator : Subject::kResponder;
      const auto fixed = AdvisoryMask(leg, proxy_is, proxy) & GroupMask(leg);
      std::map<std::uint64_t, std::vector<int>> parts;
      for (const int e : far) parts[fixed & AdvisoryMask(leg, far_is, e)].push_back(e);
      for (const auto& [mask, part] : parts) {
        const bool from_proxy = proxy_is == Subject::kInitiator;
        PushBlock(family, leg, leg_index, from_proxy ? proxy_side : part, from_proxy ? part : proxy_side, leg_ports,
                  Advisories(leg, mask));
      }
    };
    add_leg(client_leg, client_leg_, Subject::kResponder, clients, ctx_.EntryPorts(client_leg, proxy));
    add_leg(origin_leg, origin_leg_, Subject::kInitiator, servers, ports);
    proxied_.push_back({family, proxy, clients, servers, ports, entry_index});
  }

  std::uint64_t GroupMask(const catalog::Entry& entry) const {
    std::uint64_t mask = 0;
    for (std::size_t i = 0; i < entry.advisories.size(); ++i) {
      const auto* advisory = ctx_.catalog().FindAdvisory(entry.advisories[i]);
      if (advisory != nullptr && !advisory->global && ctx_.GroupHolds(advisory->when, -1)) mask |= (1ULL << i);
    }
    return mask;
  }

  const PlanContext& ctx_;
  const inventory::Inventory& inventory_;
  int client_leg_;  // the catalog's client-to-http-proxy entry, -1: the catalog plans no proxies
  int origin_leg_;  // http-proxy-to-origin
  std::vector<Block> blocks_;
  std::vector<ProxiedPart> proxied_;
};

void SortAndNumber(std::vector<Flow>& flows, const inventory::Inventory& inventory) {
  // Catalog order first (the KB's own order), then the ends by name. Keys are built once.
  using Names = std::vector<std::string_view>;
  auto names = [&](const std::vector<int>& endpoints) {
    Names out;
    out.reserve(endpoints.size());
    for (const int e : endpoints) out.push_back(inventory.endpoints[e].name);
    return out;
  };
  using Key = std::tuple<int, Names, Names, catalog::Protocol, core::Family, core::PortSet>;
  std::vector<std::pair<Key, std::size_t>> keys;
  keys.reserve(flows.size());
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const auto& f = flows[i];
    keys.push_back({Key{f.Entries().front(), names(f.sources), names(f.destinations), f.protocol, f.family,
                        f.content.front().ports},
                    i});
  }
  std::sort(keys.begin(), keys.end());
  std::vector<Flow> sorted;
  sorted.reserve(flows.size());
  for (const auto& [key, index] : keys) sorted.push_back(std::move(flows[index]));
  flows = std::move(sorted);
  const int width = std::max<int>(2, static_cast<int>(std::to_string(flows.size()).size()));
  for (std::size_t i = 0; i < flows.size(); ++i) flows[i].id = fmt::format("F{:0{}}", i + 1, width);
}

bool Contains(const std::vector<int>& sorted, int value) {
  return std::binary_search(sorted.begin(), sorted.end(), value);
}

// The proxied parts as the proxy's requests: parts with the same proxy, family, clients, servers
// and ports are one request (their entries and methods joined), numbered P01.. in catalog order,
// each with the ids of the two flows that carry it.
std::vector<ProxyRequest> ProxyRequests(const std::vector<ProxiedPart>& parts, const catalog::Catalog& catalog,
                                        const inventory::Inventory& inventory, const std::vector<Flow>& flows) {
  using Key = std::tuple<int, core::Family, std::vector<int>, std::vector<int>, core::PortSet>;
  std::map<Key, std::vector<int>> joined;
  const auto index_of = [&](std::string_view id) {
    const auto* entry = catalog.FindEntry(id);
    return entry == nullptr ? -1 : static_cast<int>(entry - catalog.entries.data());
  };
  const int client_leg_entry = index_of(kClientLegEntry);
  const int origin_leg_entry = index_of(kOriginLegEntry);
  for (const auto& part : parts) {
    auto& entries = joined[Key{part.proxy, part.family, part.sources, part.destinations, part.ports}];
    entries.push_back(part.entry);
  }
  std::vector<ProxyRequest> requests;
  for (auto& [key, entries] : joined) {
    ProxyRequest request;
    std::tie(request.proxy, request.family, request.sources, request.destinations, request.ports) = key;
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
    request.entries = entries;
    for (const int e : entries) {
      for (const auto* list : {&catalog.entries[e].http->methods, &catalog.entries[e].http->headers}) {
        auto& into = list == &catalog.entries[e].http->methods ? request.methods : request.headers;
        for (const auto& item : *list) {
          if (std::find(into.begin(), into.end(), item) == into.end()) into.push_back(item);
        }
      }
    }
    for (const auto& flow : flows) {
      if (flow.family != request.family || flow.protocol != catalog::Protocol::kTcp) continue;
      const auto flow_entries = flow.Entries();
      const bool client_leg = Contains(flow_entries, client_leg_entry) && Contains(flow.destinations, request.proxy) &&
                              !SetIntersect(flow.sources, request.sources).empty();
      const bool origin_leg = Contains(flow_entries, origin_leg_entry) && Contains(flow.sources, request.proxy) &&
                              !SetIntersect(flow.destinations, request.destinations).empty() &&
                              flow.Ports().Intersects(request.ports);
      if (client_leg || origin_leg) request.flows.push_back(flow.id);
    }
    std::sort(request.flows.begin(), request.flows.end());
    requests.push_back(std::move(request));
  }
  const auto name = [&](int endpoint) -> const std::string& { return inventory.endpoints[endpoint].name; };
  std::sort(requests.begin(), requests.end(), [&](const ProxyRequest& a, const ProxyRequest& b) {
    return std::tuple(name(a.proxy), a.entries, a.family, name(a.sources.front()), name(a.destinations.front()),
                      a.sources, a.destinations) < std::tuple(name(b.proxy), b.entries, b.family,
                                                              name(b.sources.front()), name(b.destinations.front()),
                                                              b.sources, b.destinations);
  });
  const int width = std::max<int>(2, static_cast<int>(std::to_string(requests.size()).size()));
  for (std::size_t i = 0; i < requests.size(); ++i) requests[i].id = fmt::format("P{:0{}}", i + 1, width);
  return requests;
}

}  // namespace

Plan BuildPlan(const catalog::Catalog& catalog, const inventory::Inventory& inventory) {
  const PlanContext context(catalog, inventory);
  Plan plan;
  BlockBuilder builder(context);
  plan.flows = MergeBlocks(builder.Build());
  SortAndNumber(plan.flows, inventory);
  plan.proxy_requests = ProxyRequests(builder.TakeProxied(), catalog, inventory, plan.flows);
  for (int a = 0; a < static_cast<int>(catalog.advisories.size()); ++a) {
    const auto& advisory = catalog.advisories[a];
    if (advisory.global && context.GroupHolds(advisory.when, -1)) plan.global_advisories.push_back(a);
  }
  return plan;
}

}  // namespace portolan::plan
