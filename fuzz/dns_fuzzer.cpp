// DNS responses -> ParseResponse and the SRV query dialogues (TCP, and UDP with the query id patched in).
// The bytes go to the codec's parser, then to the dialogue's OnReceive: whole, cut at every
// eighth length (a TCP answer arriving in pieces), and closed; every detail must be one short
// line of printable ASCII, and a verdict must say something.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "probe/dns/dns_codec.hpp"
#include "probe/dns/dns_dialogue.hpp"

namespace {

using portolan::probe::Step;

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz invariant violated: %s (detail '%s')\n", what, detail.c_str());
  std::abort();
}

void CheckStep(const Step& step) {
  constexpr std::size_t kMaxDetail = 400;
  if (step.kind == Step::Kind::kVerified || step.kind == Step::Kind::kWrongService) {
    if (step.detail.empty()) Fail("a verdict without a detail", step.detail);
  }
  if (step.kind == Step::Kind::kSend && step.bytes.empty()) Fail("kSend without bytes", step.detail);
  if (step.detail.size() > kMaxDetail) Fail("a detail longer than one line", step.detail);
  for (const char c : step.detail) {
    if (c < 0x20 || c > 0x7E) Fail("an unprintable character in a detail", step.detail);
  }
}

// Drives one fresh dialogue; after a kSend the rest of the bytes answer the next request.
void Drive(std::span<const std::uint8_t> bytes, std::size_t step_size, bool closed) {
  portolan::probe::ProbeTarget target{"10.0.0.10", 0, "corp.example", "HOST01", {}};
  if (!bytes.empty() && (bytes[0] & 1)) target.roles = {"management-point"};
  const auto dialogue = portolan::probe::dns::MakeSrvQueryTcpDialogue(target);
  if (!dialogue || dialogue->Start().empty()) Fail("no first request", "");
  std::size_t start = 0;
  std::size_t end = 0;
  while (true) {
    end = step_size == 0 ? bytes.size() : std::min(bytes.size(), end + step_size);
    const bool last = end == bytes.size();
    const Step step = dialogue->OnReceive(bytes.subspan(start, end - start), last && closed);
    CheckStep(step);
    if (step.kind == Step::Kind::kVerified || step.kind == Step::Kind::kWrongService) return;
    if (step.kind == Step::Kind::kSend) start = end;
    if (last) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  (void)portolan::probe::dns::ParseResponse(bytes);
  {
    // The UDP dialogue too: its query id is fixed for the target, so patch it into the input
    // (a copy) half of the time to get past the id check.
    const auto udp = portolan::probe::dns::MakeSrvQueryUdpDialogue({"10.0.0.10", 0, "corp.example", "HOST01", {}});
    const auto query = udp->Start();
    std::vector<std::uint8_t> copy(data, data + size);
    if (size >= 2 && (data[size - 1] & 1)) {
      copy[0] = query[0];
      copy[1] = query[1];
    }
    CheckStep(udp->OnReceive(std::span<const std::uint8_t>(copy.data(), copy.size()), false));
  }
  Drive(bytes, 0, false);
  Drive(bytes, 0, true);
  Drive(bytes, size / 8 + 1, true);
  return 0;
}
