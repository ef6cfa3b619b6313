#include "core/port_set.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portolan::core {
namespace {

// "80,443,1025-5000" -> the set.
PortSet Ports(const std::string& text) {
  PortSet set;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::string error;
    const auto range = ParsePortRange(item, &error);
    EXPECT_TRUE(range.has_value()) << item << ": " << error;
    if (range) set = set.Union(PortSet::Of(*range));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return set;
}

std::string RangeFailure(const std::string& text) {
  std::string error;
  EXPECT_FALSE(ParsePortRange(text, &error).has_value()) << text << " parsed";
  return error;
}

TEST(PortRange, ParsesPortsAndRanges) {
  EXPECT_EQ(ParsePortRange("389"), (PortRange{389, 389}));
  EXPECT_EQ(ParsePortRange("1025-5000"), (PortRange{1025, 5000}));
  EXPECT_EQ(ParsePortRange("1"), (PortRange{1, 1}));
  EXPECT_EQ(ParsePortRange("65535"), (PortRange{65535, 65535}));
  EXPECT_EQ(ParsePortRange("1-65535"), (PortRange{1, 65535}));
  EXPECT_EQ(ParsePortRange("7-7"), (PortRange{7, 7}));
}

TEST(PortRange, ToString) {
  EXPECT_EQ((PortRange{389, 389}).ToString(), "389");
  EXPECT_EQ((PortRange{1025, 5000}).ToString(), "1025-5000");
}

TEST(PortRange, OutOfRange) {
  EXPECT_EQ(RangeFailure("0"), "port '0' is out of range (expected 1-65535)");
  EXPECT_EQ(RangeFailure("65536"), "port '65536' is out of range (expected 1-65535)");
  EXPECT_EQ(RangeFailure("70000"), "port '70000' is out of range (expected 1-65535)");
  EXPECT_EQ(RangeFailure("0-5"), "port '0-5' is out of range (expected 1-65535)");
  EXPECT_EQ(RangeFailure("5-65536"), "port '5-65536' is out of range (expected 1-65535)");
}

TEST(PortRange, Reversed) {
  EXPECT_EQ(RangeFailure("5000-1025"), "port range '5000-1025' is reversed (did you mean 1025-5000?)");
  EXPECT_EQ(RangeFailure("2-1"), "port range '2-1' is reversed (did you mean 1-2?)");
}

TEST(PortRange, NotAPort) {
  const std::string hint = " is not a port or port range (expected e.g. 389 or 1025-5000)";
  for (const std::string text :
       {"", "-", "http", "80-", "-80", "1-2-3", " 80", "80 ", "+80", "8o", "1025 - 5000", "99999999999999999999"}) {
    EXPECT_EQ(RangeFailure(text), "'" + text + "'" + hint);
  }
}

TEST(PortRange, ErrorIsOptional) {
  EXPECT_FALSE(ParsePortRange("x").has_value());
}

TEST(PortSet, EmptySet) {
  const PortSet empty;
  EXPECT_TRUE(empty.Empty());
  EXPECT_EQ(empty.Count(), 0U);
  EXPECT_EQ(empty.ToString(), "");
  EXPECT_TRUE(empty.ToStrings().empty());
  EXPECT_FALSE(empty.Contains(1));
  EXPECT_TRUE(empty.Union(empty).Empty());
  EXPECT_TRUE(Ports("80").Intersect(empty).Empty());
  EXPECT_EQ(Ports("80").Subtract(empty), Ports("80"));
  EXPECT_TRUE(empty.Subtract(Ports("80")).Empty());
}

TEST(PortSet, SingleAndContains) {
  const auto set = PortSet::Single(445);
  EXPECT_TRUE(set.Contains(445));
  EXPECT_FALSE(set.Contains(444));
  EXPECT_FALSE(set.Contains(446));
  EXPECT_EQ(set.Count(), 1U);
  EXPECT_EQ(set.ToString(), "445");
}

TEST(PortSet, UnionSortsAndKeepsGaps) {
  const auto set = Ports("443").Union(Ports("80"));
  EXPECT_EQ(set.ToString(), "80,443");
  EXPECT_EQ(set.ToStrings(), (std::vector<std::string>{"80", "443"}));
  EXPECT_EQ(set.Ranges().size(), 2U);
}

TEST(PortSet, UnionMergesAdjacentAndOverlapping) {
  EXPECT_EQ(Ports("1-5").Union(Ports("6-10")).ToString(), "1-10");
  EXPECT_EQ(Ports("6-10").Union(Ports("1-5")).ToString(), "1-10");
  EXPECT_EQ(Ports("1-5").Union(Ports("7-10")).ToString(), "1-5,7-10");
  EXPECT_EQ(Ports("1-5").Union(Ports("3-8")).ToString(), "1-8");
  EXPECT_EQ(Ports("1-10").Union(Ports("3-4")).ToString(), "1-10");
  EXPECT_EQ(Ports("137,139").Union(Ports("138")).ToString(), "137-139");
  EXPECT_EQ(Ports("135,135").ToString(), "135");
}

TEST(PortSet, EdgePorts) {
  const auto all = Ports("1").Union(Ports("2-65534")).Union(Ports("65535"));
  EXPECT_EQ(all.ToString(), "1-65535");
  EXPECT_EQ(all.Count(), 65535U);
  EXPECT_TRUE(all.Contains(1));
  EXPECT_TRUE(all.Contains(65535));
  EXPECT_FALSE(all.Contains(0));
  EXPECT_FALSE(all.Contains(65536));
  EXPECT_EQ(all.Subtract(Ports("1")).ToString(), "2-65535");
  EXPECT_EQ(all.Subtract(Ports("65535")).ToString(), "1-65534");
  EXPECT_EQ(all.Subtract(Ports("1,65535")).ToString(), "2-65534");
  EXPECT_TRUE(all.Subtract(all).Empty());
  EXPECT_EQ(all.Intersect(Ports("65535")).ToString(), "65535");
  EXPECT_EQ(all.Intersect(Ports("1")).ToString(), "1");
}

TEST(PortSet, Intersect) {
  EXPECT_EQ(Ports("1025-5000").Intersect(Ports("135,445,1433,3268-3269")).ToString(), "1433,3268-3269");
  EXPECT_EQ(Ports("1-10").Intersect(Ports("5-20")).ToString(), "5-10");
  EXPECT_EQ(Ports("1-10,20-30").Intersect(Ports("8-22")).ToString(), "8-10,20-22");
  EXPECT_EQ(Ports("1-10").Intersect(Ports("10-20")).ToString(), "10");
  EXPECT_TRUE(Ports("1-10").Intersect(Ports("11-20")).Empty());
  EXPECT_TRUE(Ports("1-10").Intersects(Ports("10")));
  EXPECT_FALSE(Ports("1-10").Intersects(Ports("11")));
  EXPECT_EQ(Ports("5-20").Intersect(Ports("1-10")), Ports("1-10").Intersect(Ports("5-20")));
}

TEST(PortSet, SubtractSplitsRanges) {
  EXPECT_EQ(Ports("1025-5000").Subtract(Ports("1433")).ToString(), "1025-1432,1434-5000");
  EXPECT_EQ(Ports("1025-5000").Subtract(Ports("1025")).ToString(), "1026-5000");
  EXPECT_EQ(Ports("1025-5000").Subtract(Ports("5000")).ToString(), "1025-4999");
  EXPECT_EQ(Ports("1-100").Subtract(Ports("10-20,30,40-50")).ToString(), "1-9,21-29,31-39,51-100");
  EXPECT_EQ(Ports("1-10,20-30").Subtract(Ports("5-25")).ToString(), "1-4,26-30");
  EXPECT_TRUE(Ports("10-20").Subtract(Ports("1-100")).Empty());
  EXPECT_EQ(Ports("10-20").Subtract(Ports("30-40")).ToString(), "10-20");
}

TEST(PortSet, SetAlgebraHolds) {
  const auto a = Ports("1-100,200-300,65000-65535");
  const auto b = Ports("50-250,65535");
  // (a - b) and (a & b) split a without overlap and put it back together exactly.
  EXPECT_EQ(a.Subtract(b).Union(a.Intersect(b)), a);
  EXPECT_TRUE(a.Subtract(b).Intersect(b).Empty());
  EXPECT_EQ(a.Union(b).Count(), a.Count() + b.Count() - a.Intersect(b).Count());
  EXPECT_EQ(a.Union(b), b.Union(a));
}

}  // namespace
}  // namespace portolan::core
