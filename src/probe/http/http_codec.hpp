#pragma once
// HTTP/1.1 for the probes (RFC 9112): request builders (origin form to a server, absolute form
// to a proxy), a bounded parser of a response's status line and header fields, and the fields
// the probes judge by (Content-Length, Content-Range, Proxy-Authenticate).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portolan::probe::http {

// The SMS 2003 management point's list request (what SMS clients ask for first).
inline constexpr char kMpListPath[] = "/sms_mp/.sms_aut?mplist";
// Header sections longer than this are not a web server's answer to a probe.
inline constexpr std::size_t kMaxHeaderBytes = 16384;

// A request with no body: `method request_target HTTP/1.1`, Host, User-Agent, Accept, then
// `fields` (whole lines, each ending in CRLF), then "Connection: close" unless `keep_alive`.
std::string BuildRequest(std::string_view method, std::string_view request_target, std::string_view host,
                         std::string_view fields = {}, bool keep_alive = false);
// GET in origin form, Connection: close.
std::string BuildGetRequest(std::string_view host, std::string_view path);

// RFC 4648 base64, for Basic credentials (RFC 7617).
std::string Base64(std::string_view bytes);

struct ResponseHead {
  int major = 1;
  int minor = 1;
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> fields;  // in order, names as sent
  std::size_t size = 0;                                     // bytes of status line + fields + the empty line

  // The first field of that name (case-insensitive), trimmed.
  std::optional<std::string> Field(std::string_view name) const;
  // Every field of that name, in order (Proxy-Authenticate comes once per challenge).
  std::vector<std::string> Fields(std::string_view name) const;
};

enum class HeadState {
  kIncomplete,  // the empty line that ends the header section has not arrived
  kComplete,
  kNotHttp,  // does not start with an HTTP/1.x status line
  kTooLong,  // no end of the header section within kMaxHeaderBytes
};

struct HeadResult {
  HeadState state = HeadState::kIncomplete;
  std::optional<ResponseHead> head;  // kComplete; kIncomplete once the status line is whole
  std::string error;                 // kNotHttp, kTooLong
};

HeadResult ParseResponseHead(std::span<const std::uint8_t> bytes);

// Content-Length: digits only, at most 18 of them; nullopt when absent or malformed.
std::optional<std::uint64_t> ContentLength(const ResponseHead& head);

// Content-Range: bytes FIRST-LAST/COMPLETE (RFC 9110 14.4); COMPLETE nullopt for "*".
struct ContentRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::optional<std::uint64_t> complete;
};
std::optional<ContentRange> ParseContentRange(std::string_view value);

// Whether a field's comma-separated list holds `token` (case-insensitive): Connection: close.
bool HasToken(const ResponseHead& head, std::string_view name, std::string_view token);

// The challenges of the Proxy-Authenticate fields, one each: the scheme, and the realm when it
// has one ("NTLM", "Negotiate", "Basic realm=\"lab\"").
std::vector<std::string> ProxyChallenges(const ResponseHead& head);

}  // namespace portolan::probe::http
