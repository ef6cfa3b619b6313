// SMB NEGOTIATE requests and responses (MS-SMB 2.2.4.5, MS-CIFS 2.2.4.52, MS-SMB2 2.2.3-2.2.4),
// framed for direct TCP. Only the fields a probe reports are decoded; every read is bounded.

#include "probe/smb/smb_codec.hpp"

#include <algorithm>
#include <cstdio>

#include "probe/wire/byte_reader.hpp"
#include "probe/wire/byte_writer.hpp"
#include "probe/wire/detail_text.hpp"

namespace portolan::probe::smb {
namespace {

using wire::ByteReader;
using wire::DescribeForeignBytes;
using wire::PutBytes;
using wire::PutU16Le;
using wire::PutU32Le;
using wire::PutU64Le;
using wire::PutZeros;

constexpr std::array<std::uint8_t, 4> kSmb1Protocol = {0xff, 'S', 'M', 'B'};
constexpr std::array<std::uint8_t, 4> kSmb2Protocol = {0xfe, 'S', 'M', 'B'};

// MS-CIFS 2.2.3.1 header and 2.2.4.52 negotiate.
constexpr std::size_t kSmb1HeaderLength = 32;
constexpr std::uint8_t kSmb1CommandNegotiate = 0x72;
constexpr std::uint8_t kSmb1FlagsReply = 0x80;
constexpr std::uint8_t kSmb1FlagsRequest = 0x18;      // case-insensitive, canonicalized paths
constexpr std::uint16_t kSmb1Flags2Request = 0xc801;  // unicode, NT status, extended security, long names
constexpr std::uint8_t kSmb1DialectBufferFormat = 0x02;
constexpr std::uint8_t kSmb1WordCountNtLm = 17;  // the NT LM 0.12 response
constexpr std::uint16_t kSmb1NoDialect = 0xffff;
constexpr std::uint8_t kSmb1SecuritySignaturesEnabled = 0x04;
constexpr std::uint8_t kSmb1SecuritySignaturesRequired = 0x08;
constexpr std::uint32_t kSmb1CapExtendedSecurity = 0x80000000;
constexpr std::size_t kSmb1GuidLength = 16;

// MS-SMB2 2.2.1 header, 2.2.3 NEGOTIATE request, 2.2.4 NEGOTIATE response.
constexpr std::size_t kSmb2HeaderLength = 64;
constexpr std::uint16_t kSmb2CommandNegotiate = 0x0000;
constexpr std::uint32_t kSmb2FlagsServerToRedir = 0x00000001;
constexpr std::uint16_t kSmb2NegotiateRequestSize = 36;
constexpr std::uint16_t kSmb2NegotiateResponseSize = 65;
constexpr std::uint16_t kSmb2ErrorResponseSize = 9;
constexpr std::uint16_t kSmb2SigningEnabled = 0x0001;
constexpr std::uint16_t kSmb2SigningRequired = 0x0002;
constexpr std::uint16_t kSmb2CreditRequest = 1;
constexpr std::uint32_t kSmb2ProcessId = 0xfeff;
constexpr std::uint16_t kPreauthIntegrityCapabilities = 0x0001;  // 2.2.3.1.1
constexpr std::uint16_t kHashSha512 = 0x0001;
constexpr std::size_t kNegotiateContextAlignment = 8;
constexpr std::array<std::uint16_t, 5> kSmb2Dialects = {kDialect202, kDialect210, kDialect300, kDialect302,
                                                        kDialect311};

Bytes Framed(const Bytes& message) {
  const std::size_t length = message.size();
  Bytes framed;
  framed.reserve(kDirectTcpHeaderLength + length);
  framed.push_back(0);
  wire::PutU24Be(framed, static_cast<std::uint32_t>(length));
  PutBytes(framed, message);
  return framed;
}

bool StartsWith(std::span<const std::uint8_t> bytes, const std::array<std::uint8_t, 4>& prefix) {
  return bytes.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

std::optional<NegotiateResponse> ParseSmb1(std::span<const std::uint8_t> message, std::string* error) {
  ByteReader reader(message, /*little_endian=*/true);
  reader.Skip(kSmb1Protocol.size());
  const std::uint8_t command = reader.U8();
  NegotiateResponse response;
  response.version = 1;
  response.status = reader.U32();
  const std::uint8_t flags = reader.U8();
  reader.Skip(kSmb1HeaderLength - 10);
  const std::uint8_t word_count = reader.U8();
  if (!reader.Ok()) {
    *error = "an SMB1 header cut short (" + std::to_string(message.size()) + " bytes)";
    return std::nullopt;
  }
  if (command != kSmb1CommandNegotiate || (flags & kSmb1FlagsReply) == 0) {
    *error = "an SMB1 message that is not a NEGOTIATE response (command " + std::to_string(command) + ")";
    return std::nullopt;
  }
  if (word_count == 0) return response;  // an error response: the status says why

  const std::uint16_t dialect_index = reader.U16();
  if (!reader.Ok()) return response;
  response.has_parameters = true;
  if (dialect_index == kSmb1NoDialect) {
    response.no_common_dialect = true;
    return response;
  }
  response.dialect =
      dialect_index < kSmb1Dialects.size() ? kSmb1Dialects[dialect_index] : "dialect #" + std::to_string(dialect_index);
  // LANMAN responses (13 words) and the core protocol (1 word) predate SMB signing.
  if (word_count != kSmb1WordCountNtLm) return response;

  const std::uint8_t security_mode = reader.U8();
  reader.Skip(2 + 2 + 4 + 4 + 4);  // MaxMpxCount, MaxNumberVcs, MaxBufferSize, MaxRawSize, SessionKey
  const std::uint32_t capabilities = reader.U32();
  reader.Skip(8 + 2 + 1);  // SystemTime, ServerTimeZone, ChallengeLength
  const std::uint16_t byte_count = reader.U16();
  if (!reader.Ok()) {
    *error = "an SMB1 NEGOTIATE response cut short in its parameters";
    return std::nullopt;
  }
  response.signing_enabled = (security_mode & kSmb1SecuritySignaturesEnabled) != 0;
  response.signing_required = (security_mode & kSmb1SecuritySignaturesRequired) != 0;
  response.extended_security = (capabilities & kSmb1CapExtendedSecurity) != 0;
  if (response.extended_security && byte_count >= kSmb1GuidLength) {
    const auto guid = reader.Take(kSmb1GuidLength);
    if (reader.Ok()) {
      Guid server_guid{};
      std::copy(guid.begin(), guid.end(), server_guid.begin());
      response.server_guid = server_guid;
    }
  }
  return response;
}

std::optional<NegotiateResponse> ParseSmb2(std::span<const std::uint8_t> message, std::string* error) {
  ByteReader reader(message, /*little_endian=*/true);
  reader.Skip(kSmb2Protocol.size());
  const std::uint16_t header_size = reader.U16();
  reader.Skip(2);  // CreditCharge
  NegotiateResponse response;
  response.version = 2;
  response.status = reader.U32();
  const std::uint16_t command = reader.U16();
  reader.Skip(2);  // CreditResponse
  const std::uint32_t flags = reader.U32();
  reader.Skip(kSmb2HeaderLength - 20);
  if (!reader.Ok() || header_size != kSmb2HeaderLength) {
    *error = "an SMB2 header cut short or with a wrong size (" + std::to_string(message.size()) + " bytes)";
    return std::nullopt;
  }
  if (command != kSmb2CommandNegotiate || (flags & kSmb2FlagsServerToRedir) == 0) {
    *error = "an SMB2 message that is not a NEGOTIATE response (command " + std::to_string(command) + ")";
    return std::nullopt;
  }
  const std::uint16_t body_size = reader.U16();
  if (!reader.Ok() || body_size == kSmb2ErrorResponseSize) return response;  // the status says why
  if (body_size != kSmb2NegotiateResponseSize) {
    *error = "an SMB2 NEGOTIATE response with StructureSize " + std::to_string(body_size);
    return std::nullopt;
  }
  const std::uint16_t security_mode = reader.U16();
  response.dialect_revision = reader.U16();
  reader.Skip(2);  // NegotiateContextCount
  const auto guid = reader.Take(sizeof(Guid));
  if (!reader.Ok()) {
    *error = "an SMB2 NEGOTIATE response cut short";
    return std::nullopt;
  }
  response.has_parameters = true;
  response.dialect = DialectName(response.dialect_revision);
  response.signing_enabled = (security_mode & kSmb2SigningEnabled) != 0;
  response.signing_required = (security_mode & kSmb2SigningRequired) != 0;
  Guid server_guid{};
  std::copy(guid.begin(), guid.end(), server_guid.begin());
  response.server_guid = server_guid;
  return response;
}

}  // namespace

Bytes BuildSmb1Negotiate() {
  Bytes message(kSmb1Protocol.begin(), kSmb1Protocol.end());
  message.push_back(kSmb1CommandNegotiate);
  PutU32Le(message, 0);  // Status
  message.push_back(kSmb1FlagsRequest);
  PutU16Le(message, kSmb1Flags2Request);
  PutZeros(message, 2 + 8 + 2 + 2);                               // PIDHigh, SecurityFeatures, Reserved, TID
  PutU16Le(message, static_cast<std::uint16_t>(kSmb2ProcessId));  // PIDLow
  PutZeros(message, 2 + 2);                                       // UID, MID
  message.push_back(0);                                           // WordCount
  Bytes dialects;
  for (const char* dialect : kSmb1Dialects) {
    dialects.push_back(kSmb1DialectBufferFormat);
    for (const char* c = dialect; *c != '\0'; ++c) dialects.push_back(static_cast<std::uint8_t>(*c));
    dialects.push_back(0);
  }
  PutU16Le(message, static_cast<std::uint16_t>(dialects.size()));  // ByteCount
  PutBytes(message, dialects);
  return Framed(message);
}

Bytes BuildSmb2Negotiate(std::uint64_t message_id, const Guid& client_guid, const Salt& salt) {
  Bytes message(kSmb2Protocol.begin(), kSmb2Protocol.end());
  PutU16Le(message, kSmb2HeaderLength);
  PutU16Le(message, 0);  // CreditCharge
  PutU32Le(message, 0);  // Status
  PutU16Le(message, kSmb2CommandNegotiate);
  PutU16Le(message, kSmb2CreditRequest);
  PutU32Le(message, 0);  // Flags
  PutU32Le(message, 0);  // NextCommand
  PutU64Le(message, message_id);
  PutU32Le(message, kSmb2ProcessId);
  PutU32Le(message, 0);   // TreeId
  PutU64Le(message, 0);   // SessionId
  PutZeros(message, 16);  // Signature

  PutU16Le(message, kSmb2NegotiateRequestSize);
  PutU16Le(message, static_cast<std::uint16_t>(kSmb2Dialects.size()));
  PutU16Le(message, kSmb2SigningEnabled);  // SecurityMode
  PutU16Le(message, 0);                    // Reserved
  PutU32Le(message, 0);                    // Capabilities
  PutBytes(message, client_guid);
  const std::size_t context_offset_at = message.size();
  PutU32Le(message, 0);  // NegotiateContextOffset, set below
  PutU16Le(message, 1);  // NegotiateContextCount
  PutU16Le(message, 0);  // Reserved2
  for (const auto dialect : kSmb2Dialects) PutU16Le(message, dialect);
  while (message.size() % kNegotiateContextAlignment != 0) message.push_back(0);
  wire::SetU32Le(message, context_offset_at, static_cast<std::uint32_t>(message.size()));

  PutU16Le(message, kPreauthIntegrityCapabilities);
  PutU16Le(message, static_cast<std::uint16_t>(2 + 2 + 2 + salt.size()));  // DataLength
  PutU32Le(message, 0);                                                    // Reserved
  PutU16Le(message, 1);                                                    // HashAlgorithmCount
  PutU16Le(message, static_cast<std::uint16_t>(salt.size()));
  PutU16Le(message, kHashSha512);
  PutBytes(message, salt);
  return Framed(message);
}

Frame ReadDirectTcpFrame(std::span<const std::uint8_t> bytes) {
  Frame frame;
  if (bytes.empty()) {
    frame.status = FrameStatus::kIncomplete;
    return frame;
  }
  if (bytes[0] != 0) {
    frame.error = "not a direct-TCP SMB frame: " + DescribeForeignBytes(bytes);
    return frame;
  }
  ByteReader header(bytes);
  header.Skip(1);  // the zero just checked
  const std::size_t length = header.U24();
  if (!header.Ok()) {
    frame.status = FrameStatus::kIncomplete;
    return frame;
  }
  if (length > kMaxFrameLength) {
    frame.error = "a frame of " + std::to_string(length) + " bytes, too long for a NEGOTIATE response (" +
                  DescribeForeignBytes(bytes) + ")";
    return frame;
  }
  // Check the protocol id as soon as it is there, so that foreign bytes need not fill a frame.
  const auto body = bytes.subspan(kDirectTcpHeaderLength);
  const std::size_t id_bytes = std::min(body.size(), kSmb1Protocol.size());
  const bool smb1 = std::equal(body.begin(), body.begin() + id_bytes, kSmb1Protocol.begin());
  const bool smb2 = std::equal(body.begin(), body.begin() + id_bytes, kSmb2Protocol.begin());
  if (!smb1 && !smb2) {
    frame.error = "not an SMB message: " + DescribeForeignBytes(bytes);
    return frame;
  }
  if (body.size() < length) {
    frame.status = FrameStatus::kIncomplete;
    return frame;
  }
  frame.status = FrameStatus::kComplete;
  frame.message = body.first(length);
  return frame;
}

std::optional<NegotiateResponse> ParseNegotiateResponse(std::span<const std::uint8_t> message, std::string* error) {
  std::string ignored;
  if (error == nullptr) error = &ignored;
  if (StartsWith(message, kSmb1Protocol)) return ParseSmb1(message, error);
  if (StartsWith(message, kSmb2Protocol)) return ParseSmb2(message, error);
  *error = "not an SMB message: " + DescribeForeignBytes(message);
  return std::nullopt;
}

std::string DialectName(std::uint16_t dialect_revision) {
  switch (dialect_revision) {
    case kDialect202: return "2.0.2";
    case kDialect210: return "2.1";
    case kDialect300: return "3.0";
    case kDialect302: return "3.0.2";
    case kDialect311: return "3.1.1";
    case kDialectWildcard: return "2.??? (wildcard)";
    default: {
      char text[16];
      std::snprintf(text, sizeof text, "0x%04x", dialect_revision);
      return text;
    }
  }
}

}  // namespace portolan::probe::smb
