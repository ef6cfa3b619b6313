// The byte writer and the checked reader every binary codec uses: the order of each width, the
// back-patching of lengths, and reads, seeks and takes past the end that fail without reading.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "probe/wire/byte_reader.hpp"
#include "probe/wire/byte_writer.hpp"

namespace portolan::probe::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(ByteWriter, WritesEachWidthInTheOrderNamed) {
  Bytes out;
  PutU16Be(out, 0x0102);
  PutU24Be(out, 0x030405);
  PutU32Be(out, 0x06070809);
  PutU16Le(out, 0x0102);
  PutU32Le(out, 0x03040506);
  PutU64Le(out, 0x0708090a0b0c0d0eULL);
  EXPECT_EQ(out, (Bytes{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x02, 0x01, 0x06,
                        0x05, 0x04, 0x03, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09, 0x08, 0x07}));
}

TEST(ByteWriter, ZerosBytesAndBackPatches) {
  Bytes out = {0xaa};
  PutZeros(out, 6);
  PutBytes(out, Bytes{1, 2});
  SetU16Le(out, 1, 0x1234);
  SetU32Le(out, 3, 0xdeadbeef);
  EXPECT_EQ(out, (Bytes{0xaa, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde, 1, 2}));
}

TEST(ByteWriter, AWidthTooSmallForTheValueKeepsItsLowBytes) {
  Bytes out;
  PutU24Be(out, 0x01020304);  // SMB frames a length that fits in 24 bits; more is cut, as before
  EXPECT_EQ(out, (Bytes{0x02, 0x03, 0x04}));
}

TEST(ByteReader, ReadsBothOrders) {
  const Bytes bytes = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
  ByteReader big(bytes);
  EXPECT_EQ(big.U16(), 0x0102);
  EXPECT_EQ(big.U24(), 0x030405u);
  EXPECT_EQ(big.U32(), 0x06070809u);
  EXPECT_TRUE(big.Ok());
  EXPECT_EQ(big.Remaining(), 0u);
  ByteReader little(bytes, /*little_endian=*/true);
  EXPECT_EQ(little.U16(), 0x0201);
  EXPECT_EQ(little.U24(), 0x050403u);
  EXPECT_EQ(little.U32(), 0x09080706u);
}

TEST(ByteReader, AReadPastTheEndFailsAndStaysFailed) {
  const Bytes bytes = {0x01, 0x02, 0x03};
  ByteReader reader(bytes);
  EXPECT_EQ(reader.U32(), 0u);
  EXPECT_FALSE(reader.Ok());
  EXPECT_EQ(reader.U8(), 0);  // the byte is there, but a failed reader reads nothing more
  EXPECT_EQ(reader.Remaining(), 0u);
  EXPECT_TRUE(reader.Take(1).empty());
}

TEST(ByteReader, SeekMovesWithinTheBytesAndFailsPastThem) {
  const Bytes bytes = {0x10, 0x20, 0x30, 0x40};
  ByteReader reader(bytes);
  reader.Seek(2);
  EXPECT_EQ(reader.U8(), 0x30);
  reader.Seek(0);
  EXPECT_EQ(reader.U8(), 0x10);
  reader.Seek(4);  // the end itself: nothing left, not a failure
  EXPECT_TRUE(reader.Ok());
  EXPECT_EQ(reader.Remaining(), 0u);
  reader.Seek(5);
  EXPECT_FALSE(reader.Ok());
}

TEST(ByteReader, TakeIsBoundedByWhatRemains) {
  const Bytes bytes = {1, 2, 3, 4, 5};
  ByteReader reader(bytes);
  reader.Skip(1);
  const auto taken = reader.Take(3);
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0], 2);
  EXPECT_TRUE(reader.Take(2).empty());  // one byte left
  EXPECT_FALSE(reader.Ok());
}

}  // namespace
}  // namespace portolan::probe::wire
