// Reading Cisco IOS and ASA configurations: ACLs, object-groups, bindings, errors with
// file:line:column; and audit(render cisco-ios / cisco-asa) is clean on every test inventory.

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "audit/analysis.hpp"
#include "audit/audit.hpp"
#include "audit/audit_report.hpp"
#include "audit/formats/formats.hpp"
#include "audit/round_trip_support.hpp"
#include "plan/planner.hpp"
#include "render/render.hpp"
#include "support/test_support.hpp"

namespace portolan::audit {
namespace {

core::Network Net(const char* text) {
  return *core::ParseNetwork(text);
}

PacketSet Packet(const char* from, const char* to, int protocol, int port, CtState state = CtState::kNew,
                 int source_port = 40000) {
  auto set = PacketSet::Source(Net(from)) & PacketSet::Destination(Net(to)) & PacketSet::Protocol(protocol) &
             PacketSet::State(state) & PacketSet::WellFormed() & PacketSet::InInterface(0) & PacketSet::OutInterface(0);
  if (ProtocolHasPorts(protocol))
    set &= PacketSet::DestinationPorts(port, port) & PacketSet::SourcePorts(source_port, source_port);
  return set;
}

std::string Errors(const std::string& text, const std::string& format) {
  try {
    formats::ReadRuleset(text, "t.cfg", format, {});
  } catch (const core::InputError& error) {
    return error.diagnostics().ToString();
  }
  return "";
}

PacketSet Accepted(const std::string& text, const std::string& format = "") {
  const auto ruleset = formats::ReadRuleset(text, "t.cfg", format, {});
  return Evaluate(ruleset).hooks.at(Hook::kForward).accepted;
}

TEST(CiscoIos, ExtendedAclWithGroupsPortsEstablishedAndImplicitDeny) {
  const std::string text =
      "hostname r1\n"
      "object-group network SERVERS\n"
      " host 10.0.0.1\n"
      " 10.0.1.0 255.255.255.0\n"
      "object-group service WEB\n"
      " tcp eq www 443\n"
      " tcp-udp eq domain\n"
      "ip access-list extended OUTSIDE-IN\n"
      " remark web\n"
      " 10 permit object-group WEB any object-group SERVERS\n"
      " 20 permit tcp 192.0.2.0 0.0.0.127 host 10.0.0.1 range 1025 5000\n"
      " 30 permit tcp any eq 139 any established\n"
      " 40 deny tcp any any eq 22 log\n"
      " 50 permit udp any any gt 60000\n"
      "!\n"
      "interface GigabitEthernet0/1\n"
      " ip address 192.0.2.1 255.255.255.0\n"
      " ip access-group OUTSIDE-IN in\n";
  EXPECT_TRUE(formats::DetectRulesetFormat(text) && formats::DetectRulesetFormat(text)->id == "cisco-ios");
  const auto accepted = Accepted(text);
  const auto outside = "192.0.2.7/32";
  EXPECT_TRUE(Packet(outside, "10.0.1.5/32", kProtocolTcp, 80).SubsetOf(accepted));
  EXPECT_TRUE(Packet(outside, "10.0.1.5/32", kProtocolUdp, 53).SubsetOf(accepted));
  EXPECT_FALSE(Packet(outside, "10.0.2.5/32", kProtocolTcp, 80).Intersects(accepted));  // implicit deny
  EXPECT_TRUE(Packet("192.0.2.3/32", "10.0.0.1/32", kProtocolTcp, 2000).SubsetOf(accepted));
  EXPECT_FALSE(Packet("192.0.2.3/32", "10.0.0.1/32", kProtocolTcp, 5001).Intersects(accepted));
  EXPECT_FALSE(Packet("192.0.2.200/32", "10.0.0.1/32", kProtocolTcp, 2000).Intersects(accepted));
  // From outside the interface's network: it may enter on another interface, which no ACL filters.
  EXPECT_TRUE(Packet("10.9.3.3/32", "10.0.0.1/32", kProtocolTcp, 5001).SubsetOf(accepted));
  // established: never a connection's first packet
  EXPECT_FALSE(Packet(outside, "10.0.0.9/32", kProtocolTcp, 50000, CtState::kNew, 139).Intersects(accepted));
  EXPECT_TRUE(Packet(outside, "10.0.0.9/32", kProtocolTcp, 50000, CtState::kEstablished, 139).SubsetOf(accepted));
  EXPECT_TRUE(Packet(outside, "10.0.0.9/32", kProtocolUdp, 60001).SubsetOf(accepted));
  EXPECT_FALSE(Packet(outside, "10.0.0.9/32", kProtocolUdp, 60000).Intersects(accepted));
  // The ACL filters what enters Gi0/1 (from its network); other packets pass only if they enter elsewhere.
  const auto ruleset = formats::ReadRuleset(text, "t.cfg", "", {});
  EXPECT_TRUE(ruleset.stateless);
}

TEST(CiscoIos, NumberedStandardAndIpv6Acls) {
  const std::string text =
      "access-list 10 permit 10.1.0.0 0.0.255.255\n"
      "access-list 10 deny any\n"
      "access-list 110 permit icmp any any echo\n"
      "access-list 110 permit ip 10.0.0.0 0.255.0.255 any\n"
      "ipv6 access-list V6\n"
      " sequence 10 permit tcp 2001:db8:1::/64 host 2001:db8::1 eq 445\n"
      " permit icmp any any nd-na\n";
  const auto ruleset = formats::ReadRuleset(text, "t.cfg", "cisco-ios", {});
  ASSERT_EQ(ruleset.chains.size(), 3u);  // no binding: each ACL filters everything
  EXPECT_EQ(ruleset.families.size(), 2u);
  const auto accepted = Evaluate(ruleset).hooks.at(Hook::kForward).accepted;
  // All three must accept (each is audited as a filter of every forwarded packet): only v4 that
  // both ACL 10 and 110 permit passes, and v6 never meets a v4 ACL's entries -> dropped by them.
  EXPECT_TRUE(Packet("10.1.0.5/32", "10.2.0.1/32", kProtocolTcp, 80).SubsetOf(accepted) == false);
  // Non-contiguous wildcard 0.255.0.255: 10.x.0.y
  const auto acl110 = ruleset.chains[ruleset.FindChain("ACL 110")];
  EXPECT_TRUE(Packet("10.7.0.9/32", "1.1.1.1/32", kProtocolUdp, 1).SubsetOf(acl110.rules[1].match));
  EXPECT_FALSE(Packet("10.7.1.9/32", "1.1.1.1/32", kProtocolUdp, 1).Intersects(acl110.rules[1].match));
}

TEST(CiscoIos, ErrorsCarryLineAndColumn) {
  EXPECT_EQ(Errors("ip access-list extended A\n permit tcp any host 10.0.0.300 eq 80\n", "cisco-ios"),
            "t.cfg:2:22: error: '10.0.0.300' is not an IPv4 address\n");
  EXPECT_NE(Errors("ip access-list extended A\n permit tcp any any eq nosuchport\n", "cisco-ios").find("t.cfg:2:"),
            std::string::npos);
  EXPECT_NE(Errors("ip access-list extended A\n permit udp any object-group NOPE any\n", "cisco-ios").find("t.cfg:2:"),
            std::string::npos);
  EXPECT_NE(Errors("access-list 500 permit ip any any\n", "cisco-ios").find("t.cfg:1:13:"), std::string::npos);
}

TEST(CiscoAsa, ObjectsGroupsAndBindings) {
  const std::string text =
      "ASA Version 9.16(1)\n"
      "interface GigabitEthernet0/0\n"
      " nameif outside\n"
      " ip address 192.0.2.1 255.255.255.0\n"
      "object network WEB1\n"
      " host 10.0.0.1\n"
      "object network NET2\n"
      " subnet 10.0.2.0 255.255.255.0\n"
      "object-group network SERVERS\n"
      " network-object object WEB1\n"
      " group-object INNER\n"
      "object-group network INNER\n"
      " network-object 10.0.3.0 255.255.255.0\n"
      "object-group service WEBPORTS tcp\n"
      " port-object eq www\n"
      " port-object range 8000 8010\n"
      "object-group protocol TCPUDP\n"
      " protocol-object tcp\n"
      " protocol-object udp\n"
      "access-list OUT extended permit tcp any object-group SERVERS object-group WEBPORTS\n"
      "access-list OUT extended permit object-group TCPUDP any object NET2 eq domain\n"
      "access-list OUT extended deny ip any any inactive\n"
      "access-list OUT remark the end\n"
      "access-group OUT in interface outside\n";
  EXPECT_TRUE(formats::DetectRulesetFormat(text) && formats::DetectRulesetFormat(text)->id == "cisco-asa");
  const auto accepted = Accepted(text);
  const auto outside = "192.0.2.7/32";
  EXPECT_TRUE(Packet(outside, "10.0.0.1/32", kProtocolTcp, 80).SubsetOf(accepted));
  EXPECT_TRUE(Packet(outside, "10.0.3.1/32", kProtocolTcp, 8005).SubsetOf(accepted));
  EXPECT_FALSE(Packet(outside, "10.0.3.1/32", kProtocolTcp, 443).Intersects(accepted));
  EXPECT_TRUE(Packet(outside, "10.0.2.1/32", kProtocolUdp, 53).SubsetOf(accepted));
  EXPECT_FALSE(Packet(outside, "10.0.2.1/32", kProtocolTcp, 54).Intersects(accepted));
}

// Interfaces without an access-group pass a packet only to a lower security level (an equal one
// with same-security-traffic permit inter-interface); a management-only interface passes nothing.
TEST(CiscoAsa, InterfacesWithoutAnAclPassBySecurityLevel) {
  const std::string interfaces =
      "ASA Version 9.8(4)\n"
      "interface Gi0/0\n nameif outside\n security-level 0\n ip address 192.0.2.1 255.255.255.0\n"
      "interface Gi0/1\n nameif inside\n ip address 10.0.0.1 255.255.255.0\n"
      "interface Gi0/2\n nameif dmz\n security-level 50\n ip address 10.0.1.1 255.255.255.0\n"
      "interface Gi0/3\n nameif dmz2\n security-level 50\n ip address 10.0.2.1 255.255.255.0\n"
      "interface Gi0/4\n management-only\n nameif mgmt\n security-level 100\n ip address 10.0.9.1 255.255.255.0\n"
      "access-list OUTSIDE-IN extended permit tcp any host 10.0.1.5 eq 443\n"
      "access-group OUTSIDE-IN in interface outside\n";
  auto ruleset = formats::ReadRuleset(interfaces, "t.cfg", "", {});
  const auto accepted = Evaluate(ruleset).hooks.at(Hook::kForward).accepted;
  const auto passes = [&](const char* from, const char* to) {
    const auto packet = Packet(from, to, kProtocolTcp, 443);
    EXPECT_TRUE(packet.SubsetOf(accepted) || !packet.Intersects(accepted)) << from << " -> " << to;
    return packet.SubsetOf(accepted);
  };
  EXPECT_TRUE(passes("10.0.0.5/32", "10.0.1.5/32"));    // inside (100, the default) -> dmz (50)
  EXPECT_TRUE(passes("10.0.0.5/32", "192.0.2.7/32"));   // inside -> outside (0)
  EXPECT_TRUE(passes("10.0.1.5/32", "192.0.2.7/32"));   // dmz -> outside
  EXPECT_FALSE(passes("10.0.1.5/32", "10.0.0.5/32"));   // dmz -> inside: up
  EXPECT_FALSE(passes("10.0.1.5/32", "10.0.2.5/32"));   // dmz -> dmz2: the same level
  EXPECT_FALSE(passes("10.0.1.5/32", "10.0.1.6/32"));   // dmz -> dmz: back out of itself
  EXPECT_FALSE(passes("10.0.9.5/32", "192.0.2.7/32"));  // management-only: no through traffic
  EXPECT_FALSE(passes("10.0.0.5/32", "10.0.9.5/32"));   // nor to it
  EXPECT_TRUE(passes("192.0.2.7/32", "10.0.1.5/32"));   // outside: its ACL, not its level
  EXPECT_FALSE(passes("192.0.2.7/32", "10.0.1.6/32"));  // its implicit deny
  // A destination on none of the networks: it passes when it is routed out of a lower level.
  const auto routed = PacketSet::Source(Net("10.0.1.5/32")) & PacketSet::Destination(Net("198.51.100.1/32")) &
                      PacketSet::Protocol(kProtocolTcp) & PacketSet::State(CtState::kNew) & PacketSet::WellFormed();
  EXPECT_TRUE((routed & ruleset.symbols.OutInterface("outside")).SubsetOf(accepted));
  EXPECT_FALSE((routed & ruleset.symbols.OutInterface("inside")).Intersects(accepted));
  EXPECT_FALSE((routed & ruleset.symbols.OutInterface("mgmt")).Intersects(accepted));
  // A source on none of the networks: by the interface it enters on, every one of them.
  const auto stranger = PacketSet::Source(Net("203.0.113.9/32")) & PacketSet::Destination(Net("10.0.1.6/32")) &
                        PacketSet::Protocol(kProtocolTcp) & PacketSet::State(CtState::kNew) & PacketSet::WellFormed();
  EXPECT_TRUE((stranger & ruleset.symbols.InInterface("inside")).SubsetOf(accepted));
  EXPECT_FALSE((stranger & ruleset.symbols.InInterface("outside")).Intersects(accepted));
  EXPECT_FALSE((stranger & ruleset.symbols.InInterface("dmz2")).Intersects(accepted));
  EXPECT_FALSE((stranger & ruleset.symbols.InInterface("mgmt")).Intersects(accepted));
  // No interface has an IPv6 address: IPv6 is not audited, and a note says so.
  EXPECT_EQ(ruleset.families, std::vector<core::Family>{core::Family::kIPv4});
  EXPECT_TRUE(std::any_of(ruleset.notes.begin(), ruleset.notes.end(), [](const std::string& note) {
    return note.find("no interface has an IPv6 address") != std::string::npos;
  }));

  const auto same =
      formats::ReadRuleset(interfaces + "same-security-traffic permit inter-interface\n", "t.cfg", "", {});
  const auto same_accepted = Evaluate(same).hooks.at(Hook::kForward).accepted;
  EXPECT_TRUE(Packet("10.0.1.5/32", "10.0.2.5/32", kProtocolTcp, 443).SubsetOf(same_accepted));
  EXPECT_FALSE(Packet("10.0.1.5/32", "10.0.1.6/32", kProtocolTcp, 443).Intersects(same_accepted));
  EXPECT_FALSE(Packet("10.0.1.5/32", "10.0.0.5/32", kProtocolTcp, 443).Intersects(same_accepted));
  EXPECT_NE(Errors("interface Gi0/0\n nameif x\n security-level 101\naccess-group A in interface x\n", "cisco-asa")
                .find("t.cfg:3:17:"),
            std::string::npos);
}

// IOS: an IPv6 ACL on a router with no IPv6 address filters nothing that is forwarded.
TEST(CiscoIos, NoIpv6AddressNoIpv6Findings) {
  const std::string text =
      "interface Gi0/0\n ip address 10.0.0.1 255.255.255.0\n ip access-group IN in\n ipv6 traffic-filter IN6 in\n"
      "ip access-list extended IN\n permit tcp any any eq 22\n"
      "ipv6 access-list IN6\n permit tcp any any eq 22\n";
  const auto ruleset = formats::ReadRuleset(text, "t.cfg", "cisco-ios", {});
  EXPECT_EQ(ruleset.families, std::vector<core::Family>{core::Family::kIPv4});
  const auto with_v6 =
      formats::ReadRuleset(text + "interface Gi0/1\n ipv6 address 2001:db8::1/64\n", "t.cfg", "cisco-ios", {});
  EXPECT_EQ(with_v6.families, (std::vector<core::Family>{core::Family::kIPv4, core::Family::kIPv6}));
}

TEST(CiscoAsa, ErrorsCarryLineAndColumn) {
  EXPECT_NE(Errors("access-list A extended permit tcp any object NOPE eq 80\n", "cisco-asa").find("t.cfg:1:46:"),
            std::string::npos);
  EXPECT_NE(Errors("object-group network G\n network-object 10.0.0.0 255.0.255.0\n", "cisco-asa").find("t.cfg:2:"),
            std::string::npos);
}

// audit(render(plan)) with the inventory that names the zones: clean in every network mode.
void ExpectClean(const std::string& target, const inventory::Inventory& inventory, const plan::Plan& plan,
                 const render::PolicyOptions& options, const std::string& label) {
  formats::ReadOptions read;
  read.inventory = &inventory;
  const auto read_back = testing::RenderedRulesets(target, inventory, plan, options, read);
  if (!read_back) return;
  const auto& rulesets = *read_back;
  for (const auto& ruleset : rulesets) EXPECT_EQ(ruleset.format, target) << label;
  // IOS: with no flow of a family, no ACL is written and the interface forwards everything, as
  // the output says; nothing to audit then.
  if (rulesets.back().attachments.empty()) return;
  const auto policy = render::BuildPolicy(testing::Sms2003(), inventory, plan, options);
  const auto result = RunAudit(rulesets, policy);
  testing::ExpectSameReportBuiltAsProducts(rulesets, policy, result, label);  // IOS: replies too
  const bool clean = !result.AnyBlocked() && result.excess.empty() && result.shadowed.empty() && result.unused.empty();
  EXPECT_TRUE(clean) << label << "\n" << RenderAuditReport(result, report::Format::kTable);
}

TEST(CiscoRoundTrip, RenderedIosAndAsaAreCleanInEveryNetworkMode) {
  for (const std::string target : {"cisco-ios", "cisco-asa"}) {
    for (const auto& file : testing::RoundTripInventories()) {
      const auto inventory = testing::InventoryFromFile(file);
      const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
      const auto name = fmt::format("{} {}", target, file.filename().string());
      render::PolicyOptions network;
      network.mode = render::Mode::kNetwork;
      ExpectClean(target, inventory, plan, network, name + " network");
      const auto zones = inventory.Zones();
      if (zones.size() < 2) continue;
      network.zones = {zones[0], zones[1]};
      ExpectClean(target, inventory, plan, network, name + " zones " + zones[0] + "," + zones[1]);
      network.zones.clear();
      network.edge = zones[0];
      ExpectClean(target, inventory, plan, network, name + " edge " + zones[0]);
    }
  }
}

}  // namespace
}  // namespace portolan::audit
