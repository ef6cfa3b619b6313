// A box's texts as the report prints them: protocols by name, ports and ICMP types, IPv4 and IPv6
// prefixes, ranges and "any except" holes.

#include <gtest/gtest.h>

#include "audit/box_text.hpp"

namespace portolan::audit {
namespace {

struct Texts {
  std::string source, destination, protocol, ports, source_ports;
};

Texts Render(const Box& box) {
  BoxTexts texts;
  texts.Render(box);
  return {std::string(texts.source()), std::string(texts.destination()), std::string(texts.protocol()),
          std::string(texts.ports()), std::string(texts.source_ports())};
}

Box Ipv4Box() {
  Box box;
  box.protocols = {{6, 6}};
  box.destinations = {{0x0a000001, 0x0a000001}};
  box.sources = {{0, 0xffffffff}};
  box.destination_ports = {{80, 80}, {443, 445}};
  box.source_ports = {{0, 65535}};
  return box;
}

TEST(BoxTexts, ProtocolsByNameOrNumberAndLongRunsAsRanges) {
  auto box = Ipv4Box();
  const std::pair<int, const char*> names[] = {{1, "icmp"},   {6, "tcp"},       {17, "udp"}, {33, "dccp"},
                                               {47, "gre"},   {50, "esp"},      {51, "ah"},  {58, "icmpv6"},
                                               {132, "sctp"}, {136, "udplite"}, {99, "99"}};
  for (const auto& [number, name] : names) {
    box.protocols = {{static_cast<Uint128>(number), static_cast<Uint128>(number)}};
    EXPECT_EQ(Render(box).protocol, name);
  }
  box.protocols = {{6, 6}, {17, 17}, {40, 60}};
  EXPECT_EQ(Render(box).protocol, "tcp,udp,40-60");
  box.protocols = {{0, 255}};
  EXPECT_EQ(Render(box).protocol, "any");
  box.protocols = {{0, 5}, {7, 16}, {18, 255}};  // what is left once tcp and udp are split off
  EXPECT_EQ(Render(box).protocol, "any except tcp,udp");
  box.protocols = {{0, 0}, {2, 5}, {7, 16}, {18, 32}, {34, 57}, {59, 131}, {133, 135}, {137, 255}};
  EXPECT_EQ(Render(box).protocol, "any except icmp,tcp,udp,dccp,icmpv6,sctp,udplite");
  box.protocols = {{0, 5}, {7, 255}};
  EXPECT_EQ(Render(box).protocol, "any except tcp");
}

TEST(BoxTexts, PortsListsAnyAndNoneForProtocolsWithoutPorts) {
  auto box = Ipv4Box();
  const auto texts = Render(box);
  EXPECT_EQ(texts.ports, "80,443-445");
  EXPECT_EQ(texts.source_ports, "any");
  box.protocols = {{47, 47}};
  EXPECT_EQ(Render(box).ports, "-");
  EXPECT_EQ(Render(box).source_ports, "-");
}

TEST(BoxTexts, IcmpByTypeAndCode) {
  auto box = Ipv4Box();
  box.protocols = {{1, 1}};
  box.destination_ports = {{8 * 256, 8 * 256 + 255}};  // echo request, every code
  box.source_ports = {{0, 0}};
  EXPECT_EQ(Render(box).ports, "type 8");
  EXPECT_EQ(Render(box).source_ports, "-");
  box.destination_ports = {{3 * 256 + 4, 3 * 256 + 4}, {3 * 256 + 9, 3 * 256 + 13}, {11 * 256, 12 * 256 + 255}};
  EXPECT_EQ(Render(box).ports, "type 3 code 4,type 3 code 9-13,type 11-12");
  box.family = core::Family::kIPv6;
  box.protocols = {{58, 58}};
  box.destination_ports = {{0, 65535}};
  EXPECT_EQ(Render(box).ports, "any");
  // Each family's own ICMP only: protocol 58 in IPv4 (1 in IPv6) has no type or code.
  box.family = core::Family::kIPv4;
  box.destination_ports = {{0, 0}};
  EXPECT_EQ(Render(box).ports, "-");
}

TEST(BoxTexts, AddressesAsPrefixesRangesAndHoles) {
  Box box = Ipv4Box();
  EXPECT_EQ(Render(box).source, "any");
  EXPECT_EQ(Render(box).destination, "10.0.0.1");
  box.destinations = {{0x0a000000, 0x0a0000ff}, {0x0a000105, 0x0a000109}};
  EXPECT_EQ(Render(box).destination, "10.0.0.0/24, 10.0.1.5-10.0.1.9");
  box.sources = {{0, 0x09ffffff}, {0x0b000000, 0xffffffff}};
  EXPECT_EQ(Render(box).source, "any except 10.0.0.0/8");
  box.family = core::Family::kIPv6;
  const Uint128 documentation = Uint128{0x20010db8} << 96;
  box.destinations = {{documentation, documentation | ((Uint128{1} << 96) - 1)}};
  box.sources = {{0, ~Uint128{0}}};
  EXPECT_EQ(Render(box).destination, "2001:db8::/32");
  EXPECT_EQ(Render(box).source, "any");
}

}  // namespace
}  // namespace portolan::audit
