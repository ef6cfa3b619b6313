// HTTP responses -> ParseResponseHead, the field readers, and the HTTP dialogues: GET (MP list
// or a ranged GET), through a proxy or not, the method checks and the BITS download check (HEAD
// and two ranged GETs), chosen by the first byte; the dialogue invariants are those of
// fuzz/dialogue_harness.hpp, plus the http dialogue's own: a refined verdict only on a failing
// step, and never more content than the two ranges asked for.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <span>

#include "fuzz/dialogue_harness.hpp"
#include "probe/http/http_codec.hpp"
#include "probe/http/http_dialogue.hpp"

namespace {

using namespace portolan;

constexpr std::size_t kMaxContent = 1 + 1000;  // bytes=0-0 and the middle slice

void CheckRefined(const probe::http::HttpProbeDialogue& dialogue) {
  const auto refined = dialogue.Refined();
  fuzz::Check(!refined || (*refined != probe::Verdict::kVerified && *refined != probe::Verdict::kWrongService),
              "a refined verdict that the step's kind says already");
  fuzz::Check(dialogue.Content().size() <= kMaxContent, "more content than the ranges asked for");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr fuzz::DialogueRules kRules{.max_detail_chars = 400};
  const std::span<const std::uint8_t> bytes(data, size);
  const auto parsed = probe::http::ParseResponseHead(bytes);
  if (parsed.head) {
    (void)probe::http::ContentLength(*parsed.head);
    (void)probe::http::ProxyChallenges(*parsed.head);
    if (const auto range = parsed.head->Field("Content-Range")) (void)probe::http::ParseContentRange(*range);
  }
  probe::ProbeTarget target{"10.0.0.10", 0, "corp.example", "HOST01", {}};
  const std::uint8_t choice = size > 0 ? data[0] : 0;
  if (choice & 1) target.roles = {"management-point"};
  // The registry's dialogue, as before.
  fuzz::FuzzStream(probe::http::MakeHttpDialogue, target, bytes, size / 8 + 1, kRules);

  // The bytes after the first to a check the first byte chooses (bit 0: a management point; bits
  // 1-3: the check; bit 4: through a proxy; bit 5: with credentials), whole and in pieces.
  constexpr probe::HttpCheck kChecks[] = {probe::HttpCheck::kGet, probe::HttpCheck::kCcmPost,
                                          probe::HttpCheck::kBitsPost, probe::HttpCheck::kPropfind,
                                          probe::HttpCheck::kBitsFile};
  probe::http::HttpProbeOptions options;
  options.check = kChecks[(choice >> 1) % std::size(kChecks)];
  options.path = "/pkg/file.bin";
  if (choice & 0x10) options.proxy = probe::ProxyEndpoint{"2001:db8::5", 3128, (choice & 0x20) ? "u:p" : ""};
  for (const std::size_t chunk : {std::size_t{0}, size / 8 + 1, std::size_t{1}}) {
    if (chunk == 1 && size > 512) break;  // byte by byte only for short inputs: it is quadratic
    const auto dialogue = probe::http::MakeHttpProbeDialogue(target, options);
    fuzz::DriveStream(*dialogue, bytes.subspan(size > 0 ? 1 : 0), chunk, kRules);
    CheckRefined(*dialogue);
  }
  return 0;
}
