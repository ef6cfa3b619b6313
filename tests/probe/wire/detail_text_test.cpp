// The detail-line helpers every probe shares: printable, bounded text, and what foreign bytes
// look like, byte by byte.

#include "probe/wire/detail_text.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "probe/wire/byte_reader.hpp"

namespace portolan::probe::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes FromText(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

TEST(WireDetailText, ForeignBytesAreDescribedForTheVerdict) {
  EXPECT_EQ(DescribeForeignBytes(FromText("HTTP/1.1 400 Bad Request\r\n")),
            "first bytes 48 54 54 50 2f 31 2e 31 ... ('HTTP/1.1 400 Bad', looks like HTTP)");
  EXPECT_EQ(DescribeForeignBytes(FromText("SSH-2.0-OpenSSH_9.2\r\n")),
            "first bytes 53 53 48 2d 32 2e 30 2d ... ('SSH-2.0-OpenSSH_', looks like SSH)");
  EXPECT_EQ(DescribeForeignBytes(FromText("+OK\r\n")),
            "first bytes 2b 4f 4b 0d 0a (looks like a text protocol banner)");
  EXPECT_EQ(DescribeForeignBytes(Bytes{0x16, 0x03, 0x03, 0x00}), "first bytes 16 03 03 00 (looks like TLS)");
  EXPECT_EQ(DescribeForeignBytes(Bytes{0x00, 0x01}), "first bytes 00 01");
  EXPECT_EQ(DescribeForeignBytes({}), "no bytes");
}

TEST(WireDetailText, PrintableTextEscapesAndBounds) {
  EXPECT_EQ(PrintableText(std::string("a\nb\x01", 4)), "a\\x0ab\\x01");
  EXPECT_EQ(PrintableText(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
  EXPECT_LE(LimitDetail(std::string(1000, 'y')).size(), 203u);
}

TEST(WireDetailText, HexPrefixIsBounded) {
  EXPECT_EQ(HexPrefix(Bytes{0x00, 0xab, 0x10}), "00 ab 10");
  EXPECT_EQ(HexPrefix(Bytes{1, 2, 3}, 2), "01 02 ...");
  EXPECT_EQ(HexPrefix({}), "");
}

TEST(WireByteReader, ReadsBothByteOrdersAndFailsPastTheEnd) {
  const Bytes bytes{0x12, 0x34, 0x56, 0x78, 0x9a};
  ByteReader big(bytes);
  EXPECT_EQ(big.U16(), 0x1234);
  EXPECT_EQ(big.U16(), 0x5678);
  EXPECT_TRUE(big.Ok());
  EXPECT_EQ(big.U16(), 0);
  EXPECT_FALSE(big.Ok());
  EXPECT_EQ(big.Remaining(), 0u);

  ByteReader little(bytes, /*little_endian=*/true);
  EXPECT_EQ(little.U32(), 0x78563412u);
  EXPECT_EQ(little.Take(2).size(), 0u);
  EXPECT_FALSE(little.Ok());
}

}  // namespace
}  // namespace portolan::probe::wire
