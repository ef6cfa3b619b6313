// The cube algebra (audit/cube.hpp) and PacketSet's cube lists against BDDs: random sets built
// from the factories, combined with every operation, must give the same set both ways.

#include "audit/cube.hpp"

#include <gtest/gtest.h>

#include <random>

#include "audit/packet_set.hpp"

namespace portolan::audit {
namespace {

class RandomSets {
 public:
  explicit RandomSets(unsigned seed) : rng_(seed) {}

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  core::Network Network(core::Family family) {
    core::Network network;
    network.family = family;
    // Few distinct values, so that sets overlap.
    network.bytes[0] = 10;
    network.bytes[1] = static_cast<std::uint8_t>(Pick(3));
    network.bytes[2] = static_cast<std::uint8_t>(Pick(3));
    network.bytes[3] = static_cast<std::uint8_t>(Pick(4));
    network.prefix_length = family == core::Family::kIPv4 ? 16 + Pick(17) : 16 + Pick(113);
    return network;
  }

  PacketSet Factor() {
    const auto family = Pick(4) == 0 ? core::Family::kIPv6 : core::Family::kIPv4;
    switch (Pick(12)) {
      case 0: return PacketSet::Family(family);
      case 1: return PacketSet::Source(Network(family));
      case 2: return PacketSet::Destination(Network(family));
      case 3: return PacketSet::Protocol(Pick(2) ? kProtocolTcp : Pick(3));
      case 4: {
        const int first = Pick(100);
        return PacketSet::DestinationPorts(first, first + Pick(100));
      }
      case 5: return PacketSet::SourcePorts(Pick(50), 50 + Pick(50));
      case 6: return PacketSet::State(static_cast<CtState>(Pick(kCtStateCount)));
      case 7: return PacketSet::InInterface(Pick(4));
      case 8: return PacketSet::OutInterface(Pick(4));
      case 9: return PacketSet::Unknown(Pick(3));
      case 10: return PacketSet::WellFormed();
      default: return PacketSet::DestinationRange(family, 10u << 24, (10u << 24) + Pick(70000));
    }
  }

  PacketSet Set(int depth) {
    if (depth == 0) return Factor();
    const auto a = Set(depth - 1);
    const auto b = Set(depth - 1);
    switch (Pick(5)) {
      case 0: return a & b;
      case 1: return a | b;
      case 2: return a - b;
      case 3: return ~a;
      default: return a & ~b;
    }
  }

 private:
  std::mt19937 rng_;
};

TEST(Cube, OperationsAgreeWithBdds) {
  RandomSets random(826852);
  for (int round = 0; round < 3000; ++round) {
    const auto a = random.Set(random.Pick(3));
    const auto b = random.Set(random.Pick(3));
    const auto ab = a.AsBdd();
    const auto bb = b.AsBdd();
    ASSERT_EQ((a & b).AsBdd(), ab & bb) << round;
    ASSERT_EQ((a | b).AsBdd(), ab | bb) << round;
    ASSERT_EQ((a - b).AsBdd(), ab - bb) << round;
    ASSERT_EQ((~a).AsBdd(), ~ab) << round;
    ASSERT_EQ(a.Empty(), ab.Empty()) << round;
    ASSERT_EQ(a.Intersects(b), ab.Intersects(bb)) << round;
    ASSERT_EQ(a.SubsetOf(b), ab.SubsetOf(bb)) << round;
    ASSERT_EQ(a == b, ab == bb) << round;
    ASSERT_EQ(a.ExistsHidden().AsBdd(), ab.ExistsHidden()) << round;
    ASSERT_EQ(a.ExistsState().AsBdd(), ab.ExistsState()) << round;
    ASSERT_EQ(PacketSet::FromCubes(a.ToCubes()).AsBdd(), ab.ExistsHidden()) << round;
    ASSERT_EQ(PacketSet::FromCubes(ab.ToCubes()).AsBdd(), ab.ExistsHidden()) << round;
  }
}

TEST(Cube, ToCubesIsDisjoint) {
  RandomSets random(4711);
  for (int round = 0; round < 300; ++round) {
    const auto set = random.Set(2);
    for (const auto& cubes : {set.ToCubes(), set.AsBdd().ToCubes()}) {
      for (std::size_t i = 0; i < cubes.size(); ++i)
        for (std::size_t j = i + 1; j < cubes.size(); ++j) ASSERT_FALSE(Overlaps(cubes[i], cubes[j])) << round;
    }
  }
}

TEST(Cube, LowestPointIsTheBddsFirstAssignment) {
  RandomSets random(1433);
  for (int round = 0; round < 1000; ++round) {
    const auto set = random.Set(2);
    if (set.Empty()) continue;
    const auto* cubes = set.Cubes();
    if (cubes == nullptr) continue;
    Point lowest = LowestPoint(cubes->front());
    for (const auto& cube : *cubes) {
      const auto point = LowestPoint(cube);
      if (PointBefore(point, lowest)) lowest = point;
    }
    ASSERT_EQ(PacketSet::AssignmentOf(lowest), set.AsBdd().AnyAssignment()) << round;
  }
}

TEST(Cube, RangeLists) {
  const Ranges a = {{0, 9}, {20, 29}};
  const Ranges b = {{5, 24}};
  EXPECT_EQ(IntersectRanges(a, b), (Ranges{{5, 9}, {20, 24}}));
  EXPECT_EQ(SubtractRanges(a, b), (Ranges{{0, 4}, {25, 29}}));
  EXPECT_EQ(UnionRanges(a, b), (Ranges{{0, 29}}));
  EXPECT_EQ(UnionRanges({{0, 4}}, {{5, 9}}), (Ranges{{0, 9}}));  // adjacent ranges join
  EXPECT_EQ(ComplementRanges(a, 99), (Ranges{{10, 19}, {30, 99}}));
  EXPECT_TRUE(RangesSubset({{21, 22}}, a));
  EXPECT_FALSE(RangesSubset({{8, 21}}, a));
  EXPECT_TRUE(RangesContain(a, 29));
  EXPECT_FALSE(RangesContain(a, 15));
  EXPECT_EQ(SubtractRanges({{0, kMaxAddressValue}}, {{0, kMaxAddressValue}}), Ranges{});
  EXPECT_EQ(ComplementRanges({{5, kMaxAddressValue}}, kMaxAddressValue), (Ranges{{0, 4}}));
  // One range against a long list takes a binary search; it must give what the walk gives.
  Ranges list;
  for (int i = 0; i < 40; ++i) list.push_back({static_cast<Uint128>(10 * i), static_cast<Uint128>(10 * i + 4)});
  for (int first = 0; first < 420; first += 7) {
    for (int width = 0; width < 60; width += 13) {
      const Ranges one = {{static_cast<Uint128>(first), static_cast<Uint128>(first + width)}};
      Ranges walked;
      for (const auto& range : list) {
        const auto low = std::max(range.first, one.front().first);
        const auto high = std::min(range.last, one.front().last);
        if (low <= high) walked.push_back({low, high});
      }
      EXPECT_EQ(IntersectRanges(one, list), walked) << first << "+" << width;
      EXPECT_EQ(IntersectRanges(list, one), walked) << first << "+" << width;
      EXPECT_EQ(RangesOverlap(one, list), !walked.empty()) << first << "+" << width;
    }
  }
}

}  // namespace
}  // namespace portolan::audit
