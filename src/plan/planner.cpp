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

// Initiators and responders that an entry's scope pairs, with the site link between them.
struct Group {
  std::vector<int> initiators;
  std::vector<int> responders;
  int link_child = -1;
};

class BlockBuilder {
 public:
  explicit BlockBuilder(const PlanContext& context) : ctx_(context), inventory_(context.inventory()) {}

  std::vector<Block> Build() {
    const auto& entries = ctx_.catalog().entries;
    for (int e = 0; e < static_cast<int>(entries.size()); ++e) {
      if (!catalog::StatusIsPlanned(entries[e].status)) continue;
      for (auto& group : Groups(entries[e])) AddGroup(e, group);
    }
    return std::move(blocks_);
  }

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

  void AddGroup(int entry_index, const Group& group) {
    const auto& entry = ctx_.catalog().entries[entry_index];
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
    if (sources.empty() || destinations.empty() || OnlySelfPairs(sources, destinations)) return;
    blocks_.push_back(
        {family, entry.protocol, std::move(sources), std::move(destinations), ports, entry_index, advisories});
  }

  const PlanContext& ctx_;
  const inventory::Inventory& inventory_;
  std::vector<Block> blocks_;
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

}  // namespace

Plan BuildPlan(const catalog::Catalog& catalog, const inventory::Inventory& inventory) {
  const PlanContext context(catalog, inventory);
  Plan plan;
  plan.flows = MergeBlocks(BlockBuilder(context).Build());
  SortAndNumber(plan.flows, inventory);
  for (int a = 0; a < static_cast<int>(catalog.advisories.size()); ++a) {
    const auto& advisory = catalog.advisories[a];
    if (advisory.global && context.GroupHolds(advisory.when, -1)) plan.global_advisories.push_back(a);
  }
  return plan;
}

}  // namespace portolan::plan
