// Bytes -> the LDAP message decoder and the rootDSE dialogue, as a TCP stream that arrives in
// pieces and then closes. Invariants: decoded messages lie inside the input, and every verdict
// is final when the peer has closed, with a printable, bounded, non-empty detail.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "probe/ldap/ldap_codec.hpp"
#include "probe/ldap/ldap_dialogue.hpp"

namespace {

using portolan::probe::Step;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

void Check(bool condition, const char* what) {
  if (!condition) Fail(what);
}

constexpr std::size_t kMaxDetail = 210;

void CheckStep(const Step& step, bool closed) {
  Check(step.kind != Step::Kind::kSend, "the rootDSE dialogue has a single request");
  if (closed) Check(step.kind != Step::Kind::kNeedMore, "NeedMore after the peer closed");
  if (step.kind == Step::Kind::kNeedMore) return;
  Check(!step.detail.empty() && step.detail.size() <= kMaxDetail, "detail empty or too long");
  for (const char c : step.detail) Check(c >= 0x20 && c <= 0x7E, "detail is not printable ASCII");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const auto decoded = portolan::probe::ldap::DecodeMessage(input);
  if (decoded.status == portolan::probe::ldap::Decoded::Status::kComplete) {
    Check(decoded.size > 0 && decoded.size <= size, "a decoded message outside its input");
  }
  portolan::probe::ProbeTarget target;
  target.address = "192.0.2.1";
  target.port = 389;
  const auto dialogue = portolan::probe::ldap::MakeRootDseDialogue(target);
  Check(!dialogue->Start().empty(), "empty request");
  for (const std::size_t cut : {size / 3, size / 2, size}) {
    CheckStep(dialogue->OnReceive(input.first(cut), false), false);
  }
  CheckStep(dialogue->OnReceive(input, true), true);
  return 0;
}
