#pragma once
// The audit's findings as a terminal table, JSON (the schema in docs/audit.md) or CSV (one row
// per finding, with its kind in the first column).

#include <string>

#include "audit/audit.hpp"
#include "core/format.hpp"

namespace portolan::report {

std::string_view DirectionName(policy::Direction direction);  // "inbound", "outbound", "forward"
std::string RenderAuditReport(const audit::AuditResult& result, core::Format format);

}  // namespace portolan::report
