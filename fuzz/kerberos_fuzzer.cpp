// Bytes -> the KDC reply parser and both Kerberos dialogues: as a UDP datagram, and as a TCP
// stream in pieces, framed by the fuzzer and raw. Invariants: a final verdict once the peer
// closed, printable bounded details, and a dialogue that agrees with the parser.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "probe/kerberos/kerberos_codec.hpp"
#include "probe/kerberos/kerberos_dialogue.hpp"

namespace {

using portolan::probe::Step;
namespace kerberos = portolan::probe::kerberos;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

void Check(bool condition, const char* what) {
  if (!condition) Fail(what);
}

constexpr std::size_t kMaxDetail = 210;

void CheckStep(const Step& step, bool closed) {
  Check(step.kind != Step::Kind::kSend, "the AS-REQ dialogue has a single request");
  if (closed) Check(step.kind != Step::Kind::kNeedMore, "NeedMore after the peer closed");
  if (step.kind == Step::Kind::kNeedMore) return;
  Check(!step.detail.empty() && step.detail.size() <= kMaxDetail, "detail empty or too long");
  for (const char c : step.detail) Check(c >= 0x20 && c <= 0x7E, "detail is not printable ASCII");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const auto parse = kerberos::ParseKdcReply(input);
  Check(parse.reply.has_value() || !parse.error.empty(), "a refused reply without an error");

  portolan::probe::ProbeTarget target;
  target.address = "192.0.2.1";
  target.port = 88;
  target.domain = "corp.example";
  const auto udp = kerberos::MakeAsReqUdpDialogue(target);
  Check(!udp->Start().empty(), "empty request");
  const Step datagram = udp->OnReceive(input, false);
  CheckStep(datagram, false);
  Check(datagram.kind != Step::Kind::kNeedMore, "a datagram left undecided");
  Check((datagram.kind == Step::Kind::kVerified) == parse.reply.has_value(), "UDP dialogue and parser disagree");

  const auto tcp = kerberos::MakeAsReqTcpDialogue(target);
  for (const std::size_t cut : {size / 2, size}) CheckStep(tcp->OnReceive(input.first(cut), false), false);
  CheckStep(tcp->OnReceive(input, true), true);
  const kerberos::Bytes framed = kerberos::FrameForTcp(kerberos::Bytes(input.begin(), input.end()));
  const Step record = tcp->OnReceive(framed, true);
  CheckStep(record, true);
  if (size <= 1024) {
    Check((record.kind == Step::Kind::kVerified) == parse.reply.has_value(), "TCP dialogue and parser disagree");
  }
  return 0;
}
