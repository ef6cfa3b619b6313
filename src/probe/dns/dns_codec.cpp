// DNS codec: every read is checked against the message; names are read by dns_name (compression
// pointers must point backwards, so a chain of them always ends, and a name stays within 255 bytes).

#include "probe/dns/dns_codec.hpp"

#include "probe/dns/dns_name.hpp"
#include "probe/wire/byte_reader.hpp"
#include "probe/wire/byte_writer.hpp"

namespace portolan::probe::dns {

namespace {

using wire::ByteReader;
using wire::PutU16Be;

constexpr std::size_t kMaxLabel = 63;      // RFC 1035 2.3.4
constexpr std::size_t kMaxNameWire = 255;  // RFC 1035 2.3.4
constexpr std::uint16_t kFlagQr = 0x8000;  // RFC 1035 4.1.1
constexpr std::uint16_t kFlagAa = 0x0400;
constexpr std::uint16_t kFlagTc = 0x0200;
constexpr std::uint16_t kFlagRd = 0x0100;
constexpr std::uint16_t kRcodeMask = 0x000F;
constexpr std::size_t kFixedRrSize = 10;  // TYPE, CLASS, TTL, RDLENGTH
constexpr std::size_t kQuestionTail = 4;  // QTYPE, QCLASS
constexpr std::size_t kSrvFixedSize = 6;  // priority, weight, port

// The name at `at`, and where the record goes on after it.
bool ReadMessageName(std::span<const std::uint8_t> message, std::size_t at, std::string* name, std::size_t* end) {
  NameRead read = ReadName(message, at, kMessageNames);
  if (!read.name) return false;
  *name = std::move(*read.name);
  *end = read.end;
  return true;
}

}  // namespace

std::optional<std::vector<std::uint8_t>> EncodeName(const std::string& name) {
  std::vector<std::uint8_t> out;
  std::string_view rest = name;
  if (!rest.empty() && rest.back() == '.') rest.remove_suffix(1);
  while (!rest.empty()) {
    const auto dot = rest.find('.');
    const auto label = rest.substr(0, dot);
    if (label.empty() || label.size() > kMaxLabel) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
    if (rest.empty()) return std::nullopt;  // "a..": an empty label
  }
  out.push_back(0);
  if (out.size() > kMaxNameWire) return std::nullopt;
  return out;
}

std::vector<std::uint8_t> BuildQuery(std::uint16_t id, const std::vector<std::uint8_t>& encoded_name,
                                     std::uint16_t qtype) {
  std::vector<std::uint8_t> out;
  out.reserve(kHeaderSize + encoded_name.size() + kQuestionTail);
  PutU16Be(out, id);
  PutU16Be(out, kFlagRd);  // a standard query (opcode 0), recursion desired
  PutU16Be(out, 1);        // QDCOUNT
  PutU16Be(out, 0);        // ANCOUNT
  PutU16Be(out, 0);        // NSCOUNT
  PutU16Be(out, 0);        // ARCOUNT
  wire::PutBytes(out, encoded_name);
  PutU16Be(out, qtype);
  PutU16Be(out, kClassIn);
  return out;
}

std::vector<std::uint8_t> WithTcpLength(const std::vector<std::uint8_t>& message) {
  std::vector<std::uint8_t> out;
  out.reserve(2 + message.size());
  PutU16Be(out, static_cast<std::uint16_t>(message.size()));
  wire::PutBytes(out, message);
  return out;
}

std::optional<Response> ParseHeader(std::span<const std::uint8_t> message) {
  ByteReader reader(message);
  Response response;
  response.id = reader.U16();
  const std::uint16_t flags = reader.U16();
  response.question_count = reader.U16();
  response.answer_count = reader.U16();
  reader.Skip(2 + 2);  // NSCOUNT, ARCOUNT
  if (!reader.Ok()) return std::nullopt;
  response.is_response = (flags & kFlagQr) != 0;
  response.authoritative = (flags & kFlagAa) != 0;
  response.truncated = (flags & kFlagTc) != 0;
  response.rcode = static_cast<std::uint8_t>(flags & kRcodeMask);
  return response;
}

ParseResult ParseResponse(std::span<const std::uint8_t> message) {
  auto header = ParseHeader(message);
  if (!header) return {{}, "shorter than a DNS header"};
  ParseResult result{std::move(header), {}};
  Response& response = *result.response;
  std::size_t at = kHeaderSize;
  std::string name;
  for (std::uint16_t i = 0; i < response.question_count; ++i) {
    std::size_t end = 0;
    if (!ReadMessageName(message, at, &name, &end) || end + kQuestionTail > message.size()) {
      result.error = "question " + std::to_string(i + 1) + " cannot be read";
      return result;
    }
    at = end + kQuestionTail;
  }
  for (std::uint16_t i = 0; i < response.answer_count; ++i) {
    std::size_t end = 0;
    if (!ReadMessageName(message, at, &name, &end) || end + kFixedRrSize > message.size()) {
      result.error = "answer " + std::to_string(i + 1) + " cannot be read";
      return result;
    }
    ByteReader fixed(message);
    fixed.Seek(end);
    const std::uint16_t type = fixed.U16();
    fixed.Skip(2 + 4);  // CLASS, TTL
    const std::size_t rdlength = fixed.U16();
    const std::size_t rdata = fixed.Offset();
    if (rdlength > fixed.Remaining()) {
      result.error = "answer " + std::to_string(i + 1) + " runs past the message";
      return result;
    }
    if (type == kTypeSrv) {
      SrvRecord srv;
      std::size_t target_end = 0;
      if (rdlength < kSrvFixedSize + 1 || !ReadMessageName(message, rdata + kSrvFixedSize, &srv.target, &target_end) ||
          target_end > rdata + rdlength) {
        result.error = "SRV answer " + std::to_string(i + 1) + " is malformed";
        return result;
      }
      srv.priority = fixed.U16();
      srv.weight = fixed.U16();
      srv.port = fixed.U16();
      response.srv.push_back(std::move(srv));
    }
    at = rdata + rdlength;
  }
  return result;
}

std::string RcodeName(std::uint8_t rcode) {
  switch (rcode) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    case 6: return "YXDOMAIN";
    case 7: return "YXRRSET";
    case 8: return "NXRRSET";
    case 9: return "NOTAUTH";
    case 10: return "NOTZONE";
    default: return "RCODE " + std::to_string(rcode);
  }
}

}  // namespace portolan::probe::dns
