// Fuzzed bytes -> the NetBIOS session reply and node status parsers and both dialogues (the
// session service as a TCP stream in chunks; node status as a datagram given our transaction
// id); the dialogue invariants are those of fuzz/dialogue_harness.hpp.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fuzz/dialogue_harness.hpp"
#include "probe/netbios/netbios_codec.hpp"
#include "probe/netbios/netbios_dialogue.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace portolan;
  constexpr fuzz::DialogueRules kRules{.max_detail_chars = 300};
  using namespace portolan::probe;
  const std::span<const std::uint8_t> input(data, size);
  std::string error;
  const auto status = netbios::ParseNodeStatusResponse(input, &error);
  fuzz::Check(status || !error.empty(), "a refusal without an error");
  const auto reply = netbios::ParseSessionReply(input);
  fuzz::Check(reply.status != netbios::ParseStatus::kInvalid || !reply.error.empty(), "no error");
  if (size == 0) return 0;

  // The first byte chooses the variant; the rest is the answer.
  ProbeTarget target;
  target.address = "10.0.0.10";
  target.port = 139;
  target.netbios_name = (data[0] & 1) != 0 ? "dc01.corp.example" : "";
  fuzz::FuzzStream(netbios::MakeSessionRequestDialogue, target, input.subspan(1), 1 + data[0] % 13, kRules);

  // Give the datagram our transaction id, so that the parse goes past the id check.
  target.port = 137;
  const auto dialogue = netbios::MakeNodeStatusDialogue(target);
  const Bytes request = fuzz::StartChecked(*dialogue);
  std::vector<std::uint8_t> datagram(input.begin() + 1, input.end());
  if (datagram.size() >= 2 && (data[0] & 2) != 0) std::copy_n(request.begin(), 2, datagram.begin());
  fuzz::Receive(*dialogue, datagram, false, kRules);
  return 0;
}
