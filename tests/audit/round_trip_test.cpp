// audit(render(plan)) is clean: for every test inventory, in host mode (every endpoint, with and
// without --egress) and network mode (all zones, and between two zones), the iptables policy
// portolan renders blocks no required flow, permits nothing else, and has no rule that never
// matches or serves nothing. This catches silently wrong generator output and audit mistakes alike.

#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "audit/audit.hpp"
#include "audit/formats/formats.hpp"
#include "audit/round_trip_support.hpp"
#include "plan/planner.hpp"
#include "render/render.hpp"
#include "report/audit_report.hpp"
#include "support/test_support.hpp"

namespace portolan::audit {
namespace {

// Renders with the target, reads every output back, audits against the same policy options.
void ExpectClean(const std::string& target, const inventory::Inventory& inventory, const plan::Plan& plan,
                 const policy::PolicyOptions& options, const std::string& label) {
  const auto rulesets = testing::RenderedRulesets(target, inventory, plan, options);
  if (!rulesets) return;  // the target cannot express this policy: nothing to audit
  const auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
  const auto result = RunAudit(*rulesets, policy);
  testing::ExpectSameReportBuiltAsProducts(*rulesets, policy, result, label);
  const bool clean = !result.AnyBlocked() && result.excess.empty() && result.shadowed.empty() && result.unused.empty();
  for (const auto& flow : result.flows) EXPECT_EQ(flow.status, FlowStatus::kAllowed) << label << " " << flow.flow_id;
  EXPECT_TRUE(clean) << label << "\n" << report::RenderAuditReport(result, core::Format::kTable);
}

TEST(AuditRoundTrip, RenderedIptablesIsCleanInEveryMode) {
  int audits = 0;
  for (const auto& file : testing::RoundTripInventories()) {
    const auto inventory = testing::InventoryFromFile(file);
    const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
    const auto name = file.filename().string();

    policy::PolicyOptions network;
    network.mode = policy::Mode::kNetwork;
    ExpectClean("iptables", inventory, plan, network, name + " network");
    const auto zones = inventory.Zones();
    if (zones.size() >= 2) {
      network.zones = {zones[0], zones[1]};
      ExpectClean("iptables", inventory, plan, network, name + " network " + zones[0] + "," + zones[1]);
      network.zones.clear();
      network.edge = zones[0];
      ExpectClean("iptables", inventory, plan, network, name + " edge " + zones[0]);
    }
    audits += zones.size() >= 2 ? 3 : 1;
    for (std::size_t i = 0; i < inventory.endpoints.size(); ++i) {
      for (const bool egress : {false, true}) {
        policy::PolicyOptions host;
        host.mode = policy::Mode::kHost;
        host.host = static_cast<int>(i);
        host.egress = egress;
        ExpectClean("iptables", inventory, plan, host,
                    fmt::format("{} host {}{}", name, inventory.endpoints[i].name, egress ? " --egress" : ""));
        ++audits;
      }
    }
  }
  EXPECT_GT(audits, 50);
}

}  // namespace
}  // namespace portolan::audit
