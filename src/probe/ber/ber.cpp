// BER/DER reader and writer: X.690 8.1 (identifier and length octets), 8.3 (INTEGER).
// The reader refuses what LDAP (RFC 4511 5.1) and Kerberos (RFC 4120 5) never send: indefinite lengths.

#include "probe/ber/ber.hpp"

#include <fmt/format.h>

namespace portolan::probe::ber {
namespace {

constexpr std::uint8_t kConstructedBit = 0x20;
constexpr std::uint8_t kTagNumberMask = 0x1F;  // 31 in the low bits: the high-tag-number form follows
constexpr std::uint8_t kMoreBit = 0x80;        // long-form length, and "more octets" in high tag numbers
constexpr std::uint8_t kIndefiniteLength = 0x80;
// Lengths beyond 4 octets and tag numbers beyond 4 continuation octets are not in any message we
// read; refusing them keeps every count within 32 bits.
constexpr std::size_t kMaxLengthOctets = 4;
constexpr std::size_t kMaxTagOctets = 4;

struct Header {
  Frame::Status status = Frame::Status::kIncomplete;
  Tag tag;
  std::size_t header_size = 0;
  std::size_t length = 0;
  std::string error;
};

Header ReadHeader(ByteView input) {
  Header header;
  if (input.empty()) return header;
  const std::uint8_t first = input[0];
  header.tag.cls = static_cast<TagClass>(first >> 6);
  header.tag.constructed = (first & kConstructedBit) != 0;
  std::size_t offset = 1;
  if ((first & kTagNumberMask) != kTagNumberMask) {
    header.tag.number = first & kTagNumberMask;
  } else {
    std::uint32_t number = 0;
    for (std::size_t count = 0;; ++count) {
      if (offset >= input.size()) return header;
      if (count == kMaxTagOctets) {
        header.status = Frame::Status::kMalformed;
        header.error = "tag number too long";
        return header;
      }
      const std::uint8_t octet = input[offset++];
      number = (number << 7) | (octet & 0x7F);
      if ((octet & kMoreBit) == 0) break;
    }
    header.tag.number = number;
  }
  if (offset >= input.size()) return header;
  const std::uint8_t length_octet = input[offset++];
  if (length_octet == kIndefiniteLength) {
    header.status = Frame::Status::kMalformed;
    header.error = "indefinite length";
    return header;
  }
  if ((length_octet & kMoreBit) == 0) {
    header.length = length_octet;
  } else {
    const std::size_t count = length_octet & 0x7F;
    if (count > kMaxLengthOctets) {
      header.status = Frame::Status::kMalformed;
      header.error = fmt::format("length of {} octets", count);
      return header;
    }
    if (input.size() - offset < count) return header;
    std::size_t length = 0;
    for (std::size_t i = 0; i < count; ++i) length = (length << 8) | input[offset++];
    header.length = length;
  }
  header.header_size = offset;
  header.status = Frame::Status::kComplete;
  return header;
}

}  // namespace

std::string Describe(const Tag& tag) {
  switch (tag.cls) {
    case TagClass::kUniversal: return fmt::format("UNIVERSAL {}", tag.number);
    case TagClass::kApplication: return fmt::format("[APPLICATION {}]", tag.number);
    case TagClass::kContext: return fmt::format("[{}]", tag.number);
    case TagClass::kPrivate: return fmt::format("[PRIVATE {}]", tag.number);
  }
  return "?";
}

Frame ReadElement(ByteView input) {
  Frame frame;
  const Header header = ReadHeader(input);
  if (header.status != Frame::Status::kComplete) {
    frame.status = header.status;
    frame.error = header.error;
    return frame;
  }
  frame.header_size = header.header_size;
  // Compared without adding to the header size first, so that no length can overflow.
  if (input.size() - header.header_size < header.length) return frame;
  frame.status = Frame::Status::kComplete;
  frame.element.tag = header.tag;
  frame.element.contents = input.subspan(header.header_size, header.length);
  frame.element.size = header.header_size + header.length;
  return frame;
}

bool Reader::Fail(std::string message) {
  if (!failed_) {
    failed_ = true;
    error_ = std::move(message);
  }
  return false;
}

std::optional<Tag> Reader::PeekTag() {
  if (AtEnd()) return std::nullopt;
  const Header header = ReadHeader(input_.subspan(offset_));
  if (header.status != Frame::Status::kComplete) return std::nullopt;
  return header.tag;
}

std::optional<Element> Reader::Next() {
  if (failed_) return std::nullopt;
  if (offset_ >= input_.size()) {
    Fail("missing element");
    return std::nullopt;
  }
  const Frame frame = ReadElement(input_.subspan(offset_));
  if (frame.status == Frame::Status::kIncomplete) {
    Fail("element runs past its container");
    return std::nullopt;
  }
  if (frame.status == Frame::Status::kMalformed) {
    Fail(frame.error);
    return std::nullopt;
  }
  offset_ += frame.element.size;
  return frame.element;
}

std::optional<Element> Reader::Expect(const Tag& tag, std::string_view what) {
  if (failed_) return std::nullopt;
  if (offset_ >= input_.size()) {
    Fail(fmt::format("missing {}", what));
    return std::nullopt;
  }
  const auto element = Next();
  if (!element) return std::nullopt;
  if (element->tag != tag) {
    Fail(fmt::format("{}: expected {}, found {}", what, Describe(tag), Describe(element->tag)));
    return std::nullopt;
  }
  return element;
}

std::optional<Element> Reader::Optional(const Tag& tag) {
  const auto next = PeekTag();
  if (!next || *next != tag) return std::nullopt;
  return Next();
}

std::optional<std::int64_t> Reader::Integer(std::string_view what, Tag tag) {
  const auto element = Expect(tag, what);
  if (!element) return std::nullopt;
  const auto value = DecodeInteger(element->contents);
  if (!value) Fail(fmt::format("{}: bad integer of {} octets", what, element->contents.size()));
  return value;
}

std::optional<std::string_view> Reader::String(std::string_view what, Tag tag) {
  const auto element = Expect(tag, what);
  if (!element) return std::nullopt;
  return AsText(element->contents);
}

std::optional<std::int64_t> DecodeInteger(ByteView contents) {
  if (contents.empty() || contents.size() > sizeof(std::int64_t)) return std::nullopt;
  // Two's complement, most significant octet first: start from the sign.
  std::uint64_t value = (contents[0] & 0x80) != 0 ? ~std::uint64_t{0} : 0;
  for (const std::uint8_t octet : contents) value = (value << 8) | octet;
  return static_cast<std::int64_t>(value);
}

std::string_view AsText(ByteView contents) {
  return {reinterpret_cast<const char*>(contents.data()), contents.size()};
}

Bytes EncodeLength(std::size_t length) {
  constexpr std::size_t kShortFormMax = 0x7F;
  if (length <= kShortFormMax) return {static_cast<std::uint8_t>(length)};
  Bytes octets;
  for (std::size_t rest = length; rest != 0; rest >>= 8) octets.insert(octets.begin(), static_cast<std::uint8_t>(rest));
  octets.insert(octets.begin(), static_cast<std::uint8_t>(kMoreBit | octets.size()));
  return octets;
}

Bytes Encode(const Tag& tag, ByteView contents) {
  return Encode(tag, {contents});
}

Bytes Encode(const Tag& tag, std::initializer_list<ByteView> parts) {
  std::size_t length = 0;
  for (const auto part : parts) length += part.size();
  Bytes out;
  const auto identifier =
      static_cast<std::uint8_t>((static_cast<unsigned>(tag.cls) << 6) | (tag.constructed ? kConstructedBit : 0));
  if (tag.number < kTagNumberMask) {
    out.push_back(static_cast<std::uint8_t>(identifier | tag.number));
  } else {
    out.push_back(identifier | kTagNumberMask);
    Bytes number;
    for (std::uint32_t rest = tag.number; rest != 0; rest >>= 7) {
      number.insert(number.begin(), static_cast<std::uint8_t>((rest & 0x7F) | (number.empty() ? 0 : kMoreBit)));
    }
    out.insert(out.end(), number.begin(), number.end());
  }
  const Bytes length_octets = EncodeLength(length);
  out.insert(out.end(), length_octets.begin(), length_octets.end());
  for (const auto part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

Bytes EncodeInteger(std::int64_t value, Tag tag) {
  // Big-endian two's complement, then drop leading octets that only repeat the sign (X.690 8.3.2).
  Bytes octets;
  auto bits = static_cast<std::uint64_t>(value);
  for (std::size_t i = 0; i < sizeof(value); ++i, bits >>= 8)
    octets.insert(octets.begin(), static_cast<std::uint8_t>(bits));
  std::size_t start = 0;
  while (start + 1 < octets.size() && ((octets[start] == 0x00 && (octets[start + 1] & 0x80) == 0) ||
                                       (octets[start] == 0xFF && (octets[start + 1] & 0x80) != 0))) {
    ++start;
  }
  return Encode(tag, ByteView(octets).subspan(start));
}

Bytes EncodeBoolean(bool value) {
  const std::uint8_t octet = value ? 0xFF : 0x00;  // DER's TRUE (X.690 11.1)
  return Encode(Universal(kBoolean), ByteView(&octet, 1));
}

Bytes EncodeString(std::string_view text, Tag tag) {
  return Encode(tag, ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace portolan::probe::ber
