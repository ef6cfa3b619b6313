#pragma once
// What lab verify found, as a terminal report (a source x destination matrix, then every
// failure in words), JSON (the schema in docs/lab.md) or CSV (one row per check).
#include <string>

#include "lab/result.hpp"
#include "report/format.hpp"

namespace portolan::report {

struct LabReportOptions {
  bool colour = false;  // table: ok / FAIL in colour
  bool all = false;     // table: every check, not only the failed ones
};

std::string RenderLabReport(const lab::VerifyReport& report, Format format, const LabReportOptions& options = {});

}  // namespace portolan::report
