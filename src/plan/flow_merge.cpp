#include "plan/flow_merge.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace portolan::plan {

std::vector<int> SetIntersect(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<int> SetDifference(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<int> SetUnion(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

bool OnlySelfPairs(const std::vector<int>& sources, const std::vector<int>& destinations) {
  return sources.empty() || destinations.empty() ||
         (sources.size() == 1 && destinations.size() == 1 && sources.front() == destinations.front());
}

namespace {

void NormalizeContent(Content& content) {
  // Items with the same reasons become one item; then order by first port.
  std::sort(content.begin(), content.end(), [](const PortReason& a, const PortReason& b) {
    return std::tie(a.entries, a.advisories) < std::tie(b.entries, b.advisories);
  });
  Content merged;
  for (auto& item : content) {
    if (item.ports.Empty()) continue;
    if (!merged.empty() && merged.back().entries == item.entries && merged.back().advisories == item.advisories) {
      merged.back().ports = merged.back().ports.Union(item.ports);
    } else {
      merged.push_back(std::move(item));
    }
  }
  std::sort(merged.begin(), merged.end(), [](const PortReason& a, const PortReason& b) {
    return a.ports.Ranges().front().first < b.ports.Ranges().front().first;
  });
  content = std::move(merged);
}

core::PortSet ContentPorts(const Content& content) {
  core::PortSet ports;
  for (const auto& item : content) ports = ports.Union(item.ports);
  return ports;
}

}  // namespace

void AddToContent(Content& content, const PortReason& reason) {
  auto remaining = reason.ports;
  Content split;
  for (auto& item : content) {
    const auto shared = item.ports.Intersect(remaining);
    if (shared.Empty()) continue;
    item.ports = item.ports.Subtract(shared);
    split.push_back({shared, SetUnion(item.entries, reason.entries), SetUnion(item.advisories, reason.advisories)});
    remaining = remaining.Subtract(shared);
  }
  content.insert(content.end(), split.begin(), split.end());
  if (!remaining.Empty()) content.push_back({remaining, reason.entries, reason.advisories});
  NormalizeContent(content);
}

void MergeContent(Content& into, const Content& from) {
  for (const auto& item : from) AddToContent(into, item);
}

namespace {

struct Candidate {
  core::Family family;
  catalog::Protocol protocol;
  std::vector<int> sources;
  std::vector<int> destinations;
  Content content;
  core::PortSet ports;  // cached union of the content's ports
  bool alive = true;
};

Candidate MakeCandidate(core::Family family, catalog::Protocol protocol, std::vector<int> sources,
                        std::vector<int> destinations, Content content) {
  Candidate c{family, protocol, std::move(sources), std::move(destinations), std::move(content), {}, true};
  c.ports = ContentPorts(c.content);
  return c;
}

// Stage 1: blocks with the same ends become one candidate whose content holds all their ports.
std::vector<Candidate> GroupBlocks(std::vector<Block>& blocks) {
  using Key = std::tuple<core::Family, catalog::Protocol, std::vector<int>, std::vector<int>>;
  std::map<Key, Content> grouped;
  for (auto& block : blocks) {
    if (block.sources.empty() || block.destinations.empty() || block.ports.Empty()) continue;
    auto& content = grouped[Key{block.family, block.protocol, std::move(block.sources), std::move(block.destinations)}];
    AddToContent(content, {block.ports, {block.entry}, block.advisories});
  }
  std::vector<Candidate> out;
  out.reserve(grouped.size());
  for (auto& [key, content] : grouped) {
    auto& [family, protocol, sources, destinations] = key;
    out.push_back(MakeCandidate(family, protocol, sources, destinations, std::move(content)));
  }
  return out;
}

// Pairs of live candidates that permit some packet in common.
std::vector<std::pair<int, int>> FindOverlaps(const std::vector<Candidate>& candidates) {
  std::unordered_map<int, std::vector<int>> by_source;
  for (int i = 0; i < static_cast<int>(candidates.size()); ++i) {
    if (!candidates[i].alive) continue;
    for (const int s : candidates[i].sources) by_source[s].push_back(i);
  }
  std::unordered_set<std::uint64_t> checked;
  std::vector<std::pair<int, int>> overlaps;
  for (const auto& [source, list] : by_source) {
    for (std::size_t a = 0; a < list.size(); ++a) {
      for (std::size_t b = a + 1; b < list.size(); ++b) {
        const auto& x = candidates[list[a]];
        const auto& y = candidates[list[b]];
        if (x.family != y.family || x.protocol != y.protocol || !x.ports.Intersects(y.ports)) continue;
        const auto key = (static_cast<std::uint64_t>(list[a]) << 32) | static_cast<std::uint32_t>(list[b]);
        if (!checked.insert(key).second) continue;
        if (!OnlySelfPairs(SetIntersect(x.sources, y.sources), SetIntersect(x.destinations, y.destinations))) {
          overlaps.emplace_back(list[a], list[b]);
        }
      }
    }
  }
  std::sort(overlaps.begin(), overlaps.end());
  return overlaps;
}

// Replaces two overlapping candidates by disjoint pieces that cover exactly the same packets;
// the shared part carries the reasons of both.
void SplitOverlap(std::vector<Candidate>& candidates, int a_index, int b_index) {
  const Candidate a = candidates[a_index];
  const Candidate b = candidates[b_index];
  candidates[a_index].alive = false;
  candidates[b_index].alive = false;
  const auto both_sources = SetIntersect(a.sources, b.sources);
  const auto both_destinations = SetIntersect(a.destinations, b.destinations);
  auto add = [&](std::vector<int> sources, std::vector<int> destinations, Content content) {
    if (OnlySelfPairs(sources, destinations) || content.empty()) return;
    candidates.push_back(
        MakeCandidate(a.family, a.protocol, std::move(sources), std::move(destinations), std::move(content)));
  };
  for (const auto* side : {&a, &b}) {
    add(SetDifference(side->sources, both_sources), side->destinations, side->content);
    add(both_sources, SetDifference(side->destinations, both_destinations), side->content);
  }
  Content shared = a.content;
  MergeContent(shared, b.content);
  add(both_sources, both_destinations, std::move(shared));
}

void MakeDisjoint(std::vector<Candidate>& candidates) {
  // Each split leaves fewer shared packets; overlaps are rare, so this ends in a few rounds.
  for (;;) {
    const auto overlaps = FindOverlaps(candidates);
    if (overlaps.empty()) return;
    std::unordered_set<int> touched;
    for (const auto& [a, b] : overlaps) {
      if (touched.count(a) != 0 || touched.count(b) != 0) continue;
      touched.insert(a);
      touched.insert(b);
      SplitOverlap(candidates, a, b);
    }
    std::erase_if(candidates, [](const Candidate& c) { return !c.alive; });
  }
}

enum class MergeAxis { kSources, kDestinations, kPorts };

// Joins candidates that agree on everything but one axis. Because candidates are disjoint,
// the joined product permits exactly what its parts did.
bool MergeAlong(std::vector<Candidate>& candidates, MergeAxis axis) {
  using Key = std::tuple<core::Family, catalog::Protocol, std::vector<int>, std::vector<int>, Content>;
  std::map<Key, int> first;
  bool changed = false;
  for (int i = 0; i < static_cast<int>(candidates.size()); ++i) {
    auto& c = candidates[i];
    Key key{c.family, c.protocol, axis == MergeAxis::kSources ? std::vector<int>{} : c.sources,
            axis == MergeAxis::kDestinations ? std::vector<int>{} : c.destinations,
            axis == MergeAxis::kPorts ? Content{} : c.content};
    const auto [it, inserted] = first.emplace(std::move(key), i);
    if (inserted) continue;
    auto& into = candidates[it->second];
    switch (axis) {
      case MergeAxis::kSources: into.sources = SetUnion(into.sources, c.sources); break;
      case MergeAxis::kDestinations: into.destinations = SetUnion(into.destinations, c.destinations); break;
      case MergeAxis::kPorts:
        MergeContent(into.content, c.content);
        into.ports = ContentPorts(into.content);
        break;
    }
    c.alive = false;
    changed = true;
  }
  std::erase_if(candidates, [](const Candidate& c) { return !c.alive; });
  return changed;
}

}  // namespace

std::vector<Flow> MergeBlocks(std::vector<Block> blocks) {
  auto candidates = GroupBlocks(blocks);
  MakeDisjoint(candidates);
  constexpr int kMaxMergeRounds = 16;  // each round only shrinks the list; real plans settle in 2-3
  for (int round = 0; round < kMaxMergeRounds; ++round) {
    bool changed = MergeAlong(candidates, MergeAxis::kPorts);
    changed = MergeAlong(candidates, MergeAxis::kSources) || changed;
    changed = MergeAlong(candidates, MergeAxis::kDestinations) || changed;
    if (!changed) break;
  }
  std::vector<Flow> flows;
  flows.reserve(candidates.size());
  for (auto& c : candidates) {
    Flow flow;
    flow.family = c.family;
    flow.protocol = c.protocol;
    flow.sources = std::move(c.sources);
    flow.destinations = std::move(c.destinations);
    flow.content = std::move(c.content);
    flows.push_back(std::move(flow));
  }
  return flows;
}

}  // namespace portolan::plan
