// DNS codec: every read is checked against the message; compression pointers (RFC 1035 4.1.4)
// must point backwards, so a chain of them always ends, and a name stays within 255 bytes.

#include "probe/dns/dns_codec.hpp"

namespace portolan::probe::dns {

namespace {

constexpr std::size_t kMaxLabel = 63;        // RFC 1035 2.3.4
constexpr std::size_t kMaxNameWire = 255;    // RFC 1035 2.3.4
constexpr std::uint8_t kPointerMask = 0xC0;  // RFC 1035 4.1.4: the two high bits of a pointer
constexpr std::uint16_t kFlagQr = 0x8000;    // RFC 1035 4.1.1
constexpr std::uint16_t kFlagAa = 0x0400;
constexpr std::uint16_t kFlagTc = 0x0200;
constexpr std::uint16_t kFlagRd = 0x0100;
constexpr std::uint16_t kRcodeMask = 0x000F;
constexpr std::size_t kFixedRrSize = 10;  // TYPE, CLASS, TTL, RDLENGTH
constexpr std::size_t kQuestionTail = 4;  // QTYPE, QCLASS
constexpr std::size_t kSrvFixedSize = 6;  // priority, weight, port

std::uint16_t Be16(std::span<const std::uint8_t> bytes, std::size_t at) {
  return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

void PutBe16(std::vector<std::uint8_t>& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

// Reads the name at `at`. `end` receives the offset just past the name where it started (past
// the first pointer, if any). Every pointer must point before the label that holds it, so
// chains are finite; the decoded name is bounded by kMaxNameWire.
bool ReadName(std::span<const std::uint8_t> message, std::size_t at, std::string* name, std::size_t* end) {
  name->clear();
  std::size_t wire_length = 0;
  bool jumped = false;
  std::size_t limit = at;  // a pointer must point before here
  while (true) {
    if (at >= message.size()) return false;
    const std::uint8_t length = message[at];
    if ((length & kPointerMask) == kPointerMask) {
      if (at + 1 >= message.size()) return false;
      const std::size_t target = ((length & ~kPointerMask) << 8) | message[at + 1];
      if (!jumped) *end = at + 2;
      jumped = true;
      if (target >= limit) return false;  // forward or self pointer: a loop or garbage
      limit = target;
      at = target;
      continue;
    }
    if ((length & kPointerMask) != 0) return false;  // 0x40 and 0x80: extended label types
    if (length == 0) {
      if (!jumped) *end = at + 1;
      if (name->empty()) *name = ".";
      return true;
    }
    wire_length += length + 1;
    if (wire_length > kMaxNameWire || at + 1 + length > message.size()) return false;
    if (!name->empty()) *name += '.';
    name->append(reinterpret_cast<const char*>(message.data() + at + 1), length);
    at += 1 + length;
    if (!jumped) limit = at;
  }
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
  PutBe16(out, id);
  PutBe16(out, kFlagRd);  // a standard query (opcode 0), recursion desired
  PutBe16(out, 1);        // QDCOUNT
  PutBe16(out, 0);        // ANCOUNT
  PutBe16(out, 0);        // NSCOUNT
  PutBe16(out, 0);        // ARCOUNT
  out.insert(out.end(), encoded_name.begin(), encoded_name.end());
  PutBe16(out, qtype);
  PutBe16(out, kClassIn);
  return out;
}

std::vector<std::uint8_t> WithTcpLength(const std::vector<std::uint8_t>& message) {
  std::vector<std::uint8_t> out;
  out.reserve(2 + message.size());
  PutBe16(out, static_cast<std::uint16_t>(message.size()));
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

std::optional<Response> ParseHeader(std::span<const std::uint8_t> message) {
  if (message.size() < kHeaderSize) return std::nullopt;
  Response response;
  response.id = Be16(message, 0);
  const std::uint16_t flags = Be16(message, 2);
  response.is_response = (flags & kFlagQr) != 0;
  response.authoritative = (flags & kFlagAa) != 0;
  response.truncated = (flags & kFlagTc) != 0;
  response.rcode = static_cast<std::uint8_t>(flags & kRcodeMask);
  response.question_count = Be16(message, 4);
  response.answer_count = Be16(message, 6);
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
    if (!ReadName(message, at, &name, &end) || end + kQuestionTail > message.size()) {
      result.error = "question " + std::to_string(i + 1) + " cannot be read";
      return result;
    }
    at = end + kQuestionTail;
  }
  for (std::uint16_t i = 0; i < response.answer_count; ++i) {
    std::size_t end = 0;
    if (!ReadName(message, at, &name, &end) || end + kFixedRrSize > message.size()) {
      result.error = "answer " + std::to_string(i + 1) + " cannot be read";
      return result;
    }
    const std::uint16_t type = Be16(message, end);
    const std::size_t rdlength = Be16(message, end + 8);
    const std::size_t rdata = end + kFixedRrSize;
    if (rdlength > message.size() - rdata) {
      result.error = "answer " + std::to_string(i + 1) + " runs past the message";
      return result;
    }
    if (type == kTypeSrv) {
      SrvRecord srv;
      std::size_t target_end = 0;
      if (rdlength < kSrvFixedSize + 1 || !ReadName(message, rdata + kSrvFixedSize, &srv.target, &target_end) ||
          target_end > rdata + rdlength) {
        result.error = "SRV answer " + std::to_string(i + 1) + " is malformed";
        return result;
      }
      srv.priority = Be16(message, rdata);
      srv.weight = Be16(message, rdata + 2);
      srv.port = Be16(message, rdata + 4);
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
