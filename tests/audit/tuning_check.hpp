#pragma once
// Shared by the audit's round-trip tests: the report must not depend on how required flows are
// built (render's rules one by one, or all sources times all destinations within the domain, as
// a big site gets them).

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "audit/audit.hpp"
#include "audit/audit_report.hpp"

namespace portolan::testing {

inline void ExpectSameReportBuiltAsProducts(const std::vector<audit::Ruleset>& rulesets, const render::Policy& policy,
                                            const audit::AuditResult& result, const std::string& label) {
  audit::AuditTuning products;
  products.exact_flow_rules = 0;
  EXPECT_EQ(audit::RenderAuditReport(audit::RunAudit(rulesets, policy, products), report::Format::kJson),
            audit::RenderAuditReport(result, report::Format::kJson))
      << label;
}

}  // namespace portolan::testing
