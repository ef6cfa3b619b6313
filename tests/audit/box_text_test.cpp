// BoxTexts must give a box's texts byte for byte as the Box methods do (packet_set.cpp): every
// protocol number, ports, IPv4 and IPv6 prefixes, ranges and "any except" holes, on random boxes.

#include <algorithm>
#include <random>

#include <gtest/gtest.h>

#include "audit/box_text.hpp"

namespace portolan::audit {
namespace {

void ExpectSameTexts(const Box& box) {
  BoxTexts texts;
  texts.Render(box);
  EXPECT_EQ(texts.source(), box.SourceText());
  EXPECT_EQ(texts.destination(), box.DestinationText());
  EXPECT_EQ(texts.protocol(), box.ProtocolText());
  EXPECT_EQ(texts.ports(), box.DestinationPortText());
  EXPECT_EQ(texts.source_ports(), box.SourcePortText());
}

// Sorted, disjoint ranges between 0 and max; often prefixes, often starting at 0 or ending at
// max (so that "any" and "any except" come up).
std::vector<ValueRange> RandomRanges(std::mt19937_64& random, Uint128 max, int bits) {
  auto value = [&] {
    switch (random() % 5) {
      case 0: return Uint128{0};
      case 1: return max;
      case 2: {  // an aligned prefix boundary
        const int host_bits = static_cast<int>(random() % static_cast<unsigned>(bits + 1));
        const Uint128 mask = host_bits == 128 ? ~Uint128{0} : (Uint128{1} << host_bits) - 1;
        const Uint128 any = (Uint128{random()} << 64 | random()) & max;
        return random() % 2 == 0 ? any & ~mask : any | mask;
      }
      default: return (Uint128{random()} << 64 | random()) & max;
    }
  };
  std::vector<Uint128> points;
  const auto count = 2 * (random() % 4);
  for (std::size_t i = 0; i < count; ++i) points.push_back(value());
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  std::vector<ValueRange> ranges;
  for (std::size_t i = 0; i + 1 < points.size(); i += 2) ranges.push_back({points[i], points[i + 1]});
  if (points.size() % 2 == 1 && random() % 2 == 0) ranges.push_back({points.back(), points.back()});
  return ranges;
}

TEST(BoxTexts, EveryProtocolNumber) {
  for (int protocol = 0; protocol <= 255; ++protocol) {
    Box box;
    box.protocols = {{static_cast<Uint128>(protocol), static_cast<Uint128>(protocol)}};
    box.destinations = {{0x0a000001, 0x0a000001}};
    box.sources = {{0, 0xffffffff}};
    box.destination_ports = {{80, 80}, {443, 445}};
    box.source_ports = {{0, 65535}};
    ExpectSameTexts(box);
  }
}

TEST(BoxTexts, HandPickedBoxes) {
  Box box;
  box.protocols = {{0, 255}};
  box.destinations = {{0x0a000000, 0x0a0000ff}, {0x0a000105, 0x0a000109}};
  box.sources = {{0, 0x09ffffff}, {0x0b000000, 0xffffffff}};  // any except 10.0.0.0/8
  ExpectSameTexts(box);
  box.family = core::Family::kIPv6;
  const Uint128 documentation = Uint128{0x20010db8} << 96;
  box.protocols = {{6, 6}, {17, 17}, {40, 60}};
  box.destinations = {{documentation, documentation | ((Uint128{1} << 64) - 1)}};
  box.sources = {{0, ~Uint128{0}}};
  box.destination_ports = {};
  box.source_ports = {{1024, 65535}};
  ExpectSameTexts(box);
  box.sources = {};
  ExpectSameTexts(box);
}

TEST(BoxTexts, SameAsBoxMethodsOnRandomBoxes) {
  std::mt19937_64 random(826852);
  for (int round = 0; round < 20000; ++round) {
    Box box;
    box.family = random() % 3 == 0 ? core::Family::kIPv6 : core::Family::kIPv4;
    const int bits = box.family == core::Family::kIPv4 ? 32 : 128;
    const Uint128 max_address = bits == 128 ? ~Uint128{0} : (Uint128{1} << 32) - 1;
    box.protocols = RandomRanges(random, 255, 8);
    box.destinations = RandomRanges(random, max_address, bits);
    box.sources = RandomRanges(random, max_address, bits);
    box.destination_ports = RandomRanges(random, 65535, 16);
    box.source_ports = RandomRanges(random, 65535, 16);
    ExpectSameTexts(box);
    if (HasFailure()) break;
  }
}

}  // namespace
}  // namespace portolan::audit
