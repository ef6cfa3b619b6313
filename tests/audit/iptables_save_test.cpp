// Reading iptables-save: every construct the audit models, and file:line:column errors.

#include <gtest/gtest.h>

#include "audit/analysis.hpp"
#include "audit/formats/formats.hpp"

namespace portolan::audit {
namespace {

core::Network Net(const char* text) {
  return *core::ParseNetwork(text);
}

PacketSet Tcp(const char* from, const char* to, int port) {
  return PacketSet::Source(Net(from)) & PacketSet::Destination(Net(to)) & PacketSet::Protocol(kProtocolTcp) &
         PacketSet::DestinationPorts(port, port) & PacketSet::State(CtState::kNew) & PacketSet::WellFormed() &
         PacketSet::InInterface(0) & PacketSet::OutInterface(0);
}

std::string Errors(const std::string& text, const formats::ReadOptions& options = {}) {
  try {
    formats::ReadRuleset(text, "t.rules", "iptables", options);
  } catch (const core::InputError& error) {
    return error.diagnostics().ToString();
  }
  return "";
}

PacketSet Accepted(const std::string& text, Hook hook = Hook::kForward, const formats::ReadOptions& options = {}) {
  const auto ruleset = formats::ReadRuleset(text, "t.rules", "", options);
  return Evaluate(ruleset).hooks.at(hook).accepted;
}

TEST(IptablesSave, UserChainsReturnGotoMultiportAndNegation) {
  const std::string text =
      "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:WEB - [0:0]\n:DENY - [0:0]\n"
      "-A FORWARD -d 10.0.0.1/32 -p tcp -m multiport --dports 80,443,8000:8010 -j WEB\n"
      "-A FORWARD ! -s 10.9.0.0/16 -p tcp --dport 22 -j ACCEPT\n"
      "-A FORWARD -p tcp --dport 25 -g DENY\n"
      "-A FORWARD -p tcp --dport 25 -j ACCEPT\n"
      "-A WEB -s 10.5.0.0/16 -j RETURN\n"
      "-A WEB -j ACCEPT\n"
      "-A DENY -s 10.6.0.0/16 -j DROP\n"
      "COMMIT\n";
  const auto accepted = Accepted(text);
  EXPECT_TRUE(Tcp("10.1.0.1/32", "10.0.0.1/32", 443).SubsetOf(accepted));
  EXPECT_TRUE(Tcp("10.1.0.1/32", "10.0.0.1/32", 8005).SubsetOf(accepted));
  EXPECT_FALSE(Tcp("10.5.0.1/32", "10.0.0.1/32", 443).Intersects(accepted));  // RETURN, then the policy
  EXPECT_FALSE(Tcp("10.1.0.1/32", "10.0.0.1/32", 8011).Intersects(accepted));
  EXPECT_TRUE(Tcp("10.1.0.1/32", "10.0.0.7/32", 22).SubsetOf(accepted));
  EXPECT_FALSE(Tcp("10.9.3.1/32", "10.0.0.7/32", 22).Intersects(accepted));
  // -g: a miss in DENY returns to FORWARD's caller (the policy), not to the next rule.
  EXPECT_FALSE(Tcp("10.1.0.1/32", "10.0.0.7/32", 25).Intersects(accepted));
}

TEST(IptablesSave, ConntrackIpRangeAndIpsets) {
  const std::string ipsets_text =
      "create admins hash:net family inet hashsize 1024 maxelem 65536\n"
      "add admins 10.7.0.0/24\nadd admins 10.7.0.128/25 nomatch\n"
      "create svc hash:ip,port family inet\nadd svc 10.0.0.2,tcp:3389\n";
  const auto ipsets = formats::ParseIpsetSave(ipsets_text, "sets");
  formats::ReadOptions options;
  options.ipsets = &ipsets;
  const std::string text =
      "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
      "-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n"
      "-A FORWARD -m set --match-set admins src -m set --match-set svc dst,dst -j ACCEPT\n"
      "-A FORWARD -m iprange --src-range 10.8.0.5-10.8.0.9 -p tcp --dport 80 -j ACCEPT\n"
      "COMMIT\n";
  const auto accepted = Accepted(text, Hook::kForward, options);
  EXPECT_TRUE(Tcp("10.7.0.5/32", "10.0.0.2/32", 3389).SubsetOf(accepted));
  EXPECT_FALSE(Tcp("10.7.0.200/32", "10.0.0.2/32", 3389).Intersects(accepted));  // nomatch
  EXPECT_FALSE(Tcp("10.7.0.5/32", "10.0.0.2/32", 22).Intersects(accepted));
  EXPECT_TRUE(Tcp("10.8.0.9/32", "10.0.0.3/32", 80).SubsetOf(accepted));
  EXPECT_FALSE(Tcp("10.8.0.10/32", "10.0.0.3/32", 80).Intersects(accepted));
  const auto established =
      PacketSet::State(CtState::kEstablished) & PacketSet::WellFormed() & PacketSet::Family(core::Family::kIPv4);
  EXPECT_TRUE(established.SubsetOf(accepted));
}

TEST(IptablesSave, UnmodelledMatchesAreFreeVariables) {
  const std::string text =
      "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
      "-A INPUT -p tcp --dport 22 -m recent --name ssh --rcheck --seconds 60 -j DROP\n"
      "-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";
  const auto ruleset = formats::ReadRuleset(text, "t.rules", "", {});
  ASSERT_EQ(ruleset.chains[0].rules[0].unmodelled.size(), 1u);
  EXPECT_EQ(ruleset.chains[0].rules[0].unmodelled[0], "-m recent --name ssh --rcheck --seconds 60");
  const auto accepted = Evaluate(ruleset).hooks.at(Hook::kInput).accepted;
  const auto ssh = Tcp("10.1.0.1/32", "10.0.0.1/32", 22);
  EXPECT_TRUE(ssh.Intersects(accepted));                                 // possibly
  EXPECT_TRUE((ssh & accepted).ForAllHidden(PacketSet::All()).Empty());  // not definitely
}

TEST(IptablesSave, Ip6tablesByHeaderOrAddress) {
  const auto ruleset = formats::ReadRuleset("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 2001:db8::/32 -j DROP\nCOMMIT\n",
                                            "t.rules", "", {});
  EXPECT_EQ(ruleset.families, std::vector<core::Family>{core::Family::kIPv6});
}

TEST(IptablesSave, ErrorsNameFileLineAndColumn) {
  EXPECT_EQ(Errors("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 10.0.0.300 -j ACCEPT\nCOMMIT\n"),
            "t.rules:3:13: error: '10.0.0.300' is not an ipv4 address or network\n");
  EXPECT_EQ(Errors("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n"),
            "t.rules:3:25: error: '99999' is not a port or range (first:last)\n");
  EXPECT_EQ(Errors("*filter\n:INPUT ACCEPT [0:0]\n-A NOPE -j ACCEPT\nCOMMIT\n"),
            "t.rules:3:4: error: chain NOPE is not declared (:NOPE ... before the rules)\n");
  EXPECT_EQ(Errors("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j MISSING\nCOMMIT\n"),
            "t.rules:3:13: error: no user chain or target named MISSING\n");
  EXPECT_EQ(Errors("*filter\n:INPUT ACCEPT [0:0]\n"), "t.rules:3:1: error: table filter has no COMMIT line\n");
  EXPECT_EQ(Errors("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment \"open\n"),
            "t.rules:3:1: error: unterminated quote\nt.rules:4:1: error: table filter has no COMMIT line\n");
  EXPECT_EQ(Errors("-A INPUT -j ACCEPT\n"), "t.rules:1:1: error: '-A' outside a table: expected a line like *filter\n");
}

TEST(IptablesSave, OtherTablesAreNotedNotModelled) {
  const auto ruleset = formats::ReadRuleset(
      "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 10.0.0.1\nCOMMIT\n"
      "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n",
      "t.rules", "iptables", {});
  ASSERT_EQ(ruleset.notes.size(), 1u);
  EXPECT_EQ(ruleset.notes[0], "t.rules: table nat (1 rules) is not audited: only the filter table is");
}

}  // namespace
}  // namespace portolan::audit
