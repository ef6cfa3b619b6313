#include "audit/cube_boxes.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <utility>

namespace portolan::audit {

namespace {

// The fields below the family, in the order of the BDD and of PacketSet::Boxes().
constexpr int kProtocolField = 0;
constexpr int kDestinationField = 1;
constexpr int kSourceField = 2;
constexpr int kDestinationPortField = 3;
constexpr int kFieldCount = 5;  // the last, 4, is the source port
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

// An open-addressing hash table from 64-bit keys to ids, emptied at once by a new generation: it
// lives across calls, so that once it has grown a call allocates nothing for it.
class IdTable {
 public:
  struct Slot {
    std::uint32_t generation = 0;
    std::uint64_t key = 0;
    int id = 0;
  };

  void Clear() {
    if (slots_.empty()) slots_.resize(kInitialSlots);
    if (++generation_ == 0) {  // wrapped around: forget the slots of every earlier generation
      for (auto& slot : slots_) slot.generation = 0;
      generation_ = 1;
    }
    size_ = 0;
  }

  // The slot that holds `key` with an id for which same(id) holds, or the free slot for it.
  template <typename Same>
  Slot& Find(std::uint64_t key, Same same) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = Scramble(key) & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.generation != generation_ || (slot.key == key && same(slot.id))) return slot;
    }
  }
  bool Holds(const Slot& slot) const { return slot.generation == generation_; }
  // Fills the free slot Find returned; every Slot reference is invalid afterwards.
  void Fill(Slot& slot, std::uint64_t key, int id) {
    slot = {generation_, key, id};
    if (++size_ * 2 > slots_.size()) Grow();
  }

 private:
  static constexpr std::size_t kInitialSlots = 64;  // a power of two

  static std::size_t Scramble(std::uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    return key ^ (key >> 33);
  }

  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (const auto& slot : old) {
      if (slot.generation != generation_) continue;
      std::size_t i = Scramble(slot.key) & mask;
      while (slots_[i].generation == generation_) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::uint32_t generation_ = 0;
  std::size_t size_ = 0;
};

// A set over the fields from one on, canonically: the field's values cut into maximal segments
// by the set of the fields below that they lead to (the rest), the empty rest left out. Equal
// sets have equal segments, so a BDD's node after a field is one rest here, and the values that
// lead to it are the values Boxes() collects for that node. The set of every packet has one id
// at every field.
struct Segment {
  Uint128 first = 0;
  Uint128 last = 0;
  int rest = 0;
  bool operator==(const Segment&) const = default;
};

struct Node {
  int field = 0;
  std::uint32_t offset = 0;  // its segments in the arena: ascending, adjacent ones with different rests
  std::uint32_t count = 0;
};

// Appends a segment to a list built in order, joining it to the last one when both touch and
// lead to the same rest.
void Append(std::vector<Segment>& segments, Uint128 first, Uint128 last, int rest) {
  if (!segments.empty() && segments.back().rest == rest && segments.back().last + 1 == first) {
    segments.back().last = last;
    return;
  }
  segments.push_back({first, last, rest});
}

// Whether the cube holds a packet (a family bit beyond IPv4 and IPv6 is none).
bool HoldsPackets(const Cube& cube) {
  return (cube.families & (kIPv4Bit | kIPv6Bit)) != 0 && !IsEmpty(cube);
}

// Builds the canonical sets of a cube list, hash-consed, united as a BDD's apply unites (on
// segments instead of bits), and writes their boxes. One lives per thread and is reused, so
// that a call on a few cubes allocates little more than its boxes.
class BoxMaker {
 public:
  std::vector<Box> Boxes(const std::vector<Cube>& cubes) {
    Clear();
    std::vector<std::pair<int, std::uint8_t>> cube_sets;  // a cube's set, its families
    cube_sets.reserve(cubes.size());
    for (const auto& cube : cubes)
      if (HoldsPackets(cube)) cube_sets.emplace_back(OfCube(cube), cube.families);
    std::vector<Box> boxes;
    for (const auto family : {core::Family::kIPv4, core::Family::kIPv6}) {
      const std::uint8_t bit = family == core::Family::kIPv4 ? kIPv4Bit : kIPv6Bit;
      parts_.clear();
      for (const auto& [id, families] : cube_sets)
        if ((families & bit) != 0) parts_.push_back(id);
      if (parts_.empty()) continue;
      // United in pairs, then pairs of pairs: n disjoint cubes cost n log n, not n^2.
      while (parts_.size() > 1) {
        std::size_t kept = 0;
        for (std::size_t i = 0; i < parts_.size(); i += 2)
          parts_[kept++] = i + 1 < parts_.size() ? Union(kProtocolField, parts_[i], parts_[i + 1]) : parts_[i];
        parts_.resize(kept);
      }
      Box box;
      box.family = family;
      Emit(parts_.front(), kProtocolField, box, boxes);
    }
    return boxes;
  }

 private:
  static constexpr int kEverything = 0;

  struct Group {
    int rest = 0;
    std::uint32_t first_segment = 0;
    std::uint32_t values_offset = 0;  // in values_[field]
    std::uint32_t values_count = 0;
  };

  void Clear() {
    nodes_.assign(1, Node{});  // kEverything: never looked into
    segments_.clear();
    interned_.Clear();
    unions_.Clear();
  }

  // The cube's fields from the protocol on.
  int OfCube(const Cube& cube) {
    int rest = kEverything;
    for (int field = kFieldCount - 1; field >= 0; --field) {
      auto& segments = scratch_[static_cast<std::size_t>(field)];
      segments.clear();
      for (const auto& range : FieldOf(cube, field)) segments.push_back({range.first, range.last, rest});
      rest = Make(field, segments);
    }
    return rest;
  }

  int Union(int field, int a, int b) {
    if (a == b || b == kEverything) return b;
    if (a == kEverything) return a;
    const std::uint64_t key = PairKey(std::min(a, b), std::max(a, b));
    const auto any = [](int) { return true; };  // the key is the pair itself
    if (const auto& known = unions_.Find(key, any); unions_.Holds(known)) return known.id;
    Merge(field, a, b);
    const int id = Make(field, scratch_[static_cast<std::size_t>(field)]);
    unions_.Fill(unions_.Find(key, any), key, id);  // found again: the recursion may have grown the table
    return id;
  }

  static std::uint64_t PairKey(int a, int b) {
    return static_cast<std::uint64_t>(a) << 32 | static_cast<std::uint32_t>(b);
  }

  // The segments of a | b into scratch_[field]: the values of either, with the rests of both
  // united where they meet. The arena grows in the recursion, so segments are read by index.
  void Merge(int field, int a, int b) {
    auto& out = scratch_[static_cast<std::size_t>(field)];
    out.clear();
    const Node na = nodes_[static_cast<std::size_t>(a)];
    const Node nb = nodes_[static_cast<std::size_t>(b)];
    const auto in = [this](const Node& node, std::size_t i) -> const Segment& { return segments_[node.offset + i]; };
    const Uint128 max = kFieldMax[static_cast<std::size_t>(field)];
    std::size_t i = 0;
    std::size_t j = 0;
    Uint128 at = 0;  // every value below is done
    while (true) {
      while (i < na.count && in(na, i).last < at) ++i;
      while (j < nb.count && in(nb, j).last < at) ++j;
      const bool more_a = i < na.count;
      const bool more_b = j < nb.count;
      if (!more_a && !more_b) break;
      bool in_a = more_a && in(na, i).first <= at;
      bool in_b = more_b && in(nb, j).first <= at;
      if (!in_a && !in_b) {
        at = std::min(more_a ? in(na, i).first : max, more_b ? in(nb, j).first : max);
        in_a = more_a && in(na, i).first == at;
        in_b = more_b && in(nb, j).first == at;
      }
      // The piece ends where a segment it is in ends or where one it is not in starts.
      Uint128 last = max;
      if (more_a) last = std::min(last, in_a ? in(na, i).last : in(na, i).first - 1);
      if (more_b) last = std::min(last, in_b ? in(nb, j).last : in(nb, j).first - 1);
      const int rest = in_a && in_b ? Union(field + 1, in(na, i).rest, in(nb, j).rest)
                       : in_a       ? in(na, i).rest
                                    : in(nb, j).rest;
      Append(out, at, last, rest);
      if (last == max) break;
      at = last + 1;
    }
  }

  int Make(int field, const std::vector<Segment>& segments) {
    if (segments.size() == 1 && segments.front().first == 0 &&
        segments.front().last == kFieldMax[static_cast<std::size_t>(field)] && segments.front().rest == kEverything)
      return kEverything;
    std::uint64_t hash = static_cast<std::uint64_t>(field);
    for (const auto& segment : segments)
      hash = Mix(Mix(Mix(hash, segment.first), segment.last), static_cast<std::uint64_t>(segment.rest));
    const auto same = [&](int id) {
      const Node& node = nodes_[static_cast<std::size_t>(id)];
      return node.field == field && node.count == segments.size() &&
             std::equal(segments.begin(), segments.end(), segments_.begin() + node.offset);
    };
    auto& slot = interned_.Find(hash, same);
    if (interned_.Holds(slot)) return slot.id;
    const int id = static_cast<int>(nodes_.size());
    nodes_.push_back(
        {field, static_cast<std::uint32_t>(segments_.size()), static_cast<std::uint32_t>(segments.size())});
    segments_.insert(segments_.end(), segments.begin(), segments.end());
    interned_.Fill(slot, hash, id);
    return id;
  }

  // Writes one box per path from the set `id` at `field` down, in Boxes()'s order: at each field,
  // the values that lead to one rest make a group, and the groups are sorted by the values they
  // report.
  void Emit(int id, int field, Box& box, std::vector<Box>& out) {
    if (field == kFieldCount) {
      out.push_back(box);
      return;
    }
    const auto f = static_cast<std::size_t>(field);
    const bool ipv4_addresses = box.family == core::Family::kIPv4 && IsAddressField(field);
    const int shift = ipv4_addresses ? kIPv4Shift : 0;
    auto& values = FieldOf(box, field);
    if (id == kEverything) {
      values.assign(1, {0, kFieldMax[f] >> shift});
      Emit(id, field + 1, box, out);
      return;
    }
    const Node node = nodes_[static_cast<std::size_t>(id)];
    const auto segment = [&](std::uint32_t k) -> const Segment& { return segments_[node.offset + k]; };
    if (node.count == 1) {
      values.assign(1, {segment(0).first >> shift, segment(0).last >> shift});
      Emit(segment(0).rest, field + 1, box, out);
      return;
    }
    // The segments of one rest, in order, make a group.
    auto& order = order_[f];
    order.resize(node.count);
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return segment(a).rest < segment(b).rest; });
    auto& groups = groups_[f];
    auto& group_values = values_[f];
    groups.clear();
    group_values.clear();
    for (std::uint32_t k = 0; k < order.size(); ++k) {
      const auto& piece = segment(order[k]);
      if (groups.empty() || groups.back().rest != piece.rest)
        groups.push_back({piece.rest, order[k], static_cast<std::uint32_t>(group_values.size()), 0});
      auto& group = groups.back();
      const Uint128 first = piece.first >> shift;
      const Uint128 last = piece.last >> shift;
      // Cut to 32 bits, neighbouring IPv4 values may touch or meet.
      if (group.values_count > 0 && group_values.back().last + 1 >= first) {
        group_values.back().last = std::max(group_values.back().last, last);
      } else {
        group_values.push_back({first, last});
        ++group.values_count;
      }
    }
    // In the order of their first value; IPv4 addresses sorted again once cut to 32 bits.
    std::sort(groups.begin(), groups.end(),
              [](const Group& a, const Group& b) { return a.first_segment < b.first_segment; });
    if (ipv4_addresses) {
      const auto span_of = [&](const Group& group) {
        return std::pair(group_values.begin() + group.values_offset,
                         group_values.begin() + group.values_offset + group.values_count);
      };
      std::stable_sort(groups.begin(), groups.end(), [&](const Group& a, const Group& b) {
        const auto [a_first, a_last] = span_of(a);
        const auto [b_first, b_last] = span_of(b);
        return std::lexicographical_compare(a_first, a_last, b_first, b_last);
      });
    }
    for (const auto& group : groups) {
      values.assign(group_values.begin() + group.values_offset,
                    group_values.begin() + group.values_offset + group.values_count);
      Emit(group.rest, field + 1, box, out);
    }
  }

  std::vector<Node> nodes_;        // by id
  std::vector<Segment> segments_;  // the nodes' segments
  IdTable interned_;               // node hash -> id
  IdTable unions_;                 // pair of ids -> the id of their union
  std::vector<int> parts_;
  // Scratch space per field: a call at one field only recurses into the fields below.
  std::array<std::vector<Segment>, kFieldCount> scratch_;
  std::array<std::vector<std::uint32_t>, kFieldCount> order_;
  std::array<std::vector<Group>, kFieldCount> groups_;
  std::array<Ranges, kFieldCount> values_;
};

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

}  // namespace

std::vector<Box> CubeBoxes(const std::vector<Cube>& cubes) {
  const auto holding = std::count_if(cubes.begin(), cubes.end(), HoldsPackets);
  if (holding == 1) {
    std::vector<Box> boxes;
    OneCubeBoxes(*std::find_if(cubes.begin(), cubes.end(), HoldsPackets), boxes);
    return boxes;
  }
  if (holding == 0) return {};
  thread_local BoxMaker maker;
  return maker.Boxes(cubes);
}

}  // namespace portolan::audit
