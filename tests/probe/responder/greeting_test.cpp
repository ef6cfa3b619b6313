// The responder's greeting: the exact bytes it writes, and the parser the probe uses on whole,
// cut and foreign answers.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "probe/responder/greeting.hpp"

namespace portolan::probe::responder {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes AsBytes(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

std::optional<ParsedGreeting> Parse(std::string_view text) {
  return ParseGreeting(AsBytes(text));
}

TEST(Greeting, ExactBytes) {
  const auto text = Greeting({"portolan", "DC01", 389, Transport::kUdp});
  EXPECT_EQ(text, "PORTOLAN-RESPONDER/1 token=portolan host=DC01 port=389/udp\r\n");
  const Bytes expected = {'P', 'O', 'R', 'T', 'O', 'L', 'A', 'N', '-', 'R', 'E', 'S', 'P', 'O',  'N',
                          'D', 'E', 'R', '/', '1', ' ', 't', 'o', 'k', 'e', 'n', '=', 'p', 'o',  'r',
                          't', 'o', 'l', 'a', 'n', ' ', 'h', 'o', 's', 't', '=', 'D', 'C', '0',  '1',
                          ' ', 'p', 'o', 'r', 't', '=', '3', '8', '9', '/', 'u', 'd', 'p', 0x0D, 0x0A};
  EXPECT_EQ(AsBytes(text), expected);
}

TEST(Greeting, HostFieldIsMadeSafe) {
  EXPECT_EQ(SafeHostField(""), "-");
  EXPECT_EQ(SafeHostField("hq desktops/2"), "hq_desktops_2");
  EXPECT_EQ(SafeHostField(std::string(100, 'a')), std::string(kMaxFieldLength, 'a'));
  EXPECT_EQ(Greeting({"t", "", 80, Transport::kTcp}), "PORTOLAN-RESPONDER/1 token=t host=- port=80/tcp\r\n");
}

TEST(Greeting, TokenAlphabet) {
  EXPECT_TRUE(IsValidToken("lab-1.run_2"));
  EXPECT_TRUE(IsValidToken(std::string(64, 'x')));
  EXPECT_FALSE(IsValidToken(""));
  EXPECT_FALSE(IsValidToken(std::string(65, 'x')));
  EXPECT_FALSE(IsValidToken("a b"));
  EXPECT_FALSE(IsValidToken("a=b"));
  EXPECT_FALSE(IsValidToken("caf\xc3\xa9"));
}

TEST(Greeting, LongestGreetingIsTheMaximum) {
  const std::string field(kMaxFieldLength, 'z');
  EXPECT_EQ(Greeting({field, field, 65535, Transport::kUdp}).size(), kMaxGreetingSize);
}

TEST(ParseGreeting, Whole) {
  const std::string_view text = "PORTOLAN-RESPONDER/1 token=lab-7 host=SMS01 port=65535/tcp\r\n";
  const auto parsed = Parse(text);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->truncated);
  EXPECT_EQ(parsed->token, "lab-7");
  EXPECT_EQ(parsed->host, "SMS01");
  EXPECT_EQ(parsed->port, 65535);
  EXPECT_EQ(parsed->transport, Transport::kTcp);
  EXPECT_EQ(parsed->size, text.size());
}

TEST(ParseGreeting, RoundTrip) {
  for (const auto transport : {Transport::kTcp, Transport::kUdp}) {
    for (const int port : {1, 9, 10, 389, 1025, 65535}) {
      const GreetingFields fields{"tok", "DC01", port, transport};
      const auto text = Greeting(fields);
      const auto parsed = Parse(text);
      ASSERT_TRUE(parsed) << text;
      EXPECT_EQ(parsed->port, port);
      EXPECT_EQ(parsed->transport, transport);
      EXPECT_EQ(parsed->size, text.size());
    }
  }
}

TEST(ParseGreeting, WhatFollowsTheLineIsIgnored) {
  const std::string_view text = "PORTOLAN-RESPONDER/1 token=a host=b port=1/udp\r\nmore";
  const auto parsed = Parse(text);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->truncated);
  EXPECT_EQ(parsed->size, text.find("more"));
}

// A UDP answer is cut to the request's size: every prefix of 8 bytes or more is a cut greeting,
// and the token counts only once the space after it has arrived.
TEST(ParseGreeting, EveryPrefixIsACutGreeting) {
  const std::string text = "PORTOLAN-RESPONDER/1 token=lab-7 host=SMS01 port=389/udp\r\n";
  const std::size_t token_end = text.find(" host=");
  for (std::size_t length = 0; length < text.size(); ++length) {
    const auto prefix = std::string_view(text).substr(0, length);
    EXPECT_TRUE(CouldBeGreetingStart(AsBytes(prefix))) << length;
    const auto parsed = Parse(prefix);
    if (length < kMinTruncatedGreeting) {
      EXPECT_FALSE(parsed) << length;
      continue;
    }
    ASSERT_TRUE(parsed) << length;
    EXPECT_TRUE(parsed->truncated);
    EXPECT_EQ(parsed->size, length);
    EXPECT_EQ(parsed->token, length > token_end ? "lab-7" : "") << length;
    EXPECT_EQ(parsed->port, 0);
  }
}

TEST(ParseGreeting, ForeignBytes) {
  const char* const foreign[] = {
      "",
      "PORTOLA",                                                 // too short to tell
      "HTTP/1.1 400 Bad Request\r\n",                            // another service
      "portolan-responder/1 token=a host=b port=1/tcp\r\n",      // case matters
      "PORTOLAN-RESPONDER/2 token=a host=b port=1/tcp\r\n",      // another version
      "PORTOLAN-RESPONDER/1 token= host=b port=1/tcp\r\n",       // empty token
      "PORTOLAN-RESPONDER/1 token=a b host=b port=1/tcp\r\n",    // a space in the token
      "PORTOLAN-RESPONDER/1 token=a host=b port=0/tcp\r\n",      // port 0
      "PORTOLAN-RESPONDER/1 token=a host=b port=080/tcp\r\n",    // a leading zero
      "PORTOLAN-RESPONDER/1 token=a host=b port=65536/tcp\r\n",  // out of range
      "PORTOLAN-RESPONDER/1 token=a host=b port=1/sctp\r\n",     // not tcp or udp
      "PORTOLAN-RESPONDER/1 token=a host=b port=1/tcp\n",        // LF alone
      "PORTOLAN-RESPONDER/1 token=a host=b port=1/tcpX\r\n",     // trailing garbage
      "PORTOLAN-RESPONDER/1 token=a host=b port=/tcp\r\n",       // no port
      "PORTOLAN-RESPONDER/1 token=a  host=b port=1/tcp\r\n",     // two spaces
      "PORTOLAN-RESPONDER/1 host=b token=a port=1/tcp\r\n",      // fields out of order
      "PORTOLAN-RESPONDER/1 token=a\xff host=b port=1/tcp\r\n",  // a byte outside the alphabet
      "PORTOLAN-PROBE/1 hello\r\n",                              // the probe's own hello
  };
  for (const char* text : foreign) {
    EXPECT_FALSE(Parse(text)) << text;
  }
  EXPECT_FALSE(CouldBeGreetingStart(AsBytes("HTTP/1.1")));
  EXPECT_FALSE(CouldBeGreetingStart(AsBytes("PORTOLAN-RESPONDER/1 token=a b")));
}

TEST(ParseGreeting, FieldLengthLimits) {
  const std::string longest(kMaxFieldLength, 'k');
  EXPECT_TRUE(Parse("PORTOLAN-RESPONDER/1 token=" + longest + " host=" + longest + " port=1/tcp\r\n"));
  EXPECT_FALSE(Parse("PORTOLAN-RESPONDER/1 token=" + longest + "k host=h port=1/tcp\r\n"));
  EXPECT_FALSE(Parse("PORTOLAN-RESPONDER/1 token=t host=" + longest + "h port=1/tcp\r\n"));
  // A field longer than allowed is refused as soon as it is, not only at its end.
  EXPECT_FALSE(CouldBeGreetingStart(AsBytes("PORTOLAN-RESPONDER/1 token=" + longest + "k")));
}

}  // namespace
}  // namespace portolan::probe::responder
