#pragma once
// Kerberos V5 messages for the KDC probe (RFC 4120): an AS-REQ without pre-authentication, the
// KRB-ERROR and AS-REP that answer it, and the TCP record framing of RFC 4120 7.2.2.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probe/ber/ber.hpp"

namespace portolan::probe::kerberos {

using ber::Bytes;
using ber::ByteView;

inline constexpr std::int64_t kPvno = 5;  // RFC 4120 5.4.1
// Message types, which are also the messages' [APPLICATION n] tags (RFC 4120 5.10).
inline constexpr std::uint32_t kAsReqType = 10;
inline constexpr std::uint32_t kAsRepType = 11;
inline constexpr std::uint32_t kKrbErrorType = 30;
// Principal name types (RFC 4120 6.2).
inline constexpr std::int64_t kNtPrincipal = 1;
inline constexpr std::int64_t kNtSrvInst = 2;
// Encryption types (RFC 3962 7, RFC 4757): what Active Directory and Samba offer.
inline constexpr std::int32_t kAes256CtsHmacSha196 = 18;
inline constexpr std::int32_t kAes128CtsHmacSha196 = 17;
inline constexpr std::int32_t kRc4Hmac = 23;
// Error codes (RFC 4120 7.5.9) that the dialogue treats specially.
inline constexpr std::int64_t kErrCPrincipalUnknown = 6;
inline constexpr std::int64_t kErrResponseTooBig = 52;

struct AsReq {
  std::string client_name;  // one component, NT-PRINCIPAL
  std::string realm;        // also the realm of the krbtgt/REALM service name
  std::uint32_t nonce = 0;  // UInt32, kept below 2^31 by the caller for old KDCs
  std::vector<std::int32_t> etypes;
};
Bytes BuildAsReq(const AsReq& request);

// RFC 4120 7.2.2: a 4-byte big-endian length, then the message.
Bytes FrameForTcp(const Bytes& message);

struct TcpRecord {
  enum class Status { kComplete, kIncomplete, kMalformed };
  Status status = Status::kIncomplete;
  ByteView message;   // kComplete
  std::string error;  // kMalformed
};
// The first record of a TCP stream; a length above max_length (or with the reserved high bit,
// RFC 4120 7.2.2) is malformed rather than something to wait for.
TcpRecord ReadTcpRecord(ByteView stream, std::size_t max_length);

struct KrbError {
  std::int64_t error_code = 0;
  std::string stime;  // KerberosTime "YYYYMMDDHHMMSSZ"
  std::string crealm;
  std::string realm;
  std::vector<std::string> sname;
  std::string e_text;
};

struct KdcReply {
  enum class Kind { kKrbError, kAsRep };
  Kind kind = Kind::kKrbError;
  KrbError error;      // kKrbError
  std::string crealm;  // kAsRep
};

struct ReplyParse {
  std::optional<KdcReply> reply;
  std::string error;  // when !reply
};
// A KRB-ERROR (RFC 4120 5.9.1) or an AS-REP (5.4.2), the whole of `message`.
ReplyParse ParseKdcReply(ByteView message);

// "KDC_ERR_C_PRINCIPAL_UNKNOWN" (RFC 4120 7.5.9); "error 99" when unknown.
std::string ErrorCodeName(std::int64_t code);

}  // namespace portolan::probe::kerberos
