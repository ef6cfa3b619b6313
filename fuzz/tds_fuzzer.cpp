// TDS PRELOGIN answers -> FrameTdsPacket, ParsePreloginAnswer and the PRELOGIN dialogue; the
// dialogue invariants are those of fuzz/dialogue_harness.hpp.

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/dialogue_harness.hpp"
#include "probe/tds/tds_codec.hpp"
#include "probe/tds/tds_dialogue.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace portolan;
  constexpr fuzz::DialogueRules kRules{.single_request = true, .max_detail_chars = 400};
  const std::span<const std::uint8_t> bytes(data, size);
  if (probe::tds::FrameTdsPacket(bytes) == probe::tds::Framing::kComplete) {
    (void)probe::tds::ParsePreloginAnswer(bytes);
  }
  const probe::ProbeTarget target{"10.0.0.10", 0, "corp.example", "HOST01", {}};
  fuzz::FuzzStream(probe::tds::MakePreloginDialogue, target, bytes, size / 8 + 1, kRules);
  return 0;
}
