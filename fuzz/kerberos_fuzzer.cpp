// Bytes -> the KDC reply parser and both Kerberos dialogues: as a UDP datagram, and as a TCP
// stream in pieces, framed by the fuzzer and raw. Invariants: a final verdict once the peer
// closed and a dialogue that agrees with the parser, with those of fuzz/dialogue_harness.hpp for a
// single request.

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/dialogue_harness.hpp"
#include "probe/kerberos/kerberos_codec.hpp"
#include "probe/kerberos/kerberos_dialogue.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using portolan::fuzz::Check;
  using portolan::probe::Step;
  namespace kerberos = portolan::probe::kerberos;
  const std::span<const std::uint8_t> input(data, size);
  const auto parse = kerberos::ParseKdcReply(input);
  Check(parse.reply.has_value() || !parse.error.empty(), "a refused reply without an error");

  portolan::probe::ProbeTarget target;
  target.address = "192.0.2.1";
  target.port = 88;
  target.domain = "corp.example";
  constexpr portolan::fuzz::DialogueRules kRules{.single_request = true};
  const auto udp = kerberos::MakeAsReqUdpDialogue(target);
  portolan::fuzz::StartChecked(*udp);
  const Step datagram = portolan::fuzz::Receive(*udp, input, false, kRules);
  Check(datagram.kind != Step::Kind::kNeedMore, "a datagram left undecided");
  Check((datagram.kind == Step::Kind::kVerified) == parse.reply.has_value(), "UDP dialogue and parser disagree");

  portolan::fuzz::FuzzStream(kerberos::MakeAsReqTcpDialogue, target, input, size / 2 + 1, kRules);
  const kerberos::Bytes framed = kerberos::FrameForTcp(kerberos::Bytes(input.begin(), input.end()));
  const auto tcp = kerberos::MakeAsReqTcpDialogue(target);
  portolan::fuzz::StartChecked(*tcp);
  const Step record = portolan::fuzz::Receive(*tcp, framed, true, kRules);
  if (size <= 1024) {
    Check((record.kind == Step::Kind::kVerified) == parse.reply.has_value(), "TCP dialogue and parser disagree");
  }
  return 0;
}
