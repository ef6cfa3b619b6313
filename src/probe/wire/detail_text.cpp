// Detail-line helpers for every probe: whatever a peer sends ends up printable and bounded before
// it reaches a report.

#include "probe/wire/detail_text.hpp"

#include <fmt/format.h>

namespace portolan::probe::wire {
namespace {

constexpr std::size_t kMaxDetailChars = 200;
constexpr std::size_t kMaxShownTextChars = 16;
// Shorter text is as likely to be binary that happens to be printable.
constexpr std::size_t kMinShownTextChars = 4;
constexpr char kFirstPrintable = 0x20;
constexpr char kLastPrintable = 0x7E;

bool IsPrintable(char c) {
  return c >= kFirstPrintable && c <= kLastPrintable;
}

std::string_view AsText(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

bool StartsWith(std::span<const std::uint8_t> bytes, std::string_view prefix) {
  return bytes.size() >= prefix.size() && AsText(bytes.first(prefix.size())) == prefix;
}

// What a stray answer most often is, recognised by its first bytes.
std::string_view Guess(std::span<const std::uint8_t> bytes) {
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

// The bytes up to the first line end, when they are a few printable characters: a status line or
// a banner. Empty when they are not text.
std::string LeadingText(std::span<const std::uint8_t> bytes) {
  std::string text;
  for (std::size_t i = 0; i < bytes.size() && i < kMaxShownTextChars; ++i) {
    const auto c = static_cast<char>(bytes[i]);
    if (c == '\r' || c == '\n') break;
    if (!IsPrintable(c)) return "";
    text += c;
  }
  return text.size() >= kMinShownTextChars ? text : "";
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

std::string HexPrefix(std::span<const std::uint8_t> bytes, std::size_t max_bytes) {
  std::string text;
  for (std::size_t i = 0; i < bytes.size() && i < max_bytes; ++i) {
    if (i > 0) text += ' ';
    text += fmt::format("{:02x}", bytes[i]);
  }
  if (bytes.size() > max_bytes) text += " ...";
  return text;
}

std::string DescribeForeignBytes(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return "no bytes";
  std::string notes;
  const std::string text = LeadingText(bytes);
  if (!text.empty()) notes = "'" + text + "'";
  const std::string_view guess = Guess(bytes);
  if (!guess.empty()) notes += notes.empty() ? std::string(guess) : fmt::format(", {}", guess);
  if (notes.empty()) return "first bytes " + HexPrefix(bytes);
  return fmt::format("first bytes {} ({})", HexPrefix(bytes), notes);
}

std::string LimitDetail(const std::string& detail) {
  return PrintableText(detail, kMaxDetailChars);
}

std::string FormatGuid(const std::array<std::uint8_t, 16>& g) {
  return fmt::format(
      "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", g[3],
      g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

}  // namespace portolan::probe::wire
