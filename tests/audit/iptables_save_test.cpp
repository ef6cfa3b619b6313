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
            "t.rules:3:4: error: chain NOPE is not declared (:NOPE - [0:0] or -N NOPE before the rules)\n");
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

// The lines of the rules of a chain, in the order the reader holds them.
std::vector<int> RuleLines(const Ruleset& ruleset, const std::string& chain) {
  std::vector<int> lines;
  for (const auto& rule : ruleset.chains.at(ruleset.FindChain(chain)).rules) lines.push_back(rule.where.line);
  return lines;
}

const std::string kPolicies = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n";

TEST(IptablesSave, AcceptsNewChainLines) {
  const std::string text = kPolicies +
                           "-N WEB\n"
                           "-A FORWARD -p tcp --dport 443 -j WEB\n"
                           "-A WEB -s 10.1.0.0/16 -j ACCEPT\n"
                           "COMMIT\n";
  const auto accepted = Accepted(text);
  EXPECT_TRUE(Tcp("10.1.0.1/32", "10.0.0.1/32", 443).SubsetOf(accepted));
  EXPECT_FALSE(Tcp("10.2.0.1/32", "10.0.0.1/32", 443).Intersects(accepted));
  EXPECT_EQ(Errors(kPolicies + "-N WEB\n-N WEB\nCOMMIT\n"), "t.rules:6:4: error: -N WEB: the chain exists already\n");
}

TEST(IptablesSave, InsertPutsRulesWhereTheKernelHoldsThem) {
  const auto ruleset = formats::ReadRuleset(kPolicies +
                                                "-A FORWARD -p tcp --dport 1 -j ACCEPT\n"    // 5
                                                "-A FORWARD -p tcp --dport 2 -j ACCEPT\n"    // 6
                                                "-I FORWARD -p tcp --dport 3 -j ACCEPT\n"    // 7: first
                                                "-I FORWARD 3 -p tcp --dport 4 -j ACCEPT\n"  // 8: third
                                                "-I FORWARD 5 -p tcp --dport 5 -j ACCEPT\n"  // 9: last
                                                "COMMIT\n",
                                            "t.rules", "iptables", {});
  EXPECT_EQ(RuleLines(ruleset, "FORWARD"), (std::vector<int>{7, 5, 8, 6, 9}));
  EXPECT_EQ(Errors(kPolicies + "-A FORWARD -j ACCEPT\n-I FORWARD 3 -j DROP\nCOMMIT\n"),
            "t.rules:6:12: error: -I FORWARD 3: the chain has only 1 rules\n");
}

TEST(IptablesSave, DeleteReplaceFlushZeroRenameAndPolicyCommandsAreModelled) {
  const auto ruleset = formats::ReadRuleset(kPolicies +
                                                "-N OLD\n"                                    // 5
                                                "-A FORWARD -p tcp --dport 1 -j ACCEPT\n"     // 6
                                                "-A FORWARD -p tcp --dport 2 -j ACCEPT\n"     // 7
                                                "-A FORWARD -p tcp --dport 3 -j OLD\n"        // 8
                                                "-A FORWARD -p tcp --dport 4 -j ACCEPT\n"     // 9
                                                "-D FORWARD 1\n"                              // drops 6
                                                "-D FORWARD -p tcp --dport 4 -j ACCEPT\n"     // drops 9
                                                "-R FORWARD 1 -p tcp --dport 22 -j ACCEPT\n"  // 12 replaces 7
                                                "-E OLD NEW\n"                                // 8 jumps to NEW
                                                "-A NEW -j ACCEPT\n"                          // 14
                                                "-N GONE\n-X GONE\n"                          //
                                                "-A INPUT -j DROP\n-F INPUT\n"                // flushed
                                                "-Z\n-Z FORWARD 1\n"                          // counters only
                                                "-P INPUT DROP\n"                             // 21
                                                "COMMIT\n",
                                            "t.rules", "iptables", {});
  EXPECT_EQ(RuleLines(ruleset, "FORWARD"), (std::vector<int>{12, 8}));
  EXPECT_EQ(RuleLines(ruleset, "NEW"), (std::vector<int>{14}));
  EXPECT_LT(ruleset.FindChain("OLD"), 0);
  EXPECT_LT(ruleset.FindChain("GONE"), 0);
  EXPECT_EQ(ruleset.chains.at(ruleset.FindChain("FORWARD")).rules[1].target, ruleset.FindChain("NEW"));
  EXPECT_TRUE(RuleLines(ruleset, "INPUT").empty());
  const auto& input = ruleset.chains.at(ruleset.FindChain("INPUT"));
  EXPECT_EQ(input.policy, Action::kDrop);
  EXPECT_EQ(input.where.line, 21);
  const auto accepted = Accepted(kPolicies + "-A FORWARD -p tcp --dport 22 -j ACCEPT\n-D FORWARD 1\nCOMMIT\n");
  EXPECT_FALSE(Tcp("10.1.0.1/32", "10.0.0.1/32", 22).Intersects(accepted));
  // What the kernel would refuse, or what cannot be told exactly, is refused.
  EXPECT_EQ(Errors(kPolicies + "-N A\n-A A -j ACCEPT\n-X A\nCOMMIT\n"),
            "t.rules:7:4: error: -X: chain A still has rules (iptables-restore refuses this)\n");
  EXPECT_EQ(
      Errors(kPolicies + "-A FORWARD -p tcp --dport 5 -j ACCEPT\n-D FORWARD -p tcp --dport 6 -j ACCEPT\nCOMMIT\n"),
      "t.rules:6:1: error: -D FORWARD: no rule in the chain is written like this one (iptables-restore fails "
      "on it)\n");
  EXPECT_EQ(Errors(kPolicies + "-P FORWARD REJECT\nCOMMIT\n"),
            "t.rules:5:12: error: -P needs a policy: ACCEPT or DROP\n");
  EXPECT_EQ(Errors(kPolicies + "-L FORWARD\nCOMMIT\n"),
            "t.rules:5:1: error: '-L': expected a chain (:NAME POLICY), a command (-A, -I, -D, -R, -N, -X, -F, -Z, -E, "
            "-P) or COMMIT\n");
}

TEST(IptablesSave, PositionsCountTheKernelRulesOfAddressLists) {
  // "-s a,b" is two kernel rules: -I 3 goes after both, -I 2 would split them.
  const auto ruleset = formats::ReadRuleset(kPolicies +
                                                "-A FORWARD -s 10.1.0.1,10.1.0.2 -j ACCEPT\n"  // 5
                                                "-I FORWARD 3 -s 10.1.0.3 -j ACCEPT\n"         // 6
                                                "COMMIT\n",
                                            "t.rules", "iptables", {});
  EXPECT_EQ(RuleLines(ruleset, "FORWARD"), (std::vector<int>{5, 6}));
  EXPECT_NE(Errors(kPolicies + "-A FORWARD -s 10.1.0.1,10.1.0.2 -j ACCEPT\n-I FORWARD 2 -j DROP\nCOMMIT\n"), "");
  EXPECT_NE(Errors(kPolicies + "-A FORWARD -s 10.1.0.1,10.1.0.2 -j ACCEPT\n-D FORWARD 1\nCOMMIT\n"), "");
}

TEST(IptablesSave, ReadsShortIpv4AddressesAsIptablesDoes) {
  // iptables fills the missing bytes of "172.16.0" with zeros (not inet_aton's way), and reads
  // each byte with strtoul(..., 0): 010 is octal, 0x0b hex.
  const auto accepted = Accepted(kPolicies +
                                 "-A FORWARD -s 172.16.0/24 -p tcp --dport 22 -j ACCEPT\n"
                                 "-A FORWARD -s 10/8 -d 10.1/16 -p tcp --dport 80 -j ACCEPT\n"
                                 "-A FORWARD -d 10.0.0.010 -p tcp --dport 0x19 -j ACCEPT\n"
                                 "COMMIT\n");
  EXPECT_TRUE(Tcp("172.16.0.9/32", "10.0.0.1/32", 22).SubsetOf(accepted));
  EXPECT_FALSE(Tcp("172.16.1.9/32", "10.0.0.1/32", 22).Intersects(accepted));
  EXPECT_TRUE(Tcp("10.200.0.1/32", "10.1.3.4/32", 80).SubsetOf(accepted));
  EXPECT_FALSE(Tcp("10.200.0.1/32", "10.2.3.4/32", 80).Intersects(accepted));
  EXPECT_TRUE(Tcp("10.9.0.1/32", "10.0.0.8/32", 25).SubsetOf(accepted));
  EXPECT_FALSE(Tcp("10.9.0.1/32", "10.0.0.10/32", 25).Intersects(accepted));
  // What iptables would look up as a name (inet_aton forms, host names) is refused.
  EXPECT_EQ(Errors(kPolicies + "-A FORWARD -s 167772161 -j ACCEPT\nCOMMIT\n"),
            "t.rules:5:15: error: '167772161' is not an ipv4 address or network\n");
  EXPECT_EQ(Errors(kPolicies + "-A FORWARD -s gateway.example -j ACCEPT\nCOMMIT\n"),
            "t.rules:5:15: error: 'gateway.example' is not an ipv4 address or network\n");
  EXPECT_EQ(Errors(kPolicies + "-A FORWARD -p tcp --dport 080 -j ACCEPT\nCOMMIT\n"),
            "t.rules:5:27: error: '080' is not a port or range (first:last)\n");
}

TEST(IptablesSave, BuiltinChainsExistWithoutADeclaration) {
  const auto ruleset =
      formats::ReadRuleset("*filter\n-A FORWARD -p tcp --dport 22 -j DROP\nCOMMIT\n", "t.rules", "", {});
  const auto& forward = ruleset.chains.at(ruleset.FindChain("FORWARD"));
  EXPECT_EQ(forward.policy, Action::kAccept);
  EXPECT_EQ(forward.policy_text, "chain FORWARD policy ACCEPT (built in: the file sets no policy for it)");
  const auto accepted = Evaluate(ruleset).hooks.at(Hook::kForward).accepted;
  EXPECT_FALSE(Tcp("10.1.0.1/32", "10.0.0.1/32", 22).Intersects(accepted));
  EXPECT_TRUE(Tcp("10.1.0.1/32", "10.0.0.1/32", 23).SubsetOf(accepted));
  // A later :FORWARD line sets its policy.
  EXPECT_FALSE(
      Tcp("10.1.0.1/32", "10.0.0.1/32", 23)
          .Intersects(Accepted("*filter\n-A FORWARD -p tcp --dport 22 -j DROP\n:FORWARD DROP [0:0]\nCOMMIT\n")));
}

TEST(IptablesSave, InvertedRangesMatchNothingAndSayWhy) {
  const auto ruleset = formats::ReadRuleset(kPolicies +
                                                "-A FORWARD -p tcp -m tcp --dport 60000:29 -j ACCEPT\n"
                                                "-A FORWARD -m iprange --src-range 10.0.0.9-10.0.0.1 -j ACCEPT\n"
                                                "-A FORWARD -p tcp -m tcp ! --dport 60000:29 -j ACCEPT\n"
                                                "COMMIT\n",
                                            "t.rules", "iptables", {});
  const auto& rules = ruleset.chains.at(ruleset.FindChain("FORWARD")).rules;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_TRUE(rules[0].match.Empty());
  EXPECT_EQ(rules[0].empty_because, "its port range 60000:29 is empty");
  EXPECT_TRUE(rules[1].match.Empty());
  EXPECT_EQ(rules[1].empty_because, "its address range 10.0.0.9-10.0.0.1 is empty");
  EXPECT_FALSE(rules[2].match.Empty());  // the negation of nothing is every TCP packet
  EXPECT_EQ(rules[2].empty_because, "");
}

TEST(IptablesSave, Ip6tablesWithLongOptionsIsIpv6) {
  const auto ruleset = formats::ReadRuleset(
      "*filter\n:INPUT DROP [0:0]\n"
      "-A INPUT --source fe80::/10 --destination fe80::/64 --in-interface eth0 --protocol ipv6-icmp -j ACCEPT\n"
      "COMMIT\n",
      "fw.rules", "", {});
  EXPECT_EQ(ruleset.families, std::vector<core::Family>{core::Family::kIPv6});
  EXPECT_EQ(ruleset.family_reason, "from its addresses");
}

TEST(IptablesSave, FamilyWithoutAddressesComesFromHeaderThenFileName) {
  const std::string policies = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n";
  const auto by_name = formats::ReadRuleset(policies, "/etc/iptables/rules.v6", "", {});
  EXPECT_EQ(by_name.families, std::vector<core::Family>{core::Family::kIPv6});
  EXPECT_EQ(by_name.family_reason, "from the file name rules.v6");
  for (const auto* name : {"fw.v6", "ip6tables.dump", "site-ipv6.txt", "fw6.rules"})
    EXPECT_EQ(formats::ReadRuleset(policies, name, "", {}).families, std::vector<core::Family>{core::Family::kIPv6})
        << name;
  const auto by_header = formats::ReadRuleset("# Generated by ip6tables-save v1.8.9\n" + policies, "fw.rules", "", {});
  EXPECT_EQ(by_header.families, std::vector<core::Family>{core::Family::kIPv6});
  EXPECT_EQ(by_header.family_reason, "from its header (line 1)");
  const auto plain = formats::ReadRuleset(policies, "rules.v4", "", {});
  EXPECT_EQ(plain.families, std::vector<core::Family>{core::Family::kIPv4});
  EXPECT_EQ(plain.family_reason, "no address or header says otherwise");
  // Addresses outrank the file's name.
  const auto v4_in_v6_name = formats::ReadRuleset(
      "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -j ACCEPT\nCOMMIT\n", "rules.v6", "", {});
  EXPECT_EQ(v4_in_v6_name.families, std::vector<core::Family>{core::Family::kIPv4});
}

TEST(IptablesSave, MixedFamiliesAreRefusedAtTheFirstAddressOfTheOtherFamily) {
  EXPECT_EQ(Errors("*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -j ACCEPT\n"
                   "-A INPUT -s 10.1.0.0/16 -d 2001:db8::1 -j ACCEPT\nCOMMIT\n"),
            "t.rules:4:28: error: '2001:db8::1' is an IPv6 address, but the file's first address, '10.0.0.0/8' on "
            "line 3, is IPv4: an iptables dump holds one family (give IPv4 and IPv6 as two files)\n");
  EXPECT_EQ(Errors("# Generated by ip6tables-save v1.8.9\n*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -j "
                   "ACCEPT\nCOMMIT\n"),
            "t.rules:4:13: error: '10.0.0.0/8' is an IPv4 address, but the header on line 1 says the file is IPv6\n");
}

TEST(IptablesSave, RulesMarkedForTheOtherFamilyAreSkippedWithANote) {
  const auto ruleset = formats::ReadRuleset(kPolicies +
                                                "-A FORWARD -4 -s 10.0.0.0/8 -j ACCEPT\n"
                                                "-A FORWARD -6 -s fe80::/10 -j ACCEPT\n"
                                                "COMMIT\n",
                                            "t.rules", "", {});
  EXPECT_EQ(ruleset.families, std::vector<core::Family>{core::Family::kIPv4});
  EXPECT_EQ(RuleLines(ruleset, "FORWARD"), (std::vector<int>{5}));
  ASSERT_EQ(ruleset.notes.size(), 1u);
  EXPECT_EQ(ruleset.notes[0], "t.rules:6: a rule marked -6 is not part of an ipv4 ruleset (iptables-restore skips it)");
}

TEST(IptablesSave, ReadsWhatRealDumpsHold) {
  const auto ipsets = formats::ParseIpsetSave("create blocked hash:net family inet\nadd blocked 10.66.0.0/16\n", "s");
  formats::ReadOptions options;
  options.ipsets = &ipsets;
  const std::string text =
      "# Generated by iptables-save v1.8.7 on Mon Jan  1 00:00:00 2024\n"
      "*filter\n:INPUT DROP [12:3456]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
      "[1:2] -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
      "-A FORWARD -m comment --comment \"a \\\"quoted\\\" comment, with -j DROP inside\" -j LOG --log-prefix "
      "\"fw drop: \" --log-level 4\n"
      "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu\n"
      "-A FORWARD -m addrtype --dst-type LOCAL -m physdev --physdev-in eth1 -m mac --mac-source "
      "00:11:22:33:44:55 -j CT --notrack\n"
      "-A FORWARD -f -j DROP\n"
      "-A FORWARD ! -p tcp -j REJECT --reject-with icmp-port-unreachable\n"
      "-A FORWARD -m set ! --match-set blocked src -p tcp -m tcp ! --dport ssh -j ACCEPT\n"
      "-A FORWARD -p icmp -m icmp --icmp-type echo-request -j ACCEPT\n"
      "-A OUTPUT -m owner --uid-owner 0 -j ACCEPT\n"
      "COMMIT\n"
      "# Completed on Mon Jan  1 00:00:00 2024\n";
  const auto accepted = Accepted(text, Hook::kForward, options);
  EXPECT_TRUE(Tcp("10.1.0.1/32", "10.0.0.1/32", 80).Intersects(accepted));  // unless a fragment, ...
  EXPECT_FALSE(Tcp("10.1.0.1/32", "10.0.0.1/32", 22).Intersects(accepted));
  EXPECT_FALSE(Tcp("10.66.0.1/32", "10.0.0.1/32", 80).Intersects(accepted));
}

TEST(IptablesSave, UnknownOptionIsAnErrorAtItsColumn) {
  EXPECT_EQ(Errors(kPolicies + "-A FORWARD --bogus 1 -j ACCEPT\nCOMMIT\n"),
            "t.rules:5:12: error: unknown option '--bogus'\n");
  EXPECT_EQ(Errors(kPolicies + "-A FORWARD -p tcp -Q -j ACCEPT\nCOMMIT\n"),
            "t.rules:5:19: error: unknown option '-Q'\n");
}

TEST(IptablesSave, AFileWithNoTableIsRefused) {
  EXPECT_EQ(Errors("# nothing here\n"),
            "t.rules:1:1: error: no table in the file (an iptables dump has a line like *filter): nothing to audit\n");
}

// The parser looks options up in one table of spellings: a long spelling reads as its short one.
TEST(IptablesSave, LongAndShortSpellingsReadAlike) {
  const std::string head = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:WEB - [0:0]\n";
  const std::string tail = "-A WEB -s 10.2.9.0/24 -j RETURN\n-A WEB -j ACCEPT\nCOMMIT\n";
  const std::string short_spellings =
      "-A FORWARD -4 -s 10.1.0.0/16 -d 10.0.0.1 -p tcp -m tcp --sport 1024:65535 --dport 443 -i eth0 -o eth1 "
      "-m conntrack --ctstate NEW -c 1 2 -v -j ACCEPT\n"
      "-A FORWARD -s 10.2.0.0/16 -p udp -m multiport --sports 53,123 --dports 53,123 -g WEB\n"
      "-A FORWARD -s 10.3.0.0/16 ! -f -p tcp --dport 80 -j ACCEPT\n";
  const std::string long_spellings =
      "--append FORWARD --ipv4 --source 10.1.0.0/16 --destination 10.0.0.1 --protocol tcp --match tcp "
      "--source-port 1024:65535 --destination-port 443 --in-interface eth0 --out-interface eth1 "
      "--match state --state NEW --set-counters 1,2 --verbose --jump ACCEPT\n"
      "--append FORWARD --src 10.2.0.0/16 --protocol udp --match multiport --source-ports 53,123 "
      "--destination-ports 53,123 --goto WEB\n"
      "--append FORWARD --src 10.3.0.0/16 ! --fragment --protocol tcp --destination-port 80 --jump ACCEPT\n";
  const auto accepted = Accepted(head + short_spellings + tail);
  EXPECT_FALSE(accepted.Empty());
  EXPECT_EQ(accepted, Accepted(head + long_spellings + tail));
  EXPECT_EQ(Errors(head + short_spellings + tail), "");
  EXPECT_EQ(Errors(head + long_spellings + tail), "");
}

// A long option the table does not list, after a modelled module, is one free variable; an option
// no module takes is an error at its own column.
TEST(IptablesSave, UnlistedOptionsAreUnmodelledOrRefused) {
  const std::string head = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n";
  const auto ruleset = formats::ReadRuleset(head + "-A FORWARD -p tcp --tcp-flags SYN,ACK SYN -j ACCEPT\nCOMMIT\n",
                                            "t.rules", "iptables", {});
  ASSERT_EQ(ruleset.chains.size(), 3u);
  const auto& forward = ruleset.chains[static_cast<std::size_t>(ruleset.FindChain("FORWARD"))];
  ASSERT_EQ(forward.rules.size(), 1u);
  EXPECT_EQ(forward.rules[0].unmodelled, std::vector<std::string>{"--tcp-flags SYN,ACK SYN"});
  EXPECT_EQ(Errors(head + "-A FORWARD --tcp-flags SYN,ACK SYN -j ACCEPT\nCOMMIT\n"),
            "t.rules:5:12: error: unknown option '--tcp-flags'\n");
  EXPECT_EQ(Errors(head + "-A FORWARD -p tcp tcp -j ACCEPT\nCOMMIT\n"),
            "t.rules:5:19: error: 'tcp': expected an option\n");
}

}  // namespace
}  // namespace portolan::audit
