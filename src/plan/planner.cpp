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

std::vector<std::string> AddressesOf(const inventory::Endpoint& endpoint, core::Family family) {
  std::vector<std::string> out;
  for (const auto& address : endpoint.addresses) {
    if (address.family == family) out.push_back(address.ToString());
  }
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

  void Subtree(int site, std::vector<int>& out) const {
    out.push_back(site);
    for (const int child : inventory_.sites[site].children) Subtree(child, out);
  }

  std::vector<Group> Groups(const catalog::Entry& entry) const {
    std::vector<Group> groups;
    const int site_count = static_cast<int>(inventory_.sites.size());
    switch (entry.scope) {
      case Scope::kDomain: {
        Group all;
        for (int s = 0; s < site_count; ++s) {
          all.initiators = SetUnion(all.initiators, ctx_.Members(s, entry.from));
          all.responders = SetUnion(all.responders, ctx_.Members(s, entry.to));
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
      case Scope::kSiteAndDescendants:
        for (int s = 0; s < site_count; ++s) {
          std::vector<int> sites;
          Subtree(s, sites);
          Group group{ctx_.Members(s, entry.from), {}};
          for (const int t : sites) group.responders = SetUnion(group.responders, ctx_.Members(t, entry.to));
          groups.push_back(std::move(group));
        }
        break;
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

  // A host never needs a flow to itself: S x D minus the diagonal, as disjoint products.
  void AddWithoutSelf(core::Family family, const catalog::Entry& entry, int entry_index, const std::vector<int>& sources,
                      const std::vector<int>& destinations, const core::PortSet& ports,
                      const std::vector<int>& advisories) {
    auto emit = [&](std::vector<int> s, std::vector<int> d) {
      if (s.empty() || d.empty()) return;
      blocks_.push_back({family, entry.protocol, std::move(s), std::move(d), ports, entry_index, advisories});
    };
    const auto both = SetIntersect(sources, destinations);
    if (both.empty()) {
      emit(sources, destinations);
      return;
    }
    emit(SetDifference(sources, both), destinations);
    emit(both, SetDifference(destinations, both));
    for (const int x : both) emit({x}, SetDifference(both, {x}));
  }

  const PlanContext& ctx_;
  const inventory::Inventory& inventory_;
  std::vector<Block> blocks_;
};

void SortAndNumber(std::vector<Flow>& flows, const inventory::Inventory& inventory) {
  auto names = [&](const std::vector<int>& endpoints) {
    std::vector<std::string_view> out;
    for (const int e : endpoints) out.push_back(inventory.endpoints[e].name);
    return out;
  };
  // Catalog order first (the KB's own order), then the ends by name.
  std::sort(flows.begin(), flows.end(), [&](const Flow& a, const Flow& b) {
    const auto key = [&](const Flow& f) {
      return std::make_tuple(f.Entries().front(), names(f.sources), names(f.destinations), f.protocol, f.family,
                             f.content.front().ports);
    };
    return key(a) < key(b);
  });
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
