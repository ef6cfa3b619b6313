// Fuzzed bytes -> the DCE/RPC PDU, bind answer, ept_lookup and connectionless parsers, and both
// EPM dialogues (TCP as a stream in chunks through bind and lookup pages; UDP as a datagram
// carrying our activity id); the dialogue invariants are those of fuzz/dialogue_harness.hpp.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fuzz/dialogue_harness.hpp"
#include "probe/dcerpc/dcerpc_codec.hpp"
#include "probe/dcerpc/dcerpc_dialogue.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace portolan;
  constexpr fuzz::DialogueRules kRules{.max_detail_chars = 300};
  using namespace portolan::probe;
  const std::span<const std::uint8_t> input(data, size);
  std::string error;
  const auto read = dcerpc::ReadPdu(input);
  if (read.status == dcerpc::ParseStatus::kComplete) {
    (void)dcerpc::ParseBindAnswer(read, &error);
    (void)dcerpc::ResponseStub(read);
    (void)dcerpc::FaultStatus(read);
  }
  const auto lookup = dcerpc::ParseEptLookupStub(input, size % 2 == 0, &error);
  fuzz::Check(lookup || !error.empty(), "a refusal without an error");
  if (size == 0) return 0;

  ProbeTarget target;
  target.address = "10.0.0.10";
  target.port = 135;
  fuzz::FuzzStream(dcerpc::MakeEpmDialogue, target, input.subspan(1), 1 + data[0] % 251, kRules);

  // Give the datagram our activity id, so that the parse goes past the id check.
  const auto dialogue = dcerpc::MakeConnectionlessEpmDialogue(target);
  const Bytes request = fuzz::StartChecked(*dialogue);
  std::vector<std::uint8_t> datagram(input.begin() + 1, input.end());
  constexpr std::size_t kActivity = 40;
  if (datagram.size() >= dcerpc::kClHeaderLength && (data[0] & 1) != 0) {
    std::copy_n(request.begin() + kActivity, 16, datagram.begin() + kActivity);
  }
  fuzz::Receive(*dialogue, datagram, false, kRules);
  return 0;
}
