// Golden reports: tests/golden/audit/<format>/<case>.<ext>, rewritten with PORTOLAN_UPDATE_GOLDEN=1.
// Each case is a hand-written ruleset with known faults, audited against a test inventory.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <algorithm>

#include "audit/audit.hpp"
#include "audit/formats/formats.hpp"
#include "core/atomic_file.hpp"
#include "plan/planner.hpp"
#include "report/audit_report.hpp"
#include "support/test_support.hpp"

namespace portolan::audit {
namespace {

struct GoldenCase {
  std::string name;       // golden file stem
  std::string inventory;  // relative to the source tree
  std::string ruleset;    // relative to the source tree; the report names it so
  policy::PolicyOptions options;
};

AuditResult AuditCase(const GoldenCase& c) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / c.inventory);
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  const auto text = core::ReadFile(testing::SourceDir() / c.ruleset);
  std::vector<Ruleset> rulesets;
  rulesets.push_back(formats::ReadRuleset(text, c.ruleset, "", {}));
  const auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, c.options);
  return RunAudit(rulesets, policy);
}

std::vector<GoldenCase> Cases() {
  std::vector<GoldenCase> cases;
  policy::PolicyOptions network;
  network.mode = policy::Mode::kNetwork;
  cases.push_back({"iptables/broken-network", "examples/sms2003-site.yaml", "examples/broken-iptables.rules", network});
  cases.push_back({"cisco-ios/broken-network", "tests/data/inventories/bits-mixed.yaml",
                   "tests/golden/audit/cisco-ios/broken-network.cfg", network});
  cases.push_back({"cisco-asa/broken-network", "tests/data/inventories/remote-sql.yaml",
                   "tests/golden/audit/cisco-asa/broken-network.cfg", network});
  cases.push_back({"nftables/broken-network", "tests/data/inventories/netbios-rc.yaml",
                   "tests/golden/audit/nftables/broken-network.nft.json", network});
  return cases;
}

TEST(AuditGolden, ReportsInEveryFormat) {
  for (const auto& c : Cases()) {
    const auto result = AuditCase(c);
    for (const auto format : {core::Format::kTable, core::Format::kJson, core::Format::kCsv}) {
      testing::ExpectGolden(fmt::format("audit/{}.{}", c.name, core::FormatExtension(format)),
                            report::RenderAuditReport(result, format));
    }
  }
}

TEST(AuditGolden, BrokenExampleFindsEveryPlantedFault) {
  policy::PolicyOptions network;
  network.mode = policy::Mode::kNetwork;
  const auto result = AuditCase({"", "examples/sms2003-site.yaml", "examples/broken-iptables.rules", network});
  std::map<std::string, FlowStatus> status;
  for (const auto& flow : result.flows) status[flow.flow_id] = flow.status;
  EXPECT_EQ(status["F23"], FlowStatus::kBlocked);    // GRE back to the parent: no rule
  EXPECT_EQ(status["F06"], FlowStatus::kPartial);    // 1723 missing from the multiport
  EXPECT_EQ(status["F07"], FlowStatus::kPartial);    // DHCP (67) missing
  EXPECT_EQ(status["F02"], FlowStatus::kUncertain);  // the RPC range behind -m time
  EXPECT_EQ(status["F03"], FlowStatus::kAllowed);
  ASSERT_EQ(result.shadowed.size(), 3u);
  EXPECT_EQ(result.shadowed[2].rule.where.line, 20);  // covered by the union of two /25 rules
  EXPECT_TRUE(result.AnyExcess());
}

GoldenCase NetworkCase(const std::string& inventory, const std::string& ruleset) {
  policy::PolicyOptions network;
  network.mode = policy::Mode::kNetwork;
  return {"", inventory, ruleset, network};
}

std::map<std::string, FlowStatus> StatusByFlow(const AuditResult& result) {
  std::map<std::string, FlowStatus> status;
  for (const auto& flow : result.flows) status[flow.flow_id] = flow.status;
  return status;
}

std::vector<int> Lines(const std::vector<RuleFinding>& findings) {
  std::vector<int> lines;
  for (const auto& finding : findings) lines.push_back(finding.rule.where.line);
  return lines;
}

// The router between the two sites of bits-mixed.yaml, as `show running-config` prints it.
TEST(AuditGolden, CiscoIosFindsEveryPlantedFault) {
  const auto result = AuditCase(
      NetworkCase("tests/data/inventories/bits-mixed.yaml", "tests/golden/audit/cisco-ios/broken-network.cfg"));
  auto status = StatusByFlow(result);
  EXPECT_EQ(status.size(), 10u);
  EXPECT_EQ(status["F05"], FlowStatus::kBlocked);  // CLDAP from the shop floor: the implicit deny
  EXPECT_EQ(status["F10"], FlowStatus::kPartial);  // 445 from the shop floor: an earlier deny beats the permit
  for (const auto* id : {"F01", "F02", "F03", "F04", "F06", "F09", "F11", "F12"})
    EXPECT_EQ(status[id], FlowStatus::kAllowed) << id;
  EXPECT_EQ(Lines(result.shadowed), std::vector<int>{139});  // LDAP-SSL: covered by the ACEs on 133 and 134
  // RDP to the shop floor; the shop floor to SITE1's management point (its own site's proxy
  // management point serves it, so nothing requires it); ping.
  EXPECT_EQ(Lines(result.unused), (std::vector<int>{115, 135, 140}));
  EXPECT_TRUE(result.AnyExcess());
}

// The ASA between the two sites of remote-sql.yaml.
TEST(AuditGolden, CiscoAsaFindsEveryPlantedFault) {
  const auto result = AuditCase(
      NetworkCase("tests/data/inventories/remote-sql.yaml", "tests/golden/audit/cisco-asa/broken-network.cfg"));
  auto status = StatusByFlow(result);
  // sec-lan no longer needs SMSPRI's management point (SMSSEC, its proxy management point, serves
  // it), so the deny before that permit blocks nothing required; the permit is still shadowed.
  EXPECT_EQ(status.size(), 10u);
  EXPECT_EQ(status["F06"], FlowStatus::kPartial);  // SQL on 14330, the ACL still says 1433
  EXPECT_EQ(status["F08"], FlowStatus::kBlocked);  // SQL browser: the implicit deny
  EXPECT_EQ(status["F09"], FlowStatus::kBlocked);  // CLDAP: its ACE is inactive
  for (const auto* id : {"F01", "F02", "F03", "F04", "F10", "F13", "F14"})
    EXPECT_EQ(status[id], FlowStatus::kAllowed) << id;
  // GC-TCP by the union of AD-TCP and the RPC range; the MP permit by the deny. The inactive ACE
  // is not part of the ACL: a note, not a finding.
  EXPECT_EQ(Lines(result.shadowed), (std::vector<int>{135, 141}));
  EXPECT_TRUE(std::any_of(result.notes.begin(), result.notes.end(), [](const std::string& note) {
    return note.find("broken-network.cfg:143: inactive ACE, not audited") != std::string::npos;
  }));
  // RDP into the branch, SQL on 1433; it-admin has no access-group: by security level it passes
  // to every interface (same-security-traffic permit inter-interface), its own networks and routed.
  EXPECT_EQ(Lines(result.unused), (std::vector<int>{124, 130, 61, 61}));
}

// An ACL that only guards the router's own vty lines is not on the forwarding path: it is named in
// a note and never reported as a rule that can never match.
TEST(AuditGolden, CiscoIosVtyAclIsOnlyANote) {
  const auto c =
      NetworkCase("tests/data/inventories/bits-mixed.yaml", "tests/golden/audit/cisco-ios/broken-network.cfg");
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / c.inventory);
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  const auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, c.options);
  auto text = core::ReadFile(testing::SourceDir() / c.ruleset);
  const auto vty = text.find("line vty 0 4\n");
  ASSERT_NE(vty, std::string::npos);
  text.insert(vty + std::string_view("line vty 0 4\n").size(), " access-class 1 in\n");
  text.insert(vty, "access-list 1 permit 10.10.0.20\n!\n");
  std::vector<Ruleset> rulesets;
  rulesets.push_back(formats::ReadRuleset(text, c.ruleset, "", {}));
  EXPECT_EQ(rulesets.back().FindChain("ACL 1"), -1);
  const auto result = RunAudit(rulesets, policy);
  EXPECT_EQ(Lines(result.shadowed), std::vector<int>{139});
  EXPECT_EQ(Lines(result.unused), (std::vector<int>{115, 135, 140}));
  const auto note = std::find_if(result.notes.begin(), result.notes.end(), [](const std::string& n) {
    return n.find("ACL 1 is applied to no interface: not audited") != std::string::npos;
  });
  EXPECT_NE(note, result.notes.end());
}

// A hand-grown nftables firewall between the three sites of netbios-rc.yaml, as the kernel dumps it.
TEST(AuditGolden, NftablesFindsEveryPlantedFault) {
  const auto result = AuditCase(
      NetworkCase("tests/data/inventories/netbios-rc.yaml", "tests/golden/audit/nftables/broken-network.nft.json"));
  auto status = StatusByFlow(result);
  EXPECT_EQ(status["F05"], FlowStatus::kBlocked);  // CLDAP missing from the clients' UDP ports
  EXPECT_EQ(status["F02"], FlowStatus::kPartial);  // the dynamic RPC range missing from @dc_tcp
  EXPECT_EQ(status["F03"], FlowStatus::kPartial);  // BR2SMS missing from @branch_servers
  EXPECT_EQ(status["F12"], FlowStatus::kPartial);  // udp 138 dropped before the helpdesk's chain
  EXPECT_EQ(status["F16"], FlowStatus::kPartial);  // the helpdesk's goto never comes back
  EXPECT_EQ(status["F17"], FlowStatus::kPartial);  // WINS replication one way only
  for (const auto* id : {"F06", "F10", "F11", "F13"}) EXPECT_EQ(status[id], FlowStatus::kAllowed) << id;
  EXPECT_TRUE(result.shadowed.empty());
  ASSERT_EQ(result.unused.size(), 1u);  // the helpdesk's ssh and remote desktop to everywhere
  EXPECT_NE(result.unused[0].rule.text.find("22, 3389"), std::string::npos);
}

// A second base chain on the forward hook with policy accept: every permitted box passes both
// chains, and is still traced once, to the rule that accepts it, never also to the policy.
TEST(AuditGolden, SeveralBaseChainsOnAHookTraceEachBoxOnce) {
  const auto c =
      NetworkCase("tests/data/inventories/netbios-rc.yaml", "tests/golden/audit/nftables/broken-network.nft.json");
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / c.inventory);
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  const auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, c.options);
  auto text = core::ReadFile(testing::SourceDir() / c.ruleset);
  const auto end = text.rfind("]}");
  ASSERT_NE(end, std::string::npos);
  text.insert(end,
              R"(, {"chain": {"family": "inet", "table": "filter", "name": "guard", "handle": 90, "type": "filter", )"
              R"("hook": "forward", "prio": -10, "policy": "accept"}}, {"rule": {"family": "inet", "table": "filter", )"
              R"("chain": "guard", "handle": 91, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": )"
              R"("udp", "field": "dport"}}, "right": 138}}, {"drop": null}]}})");
  std::vector<Ruleset> one;
  one.push_back(formats::ReadRuleset(core::ReadFile(testing::SourceDir() / c.ruleset), c.ruleset, "", {}));
  std::vector<Ruleset> two;
  two.push_back(formats::ReadRuleset(text, c.ruleset, "", {}));
  const auto before = RunAudit(one, policy);
  const auto after = RunAudit(two, policy);
  ASSERT_FALSE(before.excess.empty());
  EXPECT_EQ(after.excess.size(), before.excess.size());
  for (const auto& box : after.excess) EXPECT_FALSE(box.rule.is_policy) << box.rule.ToString();
}

}  // namespace
}  // namespace portolan::audit
