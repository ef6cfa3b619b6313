// TDS PRELOGIN codec: builds the client's PRELOGIN packet and reads the server's option table,
// with every offset and length from the wire checked against the packet it claims to be in.

#include "probe/tds/tds_codec.hpp"

#include <array>

#include "probe/wire/byte_reader.hpp"
#include "probe/wire/byte_writer.hpp"

namespace portolan::probe::tds {

namespace {

using wire::ByteReader;
using wire::PutU16Be;

// MS-TDS 2.2.6.5: an option entry is PL_OPTION_TOKEN (1) + PL_OFFSET (2) + PL_OPTION_LENGTH (2),
// big-endian, offsets counted from the start of the packet data.
constexpr std::size_t kOptionEntrySize = 5;
constexpr std::size_t kVersionSize = 6;  // UL_VERSION + US_SUBBUILD
constexpr std::size_t kThreadIdSize = 4;
// A PRELOGIN table has a handful of options (nine are defined); a table longer than this is
// not one.
constexpr std::size_t kMaxOptions = 32;

std::string HexByte(std::uint8_t value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string("0x") + kHex[value >> 4] + kHex[value & 0xF];
}

}  // namespace

std::vector<std::uint8_t> BuildPreloginRequest() {
  struct Option {
    std::uint8_t token;
    std::vector<std::uint8_t> data;
  };
  // The client's own version means nothing to the server's answer: zeros, like a client that
  // does not say. THREADID 0 for the same reason (it only serves the server's debugging).
  const std::array<Option, 4> options = {{
      {kOptionVersion, std::vector<std::uint8_t>(kVersionSize, 0)},
      {kOptionEncryption, {kEncryptOff}},
      {kOptionInstOpt, {0x00}},  // an empty instance name: the default instance
      {kOptionThreadId, std::vector<std::uint8_t>(kThreadIdSize, 0)},
  }};
  const std::size_t table_size = options.size() * kOptionEntrySize + 1;
  std::size_t data_size = table_size;
  for (const auto& option : options) data_size += option.data.size();

  std::vector<std::uint8_t> packet;
  packet.reserve(kHeaderSize + data_size);
  packet.push_back(kPacketPrelogin);
  packet.push_back(kStatusEndOfMessage);
  PutU16Be(packet, static_cast<std::uint16_t>(kHeaderSize + data_size));  // Length includes the header (2.2.3.1.3)
  PutU16Be(packet, 0);                                                    // SPID: the client sends 0
  packet.push_back(1);                                                    // PacketID: the first packet of the message
  packet.push_back(0);                                                    // Window: unused, 0
  std::size_t offset = table_size;
  for (const auto& option : options) {
    packet.push_back(option.token);
    PutU16Be(packet, static_cast<std::uint16_t>(offset));
    PutU16Be(packet, static_cast<std::uint16_t>(option.data.size()));
    offset += option.data.size();
  }
  packet.push_back(kOptionTerminator);
  for (const auto& option : options) wire::PutBytes(packet, option.data);
  return packet;
}

Framing FrameTdsPacket(std::span<const std::uint8_t> bytes) {
  ByteReader reader(bytes);
  reader.Skip(2);  // Type, Status
  const std::size_t length = reader.U16();
  if (!reader.Ok()) return Framing::kIncomplete;
  if (length < kHeaderSize) return Framing::kNotTds;
  return bytes.size() >= length ? Framing::kComplete : Framing::kIncomplete;
}

ParseResult ParsePreloginAnswer(std::span<const std::uint8_t> packet) {
  if (packet.size() < kHeaderSize) return {{}, "shorter than a TDS header"};
  ByteReader header(packet);
  const std::uint8_t type = header.U8();
  if (type != kPacketTabularResult) {
    return {{}, "TDS packet type " + HexByte(type) + ", not 0x04"};
  }
  header.Skip(1);  // Status
  const std::size_t length = header.U16();
  if (length < kHeaderSize || length > packet.size()) return {{}, "TDS Length field out of range"};
  const auto data = packet.subspan(kHeaderSize, length - kHeaderSize);

  PreloginAnswer answer;
  bool have_version = false;
  ByteReader table(data);
  for (std::size_t count = 0;; ++count) {
    const std::uint8_t token = table.U8();
    if (!table.Ok()) return {{}, "option table without its 0xFF terminator"};
    if (token == kOptionTerminator) break;
    if (count >= kMaxOptions) return {{}, "more options than a PRELOGIN table has"};
    const std::size_t offset = table.U16();
    const std::size_t size = table.U16();
    if (!table.Ok()) return {{}, "option table cut short"};
    ByteReader option(data);
    option.Seek(offset);
    const auto value = option.Take(size);
    if (!option.Ok()) return {{}, "an option points outside the packet"};
    ByteReader fields(value);
    switch (token) {
      case kOptionVersion:
        if (size < kVersionSize) return {{}, "VERSION option shorter than 6 bytes"};
        answer.major = fields.U8();
        answer.minor = fields.U8();
        answer.build = fields.U16();
        answer.sub_build = fields.U16();
        have_version = true;
        break;
      case kOptionEncryption:
        if (size < 1) return {{}, "empty ENCRYPTION option"};
        answer.encryption = fields.U8();
        break;
      case kOptionInstOpt:
        if (size >= 1) answer.instance_valid = fields.U8();
        break;
      default: break;  // THREADID, MARS, TRACEID, FEDAUTHREQUIRED, NONCEOPT...: not reported
    }
  }
  // MS-TDS 2.2.6.5: VERSION is the first option and always present.
  if (!have_version) return {{}, "option table without VERSION"};
  return {answer, {}};
}

std::string EncryptionName(std::uint8_t value) {
  switch (value) {
    case kEncryptOff: return "ENCRYPT_OFF (login packet only)";
    case kEncryptOn: return "ENCRYPT_ON";
    case kEncryptNotSupported: return "ENCRYPT_NOT_SUP";
    case kEncryptRequired: return "ENCRYPT_REQ";
    default: return HexByte(value);
  }
}

}  // namespace portolan::probe::tds
