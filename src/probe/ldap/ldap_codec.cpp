// LDAP codec: SearchRequest builders (RFC 4511 4.5.1), LDAPMessage and SearchResult* decoding
// (RFC 4511 4.1.1, 4.5.2), and the NETLOGON_SAM_LOGON_RESPONSE_EX of an LDAP ping (MS-ADTS 6.3.1.9).

#include "probe/ldap/ldap_codec.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "probe/dns/dns_name.hpp"
#include "probe/wire/byte_reader.hpp"
#include "probe/wire/byte_writer.hpp"

namespace portolan::probe::ldap {
namespace {

using ber::Application;
using ber::Context;
using ber::Encode;
using ber::EncodeInteger;
using ber::EncodeString;
using ber::kSequenceTag;
using ber::Universal;
using ber::View;

// SearchRequest fields (RFC 4511 4.5.1).
constexpr std::int64_t kScopeBaseObject = 0;
constexpr std::int64_t kNeverDerefAliases = 0;
constexpr std::int64_t kNoLimit = 0;
// Filter CHOICE tags (RFC 4511 4.5.1.7).
constexpr std::uint32_t kFilterAnd = 0;
constexpr std::uint32_t kFilterEqualityMatch = 3;
constexpr std::uint32_t kFilterPresent = 7;

constexpr std::size_t kDomainGuidSize = 16;
// The identifier octets an LDAPMessage starts with: SEQUENCE, then the INTEGER messageID.
constexpr std::uint8_t kLdapMessageIdentifier = ber::Identifier(kSequenceTag);
constexpr std::uint8_t kMessageIdIdentifier = ber::Identifier(Universal(ber::kInteger));

Bytes Concat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

Bytes SearchRequest(std::int32_t message_id, const Bytes& filter, const std::vector<std::string_view>& attributes) {
  std::vector<Bytes> selection;
  selection.reserve(attributes.size());
  for (const auto attribute : attributes) selection.push_back(EncodeString(attribute));
  const Bytes attribute_list = Encode(kSequenceTag, View(Concat(selection)));
  const Bytes request =
      Encode(Application(kSearchRequestOp),
             {View(EncodeString("")), View(EncodeInteger(kScopeBaseObject, Universal(ber::kEnumerated))),
              View(EncodeInteger(kNeverDerefAliases, Universal(ber::kEnumerated))), View(EncodeInteger(kNoLimit)),
              View(EncodeInteger(kNoLimit)), View(ber::EncodeBoolean(false)), View(filter), View(attribute_list)});
  return Encode(kSequenceTag, {View(EncodeInteger(message_id)), View(request)});
}

Bytes EqualityMatch(std::string_view attribute, std::string_view value) {
  return Encode(Context(kFilterEqualityMatch), {View(EncodeString(attribute)), View(EncodeString(value))});
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

std::optional<LdapResult> ReadLdapResult(ber::Reader& reader) {
  LdapResult result;
  const auto code = reader.Integer("resultCode", Universal(ber::kEnumerated));
  const auto matched = reader.String("matchedDN");
  const auto diagnostic = reader.String("diagnosticMessage");
  if (!code || !matched || !diagnostic) return std::nullopt;
  result.result_code = *code;
  result.matched_dn = std::string(*matched);
  result.diagnostic_message = std::string(*diagnostic);
  return result;
}

std::optional<SearchResultEntry> ReadEntry(ber::Reader& reader) {
  SearchResultEntry entry;
  const auto name = reader.String("objectName");
  const auto list = reader.Expect(kSequenceTag, "attributes");
  if (!name || !list) return std::nullopt;
  entry.object_name = std::string(*name);
  ber::Reader attributes(list->contents);
  while (!attributes.AtEnd()) {
    const auto partial = attributes.Expect(kSequenceTag, "PartialAttribute");
    if (!partial) break;
    ber::Reader fields(partial->contents);
    const auto type = fields.String("attribute type");
    const auto set = fields.Expect(Universal(ber::kSet, true), "attribute values");
    if (!type || !set) {
      reader.Fail(fields.error());
      return std::nullopt;
    }
    Attribute attribute{std::string(*type), {}};
    ber::Reader values(set->contents);
    while (!values.AtEnd()) {
      const auto value = values.String("attribute value");
      if (!value) {
        reader.Fail(values.error());
        return std::nullopt;
      }
      attribute.values.emplace_back(*value);
    }
    entry.attributes.push_back(std::move(attribute));
  }
  if (attributes.Failed()) {
    reader.Fail(attributes.error());
    return std::nullopt;
  }
  return entry;
}

}  // namespace

Bytes BuildRootDseSearch(std::int32_t message_id, const std::vector<std::string_view>& attributes) {
  return SearchRequest(message_id, EncodeString("objectClass", Context(kFilterPresent, false)), attributes);
}

Bytes BuildNetlogonPing(std::int32_t message_id, std::string_view dns_domain, std::uint32_t nt_version) {
  // NtVer is a 4-byte little-endian octet string (MS-ADTS 6.3.3.1).
  Bytes nt_ver_bytes;
  wire::PutU32Le(nt_ver_bytes, nt_version);
  const std::string nt_ver(ber::AsText(nt_ver_bytes));
  std::vector<Bytes> clauses;
  if (!dns_domain.empty()) clauses.push_back(EqualityMatch("DnsDomain", dns_domain));
  clauses.push_back(EqualityMatch("NtVer", nt_ver));
  const Bytes filter = Encode(Context(kFilterAnd), View(Concat(clauses)));
  return SearchRequest(message_id, filter, {"Netlogon"});
}

const std::vector<std::string>* SearchResultEntry::Find(std::string_view type) const {
  for (const auto& attribute : attributes) {
    if (EqualsIgnoringCase(attribute.type, type)) return &attribute.values;
  }
  return nullptr;
}

Decoded DecodeMessage(ByteView stream) {
  Decoded decoded;
  const ber::Frame frame = ber::ReadElement(stream);
  // Judge the first bytes before waiting for the rest: "HTTP/1.1" read as BER is an
  // [APPLICATION 8] of 84 bytes, and a stream reader would wait for it.
  if (!stream.empty() && stream[0] != kLdapMessageIdentifier) {
    decoded.status = Decoded::Status::kMalformed;
    decoded.error = fmt::format("starts with 0x{:02x}, not a SEQUENCE", stream[0]);
    return decoded;
  }
  if (frame.status == ber::Frame::Status::kIncomplete) {
    const std::size_t contents_at = frame.header_size;
    if (contents_at != 0 && stream.size() > contents_at && stream[contents_at] != kMessageIdIdentifier) {
      decoded.status = Decoded::Status::kMalformed;
      decoded.error = fmt::format("LDAPMessage starts with 0x{:02x}, not a messageID", stream[contents_at]);
    }
    return decoded;
  }
  decoded.status = Decoded::Status::kMalformed;
  if (frame.status == ber::Frame::Status::kMalformed) {
    decoded.error = frame.error;
    return decoded;
  }
  if (frame.element.tag != kSequenceTag) {
    decoded.error = fmt::format("not an LDAPMessage: {} instead of a SEQUENCE", ber::Describe(frame.element.tag));
    return decoded;
  }
  ber::Reader reader(frame.element.contents);
  const auto message_id = reader.Integer("messageID");
  const auto op = reader.Next();
  if (!message_id || !op) {
    decoded.error = reader.error();
    return decoded;
  }
  if (op->tag.cls != ber::TagClass::kApplication) {
    decoded.error = fmt::format("protocolOp is {}, not an [APPLICATION n]", ber::Describe(op->tag));
    return decoded;
  }
  Message& message = decoded.message;
  message.message_id = *message_id;
  message.op = op->tag.number;
  ber::Reader body(op->contents);
  if (message.op == kSearchResultEntryOp) {
    const auto entry = ReadEntry(body);
    if (!entry) {
      decoded.error = fmt::format("SearchResultEntry: {}", body.error());
      return decoded;
    }
    message.entry = *entry;
  } else if (message.op == kSearchResultDoneOp || message.op == kExtendedResponseOp) {
    const auto result = ReadLdapResult(body);
    if (!result) {
      decoded.error = fmt::format("{}: {}", ber::Describe(op->tag), body.error());
      return decoded;
    }
    message.result = *result;
  }
  decoded.status = Decoded::Status::kComplete;
  decoded.size = frame.element.size;
  return decoded;
}

std::string ResultCodeName(std::int64_t code) {
  switch (code) {
    case 0: return "success";
    case 1: return "operationsError";
    case 2: return "protocolError";
    case 3: return "timeLimitExceeded";
    case 4: return "sizeLimitExceeded";
    case 7: return "authMethodNotSupported";
    case 8: return "strongerAuthRequired";
    case 10: return "referral";
    case 11: return "adminLimitExceeded";
    case 12: return "unavailableCriticalExtension";
    case 13: return "confidentialityRequired";
    case 32: return "noSuchObject";
    case 34: return "invalidDNSyntax";
    case 48: return "inappropriateAuthentication";
    case 49: return "invalidCredentials";
    case 50: return "insufficientAccessRights";
    case 51: return "busy";
    case 52: return "unavailable";
    case 53: return "unwillingToPerform";
    case 80: return "other";
    default: return fmt::format("resultCode {}", code);
  }
}

NetlogonParse ParseNetlogonResponseEx(ByteView value) {
  NetlogonParse parse;
  constexpr std::size_t kFixedPart = 2 + 2 + 4 + kDomainGuidSize;  // Opcode, Sbz, Flags, DomainGuid
  if (value.size() < 2) {
    parse.error = fmt::format("Netlogon value of {} bytes", value.size());
    return parse;
  }
  wire::ByteReader reader(value, /*little_endian=*/true);
  NetlogonResponseEx response;
  response.opcode = reader.U16();
  if (response.opcode != kLogonSamLogonResponseEx && response.opcode != kLogonSamPauseResponseEx &&
      response.opcode != kLogonSamUserUnknownEx) {
    parse.error = fmt::format("Netlogon opcode {}, not a NETLOGON_SAM_LOGON_RESPONSE_EX (23-25)", response.opcode);
    return parse;
  }
  if (value.size() < kFixedPart) {
    parse.error = fmt::format("Netlogon value of {} bytes, shorter than its fixed part", value.size());
    return parse;
  }
  reader.Skip(2);  // Sbz
  response.flags = reader.U32();
  const auto guid = reader.Take(kDomainGuidSize);
  std::copy(guid.begin(), guid.end(), response.domain_guid.begin());
  std::size_t offset = reader.Offset();
  for (std::string* field :
       {&response.dns_forest_name, &response.dns_domain_name, &response.dns_host_name, &response.netbios_domain_name,
        &response.netbios_computer_name, &response.user_name, &response.dc_site_name, &response.client_site_name}) {
    dns::NameRead name = dns::ReadName(value, offset, dns::kNetlogonNames);
    offset = name.end;
    if (!name.name) {
      parse.error = fmt::format("Netlogon name at offset {}: {}", offset, name.error);
      return parse;
    }
    *field = std::move(*name.name);
  }
  parse.response = std::move(response);
  return parse;
}

std::string DescribeDsFlags(std::uint32_t flags) {
  std::string out;
  const auto add = [&](std::uint32_t bit, std::string_view name) {
    if ((flags & bit) == 0) return;
    if (!out.empty()) out += ',';
    out += name;
  };
  add(kDsPdcFlag, "PDC");
  add(kDsGcFlag, "GC");
  add(kDsLdapFlag, "LDAP");
  add(kDsDsFlag, "DS");
  add(kDsKdcFlag, "KDC");
  add(kDsTimeservFlag, "time");
  add(kDsClosestFlag, "closest");
  add(kDsWritableFlag, "writable");
  return out.empty() ? "none" : out;
}

}  // namespace portolan::probe::ldap
