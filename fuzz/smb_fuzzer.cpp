// Fuzzed bytes -> the SMB NEGOTIATE response parser and the SMB dialogue (as a TCP stream in
// chunks, through the SMB2 second step when the bytes lead there); the dialogue invariants are
// those of fuzz/dialogue_harness.hpp.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "fuzz/dialogue_harness.hpp"
#include "probe/smb/smb_codec.hpp"
#include "probe/smb/smb_dialogue.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace portolan;
  constexpr fuzz::DialogueRules kRules{.max_detail_chars = 300};
  const std::span<const std::uint8_t> input(data, size);
  const auto frame = probe::smb::ReadDirectTcpFrame(input);
  fuzz::Check(frame.status != probe::smb::FrameStatus::kInvalid || !frame.error.empty(), "no error");
  std::string error;
  const auto parsed = probe::smb::ParseNegotiateResponse(input, &error);
  fuzz::Check(parsed || !error.empty(), "a refusal without an error");
  if (size == 0) return 0;

  // The first byte chooses the chunk size; the rest is the answer.
  probe::ProbeTarget target;
  target.address = "10.0.0.10";
  target.port = 445;
  fuzz::FuzzStream(probe::smb::MakeNegotiateDialogue, target, input.subspan(1), 1 + data[0] % 97, kRules);
  return 0;
}
