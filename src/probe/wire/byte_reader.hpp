#pragma once
// A bounds-checked reader over untrusted network bytes, for every codec of a binary protocol. A
// read past the end returns zero (or an empty span) and marks the reader failed; callers check Ok().

#include <cstddef>
#include <cstdint>
#include <span>

namespace portolan::probe::wire {

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
  std::uint32_t U24() { return static_cast<std::uint32_t>(Unsigned(3)); }  // SMB's and NetBIOS's frame lengths
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

  // Moves to `offset` from the start (a DNS name pointer, a TDS option's offset); an offset past
  // the end fails the reader.
  void Seek(std::size_t offset) {
    if (!ok_ || offset > bytes_.size()) {
      ok_ = false;
      return;
    }
    offset_ = offset;
  }

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

}  // namespace portolan::probe::wire
