// PPTP control messages -> FrameControlMessage, ParseStartControlReply and the start/stop
// dialogue; the dialogue invariants are those of fuzz/dialogue_harness.hpp.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "fuzz/dialogue_harness.hpp"
#include "probe/pptp/pptp_codec.hpp"
#include "probe/pptp/pptp_dialogue.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace portolan;
  constexpr fuzz::DialogueRules kRules{.max_detail_chars = 400};
  const std::span<const std::uint8_t> bytes(data, size);
  const auto frame = probe::pptp::FrameControlMessage(bytes);
  if (frame.framing == probe::pptp::Framing::kComplete) {
    std::string error;
    (void)probe::pptp::ParseStartControlReply(bytes.first(frame.length), &error);
  }
  const probe::ProbeTarget target{"10.0.0.10", 0, "corp.example", "HOST01", {}};
  fuzz::FuzzStream(probe::pptp::MakeStartControlDialogue, target, bytes, size / 8 + 1, kRules);
  return 0;
}
