#include "core/address.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>

#include <fmt/format.h>

namespace portolan::core {
namespace {

Network Net(const std::string& text) {
  ParseFailure failure;
  const auto network = ParseNetwork(text, &failure);
  EXPECT_TRUE(network.has_value()) << text << ": " << failure.message;
  return network.value_or(Network{});
}

std::string NetworkFailure(const std::string& text) {
  ParseFailure failure;
  EXPECT_FALSE(ParseNetwork(text, &failure).has_value()) << text << " parsed";
  return failure.message;
}

std::string AddressFailure(const std::string& text) {
  ParseFailure failure;
  EXPECT_FALSE(ParseAddress(text, &failure).has_value()) << text << " parsed";
  return failure.message;
}

TEST(Address, Ipv4HostAddress) {
  const auto address = ParseAddress("10.0.0.1");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->family, Family::kIPv4);
  EXPECT_EQ(address->prefix_length, 32);
  EXPECT_TRUE(address->IsHost());
  EXPECT_EQ(address->ToString(), "10.0.0.1/32");
  EXPECT_EQ(address->AddressString(), "10.0.0.1");
  EXPECT_EQ(FamilyName(address->family), "ipv4");
}

TEST(Address, Ipv4Extremes) {
  EXPECT_EQ(ParseAddress("0.0.0.0")->AddressString(), "0.0.0.0");
  EXPECT_EQ(ParseAddress("255.255.255.255")->AddressString(), "255.255.255.255");
}

TEST(Address, Ipv6HostAddressIsCanonical) {
  const auto address = ParseAddress("2001:DB8:0:0:0:0:0:1");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->family, Family::kIPv6);
  EXPECT_EQ(address->prefix_length, 128);
  EXPECT_TRUE(address->IsHost());
  EXPECT_EQ(address->ToString(), "2001:db8::1/128");
  EXPECT_EQ(FamilyName(address->family), "ipv6");
  EXPECT_EQ(*address, *ParseAddress("2001:db8::1"));
}

TEST(Address, Ipv4MappedIpv6IsIpv6) {
  const auto address = ParseAddress("::ffff:10.0.0.1");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->family, Family::kIPv6);
  EXPECT_NE(*address, *ParseAddress("10.0.0.1"));
}

TEST(Address, RejectsWhatIsNotADottedQuad) {
  const std::string hint = " is not an IPv4 address (expected a dotted quad such as 10.0.0.1)";
  EXPECT_EQ(AddressFailure("10.0.0.256"), "'10.0.0.256'" + hint);
  EXPECT_EQ(AddressFailure("10.0.1"), "'10.0.1'" + hint);
  EXPECT_EQ(AddressFailure("10.0.0.1.5"), "'10.0.0.1.5'" + hint);
  EXPECT_EQ(AddressFailure(" 10.0.0.1"), "' 10.0.0.1'" + hint);
  EXPECT_EQ(AddressFailure("10.0.0.1 "), "'10.0.0.1 '" + hint);
  EXPECT_EQ(AddressFailure("host.example"), "'host.example'" + hint);
  EXPECT_EQ(AddressFailure(""), "''" + hint);
  EXPECT_EQ(AddressFailure("0x0a.0.0.1"), "'0x0a.0.0.1'" + hint);
}

TEST(Address, RejectsBadIpv6) {
  EXPECT_EQ(AddressFailure("2001:db8::g"), "'2001:db8::g' is not an IPv6 address");
  EXPECT_EQ(AddressFailure("2001::db8::1"), "'2001::db8::1' is not an IPv6 address");
  EXPECT_EQ(AddressFailure("1:2:3:4:5:6:7:8:9"), "'1:2:3:4:5:6:7:8:9' is not an IPv6 address");
  EXPECT_EQ(AddressFailure(":"), "':' is not an IPv6 address");
}

TEST(Address, AHostAddressHasNoPrefix) {
  EXPECT_EQ(AddressFailure("10.0.0.1/32"), "'10.0.0.1/32' is a network; a host address has no /prefix");
  EXPECT_EQ(AddressFailure("2001:db8::1/128"), "'2001:db8::1/128' is a network; a host address has no /prefix");
}

TEST(Address, FailureIsOptional) {
  EXPECT_FALSE(ParseAddress("nonsense").has_value());
  EXPECT_FALSE(ParseNetwork("10.0.0.1/8").has_value());
}

TEST(Network, Ipv4Networks) {
  EXPECT_EQ(Net("10.1.0.0/16").ToString(), "10.1.0.0/16");
  EXPECT_EQ(Net("10.2.16.0/20").ToString(), "10.2.16.0/20");
  EXPECT_EQ(Net("0.0.0.0/0").ToString(), "0.0.0.0/0");
  EXPECT_EQ(Net("10.0.0.1/32").ToString(), "10.0.0.1/32");
  EXPECT_TRUE(Net("10.0.0.1/32").IsHost());
  EXPECT_FALSE(Net("10.0.0.0/31").IsHost());
}

TEST(Network, ABareAddressIsAHostNetwork) {
  EXPECT_EQ(Net("10.0.0.1"), *ParseAddress("10.0.0.1"));
  EXPECT_EQ(Net("2001:db8::1").ToString(), "2001:db8::1/128");
}

TEST(Network, Ipv6Networks) {
  EXPECT_EQ(Net("2001:db8::/32").ToString(), "2001:db8::/32");
  EXPECT_EQ(Net("::/0").ToString(), "::/0");
  EXPECT_EQ(Net("2001:db8:0:1::/64").ToString(), "2001:db8:0:1::/64");
  EXPECT_EQ(Net("fe80::/10").MaxPrefix(), 128);
}

TEST(Network, HostBitsMustBeZero) {
  EXPECT_EQ(NetworkFailure("10.1.0.1/16"),
            "'10.1.0.1/16' has host bits set after /16 (did you mean a network address?)");
  EXPECT_EQ(NetworkFailure("10.0.0.1/31"),
            "'10.0.0.1/31' has host bits set after /31 (did you mean a network address?)");
  EXPECT_EQ(NetworkFailure("10.16.0.0/11"),
            "'10.16.0.0/11' has host bits set after /11 (did you mean a network address?)");
  EXPECT_EQ(NetworkFailure("0.0.0.1/0"), "'0.0.0.1/0' has host bits set after /0 (did you mean a network address?)");
  EXPECT_EQ(NetworkFailure("2001:db8::1/64"),
            "'2001:db8::1/64' has host bits set after /64 (did you mean a network address?)");
  EXPECT_EQ(NetworkFailure("::1/127"), "'::1/127' has host bits set after /127 (did you mean a network address?)");
}

TEST(Network, BadPrefixes) {
  EXPECT_EQ(NetworkFailure("10.0.0.0/33"), "'10.0.0.0/33' has a bad prefix length (expected 0-32)");
  EXPECT_EQ(NetworkFailure("10.0.0.0/-1"), "'10.0.0.0/-1' has a bad prefix length (expected 0-32)");
  EXPECT_EQ(NetworkFailure("10.0.0.0/"), "'10.0.0.0/' has a bad prefix length (expected 0-32)");
  EXPECT_EQ(NetworkFailure("10.0.0.0/8x"), "'10.0.0.0/8x' has a bad prefix length (expected 0-32)");
  EXPECT_EQ(NetworkFailure("10.0.0.0/ 8"), "'10.0.0.0/ 8' has a bad prefix length (expected 0-32)");
  EXPECT_EQ(NetworkFailure("10.0.0.0/8/8"), "'10.0.0.0/8/8' has a bad prefix length (expected 0-32)");
  EXPECT_EQ(NetworkFailure("10.0.0.0/99999999999999999999"),
            "'10.0.0.0/99999999999999999999' has a bad prefix length (expected 0-32)");
  EXPECT_EQ(NetworkFailure("2001:db8::/129"), "'2001:db8::/129' has a bad prefix length (expected 0-128)");
}

TEST(Network, BadAddressPartIsReportedAsSuch) {
  EXPECT_EQ(NetworkFailure("10.0.0/8"), "'10.0.0' is not an IPv4 address (expected a dotted quad such as 10.0.0.1)");
  EXPECT_EQ(NetworkFailure("/8"), "'' is not an IPv4 address (expected a dotted quad such as 10.0.0.1)");
  EXPECT_EQ(NetworkFailure("2001:db8::g/64"), "'2001:db8::g' is not an IPv6 address");
}

TEST(Network, ContainsByPrefix) {
  const auto ten = Net("10.0.0.0/8");
  EXPECT_TRUE(ten.Contains(Net("10.1.0.0/16")));
  EXPECT_TRUE(ten.Contains(Net("10.255.255.255")));
  EXPECT_TRUE(ten.Contains(ten));
  EXPECT_FALSE(ten.Contains(Net("11.0.0.0/8")));
  EXPECT_FALSE(ten.Contains(Net("0.0.0.0/0")));
  EXPECT_FALSE(Net("10.1.0.0/16").Contains(ten));
}

TEST(Network, ContainsAtAPrefixInsideAByte) {
  const auto net = Net("10.16.0.0/12");
  EXPECT_TRUE(net.Contains(Net("10.16.0.0")));
  EXPECT_TRUE(net.Contains(Net("10.31.255.255")));
  EXPECT_FALSE(net.Contains(Net("10.32.0.0")));
  EXPECT_FALSE(net.Contains(Net("10.15.255.255")));
}

TEST(Network, EverythingOfAFamilyIsInsideSlashZero) {
  EXPECT_TRUE(Net("0.0.0.0/0").Contains(Net("203.0.113.7")));
  EXPECT_TRUE(Net("::/0").Contains(Net("2001:db8::1")));
  EXPECT_FALSE(Net("0.0.0.0/0").Contains(Net("2001:db8::1")));
  EXPECT_FALSE(Net("::/0").Contains(Net("10.0.0.1")));
}

TEST(Network, Ipv6Contains) {
  const auto net = Net("2001:db8::/32");
  EXPECT_TRUE(net.Contains(Net("2001:db8:ffff::/48")));
  EXPECT_FALSE(net.Contains(Net("2001:db9::/48")));
  EXPECT_TRUE(Net("fe80::/10").Contains(Net("febf::1")));
  EXPECT_FALSE(Net("fe80::/10").Contains(Net("fec0::1")));
  EXPECT_TRUE(Net("::/127").Contains(Net("::1")));
}

TEST(Network, OrderIsByFamilyThenBytesThenPrefix) {
  EXPECT_LT(Net("10.0.0.0/8"), Net("2001:db8::/32"));
  EXPECT_LT(Net("10.0.0.0/8"), Net("10.0.0.0/16"));
  EXPECT_LT(Net("10.0.0.1"), Net("10.0.0.2"));
}

}  // namespace
}  // namespace portolan::core

namespace {

portolan::core::Network N(const char* text) {
  return *portolan::core::ParseNetwork(text);
}

std::vector<std::string> Strings(const std::vector<portolan::core::Network>& networks) {
  std::vector<std::string> out;
  for (const auto& n : networks) out.push_back(n.ToString());
  return out;
}

}  // namespace

TEST(CollapseNetworks, JoinsSiblingsAndDropsContained) {
  EXPECT_EQ(Strings(portolan::core::CollapseNetworks({N("10.0.0.128/25"), N("10.0.0.0/25")})),
            std::vector<std::string>{"10.0.0.0/24"});
  EXPECT_EQ(Strings(portolan::core::CollapseNetworks(
                {N("10.0.0.4"), N("10.0.0.5"), N("10.0.0.6"), N("10.0.0.7"), N("10.0.0.5")})),
            std::vector<std::string>{"10.0.0.4/30"});
  EXPECT_EQ(Strings(portolan::core::CollapseNetworks({N("10.1.0.0/16"), N("10.1.2.0/24"), N("2001:db8::1")})),
            (std::vector<std::string>{"10.1.0.0/16", "2001:db8::1/128"}));
}

TEST(CollapseNetworks, NeverJoinsWhatIsNotASiblingPair) {
  // .1 and .2 are adjacent but not the two halves of one /31.
  EXPECT_EQ(Strings(portolan::core::CollapseNetworks({N("10.0.0.1"), N("10.0.0.2")})),
            (std::vector<std::string>{"10.0.0.1/32", "10.0.0.2/32"}));
  EXPECT_EQ(Strings(portolan::core::CollapseNetworks({N("10.0.0.0/25"), N("10.0.1.0/25")})),
            (std::vector<std::string>{"10.0.0.0/25", "10.0.1.0/25"}));
}

// Random host sets inside one /24: the collapsed list covers exactly the same addresses.
TEST(CollapseNetworks, CoversExactlyTheSameAddresses) {
  std::mt19937 random(7);
  for (int round = 0; round < 300; ++round) {
    std::vector<portolan::core::Network> input;
    std::set<int> members;
    const int count = static_cast<int>(random() % 40);
    for (int i = 0; i < count; ++i) {
      const int prefix = 26 + static_cast<int>(random() % 7);
      const int block = 1 << (32 - prefix);
      const int start = static_cast<int>(random() % 256) / block * block;
      input.push_back(*portolan::core::ParseNetwork(fmt::format("192.0.2.{}/{}", start, prefix)));
      for (int a = start; a < start + block; ++a) members.insert(a);
    }
    const auto collapsed = portolan::core::CollapseNetworks(input);
    for (int a = 0; a < 256; ++a) {
      const auto host = *portolan::core::ParseNetwork(fmt::format("192.0.2.{}", a));
      const bool covered =
          std::any_of(collapsed.begin(), collapsed.end(), [&](const auto& n) { return n.Contains(host); });
      ASSERT_EQ(covered, members.count(a) == 1) << "round " << round << " address " << a;
    }
    for (std::size_t i = 0; i + 1 < collapsed.size(); ++i) {
      ASSERT_FALSE(collapsed[i].Contains(collapsed[i + 1]));
    }
  }
}

TEST(Address, MaskStrings) {
  EXPECT_EQ(N("10.1.0.0/16").MaskString(), "255.255.0.0");
  EXPECT_EQ(N("10.2.16.0/20").MaskString(true), "0.0.15.255");
  EXPECT_EQ(N("0.0.0.0/0").MaskString(), "0.0.0.0");
  EXPECT_EQ(N("10.0.0.1").MaskString(true), "0.0.0.0");
}
