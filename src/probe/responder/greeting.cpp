#include "probe/responder/greeting.hpp"

#include <cassert>

#include <fmt/format.h>

namespace portolan::probe::responder {

namespace {

constexpr int kMaxPort = 65535;

bool IsFieldChar(std::uint8_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

// How far the bytes matched the next part of the grammar.
enum class Scan {
  kMismatch,  // not a greeting
  kEnded,     // the bytes ended inside this part: a prefix so far
  kOk,        // this part matched; more bytes follow
};

// Reads the greeting's grammar part by part, telling a mismatch from bytes that simply end.
class Scanner {
 public:
  explicit Scanner(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::size_t Offset() const { return at_; }

  Scan Literal(std::string_view text) {
    for (const char c : text) {
      if (at_ == bytes_.size()) return Scan::kEnded;
      if (bytes_[at_] != static_cast<std::uint8_t>(c)) return Scan::kMismatch;
      ++at_;
    }
    return Scan::kOk;
  }

  // [A-Za-z0-9._-]{1,64}, then `terminator` (left for the next literal).
  Scan Field(std::string& out, char terminator) {
    const std::size_t start = at_;
    while (at_ < bytes_.size() && IsFieldChar(bytes_[at_])) {
      if (at_ - start == kMaxFieldLength) return Scan::kMismatch;
      ++at_;
    }
    if (at_ == bytes_.size()) return Scan::kEnded;
    if (at_ == start || bytes_[at_] != static_cast<std::uint8_t>(terminator)) return Scan::kMismatch;
    out.assign(bytes_.begin() + static_cast<std::ptrdiff_t>(start), bytes_.begin() + static_cast<std::ptrdiff_t>(at_));
    return Scan::kOk;
  }

  // 1..65535 without leading zeros, then '/'.
  Scan Port(int& port) {
    const std::size_t start = at_;
    int value = 0;
    while (at_ < bytes_.size() && bytes_[at_] >= '0' && bytes_[at_] <= '9') {
      if (at_ == start && bytes_[at_] == '0') return Scan::kMismatch;
      value = value * 10 + (bytes_[at_] - '0');
      if (value > kMaxPort) return Scan::kMismatch;
      ++at_;
    }
    if (at_ == bytes_.size()) return Scan::kEnded;
    if (at_ == start || bytes_[at_] != '/') return Scan::kMismatch;
    port = value;
    return Scan::kOk;
  }

  Scan TransportField(Transport& transport) {
    if (at_ == bytes_.size()) return Scan::kEnded;
    if (bytes_[at_] == 't') {
      transport = Transport::kTcp;
      return Literal("tcp");
    }
    transport = Transport::kUdp;
    return Literal("udp");
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t at_ = 0;
};

struct Scanned {
  Scan outcome = Scan::kMismatch;  // kOk: a whole greeting; kEnded: a prefix of one
  ParsedGreeting fields;
};

Scanned ScanGreeting(std::span<const std::uint8_t> bytes) {
  Scanner scanner(bytes);
  Scanned result;
  std::string host;
  int port = 0;
  Transport transport = Transport::kTcp;
  const auto next = [&result](Scan scan) {
    result.outcome = scan;
    return scan == Scan::kOk;
  };
  const bool whole = next(scanner.Literal(kGreetingMagic)) && next(scanner.Literal("token=")) &&
                     next(scanner.Field(result.fields.token, ' ')) && next(scanner.Literal(" host=")) &&
                     next(scanner.Field(host, ' ')) && next(scanner.Literal(" port=")) && next(scanner.Port(port)) &&
                     next(scanner.Literal("/")) && next(scanner.TransportField(transport)) &&
                     next(scanner.Literal("\r\n"));
  result.fields.size = scanner.Offset();
  if (whole) {
    result.fields.host = std::move(host);
    result.fields.port = port;
    result.fields.transport = transport;
  }
  return result;
}

}  // namespace

std::optional<ParsedGreeting> ParseGreeting(std::span<const std::uint8_t> bytes) {
  auto scanned = ScanGreeting(bytes);
  if (scanned.outcome == Scan::kOk) return std::move(scanned.fields);
  if (scanned.outcome == Scan::kEnded && bytes.size() >= kMinTruncatedGreeting) {
    scanned.fields.truncated = true;
    return std::move(scanned.fields);
  }
  return std::nullopt;
}

bool CouldBeGreetingStart(std::span<const std::uint8_t> bytes) {
  return ScanGreeting(bytes).outcome != Scan::kMismatch;
}

bool IsValidToken(std::string_view token) {
  if (token.empty() || token.size() > kMaxFieldLength) return false;
  for (const char c : token) {
    if (!IsFieldChar(static_cast<std::uint8_t>(c))) return false;
  }
  return true;
}

std::string SafeHostField(std::string_view name) {
  if (name.empty()) return std::string(kNoHost);
  std::string field(name.substr(0, kMaxFieldLength));
  for (char& c : field) {
    if (!IsFieldChar(static_cast<std::uint8_t>(c))) c = '_';
  }
  return field;
}

std::string Greeting(const GreetingFields& fields) {
  assert(IsValidToken(fields.token));
  assert(fields.port >= 1 && fields.port <= kMaxPort);
  return fmt::format("{}token={} host={} port={}/{}\r\n", kGreetingMagic, fields.token, SafeHostField(fields.host),
                     fields.port, TransportName(fields.transport));
}

}  // namespace portolan::probe::responder
