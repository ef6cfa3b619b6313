// PPTP control message codec: fixed-size messages, big-endian fields, every Length from the
// wire checked against the message type it announces before anything is read.

#include "probe/pptp/pptp_codec.hpp"

namespace portolan::probe::pptp {

namespace {

// RFC 2637 2.1: capabilities we announce (asynchronous and synchronous framing; analog and
// digital bearers), like an ordinary client; they do not change the server's answer.
constexpr std::uint32_t kFramingCapabilities = 0x3;
constexpr std::uint32_t kBearerCapabilities = 0x3;
constexpr std::uint16_t kFirmwareRevision = 1;
// RFC 2637 2.3: Reason 1, "General request to clear control connection".
constexpr std::uint8_t kStopReasonNone = 1;
// No control message of RFC 2637 is longer than the Start-Control messages (156 bytes); a
// Length above this is not PPTP.
constexpr std::size_t kMaxControlLength = 512;

void PutBe16(std::vector<std::uint8_t>& out, std::uint32_t value) {
  out.push_back(static_cast<std::uint8_t>((value >> 8) & 0xFF));
  out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

void PutBe32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  PutBe16(out, value >> 16);
  PutBe16(out, value & 0xFFFF);
}

void PutName(std::vector<std::uint8_t>& out, const std::string& name) {
  const std::size_t used = name.size() < kNameSize ? name.size() : kNameSize - 1;
  out.insert(out.end(), name.begin(), name.begin() + static_cast<std::ptrdiff_t>(used));
  out.insert(out.end(), kNameSize - used, 0);
}

std::uint16_t Be16(std::span<const std::uint8_t> bytes, std::size_t at) {
  return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

std::uint32_t Be32(std::span<const std::uint8_t> bytes, std::size_t at) {
  return (static_cast<std::uint32_t>(Be16(bytes, at)) << 16) | Be16(bytes, at + 2);
}

std::string Name(std::span<const std::uint8_t> field) {
  std::string name;
  for (const auto byte : field) {
    if (byte == 0) break;
    name += static_cast<char>(byte);
  }
  return name;
}

void PutHeader(std::vector<std::uint8_t>& out, std::size_t length, std::uint16_t control_type) {
  PutBe16(out, static_cast<std::uint32_t>(length));
  PutBe16(out, kControlMessage);
  PutBe32(out, kMagicCookie);
  PutBe16(out, control_type);
  PutBe16(out, 0);  // Reserved0
}

}  // namespace

std::vector<std::uint8_t> BuildStartControlRequest(const std::string& host_name, const std::string& vendor) {
  std::vector<std::uint8_t> out;
  out.reserve(kStartControlLength);
  PutHeader(out, kStartControlLength, kStartControlRequest);
  PutBe16(out, kProtocolVersion);
  PutBe16(out, 0);  // Reserved1
  PutBe32(out, kFramingCapabilities);
  PutBe32(out, kBearerCapabilities);
  PutBe16(out, 0);  // Maximum Channels: 0 for a PAC-facing client (RFC 2637 2.1)
  PutBe16(out, kFirmwareRevision);
  PutName(out, host_name);
  PutName(out, vendor);
  return out;
}

std::vector<std::uint8_t> BuildStopControlRequest() {
  std::vector<std::uint8_t> out;
  out.reserve(kStopControlLength);
  PutHeader(out, kStopControlLength, kStopControlRequest);
  out.push_back(kStopReasonNone);
  out.push_back(0);  // Reserved1
  PutBe16(out, 0);   // Reserved2
  return out;
}

Frame FrameControlMessage(std::span<const std::uint8_t> bytes) {
  if (bytes.size() >= 2) {
    const std::size_t length = Be16(bytes, 0);
    if (length < kCommonHeaderSize || length > kMaxControlLength) {
      return {Framing::kNotPptp, 0, "Length " + std::to_string(length) + " is not a control message's"};
    }
  }
  if (bytes.size() >= 4 && Be16(bytes, 2) != kControlMessage) {
    return {Framing::kNotPptp, 0, "PPTP Message Type is not 1 (control)"};
  }
  if (bytes.size() >= 8 && Be32(bytes, 4) != kMagicCookie) {
    return {Framing::kNotPptp, 0, "no magic cookie 0x1A2B3C4D"};
  }
  if (bytes.size() < kCommonHeaderSize) return {};
  const std::size_t length = Be16(bytes, 0);
  if (bytes.size() < length) return {};
  return {Framing::kComplete, length, {}};
}

std::uint16_t ControlType(std::span<const std::uint8_t> message) {
  return message.size() >= kCommonHeaderSize ? Be16(message, 8) : 0;
}

std::optional<StartControlReply> ParseStartControlReply(std::span<const std::uint8_t> message, std::string* error) {
  if (message.size() < kStartControlLength || Be16(message, 0) != kStartControlLength) {
    *error = "a Start-Control-Connection-Reply must be 156 bytes long";
    return std::nullopt;
  }
  if (ControlType(message) != kStartControlReply) {
    *error = "control message type " + std::to_string(ControlType(message)) + ", not a Start-Control-Connection-Reply";
    return std::nullopt;
  }
  // RFC 2637 2.2: offsets of the fields after the 12-byte common header.
  StartControlReply reply;
  reply.protocol_version = Be16(message, 12);
  reply.result_code = message[14];
  reply.error_code = message[15];
  reply.framing = Be32(message, 16);
  reply.bearer = Be32(message, 20);
  reply.firmware_revision = Be16(message, 26);
  reply.host_name = Name(message.subspan(28, kNameSize));
  reply.vendor = Name(message.subspan(28 + kNameSize, kNameSize));
  return reply;
}

std::string ResultName(std::uint8_t result_code) {
  switch (result_code) {
    case 1: return "1 (success)";
    case 2: return "2 (general error)";
    case 3: return "3 (channel already exists)";
    case 4: return "4 (not authorized)";
    case 5: return "5 (protocol version not supported)";
    default: return std::to_string(result_code);
  }
}

}  // namespace portolan::probe::pptp
