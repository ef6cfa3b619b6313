#pragma once
// The audit's findings as a terminal table, JSON (the schema in docs/audit.md) or CSV (one row
// per finding, with its kind in the first column).

#include <string>

#include "audit/audit.hpp"
#include "core/format.hpp"

namespace portolan::report {

// JSON: which inventory the audit read and which firewall it audited, the first keys (left out
// when empty, as in tests that audit without a command).
struct AuditReportOptions {
  std::string inventory_file;  // the file as given
  std::string fingerprint;     // inventory::Inventory::fingerprint
  std::string firewall;        // in words: "the router between zones", "host SMS01's own firewall"
};

std::string_view DirectionName(policy::Direction direction);  // "inbound", "outbound", "forward"
std::string RenderAuditReport(const audit::AuditResult& result, core::Format format,
                              const AuditReportOptions& options = {});

}  // namespace portolan::report
