#pragma once
// LDAPv3 messages for the probes (RFC 4511): the rootDSE and CLDAP "LDAP ping" search requests,
// the search responses, and the Netlogon value of an LDAP ping (MS-ADTS 6.3.1.9).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probe/ber/ber.hpp"

namespace portolan::probe::ldap {

using ber::Bytes;
using ber::ByteView;

// protocolOp tags (RFC 4511 4.2-4.12, Appendix B).
inline constexpr std::uint32_t kSearchRequestOp = 3;
inline constexpr std::uint32_t kSearchResultEntryOp = 4;
inline constexpr std::uint32_t kSearchResultDoneOp = 5;
inline constexpr std::uint32_t kSearchResultReferenceOp = 19;
inline constexpr std::uint32_t kExtendedResponseOp = 24;

inline constexpr std::int64_t kSuccess = 0;  // resultCode (RFC 4511 4.1.9)
// The supportedCapabilities OID that says "Active Directory" (MS-ADTS 3.1.1.3.4.3.1).
inline constexpr std::string_view kActiveDirectoryOid = "1.2.840.113556.1.4.800";

// A SearchRequest for the rootDSE: base "", scope baseObject, filter (objectClass=*).
Bytes BuildRootDseSearch(std::int32_t message_id, const std::vector<std::string_view>& attributes);

// The LDAP ping (MS-ADTS 6.3.3): filter (&(DnsDomain=D)(NtVer=V)), attribute "Netlogon"; the
// DnsDomain clause is left out when dns_domain is empty.
Bytes BuildNetlogonPing(std::int32_t message_id, std::string_view dns_domain, std::uint32_t nt_version);

struct Attribute {
  std::string type;
  std::vector<std::string> values;
};

struct SearchResultEntry {
  std::string object_name;
  std::vector<Attribute> attributes;
  // The values of `type` (compared without case, RFC 4512 2.5), empty when absent.
  const std::vector<std::string>* Find(std::string_view type) const;
};

struct LdapResult {
  std::int64_t result_code = kSuccess;
  std::string matched_dn;
  std::string diagnostic_message;
};

struct Message {
  std::int64_t message_id = 0;
  std::uint32_t op = 0;     // the protocolOp's [APPLICATION n]
  SearchResultEntry entry;  // op == kSearchResultEntryOp
  LdapResult result;        // op == kSearchResultDoneOp or kExtendedResponseOp
};

// One LDAPMessage at the start of a byte stream.
struct Decoded {
  enum class Status { kComplete, kIncomplete, kMalformed };
  Status status = Status::kIncomplete;
  Message message;
  std::size_t size = 0;  // bytes of the stream the message took
  std::string error;
};
Decoded DecodeMessage(ByteView stream);

// "noSuchObject" for 32 (RFC 4511 Appendix A.2); "resultCode 999" when unknown.
std::string ResultCodeName(std::int64_t code);

// --- The Netlogon value of an LDAP ping (MS-ADTS 6.3.1) ---

// Operation codes (MS-ADTS 6.3.1.3) that carry a NETLOGON_SAM_LOGON_RESPONSE_EX.
inline constexpr std::uint16_t kLogonSamLogonResponseEx = 23;
inline constexpr std::uint16_t kLogonSamPauseResponseEx = 24;
inline constexpr std::uint16_t kLogonSamUserUnknownEx = 25;

// NETLOGON_NT_VERSION bits (MS-ADTS 6.3.1.1).
inline constexpr std::uint32_t kNtVersion5 = 0x00000002;
inline constexpr std::uint32_t kNtVersion5Ex = 0x00000004;

// DS_FLAG bits (MS-ADTS 6.3.1.2).
inline constexpr std::uint32_t kDsPdcFlag = 0x00000001;
inline constexpr std::uint32_t kDsGcFlag = 0x00000004;
inline constexpr std::uint32_t kDsLdapFlag = 0x00000008;
inline constexpr std::uint32_t kDsDsFlag = 0x00000010;
inline constexpr std::uint32_t kDsKdcFlag = 0x00000020;
inline constexpr std::uint32_t kDsTimeservFlag = 0x00000040;
inline constexpr std::uint32_t kDsClosestFlag = 0x00000080;
inline constexpr std::uint32_t kDsWritableFlag = 0x00000100;

// NETLOGON_SAM_LOGON_RESPONSE_EX (MS-ADTS 6.3.1.9), up to ClientSiteName; the tail (DcSockAddr,
// NextClosestSiteName, NtVersion) depends on the request's NtVer and is not needed.
struct NetlogonResponseEx {
  std::uint16_t opcode = 0;
  std::uint32_t flags = 0;
  std::array<std::uint8_t, 16> domain_guid{};
  std::string dns_forest_name;
  std::string dns_domain_name;
  std::string dns_host_name;
  std::string netbios_domain_name;
  std::string netbios_computer_name;
  std::string user_name;
  std::string dc_site_name;
  std::string client_site_name;
};

struct NetlogonParse {
  std::optional<NetlogonResponseEx> response;
  std::string error;  // when !response
};
NetlogonParse ParseNetlogonResponseEx(ByteView value);

// "GC,LDAP,KDC,writable" for the flags that matter to a firewall check.
std::string DescribeDsFlags(std::uint32_t flags);

}  // namespace portolan::probe::ldap
