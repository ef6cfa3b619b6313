#pragma once
// Shared by the audit's round-trip tests (audit(render(plan)) is clean): the test inventories,
// a target's rendered outputs read back as rulesets, and the check that the report does not
// depend on how required flows are built.

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "audit/audit.hpp"
#include "audit/formats/formats.hpp"
#include "render/render.hpp"
#include "report/audit_report.hpp"
#include "support/test_support.hpp"

namespace portolan::testing {

// The example site and every test inventory, in a stable order.
inline std::vector<std::filesystem::path> RoundTripInventories() {
  std::vector<std::filesystem::path> files = {SourceDir() / "examples" / "sms2003-site.yaml"};
  for (const auto& entry : std::filesystem::directory_iterator(SourceDir() / "tests" / "data" / "inventories"))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Renders the plan with the target and reads every output back; nothing when the target
// refuses the policy (it cannot express it: nothing to audit).
inline std::optional<std::vector<audit::Ruleset>> RenderedRulesets(const std::string& target,
                                                                   const inventory::Inventory& inventory,
                                                                   const plan::Plan& plan,
                                                                   const policy::PolicyOptions& options,
                                                                   const audit::formats::ReadOptions& read = {}) {
  render::Request request;
  request.target = render::FindTarget(target);
  request.policy = options;
  std::vector<render::Output> outputs;
  try {
    outputs = render::RenderRequest(Sms2003(), inventory, plan, request);
  } catch (const render::RenderRefused&) {
    return std::nullopt;
  }
  std::vector<audit::Ruleset> rulesets;
  for (const auto& output : outputs)
    rulesets.push_back(audit::formats::ReadRuleset(output.content, output.file_name, "", read));
  return rulesets;
}

// Required flows built as all sources times all destinations within the domain, rather than
// render's rules one by one (what big sites get): the same report.
inline void ExpectSameReportBuiltAsProducts(const std::vector<audit::Ruleset>& rulesets, const policy::Policy& policy,
                                            const audit::AuditResult& result, const std::string& label) {
  audit::AuditTuning products;
  products.exact_flow_rules = 0;
  EXPECT_EQ(report::RenderAuditReport(audit::RunAudit(rulesets, policy, products), core::Format::kJson),
            report::RenderAuditReport(result, core::Format::kJson))
      << label;
}

}  // namespace portolan::testing
