#pragma once
// DNS messages (RFC 1035 4.1): a one-question query builder and a response parser that reads
// the header, skips the questions and decodes SRV answers (RFC 2782), compression included.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace portolan::probe::dns {

inline constexpr std::size_t kHeaderSize = 12;  // RFC 1035 4.1.1
inline constexpr std::uint16_t kTypeNs = 2;     // RFC 1035 3.2.2
inline constexpr std::uint16_t kTypeSoa = 6;
inline constexpr std::uint16_t kTypeSrv = 33;  // RFC 2782
inline constexpr std::uint16_t kClassIn = 1;   // RFC 1035 3.2.4

// "_ldap._tcp.dc._msdcs.corp.example" -> wire labels; "" or "." is the root. Empty when the
// name cannot be encoded (an empty label, a label over 63 bytes, a name over 255 bytes).
std::optional<std::vector<std::uint8_t>> EncodeName(const std::string& name);

// A query with RD=1 and one question (RFC 1035 4.1.1, 4.1.2); name must encode.
std::vector<std::uint8_t> BuildQuery(std::uint16_t id, const std::vector<std::uint8_t>& encoded_name,
                                     std::uint16_t qtype);

// RFC 1035 4.2.2: over TCP the message is preceded by its length, two bytes big-endian.
std::vector<std::uint8_t> WithTcpLength(const std::vector<std::uint8_t>& message);

struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  // dotted, as on the wire (may be unprintable)
};

struct Response {
  std::uint16_t id = 0;
  bool is_response = false;  // QR
  bool authoritative = false;
  bool truncated = false;
  std::uint8_t rcode = 0;
  std::uint16_t question_count = 0;
  std::uint16_t answer_count = 0;
  std::vector<SrvRecord> srv;  // the SRV records of the answer section
};

struct ParseResult {
  std::optional<Response> response;
  std::string error;
};

// The header only (id, flags, counts): enough to match a response to its query.
std::optional<Response> ParseHeader(std::span<const std::uint8_t> message);

// The whole message. A message whose header is sound but whose records are cut short (a UDP
// answer with TC=1) is returned with the records that could be read and an error saying where.
ParseResult ParseResponse(std::span<const std::uint8_t> message);

// RFC 1035 4.1.1 and RFC 6895 2.3: "NOERROR", "NXDOMAIN", ... or "RCODE n".
std::string RcodeName(std::uint8_t rcode);

}  // namespace portolan::probe::dns
