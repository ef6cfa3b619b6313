#include "audit/cube_boxes.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <unordered_map>
#include <utility>

namespace portolan::audit {

namespace {

// The fields below the family, in the order of the BDD and of PacketSet::Boxes().
constexpr int kProtocolField = 0;
constexpr int kDestinationField = 1;
constexpr int kSourceField = 2;
constexpr int kDestinationPortField = 3;
constexpr int kSourcePortField = 4;
constexpr int kFieldCount = 5;
constexpr std::array<Uint128, kFieldCount> kFieldMax = {kMaxProtocolValue, kMaxAddressValue, kMaxAddressValue,
                                                        kMaxPortValue, kMaxPortValue};

constexpr std::uint8_t kIPv4Bit = 0b01;
constexpr std::uint8_t kIPv6Bit = 0b10;
constexpr int kIPv4Shift = 96;  // an IPv4 address is the top 32 bits of its 128-bit field

bool IsAddressField(int field) {
  return field == kDestinationField || field == kSourceField;
}

const Ranges& FieldOf(const Cube& cube, int field) {
  switch (field) {
    case kProtocolField: return cube.protocols;
    case kDestinationField: return cube.destinations;
    case kSourceField: return cube.sources;
    case kDestinationPortField: return cube.destination_ports;
    default: return cube.source_ports;
  }
}

Ranges& FieldOf(Box& box, int field) {
  switch (field) {
    case kProtocolField: return box.protocols;
    case kDestinationField: return box.destinations;
    case kSourceField: return box.sources;
    case kDestinationPortField: return box.destination_ports;
    default: return box.source_ports;
  }
}

// Appends a range to a list built in order of first values, joining it to the last one when
// they touch or overlap.
void Join(Ranges& out, Uint128 first, Uint128 last) {
  if (!out.empty() && out.back().last != kMaxAddressValue && out.back().last + 1 >= first) {
    out.back().last = std::max(out.back().last, last);
    return;
  }
  out.push_back({first, last});
}

// 128-bit address values as the IPv4 addresses Boxes() reports: their top 32 bits, merged.
Ranges IPv4Values(const Ranges& values) {
  Ranges out;
  for (const auto& range : values) Join(out, range.first >> kIPv4Shift, range.last >> kIPv4Shift);
  return out;
}

std::size_t Mix(std::size_t seed, std::uint64_t value) {
  return seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

std::size_t Mix(std::size_t seed, Uint128 value) {
  return Mix(Mix(seed, static_cast<std::uint64_t>(value)), static_cast<std::uint64_t>(value >> 64));
}

// A set over the fields from one on, canonically: the field's values cut into maximal segments
// by the set of the fields below that they lead to (the rest), the empty rest left out. Equal
// sets have equal segments, so a BDD's node after a field is one rest here, and the values that
// lead to it are the values Boxes() collects for that node. The set of every packet has its own
// id at every field.
struct Segment {
  Uint128 first = 0;
  Uint128 last = 0;
  int rest = 0;
  bool operator==(const Segment&) const = default;
};
struct Node {
  int field = 0;
  std::vector<Segment> segments;  // ascending; adjacent ones lead to different rests
  bool operator==(const Node&) const = default;
};

struct NodeHash {
  std::size_t operator()(const Node& node) const {
    std::size_t seed = static_cast<std::size_t>(node.field);
    for (const auto& segment : node.segments)
      seed = Mix(Mix(Mix(seed, segment.first), segment.last), static_cast<std::uint64_t>(segment.rest));
    return seed;
  }
};

// Appends a segment to a node built in order, joining it to the last one when both touch and
// lead to the same rest.
void Append(std::vector<Segment>& segments, Uint128 first, Uint128 last, int rest) {
  if (!segments.empty() && segments.back().rest == rest && segments.back().last + 1 == first) {
    segments.back().last = last;
    return;
  }
  segments.push_back({first, last, rest});
}

// Hash-consed canonical sets, and their union (as a BDD's apply, on segments instead of bits).
class CanonicalSets {
 public:
  static constexpr int kEverything = 0;

  CanonicalSets() { nodes_.push_back(nullptr); }

  // The cube's fields from the protocol on.
  int OfCube(const Cube& cube) {
    int rest = kEverything;
    for (int field = kFieldCount - 1; field >= 0; --field) {
      std::vector<Segment> segments;
      for (const auto& range : FieldOf(cube, field)) segments.push_back({range.first, range.last, rest});
      rest = Make(field, std::move(segments));
    }
    return rest;
  }

  int Union(int field, int a, int b) {
    if (a == b || b == kEverything) return b;
    if (a == kEverything) return a;
    const auto key = a < b ? PairKey(a, b) : PairKey(b, a);
    if (const auto known = unions_.find(key); known != unions_.end()) return known->second;
    const int id = Make(field, Merge(field, At(a).segments, At(b).segments));
    unions_.emplace(key, id);
    return id;
  }

  const Node& At(int id) const { return *nodes_[static_cast<std::size_t>(id)]; }

 private:
  static std::uint64_t PairKey(int a, int b) {
    return static_cast<std::uint64_t>(a) << 32 | static_cast<std::uint32_t>(b);
  }

  // The segments of the union: the values of either, the rests of both united where they meet.
  std::vector<Segment> Merge(int field, const std::vector<Segment>& a, const std::vector<Segment>& b) {
    const Uint128 max = kFieldMax[static_cast<std::size_t>(field)];
    std::vector<Segment> out;
    std::size_t i = 0;
    std::size_t j = 0;
    Uint128 at = 0;  // every value below is done
    while (true) {
      while (i < a.size() && a[i].last < at) ++i;
      while (j < b.size() && b[j].last < at) ++j;
      if (i == a.size() && j == b.size()) break;
      bool in_a = i < a.size() && a[i].first <= at;
      bool in_b = j < b.size() && b[j].first <= at;
      if (!in_a && !in_b) {
        at = std::min(i < a.size() ? a[i].first : max, j < b.size() ? b[j].first : max);
        in_a = i < a.size() && a[i].first == at;
        in_b = j < b.size() && b[j].first == at;
      }
      // The piece ends where a segment it is in ends or where one it is not in starts.
      Uint128 last = max;
      if (i < a.size()) last = std::min(last, in_a ? a[i].last : a[i].first - 1);
      if (j < b.size()) last = std::min(last, in_b ? b[j].last : b[j].first - 1);
      const int rest = in_a && in_b ? Union(field + 1, a[i].rest, b[j].rest) : in_a ? a[i].rest : b[j].rest;
      Append(out, at, last, rest);
      if (last == max) break;
      at = last + 1;
    }
    return out;
  }

  int Make(int field, std::vector<Segment> segments) {
    if (segments.size() == 1 && segments.front().first == 0 &&
        segments.front().last == kFieldMax[static_cast<std::size_t>(field)] && segments.front().rest == kEverything)
      return kEverything;
    const auto [it, added] = interned_.try_emplace(Node{field, std::move(segments)}, static_cast<int>(nodes_.size()));
    if (added) nodes_.push_back(&it->first);
    return it->second;
  }

  std::unordered_map<Node, int, NodeHash> interned_;
  std::vector<const Node*> nodes_;  // by id; the keys of interned_, which never move
  std::unordered_map<std::uint64_t, int> unions_;
};

// Writes one box per path from the set `id` at `field` down, in Boxes()'s order: at each field,
// the values that lead to one rest make a group, and the groups are sorted by the values they
// report.
void Emit(const CanonicalSets& sets, int id, int field, Box& box, std::vector<Box>& out) {
  if (field == kFieldCount) {
    out.push_back(box);
    return;
  }
  const bool ipv4_addresses = box.family == core::Family::kIPv4 && IsAddressField(field);
  if (id == CanonicalSets::kEverything) {
    const Uint128 max = kFieldMax[static_cast<std::size_t>(field)];
    FieldOf(box, field) = {{0, ipv4_addresses ? max >> kIPv4Shift : max}};
    Emit(sets, id, field + 1, box, out);
    return;
  }
  // The segments with one rest, in order, make a group; the groups in the order of their first
  // value (so sorted, but for IPv4 addresses, which are sorted again once cut to 32 bits).
  const auto& segments = sets.At(id).segments;
  std::vector<std::uint32_t> order(segments.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return segments[a].rest < segments[b].rest; });
  std::vector<std::pair<std::uint32_t, std::uint32_t>> runs;  // first segment, first in `order`
  for (std::uint32_t k = 0; k < order.size(); ++k)
    if (k == 0 || segments[order[k]].rest != segments[order[k - 1]].rest) runs.emplace_back(order[k], k);
  std::sort(runs.begin(), runs.end());
  std::vector<std::pair<Ranges, int>> groups;
  groups.reserve(runs.size());
  for (const auto& [first_segment, start] : runs) {
    const int rest = segments[first_segment].rest;
    Ranges values;
    for (auto k = start; k < order.size() && segments[order[k]].rest == rest; ++k) {
      const auto& segment = segments[order[k]];
      if (ipv4_addresses) {
        Join(values, segment.first >> kIPv4Shift, segment.last >> kIPv4Shift);
      } else {
        values.push_back({segment.first, segment.last});
      }
    }
    groups.emplace_back(std::move(values), rest);
  }
  if (ipv4_addresses)
    std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [values, rest] : groups) {
    FieldOf(box, field) = values;
    Emit(sets, rest, field + 1, box, out);
  }
}

// One cube (after projection) is one box per family: each of its fields leads to the same rest.
void OneCubeBoxes(const Cube& cube, std::vector<Box>& out) {
  for (const auto family : {core::Family::kIPv4, core::Family::kIPv6}) {
    const bool ipv4 = family == core::Family::kIPv4;
    if ((cube.families & (ipv4 ? kIPv4Bit : kIPv6Bit)) == 0) continue;
    Box box;
    box.family = family;
    for (int field = 0; field < kFieldCount; ++field) {
      const Ranges& values = FieldOf(cube, field);
      FieldOf(box, field) = ipv4 && IsAddressField(field) ? IPv4Values(values) : values;
    }
    out.push_back(std::move(box));
  }
}

bool HoldsPackets(const Cube& cube) {
  return (cube.families & (kIPv4Bit | kIPv6Bit)) != 0 && !IsEmpty(cube);
}

}  // namespace

std::vector<Box> CubeBoxes(const std::vector<Cube>& cubes) {
  std::vector<Box> boxes;
  const auto holding = std::count_if(cubes.begin(), cubes.end(), HoldsPackets);
  if (holding == 0) return boxes;
  if (holding == 1) {
    OneCubeBoxes(*std::find_if(cubes.begin(), cubes.end(), HoldsPackets), boxes);
    return boxes;
  }
  CanonicalSets sets;
  std::vector<std::pair<int, std::uint8_t>> sets_of_cubes;  // a cube's set, its families
  for (const auto& cube : cubes)
    if (HoldsPackets(cube)) sets_of_cubes.emplace_back(sets.OfCube(cube), cube.families);
  for (const auto family : {core::Family::kIPv4, core::Family::kIPv6}) {
    const std::uint8_t bit = family == core::Family::kIPv4 ? kIPv4Bit : kIPv6Bit;
    std::vector<int> parts;
    for (const auto& [id, families] : sets_of_cubes)
      if ((families & bit) != 0) parts.push_back(id);
    if (parts.empty()) continue;
    // United in pairs, then pairs of pairs: disjoint cubes cost n log n, not n^2.
    while (parts.size() > 1) {
      std::size_t kept = 0;
      for (std::size_t i = 0; i < parts.size(); i += 2)
        parts[kept++] = i + 1 < parts.size() ? sets.Union(kProtocolField, parts[i], parts[i + 1]) : parts[i];
      parts.resize(kept);
    }
    Box box;
    box.family = family;
    Emit(sets, parts.front(), kProtocolField, box, boxes);
  }
  return boxes;
}

}  // namespace portolan::audit
