#pragma once
// HTTP/1.1 for the probes (RFC 9112): request builders for the SMS management point's mplist
// and for a HEAD with a one-byte range, and a bounded parser of a response's status line and
// header fields.

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

std::string BuildGetRequest(std::string_view host, std::string_view path);
// HEAD / with "Range: bytes=0-0": a server that can serve ranges (what BITS needs to resume a
// download) says so with 206 or "Accept-Ranges: bytes".
std::string BuildHeadRequest(std::string_view host);

struct ResponseHead {
  int major = 1;
  int minor = 1;
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> fields;  // in order, names as sent
  std::size_t size = 0;                                     // bytes of status line + fields + the empty line

  // The first field of that name (case-insensitive), trimmed.
  std::optional<std::string> Field(std::string_view name) const;
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

}  // namespace portolan::probe::http
