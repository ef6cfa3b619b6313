#pragma once
// The HTML report's style sheet and script, embedded at build time from src/report/assets/
// (cmake/embed_assets.cmake), so that the report is one self-contained file.
#include <string_view>

namespace portolan::report::assets {

std::string_view ReportCss();
std::string_view ReportJs();

}  // namespace portolan::report::assets
