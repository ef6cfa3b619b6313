// The BDD packet sets: exact algebra, prefixes and ranges, boxes and examples.

#include "audit/packet_set.hpp"
#include "audit/box_text.hpp"

#include <gtest/gtest.h>

namespace portolan::audit {
namespace {

core::Network Net(const char* text) {
  return *core::ParseNetwork(text);
}

TEST(PacketSet, PrefixesAndRangesAreExact) {
  const auto half_a = PacketSet::Source(Net("10.0.0.0/25"));
  const auto half_b = PacketSet::Source(Net("10.0.0.128/25"));
  EXPECT_EQ(half_a | half_b, PacketSet::Source(Net("10.0.0.0/24")));
  EXPECT_TRUE((half_a & half_b).Empty());
  const auto range = PacketSet::SourceRange(core::Family::kIPv4, 0x0a000000, 0x0a0000ff);
  EXPECT_EQ(range & PacketSet::WellFormed(), PacketSet::Source(Net("10.0.0.0/24")) & PacketSet::WellFormed());
  EXPECT_EQ(PacketSet::DestinationPorts(1, 100) - PacketSet::DestinationPorts(50, 100),
            PacketSet::DestinationPorts(1, 49));
  EXPECT_TRUE(PacketSet::DestinationPorts(80, 80).SubsetOf(PacketSet::DestinationPorts(1, 1024)));
  EXPECT_FALSE(PacketSet::DestinationPorts(0, 1024).SubsetOf(PacketSet::DestinationPorts(1, 1024)));
}

TEST(PacketSet, FamiliesDoNotMix) {
  const auto v4 = PacketSet::Destination(Net("10.0.0.0/8"));
  const auto v6 = PacketSet::Destination(Net("2001:db8::/32"));
  EXPECT_TRUE((v4 & v6).Empty());
  EXPECT_TRUE((PacketSet::Family(core::Family::kIPv4) & v6).Empty());
}

TEST(PacketSet, BoxesListTheSetExactly) {
  const auto set = (PacketSet::Source(Net("10.1.0.0/16")) & PacketSet::Destination(Net("10.0.0.1/32")) &
                    PacketSet::Protocol(kProtocolTcp) &
                    (PacketSet::DestinationPorts(80, 80) | PacketSet::DestinationPorts(135, 135))) &
                   PacketSet::WellFormed() & PacketSet::State(CtState::kNew);
  const auto boxes = set.Boxes();
  ASSERT_EQ(boxes.size(), 1u);
  BoxTexts texts;
  texts.Render(boxes[0]);
  EXPECT_EQ(texts.source(), "10.1.0.0/16");
  EXPECT_EQ(texts.destination(), "10.0.0.1");
  EXPECT_EQ(texts.protocol(), "tcp");
  EXPECT_EQ(texts.ports(), "80,135");
  EXPECT_EQ(texts.source_ports(), "any");
}

TEST(PacketSet, BoxesOfAHoleReadAsExceptions) {
  const auto all_but_one = (PacketSet::Family(core::Family::kIPv4) - PacketSet::Source(Net("10.0.0.1/32"))) &
                           PacketSet::Destination(Net("10.0.0.2/32")) & PacketSet::Protocol(47) &
                           PacketSet::WellFormed();
  const auto boxes = all_but_one.Boxes();
  ASSERT_EQ(boxes.size(), 1u);
  BoxTexts texts;
  texts.Render(boxes[0]);
  EXPECT_EQ(texts.source(), "any except 10.0.0.1");
  EXPECT_EQ(texts.protocol(), "gre");
  EXPECT_EQ(texts.ports(), "-");
}

// An IPv4 box of everything but the protocols with ports and ICMP once read "any except
// icmp,tcp,udp,dccp,icmpv6,...": protocol 58 was shaped as ICMPv6 in IPv4 too. In IPv4 it is just
// a protocol (no type or code), and ICMP (1) is one in IPv6.
TEST(PacketSet, Ipv4OnlyBoxesDoNotListIcmpv6AmongTheExcluded) {
  const auto v4 =
      PacketSet::Family(core::Family::kIPv4) & PacketSet::Destination(Net("10.0.0.2/32")) & PacketSet::WellFormed();
  const auto others = v4 - PacketSet::Protocol(kProtocolTcp) - PacketSet::Protocol(kProtocolUdp) -
                      PacketSet::Protocol(kProtocolIcmp) - PacketSet::Protocol(33) - PacketSet::Protocol(132) -
                      PacketSet::Protocol(136);
  const auto boxes = others.Boxes();
  ASSERT_EQ(boxes.size(), 1u);
  BoxTexts texts;
  texts.Render(boxes[0]);
  EXPECT_EQ(texts.protocol(), "any except icmp,tcp,udp,dccp,sctp,udplite");
  EXPECT_EQ(texts.ports(), "-");
  // Types and codes are the own family's ICMP's only.
  EXPECT_TRUE((v4 & PacketSet::Protocol(kProtocolIcmpV6) & PacketSet::DestinationPorts(1, 65535)).Empty());
  EXPECT_FALSE((v4 & PacketSet::Protocol(kProtocolIcmp) & PacketSet::DestinationPorts(8 * 256, 8 * 256)).Empty());
  const auto v6 = PacketSet::Family(core::Family::kIPv6) & PacketSet::WellFormed();
  EXPECT_TRUE((v6 & PacketSet::Protocol(kProtocolIcmp) & PacketSet::DestinationPorts(1, 65535)).Empty());
  EXPECT_FALSE((v6 & PacketSet::Protocol(kProtocolIcmpV6) & PacketSet::DestinationPorts(128 * 256, 128 * 256)).Empty());
}

TEST(PacketSet, ExampleIsAMemberAndHiddenFieldsQuantify) {
  const auto set = PacketSet::Source(Net("10.3.8.0/24")) & PacketSet::Protocol(kProtocolUdp) &
                   PacketSet::DestinationPorts(2701, 2704) & PacketSet::WellFormed();
  const auto example = set.Example();
  EXPECT_EQ(example.ToString(), "10.3.8.0 -> 0.0.0.0 udp 2701 (source port 0)");
  EXPECT_TRUE(set.Contains(set.AnyAssignment()));

  const auto on_eth0 = set & PacketSet::InInterface(2);
  EXPECT_EQ(on_eth0.ExistsHidden(), set);
  EXPECT_TRUE(on_eth0.ForAllHidden(PacketSet::All()).Empty());
  const auto unknown = set & PacketSet::Unknown(0);
  EXPECT_TRUE(unknown.ForAllHidden(PacketSet::All()).Empty());
  EXPECT_EQ((unknown | (set - PacketSet::Unknown(0))).ForAllHidden(PacketSet::All()), set);
}

}  // namespace
}  // namespace portolan::audit
