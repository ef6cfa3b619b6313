#pragma once
// Cubes: products of value sets, one per field a firewall rule can match. Nearly every rule of a
// real ruleset is one cube (or a few), and most rules of a large ruleset touch few others, so the
// audit's fast engine (audit/cube_engine.hpp) computes with cubes and indexes them, where a BDD
// would rebuild shared paths in one big node table for every rule. The algebra here is exact:
// intersection is a cube, and a difference is a list of disjoint cubes.
//
// Written by hand: no Debian library offers exact products of 128-bit interval lists with the
// masks of this model.

#include <cstdint>
#include <vector>

// GCC 12 warns of a read past the inline buffer in boost's move of a small_vector: a false
// positive of its middle end (the read is guarded by the vector's size).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overread"
#endif
#include <boost/container/small_vector.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace portolan::audit {

__extension__ typedef unsigned __int128 Uint128;  // addresses; GCC and clang have it

struct ValueRange {
  Uint128 first = 0;
  Uint128 last = 0;
  auto operator<=>(const ValueRange&) const = default;
};

// A set of values of one field: sorted, disjoint, non-adjacent ranges. Empty: no value. Nearly
// every field of a rule is one range, kept in place: a cube is copied without allocating.
using Ranges = boost::container::small_vector<ValueRange, 1>;

constexpr Uint128 kMaxProtocolValue = 255;
constexpr Uint128 kMaxPortValue = 65535;
constexpr Uint128 kMaxAddressValue = ~Uint128{0};

// The fields as in PacketSet (packet_set.hpp): an IPv4 address is the top 32 bits of its 128-bit
// field; ICMP type and code are in the destination port. The masks have a bit per value: family
// (bit 0 IPv4, bit 1 IPv6), conntrack state (CtState, 3 bits of values), interface codes (64);
// the unmodelled matches are 64 free booleans, some of which the cube fixes.
struct Cube {
  std::uint8_t families = 0b11;
  std::uint8_t states = 0xff;
  std::uint64_t in_interfaces = ~std::uint64_t{0};
  std::uint64_t out_interfaces = ~std::uint64_t{0};
  std::uint64_t unknown_true = 0;   // unmodelled matches that must hold
  std::uint64_t unknown_false = 0;  // and that must not
  Ranges protocols{{0, kMaxProtocolValue}};
  Ranges destinations{{0, kMaxAddressValue}};
  Ranges sources{{0, kMaxAddressValue}};
  Ranges destination_ports{{0, kMaxPortValue}};
  Ranges source_ports{{0, kMaxPortValue}};

  bool operator==(const Cube&) const = default;

  // Whether the cube restricts the fields the audit cannot see (interfaces, unmodelled matches).
  bool HasHidden() const {
    return in_interfaces != ~std::uint64_t{0} || out_interfaces != ~std::uint64_t{0} || unknown_true != 0 ||
           unknown_false != 0;
  }
};

// Range lists.
Ranges IntersectRanges(const Ranges& a, const Ranges& b);
Ranges SubtractRanges(const Ranges& a, const Ranges& b);
Ranges UnionRanges(const Ranges& a, const Ranges& b);
Ranges ComplementRanges(const Ranges& a, Uint128 max);
bool RangesOverlap(const Ranges& a, const Ranges& b);
bool RangesSubset(const Ranges& a, const Ranges& b);  // a within b
bool RangesContain(const Ranges& ranges, Uint128 value);

bool IsEmpty(const Cube& cube);
bool Overlaps(const Cube& a, const Cube& b);
bool SubsetOf(const Cube& a, const Cube& b);
// a & b into `out`; false (out unspecified) when they do not overlap.
bool Intersect(const Cube& a, const Cube& b, Cube& out);
// into &= other; false (into unspecified) when they do not overlap. Cheaper than Intersect
// where `other` leaves most fields free, as a rule's clauses do.
bool IntersectInPlace(Cube& into, const Cube& other);
// a - b as disjoint cubes, appended to `out`.
void Subtract(const Cube& a, const Cube& b, std::vector<Cube>& out);
// Makes `into` the union of both when that union is one cube (one contains the other, or they
// differ in one field only); false and unchanged otherwise.
bool TryMerge(Cube& into, const Cube& other);

// One packet with a value for every field, hidden ones too.
struct Point {
  int in_interface = 0;
  int out_interface = 0;
  std::uint64_t unknown = 0;  // bit i: unmodelled match i holds
  int state = 0;
  int family = 0;  // 0 IPv4, 1 IPv6
  Uint128 protocol = 0;
  Uint128 destination = 0;
  Uint128 source = 0;
  Uint128 destination_port = 0;
  Uint128 source_port = 0;
};

bool Contains(const Cube& cube, const Point& point);
// The lowest point of a non-empty cube in the BDD's variable order (packet_set.cpp), with free
// bits zero: what PacketSet::AnyAssignment() picks.
Point LowestPoint(const Cube& cube);
// Whether a comes before b in that order.
bool PointBefore(const Point& a, const Point& b);

}  // namespace portolan::audit
