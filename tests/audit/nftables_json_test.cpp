// Reading `nft -j list ruleset`: every construct the audit models, priorities across base chains
// (numbers, and nft(8)'s names), conntrack keys and ICMP codes on a real dump, free variables for
// what it cannot model, and errors with line:column and the JSON path.

#include <gtest/gtest.h>

#include "audit/analysis.hpp"
#include "audit/formats/formats.hpp"
#include "core/atomic_file.hpp"
#include "support/test_support.hpp"

namespace portolan::audit {
namespace {

core::Network Net(const char* text) {
  return *core::ParseNetwork(text);
}

PacketSet Packet(const char* from, const char* to, int protocol, int port, CtState state = CtState::kNew) {
  auto set = PacketSet::Source(Net(from)) & PacketSet::Destination(Net(to)) & PacketSet::Protocol(protocol) &
             PacketSet::State(state) & PacketSet::WellFormed() & PacketSet::InInterface(0) & PacketSet::OutInterface(0);
  if (ProtocolHasPorts(protocol)) set &= PacketSet::DestinationPorts(port, port);
  return set;
}

PacketSet Tcp(const char* from, const char* to, int port) {
  return Packet(from, to, kProtocolTcp, port);
}

PacketSet Icmp(const char* from, const char* to, int type, int code, CtState state = CtState::kNew) {
  const bool v6 = core::ParseNetwork(from)->family == core::Family::kIPv6;
  return Packet(from, to, v6 ? kProtocolIcmpV6 : kProtocolIcmp, 0, state) & PacketSet::IcmpType(type, code);
}

// Some values of the free variables, not all.
bool Uncertain(const PacketSet& packet, const PacketSet& set) {
  return packet.Intersects(set) && !packet.SubsetOf(set);
}

std::string DataFile(const char* name) {
  return core::ReadFile(testing::SourceDir() / "tests" / "data" / "audit" / name);
}

// A whole dump from table, chain and rule lines, as nft -j writes them.
std::string Dump(const std::vector<std::string>& items) {
  std::string text = R"({"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}})";
  for (const auto& item : items) text += ", " + item;
  return text + "]}";
}

std::string Table(const std::string& family = "inet", const std::string& name = "f") {
  return R"({"table": {"family": ")" + family + R"(", "name": ")" + name + R"(", "handle": 1}})";
}

// `prio` is the JSON value: a number, or a quoted name.
std::string BaseChainPrio(const std::string& name, const std::string& hook, const std::string& prio,
                          const std::string& policy, const std::string& family = "inet",
                          const std::string& table = "f") {
  return R"({"chain": {"family": ")" + family + R"(", "table": ")" + table + R"(", "name": ")" + name +
         R"(", "type": "filter", "hook": ")" + hook + R"(", "prio": )" + prio + R"(, "policy": ")" + policy + R"("}})";
}

std::string BaseChain(const std::string& name, const std::string& hook, int prio, const std::string& policy,
                      const std::string& family = "inet", const std::string& table = "f") {
  return BaseChainPrio(name, hook, std::to_string(prio), policy, family, table);
}

std::string UserChain(const std::string& name) {
  return R"({"chain": {"family": "inet", "table": "f", "name": ")" + name + R"("}})";
}

std::string RuleIn(const std::string& chain, const std::string& expr, const std::string& family = "inet",
                   const std::string& table = "f") {
  return R"({"rule": {"family": ")" + family + R"(", "table": ")" + table + R"(", "chain": ")" + chain +
         R"(", "expr": [)" + expr + "]}}";
}

Ruleset Read(const std::string& text) {
  return formats::ReadRuleset(text, "t.json", "", {});
}

PacketSet Accepted(const std::string& text, Hook hook = Hook::kForward) {
  return Evaluate(Read(text)).hooks.at(hook).accepted;
}

std::string Errors(const std::string& text) {
  try {
    formats::ReadRuleset(text, "t.json", "nftables-json", {});
  } catch (const core::InputError& error) {
    return error.diagnostics().ToString();
  }
  return "";
}

const char* kAccept = R"({"accept": null})";
const char* kDrop = R"({"drop": null})";

std::string MatchOf(const std::string& left, const std::string& right, const std::string& op = "==") {
  return R"({"match": {"op": ")" + op + R"(", "left": )" + left + R"(, "right": )" + right + "}}";
}

const char* kSaddr = R"({"payload": {"protocol": "ip", "field": "saddr"}})";
const char* kDaddr = R"({"payload": {"protocol": "ip", "field": "daddr"}})";
const char* kTcpDport = R"({"payload": {"protocol": "tcp", "field": "dport"}})";

TEST(NftablesJson, DetectedFromTheContent) {
  const auto* format = formats::DetectRulesetFormat("\n  {\n \"nftables\": []}");
  ASSERT_NE(format, nullptr);
  EXPECT_EQ(format->id, "nftables-json");
  EXPECT_NE(formats::DetectRulesetFormat(R"({"SecurityGroups": []})"), formats::FindRulesetFormat("nftables-json"));
}

TEST(NftablesJson, PrefixesRangesSetsAndNegation) {
  const auto text =
      Dump({Table(), BaseChain("fw", "forward", 0, "drop"),
            R"({"set": {"family": "inet", "table": "f", "name": "web", "type": "ipv4_addr",
                              "flags": ["interval"], "elem": [{"prefix": {"addr": "10.0.0.0", "len": 24}},
                              {"range": ["10.1.0.1", "10.1.0.9"]}, "192.168.1.1"]}})",
            RuleIn("fw", MatchOf(kDaddr, "\"@web\"") + "," +
                             MatchOf(kTcpDport, R"({"set": [80, {"range": [8000, 8010]}]})") + "," + kAccept),
            RuleIn("fw", MatchOf(kSaddr, R"({"prefix": {"addr": "10.9.0.0", "len": 16}})", "!=") + "," +
                             MatchOf(kTcpDport, "22") + "," + kAccept),
            RuleIn("fw", MatchOf(kTcpDport, "60000", ">") + "," + kAccept)});
  const auto accepted = Accepted(text);
  EXPECT_TRUE(Tcp("1.1.1.1/32", "10.0.0.7/32", 80).SubsetOf(accepted));
  EXPECT_TRUE(Tcp("1.1.1.1/32", "10.1.0.9/32", 8010).SubsetOf(accepted));
  EXPECT_TRUE(Tcp("1.1.1.1/32", "192.168.1.1/32", 8000).SubsetOf(accepted));
  EXPECT_FALSE(Tcp("1.1.1.1/32", "10.1.0.10/32", 80).Intersects(accepted));
  EXPECT_FALSE(Tcp("1.1.1.1/32", "10.0.0.7/32", 443).Intersects(accepted));
  EXPECT_TRUE(Tcp("10.8.0.1/32", "10.5.0.1/32", 22).SubsetOf(accepted));
  EXPECT_FALSE(Tcp("10.9.3.1/32", "10.5.0.1/32", 22).Intersects(accepted));
  // != keeps the dependency: an IPv6 packet has no ip saddr and does not match.
  EXPECT_FALSE(Tcp("2001:db8::1/128", "2001:db8::2/128", 22).Intersects(accepted));
  EXPECT_TRUE(Tcp("1.1.1.1/32", "2.2.2.2/32", 60001).SubsetOf(accepted));
  EXPECT_FALSE(Tcp("1.1.1.1/32", "2.2.2.2/32", 60000).Intersects(accepted));
  EXPECT_FALSE(Packet("1.1.1.1/32", "2.2.2.2/32", kProtocolUdp, 60001).Intersects(accepted));
}

TEST(NftablesJson, JumpGotoReturnAndVerdictMaps) {
  const auto text = Dump(
      {Table(), BaseChain("fw", "forward", 0, "drop"), UserChain("web"), UserChain("deny"),
       R"({"map": {"family": "inet", "table": "f", "name": "vm", "type": "inet_service", "map": "verdict",
           "elem": [[22, {"accept": null}], [23, {"drop": null}], [{"range": [1000, 2000]}, {"jump": {"target": "web"}}]]}})",
       RuleIn("fw", MatchOf(kDaddr, "\"10.0.0.1\"") + R"(, {"vmap": {"key": )" + kTcpDport + R"(, "data": "@vm"}})"),
       RuleIn("fw", MatchOf(kTcpDport, "25") + R"(, {"goto": {"target": "deny"}})"),
       RuleIn("fw", MatchOf(kTcpDport, R"({"set": [23, 25]})") + "," + kAccept),
       RuleIn("fw", R"({"vmap": {"key": {"payload": {"protocol": "udp", "field": "dport"}}, "data": {"set": [[53,
                    {"accept": null}], [{"range": [54, 60]}, {"drop": null}]]}}})"),
       RuleIn("web", MatchOf(kSaddr, R"({"prefix": {"addr": "10.5.0.0", "len": 16}})") + R"(, {"return": null})"),
       RuleIn("web", std::string(R"({"counter": {"packets": 0, "bytes": 0}})") + "," + kAccept),
       RuleIn("deny", MatchOf(kSaddr, R"({"prefix": {"addr": "10.6.0.0", "len": 16}})") + "," + kDrop)});
  const auto accepted = Accepted(text);
  EXPECT_TRUE(Tcp("1.1.1.1/32", "10.0.0.1/32", 22).SubsetOf(accepted));
  EXPECT_TRUE(Tcp("1.1.1.1/32", "10.0.0.1/32", 1500).SubsetOf(accepted));
  EXPECT_FALSE(Tcp("10.5.0.1/32", "10.0.0.1/32", 1500).Intersects(accepted));  // RETURN, then the policy
  // The map drops 23 for 10.0.0.1 before the later accept; for other addresses the accept wins.
  EXPECT_FALSE(Tcp("1.1.1.1/32", "10.0.0.1/32", 23).Intersects(accepted));
  EXPECT_TRUE(Tcp("1.1.1.1/32", "10.0.0.2/32", 23).SubsetOf(accepted));
  // goto: a miss in deny ends at fw's policy, never at the accept after the goto.
  EXPECT_FALSE(Tcp("1.1.1.1/32", "10.0.0.2/32", 25).Intersects(accepted));
  EXPECT_TRUE(Packet("1.1.1.1/32", "10.0.0.2/32", kProtocolUdp, 53).SubsetOf(accepted));
  EXPECT_FALSE(Packet("1.1.1.1/32", "10.0.0.2/32", kProtocolUdp, 55).Intersects(accepted));
}

TEST(NftablesJson, ConcatenationsInNamedAndAnonymousSets) {
  const std::string concat = R"({"concat": [)" + std::string(kSaddr) + "," + kTcpDport + "]}";
  const auto text = Dump({Table(), BaseChain("fw", "forward", 0, "drop"),
                          R"({"set": {"family": "inet", "table": "f", "name": "svc", "type": ["ipv4_addr",
                              "inet_service"], "flags": ["interval"], "elem": [{"concat": ["10.0.0.1", 22]},
                              {"concat": [{"prefix": {"addr": "10.2.0.0", "len": 24}}, {"range": [1000, 2000]}]}]}})",
                          RuleIn("fw", MatchOf(concat, "\"@svc\"") + "," + kAccept),
                          RuleIn("fw", MatchOf(concat, R"({"set": [{"concat": ["10.3.0.1", 80]}]})") + "," + kAccept)});
  const auto accepted = Accepted(text);
  EXPECT_TRUE(Tcp("10.0.0.1/32", "9.9.9.9/32", 22).SubsetOf(accepted));
  EXPECT_FALSE(Tcp("10.0.0.1/32", "9.9.9.9/32", 1000).Intersects(accepted));
  EXPECT_TRUE(Tcp("10.2.0.77/32", "9.9.9.9/32", 1999).SubsetOf(accepted));
  EXPECT_FALSE(Tcp("10.2.0.77/32", "9.9.9.9/32", 22).Intersects(accepted));
  EXPECT_TRUE(Tcp("10.3.0.1/32", "9.9.9.9/32", 80).SubsetOf(accepted));
  EXPECT_FALSE(Tcp("10.3.0.1/32", "9.9.9.9/32", 22).Intersects(accepted));
}

TEST(NftablesJson, BaseChainsOnOneHookRunInPriorityOrderAndFamiliesPassOtherTables) {
  // An accept at priority -10 does not skip the drop at priority 10; the ip table's drop policy
  // does not touch IPv6 packets.
  const auto text =
      Dump({Table("inet", "a"), Table("ip", "b"), BaseChain("early", "forward", -10, "accept", "inet", "a"),
            BaseChain("late", "forward", 10, "drop", "ip", "b"),
            RuleIn("early", MatchOf(kTcpDport, "22") + "," + kAccept, "inet", "a"),
            RuleIn("late", MatchOf(kTcpDport, "80") + "," + kAccept, "ip", "b")});
  const auto ruleset = Read(text);
  EXPECT_EQ(ruleset.families.size(), 2U);
  const auto accepted = Evaluate(ruleset).hooks.at(Hook::kForward).accepted;
  EXPECT_FALSE(Tcp("1.1.1.1/32", "2.2.2.2/32", 22).Intersects(accepted));
  EXPECT_TRUE(Tcp("1.1.1.1/32", "2.2.2.2/32", 80).SubsetOf(accepted));
  EXPECT_TRUE(Tcp("2001:db8::1/128", "2001:db8::2/128", 22).SubsetOf(accepted));
  // A drop in an earlier chain is final.
  const auto dropping =
      Dump({Table(), BaseChain("early", "forward", -10, "accept"), BaseChain("late", "forward", 10, "accept"),
            RuleIn("early", MatchOf(kTcpDport, "22") + "," + kDrop),
            RuleIn("late", MatchOf(kTcpDport, "22") + "," + kAccept)});
  EXPECT_FALSE(Tcp("1.1.1.1/32", "2.2.2.2/32", 22).Intersects(Accepted(dropping)));
  // A prerouting chain runs before the forward chain whatever its priority.
  const auto pre =
      Dump({Table(), BaseChain("fw", "forward", -400, "accept"), BaseChain("pre", "prerouting", 0, "accept"),
            RuleIn("pre", MatchOf(kSaddr, "\"1.2.3.4\"") + "," + kDrop)});
  EXPECT_FALSE(Tcp("1.2.3.4/32", "2.2.2.2/32", 22).Intersects(Accepted(pre)));
  EXPECT_FALSE(Tcp("1.2.3.4/32", "2.2.2.2/32", 22).Intersects(Accepted(pre, Hook::kInput)));
  EXPECT_TRUE(Tcp("1.2.3.4/32", "2.2.2.2/32", 22).SubsetOf(Accepted(pre, Hook::kOutput)));
}

TEST(NftablesJson, StatesInterfacesProtocolsAndIcmp) {
  const auto text =
      Dump({Table(), BaseChain("in", "input", 0, "drop"),
            RuleIn("in", MatchOf(R"({"ct": {"key": "state"}})", R"(["established", "related"])", "in") + "," + kAccept),
            RuleIn("in", MatchOf(R"({"meta": {"key": "iifname"}})", R"("lo")") + "," + kAccept),
            RuleIn("in", MatchOf(R"({"meta": {"key": "l4proto"}})", R"({"set": ["gre", 50]})") + "," + kAccept),
            RuleIn("in", MatchOf(R"({"payload": {"protocol": "icmpv6", "field": "type"}})",
                                 R"({"set": ["echo-request", "nd-neighbor-solicit"]})") +
                             "," + kAccept),
            RuleIn("in", MatchOf(R"({"meta": {"key": "l4proto"}})", R"({"set": ["tcp", "udp"]})") + "," +
                             MatchOf(R"({"payload": {"protocol": "th", "field": "dport"}})", "53") + "," + kAccept)});
  const auto accepted = Accepted(text, Hook::kInput);
  EXPECT_TRUE(Tcp("1.1.1.1/32", "2.2.2.2/32", 4000).Intersects(accepted) == false);
  EXPECT_TRUE((PacketSet::State(CtState::kEstablished) & PacketSet::WellFormed()).SubsetOf(accepted));
  EXPECT_TRUE((PacketSet::InInterface(kLoopbackCode) & PacketSet::WellFormed()).SubsetOf(accepted));
  EXPECT_TRUE(Packet("1.1.1.1/32", "2.2.2.2/32", 47, 0).SubsetOf(accepted));
  EXPECT_TRUE(Packet("1.1.1.1/32", "2.2.2.2/32", 50, 0).SubsetOf(accepted));
  EXPECT_TRUE(
      (Packet("2001:db8::1/128", "2001:db8::2/128", kProtocolIcmpV6, 0) & PacketSet::IcmpType(135, std::nullopt))
          .SubsetOf(accepted));
  EXPECT_FALSE(
      (Packet("2001:db8::1/128", "2001:db8::2/128", kProtocolIcmpV6, 0) & PacketSet::IcmpType(129, std::nullopt))
          .Intersects(accepted));
  EXPECT_TRUE(Packet("1.1.1.1/32", "2.2.2.2/32", kProtocolUdp, 53).SubsetOf(accepted));
  EXPECT_TRUE(Tcp("1.1.1.1/32", "2.2.2.2/32", 53).SubsetOf(accepted));
}

TEST(NftablesJson, UnmodelledMatchesAreFreeVariablesNamedWithTheRule) {
  const auto text =
      Dump({Table(), BaseChain("fw", "forward", 0, "drop"),
            R"({"set": {"family": "inet", "table": "f", "name": "dyn", "type": "ipv4_addr", "flags": ["timeout"]}})",
            RuleIn("fw", MatchOf(R"({"meta": {"key": "mark"}})", "1") + "," + kAccept),
            RuleIn("fw", MatchOf(kTcpDport, "22") + R"(, {"limit": {"rate": 5, "per": "second"}}, )" + kAccept),
            RuleIn("fw", MatchOf(kSaddr, "\"@dyn\"") + "," + kAccept)});
  const auto ruleset = Read(text);
  const auto& rules = ruleset.chains[ruleset.FindChain("inet f/fw")].rules;
  ASSERT_EQ(rules.size(), 3U);
  EXPECT_EQ(rules[0].unmodelled, std::vector<std::string>{"mark 1"});
  EXPECT_EQ(rules[1].unmodelled, std::vector<std::string>{"limit rate 5/second"});
  ASSERT_EQ(rules[2].unmodelled.size(), 1U);
  EXPECT_NE(rules[2].unmodelled[0].find("@dyn"), std::string::npos);
  const auto accepted = Evaluate(ruleset).hooks.at(Hook::kForward).accepted;
  const auto packet = Tcp("1.1.1.1/32", "2.2.2.2/32", 22);
  // Accepted for some values of the free variables, not for all: both directions are kept.
  EXPECT_TRUE(packet.Intersects(accepted));
  EXPECT_FALSE(packet.SubsetOf(accepted));
  EXPECT_EQ(rules[1].text, "tcp dport 22 limit rate 5/second accept");
}

TEST(NftablesJson, NatAndOtherFamiliesAreNotesAndAnEmptyRulesetFiltersNothing) {
  const auto text = Dump({Table("ip", "nat"), Table("bridge", "br"),
                          R"({"chain": {"family": "ip", "table": "nat", "name": "post", "type": "nat",
                              "hook": "postrouting", "prio": 100, "policy": "accept"}})",
                          RuleIn("post", R"({"masquerade": null})", "ip", "nat")});
  const auto ruleset = Read(text);
  EXPECT_EQ(ruleset.notes.size(), 2U);
  EXPECT_TRUE(ruleset.chains.empty());
  const auto empty = Read(Dump({}));
  EXPECT_EQ(empty.families.size(), 2U);
  EXPECT_FALSE(Evaluate(empty).hooks.at(Hook::kForward).attached);
}

TEST(NftablesJson, RulesAreLocatedAndPrintedInNftSyntax) {
  const auto ruleset = Read(core::ReadFile(testing::SourceDir() / "tests" / "data" / "audit" / "nftables-rich.json"));
  const auto& chain = ruleset.chains[ruleset.FindChain("inet f/fw")];
  ASSERT_GT(chain.rules.size(), 3U);
  EXPECT_EQ(chain.rules[0].text, "ct state established,related accept");
  EXPECT_EQ(chain.rules[2].text,
            R"(iifname eth* oifname != lo ip daddr @web tcp dport { 80, 443 } counter log prefix "x " accept)");
  EXPECT_EQ(chain.rules[0].where.line, 1);
  EXPECT_GT(chain.rules[1].where.column, chain.rules[0].where.column);
  EXPECT_EQ(chain.policy, Action::kDrop);
}

TEST(NftablesJson, TheKernelsOwnDumpReadsAndEvaluates) {
  const auto ruleset = Read(core::ReadFile(testing::SourceDir() / "tests" / "data" / "audit" / "nftables-rich.json"));
  const auto accepted = Evaluate(ruleset).hooks.at(Hook::kForward).accepted;
  EXPECT_TRUE(Tcp("10.0.0.1/32", "9.9.9.9/32", 22).SubsetOf(accepted));       // @svc
  EXPECT_TRUE(Tcp("10.0.0.5/32", "9.9.9.9/32", 1500).SubsetOf(accepted));     // @svcr
  EXPECT_TRUE(Tcp("1.1.1.1/32", "10.9.0.2/32", 8080).SubsetOf(accepted));     // anonymous concatenation
  EXPECT_FALSE(Tcp("1.2.3.4/32", "10.9.0.2/32", 8080).Intersects(accepted));  // dropped in prerouting
}

TEST(NftablesJson, ErrorsNameLineColumnAndJsonPath) {
  EXPECT_EQ(Errors("{\"nftables\": [\n  {\"table\": }\n]}"),
            "t.json:2:13: error: malformed JSON: syntax error while parsing value - unexpected '}'; expected '[', "
            "'{', or a literal\n");
  EXPECT_EQ(Errors("[]"), "t.json:1:1: error: expected {\"nftables\": [...]} as nft -j list ruleset writes it\n");
  const auto bad_port =
      Dump({Table(), BaseChain("fw", "forward", 0, "drop"), RuleIn("fw", MatchOf(kTcpDport, "70000") + "," + kAccept)});
  const auto errors = Errors(bad_port);
  EXPECT_NE(errors.find("error: nftables[3].rule.expr[0].match.right: '70000' is not a port"), std::string::npos)
      << errors;
  const auto column = bad_port.find("70000") + 1;
  EXPECT_NE(errors.find("t.json:1:" + std::to_string(column) + ":"), std::string::npos) << errors;
  const auto unknown = Dump({Table(), BaseChain("fw", "forward", 0, "drop"), RuleIn("fw", R"({"frobnicate": 1})"),
                             RuleIn("fw", R"({"jump": {"target": "nowhere"}})")});
  const auto unknown_errors = Errors(unknown);
  EXPECT_NE(unknown_errors.find("nftables[3].rule.expr[0].frobnicate: unknown statement 'frobnicate'"),
            std::string::npos)
      << unknown_errors;
  EXPECT_NE(unknown_errors.find("nftables[4].rule.expr[0]: no chain nowhere in table inet f"), std::string::npos)
      << unknown_errors;
}

// Found by nftables_json_fuzzer: the rule's text was printed before its statements were checked,
// and a match whose "op" (or a log whose "prefix") is not a string threw out of the JSON library
// instead of giving an error with a line and column.
TEST(NftablesJson, AnOperatorOrLogPrefixThatIsNotAStringIsAnErrorNotACrash) {
  const auto bad_op = Dump({Table(), BaseChain("fw", "forward", 0, "drop"),
                            RuleIn("fw", R"({"match": {"op": 7, "left": {"payload": {"protocol": "tcp", "field": )"
                                         R"("dport"}}, "right": 22}}, {"accept": null})")});
  ASSERT_NE(bad_op.find(R"("op": 7)"), std::string::npos) << bad_op;
  std::string errors;
  EXPECT_NO_THROW(errors = Errors(bad_op));
  EXPECT_NE(errors.find(": error: nftables[3].rule.expr[0].match.op: "), std::string::npos) << errors;
  // A log statement filters nothing: its odd prefix is shown as it is.
  const auto odd_log = Dump({Table(), BaseChain("fw", "forward", 0, "drop"),
                             RuleIn("fw", std::string(R"({"log": {"prefix": ["x"]}},)") + kAccept)});
  EXPECT_NO_THROW(errors = Errors(odd_log));
  EXPECT_EQ(errors, "");
  EXPECT_NE(Read(odd_log).chains.at(0).rules.at(0).text.find(R"(log prefix "["x"]")"), std::string::npos);
}

TEST(NftablesJson, ErrorsInANamedSetAndInAPrettyPrintedDumpAreLocatedWhereTheyStand) {
  // nft -j | jq writes one value a line: the error is at the element of the set, on its own line,
  // not at the rule that names the set.
  const std::string text = R"({
  "nftables": [
    {"table": {"family": "inet", "name": "f"}},
    {"chain": {"family": "inet", "table": "f", "name": "fw", "type": "filter", "hook": "forward",
               "prio": 0, "policy": "drop"}},
    {"set": {"family": "inet", "table": "f", "name": "web", "type": "ipv4_addr",
             "elem": [
               "10.0.0.1",
               "10.0.0.300"
             ]}},
    {"rule": {"family": "inet", "table": "f", "chain": "fw",
              "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}},
                                  "right": "@web"}}, {"accept": null}]}}
  ]
})";
  EXPECT_EQ(Errors(text), "t.json:9:16: error: nftables[2].set.elem[1]: '10.0.0.300' is not an ipv4 address\n");
  // Without the error, the rule is located at the line and column where its object starts.
  auto fixed = text;
  fixed.replace(fixed.find("10.0.0.300"), 10, "10.0.0.30");
  const auto ruleset = Read(fixed);
  const auto& rule = ruleset.chains[ruleset.FindChain("inet f/fw")].rules.at(0);
  EXPECT_EQ(rule.where.line, 11);
  EXPECT_EQ(rule.where.column, 5);
  EXPECT_EQ(ruleset.chains[ruleset.FindChain("inet f/fw")].where.line, 4);
}

TEST(NftablesJson, PrioritiesOfTheKernelsDumpAndNftsNamesForThem) {
  // tests/data/audit/nftables-ct-icmp.nft names its priorities; nft -j wrote the numbers. The
  // same names, written into the JSON by hand, read as the numbers nft computed for them.
  struct Case {
    const char* chain;
    const char* hook;
    const char* name;
    int value;  // as nft -j wrote it
  };
  const Case cases[] = {{"raw_pre", "prerouting", "raw - 5", -305},    {"nat_pre", "prerouting", "dstnat + 10", -90},
                        {"mangle_in", "input", "mangle + 5", -145},    {"sec_out", "output", "security", 50},
                        {"nat_post", "postrouting", "srcnat - 1", 99}, {"fw", "forward", "filter - 10", -10}};
  const auto dump = Read(DataFile("nftables-ct-icmp.json"));
  auto priority_of = [](const Ruleset& ruleset, const std::string& chain) {
    const int index = ruleset.FindChain(chain);
    for (const auto& attachment : ruleset.attachments)
      if (attachment.chain == index) return attachment.priority;
    ADD_FAILURE() << chain << " is attached nowhere";
    return 0;
  };
  for (const auto& c : cases) {
    EXPECT_EQ(priority_of(dump, std::string("inet g/") + c.chain), c.value) << c.chain;
    const auto named = Read(Dump({Table(), BaseChainPrio("c", c.hook, std::string("\"") + c.name + "\"", "accept")}));
    EXPECT_EQ(priority_of(named, "inet f/c"), c.value) << c.name;
  }
  EXPECT_EQ(priority_of(Read(Dump({Table(), BaseChainPrio("c", "input", "\"filter\"", "accept")})), "inet f/c"), 0);
}

TEST(NftablesJson, PrioritiesNftDoesNotDefineAreErrorsAtThePriority) {
  auto error_of = [](const std::string& hook, const std::string& prio) {
    const auto text = Dump({Table(), BaseChainPrio("c", hook, prio, "accept")});
    const auto errors = Errors(text);
    const auto column = text.find("\"prio\": ") + 9;
    EXPECT_NE(errors.find("t.json:1:" + std::to_string(column) + ": error: nftables[2].chain.prio: "),
              std::string::npos)
        << errors;
    return errors;
  };
  EXPECT_NE(error_of("forward", "\"dstnat\"").find("dstnat is a priority of prerouting chains only"),
            std::string::npos);
  EXPECT_NE(error_of("input", "\"srcnat + 1\"").find("srcnat is a priority of postrouting chains only"),
            std::string::npos);
  EXPECT_NE(error_of("output", "\"out\"").find("out is a priority of bridge tables"), std::string::npos);
  EXPECT_NE(error_of("input", "\"filter * 2\"").find("such as \"filter - 10\""), std::string::npos);
  EXPECT_NE(error_of("input", "\"high\"").find("not a number or a standard priority name"), std::string::npos);
  EXPECT_NE(error_of("input", "4294967296").find("4294967296 is not a 32-bit chain priority"), std::string::npos);
  EXPECT_NE(error_of("input", "{\"+\": [\"filter\", 5]}").find("is not a chain priority on hook input"),
            std::string::npos);
}

TEST(NftablesJson, IcmpCodesOfTheKernelsDump) {
  const auto accepted = Accepted(DataFile("nftables-ct-icmp.json"));
  // icmp type destination-unreachable icmp code { port-unreachable, frag-needed }
  EXPECT_TRUE(Icmp("1.1.1.1/32", "2.2.2.2/32", 3, 3).SubsetOf(accepted));
  EXPECT_TRUE(Icmp("1.1.1.1/32", "2.2.2.2/32", 3, 4).SubsetOf(accepted));
  EXPECT_FALSE(Icmp("1.1.1.1/32", "2.2.2.2/32", 3, 1).Intersects(accepted));
  EXPECT_FALSE(Icmp("1.1.1.1/32", "2.2.2.2/32", 11, 3).Intersects(accepted));
  // icmp code 1-2 ip daddr 10.0.7.0/24: a code of any type
  EXPECT_TRUE(Icmp("1.1.1.1/32", "10.0.7.1/32", 5, 1).SubsetOf(accepted));
  EXPECT_TRUE(Icmp("1.1.1.1/32", "10.0.7.1/32", 3, 2).SubsetOf(accepted));
  EXPECT_FALSE(Icmp("1.1.1.1/32", "10.0.7.1/32", 5, 3).Intersects(accepted));
  EXPECT_FALSE(Icmp("1.1.1.1/32", "10.0.7.1/32", 5, 0).Intersects(accepted));
  // icmp type echo-request icmp code < host-unreachable
  EXPECT_TRUE(Icmp("1.1.1.1/32", "2.2.2.2/32", 8, 0).SubsetOf(accepted));
  EXPECT_FALSE(Icmp("1.1.1.1/32", "2.2.2.2/32", 8, 1).Intersects(accepted));
  // icmpv6 type destination-unreachable icmpv6 code != no-route (invalid packets: ct l3proto
  // ipv6 at the end of the chain accepts only packets with a conntrack entry)
  const auto invalid = CtState::kInvalid;
  EXPECT_TRUE(Icmp("2001:db8::1/128", "2001:db8::2/128", 1, 4, invalid).SubsetOf(accepted));
  EXPECT_TRUE(Icmp("2001:db8::1/128", "2001:db8::2/128", 1, 3, invalid).SubsetOf(accepted));
  EXPECT_FALSE(Icmp("2001:db8::1/128", "2001:db8::2/128", 1, 0, invalid).Intersects(accepted));
  EXPECT_FALSE(Icmp("2001:db8::1/128", "2001:db8::2/128", 2, 4, invalid).Intersects(accepted));
  const auto ruleset = Read(DataFile("nftables-ct-icmp.json"));
  EXPECT_EQ(ruleset.chains[ruleset.FindChain("inet g/fw")].rules.at(4).text,
            "icmp type destination-unreachable icmp code { port-unreachable, frag-needed } accept");
  EXPECT_TRUE(ruleset.chains[ruleset.FindChain("inet g/fw")].rules.at(4).unmodelled.empty());
}

TEST(NftablesJson, ConntrackKeysOfTheKernelsDump) {
  const auto ruleset = Read(DataFile("nftables-ct-icmp.json"));
  const auto& rules = ruleset.chains[ruleset.FindChain("inet g/fw")].rules;
  ASSERT_EQ(rules.size(), 14U);
  const auto accepted = Evaluate(ruleset).hooks.at(Hook::kForward).accepted;
  using enum CtState;
  auto tcp = [](const char* to, CtState state, const char* from = "1.1.1.1/32") {
    return Packet(from, to, kProtocolTcp, 80, state);
  };
  // ct direction reply: a new packet is in the original direction; established and related ones
  // go either way (a free variable); invalid and untracked ones have no connection.
  EXPECT_FALSE(tcp("10.0.3.1/32", kNew).Intersects(rules[0].match));
  EXPECT_TRUE(Uncertain(tcp("10.0.3.1/32", kEstablished), rules[0].match));
  EXPECT_FALSE(tcp("10.0.3.1/32", kInvalid).Intersects(rules[0].match));
  EXPECT_EQ(rules[0].unmodelled, std::vector<std::string>{"ct direction reply (established and related packets)"});
  // ct mark 7 and ct mark != 7: free variables, both only for packets with a conntrack entry.
  EXPECT_TRUE(Uncertain(tcp("10.0.4.1/32", kNew), rules[1].match));
  EXPECT_TRUE(Uncertain(tcp("10.0.5.1/32", kNew), rules[2].match));
  EXPECT_FALSE(tcp("10.0.4.1/32", kInvalid).Intersects(rules[1].match));
  EXPECT_FALSE(tcp("10.0.5.1/32", kUntracked).Intersects(rules[2].match));
  EXPECT_FALSE(tcp("10.0.5.1/32", kInvalid).Intersects(accepted));
  EXPECT_EQ(rules[2].unmodelled, std::vector<std::string>{"ct mark != 7"});
  // ct protocol udp: the packet's protocol, but for related packets (an ICMP error of a UDP flow).
  EXPECT_TRUE(Packet("1.1.1.1/32", "10.0.6.1/32", kProtocolUdp, 53).SubsetOf(accepted));
  EXPECT_FALSE(tcp("10.0.6.1/32", kNew).Intersects(accepted));
  EXPECT_FALSE(Packet("1.1.1.1/32", "10.0.6.1/32", kProtocolUdp, 53, kInvalid).Intersects(rules[3].match));
  EXPECT_TRUE(Uncertain(Icmp("1.1.1.1/32", "10.0.6.1/32", 3, 3, kRelated), rules[3].match));
  EXPECT_FALSE(Icmp("1.1.1.1/32", "10.0.6.1/32", 3, 3, kNew).Intersects(rules[3].match));
  // ct state != { invalid, untracked } ... tcp dport 22
  EXPECT_TRUE(Packet("1.1.1.1/32", "10.0.8.1/32", kProtocolTcp, 22).SubsetOf(accepted));
  EXPECT_FALSE(Packet("1.1.1.1/32", "10.0.8.1/32", kProtocolTcp, 22, kInvalid).Intersects(accepted));
  // ct state & (related|new) == new
  EXPECT_TRUE(tcp("10.0.9.1/32", kNew).SubsetOf(rules[9].match));
  for (const auto state : {kEstablished, kRelated, kInvalid, kUntracked})
    EXPECT_FALSE(tcp("10.0.9.1/32", state).Intersects(rules[9].match));
  // ct state ! established,related
  for (const auto state : {kNew, kInvalid, kUntracked}) EXPECT_TRUE(tcp("10.0.10.1/32", state).SubsetOf(accepted));
  EXPECT_FALSE(tcp("10.0.10.1/32", kEstablished).Intersects(rules[10].match));
  // ct original ip saddr: a free variable, of IPv4 connections only.
  EXPECT_TRUE(Uncertain(tcp("10.0.12.1/32", kNew, "10.9.9.9/32"), rules[11].match));
  EXPECT_FALSE(tcp("10.0.12.1/32", kInvalid, "10.9.9.9/32").Intersects(rules[11].match));
  EXPECT_FALSE(Tcp("2001:db8::1/128", "2001:db8::2/128", 80).Intersects(rules[11].match));
  // ct state established,related accept; ct l3proto ipv6 accept (a conntrack entry needed)
  EXPECT_TRUE(tcp("2.2.2.2/32", kEstablished).SubsetOf(accepted));
  EXPECT_TRUE(Tcp("2001:db8::1/128", "2001:db8::2/128", 80).SubsetOf(accepted));
  EXPECT_FALSE(Packet("2001:db8::1/128", "2001:db8::2/128", kProtocolTcp, 80, kInvalid).Intersects(accepted));
  // A new packet from anywhere: ct original ip saddr may be 10.9.9.9 (the tuple is not the
  // packet's under NAT); an invalid one is dropped.
  EXPECT_TRUE(Uncertain(tcp("10.0.12.1/32", kNew), accepted));
  EXPECT_FALSE(tcp("10.0.12.1/32", kInvalid).Intersects(accepted));
  EXPECT_FALSE(tcp("2.2.2.2/32", kNew).Intersects(accepted));
}

TEST(NftablesJson, ConntrackStateComparesAsTheKernelComparesItsRegister) {
  // Each form as nft -j -f loads it (checked with nft --debug=netlink): == and != compare the
  // value, so a list or an OR of two states equals no state; "in" and "!" test flags; a set is
  // looked up; a verdict map on ct state has an element per state.
  const char* state = R"({"ct": {"key": "state"}})";
  auto matching = [&](const std::string& right, const std::string& op) {
    const auto text =
        Dump({Table(), BaseChain("fw", "forward", 0, "drop"), RuleIn("fw", MatchOf(state, right, op) + "," + kAccept)});
    return Read(text).chains[0].rules.at(0).match;
  };
  const auto established = Packet("1.1.1.1/32", "2.2.2.2/32", kProtocolTcp, 80, CtState::kEstablished);
  const auto fresh = Tcp("1.1.1.1/32", "2.2.2.2/32", 80);
  const auto invalid = Packet("1.1.1.1/32", "2.2.2.2/32", kProtocolTcp, 80, CtState::kInvalid);
  EXPECT_FALSE(established.Intersects(matching(R"(["established", "related"])", "==")));
  EXPECT_TRUE(established.SubsetOf(matching(R"(["established", "related"])", "!=")));
  EXPECT_TRUE(established.SubsetOf(matching(R"({"|": ["established", "related"]})", "!=")));
  EXPECT_TRUE(established.SubsetOf(matching(R"(["established", "related"])", "in")));
  EXPECT_FALSE(fresh.Intersects(matching(R"(["established", "related"])", "in")));
  EXPECT_FALSE(established.Intersects(matching(R"({"|": ["established", "related"]})", "!")));
  EXPECT_TRUE(invalid.SubsetOf(matching(R"({"|": ["established", "related"]})", "!")));
  EXPECT_TRUE(established.SubsetOf(matching(R"({"set": ["established", "related"]})", "in")));
  EXPECT_TRUE(invalid.SubsetOf(matching(R"({"set": ["established", "related"]})", "!=")));
  EXPECT_TRUE(fresh.SubsetOf(matching("8", "==")));
  EXPECT_FALSE(fresh.Intersects(matching("8", "!=")));
  const auto vmap =
      Dump({Table(), BaseChain("fw", "forward", 0, "accept"),
            RuleIn("fw", std::string(R"({"vmap": {"key": )") + state +
                             R"(, "data": {"set": [["invalid", {"drop": null}], ["new", {"accept": null}]]}}})")});
  EXPECT_FALSE(invalid.Intersects(Accepted(vmap)));
  EXPECT_TRUE(fresh.SubsetOf(Accepted(vmap)));
  EXPECT_NE(Errors(Dump({Table(), BaseChain("fw", "forward", 0, "drop"),
                         RuleIn("fw", MatchOf(state, "\"fresh\"") + "," + kAccept)}))
                .find("nftables[3].rule.expr[0].match.right: 'fresh' is not a conntrack state"),
            std::string::npos);
}

// tests/data/audit/nftables-map-keys.nft, loaded by nft 1.0.6 and dumped with nft -j: verdict maps
// keyed on free variables, concatenations with prefixes and ranges, and catch-all elements.
class NftablesMapKeys : public ::testing::Test {
 protected:
  void SetUp() override {
    ruleset_ = Read(DataFile("nftables-map-keys.json"));
    rules_ = &ruleset_.chains[ruleset_.FindChain("inet f/fw")].rules;
  }
  // The rule (a vmap element is one) whose text ends with `tail`.
  const Rule& RuleEndingWith(const std::string& tail) const {
    for (const auto& rule : *rules_)
      if (rule.text.ends_with(tail)) return rule;
    ADD_FAILURE() << "no rule ends with " << tail;
    return rules_->front();
  }
  Ruleset ruleset_;
  const std::vector<Rule>* rules_ = nullptr;
};

TEST_F(NftablesMapKeys, AVerdictMapKeyedOnAFreeVariableIsARulePerElement) {
  const auto& one = RuleEndingWith("mark vmap @marks [element 1 : accept]");
  const auto& two = RuleEndingWith("mark vmap @marks [element 2 : drop]");
  const auto& other = RuleEndingWith("mark vmap @marks [element * : jump sub]");
  EXPECT_EQ(one.action, Action::kAccept);
  EXPECT_EQ(two.action, Action::kDrop);
  EXPECT_EQ(other.action, Action::kJump);
  EXPECT_EQ(one.unmodelled, std::vector<std::string>{"mark 1"});
  const auto packet = Tcp("1.1.1.1/32", "10.9.0.1/32", 9999);
  for (const auto* rule : {&one, &two, &other}) EXPECT_TRUE(Uncertain(packet, rule->match));
  // One lookup: a packet meets one element, and the catch-all meets what no other element does.
  EXPECT_FALSE(one.match.Intersects(two.match));
  EXPECT_FALSE(one.match.Intersects(other.match));
  EXPECT_TRUE(packet.SubsetOf(one.match | two.match | other.match));
  // Every key the audit cannot see: meta pkttype, tcp flags, ip version, ct mark, a raw payload.
  EXPECT_EQ(RuleEndingWith("[element broadcast : drop]").unmodelled,
            std::vector<std::string>{"meta pkttype broadcast"});
  const auto& syn = RuleEndingWith("[element syn : jump sub]");
  EXPECT_EQ(syn.unmodelled, std::vector<std::string>{"tcp flags syn"});
  EXPECT_TRUE(Uncertain(packet, syn.match));
  EXPECT_FALSE(Packet("1.1.1.1/32", "10.9.0.1/32", kProtocolUdp, 53).Intersects(syn.match));  // tcp only
  const auto& version = RuleEndingWith("[element 4 : jump sub]");
  EXPECT_TRUE(Uncertain(packet, version.match));
  EXPECT_FALSE(Tcp("2001:db8::1/128", "2001:db8::2/128", 80).Intersects(version.match));
  EXPECT_EQ(RuleEndingWith("[element 167772161 : accept]").unmodelled, std::vector<std::string>{"@nh,96,32 167772161"});
}

TEST_F(NftablesMapKeys, RangesAndPrefixesInConcatenatedMapKeysAreExact) {
  // map pairs { type ipv4_addr . inet_service : verdict; flags interval; 10.0.0.0/8 . 80-90 : accept }
  const auto& pair = RuleEndingWith("ip daddr . tcp dport vmap @pairs [element 10.0.0.0/8 . 80-90 : accept]");
  EXPECT_TRUE(pair.unmodelled.empty());
  EXPECT_TRUE(Tcp("1.1.1.1/32", "10.2.3.4/32", 80).SubsetOf(pair.match));
  EXPECT_TRUE(Tcp("1.1.1.1/32", "10.2.3.4/32", 90).SubsetOf(pair.match));
  EXPECT_FALSE(Tcp("1.1.1.1/32", "10.2.3.4/32", 91).Intersects(pair.match));
  EXPECT_FALSE(Tcp("1.1.1.1/32", "11.2.3.4/32", 85).Intersects(pair.match));
  EXPECT_FALSE(Packet("1.1.1.1/32", "10.2.3.4/32", kProtocolUdp, 85).Intersects(pair.match));
  // and in an anonymous map: ip saddr . tcp dport vmap { 10.0.0.0/24 . 1000-2000 : accept, ... }
  const auto& anonymous = RuleEndingWith("[element 10.0.0.0/24 . 1000-2000 : accept]");
  EXPECT_TRUE(Tcp("10.0.0.9/32", "10.9.0.1/32", 1500).SubsetOf(anonymous.match));
  EXPECT_FALSE(Tcp("10.0.1.9/32", "10.9.0.1/32", 1500).Intersects(anonymous.match));
}

TEST_F(NftablesMapKeys, AConcatenationWithAFreeVariableKeyDependsOnItForTheRest) {
  // meta mark . tcp dport vmap @mixed { 0x7 . 443 : accept }: exact on the port, a free variable on the mark
  const auto& mixed = RuleEndingWith("mark . tcp dport vmap @mixed [element 7 . 443 : accept]");
  EXPECT_EQ(mixed.unmodelled, std::vector<std::string>{"mark 7"});
  EXPECT_TRUE(Uncertain(Tcp("1.1.1.1/32", "10.9.0.1/32", 443), mixed.match));
  EXPECT_FALSE(Tcp("1.1.1.1/32", "10.9.0.1/32", 444).Intersects(mixed.match));
  // ct mark . ip saddr { 0x1 . 10.0.0.1 }: ct mark needs a conntrack entry
  const auto& ct = RuleEndingWith("[element 1 . 10.0.0.1 : accept]");
  EXPECT_TRUE(Uncertain(Tcp("10.0.0.1/32", "10.9.0.1/32", 80), ct.match));
  EXPECT_FALSE(Tcp("10.0.0.2/32", "10.9.0.1/32", 80).Intersects(ct.match));
  EXPECT_FALSE(Packet("10.0.0.1/32", "10.9.0.1/32", kProtocolTcp, 80, CtState::kInvalid).Intersects(ct.match));
}

TEST_F(NftablesMapKeys, ACatchAllElementMeetsEveryKeyNoOtherElementHas) {
  // tcp dport vmap { 22 : accept, * : drop }: the lookup needs tcp, so udp never meets the catch-all.
  const auto& other = RuleEndingWith("tcp dport vmap { 22 : accept, * : drop } [element * : drop]");
  EXPECT_FALSE(Tcp("1.1.1.1/32", "10.9.0.1/32", 22).Intersects(other.match));
  EXPECT_TRUE(Tcp("1.1.1.1/32", "10.9.0.1/32", 23).SubsetOf(other.match));
  EXPECT_FALSE(Packet("1.1.1.1/32", "10.9.0.1/32", kProtocolUdp, 23).Intersects(other.match));
  // ct mark vmap { 0x10 : accept, * : drop }: only packets with a conntrack entry are looked up.
  const auto& ct = RuleEndingWith("ct mark vmap { 16 : accept, * : drop } [element * : drop]");
  EXPECT_TRUE(Uncertain(Tcp("1.1.1.1/32", "10.9.0.1/32", 80), ct.match));
  EXPECT_FALSE(Packet("1.1.1.1/32", "10.9.0.1/32", kProtocolTcp, 80, CtState::kInvalid).Intersects(ct.match));
  // set anyaddr { 10.0.0.1, * }: a set's catch-all holds every address.
  const auto& any = RuleEndingWith("ip saddr @anyaddr tcp dport 8443 accept");
  EXPECT_TRUE(Tcp("192.0.2.7/32", "10.9.0.1/32", 8443).SubsetOf(any.match));
  EXPECT_FALSE(Tcp("2001:db8::1/128", "2001:db8::2/128", 8443).Intersects(any.match));
}

TEST_F(NftablesMapKeys, AVerdictMapElementNeedsItsKeysProtocol) {
  // udp dport vmap { 53 : accept }: tcp port 53 is not looked up.
  const auto& dns = RuleEndingWith("udp dport vmap { 53 : accept } [element 53 : accept]");
  EXPECT_TRUE(Packet("1.1.1.1/32", "10.9.0.1/32", kProtocolUdp, 53).SubsetOf(dns.match));
  EXPECT_FALSE(Tcp("1.1.1.1/32", "10.9.0.1/32", 53).Intersects(dns.match));
  // ct state vmap { established : accept, ... }
  EXPECT_TRUE(Packet("1.1.1.1/32", "10.9.0.1/32", kProtocolTcp, 80, CtState::kEstablished)
                  .SubsetOf(Evaluate(ruleset_).hooks.at(Hook::kForward).accepted));
}

}  // namespace
}  // namespace portolan::audit
