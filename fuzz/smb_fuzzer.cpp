// Fuzzed bytes -> the SMB NEGOTIATE response parser and the SMB dialogue (as a TCP stream in
// chunks, through the SMB2 second step when the bytes lead there). Any crash, sanitizer report or
// broken verdict invariant is a finding.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "probe/dialogue.hpp"
#include "probe/smb/smb_codec.hpp"
#include "probe/smb/smb_dialogue.hpp"

namespace {

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz invariant violated: %s ('%s')\n", what, detail.c_str());
  std::abort();
}

// Every verdict comes with a short printable line; ports only come with VERIFIED.
void CheckStep(const portolan::probe::Step& step) {
  using Kind = portolan::probe::Step::Kind;
  if (step.detail.size() > 300) Fail("a detail longer than 300 characters", step.detail);
  for (const char c : step.detail) {
    if (c < 0x20 || c > 0x7e) Fail("a detail that is not printable ASCII", step.detail);
  }
  if ((step.kind == Kind::kVerified || step.kind == Kind::kWrongService) && step.detail.empty()) {
    Fail("a verdict without a detail", step.detail);
  }
  if (step.kind == Kind::kSend && step.bytes.empty()) Fail("an empty request", step.detail);
  if (step.kind != Kind::kVerified && !step.advertised_tcp_ports.empty()) Fail("ports without VERIFIED", step.detail);
  for (const int port : step.advertised_tcp_ports) {
    if (port < 1 || port > 65535) Fail("an advertised port out of range", step.detail);
  }
}

// Feeds `stream` to a TCP dialogue as the engine would: growing prefixes of `chunk` more bytes,
// restarting after each request, then the rest with closed=true.
void DriveTcp(portolan::probe::Dialogue& dialogue, std::span<const std::uint8_t> stream, std::size_t chunk) {
  using Kind = portolan::probe::Step::Kind;
  if (dialogue.Start().empty()) Fail("an empty first request", "");
  std::size_t start = 0;
  std::size_t end = 0;
  while (end < stream.size()) {
    end = std::min(stream.size(), end + chunk);
    const auto step = dialogue.OnReceive(stream.subspan(start, end - start), false);
    CheckStep(step);
    if (step.kind == Kind::kSend) {
      start = end;
      continue;
    }
    if (step.kind != Kind::kNeedMore) return;
  }
  const auto last = dialogue.OnReceive(stream.subspan(start, end - start), true);
  CheckStep(last);
  if (last.kind == Kind::kNeedMore || last.kind == Kind::kSend) Fail("no verdict once the peer closed", last.detail);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  std::string error;
  const auto frame = portolan::probe::smb::ReadDirectTcpFrame(input);
  if (frame.status == portolan::probe::smb::FrameStatus::kInvalid && frame.error.empty()) Fail("no error", "");
  const auto parsed = portolan::probe::smb::ParseNegotiateResponse(input, &error);
  if (!parsed && error.empty()) Fail("a refusal without an error", "");
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 97;
  portolan::probe::ProbeTarget target;
  target.address = "10.0.0.10";
  target.port = 445;
  DriveTcp(*portolan::probe::smb::MakeNegotiateDialogue(target), input.subspan(1), chunk);
  return 0;
}
