#pragma once
// The audit's findings as a terminal table, JSON (the schema in docs/audit.md) or CSV (one row
// per finding, with its kind in the first column).

#include <string>

#include "audit/audit.hpp"
#include "report/format.hpp"

namespace portolan::audit {

std::string_view DirectionName(render::Direction direction);  // "inbound", "outbound", "forward"
std::string RenderAuditReport(const AuditResult& result, report::Format format);

}  // namespace portolan::audit
