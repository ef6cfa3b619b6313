// Bytes -> every audit ruleset reader (format detection, iptables-save, ipset save), then the
// first-match analysis of whatever parses. Malformed input must give file:line errors (an
// InputError whose diagnostics all carry a line), never a crash.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "audit/formats/formats.hpp"
#include "evaluate_both.hpp"

namespace {

void CheckDiagnostics(const portolan::core::InputError& error) {
  for (const auto& item : error.diagnostics().All()) {
    if (item.where.line <= 0 && item.where.file == "fuzz.rules") {
      std::fprintf(stderr, "diagnostic without a line: %s\n", item.ToString().c_str());
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace formats = portolan::audit::formats;
  try {
    const auto ipsets = formats::ParseIpsetSave(text, "fuzz.ipset");
    (void)ipsets;
  } catch (const portolan::core::InputError& error) {
    CheckDiagnostics(error);
  }
  for (const std::string_view format : {std::string_view(), std::string_view("iptables")}) {
    try {
      const auto ruleset = formats::ReadRuleset(text, "fuzz.rules", format, {});
      portolan::fuzz::EvaluateBoth(ruleset);
    } catch (const portolan::core::InputError& error) {
      CheckDiagnostics(error);
    }
  }
  return 0;
}
