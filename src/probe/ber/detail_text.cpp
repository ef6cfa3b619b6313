// Detail-line helpers for the BER-based probes (LDAP, CLDAP, Kerberos): whatever a peer sends
// ends up printable and bounded before it reaches a report.

#include "probe/ber/detail_text.hpp"

#include <fmt/format.h>

namespace portolan::probe::ber {
namespace {

constexpr std::size_t kMaxDetailChars = 200;
constexpr char kFirstPrintable = 0x20;
constexpr char kLastPrintable = 0x7E;

bool IsPrintable(char c) {
  return c >= kFirstPrintable && c <= kLastPrintable;
}

bool StartsWith(ByteView bytes, std::string_view prefix) {
  return bytes.size() >= prefix.size() && AsText(bytes.first(prefix.size())) == prefix;
}

// What a stray answer most often is, recognised by its first bytes.
std::string_view Guess(ByteView bytes) {
  if (StartsWith(bytes, "HTTP/") || StartsWith(bytes, "<")) return "looks like HTTP";
  if (StartsWith(bytes, "SSH-")) return "looks like SSH";
  if (bytes.size() >= 3 && bytes[0] == 0x16 && bytes[1] == 0x03) return "looks like TLS";
  if (bytes.size() >= 3 && bytes[0] == 0x15 && bytes[1] == 0x03) return "looks like a TLS alert";
  if (StartsWith(bytes, "220") || StartsWith(bytes, "+OK") || StartsWith(bytes, "* OK")) {
    return "looks like a text protocol banner";
  }
  if (bytes.size() >= 8 && bytes[4] == 0xFF && AsText(bytes.subspan(5, 3)) == "SMB") return "looks like SMB";
  if (bytes.size() >= 8 && bytes[4] == 0xFE && AsText(bytes.subspan(5, 3)) == "SMB") return "looks like SMB2";
  return "";
}

}  // namespace

std::string PrintableText(std::string_view text, std::size_t max_chars) {
  std::string out;
  for (const char c : text) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    if (IsPrintable(c)) {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::string DescribeForeignBytes(ByteView bytes) {
  if (bytes.empty()) return "no bytes";
  std::string notes;
  const char first = static_cast<char>(bytes[0]);
  if (IsPrintable(first)) notes = fmt::format("'{}'", first);
  const std::string_view guess = Guess(bytes);
  if (!guess.empty()) notes += notes.empty() ? std::string(guess) : fmt::format(", {}", guess);
  if (notes.empty()) return fmt::format("first byte 0x{:02x}", bytes[0]);
  return fmt::format("first byte 0x{:02x} ({})", bytes[0], notes);
}

std::string LimitDetail(std::string detail) {
  return PrintableText(detail, kMaxDetailChars);
}

}  // namespace portolan::probe::ber
