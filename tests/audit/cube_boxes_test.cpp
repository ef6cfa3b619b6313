// CubeBoxes (audit/cube_boxes.hpp) against PacketSet::Boxes(): random cube lists, from the
// factories and every operation and built by hand (overlapping, both families, states, hidden
// fields), must give the same boxes in the same order.

#include "audit/cube_boxes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <sstream>
#include <tuple>

#include "audit/packet_set.hpp"

namespace portolan::audit {
namespace {

constexpr int kIPv4Shift = 96;
constexpr Uint128 kIPv4Low = (Uint128{1} << kIPv4Shift) - 1;  // the free bits below an IPv4 address

auto Fields(const Box& box) {
  return std::tie(box.family, box.protocols, box.destinations, box.sources, box.destination_ports, box.source_ports);
}

std::string RangesText(const Ranges& ranges) {
  std::ostringstream text;
  for (const auto& range : ranges)
    text << " " << std::hex << static_cast<std::uint64_t>(range.first >> 64) << ":"
         << static_cast<std::uint64_t>(range.first) << "-" << static_cast<std::uint64_t>(range.last >> 64) << ":"
         << static_cast<std::uint64_t>(range.last);
  return text.str();
}

std::string BoxesText(const std::vector<Box>& boxes) {
  std::ostringstream text;
  for (const auto& box : boxes) {
    text << (box.family == core::Family::kIPv4 ? "v4" : "v6") << " proto" << RangesText(box.protocols) << " dst"
         << RangesText(box.destinations) << " src" << RangesText(box.sources) << " dport"
         << RangesText(box.destination_ports) << " sport" << RangesText(box.source_ports) << "\n";
  }
  return text.str();
}

bool SameBoxes(const std::vector<Box>& a, const std::vector<Box>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const Box& x, const Box& y) { return Fields(x) == Fields(y); });
}

std::vector<Box> Sorted(std::vector<Box> boxes) {
  std::sort(boxes.begin(), boxes.end(), [](const Box& x, const Box& y) { return Fields(x) < Fields(y); });
  return boxes;
}

testing::AssertionResult MatchesBoxes(const std::vector<Cube>& cubes) {
  const auto expected = PacketSet::FromCubes(cubes).Boxes();
  const auto actual = CubeBoxes(cubes);
  if (SameBoxes(actual, expected)) return testing::AssertionSuccess();
  return testing::AssertionFailure() << cubes.size() << " cubes\nexpected:\n"
                                     << BoxesText(expected) << "actual:\n"
                                     << BoxesText(actual);
}

class RandomCubes {
 public:
  explicit RandomCubes(unsigned seed) : rng_(seed) {}

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  core::Network Network(core::Family family) {
    core::Network network;
    network.family = family;
    // Few distinct values, so that sets overlap.
    network.bytes[0] = 10;
    network.bytes[1] = static_cast<std::uint8_t>(Pick(3));
    network.bytes[2] = static_cast<std::uint8_t>(Pick(3));
    network.bytes[3] = static_cast<std::uint8_t>(Pick(4));
    if (family == core::Family::kIPv6) network.bytes[9] = static_cast<std::uint8_t>(Pick(2));
    network.prefix_length = family == core::Family::kIPv4 ? 8 + Pick(25) : 8 + Pick(121);
    return network;
  }

  PacketSet Factor() {
    const auto family = Pick(3) == 0 ? core::Family::kIPv6 : core::Family::kIPv4;
    switch (Pick(13)) {
      case 0: return PacketSet::Family(family);
      case 1: return PacketSet::Source(Network(family));
      case 2: return PacketSet::Destination(Network(family));
      case 3: return PacketSet::Protocol(Pick(2) ? kProtocolTcp : Pick(3) * 8);
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
      case 11: return PacketSet::IcmpType(Pick(3) + 3, Pick(2) ? std::optional<int>(Pick(3)) : std::nullopt);
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

  // The cubes of a few random sets, one list: the sets overlap.
  std::vector<Cube> SetCubes(int sets) {
    std::vector<Cube> cubes;
    for (int i = 0; i < sets; ++i) {
      const auto set = Set(Pick(4));
      if (const auto* held = set.Cubes()) cubes.insert(cubes.end(), held->begin(), held->end());
    }
    return cubes;
  }

  // A canonical range list of 1 to 3 ranges with ends from a few values, so that cubes overlap.
  Ranges Values(const std::vector<Uint128>& ends) {
    Ranges ranges;
    for (int i = 0, count = 1 + Pick(3); i < count; ++i) {
      auto first = ends[static_cast<std::size_t>(Pick(static_cast<int>(ends.size())))];
      auto last = ends[static_cast<std::size_t>(Pick(static_cast<int>(ends.size())))];
      if (first > last) std::swap(first, last);
      ranges = UnionRanges(ranges, {{first, last}});
    }
    return ranges;
  }

  // IPv4 addresses as whole addresses (their 96 low bits free), or 128-bit values cut anywhere.
  Ranges Addresses(bool whole_ipv4) {
    if (Pick(4) == 0) return {{0, kMaxAddressValue}};
    std::vector<Uint128> ends;
    for (const Uint128 address : {0x0a000000u, 0x0a000001u, 0x0a000005u, 0x0a0000ffu, 0xc0a80000u})
      ends.push_back(address << kIPv4Shift);
    auto ranges = Values(ends);
    if (whole_ipv4) {
      for (auto& range : ranges) range.last |= kIPv4Low;
      return UnionRanges(ranges, {});
    }
    for (auto& range : ranges) range.last += static_cast<Uint128>(Pick(3)) << (kIPv4Shift - 1);
    return UnionRanges(ranges, {});
  }

  // A cube by hand: any families, states and hidden fields, overlapping ranges in every field.
  // With whole_ipv4, a cube that holds IPv4 packets holds whole IPv4 addresses, as every cube the
  // factories and operations make does.
  Cube HandCube(bool whole_ipv4) {
    Cube cube;
    cube.families = static_cast<std::uint8_t>(1 + Pick(3));
    cube.states = static_cast<std::uint8_t>(1 + Pick(255));
    if (Pick(3) == 0) cube.in_interfaces = static_cast<std::uint64_t>(1 + Pick(15));
    if (Pick(3) == 0) cube.out_interfaces = static_cast<std::uint64_t>(1 + Pick(15));
    if (Pick(3) == 0) cube.unknown_true = static_cast<std::uint64_t>(Pick(4));
    if (Pick(3) == 0) cube.unknown_false = static_cast<std::uint64_t>(Pick(4));
    if (Pick(3) != 0) cube.protocols = Values({0, 1, 6, 17, 58, 255});
    const bool whole = whole_ipv4 && (cube.families & 1) != 0;
    cube.destinations = Addresses(whole);
    cube.sources = Addresses(whole);
    if (Pick(2) != 0) cube.destination_ports = Values({0, 1, 80, 443, 1024, 65535});
    if (Pick(2) != 0) cube.source_ports = Values({0, 53, 1024, 65535});
    return cube;
  }

  // A cube as a firewall rule matches: a protocol, a host or a network of a few, a port.
  Cube RuleCube() {
    Cube cube;
    const bool ipv4 = Pick(4) != 0;
    cube.families = ipv4 ? 0b01 : 0b10;
    if (Pick(5) == 0) cube.states = static_cast<std::uint8_t>(1 + Pick(31));
    if (Pick(5) == 0) cube.in_interfaces = std::uint64_t{1} << Pick(4);
    const Uint128 base = ipv4 ? Uint128{0x0a000000} << kIPv4Shift : Uint128{0x20010db8} << kIPv4Shift;
    const Uint128 unit = ipv4 ? Uint128{1} << kIPv4Shift : 1;
    auto network = [&](int hosts, int length) {
      const Uint128 first = base + static_cast<Uint128>(Pick(hosts) * length) * unit;
      return Ranges{{first, first + static_cast<Uint128>(length) * unit - 1}};
    };
    cube.destinations = Pick(4) == 0 ? network(4, 256) : network(60, 1);
    if (Pick(3) != 0) cube.sources = network(8, 256);
    switch (Pick(4)) {
      case 0: break;
      case 1: {
        const Uint128 icmp = ipv4 ? kProtocolIcmp : kProtocolIcmpV6;
        cube.protocols = {{icmp, icmp}};
        break;
      }
      default: {
        const Uint128 protocol = Pick(2) ? kProtocolTcp : kProtocolUdp;
        cube.protocols = {{protocol, protocol}};
        const Uint128 ports[] = {53, 80, 88, 135, 389, 443, 445};
        const Uint128 port = ports[Pick(7)];
        cube.destination_ports = Pick(6) == 0 ? Ranges{{1024, 5000}} : Ranges{{port, port}};
      }
    }
    return cube;
  }

  std::vector<Cube> HandCubes(int count, bool whole_ipv4) {
    std::vector<Cube> cubes;
    for (int i = 0; i < count; ++i) cubes.push_back(HandCube(whole_ipv4));
    // Copies that differ only in what is projected away.
    for (int i = 0, copies = Pick(3); i < copies && !cubes.empty(); ++i) {
      auto copy = cubes[static_cast<std::size_t>(Pick(static_cast<int>(cubes.size())))];
      copy.states = static_cast<std::uint8_t>(1 + Pick(255));
      copy.in_interfaces = ~std::uint64_t{0};
      cubes.push_back(copy);
    }
    return cubes;
  }

 private:
  std::mt19937 rng_;
};

TEST(CubeBoxes, OneCubeIsItsOwnRanges) {
  auto set = PacketSet::Destination(*core::ParseNetwork("10.1.0.0/16")) & PacketSet::Protocol(kProtocolTcp) &
             PacketSet::DestinationPorts(80, 81) & PacketSet::InInterface(3) & PacketSet::State(CtState::kNew);
  ASSERT_NE(set.Cubes(), nullptr);
  const auto boxes = CubeBoxes(*set.Cubes());
  ASSERT_EQ(boxes.size(), 1u);
  EXPECT_EQ(boxes[0].family, core::Family::kIPv4);
  EXPECT_EQ(boxes[0].protocols, (Ranges{{kProtocolTcp, kProtocolTcp}}));
  EXPECT_EQ(boxes[0].destinations, (Ranges{{0x0a010000, 0x0a01ffff}}));
  EXPECT_EQ(boxes[0].sources, (Ranges{{0, 0xffffffff}}));
  EXPECT_EQ(boxes[0].destination_ports, (Ranges{{80, 81}}));
  EXPECT_EQ(boxes[0].source_ports, (Ranges{{0, kMaxPortValue}}));
  EXPECT_TRUE(MatchesBoxes(*set.Cubes()));

  // Both families: one box each, IPv4 first, its addresses as 32-bit values.
  const auto all = CubeBoxes({Cube{}});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].family, core::Family::kIPv4);
  EXPECT_EQ(all[0].sources, (Ranges{{0, 0xffffffff}}));
  EXPECT_EQ(all[1].family, core::Family::kIPv6);
  EXPECT_EQ(all[1].sources, (Ranges{{0, kMaxAddressValue}}));
  EXPECT_TRUE(MatchesBoxes({Cube{}}));
}

TEST(CubeBoxes, EmptyCubesGiveNoBoxes) {
  EXPECT_TRUE(CubeBoxes({}).empty());
  Cube no_family;
  no_family.families = 0;
  Cube contradiction;
  contradiction.unknown_true = contradiction.unknown_false = 1;
  Cube no_ports;
  no_ports.destination_ports.clear();
  EXPECT_TRUE(CubeBoxes({no_family, contradiction, no_ports}).empty());
  EXPECT_TRUE(MatchesBoxes({no_family, contradiction, no_ports, Cube{}}));
}

TEST(CubeBoxes, OverlappingCubesSplitLikeTheBdd) {
  // tcp to 10.0.0.0/24 ports 1-100, and tcp to 10.0.0.128/25 ports 50-200: the upper half has
  // ports 1-200, the lower half 1-100.
  Cube a;
  a.families = 0b01;
  a.protocols = {{kProtocolTcp, kProtocolTcp}};
  a.destinations = {{Uint128{0x0a000000} << kIPv4Shift, (Uint128{0x0a0000ff} << kIPv4Shift) | kIPv4Low}};
  a.destination_ports = {{1, 100}};
  Cube b = a;
  b.destinations = {{Uint128{0x0a000080} << kIPv4Shift, (Uint128{0x0a0000ff} << kIPv4Shift) | kIPv4Low}};
  b.destination_ports = {{50, 200}};
  const auto boxes = CubeBoxes({b, a});
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0].destinations, (Ranges{{0x0a000000, 0x0a00007f}}));
  EXPECT_EQ(boxes[0].destination_ports, (Ranges{{1, 100}}));
  EXPECT_EQ(boxes[1].destinations, (Ranges{{0x0a000080, 0x0a0000ff}}));
  EXPECT_EQ(boxes[1].destination_ports, (Ranges{{1, 200}}));
  EXPECT_TRUE(MatchesBoxes({b, a}));
}

TEST(CubeBoxes, IPv4GroupsAreSortedByTheirAddresses) {
  // Port 80 to 10.0.0.0-10.0.0.5 except the middle of 10.0.0.0's 96 free bits, port 443 to that
  // middle: as 128-bit values the port-80 group comes first, as IPv4 addresses the port-443 one
  // (10.0.0.0 alone before 10.0.0.0-10.0.0.5).
  const Uint128 base = Uint128{0x0a000000} << kIPv4Shift;
  const Uint128 half = Uint128{1} << (kIPv4Shift - 1);
  Cube web;
  web.families = 0b01;
  web.destinations = {{base, base + 9}, {base + half, base + 5 * (kIPv4Low + 1) + kIPv4Low}};
  web.destination_ports = {{80, 80}};
  Cube tls = web;
  tls.destinations = {{base + 10, base + half - 1}};
  tls.destination_ports = {{443, 443}};
  const auto boxes = CubeBoxes({web, tls});
  ASSERT_EQ(boxes.size(), 2u);
  EXPECT_EQ(boxes[0].destinations, (Ranges{{0x0a000000, 0x0a000000}}));
  EXPECT_EQ(boxes[0].destination_ports, (Ranges{{443, 443}}));
  EXPECT_EQ(boxes[1].destinations, (Ranges{{0x0a000000, 0x0a000005}}));
  EXPECT_EQ(boxes[1].destination_ports, (Ranges{{80, 80}}));
  EXPECT_TRUE(MatchesBoxes({web, tls}));
}

TEST(CubeBoxes, SetsFromTheFactoriesAndOperations) {
  RandomCubes random(826852);
  for (int round = 0; round < 2000; ++round) {
    const auto set = random.Set(random.Pick(4));
    if (const auto* cubes = set.Cubes()) {
      ASSERT_TRUE(MatchesBoxes(*cubes)) << "round " << round;
    }
    ASSERT_TRUE(MatchesBoxes(random.SetCubes(2 + random.Pick(4)))) << "round " << round;
  }
}

TEST(CubeBoxes, CubesByHand) {
  RandomCubes random(1433);
  for (int round = 0; round < 1500; ++round)
    ASSERT_TRUE(MatchesBoxes(random.HandCubes(1 + random.Pick(10), true))) << "round " << round;
}

TEST(CubeBoxes, ManyCubes) {
  RandomCubes random(4711);
  for (int round = 0; round < 10; ++round) {
    std::vector<Cube> rules;
    for (int i = 0; i < 300; ++i) rules.push_back(random.RuleCube());
    ASSERT_TRUE(MatchesBoxes(rules)) << "round " << round;
    // Broad overlapping cubes too, most of whose union covers everything.
    auto cubes = random.HandCubes(100, true);
    const auto more = random.SetCubes(20);
    cubes.insert(cubes.end(), more.begin(), more.end());
    ASSERT_TRUE(MatchesBoxes(cubes)) << "round " << round;
  }
}

// IPv4 ranges that cut the 96 free bits below an address (no factory makes them): one address
// may lead to two rests, so two groups may report the same addresses, and Boxes() orders such
// twins by BuDDy's node numbers. The boxes must be the same; their order only where no twins are.
TEST(CubeBoxes, IPv4RangesThatCutAnAddress) {
  RandomCubes random(2024);
  for (int round = 0; round < 1000; ++round) {
    const auto cubes = random.HandCubes(1 + random.Pick(8), false);
    const auto expected = PacketSet::FromCubes(cubes).Boxes();
    const auto actual = CubeBoxes(cubes);
    ASSERT_TRUE(SameBoxes(Sorted(actual), Sorted(expected))) << "round " << round << "\nexpected:\n"
                                                             << BoxesText(expected) << "actual:\n"
                                                             << BoxesText(actual);
  }
}

}  // namespace
}  // namespace portolan::audit
