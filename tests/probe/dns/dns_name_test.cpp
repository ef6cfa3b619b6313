// The one decoder of compressed names, under both rule sets it serves: DNS messages (RFC 1035
// 4.1.4) and the CLDAP Netlogon answer. The Netlogon rules are also tested in ldap_test.cpp.

#include "probe/dns/dns_name.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace portolan::probe::dns {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes Labels(int count, std::uint8_t length) {
  Bytes out;
  for (int i = 0; i < count; ++i) {
    out.push_back(length);
    out.insert(out.end(), length, 'x');
  }
  out.push_back(0);
  return out;
}

TEST(DnsName, ReadsLabelsAndTheRoot) {
  const Bytes message = {3, 'd', 'c', '1', 4, 'c', 'o', 'r', 'p', 0, 0};
  const NameRead read = ReadName(message, 0, kMessageNames);
  ASSERT_TRUE(read.name) << read.error;
  EXPECT_EQ(*read.name, "dc1.corp");
  EXPECT_EQ(read.end, 10u);
  EXPECT_EQ(ReadName(message, 10, kMessageNames).name, ".");
  EXPECT_EQ(ReadName(message, 10, kNetlogonNames).name, "");
}

TEST(DnsName, APointerEndsTheNameWhereItStands) {
  // "corp" at 0; "dc1" + pointer to 0 at 6: dc1.corp, ending after the pointer.
  const Bytes message = {4, 'c', 'o', 'r', 'p', 0, 3, 'd', 'c', '1', 0xC0, 0x00, 0xEE};
  for (const auto& rules : {kMessageNames, kNetlogonNames}) {
    const NameRead read = ReadName(message, 6, rules);
    ASSERT_TRUE(read.name) << read.error;
    EXPECT_EQ(*read.name, "dc1.corp");
    EXPECT_EQ(read.end, 12u);
  }
}

TEST(DnsName, PointersThatCouldLoopAreRefused) {
  for (const auto& rules : {kMessageNames, kNetlogonNames}) {
    EXPECT_FALSE(ReadName(Bytes{0xC0, 0x00}, 0, rules).name);                  // to itself
    EXPECT_FALSE(ReadName(Bytes{0xC0, 0x02, 1, 'a', 0}, 0, rules).name);       // forwards
    EXPECT_FALSE(ReadName(Bytes{1, 'a', 1, 'b', 0xC0, 0x02}, 2, rules).name);  // back to its own label
  }
}

TEST(DnsName, NothingIsReadPastTheMessage) {
  for (const auto& rules : {kMessageNames, kNetlogonNames}) {
    EXPECT_FALSE(ReadName(Bytes{}, 0, rules).name);
    EXPECT_FALSE(ReadName(Bytes{0}, 5, rules).name);  // an offset beyond the end
    EXPECT_FALSE(ReadName(Bytes{0xC0}, 0, rules).name);
    EXPECT_FALSE(ReadName(Bytes{5, 'a', 'b'}, 0, rules).name);
    EXPECT_FALSE(ReadName(Bytes{2, 'a', 'b'}, 0, rules).name);  // no root label
    EXPECT_FALSE(ReadName(Bytes{0x40}, 0, rules).name);         // extended label type
    EXPECT_FALSE(ReadName(Bytes{0x80}, 0, rules).name);
  }
}

TEST(DnsName, MessageNamesStopAt255OctetsOnTheWire) {
  // Four labels of 62 and one of 2: 4 * 63 + 3 = 255 octets before the root label, 254 dotted.
  Bytes longest = Labels(4, 62);
  longest.pop_back();
  longest.insert(longest.end(), {2, 'y', 'y', 0});
  const NameRead read = ReadName(longest, 0, kMessageNames);
  ASSERT_TRUE(read.name) << read.error;
  EXPECT_EQ(read.name->size(), 254u);
  longest.insert(longest.end() - 1, 'z');  // one more octet
  longest[longest.size() - 5] = 3;
  EXPECT_FALSE(ReadName(longest, 0, kMessageNames).name);
  EXPECT_TRUE(ReadName(longest, 0, kNetlogonNames).name);  // 255 dotted: within the Netlogon bound
}

TEST(DnsName, NetlogonNamesFollowAtMost32Pointers) {
  // A chain: each two-byte pointer points at the one before it; the first is the root label.
  Bytes message = {0};
  for (int i = 0; i < 33; ++i) {
    const auto previous = static_cast<std::uint8_t>(message.size() == 1 ? 0 : message.size() - 2);
    message.insert(message.end(), {0xC0, previous});
  }
  const std::size_t last = message.size() - 2;  // 33 pointers to the root
  EXPECT_FALSE(ReadName(message, last, kNetlogonNames).name);
  EXPECT_TRUE(ReadName(message, last - 2, kNetlogonNames).name);  // 32
  EXPECT_TRUE(ReadName(message, last, kMessageNames).name);
}

TEST(DnsName, AFailureSaysWhereTheNameWentOn) {
  // The first pointer was followed: `end` is past it, as the Netlogon error message reports.
  const Bytes message = {5, 'a', 0xC0, 0x00};
  const NameRead read = ReadName(message, 2, kNetlogonNames);
  EXPECT_FALSE(read.name);
  EXPECT_EQ(read.end, 4u);
  EXPECT_NE(read.error.find("past the end"), std::string::npos) << read.error;
}

}  // namespace
}  // namespace portolan::probe::dns
