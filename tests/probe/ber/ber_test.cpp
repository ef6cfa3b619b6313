// BER/DER reader and writer: the encodings of X.690 (8.1 lengths, 8.3 integers) byte by byte,
// and the reader's refusals (indefinite lengths, elements that overrun their container).

#include "probe/ber/ber.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace portolan::probe::ber {
namespace {

Bytes B(std::initializer_list<int> values) {
  Bytes out;
  for (const int v : values) out.push_back(static_cast<std::uint8_t>(v));
  return out;
}

TEST(BerTest, LengthsUseTheShortFormUpTo127AndTheMinimalLongFormBeyond) {
  EXPECT_EQ(EncodeLength(0), B({0x00}));
  EXPECT_EQ(EncodeLength(127), B({0x7F}));
  EXPECT_EQ(EncodeLength(128), B({0x81, 0x80}));
  EXPECT_EQ(EncodeLength(256), B({0x82, 0x01, 0x00}));
  EXPECT_EQ(EncodeLength(0x123456), B({0x83, 0x12, 0x34, 0x56}));
}

TEST(BerTest, IntegersAreMinimalTwosComplement) {
  // X.690 8.3.2: the first nine bits are never all zeros or all ones.
  EXPECT_EQ(EncodeInteger(0), B({0x02, 0x01, 0x00}));
  EXPECT_EQ(EncodeInteger(127), B({0x02, 0x01, 0x7F}));
  EXPECT_EQ(EncodeInteger(128), B({0x02, 0x02, 0x00, 0x80}));
  EXPECT_EQ(EncodeInteger(256), B({0x02, 0x02, 0x01, 0x00}));
  EXPECT_EQ(EncodeInteger(-1), B({0x02, 0x01, 0xFF}));
  EXPECT_EQ(EncodeInteger(-128), B({0x02, 0x01, 0x80}));
  EXPECT_EQ(EncodeInteger(-129), B({0x02, 0x02, 0xFF, 0x7F}));
  EXPECT_EQ(EncodeInteger(5, Universal(kEnumerated)), B({0x0A, 0x01, 0x05}));
}

TEST(BerTest, IntegersDecodeBackWithTheirSign) {
  for (const std::int64_t value :
       {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{127}, std::int64_t{128}, std::int64_t{-129},
        std::int64_t{0x7FFFFFFF}, std::int64_t{-0x80000000LL}, INT64_MAX, INT64_MIN}) {
    const Bytes encoded = EncodeInteger(value);
    EXPECT_EQ(DecodeInteger(ByteView(encoded).subspan(2)), value) << value;
  }
  EXPECT_FALSE(DecodeInteger({}).has_value());
  const Bytes nine(9, 0x01);
  EXPECT_FALSE(DecodeInteger(View(nine)).has_value());
}

TEST(BerTest, ReadElementWaitsForTheWholeElement) {
  const Bytes element = B({0x30, 0x03, 0x02, 0x01, 0x07, 0xAA});  // SEQUENCE { INTEGER 7 }, then a stray byte
  EXPECT_EQ(ReadElement(ByteView(element).first(0)).status, Frame::Status::kIncomplete);
  EXPECT_EQ(ReadElement(ByteView(element).first(1)).status, Frame::Status::kIncomplete);
  EXPECT_EQ(ReadElement(ByteView(element).first(4)).status, Frame::Status::kIncomplete);
  const Frame frame = ReadElement(View(element));
  ASSERT_EQ(frame.status, Frame::Status::kComplete);
  EXPECT_EQ(frame.element.tag, kSequenceTag);
  EXPECT_EQ(frame.element.size, 5u);
  EXPECT_EQ(frame.element.contents.size(), 3u);
}

TEST(BerTest, ReadElementRefusesIndefiniteAndOverlongLengths) {
  const Frame indefinite = ReadElement(View(B({0x30, 0x80, 0x00, 0x00})));
  EXPECT_EQ(indefinite.status, Frame::Status::kMalformed);
  EXPECT_NE(indefinite.error.find("indefinite"), std::string::npos);
  EXPECT_EQ(ReadElement(View(B({0x04, 0x85, 1, 0, 0, 0, 0}))).status, Frame::Status::kMalformed);
  // A 4-octet length of 4 GiB is well-formed: a stream reader waits, the engine bounds the wait.
  EXPECT_EQ(ReadElement(View(B({0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}))).status, Frame::Status::kIncomplete);
}

TEST(BerTest, HighTagNumbersRoundTrip) {
  const Bytes encoded = EncodeString("x", Application(300, false));
  EXPECT_EQ(encoded, B({0x5F, 0x82, 0x2C, 0x01, 'x'}));
  const Frame frame = ReadElement(View(encoded));
  ASSERT_EQ(frame.status, Frame::Status::kComplete);
  EXPECT_EQ(frame.element.tag, Application(300, false));
  EXPECT_EQ(Describe(frame.element.tag), "[APPLICATION 300]");
}

TEST(BerTest, ReaderFailsOnAnElementThatOverrunsItsContainer) {
  // SEQUENCE of 4 bytes whose OCTET STRING claims 9.
  const Bytes bytes = B({0x30, 0x04, 0x04, 0x09, 'a', 'b'});
  const Frame frame = ReadElement(View(bytes));
  ASSERT_EQ(frame.status, Frame::Status::kComplete);
  Reader reader(frame.element.contents);
  EXPECT_FALSE(reader.String("value").has_value());
  EXPECT_TRUE(reader.Failed());
  EXPECT_NE(reader.error().find("runs past"), std::string::npos);
  EXPECT_FALSE(reader.Next().has_value()) << "a failed reader stays failed";
}

TEST(BerTest, ReaderNamesTheExpectedAndTheFoundTag) {
  const Bytes bytes = B({0x04, 0x01, 'a', 0x02, 0x01, 0x05});
  Reader reader(View(bytes));
  EXPECT_FALSE(reader.Integer("messageID").has_value());
  EXPECT_EQ(reader.error(), "messageID: expected UNIVERSAL 2, found UNIVERSAL 4");
}

TEST(BerTest, OptionalSkipsNothingWhenTheTagDiffers) {
  const Bytes bytes = B({0xA1, 0x03, 0x02, 0x01, 0x05});
  Reader reader(View(bytes));
  EXPECT_FALSE(reader.Optional(Context(0)).has_value());
  EXPECT_FALSE(reader.Failed());
  EXPECT_TRUE(reader.Optional(Context(1)).has_value());
  EXPECT_TRUE(reader.AtEnd());
}

}  // namespace
}  // namespace portolan::probe::ber
