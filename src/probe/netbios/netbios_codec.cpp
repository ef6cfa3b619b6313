// NetBIOS over TCP/IP codecs (RFC 1002): name encoding, session request and replies, node
// status. Every length on the wire is checked against the bytes actually received.

#include "probe/netbios/netbios_codec.hpp"

#include <algorithm>
#include <cctype>

#include "probe/wire/byte_reader.hpp"
#include "probe/wire/byte_writer.hpp"
#include "probe/wire/detail_text.hpp"

namespace portolan::probe::netbios {
namespace {

using wire::ByteReader;
using wire::DescribeForeignBytes;
using wire::HexPrefix;
using wire::PutBytes;
using wire::PutU16Be;

constexpr std::size_t kMaxNameLength = kNameLength - 1;
constexpr std::uint8_t kLabelPointer = 0xc0;  // RFC 1002 4.1 / RFC 1035 4.1.4 label compression
constexpr std::size_t kMaxLabel = 63;
constexpr std::uint32_t kSessionLengthExtension = 0x01;  // RFC 1002 4.3.1: the E bit of FLAGS
constexpr std::uint16_t kFlagResponse = 0x8000;          // RFC 1002 4.2.1.1: R
constexpr int kOpcodeShift = 11;
constexpr std::uint16_t kOpcodeMask = 0x0f;
constexpr std::uint16_t kRcodeMask = 0x0f;
constexpr std::uint16_t kNameFlagGroup = 0x8000;  // RFC 1002 4.2.18: G in NAME_FLAGS
constexpr std::size_t kNodeNameEntryLength = kNameLength + 2;
constexpr std::size_t kUnitIdLength = 6;
constexpr std::size_t kMaxNameLabels = 128;  // a 512-byte datagram cannot hold more

// Skips a (possibly compressed) domain-style name; false when it runs off the end.
bool SkipName(ByteReader& reader) {
  for (std::size_t labels = 0; labels < kMaxNameLabels; ++labels) {
    const std::uint8_t length = reader.U8();
    if (!reader.Ok()) return false;
    if (length == 0) return true;
    if ((length & kLabelPointer) == kLabelPointer) {
      reader.Skip(1);
      return reader.Ok();
    }
    if (length > kMaxLabel) return false;
    reader.Skip(length);
  }
  return false;
}

std::string PrintableName(std::span<const std::uint8_t> raw) {
  std::string name;
  for (const auto byte : raw) name += (byte >= 0x20 && byte < 0x7f) ? static_cast<char>(byte) : '.';
  while (!name.empty() && name.back() == ' ') name.pop_back();
  return name;
}

}  // namespace

std::string NetbiosNameOf(std::string_view host) {
  const auto dot = host.find('.');
  std::string name(host.substr(0, dot));
  if (name.size() > kMaxNameLength) name.resize(kMaxNameLength);
  for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

Bytes EncodeNameField(std::string_view name, std::uint8_t suffix, char pad) {
  std::array<std::uint8_t, kNameLength> raw{};
  raw.fill(static_cast<std::uint8_t>(pad));
  const auto length = std::min(name.size(), kMaxNameLength);
  std::copy_n(name.begin(), length, raw.begin());
  raw[kMaxNameLength] = suffix;

  Bytes field;
  field.reserve(kEncodedNameLength + 2);
  field.push_back(static_cast<std::uint8_t>(kEncodedNameLength));
  for (const auto byte : raw) {
    field.push_back(static_cast<std::uint8_t>('A' + (byte >> 4)));
    field.push_back(static_cast<std::uint8_t>('A' + (byte & 0x0f)));
  }
  field.push_back(0);  // the root label: no NetBIOS scope
  return field;
}

Bytes BuildSessionRequest(std::string_view called_name, std::string_view calling_name) {
  const Bytes called = EncodeNameField(called_name, kSuffixFileServer);
  const Bytes calling = EncodeNameField(calling_name, kSuffixWorkstation);
  Bytes packet = {kSessionRequest, 0};
  PutU16Be(packet, static_cast<std::uint16_t>(called.size() + calling.size()));
  PutBytes(packet, called);
  PutBytes(packet, calling);
  return packet;
}

SessionParse ParseSessionReply(std::span<const std::uint8_t> bytes) {
  SessionParse parse;
  ByteReader reader(bytes);
  const std::uint8_t type = reader.U8();
  const std::uint8_t flags = reader.U8();
  const std::uint16_t low_length = reader.U16();
  if (!reader.Ok()) {
    parse.status = ParseStatus::kIncomplete;
    return parse;
  }
  if (type != kPositiveSessionResponse && type != kNegativeSessionResponse && type != kRetargetSessionResponse &&
      type != kSessionKeepAlive && type != kSessionMessage) {
    parse.error = "not a NetBIOS session packet: " + DescribeForeignBytes(bytes);
    return parse;
  }
  if ((flags & ~kSessionLengthExtension) != 0) {
    parse.error = "not a NetBIOS session packet: reserved flag bits set (" + DescribeForeignBytes(bytes) + ")";
    return parse;
  }
  const std::size_t length = (std::size_t{flags & kSessionLengthExtension} << 16) | low_length;
  // RFC 1002 4.3.3-4.3.5: the replies to a SESSION REQUEST have fixed lengths.
  const std::size_t expected = type == kPositiveSessionResponse   ? 0
                               : type == kNegativeSessionResponse ? 1
                               : type == kRetargetSessionResponse ? 6
                                                                  : length;
  if (length != expected) {
    parse.error = "NetBIOS session reply type 0x" + HexPrefix(bytes.first(1)) + " with length " +
                  std::to_string(length) + ", expected " + std::to_string(expected);
    return parse;
  }
  const auto trailer = reader.Take(length);
  if (!reader.Ok()) {
    parse.status = ParseStatus::kIncomplete;
    return parse;
  }
  parse.status = ParseStatus::kComplete;
  parse.reply.type = type;
  ByteReader fields(trailer);
  if (type == kNegativeSessionResponse) parse.reply.error_code = fields.U8();
  if (type == kRetargetSessionResponse) {
    const auto address = fields.Take(4);
    parse.reply.retarget_address = std::to_string(address[0]) + "." + std::to_string(address[1]) + "." +
                                   std::to_string(address[2]) + "." + std::to_string(address[3]);
    parse.reply.retarget_port = fields.U16();
  }
  return parse;
}

std::string NegativeResponseReason(std::uint8_t error_code) {
  switch (error_code) {
    case 0x80: return "not listening on called name";
    case 0x81: return "not listening for calling name";
    case 0x82: return "called name not present";
    case 0x83: return "called name present, but insufficient resources";
    case 0x8f: return "unspecified error";
    default: return "unknown error code";
  }
}

Bytes BuildNodeStatusRequest(std::uint16_t transaction_id) {
  Bytes packet;
  PutU16Be(packet, transaction_id);
  PutU16Be(packet, 0);  // a query (R=0), opcode 0, no flags: a unicast node status request
  PutU16Be(packet, 1);  // QDCOUNT
  PutU16Be(packet, 0);  // ANCOUNT
  PutU16Be(packet, 0);  // NSCOUNT
  PutU16Be(packet, 0);  // ARCOUNT
  // RFC 1002 4.2.17: the wildcard name "*" is padded with zero bytes, not spaces.
  const Bytes name = EncodeNameField("*", 0x00, '\0');
  PutBytes(packet, name);
  PutU16Be(packet, kTypeNbstat);
  PutU16Be(packet, kClassInternet);
  return packet;
}

std::optional<NodeStatus> ParseNodeStatusResponse(std::span<const std::uint8_t> bytes, std::string* error) {
  const auto fail = [&](std::string message) -> std::optional<NodeStatus> {
    if (error != nullptr) *error = std::move(message);
    return std::nullopt;
  };
  ByteReader reader(bytes);
  NodeStatus status;
  status.transaction_id = reader.U16();
  const std::uint16_t flags = reader.U16();
  const std::uint16_t questions = reader.U16();
  const std::uint16_t answers = reader.U16();
  reader.Skip(4);  // NSCOUNT, ARCOUNT
  if (!reader.Ok()) return fail("too short for a name service header: " + DescribeForeignBytes(bytes));
  status.response = (flags & kFlagResponse) != 0;
  status.opcode = static_cast<std::uint8_t>((flags >> kOpcodeShift) & kOpcodeMask);
  status.rcode = static_cast<std::uint8_t>(flags & kRcodeMask);

  for (std::uint16_t i = 0; i < questions; ++i) {
    if (!SkipName(reader)) return fail("a question name runs past the end");
    reader.Skip(4);  // type, class
    if (!reader.Ok()) return fail("a question runs past the end");
  }
  if (answers == 0) return status;

  if (!SkipName(reader)) return fail("the answer's name runs past the end");
  const std::uint16_t type = reader.U16();
  reader.Skip(2 + 4);  // class, TTL
  const std::uint16_t rdlength = reader.U16();
  const auto rdata = reader.Take(rdlength);
  if (!reader.Ok()) return fail("the answer record runs past the end of the datagram");
  if (type != kTypeNbstat) return status;

  status.has_nbstat = true;
  ByteReader data(rdata);
  const std::uint8_t count = data.U8();
  for (std::uint8_t i = 0; i < count; ++i) {
    const auto entry = data.Take(kNodeNameEntryLength);
    if (!data.Ok()) return fail("the node name table claims " + std::to_string(count) + " names, holds fewer");
    ByteReader fields(entry);
    const auto name = fields.Take(kMaxNameLength);
    const std::uint8_t suffix = fields.U8();
    const std::uint16_t name_flags = fields.U16();
    status.names.push_back({PrintableName(name), suffix, (name_flags & kNameFlagGroup) != 0});
  }
  // The statistics may be cut short (RFC 1002 4.2.18): the unit id only when it is all there.
  if (data.Remaining() >= kUnitIdLength) {
    std::array<std::uint8_t, kUnitIdLength> unit_id{};
    const auto raw = data.Take(kUnitIdLength);
    std::copy(raw.begin(), raw.end(), unit_id.begin());
    status.unit_id = unit_id;
  }
  return status;
}

}  // namespace portolan::probe::netbios
