#pragma once
// What every probe fuzz target does with a dialogue: drive it the ways the engine can (an answer
// whole, in pieces, with the close), and check the contract of probe/dialogue.hpp on each step.
// Header-only, included by the *_fuzzer.cpp files; a violation aborts, which libFuzzer reports.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "probe/dialogue.hpp"

namespace portolan::fuzz {

using probe::Step;

// The contract's "at most ~200 characters", plus the "..." of a detail that was cut.
inline constexpr std::size_t kContractDetailChars = 210;
inline constexpr int kMaxPort = 65535;

// What a protocol promises on top of the contract, or where it does not keep it yet.
struct DialogueRules {
  bool single_request = false;  // never kSend: one request, then a verdict
  // Only the BER-based dialogues cut every detail with wire::LimitDetail; the others keep the
  // bound their fuzzers checked before the harness (300 for NetBIOS/SMB/DCE-RPC, 400 for DNS,
  // HTTP, PPTP, TDS and SQL Browser), which the fuzzers reach.
  std::size_t max_detail_chars = kContractDetailChars;
};

[[noreturn]] inline void Violated(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz invariant violated: %s (detail '%.*s')\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

inline void Check(bool condition, const char* what, std::string_view detail = {}) {
  if (!condition) Violated(what, detail);
}

// Every step: a verdict says something, on one short printable line; a request is not empty;
// ports come only with VERIFIED; once the peer has closed, the answer is final.
inline void CheckStep(const Step& step, bool closed, const DialogueRules& rules = {}) {
  const bool verdict = step.kind == Step::Kind::kVerified || step.kind == Step::Kind::kWrongService;
  Check(!verdict || !step.detail.empty(), "a verdict without a detail");
  Check(step.detail.size() <= rules.max_detail_chars, "a detail longer than one line", step.detail);
  for (const char c : step.detail) Check(c >= 0x20 && c <= 0x7E, "a detail that is not printable ASCII", step.detail);
  Check(step.kind != Step::Kind::kSend || !step.bytes.empty(), "kSend without bytes", step.detail);
  Check(step.kind != Step::Kind::kSend || !rules.single_request, "kSend from a single-request dialogue", step.detail);
  Check(step.kind == Step::Kind::kVerified || step.advertised_tcp_ports.empty(), "ports without VERIFIED", step.detail);
  for (const int port : step.advertised_tcp_ports) {
    Check(port >= 1 && port <= kMaxPort, "an advertised port out of range", step.detail);
  }
  if (closed) Check(verdict, "no verdict once the peer closed", step.detail);
}

// The first request, which must not be empty.
inline probe::Bytes StartChecked(probe::Dialogue& dialogue) {
  probe::Bytes request = dialogue.Start();
  Check(!request.empty(), "an empty first request");
  return request;
}

// One call of OnReceive, checked.
inline Step Receive(probe::Dialogue& dialogue, std::span<const std::uint8_t> bytes, bool closed,
                    const DialogueRules& rules = {}) {
  Step step = dialogue.OnReceive(bytes, closed);
  CheckStep(step, closed, rules);
  return step;
}

// Feeds `stream` to a fresh TCP dialogue as the engine would: growing prefixes of `chunk` more
// bytes, starting over after each request, then what is left with closed=true. `chunk` 0: all of
// it arrives with the close.
inline void DriveStream(probe::Dialogue& dialogue, std::span<const std::uint8_t> stream, std::size_t chunk,
                        const DialogueRules& rules) {
  StartChecked(dialogue);
  std::size_t start = 0;
  std::size_t end = chunk == 0 ? stream.size() : 0;
  while (end < stream.size()) {
    end = std::min(stream.size(), end + chunk);
    const Step step = Receive(dialogue, stream.subspan(start, end - start), false, rules);
    if (step.kind == Step::Kind::kSend) {
      start = end;
      continue;
    }
    if (step.kind != Step::Kind::kNeedMore) return;
  }
  Receive(dialogue, stream.subspan(start, end - start), true, rules);
}

// A TCP answer every way: with the close, whole and then the close, and in pieces of `chunk`.
inline void FuzzStream(probe::DialogueFactory make, const probe::ProbeTarget& target,
                       std::span<const std::uint8_t> stream, std::size_t chunk, const DialogueRules& rules = {}) {
  DriveStream(*make(target), stream, 0, rules);
  DriveStream(*make(target), stream, std::max<std::size_t>(stream.size(), 1), rules);
  DriveStream(*make(target), stream, std::max<std::size_t>(chunk, 1), rules);
}

}  // namespace portolan::fuzz
