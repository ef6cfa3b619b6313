#include "audit/cube.hpp"

#include <algorithm>
#include <bit>

namespace portolan::audit {

namespace {

// Appends a range to a list being built in order, joining it to the last one when they touch.
void Append(Ranges& out, Uint128 first, Uint128 last) {
  if (!out.empty() && out.back().last != kMaxAddressValue && out.back().last + 1 >= first) {
    out.back().last = std::max(out.back().last, last);
    return;
  }
  out.push_back({first, last});
}

bool Consistent(const Cube& cube) {
  return (cube.unknown_true & cube.unknown_false) == 0;
}

// The fields of a cube, for the loops of Subtract and TryMerge.
enum class Part { kFamily, kState, kIn, kOut, kProtocol, kDestination, kSource, kDestinationPort, kSourcePort };
constexpr Part kRangeParts[] = {Part::kProtocol, Part::kDestination, Part::kSource, Part::kDestinationPort,
                                Part::kSourcePort};

Ranges& RangesOf(Cube& cube, Part part) {
  switch (part) {
    case Part::kProtocol: return cube.protocols;
    case Part::kDestination: return cube.destinations;
    case Part::kSource: return cube.sources;
    case Part::kDestinationPort: return cube.destination_ports;
    default: return cube.source_ports;
  }
}

Uint128 MaxOf(Part part) {
  switch (part) {
    case Part::kProtocol: return kMaxProtocolValue;
    case Part::kDestinationPort:
    case Part::kSourcePort: return kMaxPortValue;
    default: return kMaxAddressValue;
  }
}

const Ranges& RangesOf(const Cube& cube, Part part) {
  return RangesOf(const_cast<Cube&>(cube), part);
}

}  // namespace

namespace {

// One range against a long list (a host against a site's networks): a binary search for the
// ranges it meets, not a walk through the list.
Ranges IntersectOne(const ValueRange& range, const Ranges& list) {
  Ranges out;
  auto it = std::lower_bound(list.begin(), list.end(), range.first,
                             [](const ValueRange& r, Uint128 value) { return r.last < value; });
  for (; it != list.end() && it->first <= range.last; ++it)
    out.push_back({std::max(it->first, range.first), std::min(it->last, range.last)});
  return out;
}

}  // namespace

Ranges IntersectRanges(const Ranges& a, const Ranges& b) {
  if (a.size() == 1 && b.size() > 8) return IntersectOne(a.front(), b);
  if (b.size() == 1 && a.size() > 8) return IntersectOne(b.front(), a);
  Ranges out;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    const auto first = std::max(a[i].first, b[j].first);
    const auto last = std::min(a[i].last, b[j].last);
    if (first <= last) out.push_back({first, last});
    if (a[i].last < b[j].last)
      ++i;
    else
      ++j;
  }
  return out;
}

Ranges SubtractRanges(const Ranges& a, const Ranges& b) {
  Ranges out;
  std::size_t j = 0;
  for (const auto& range : a) {
    Uint128 start = range.first;
    bool open = true;
    while (j < b.size() && b[j].last < start) ++j;
    std::size_t k = j;
    while (open && k < b.size() && b[k].first <= range.last) {
      if (b[k].first > start) out.push_back({start, b[k].first - 1});
      if (b[k].last >= range.last) {
        open = false;
      } else {
        start = b[k].last + 1;
      }
      ++k;
    }
    if (open) out.push_back({start, range.last});
  }
  return out;
}

Ranges UnionRanges(const Ranges& a, const Ranges& b) {
  Ranges out;
  out.reserve(a.size() + b.size());
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() || j < b.size()) {
    const bool take_a = j >= b.size() || (i < a.size() && a[i].first <= b[j].first);
    const auto& range = take_a ? a[i++] : b[j++];
    Append(out, range.first, range.last);
  }
  return out;
}

Ranges ComplementRanges(const Ranges& a, Uint128 max) {
  return SubtractRanges(Ranges{{0, max}}, a);
}

bool RangesOverlap(const Ranges& a, const Ranges& b) {
  if (a.size() == 1 && b.size() > 8) return !IntersectOne(a.front(), b).empty();
  if (b.size() == 1 && a.size() > 8) return !IntersectOne(b.front(), a).empty();
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::max(a[i].first, b[j].first) <= std::min(a[i].last, b[j].last)) return true;
    if (a[i].last < b[j].last)
      ++i;
    else
      ++j;
  }
  return false;
}

bool RangesSubset(const Ranges& a, const Ranges& b) {
  std::size_t j = 0;
  for (const auto& range : a) {
    while (j < b.size() && b[j].last < range.first) ++j;
    if (j == b.size() || b[j].first > range.first || b[j].last < range.last) return false;
  }
  return true;
}

bool RangesContain(const Ranges& ranges, Uint128 value) {
  auto it = std::upper_bound(ranges.begin(), ranges.end(), value,
                             [](Uint128 v, const ValueRange& range) { return v < range.first; });
  return it != ranges.begin() && std::prev(it)->last >= value;
}

bool IsEmpty(const Cube& cube) {
  return cube.families == 0 || cube.states == 0 || cube.in_interfaces == 0 || cube.out_interfaces == 0 ||
         !Consistent(cube) || cube.protocols.empty() || cube.destinations.empty() || cube.sources.empty() ||
         cube.destination_ports.empty() || cube.source_ports.empty();
}

bool Overlaps(const Cube& a, const Cube& b) {
  return (a.families & b.families) != 0 && (a.states & b.states) != 0 && (a.in_interfaces & b.in_interfaces) != 0 &&
         (a.out_interfaces & b.out_interfaces) != 0 &&
         ((a.unknown_true | b.unknown_true) & (a.unknown_false | b.unknown_false)) == 0 &&
         RangesOverlap(a.destinations, b.destinations) && RangesOverlap(a.sources, b.sources) &&
         RangesOverlap(a.protocols, b.protocols) && RangesOverlap(a.destination_ports, b.destination_ports) &&
         RangesOverlap(a.source_ports, b.source_ports);
}

bool SubsetOf(const Cube& a, const Cube& b) {
  return (a.families & ~b.families) == 0 && (a.states & ~b.states) == 0 && (a.in_interfaces & ~b.in_interfaces) == 0 &&
         (a.out_interfaces & ~b.out_interfaces) == 0 && (b.unknown_true & ~a.unknown_true) == 0 &&
         (b.unknown_false & ~a.unknown_false) == 0 && RangesSubset(a.destinations, b.destinations) &&
         RangesSubset(a.sources, b.sources) && RangesSubset(a.protocols, b.protocols) &&
         RangesSubset(a.destination_ports, b.destination_ports) && RangesSubset(a.source_ports, b.source_ports);
}

bool Intersect(const Cube& a, const Cube& b, Cube& out) {
  out.families = a.families & b.families;
  out.states = a.states & b.states;
  out.in_interfaces = a.in_interfaces & b.in_interfaces;
  out.out_interfaces = a.out_interfaces & b.out_interfaces;
  out.unknown_true = a.unknown_true | b.unknown_true;
  out.unknown_false = a.unknown_false | b.unknown_false;
  if (out.families == 0 || out.states == 0 || out.in_interfaces == 0 || out.out_interfaces == 0 || !Consistent(out))
    return false;
  for (const auto part : kRangeParts) {
    auto& ranges = RangesOf(out, part);
    ranges = IntersectRanges(RangesOf(a, part), RangesOf(b, part));
    if (ranges.empty()) return false;
  }
  return true;
}

bool IntersectInPlace(Cube& into, const Cube& other) {
  into.families &= other.families;
  into.states &= other.states;
  into.in_interfaces &= other.in_interfaces;
  into.out_interfaces &= other.out_interfaces;
  into.unknown_true |= other.unknown_true;
  into.unknown_false |= other.unknown_false;
  if (into.families == 0 || into.states == 0 || into.in_interfaces == 0 || into.out_interfaces == 0 ||
      !Consistent(into))
    return false;
  for (const auto part : kRangeParts) {
    const auto& theirs = RangesOf(other, part);
    const auto max = MaxOf(part);
    if (theirs.size() == 1 && theirs.front().first == 0 && theirs.front().last == max) continue;
    auto& mine = RangesOf(into, part);
    if (mine.size() == 1 && mine.front().first == 0 && mine.front().last == max) {
      mine = theirs;
    } else {
      mine = IntersectRanges(mine, theirs);
      if (mine.empty()) return false;
    }
  }
  return true;
}

// Peels a - b field by field: each piece keeps the fields already peeled inside b and takes the
// values outside b in one more field, so the pieces are disjoint and their union is a - b.
void Subtract(const Cube& a, const Cube& b, std::vector<Cube>& out) {
  if (!Overlaps(a, b)) {
    out.push_back(a);
    return;
  }
  Cube rest = a;
  auto peel_mask = [&](auto member) {
    const auto outside = rest.*member & ~(b.*member);
    if (outside == 0) return;
    Cube piece = rest;
    piece.*member = outside;
    out.push_back(std::move(piece));
    rest.*member &= b.*member;
  };
  peel_mask(&Cube::families);
  peel_mask(&Cube::states);
  peel_mask(&Cube::in_interfaces);
  peel_mask(&Cube::out_interfaces);
  // Each unmodelled match b fixes and rest leaves free: the piece with the other value.
  for (auto free_true = b.unknown_true & ~rest.unknown_true; free_true != 0; free_true &= free_true - 1) {
    const auto bit = free_true & (~free_true + 1);
    Cube piece = rest;
    piece.unknown_false |= bit;
    out.push_back(std::move(piece));
    rest.unknown_true |= bit;
  }
  for (auto free_false = b.unknown_false & ~rest.unknown_false; free_false != 0; free_false &= free_false - 1) {
    const auto bit = free_false & (~free_false + 1);
    Cube piece = rest;
    piece.unknown_true |= bit;
    out.push_back(std::move(piece));
    rest.unknown_false |= bit;
  }
  for (const auto part : kRangeParts) {
    auto& mine = RangesOf(rest, part);
    const auto& theirs = RangesOf(b, part);
    if (RangesSubset(mine, theirs)) continue;
    auto outside = SubtractRanges(mine, theirs);
    Cube piece = rest;
    RangesOf(piece, part) = std::move(outside);
    out.push_back(std::move(piece));
    mine = IntersectRanges(mine, theirs);
  }
}

bool TryMerge(Cube& into, const Cube& other) {
  if (SubsetOf(other, into)) return true;
  if (SubsetOf(into, other)) {
    into = other;
    return true;
  }
  // Equal in every field but one: the union is that field's union.
  int differing = 0;
  auto differs = [&](bool unequal) { differing += unequal ? 1 : 0; };
  differs(into.families != other.families);
  differs(into.states != other.states);
  differs(into.in_interfaces != other.in_interfaces);
  differs(into.out_interfaces != other.out_interfaces);
  if (into.unknown_true != other.unknown_true || into.unknown_false != other.unknown_false) return false;
  for (const auto part : kRangeParts) differs(RangesOf(into, part) != RangesOf(other, part));
  if (differing != 1) return false;
  into.families |= other.families;
  into.states |= other.states;
  into.in_interfaces |= other.in_interfaces;
  into.out_interfaces |= other.out_interfaces;
  for (const auto part : kRangeParts) {
    auto& mine = RangesOf(into, part);
    if (mine != RangesOf(other, part)) mine = UnionRanges(mine, RangesOf(other, part));
  }
  return true;
}

bool Contains(const Cube& cube, const Point& point) {
  return (cube.families >> point.family & 1) != 0 && (cube.states >> point.state & 1) != 0 &&
         (cube.in_interfaces >> point.in_interface & 1) != 0 && (cube.out_interfaces >> point.out_interface & 1) != 0 &&
         (cube.unknown_true & ~point.unknown) == 0 && (cube.unknown_false & point.unknown) == 0 &&
         RangesContain(cube.protocols, point.protocol) && RangesContain(cube.destinations, point.destination) &&
         RangesContain(cube.sources, point.source) && RangesContain(cube.destination_ports, point.destination_port) &&
         RangesContain(cube.source_ports, point.source_port);
}

Point LowestPoint(const Cube& cube) {
  Point point;
  point.in_interface = std::countr_zero(cube.in_interfaces);
  point.out_interface = std::countr_zero(cube.out_interfaces);
  point.unknown = cube.unknown_true;
  point.state = std::countr_zero(static_cast<unsigned>(cube.states));
  point.family = std::countr_zero(static_cast<unsigned>(cube.families));
  point.protocol = cube.protocols.front().first;
  point.destination = cube.destinations.front().first;
  point.source = cube.sources.front().first;
  point.destination_port = cube.destination_ports.front().first;
  point.source_port = cube.source_ports.front().first;
  return point;
}

bool PointBefore(const Point& a, const Point& b) {
  if (a.in_interface != b.in_interface) return a.in_interface < b.in_interface;
  if (a.out_interface != b.out_interface) return a.out_interface < b.out_interface;
  if (a.unknown != b.unknown) {
    // Unmodelled match 0 is the first variable: the lowest differing bit decides.
    const auto bit = (a.unknown ^ b.unknown) & (~(a.unknown ^ b.unknown) + 1);
    return (a.unknown & bit) == 0;
  }
  if (a.state != b.state) return a.state < b.state;
  if (a.family != b.family) return a.family < b.family;
  if (a.protocol != b.protocol) return a.protocol < b.protocol;
  if (a.destination != b.destination) return a.destination < b.destination;
  if (a.source != b.source) return a.source < b.source;
  if (a.destination_port != b.destination_port) return a.destination_port < b.destination_port;
  return a.source_port < b.source_port;
}

}  // namespace portolan::audit
