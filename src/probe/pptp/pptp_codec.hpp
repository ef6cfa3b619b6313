#pragma once
// PPTP control messages (RFC 2637 2.1-2.4): Start-Control-Connection-Request and
// Stop-Control-Connection-Request builders, and the parser of the server's control messages.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace portolan::probe::pptp {

inline constexpr std::uint16_t kControlMessage = 1;        // RFC 2637 2: PPTP Message Type
inline constexpr std::uint32_t kMagicCookie = 0x1A2B3C4D;  // RFC 2637 2: Magic Cookie
inline constexpr std::uint16_t kStartControlRequest = 1;   // RFC 2637 2.1
inline constexpr std::uint16_t kStartControlReply = 2;     // RFC 2637 2.2
inline constexpr std::uint16_t kStopControlRequest = 3;    // RFC 2637 2.3
inline constexpr std::uint16_t kStopControlReply = 4;      // RFC 2637 2.4
inline constexpr std::uint16_t kProtocolVersion = 0x0100;  // version 1, revision 0
inline constexpr std::size_t kStartControlLength = 156;    // RFC 2637 2.1, 2.2
inline constexpr std::size_t kStopControlLength = 16;      // RFC 2637 2.3, 2.4
inline constexpr std::size_t kCommonHeaderSize = 12;       // Length .. Reserved0
inline constexpr std::size_t kNameSize = 64;               // Host Name, Vendor String

// host_name and vendor are cut to 63 bytes and NUL-padded to 64.
std::vector<std::uint8_t> BuildStartControlRequest(const std::string& host_name, const std::string& vendor);
std::vector<std::uint8_t> BuildStopControlRequest();

struct StartControlReply {
  std::uint16_t protocol_version = 0;
  std::uint8_t result_code = 0;
  std::uint8_t error_code = 0;
  std::uint32_t framing = 0;
  std::uint32_t bearer = 0;
  std::uint16_t firmware_revision = 0;
  std::string host_name;  // up to the first NUL, as sent (may be unprintable)
  std::string vendor;
};

// A control message framed by its Length field.
enum class Framing { kIncomplete, kComplete, kNotPptp };
struct Frame {
  Framing framing = Framing::kIncomplete;
  std::size_t length = 0;  // kComplete: the message length
  std::string error;       // kNotPptp: why
};
// Checks Length, PPTP Message Type and Magic Cookie as soon as they have arrived.
Frame FrameControlMessage(std::span<const std::uint8_t> bytes);

// The Control Message Type of a framed message (bytes[8..9]).
std::uint16_t ControlType(std::span<const std::uint8_t> message);

std::optional<StartControlReply> ParseStartControlReply(std::span<const std::uint8_t> message, std::string* error);

// RFC 2637 2.2: Result Code names.
std::string ResultName(std::uint8_t result_code);

}  // namespace portolan::probe::pptp
