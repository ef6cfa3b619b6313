// DNS responses -> ParseResponse and the SRV query dialogues (TCP as a stream, and UDP with the
// query id patched in); the dialogue invariants are those of fuzz/dialogue_harness.hpp.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fuzz/dialogue_harness.hpp"
#include "probe/dns/dns_codec.hpp"
#include "probe/dns/dns_dialogue.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace portolan;
  constexpr fuzz::DialogueRules kRules{.max_detail_chars = 400};
  const std::span<const std::uint8_t> bytes(data, size);
  (void)probe::dns::ParseResponse(bytes);
  const probe::ProbeTarget target{"10.0.0.10", 0, "corp.example", "HOST01", {}};
  fuzz::FuzzStream(probe::dns::MakeSrvQueryTcpDialogue, target, bytes, size / 8 + 1, kRules);

  // The UDP query id is fixed for the target: patch it into the input (a copy) half of the time
  // to get past the id check.
  const auto udp = probe::dns::MakeSrvQueryUdpDialogue(target);
  const probe::Bytes query = fuzz::StartChecked(*udp);
  std::vector<std::uint8_t> datagram(bytes.begin(), bytes.end());
  if (size >= 2 && (data[size - 1] & 1)) {
    datagram[0] = query[0];
    datagram[1] = query[1];
  }
  fuzz::Receive(*udp, datagram, false, kRules);
  return 0;
}
