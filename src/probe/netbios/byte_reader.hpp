#pragma once
// A bounds-checked reader over untrusted network bytes, shared by the NetBIOS, SMB and DCE/RPC
// codecs. A read past the end returns zero and marks the reader failed; callers check Ok().

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace portolan::probe::netbios {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes, bool little_endian = false)
      : bytes_(bytes), little_endian_(little_endian) {}

  bool Ok() const { return ok_; }
  std::size_t Offset() const { return offset_; }
  std::size_t Remaining() const { return ok_ ? bytes_.size() - offset_ : 0; }
  void SetLittleEndian(bool little_endian) { little_endian_ = little_endian; }

  std::uint8_t U8() {
    if (!Need(1)) return 0;
    return bytes_[offset_++];
  }
  std::uint16_t U16() { return static_cast<std::uint16_t>(Unsigned(2)); }
  std::uint32_t U32() { return static_cast<std::uint32_t>(Unsigned(4)); }
  std::uint64_t U64() { return Unsigned(8); }

  // The next `count` bytes, or an empty span (and a failed reader) when fewer remain.
  std::span<const std::uint8_t> Take(std::size_t count) {
    if (!Need(count)) return {};
    const auto taken = bytes_.subspan(offset_, count);
    offset_ += count;
    return taken;
  }
  void Skip(std::size_t count) { Take(count); }

  // NDR aligns every primitive to its size, counted from the start of the stub (C706 14.2.2).
  void AlignTo(std::size_t alignment) {
    const std::size_t misalignment = offset_ % alignment;
    if (misalignment != 0) Skip(alignment - misalignment);
  }

 private:
  bool Need(std::size_t count) {
    if (!ok_ || count > bytes_.size() - offset_) {
      ok_ = false;
      return false;
    }
    return true;
  }

  std::uint64_t Unsigned(std::size_t size) {
    if (!Need(size)) return 0;
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i) {
      const std::size_t index = little_endian_ ? size - 1 - i : i;
      value = (value << 8) | bytes_[offset_ + index];
    }
    offset_ += size;
    return value;
  }

  std::span<const std::uint8_t> bytes_;
  bool little_endian_ = false;
  std::size_t offset_ = 0;
  bool ok_ = true;
};

// "48 54 54 50" for the first `max` bytes, for details that say what answered.
inline std::string HexPrefix(std::span<const std::uint8_t> bytes, std::size_t max = 8) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    if (i > 0) text += ' ';
    text += kDigits[bytes[i] >> 4];
    text += kDigits[bytes[i] & 0x0f];
  }
  if (bytes.size() > max) text += " ...";
  return text;
}

// What a foreign answer looks like, for a wrong-service detail: its first bytes, and a guess
// when they are text (an HTTP status line, an SSH or FTP banner).
inline std::string DescribeForeign(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return "no bytes";
  std::string text = "first bytes " + HexPrefix(bytes);
  std::string printable;
  bool all_printable = true;
  for (std::size_t i = 0; i < bytes.size() && i < 16; ++i) {
    const auto c = static_cast<char>(bytes[i]);
    if (c == '\r' || c == '\n') break;
    const bool is_printable = c >= 0x20 && c < 0x7f;
    all_printable = all_printable && is_printable;
    printable += is_printable ? c : '.';
  }
  if (printable.size() >= 4 && all_printable) {
    text += " ('" + printable + "'";
    if (printable.starts_with("HTTP/")) text += ", looks like HTTP";
    if (printable.starts_with("SSH-")) text += ", looks like SSH";
    text += ")";
  }
  return text;
}

}  // namespace portolan::probe::netbios
