#pragma once
// The one line a portolan responder answers with, and its parser: the probe tells a responder
// from anything else that might answer by this line and its token.
//   PORTOLAN-RESPONDER/1 token=<token> host=<name> port=<port>/<tcp|udp>\r\n

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "probe/transport.hpp"

namespace portolan::probe::responder {

inline constexpr std::string_view kGreetingMagic = "PORTOLAN-RESPONDER/1 ";
inline constexpr std::size_t kMaxFieldLength = 64;  // token and host: [A-Za-z0-9._-]{1,64}
// The longest greeting: both fields at their maximum and "65535/tcp".
inline constexpr std::size_t kMaxGreetingSize =
    kGreetingMagic.size() + 6 + kMaxFieldLength + 6 + kMaxFieldLength + 6 + 9 + 2;
// A prefix this long ("PORTOLAN") is taken for a greeting cut by a short request.
inline constexpr std::size_t kMinTruncatedGreeting = 8;
inline constexpr std::string_view kDefaultToken = "portolan";
inline constexpr std::string_view kNoHost = "-";

struct GreetingFields {
  std::string token;  // must satisfy IsValidToken
  std::string host;   // any text: SafeHostField makes it fit
  int port = 0;       // 1..65535
  probe::Transport transport = probe::Transport::kTcp;
};

// [A-Za-z0-9._-]{1,64}
bool IsValidToken(std::string_view token);
// An inventory name as the host field: characters outside the alphabet become '_', cut to 64;
// empty becomes "-".
std::string SafeHostField(std::string_view name);

// The greeting line with its CRLF. Asserts a valid token and port.
std::string Greeting(const GreetingFields& fields);

struct ParsedGreeting {
  std::string token;  // empty when the bytes end before the token does
  std::string host;   // only when complete
  int port = 0;       // only when complete
  probe::Transport transport = probe::Transport::kTcp;
  bool truncated = false;  // the bytes are a prefix (of at least kMinTruncatedGreeting) of a greeting
  std::size_t size = 0;    // bytes of the greeting in the input (with its CRLF when complete)
};

// A whole greeting line at the start of `bytes` (whatever follows it), or a prefix of one that
// is at least kMinTruncatedGreeting long (truncated: a UDP answer cut to the request's size).
// Anything else: nullopt.
std::optional<ParsedGreeting> ParseGreeting(std::span<const std::uint8_t> bytes);

// True when `bytes` (possibly shorter than kMinTruncatedGreeting, possibly empty) could still
// become a greeting if more bytes arrived: a TCP reader keeps reading.
bool CouldBeGreetingStart(std::span<const std::uint8_t> bytes);

}  // namespace portolan::probe::responder
