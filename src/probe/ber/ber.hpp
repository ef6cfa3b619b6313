#pragma once
// BER/DER (ITU-T X.690) reader and writer shared by the LDAP and Kerberos codecs: definite
// lengths only, every read bounded by the input, nothing trusted from the wire.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace portolan::probe::ber {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// X.690 8.1.2.2: the two top bits of the identifier octet.
enum class TagClass : std::uint8_t { kUniversal = 0, kApplication = 1, kContext = 2, kPrivate = 3 };

// Universal tag numbers used here (X.680 8.4, table 1).
inline constexpr std::uint32_t kBoolean = 1;
inline constexpr std::uint32_t kInteger = 2;
inline constexpr std::uint32_t kBitString = 3;
inline constexpr std::uint32_t kOctetString = 4;
inline constexpr std::uint32_t kEnumerated = 10;
inline constexpr std::uint32_t kSequence = 16;
inline constexpr std::uint32_t kSet = 17;
inline constexpr std::uint32_t kGeneralizedTime = 24;
inline constexpr std::uint32_t kGeneralString = 27;

struct Tag {
  TagClass cls = TagClass::kUniversal;
  bool constructed = false;
  std::uint32_t number = 0;
  bool operator==(const Tag&) const = default;
};

constexpr Tag Universal(std::uint32_t number, bool constructed = false) {
  return {TagClass::kUniversal, constructed, number};
}
constexpr Tag Application(std::uint32_t number, bool constructed = true) {
  return {TagClass::kApplication, constructed, number};
}
constexpr Tag Context(std::uint32_t number, bool constructed = true) {
  return {TagClass::kContext, constructed, number};
}
inline constexpr Tag kSequenceTag = Universal(kSequence, true);

// The single identifier octet of a low tag number (below 31): 0x30 for a SEQUENCE.
constexpr std::uint8_t Identifier(const Tag& tag) {
  return static_cast<std::uint8_t>((static_cast<unsigned>(tag.cls) << 6) | (tag.constructed ? 0x20 : 0) |
                                   (tag.number & 0x1F));
}

// "[APPLICATION 4]", "UNIVERSAL 16": for error messages.
std::string Describe(const Tag& tag);

// One TLV: the tag, its contents, and how many bytes the whole element took.
struct Element {
  Tag tag;
  ByteView contents;
  std::size_t size = 0;
};

// Where the first element of a byte stream ends (TCP framing): complete, not yet, or never.
struct Frame {
  enum class Status { kComplete, kIncomplete, kMalformed };
  Status status = Status::kIncomplete;
  Element element;              // kComplete
  std::size_t header_size = 0;  // kComplete, and kIncomplete once the tag and length are in
  std::string error;            // kMalformed
};
Frame ReadElement(ByteView input);

// Walks the elements of one contents octet string in order. After a failure (malformed or
// truncated element, unexpected tag), every later call fails too and error() says why.
class Reader {
 public:
  explicit Reader(ByteView input) : input_(input) {}
  bool AtEnd() const { return failed_ || offset_ >= input_.size(); }
  bool Failed() const { return failed_; }
  const std::string& error() const { return error_; }

  std::optional<Tag> PeekTag();
  std::optional<Element> Next();
  // The next element, which must have `tag`; `what` names it in the error.
  std::optional<Element> Expect(const Tag& tag, std::string_view what);
  // The next element when it has `tag`, otherwise nothing (not a failure).
  std::optional<Element> Optional(const Tag& tag);

  // Typed reads of the next element (universal tags unless one is given).
  std::optional<std::int64_t> Integer(std::string_view what, Tag tag = Universal(kInteger));
  std::optional<std::string_view> String(std::string_view what, Tag tag = Universal(kOctetString));

  bool Fail(std::string message);

 private:
  ByteView input_;
  std::size_t offset_ = 0;
  bool failed_ = false;
  std::string error_;
};

// Contents decoders (X.690 8.3). Integers longer than 8 octets do not fit: nothing.
std::optional<std::int64_t> DecodeInteger(ByteView contents);
std::string_view AsText(ByteView contents);

// Writers (DER where a choice exists: minimal lengths and integers).
Bytes EncodeLength(std::size_t length);
Bytes Encode(const Tag& tag, ByteView contents);
Bytes Encode(const Tag& tag, std::initializer_list<ByteView> parts);
Bytes EncodeInteger(std::int64_t value, Tag tag = Universal(kInteger));
Bytes EncodeBoolean(bool value);
Bytes EncodeString(std::string_view text, Tag tag = Universal(kOctetString));
inline ByteView View(const Bytes& bytes) {
  return {bytes.data(), bytes.size()};
}

}  // namespace portolan::probe::ber
