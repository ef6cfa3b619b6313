#pragma once
// What lab verify found, as a terminal report (a source x destination matrix, then every
// failure in words), JSON (the schema in docs/lab.md) or CSV (one row per check).
#include <string>

#include "core/format.hpp"
#include "lab/result.hpp"

namespace portolan::report {

struct LabReportOptions {
  bool colour = false;  // table: ok / FAIL in colour
  bool all = false;     // table: every check, not only the failed ones
};

std::string RenderLabReport(const lab::VerifyReport& report, core::Format format, const LabReportOptions& options = {});

}  // namespace portolan::report
