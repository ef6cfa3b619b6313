// Bytes -> the AWS security groups and Windows Firewall readers (rule strings and JSON; with
// and without a --host), then the analysis of whatever parses. Malformed input must give
// file:line errors, never a crash.

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
  formats::ReadOptions with_host;
  with_host.host = "SMS01";
  const formats::ReadOptions without_host;
  for (const std::string_view format : {std::string_view("aws-sg"), std::string_view("windows")}) {
    for (const formats::ReadOptions* options : {&without_host, static_cast<const formats::ReadOptions*>(&with_host)}) {
      try {
        const auto ruleset = formats::ReadRuleset(text, "fuzz.txt", format, *options);
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
  }
  return 0;
}
