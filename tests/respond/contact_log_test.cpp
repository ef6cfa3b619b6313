// The responder's log lines and its summary of who reached which port.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "respond/contact_log.hpp"

namespace portolan::respond {
namespace {

WallClock::time_point At(long long milliseconds) {
  return WallClock::time_point(std::chrono::milliseconds(milliseconds));
}

// 2024-05-01T12:00:00.123Z
constexpr long long kNoon = 1714564800123;

Contact Tcp(const std::string& source, int port, long long time = kNoon) {
  return {At(time), probe::Transport::kTcp, source, 40312, "10.0.0.10", port, std::nullopt, std::nullopt};
}

TEST(ContactLog, IsoTimeWithMilliseconds) {
  EXPECT_EQ(IsoTime(At(kNoon)), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(IsoTime(At(0)), "1970-01-01T00:00:00.000Z");
}

TEST(ContactLog, JsonLines) {
  EXPECT_EQ(ContactJson(Tcp("10.1.0.5", 389)),
            R"({"time":"2024-05-01T12:00:00.123Z","protocol":"tcp","source":"10.1.0.5","source_port":40312,)"
            R"("local":"10.0.0.10","local_port":389})");
  const Contact udp{At(kNoon), probe::Transport::kUdp, "2001:db8::5", 5353, "2001:db8::10", 53, 5, 5};
  const auto parsed = nlohmann::json::parse(ContactJson(udp));
  EXPECT_EQ(parsed["protocol"], "udp");
  EXPECT_EQ(parsed["source"], "2001:db8::5");
  EXPECT_EQ(parsed["request_bytes"], 5);
  EXPECT_EQ(parsed["answer_bytes"], 5);
  EXPECT_EQ(ContactLine(udp), "2024-05-01T12:00:00.123Z [2001:db8::5]:5353 -> [2001:db8::10]:53/udp");
  EXPECT_EQ(ContactLine(Tcp("10.1.0.5", 389)), "2024-05-01T12:00:00.123Z 10.1.0.5:40312 -> 10.0.0.10:389/tcp");
}

SummaryHeader Header() {
  SummaryHeader header;
  header.token = "lab-7";
  header.host = "DC01";
  header.addresses = {"10.0.0.10"};
  header.served = *ParsePortList("88,389,445,88/udp,389/udp");
  header.started = At(kNoon);
  header.ended = At(kNoon + 60'000);
  header.end_reason = "SIGTERM";
  return header;
}

TEST(ContactSummary, WhoReachedWhichPort) {
  ContactSummary summary;
  summary.Add(Tcp("10.1.0.5", 389));
  summary.Add(Tcp("10.1.0.6", 389, kNoon + 1000));
  summary.Add(Tcp("10.1.0.5", 389, kNoon + 2000));
  summary.Add({At(kNoon), probe::Transport::kUdp, "10.1.0.5", 5353, "10.0.0.10", 88, 100, 60});
  summary.RateLimited(probe::Transport::kUdp, 88);
  summary.OverCapacity(445);
  EXPECT_EQ(summary.Contacts(), 4u);
  const auto& tally = summary.Ports().at({probe::Transport::kTcp, 389});
  EXPECT_EQ(tally.contacts, 3u);
  EXPECT_EQ(tally.sources.size(), 2u);
  EXPECT_EQ(tally.first_source, "10.1.0.5");
  EXPECT_EQ(tally.last_source, "10.1.0.5");

  const std::string table = summary.Table(Header());
  EXPECT_EQ(table,
            "portolan respond (token lab-7, host DC01): 4 contacts on 2 ports, 1 dropped by the rate limit, 1 closed "
            "over the connection cap; 2024-05-01T12:00:00.123Z to 2024-05-01T12:01:00.123Z, ended by SIGTERM\n"
            "PORT     CONTACTS  SOURCES  FIRST SOURCE  LAST SOURCE  RATE-LIMITED  OVER CAP\n"
            "389/tcp  3         2        10.1.0.5      10.1.0.5     0             0\n"
            "445/tcp  0         0        -             -            0             1\n"
            "88/udp   1         1        10.1.0.5      10.1.0.5     1             0\n"
            "not reached: tcp 88,445 udp 389\n");

  const auto json = nlohmann::json::parse(summary.Json(Header()));
  EXPECT_EQ(json["token"], "lab-7");
  EXPECT_EQ(json["ended_by"], "SIGTERM");
  EXPECT_EQ(json["contacts"], 4);
  EXPECT_EQ(json["rate_limited"], 1);
  EXPECT_EQ(json["over_capacity"], 1);
  ASSERT_EQ(json["ports"].size(), 3u);
  EXPECT_EQ(json["ports"][0]["port"], 389);
  EXPECT_EQ(json["ports"][0]["protocol"], "tcp");
  EXPECT_EQ(json["ports"][0]["source_addresses"], (std::vector<std::string>{"10.1.0.5", "10.1.0.6"}));
  EXPECT_EQ(json["not_reached"]["tcp"], "88,445");
  EXPECT_EQ(json["not_reached"]["udp"], "389");
}

TEST(ContactSummary, DistinctSourcesAreBounded) {
  ContactSummary summary;
  for (std::size_t i = 0; i < ContactSummary::kMaxSourcesPerPort + 5; ++i) {
    summary.Add(Tcp("10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256), 80));
  }
  const auto& tally = summary.Ports().at({probe::Transport::kTcp, 80});
  EXPECT_EQ(tally.sources.size(), ContactSummary::kMaxSourcesPerPort);
  EXPECT_TRUE(tally.more_sources);
  EXPECT_NE(summary.Table(Header()).find("10000+"), std::string::npos);
}

TEST(ContactSummary, NobodyCame) {
  const ContactSummary summary;
  const std::string table = summary.Table(Header());
  EXPECT_NE(table.find(": 0 contacts on 0 ports"), std::string::npos) << table;
  EXPECT_NE(table.find("not reached: tcp 88,389,445 udp 88,389"), std::string::npos) << table;
}

}  // namespace
}  // namespace portolan::respond
