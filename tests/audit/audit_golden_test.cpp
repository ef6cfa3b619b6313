// Golden reports: tests/golden/audit/<format>/<case>.<ext>, rewritten with PORTOLAN_UPDATE_GOLDEN=1.
// Each case is a hand-written ruleset with known faults, audited against a test inventory.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "audit/audit.hpp"
#include "audit/audit_report.hpp"
#include "audit/formats/formats.hpp"
#include "core/atomic_file.hpp"
#include "plan/planner.hpp"
#include "support/test_support.hpp"

namespace portolan::audit {
namespace {

struct GoldenCase {
  std::string name;       // golden file stem
  std::string inventory;  // relative to the source tree
  std::string ruleset;    // relative to the source tree; the report names it so
  render::PolicyOptions options;
};

AuditResult AuditCase(const GoldenCase& c) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / c.inventory);
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  const auto text = core::ReadFile(testing::SourceDir() / c.ruleset);
  std::vector<Ruleset> rulesets;
  rulesets.push_back(formats::ReadRuleset(text, c.ruleset, "", {}));
  const auto policy = render::BuildPolicy(testing::Sms2003(), inventory, plan, c.options);
  return RunAudit(rulesets, policy);
}

std::vector<GoldenCase> Cases() {
  std::vector<GoldenCase> cases;
  render::PolicyOptions network;
  network.mode = render::Mode::kNetwork;
  cases.push_back({"iptables/broken-network", "examples/sms2003-site.yaml", "examples/broken-iptables.rules", network});
  return cases;
}

TEST(AuditGolden, ReportsInEveryFormat) {
  for (const auto& c : Cases()) {
    const auto result = AuditCase(c);
    for (const auto format : {report::Format::kTable, report::Format::kJson, report::Format::kCsv}) {
      testing::ExpectGolden(fmt::format("audit/{}.{}", c.name, report::FormatExtension(format)),
                            RenderAuditReport(result, format));
    }
  }
}

TEST(AuditGolden, BrokenExampleFindsEveryPlantedFault) {
  render::PolicyOptions network;
  network.mode = render::Mode::kNetwork;
  const auto result = AuditCase({"", "examples/sms2003-site.yaml", "examples/broken-iptables.rules", network});
  std::map<std::string, FlowStatus> status;
  for (const auto& flow : result.flows) status[flow.flow_id] = flow.status;
  EXPECT_EQ(status["F24"], FlowStatus::kBlocked);    // GRE back to the parent: no rule
  EXPECT_EQ(status["F06"], FlowStatus::kPartial);    // 1723 missing from the multiport
  EXPECT_EQ(status["F07"], FlowStatus::kPartial);    // DHCP (67) missing
  EXPECT_EQ(status["F02"], FlowStatus::kUncertain);  // the RPC range behind -m time
  EXPECT_EQ(status["F03"], FlowStatus::kAllowed);
  ASSERT_EQ(result.shadowed.size(), 3u);
  EXPECT_EQ(result.shadowed[2].rule.where.line, 20);  // covered by the union of two /25 rules
  EXPECT_TRUE(result.AnyExcess());
}

}  // namespace
}  // namespace portolan::audit
