// Untrusted answers -> ParseGreeting and CouldBeGreetingStart: no crash, and what the parser
// reports is consistent (a cut greeting is a prefix, a whole one prints back to the same bytes);
// then the responder probe's dialogues (fuzz/dialogue_harness.hpp) and the engine's stand-in
// judgement on the same bytes.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "fuzz/dialogue_harness.hpp"
#include "probe/responder/greeting.hpp"
#include "probe/responder/responder_dialogue.hpp"

namespace {

using portolan::fuzz::Check;

void CheckDialogues(std::span<const std::uint8_t> bytes) {
  using namespace portolan;
  constexpr fuzz::DialogueRules kRules{.single_request = true};
  probe::ProbeTarget target{"10.0.0.10", 389, "corp.example", "DC01", {}};
  if (!bytes.empty() && (bytes[0] & 1)) target.responder_token = "portolan";
  fuzz::FuzzStream(probe::responder::MakeTcpDialogue, target, bytes, bytes.size() / 8 + 1, kRules);
  const auto udp = probe::responder::MakeUdpDialogue(target);
  fuzz::StartChecked(*udp);
  const auto datagram = fuzz::Receive(*udp, bytes, false, kRules);
  Check(datagram.kind != probe::Step::Kind::kNeedMore, "a datagram left undecided", datagram.detail);
  for (const bool final : {false, true}) {
    if (const auto step = probe::responder::JudgeGreeting(bytes, final, target, "netbios-ssn")) {
      fuzz::CheckStep(*step, final, kRules);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace portolan;
  const std::span<const std::uint8_t> bytes(data, size);
  CheckDialogues(bytes);
  const auto parsed = probe::responder::ParseGreeting(bytes);
  const bool could_be = probe::responder::CouldBeGreetingStart(bytes);
  if (!parsed) return 0;
  Check(could_be, "a greeting that cannot be the start of one");
  Check(parsed->size <= size, "a greeting longer than its bytes");
  Check(parsed->token.empty() || probe::responder::IsValidToken(parsed->token), "a token outside the alphabet");
  if (parsed->truncated) {
    Check(size >= probe::responder::kMinTruncatedGreeting && parsed->size == size,
          "a cut greeting that is not all of the bytes");
    Check(parsed->host.empty() && parsed->port == 0, "fields from a cut greeting");
    return 0;
  }
  Check(parsed->port >= 1 && parsed->port <= 65535, "a port out of range");
  const std::string again = probe::responder::Greeting({parsed->token, parsed->host, parsed->port, parsed->transport});
  Check(again.size() == parsed->size &&
            again.compare(0, again.size(), reinterpret_cast<const char*>(data), parsed->size) == 0,
        "a greeting that does not print back to its bytes");
  return 0;
}
