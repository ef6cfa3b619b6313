// Bytes -> the nftables JSON reader (nft -j list ruleset), then the first-match analysis of
// whatever parses. Malformed input must give line:column errors (an InputError whose diagnostics
// all carry a line), never a crash; the corpus starts from a real dump of the kernel.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "audit/formats/formats.hpp"
#include "evaluate_both.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto ruleset = portolan::audit::formats::ReadRuleset(text, "fuzz.json", "nftables-json", {});
    portolan::fuzz::EvaluateBoth(ruleset);
  } catch (const portolan::core::InputError& error) {
    for (const auto& item : error.diagnostics().All()) {
      if (item.where.line <= 0) {
        std::fprintf(stderr, "diagnostic without a line: %s\n", item.ToString().c_str());
        std::abort();
      }
    }
  }
  return 0;
}
