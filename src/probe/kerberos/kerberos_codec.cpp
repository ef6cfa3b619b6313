// Kerberos codec: AS-REQ (RFC 4120 5.4.1), KRB-ERROR (5.9.1), AS-REP (5.4.2) in DER, with the
// explicit [n] tags of RFC 4120's ASN.1 module (section 5.2 onward, Appendix A).

#include "probe/kerberos/kerberos_codec.hpp"

#include <fmt/format.h>

#include "probe/wire/byte_reader.hpp"
#include "probe/wire/byte_writer.hpp"

namespace portolan::probe::kerberos {
namespace {

using ber::Application;
using ber::Context;
using ber::Encode;
using ber::EncodeInteger;
using ber::EncodeString;
using ber::kSequenceTag;
using ber::Universal;
using ber::View;

constexpr ber::Tag kGeneralString = Universal(ber::kGeneralString);
constexpr ber::Tag kGeneralizedTime = Universal(ber::kGeneralizedTime);
// No options asked for: the request only has to reach the KDC's principal lookup.
constexpr std::uint8_t kKdcOptions[] = {0x00 /* unused bits */, 0x00, 0x00, 0x00, 0x00};
// The conventional far-future "till" of kinit: a fixed time keeps the request deterministic.
constexpr std::string_view kTill = "20370913024805Z";
constexpr std::uint32_t kReservedLengthBit = 0x80000000;  // RFC 4120 7.2.2: the length's high bit

Bytes Explicit(std::uint32_t number, const Bytes& inner) {
  return Encode(Context(number), View(inner));
}

Bytes PrincipalName(std::int64_t name_type, const std::vector<std::string_view>& components) {
  Bytes strings;
  for (const auto component : components) {
    const Bytes encoded = EncodeString(component, kGeneralString);
    strings.insert(strings.end(), encoded.begin(), encoded.end());
  }
  return Encode(kSequenceTag,
                {View(Explicit(0, EncodeInteger(name_type))), View(Explicit(1, Encode(kSequenceTag, View(strings))))});
}

// The one element inside an explicit [n] tag.
std::optional<ber::Element> Inner(const ber::Element& tagged, ber::Reader& outer, std::string_view what) {
  ber::Reader inner(tagged.contents);
  const auto element = inner.Next();
  if (!element) outer.Fail(fmt::format("{}: {}", what, inner.error()));
  return element;
}

std::optional<std::int64_t> ExplicitInteger(ber::Reader& reader, std::uint32_t number, std::string_view what) {
  const auto tagged = reader.Expect(Context(number), what);
  if (!tagged) return std::nullopt;
  const auto element = Inner(*tagged, reader, what);
  if (!element) return std::nullopt;
  const auto value = element->tag == Universal(ber::kInteger) ? ber::DecodeInteger(element->contents) : std::nullopt;
  if (!value) reader.Fail(fmt::format("{}: not an INTEGER", what));
  return value;
}

std::string OptionalString(ber::Reader& reader, std::uint32_t number, const ber::Tag& type, std::string_view what) {
  const auto tagged = reader.Optional(Context(number));
  if (!tagged) return "";
  const auto element = Inner(*tagged, reader, what);
  if (!element) return "";
  if (element->tag != type) {
    reader.Fail(fmt::format("{}: {} instead of {}", what, ber::Describe(element->tag), ber::Describe(type)));
    return "";
  }
  return std::string(ber::AsText(element->contents));
}

std::vector<std::string> OptionalPrincipal(ber::Reader& reader, std::uint32_t number, std::string_view what) {
  std::vector<std::string> components;
  const auto tagged = reader.Optional(Context(number));
  if (!tagged) return components;
  const auto name = Inner(*tagged, reader, what);
  if (!name) return components;
  ber::Reader fields(name->contents);
  const auto type = ExplicitInteger(fields, 0, "name-type");
  const auto strings = fields.Expect(Context(1), "name-string");
  std::optional<ber::Element> list;
  if (strings) list = Inner(*strings, fields, "name-string");
  if (!type || !list || list->tag != kSequenceTag) {
    reader.Fail(fmt::format("{}: {}", what, fields.Failed() ? fields.error() : "name-string is not a SEQUENCE"));
    return components;
  }
  ber::Reader names(list->contents);
  while (!names.AtEnd()) {
    const auto component = names.String("name component", kGeneralString);
    if (!component) {
      reader.Fail(fmt::format("{}: {}", what, names.error()));
      return {};
    }
    components.emplace_back(*component);
  }
  return components;
}

// Skips an optional [n] element whatever it holds.
void SkipOptional(ber::Reader& reader, std::uint32_t number) {
  reader.Optional(Context(number));
}

ReplyParse ParseKrbError(ber::Reader& reader) {
  ReplyParse parse;
  KrbError error;
  SkipOptional(reader, 2);  // ctime
  SkipOptional(reader, 3);  // cusec
  error.stime = OptionalString(reader, 4, kGeneralizedTime, "stime");
  SkipOptional(reader, 5);  // susec
  const auto code = ExplicitInteger(reader, 6, "error-code");
  if (code) error.error_code = *code;
  error.crealm = OptionalString(reader, 7, kGeneralString, "crealm");
  OptionalPrincipal(reader, 8, "cname");
  error.realm = OptionalString(reader, 9, kGeneralString, "realm");
  error.sname = OptionalPrincipal(reader, 10, "sname");
  error.e_text = OptionalString(reader, 11, kGeneralString, "e-text");
  if (reader.Failed()) {
    parse.error = "KRB-ERROR: " + reader.error();
    return parse;
  }
  parse.reply = KdcReply{KdcReply::Kind::kKrbError, std::move(error), {}};
  return parse;
}

ReplyParse ParseAsRep(ber::Reader& reader) {
  ReplyParse parse;
  SkipOptional(reader, 2);  // padata
  std::string crealm = OptionalString(reader, 3, kGeneralString, "crealm");
  if (reader.Failed()) {
    parse.error = "AS-REP: " + reader.error();
    return parse;
  }
  parse.reply = KdcReply{KdcReply::Kind::kAsRep, {}, std::move(crealm)};
  return parse;
}

}  // namespace

Bytes BuildAsReq(const AsReq& request) {
  Bytes etypes;
  for (const auto etype : request.etypes) {
    const Bytes encoded = EncodeInteger(etype);
    etypes.insert(etypes.end(), encoded.begin(), encoded.end());
  }
  const Bytes body =
      Encode(kSequenceTag,
             {View(Explicit(0, Encode(Universal(ber::kBitString), ber::ByteView(kKdcOptions)))),
              View(Explicit(1, PrincipalName(kNtPrincipal, {request.client_name}))),
              View(Explicit(2, EncodeString(request.realm, kGeneralString))),
              View(Explicit(3, PrincipalName(kNtSrvInst, {"krbtgt", request.realm}))),
              View(Explicit(5, EncodeString(kTill, kGeneralizedTime))), View(Explicit(7, EncodeInteger(request.nonce))),
              View(Explicit(8, Encode(kSequenceTag, View(etypes))))});
  const Bytes kdc_req = Encode(kSequenceTag, {View(Explicit(1, EncodeInteger(kPvno))),
                                              View(Explicit(2, EncodeInteger(kAsReqType))), View(Explicit(4, body))});
  return Encode(Application(kAsReqType), View(kdc_req));
}

Bytes FrameForTcp(const Bytes& message) {
  Bytes framed;
  framed.reserve(4 + message.size());
  wire::PutU32Be(framed, static_cast<std::uint32_t>(message.size()));
  wire::PutBytes(framed, message);
  return framed;
}

TcpRecord ReadTcpRecord(ByteView stream, std::size_t max_length) {
  TcpRecord record;
  wire::ByteReader reader(stream);
  const std::uint32_t prefix = reader.U32();
  if (!reader.Ok()) return record;
  if ((prefix & kReservedLengthBit) != 0) {
    record.status = TcpRecord::Status::kMalformed;
    record.error = "record length has the reserved high bit set";
    return record;
  }
  const std::size_t length = prefix;
  if (length > max_length) {
    record.status = TcpRecord::Status::kMalformed;
    record.error = fmt::format("record length {} is beyond any KDC answer", length);
    return record;
  }
  const auto message = reader.Take(length);
  if (!reader.Ok()) return record;
  record.status = TcpRecord::Status::kComplete;
  record.message = message;
  return record;
}

ReplyParse ParseKdcReply(ByteView message) {
  ReplyParse parse;
  const ber::Frame frame = ber::ReadElement(message);
  if (frame.status != ber::Frame::Status::kComplete) {
    parse.error = frame.status == ber::Frame::Status::kIncomplete ? "truncated DER element" : frame.error;
    return parse;
  }
  const ber::Tag tag = frame.element.tag;
  if (tag != Application(kKrbErrorType) && tag != Application(kAsRepType)) {
    parse.error = fmt::format("{} is neither a KRB-ERROR nor an AS-REP", ber::Describe(tag));
    return parse;
  }
  ber::Reader outer(frame.element.contents);
  const auto sequence = outer.Expect(kSequenceTag, "message body");
  if (!sequence) {
    parse.error = outer.error();
    return parse;
  }
  ber::Reader reader(sequence->contents);
  // pvno and msg-type are [0] and [1] in both replies (RFC 4120 5.4.2, 5.9.1).
  const auto pvno = ExplicitInteger(reader, 0, "pvno");
  const auto msg_type = ExplicitInteger(reader, 1, "msg-type");
  if (!pvno || !msg_type) {
    parse.error = reader.error();
    return parse;
  }
  if (*pvno != kPvno) {
    parse.error = fmt::format("pvno {}, not {}", *pvno, kPvno);
    return parse;
  }
  if (*msg_type != tag.number) {
    parse.error = fmt::format("msg-type {} in an {}", *msg_type, ber::Describe(tag));
    return parse;
  }
  return tag.number == kKrbErrorType ? ParseKrbError(reader) : ParseAsRep(reader);
}

std::string ErrorCodeName(std::int64_t code) {
  switch (code) {
    case 0: return "KDC_ERR_NONE";
    case 1: return "KDC_ERR_NAME_EXP";
    case 2: return "KDC_ERR_SERVICE_EXP";
    case 3: return "KDC_ERR_BAD_PVNO";
    case 4: return "KDC_ERR_C_OLD_MAST_KVNO";
    case 5: return "KDC_ERR_S_OLD_MAST_KVNO";
    case 6: return "KDC_ERR_C_PRINCIPAL_UNKNOWN";
    case 7: return "KDC_ERR_S_PRINCIPAL_UNKNOWN";
    case 8: return "KDC_ERR_PRINCIPAL_NOT_UNIQUE";
    case 9: return "KDC_ERR_NULL_KEY";
    case 10: return "KDC_ERR_CANNOT_POSTDATE";
    case 11: return "KDC_ERR_NEVER_VALID";
    case 12: return "KDC_ERR_POLICY";
    case 13: return "KDC_ERR_BADOPTION";
    case 14: return "KDC_ERR_ETYPE_NOSUPP";
    case 15: return "KDC_ERR_SUMTYPE_NOSUPP";
    case 16: return "KDC_ERR_PADATA_TYPE_NOSUPP";
    case 17: return "KDC_ERR_TRTYPE_NOSUPP";
    case 18: return "KDC_ERR_CLIENT_REVOKED";
    case 19: return "KDC_ERR_SERVICE_REVOKED";
    case 20: return "KDC_ERR_TGT_REVOKED";
    case 21: return "KDC_ERR_CLIENT_NOTYET";
    case 22: return "KDC_ERR_SERVICE_NOTYET";
    case 23: return "KDC_ERR_KEY_EXPIRED";
    case 24: return "KDC_ERR_PREAUTH_FAILED";
    case 25: return "KDC_ERR_PREAUTH_REQUIRED";
    case 26: return "KDC_ERR_SERVER_NOMATCH";
    case 27: return "KDC_ERR_MUST_USE_USER2USER";
    case 28: return "KDC_ERR_PATH_NOT_ACCEPTED";
    case 29: return "KDC_ERR_SVC_UNAVAILABLE";
    case 31: return "KRB_AP_ERR_BAD_INTEGRITY";
    case 32: return "KRB_AP_ERR_TKT_EXPIRED";
    case 33: return "KRB_AP_ERR_TKT_NYV";
    case 34: return "KRB_AP_ERR_REPEAT";
    case 35: return "KRB_AP_ERR_NOT_US";
    case 36: return "KRB_AP_ERR_BADMATCH";
    case 37: return "KRB_AP_ERR_SKEW";
    case 38: return "KRB_AP_ERR_BADADDR";
    case 39: return "KRB_AP_ERR_BADVERSION";
    case 40: return "KRB_AP_ERR_MSG_TYPE";
    case 41: return "KRB_AP_ERR_MODIFIED";
    case 42: return "KRB_AP_ERR_BADORDER";
    case 44: return "KRB_AP_ERR_BADKEYVER";
    case 45: return "KRB_AP_ERR_NOKEY";
    case 46: return "KRB_AP_ERR_MUT_FAIL";
    case 47: return "KRB_AP_ERR_BADDIRECTION";
    case 48: return "KRB_AP_ERR_METHOD";
    case 49: return "KRB_AP_ERR_BADSEQ";
    case 50: return "KRB_AP_ERR_INAPP_CKSUM";
    case 51: return "KRB_AP_PATH_NOT_ACCEPTED";
    case 52: return "KRB_ERR_RESPONSE_TOO_BIG";
    case 60: return "KRB_ERR_GENERIC";
    case 61: return "KRB_ERR_FIELD_TOOLONG";
    case 62: return "KDC_ERROR_CLIENT_NOT_TRUSTED";
    case 63: return "KDC_ERROR_KDC_NOT_TRUSTED";
    case 64: return "KDC_ERROR_INVALID_SIG";
    case 65: return "KDC_ERR_KEY_TOO_WEAK";
    case 66: return "KDC_ERR_CERTIFICATE_MISMATCH";
    case 67: return "KRB_AP_ERR_NO_TGT";
    case 68: return "KDC_ERR_WRONG_REALM";
    case 69: return "KRB_AP_ERR_USER_TO_USER_REQUIRED";
    case 70: return "KDC_ERR_CANT_VERIFY_CERTIFICATE";
    case 71: return "KDC_ERR_INVALID_CERTIFICATE";
    case 72: return "KDC_ERR_REVOKED_CERTIFICATE";
    case 73: return "KDC_ERR_REVOCATION_STATUS_UNKNOWN";
    case 74: return "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE";
    case 75: return "KDC_ERR_CLIENT_NAME_MISMATCH";
    case 76: return "KDC_ERR_KDC_NAME_MISMATCH";
    default: return fmt::format("error {}", code);
  }
}

}  // namespace portolan::probe::kerberos
