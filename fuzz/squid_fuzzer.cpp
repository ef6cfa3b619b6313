// Bytes -> the squid.conf reader, then the first-match analysis of whatever parses, with both
// engines (evaluate_both.hpp). Malformed input must give file:line:column errors (an InputError
// whose diagnostics all carry a line and a column), never a crash or half a ruleset.

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
  try {
    const auto ruleset = formats::ReadRuleset(text, "fuzz.conf", "squid", {});
    portolan::fuzz::EvaluateBoth(ruleset);
  } catch (const portolan::core::InputError& error) {
    for (const auto& item : error.diagnostics().All()) {
      if (item.where.line <= 0 || item.where.column <= 0) {
        std::fprintf(stderr, "diagnostic without a line and column: %s\n", item.ToString().c_str());
        std::abort();
      }
    }
  }
  return 0;
}
