// Bytes -> the BER reader (probe/ber): element framing, nested walks and integer decoding.
// Invariants: every element lies inside its input, a failed reader says why, and an integer
// that decodes encodes back to the same value. The input also goes through the detail-line helpers
// of probe/wire, which must make it printable.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "probe/ber/ber.hpp"
#include "probe/wire/detail_text.hpp"

namespace {

namespace ber = portolan::probe::ber;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

void Check(bool condition, const char* what) {
  if (!condition) Fail(what);
}

constexpr int kMaxDepth = 64;

void Walk(ber::ByteView input, int depth) {
  ber::Reader reader(input);
  while (!reader.AtEnd()) {
    const auto element = reader.Next();
    if (!element) {
      Check(reader.Failed() && !reader.error().empty(), "a reader failed without an error");
      return;
    }
    Check(element->contents.data() >= input.data() &&
              element->contents.data() + element->contents.size() <= input.data() + input.size(),
          "element contents outside the input");
    Check(element->size > element->contents.size(), "element size not larger than its contents");
    if (const auto value = ber::DecodeInteger(element->contents)) {
      const ber::Bytes encoded = ber::EncodeInteger(*value);
      const auto again = ber::ReadElement(ber::View(encoded));
      Check(again.status == ber::Frame::Status::kComplete, "an encoded integer does not frame");
      Check(ber::DecodeInteger(again.element.contents) == value, "an integer does not round-trip");
    }
    if (element->tag.constructed && depth < kMaxDepth) Walk(element->contents, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ber::ByteView input(data, size);
  const ber::Frame frame = ber::ReadElement(input);
  if (frame.status == ber::Frame::Status::kComplete) {
    Check(frame.element.size <= size, "a framed element longer than its input");
    Check(frame.header_size + frame.element.contents.size() == frame.element.size, "header + contents != size");
  } else if (frame.status == ber::Frame::Status::kMalformed) {
    Check(!frame.error.empty(), "a malformed element without an error");
  }
  Walk(input, 0);
  const std::string text = portolan::probe::wire::PrintableText(ber::AsText(input));
  for (const char c : text) Check(c >= 0x20 && c <= 0x7E, "PrintableText let a non-printable byte through");
  const std::string described = portolan::probe::wire::DescribeForeignBytes(input);
  for (const char c : described) Check(c >= 0x20 && c <= 0x7E, "DescribeForeignBytes is not printable");
  return 0;
}
