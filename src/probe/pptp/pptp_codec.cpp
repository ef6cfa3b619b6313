// PPTP control message codec: fixed-size messages, big-endian fields, every Length from the
// wire checked against the message type it announces before anything is read.

#include "probe/pptp/pptp_codec.hpp"

#include "probe/wire/byte_reader.hpp"
#include "probe/wire/byte_writer.hpp"

namespace portolan::probe::pptp {

namespace {

using wire::ByteReader;
using wire::PutU16Be;
using wire::PutU32Be;

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

void PutName(std::vector<std::uint8_t>& out, const std::string& name) {
  const std::size_t used = name.size() < kNameSize ? name.size() : kNameSize - 1;
  out.insert(out.end(), name.begin(), name.begin() + static_cast<std::ptrdiff_t>(used));
  out.insert(out.end(), kNameSize - used, 0);
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
  PutU16Be(out, static_cast<std::uint16_t>(length));
  PutU16Be(out, kControlMessage);
  PutU32Be(out, kMagicCookie);
  PutU16Be(out, control_type);
  PutU16Be(out, 0);  // Reserved0
}

}  // namespace

std::vector<std::uint8_t> BuildStartControlRequest(const std::string& host_name, const std::string& vendor) {
  std::vector<std::uint8_t> out;
  out.reserve(kStartControlLength);
  PutHeader(out, kStartControlLength, kStartControlRequest);
  PutU16Be(out, kProtocolVersion);
  PutU16Be(out, 0);  // Reserved1
  PutU32Be(out, kFramingCapabilities);
  PutU32Be(out, kBearerCapabilities);
  PutU16Be(out, 0);  // Maximum Channels: 0 for a PAC-facing client (RFC 2637 2.1)
  PutU16Be(out, kFirmwareRevision);
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
  PutU16Be(out, 0);  // Reserved2
  return out;
}

// Each field is judged as soon as it has arrived, so that foreign bytes need not fill a header.
Frame FrameControlMessage(std::span<const std::uint8_t> bytes) {
  ByteReader reader(bytes);
  const std::size_t length = reader.U16();
  if (reader.Ok() && (length < kCommonHeaderSize || length > kMaxControlLength)) {
    return {Framing::kNotPptp, 0, "Length " + std::to_string(length) + " is not a control message's"};
  }
  const std::uint16_t message_type = reader.U16();
  if (reader.Ok() && message_type != kControlMessage) {
    return {Framing::kNotPptp, 0, "PPTP Message Type is not 1 (control)"};
  }
  const std::uint32_t cookie = reader.U32();
  if (reader.Ok() && cookie != kMagicCookie) {
    return {Framing::kNotPptp, 0, "no magic cookie 0x1A2B3C4D"};
  }
  if (bytes.size() < kCommonHeaderSize) return {};
  if (bytes.size() < length) return {};
  return {Framing::kComplete, length, {}};
}

std::uint16_t ControlType(std::span<const std::uint8_t> message) {
  if (message.size() < kCommonHeaderSize) return 0;
  ByteReader reader(message);
  reader.Skip(8);  // Length, PPTP Message Type, Magic Cookie
  return reader.U16();
}

std::optional<StartControlReply> ParseStartControlReply(std::span<const std::uint8_t> message, std::string* error) {
  ByteReader reader(message);
  if (message.size() < kStartControlLength || reader.U16() != kStartControlLength) {
    *error = "a Start-Control-Connection-Reply must be 156 bytes long";
    return std::nullopt;
  }
  if (ControlType(message) != kStartControlReply) {
    *error = "control message type " + std::to_string(ControlType(message)) + ", not a Start-Control-Connection-Reply";
    return std::nullopt;
  }
  // RFC 2637 2.2: the fields after the 12-byte common header.
  StartControlReply reply;
  reader.Seek(kCommonHeaderSize);
  reply.protocol_version = reader.U16();
  reply.result_code = reader.U8();
  reply.error_code = reader.U8();
  reply.framing = reader.U32();
  reply.bearer = reader.U32();
  reader.Skip(2);  // Maximum Channels
  reply.firmware_revision = reader.U16();
  reply.host_name = Name(reader.Take(kNameSize));
  reply.vendor = Name(reader.Take(kNameSize));
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
