// HTTP responses -> ParseResponseHead and the HTTP dialogue (MP list or HEAD, by the first byte);
// the dialogue invariants are those of fuzz/dialogue_harness.hpp.

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/dialogue_harness.hpp"
#include "probe/http/http_codec.hpp"
#include "probe/http/http_dialogue.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace portolan;
  constexpr fuzz::DialogueRules kRules{.max_detail_chars = 400};
  const std::span<const std::uint8_t> bytes(data, size);
  (void)probe::http::ParseResponseHead(bytes);
  probe::ProbeTarget target{"10.0.0.10", 0, "corp.example", "HOST01", {}};
  if (size > 0 && (data[0] & 1)) target.roles = {"management-point"};
  fuzz::FuzzStream(probe::http::MakeHttpDialogue, target, bytes, size / 8 + 1, kRules);
  return 0;
}
