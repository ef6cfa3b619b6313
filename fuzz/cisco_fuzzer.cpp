// Bytes -> the Cisco IOS and ASA readers (with and without an inventory's zones), then the
// analysis of whatever parses. Malformed input must give file:line errors, never a crash.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "audit/formats/formats.hpp"
#include "evaluate_both.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace formats = portolan::audit::formats;
  for (const std::string_view format : {std::string_view("cisco-ios"), std::string_view("cisco-asa")}) {
    try {
      const auto ruleset = formats::ReadRuleset(text, "fuzz.cfg", format, {});
      portolan::fuzz::EvaluateBoth(ruleset);
    } catch (const portolan::core::InputError& error) {
      for (const auto& item : error.diagnostics().All()) {
        if (item.where.line <= 0) {
          std::fprintf(stderr, "diagnostic without a line: %s\n", item.ToString().c_str());
          std::abort();
        }
      }
    }
  }
  return 0;
}
