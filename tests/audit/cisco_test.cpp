// Reading Cisco IOS and ASA configurations: ACLs, object-groups, bindings, errors with
// file:line:column; and audit(render cisco-ios / cisco-asa) is clean on every test inventory.

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "audit/analysis.hpp"
#include "audit/audit.hpp"
#include "audit/formats/formats.hpp"
#include "audit/round_trip_support.hpp"
#include "plan/planner.hpp"
#include "render/render.hpp"
#include "report/audit_report.hpp"
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
  EXPECT_NE(Errors("access-list 2700 permit ip any any\n", "cisco-ios").find("t.cfg:1:13:"), std::string::npos);
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

bool HasNote(const Ruleset& ruleset, const std::string& text) {
  return std::any_of(ruleset.notes.begin(), ruleset.notes.end(),
                     [&](const std::string& note) { return note.find(text) != std::string::npos; });
}

// A text with no IOS statement was audited as a configuration without ACLs: every packet passed.
TEST(CiscoIos, RefusesTextWithNoIosStatement) {
  const std::string yaml = "zones:\n  - name: hq\n    networks: [10.0.0.0/8]\n";
  const std::string services = "# /etc/services\nssh\t\t22/tcp\nntp\t\t123/udp\nhostnames\t101/tcp\n";
  for (const auto& text : {yaml, services, std::string()}) {
    EXPECT_EQ(Errors(text, "cisco-ios"),
              "t.cfg:1:1: error: not a Cisco IOS configuration: no hostname, version, interface, access-list, ip "
              "access-list, ipv4 access-list, ipv6 access-list, object-group or '!' line in it\n")
        << text;
    EXPECT_NE(Errors(text, "cisco-asa").find("t.cfg:1:1: error: not a Cisco ASA configuration"), std::string::npos);
  }
  // A router with interfaces and no ACL passes every packet, and says so.
  const auto ruleset = formats::ReadRuleset("hostname r1\ninterface Gi0/0\n ip address 10.0.0.1 255.255.255.0\n",
                                            "t.cfg", "cisco-ios", {});
  EXPECT_TRUE(HasNote(ruleset, "no IOS ACL: every packet passes"));
}

TEST(CiscoIos, ReadsNxosAclsObjectGroupsAndBindings) {
  const std::string text =
      "!Command: show running-config\n"
      "version 9.3(8) Bios:version 05.45\n"
      "hostname n9k\n"
      "feature interface-vlan\n"
      "object-group ip address SERVERS\n"
      "  10 host 10.1.0.5\n"
      "  20 10.1.1.0/24\n"
      "  30 10.1.2.0 0.0.0.255\n"
      "object-group ip port WEB\n"
      "  10 eq 80\n"
      "  20 range 8000 8010\n"
      "ip access-list FROM-USERS\n"
      "  statistics per-entry\n"
      "  10 remark users to the servers\n"
      "  20 permit tcp 10.2.0.0/16 addrgroup SERVERS portgroup WEB\n"
      "  30 permit tcp 10.2.0.0 0.0.255.255 any eq 22 log\n"
      "  40 deny ip any any\n"
      "ipv6 access-list FROM-USERS6\n"
      "  10 permit tcp 2001:db8:2::/48 any eq 443\n"
      "interface Vlan20\n"
      "  ip address 10.2.0.1/16\n"
      "  ipv6 address 2001:db8:2::1/48\n"
      "  ip access-group FROM-USERS in\n"
      "  ipv6 traffic-filter FROM-USERS6 in\n"
      "interface Ethernet1/1\n"
      "  switchport\n"
      "  ip port access-group FROM-USERS in\n";
  EXPECT_TRUE(formats::DetectRulesetFormat(text) && formats::DetectRulesetFormat(text)->id == "cisco-ios");
  const auto accepted = Accepted(text, "cisco-ios");
  const auto user = "10.2.3.4/32";
  EXPECT_TRUE(Packet(user, "10.1.0.5/32", kProtocolTcp, 80).SubsetOf(accepted));
  EXPECT_TRUE(Packet(user, "10.1.2.9/32", kProtocolTcp, 8005).SubsetOf(accepted));
  EXPECT_FALSE(Packet(user, "10.1.2.9/32", kProtocolTcp, 443).Intersects(accepted));
  EXPECT_FALSE(Packet(user, "10.1.3.9/32", kProtocolTcp, 80).Intersects(accepted));
  EXPECT_TRUE(Packet(user, "192.0.2.1/32", kProtocolTcp, 22).SubsetOf(accepted));
  EXPECT_TRUE(Packet("2001:db8:2::9/128", "2001:db8:9::1/128", kProtocolTcp, 443).SubsetOf(accepted));
  EXPECT_FALSE(Packet("2001:db8:2::9/128", "2001:db8:9::1/128", kProtocolTcp, 80).Intersects(accepted));
  // Three bindings: the routed VLAN both ways of family, and the port ACL.
  const auto ruleset = formats::ReadRuleset(text, "t.cfg", "cisco-ios", {});
  const auto& inbound = ruleset.chains[ruleset.FindChain("ACLs applied inbound")];
  EXPECT_TRUE(std::any_of(inbound.rules.begin(), inbound.rules.end(), [](const Rule& rule) {
    return rule.text.find("interface Ethernet1/1: ip port access-group FROM-USERS in") != std::string::npos;
  }));
}

TEST(CiscoIos, ReadsIosXrAclsObjectGroupsAndBindings) {
  const std::string text =
      "!! IOS XR Configuration 7.3.2\n"
      "hostname xr1\n"
      "object-group network ipv4 MGMT\n"
      " 10.9.0.0/24\n"
      " host 10.9.1.1\n"
      "!\n"
      "object-group port ADMIN\n"
      " eq telnet\n"
      " eq 22\n"
      "!\n"
      "ipv4 access-list EDGE-IN\n"
      " 10 permit tcp any host 10.1.1.1 eq telnet\n"
      " 20 permit tcp net-group MGMT any port-group ADMIN counter admin\n"
      " 30 deny ipv4 any any log\n"
      "!\n"
      "interface GigabitEthernet0/0/0/0\n"
      " ipv4 address 192.0.2.1 255.255.255.0\n"
      " ipv4 access-group EDGE-IN ingress hardware-count\n"
      "!\n"
      "interface GigabitEthernet0/0/0/1\n"
      " ipv4 address 10.9.0.1/24\n"
      " ipv4 access-group EDGE-IN ingress\n"
      "!\n";
  EXPECT_TRUE(formats::DetectRulesetFormat(text) && formats::DetectRulesetFormat(text)->id == "cisco-ios");
  const auto accepted = Accepted(text, "cisco-ios");
  EXPECT_TRUE(Packet("192.0.2.7/32", "10.1.1.1/32", kProtocolTcp, 23).SubsetOf(accepted));
  EXPECT_FALSE(Packet("192.0.2.7/32", "10.1.1.1/32", kProtocolTcp, 22).Intersects(accepted));
  EXPECT_TRUE(Packet("10.9.0.7/32", "10.1.1.2/32", kProtocolTcp, 22).SubsetOf(accepted));
  EXPECT_FALSE(Packet("10.9.0.7/32", "10.1.1.2/32", kProtocolTcp, 80).Intersects(accepted));
  EXPECT_NE(Errors("interface Gi0/0/0/0\n ipv4 access-group A sideways\n", "cisco-ios").find("t.cfg:2:20: error:"),
            std::string::npos);
}

// ACL-like blocks the audit does not read: bound, they are errors (they may drop IP packets);
// unbound, notes.
TEST(CiscoIos, RefusesBoundFiltersItDoesNotModel) {
  const std::string fqdn = "hostname r\nip access-list fqdn WEB\n permit tcp any host www.example.com eq 443\n";
  const auto unbound = formats::ReadRuleset(fqdn, "t.cfg", "cisco-ios", {});
  EXPECT_TRUE(HasNote(unbound, "t.cfg:2:1: ip access-list fqdn WEB is not modelled, and applied to no interface"));
  EXPECT_EQ(Errors(fqdn + "interface Gi0/0\n ip access-group WEB in\n", "cisco-ios")
                .find("t.cfg:5:2: error: interface Gi0/0: ip access-group WEB in applies ip access-list fqdn WEB"),
            0u);
  EXPECT_EQ(Errors("interface Gi0/0\n zone-member security INSIDE\n", "cisco-ios")
                .find("t.cfg:2:2: error: zone-member security INSIDE: the zone-based firewall is not modelled"),
            0u);
  EXPECT_EQ(Errors("vlan access-map M 10\n match ip address A\n action drop\nvlan filter M vlan-list 10\n", "cisco-ios")
                .find("t.cfg:4:1: error: vlan filter M: VLAN access-maps (VACLs) are not modelled"),
            0u);
  const auto map = formats::ReadRuleset("vlan access-map M 10\n action drop\n", "t.cfg", "cisco-ios", {});
  EXPECT_TRUE(HasNote(map, "vlan access-map M is applied to no VLAN"));
  // A MAC ACL and its binding see no IP packet.
  const auto mac = formats::ReadRuleset(
      "mac access-list extended M\n deny any any\ninterface Gi0/0\n mac access-group M in\n", "t.cfg", "cisco-ios", {});
  EXPECT_TRUE(HasNote(mac, "t.cfg:1: mac access-list extended M filters no IP packet"));
}

TEST(CiscoIos, SkipsMacAndTypeCodeNumberedAcls) {
  const std::string text =
      "access-list 700 permit 0000.0c00.0000 0000.00ff.ffff\n"
      "access-list 700 deny 0000.0000.0000 ffff.ffff.ffff\n"
      "access-list 201 permit 0x6000 0x0000\n"
      "access-list 1100 permit 0000.0c00.0000 0000.00ff.ffff any 0x800 0x0\n"
      "access-list 110 permit tcp any any eq 22\n";
  const auto ruleset = formats::ReadRuleset(text, "t.cfg", "cisco-ios", {});
  EXPECT_EQ(ruleset.chains.size(), 1u);  // only ACL 110
  EXPECT_TRUE(HasNote(ruleset, "t.cfg:1: access-list 700 is a 48-bit MAC address ACL (700-799)"));
  EXPECT_FALSE(HasNote(ruleset, "t.cfg:2: access-list 700"));  // one note per ACL
  EXPECT_TRUE(HasNote(ruleset, "t.cfg:3: access-list 201 is a protocol type-code ACL (200-299)"));
  EXPECT_TRUE(HasNote(ruleset, "t.cfg:4: access-list 1100 is a extended 48-bit MAC address ACL (1100-1199)"));
  EXPECT_EQ(Errors("access-list 2700 permit ip any any\n", "cisco-ios"),
            "t.cfg:1:13: error: 2700 is not an ACL number (IP: 1-199, 1300-2699)\n");
}

// Entering an object-group again on the device adds to it (Batfish's NX-OS tests hold such a
// configuration): the members join; a group of another kind under the same name is an error.
TEST(CiscoIos, ReopenedObjectGroupGainsMembers) {
  const std::string text =
      "object-group network SERVERS\n"
      " host 10.0.0.1\n"
      "object-group network SERVERS\n"
      " host 10.0.0.2\n"
      "ip access-list extended A\n"
      " permit tcp any object-group SERVERS eq 445\n";
  const auto ruleset = formats::ReadRuleset(text, "t.cfg", "cisco-ios", {});
  const auto& match = ruleset.chains[ruleset.FindChain("ACL A")].rules.at(0).match;
  EXPECT_TRUE(Packet("10.9.0.1/32", "10.0.0.1/32", kProtocolTcp, 445).SubsetOf(match));
  EXPECT_TRUE(Packet("10.9.0.1/32", "10.0.0.2/32", kProtocolTcp, 445).SubsetOf(match));
  EXPECT_FALSE(Packet("10.9.0.1/32", "10.0.0.3/32", kProtocolTcp, 445).Intersects(match));
  EXPECT_NE(Errors("object-group network X\n host 10.0.0.1\nobject-group service X\n tcp 445\n", "cisco-ios")
                .find("t.cfg:3:22: error: object-group X is defined twice, as another kind"),
            std::string::npos);
}

// A configuration saved with a UTF-8 byte-order mark (Notepad does) is read, for every format.
TEST(CiscoIos, ReadsThroughAByteOrderMark) {
  const std::string text =
      "\xEF\xBB\xBFhostname r1\n"
      "ip access-list extended A\n"
      " 10 permit tcp any any eq 22 capture\n";
  const auto ruleset = formats::ReadRuleset(text, "t.cfg", "cisco-ios", {});
  ASSERT_NE(ruleset.FindChain("ACL A"), -1);
  EXPECT_TRUE(Packet("0.0.0.0/0", "0.0.0.0/0", kProtocolTcp, 22)
                  .SubsetOf(ruleset.chains[ruleset.FindChain("ACL A")].rules.at(0).match));
}

TEST(CiscoIos, ReadsServiceGroupsWithBarePorts) {
  const std::string text =
      "object-group service SVC\n"
      " tcp 445\n"
      " tcp smtp\n"
      " udp range 1 100\n"
      " tcp-udp eq 53\n"
      " tcp source eq 1\n"
      " tcp source 2000 ftp\n"
      " icmp echo\n"
      " esp\n"
      " 51\n"
      "ip access-list extended A\n"
      " permit object-group SVC any any\n";
  const auto ruleset = formats::ReadRuleset(text, "t.cfg", "cisco-ios", {});
  const auto& match = ruleset.chains[ruleset.FindChain("ACL A")].rules.at(0).match;
  const auto any = "0.0.0.0/0";
  EXPECT_TRUE(Packet(any, any, kProtocolTcp, 445).SubsetOf(match));
  EXPECT_TRUE(Packet(any, any, kProtocolTcp, 25).SubsetOf(match));
  EXPECT_FALSE(Packet(any, any, kProtocolTcp, 26).Intersects(match));
  EXPECT_TRUE(Packet(any, any, kProtocolUdp, 100).SubsetOf(match));
  EXPECT_FALSE(Packet(any, any, kProtocolUdp, 101).Intersects(match));
  EXPECT_TRUE(Packet(any, any, kProtocolUdp, 53).SubsetOf(match));
  EXPECT_TRUE(Packet(any, any, kProtocolTcp, 9999, CtState::kNew, 1).SubsetOf(match));
  EXPECT_TRUE(Packet(any, any, kProtocolTcp, 21, CtState::kNew, 2000).SubsetOf(match));
  EXPECT_FALSE(Packet(any, any, kProtocolTcp, 22, CtState::kNew, 2000).Intersects(match));
  EXPECT_TRUE(Packet(any, any, 50, 0).SubsetOf(match));
  EXPECT_TRUE(Packet(any, any, 51, 0).SubsetOf(match));
  EXPECT_TRUE((PacketSet::Protocol(kProtocolIcmp) & PacketSet::IcmpType(8, std::nullopt)).Intersects(match));
  EXPECT_FALSE((PacketSet::Protocol(kProtocolIcmp) & PacketSet::IcmpType(0, std::nullopt)).Intersects(match));
  EXPECT_EQ(Errors("object-group service S\n tcp 445 bogus\n", "cisco-ios").find("t.cfg:2:10: error: 'bogus'"), 0u);
}

TEST(CiscoIos, ReadsProtocolGroupsAsTheProtocol) {
  const std::string text =
      "object-group protocol WEBPROTO\n"
      " tcp\n"
      " udp\n"
      "object-group protocol TUNNELS\n"
      " 50\n"
      " gre\n"
      "ip access-list extended A\n"
      " permit object-group WEBPROTO any host 10.0.0.1 eq 443\n"
      " permit object-group TUNNELS any host 10.0.0.2\n";
  const auto ruleset = formats::ReadRuleset(text, "t.cfg", "cisco-ios", {});
  const auto& rules = ruleset.chains[ruleset.FindChain("ACL A")].rules;
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_TRUE(Packet("1.1.1.1/32", "10.0.0.1/32", kProtocolUdp, 443).SubsetOf(rules[0].match));
  EXPECT_FALSE(Packet("1.1.1.1/32", "10.0.0.1/32", kProtocolTcp, 80).Intersects(rules[0].match));
  EXPECT_TRUE(Packet("1.1.1.1/32", "10.0.0.2/32", 50, 0).SubsetOf(rules[1].match));
  EXPECT_TRUE(Packet("1.1.1.1/32", "10.0.0.2/32", 47, 0).SubsetOf(rules[1].match));
  EXPECT_FALSE(Packet("1.1.1.1/32", "10.0.0.2/32", kProtocolTcp, 80).Intersects(rules[1].match));
  // A group with a protocol without ports takes no port operator.
  EXPECT_EQ(Errors(text + " permit object-group TUNNELS any any eq 80\n", "cisco-ios")
                .find("t.cfg:10:38: error: port operators need tcp, udp or sctp"),
            0u);
}

TEST(CiscoIos, UnknownProtocolErrorListsEveryNameItAccepts) {
  const auto error = Errors("ip access-list extended A\n permit bogus any any\n", "cisco-ios");
  const std::string marker = "or one of ";
  const auto at = error.find(marker);
  ASSERT_NE(at, std::string::npos) << error;
  EXPECT_EQ(error.find("t.cfg:2:9: error: 'bogus' is not a protocol"), 0u) << error;
  auto list = error.substr(at + marker.size());
  list.erase(list.find_last_not_of("\n") + 1);
  std::size_t names = 0;
  for (std::size_t start = 0; start < list.size();) {
    const auto end = std::min(list.find(", ", start), list.size());
    const auto name = list.substr(start, end - start);
    EXPECT_EQ(Errors("ip access-list extended A\n permit " + name + " any any\n", "cisco-ios"), "") << name;
    ++names;
    start = end + 2;
  }
  EXPECT_GE(names, 20u);  // ospf, eigrp, pim, igmp ... were accepted and not listed
  EXPECT_NE(list.find("ospf"), std::string::npos);
}

TEST(CiscoIos, UnknownTrailingTokenIsAnErrorKnownOnesAreFreeVariables) {
  EXPECT_EQ(Errors("ip access-list extended A\n permit tcp any any eq 3389 0x1\n", "cisco-ios")
                .find("t.cfg:2:29: error: '0x1' is not understood here: expected the end of the entry or one of "
                      "established, log, log-input, reflect NAME, "),
            0u);
  EXPECT_EQ(Errors("ip access-list extended A\n permit tcp any any time-range\n", "cisco-ios"),
            "t.cfg:2:31: error: time-range needs a value: time-range NAME\n");
  const auto ruleset = formats::ReadRuleset(
      "ip access-list extended A\n"
      " permit tcp any any eq 22 time-range WORK log\n"
      " permit ip any any dscp ef ttl eq 5 fragments\n"
      " permit udp any any precedence 5 tos 4 option ssrr log-input\n"
      " permit tcp any any match-all +ack -syn\n"
      " permit icmp any any echo log\n"
      " permit igmp any any host-query\n"
      " dynamic TEST timeout 10 permit ip any any\n",
      "t.cfg", "cisco-ios", {});
  const auto& rules = ruleset.chains[ruleset.FindChain("ACL A")].rules;
  ASSERT_EQ(rules.size(), 7u);
  EXPECT_EQ(rules[0].unmodelled, std::vector<std::string>{"time-range WORK"});
  EXPECT_EQ(rules[1].unmodelled, std::vector<std::string>{"dscp ef ttl eq 5 fragments"});
  EXPECT_EQ(rules[2].unmodelled, std::vector<std::string>{"precedence 5 tos 4 option ssrr"});
  EXPECT_EQ(rules[3].unmodelled, std::vector<std::string>{"match-all +ack -syn"});
  EXPECT_TRUE(rules[4].unmodelled.empty());
  EXPECT_EQ(rules[5].unmodelled, std::vector<std::string>{"igmp host-query"});
  EXPECT_EQ(rules[6].unmodelled, std::vector<std::string>{"dynamic TEST (lock-and-key)"});
  // A line of an ACL block that is no entry is not skipped in silence.
  EXPECT_EQ(Errors("ip access-list extended A\n permit ip any any\n frobnicate 1\n", "cisco-ios")
                .find("t.cfg:3:2: error: 'frobnicate' is not an entry of ACL A"),
            0u);
}

// show running-config prints an object with object NAT twice: its value, then its nat line.
TEST(CiscoAsa, AcceptsAnObjectReopenedForNat) {
  const std::string text =
      "ASA Version 9.16(1)\n"
      "object network WEB\n"
      " host 10.0.0.1\n"
      "object network WEB\n"
      " nat (inside,outside) static 203.0.113.10\n"
      "access-list OUT extended permit tcp any object WEB eq 443\n";
  const auto accepted = Accepted(text, "cisco-asa");
  EXPECT_TRUE(Packet("192.0.2.7/32", "10.0.0.1/32", kProtocolTcp, 443).SubsetOf(accepted));
  // Repeating the value is fine; another value is not.
  EXPECT_EQ(Errors(text + "object network WEB\n host 10.0.0.1\n", "cisco-asa"), "");
  EXPECT_EQ(Errors(text + "object network WEB\n host 10.0.0.2\n", "cisco-asa"),
            "t.cfg:8:2: error: object WEB is defined again with another value: 'host 10.0.0.2' (it was 'host "
            "10.0.0.1')\n");
  EXPECT_NE(Errors(text + "object-group network WEB\n", "cisco-asa").find("t.cfg:7:22: error: WEB is defined twice"),
            std::string::npos);
}

TEST(CiscoAsa, BlamesANonContiguousMaskAtItsColumn) {
  EXPECT_EQ(Errors("access-list A extended permit ip 10.0.0.0 255.0.255.0 any\n", "cisco-asa"),
            "t.cfg:1:43: error: '255.0.255.0' is not a netmask (the ASA takes contiguous ones: 255.255.255.0, not a "
            "wildcard)\n");
  EXPECT_EQ(Errors("object-group network G\n network-object 10.0.0.0 255.0.255.0\n", "cisco-asa").find("t.cfg:2:26:"),
            0u);
  EXPECT_EQ(Errors("object network N\n subnet 10.0.0.0 0.0.0.255\n", "cisco-asa").find("t.cfg:2:18:"), 0u);
}

TEST(CiscoAsa, UnknownTrailingTokenIsAnError) {
  EXPECT_EQ(Errors("access-list A extended permit tcp any any eq 3389 0x1\n", "cisco-asa")
                .find("t.cfg:1:51: error: '0x1' is not understood here"),
            0u);
  const auto ruleset = formats::ReadRuleset(
      "access-list A extended permit tcp any any eq 22 log informational interval 300 time-range WORK\n", "t.cfg",
      "cisco-asa", {});
  EXPECT_EQ(ruleset.chains[ruleset.FindChain("ACL A")].rules.at(0).unmodelled,
            std::vector<std::string>{"time-range WORK"});
}

// audit(render(plan)) with the inventory that names the zones: clean in every network mode.
void ExpectClean(const std::string& target, const inventory::Inventory& inventory, const plan::Plan& plan,
                 const policy::PolicyOptions& options, const std::string& label) {
  formats::ReadOptions read;
  read.inventory = &inventory;
  const auto read_back = testing::RenderedRulesets(target, inventory, plan, options, read);
  if (!read_back) return;
  const auto& rulesets = *read_back;
  for (const auto& ruleset : rulesets) EXPECT_EQ(ruleset.format, target) << label;
  // IOS: with no flow of a family, no ACL is written and the interface forwards everything, as
  // the output says; nothing to audit then.
  if (rulesets.back().attachments.empty()) return;
  const auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
  const auto result = RunAudit(rulesets, policy);
  testing::ExpectSameReportBuiltAsProducts(rulesets, policy, result, label);  // IOS: replies too
  const bool clean = !result.AnyBlocked() && result.excess.empty() && result.shadowed.empty() && result.unused.empty();
  EXPECT_TRUE(clean) << label << "\n" << report::RenderAuditReport(result, core::Format::kTable);
}

TEST(CiscoRoundTrip, RenderedIosAndAsaAreCleanInEveryNetworkMode) {
  for (const std::string target : {"cisco-ios", "cisco-asa"}) {
    for (const auto& file : testing::RoundTripInventories()) {
      const auto inventory = testing::InventoryFromFile(file);
      const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
      const auto name = fmt::format("{} {}", target, file.filename().string());
      policy::PolicyOptions network;
      network.mode = policy::Mode::kNetwork;
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
