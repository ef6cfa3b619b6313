#pragma once
// SMB NEGOTIATE over direct TCP (445): the SMB1 multi-protocol negotiate that both SMB1 and
// SMB2/3 servers answer (MS-SMB2 3.3.5.3.1), the SMB2 negotiate, and both negotiate responses.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "probe/dialogue.hpp"

namespace portolan::probe::smb {

using Guid = std::array<std::uint8_t, 16>;  // MS-DTYP 2.3.4.2 wire order
using Salt = std::array<std::uint8_t, 32>;

// MS-SMB2 2.1: a zero byte and a 24-bit big-endian length before every message.
inline constexpr std::size_t kDirectTcpHeaderLength = 4;
// Negotiate responses are a few hundred bytes; a longer frame is not one.
inline constexpr std::size_t kMaxFrameLength = 64 * 1024;

// MS-SMB2 2.2.4 DialectRevision values.
inline constexpr std::uint16_t kDialect202 = 0x0202;
inline constexpr std::uint16_t kDialect210 = 0x0210;
inline constexpr std::uint16_t kDialect300 = 0x0300;
inline constexpr std::uint16_t kDialect302 = 0x0302;
inline constexpr std::uint16_t kDialect311 = 0x0311;
inline constexpr std::uint16_t kDialectWildcard = 0x02ff;  // "SMB 2.???": send an SMB2 NEGOTIATE

// The dialects of our SMB1 NEGOTIATE, in order (MS-SMB2 3.3.5.3.1 looks for the last two).
inline constexpr std::array<const char*, 3> kSmb1Dialects = {"NT LM 0.12", "SMB 2.002", "SMB 2.???"};

Bytes BuildSmb1Negotiate();  // framed for direct TCP
// An SMB2 NEGOTIATE offering 2.0.2 to 3.1.1 (with the preauth integrity context that 3.1.1
// needs, MS-SMB2 2.2.3.1.1), framed for direct TCP.
Bytes BuildSmb2Negotiate(std::uint64_t message_id, const Guid& client_guid, const Salt& salt);

enum class FrameStatus { kComplete, kIncomplete, kInvalid };
struct Frame {
  FrameStatus status = FrameStatus::kInvalid;
  std::span<const std::uint8_t> message;  // kComplete: the SMB message without the framing
  std::string error;                      // kInvalid
};
Frame ReadDirectTcpFrame(std::span<const std::uint8_t> bytes);

struct NegotiateResponse {
  int version = 0;                     // 1 (0xFF 'SMB') or 2 (0xFE 'SMB')
  std::uint32_t status = 0;            // NTSTATUS (SMB1 with NT status codes, SMB2)
  std::string dialect;                 // "NT LM 0.12", "3.1.1", ...
  std::uint16_t dialect_revision = 0;  // SMB2
  bool has_parameters = false;         // the body carried dialect and security mode
  bool no_common_dialect = false;      // SMB1 DialectIndex 0xFFFF
  bool signing_enabled = false;
  bool signing_required = false;
  bool extended_security = false;  // SMB1 CAP_EXTENDED_SECURITY
  std::optional<Guid> server_guid;
};

// Parses an SMB1 or SMB2 NEGOTIATE response (the message inside the framing); nullopt and
// *error when it is something else.
std::optional<NegotiateResponse> ParseNegotiateResponse(std::span<const std::uint8_t> message, std::string* error);

std::string DialectName(std::uint16_t dialect_revision);  // "3.1.1", "2.??? (wildcard)"

}  // namespace portolan::probe::smb
