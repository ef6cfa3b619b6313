#include "core/json_writer.hpp"

#include <cstring>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace portolan::core {

namespace {

constexpr std::size_t kIndent = 2;  // as dump(2)

bool IsAscii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

bool IsPlain(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte >= 0x20 && byte < 0x80 && c != '"' && c != '\\';
}

// How many bytes at the start of text need no escaping: eight at a time while no byte of a word
// is a control character, a quote, a backslash or non-ASCII (the bit tricks of "Bit Twiddling
// Hacks": a byte below n sets its top bit in (w - n*ones) & ~w), then byte by byte.
std::size_t PlainPrefix(std::string_view text) {
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kTopBits = 0x8080808080808080;
  auto has_byte_below = [](std::uint64_t w, std::uint8_t n) { return (w - kOnes * n) & ~w; };
  std::size_t i = 0;
  for (; i + sizeof(std::uint64_t) <= text.size(); i += sizeof(std::uint64_t)) {
    std::uint64_t word = 0;
    std::memcpy(&word, text.data() + i, sizeof word);
    const auto special = word | has_byte_below(word, 0x20) | has_byte_below(word ^ (kOnes * '"'), 1) |
                         has_byte_below(word ^ (kOnes * '\\'), 1);
    if ((special & kTopBits) != 0) break;
  }
  while (i < text.size() && IsPlain(text[i])) ++i;
  return i;
}

// nlohmann's escaping of an ASCII string: the short escapes JSON has, \u00xx (lower-case hex)
// for the other control characters, everything else (DEL too) as it is.
void AppendEscapedAscii(std::string& out, std::string_view text) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::size_t plain_from = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.substr(plain_from, i - plain_from));
    plain_from = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
        break;
    }
  }
  out.append(text.substr(plain_from));
}

}  // namespace

void AppendJsonQuoted(std::string& out, std::string_view text) {
  const auto plain = PlainPrefix(text);
  if (plain < text.size() && !IsAscii(text.substr(plain))) {
    out += nlohmann::json(std::string(text)).dump();
    return;
  }
  out += '"';
  out += text.substr(0, plain);
  AppendEscapedAscii(out, text.substr(plain));
  out += '"';
}

std::string JsonQuoted(std::string_view text) {
  std::string out;
  AppendJsonQuoted(out, text);
  return out;
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (has_items_.empty()) return;
  out_ += has_items_.back() ? ",\n" : "\n";
  has_items_.back() = true;
  out_.append(kIndent * has_items_.size(), ' ');
}

void JsonWriter::Open(char bracket) {
  BeforeValue();
  out_ += bracket;
  has_items_.push_back(false);
}

void JsonWriter::Close(char bracket) {
  const bool had_items = has_items_.back();
  has_items_.pop_back();
  if (had_items) {
    out_ += '\n';
    out_.append(kIndent * has_items_.size(), ' ');
  }
  out_ += bracket;
}

void JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendJsonQuoted(out_, key);
  out_ += ": ";
  after_key_ = true;
}

void JsonWriter::String(std::string_view text) {
  BeforeValue();
  AppendJsonQuoted(out_, text);
}

void JsonWriter::Int(std::int64_t value) {
  BeforeValue();
  const fmt::format_int digits(value);
  out_.append(digits.data(), digits.size());
}

void JsonWriter::Literal(std::string_view json) {
  BeforeValue();
  out_ += json;
}

void JsonWriter::StringArray(const std::vector<std::string>& items) {
  BeginArray();
  for (const auto& item : items) String(item);
  EndArray();
}

std::string JsonWriter::Take() {
  out_ += '\n';
  return std::move(out_);
}

}  // namespace portolan::core
