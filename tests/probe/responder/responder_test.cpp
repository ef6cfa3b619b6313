// The responder probe with byte vectors: the hello, whole and cut greetings, tokens, and what a
// protocol probe makes of a responder standing in for its service (JudgeGreeting).

#include <gtest/gtest.h>

#include <string>

#include "probe/probe_test_support.hpp"
#include "probe/responder/greeting.hpp"
#include "probe/responder/responder_dialogue.hpp"

namespace portolan::probe::responder {
namespace {

using test_support::Text;

const Bytes kGreeting = Text("PORTOLAN-RESPONDER/1 token=lab-7 host=DC01 port=389/tcp\r\n");

ProbeTarget WithToken(std::string token) {
  ProbeTarget target = test_support::Target(389);
  target.responder_token = std::move(token);
  return target;
}

Step Receive(DialogueFactory make, const Bytes& bytes, bool closed = false, const ProbeTarget& target = {}) {
  const auto dialogue = make(target);
  dialogue->Start();
  return dialogue->OnReceive(bytes, closed);
}

TEST(ResponderProbe, HelloMakesRoomForTheLongestGreeting) {
  const Bytes hello = Hello();
  EXPECT_EQ(hello.size(), probe::responder::kMaxGreetingSize);
  EXPECT_EQ(std::string(hello.begin(), hello.begin() + 17), "PORTOLAN-PROBE/1 ");
  EXPECT_EQ(hello[hello.size() - 2], '\r');
  EXPECT_EQ(hello.back(), '\n');
  EXPECT_FALSE(probe::responder::ParseGreeting(hello)) << "a responder must not take the hello for a greeting";
  EXPECT_EQ(MakeTcpDialogue({})->Start(), hello);
  EXPECT_EQ(MakeUdpDialogue({})->Start(), hello);
}

TEST(ResponderProbe, AWholeGreetingIsVerified) {
  for (const auto make : {MakeTcpDialogue, MakeUdpDialogue}) {
    const Step step = Receive(make, kGreeting);
    EXPECT_EQ(step.kind, Step::Kind::kVerified);
    EXPECT_EQ(step.detail, "portolan responder (token lab-7, host DC01, port 389/tcp)");
  }
}

TEST(ResponderProbe, TcpWaitsForTheRestOfAGreeting) {
  const auto dialogue = MakeTcpDialogue({});
  dialogue->Start();
  const Bytes start(kGreeting.begin(), kGreeting.begin() + 5);
  EXPECT_EQ(dialogue->OnReceive(start, false).kind, Step::Kind::kNeedMore);
  const Bytes more(kGreeting.begin(), kGreeting.begin() + 40);
  EXPECT_EQ(dialogue->OnReceive(more, false).kind, Step::Kind::kNeedMore);
  EXPECT_EQ(dialogue->OnReceive(kGreeting, false).kind, Step::Kind::kVerified);
}

TEST(ResponderProbe, TheExpectedToken) {
  EXPECT_EQ(Receive(MakeTcpDialogue, kGreeting, false, WithToken("lab-7")).kind, Step::Kind::kVerified);
  const Step other = Receive(MakeTcpDialogue, kGreeting, false, WithToken("lab-8"));
  EXPECT_EQ(other.kind, Step::Kind::kWrongService);
  EXPECT_EQ(other.detail, "a portolan responder with token lab-7, not lab-8");
}

// A UDP answer is never larger than the request: a short request gets a cut greeting.
TEST(ResponderProbe, ACutGreetingOverUdp) {
  const Bytes with_token(kGreeting.begin(), kGreeting.begin() + 40);  // "... token=lab-7 ho"
  Step step = Receive(MakeUdpDialogue, with_token);
  EXPECT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_EQ(step.detail, "portolan responder (token lab-7; its greeting cut to 40 bytes)");
  EXPECT_EQ(Receive(MakeUdpDialogue, with_token, false, WithToken("lab-7")).kind, Step::Kind::kVerified);
  EXPECT_EQ(Receive(MakeUdpDialogue, with_token, false, WithToken("x")).kind, Step::Kind::kWrongService);

  const Bytes before_token(kGreeting.begin(), kGreeting.begin() + 30);
  step = Receive(MakeUdpDialogue, before_token);
  EXPECT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_EQ(step.detail, "portolan responder (its greeting cut to 30 bytes, before the token)");
  step = Receive(MakeUdpDialogue, before_token, false, WithToken("lab-7"));
  EXPECT_EQ(step.kind, Step::Kind::kWrongService) << "a token that cannot be seen is not proven";
  EXPECT_NE(step.detail.find("cut to 30 bytes, before its token"), std::string::npos) << step.detail;

  EXPECT_EQ(Receive(MakeUdpDialogue, Text("PORTOLA")).kind, Step::Kind::kWrongService) << "too short to tell";
}

TEST(ResponderProbe, AnythingElseIsAWrongService) {
  Step step = Receive(MakeTcpDialogue, Text("HTTP/1.1 400 Bad Request\r\n\r\n"));
  EXPECT_EQ(step.kind, Step::Kind::kWrongService);
  EXPECT_EQ(step.detail.rfind("not a portolan responder: ", 0), 0u) << step.detail;
  EXPECT_NE(step.detail.find("HTTP"), std::string::npos) << step.detail;
  step = Receive(MakeUdpDialogue, test_support::B({0x30, 0x84, 0x00}));
  EXPECT_EQ(step.kind, Step::Kind::kWrongService);
  step = Receive(MakeTcpDialogue, {}, true);
  EXPECT_EQ(step.kind, Step::Kind::kWrongService);
  EXPECT_EQ(step.detail, "the connection was closed without a greeting");
  const Bytes cut(kGreeting.begin(), kGreeting.begin() + 20);
  EXPECT_EQ(Receive(MakeTcpDialogue, cut, true).kind, Step::Kind::kVerified) << "cut by the close, after 20 bytes";
}

TEST(StandIn, AResponderStandsInForAnyService) {
  auto step = JudgeGreeting(kGreeting, false, {}, "ldap");
  ASSERT_TRUE(step);
  EXPECT_EQ(step->kind, Step::Kind::kVerified);
  EXPECT_EQ(step->detail, "portolan responder (token lab-7, host DC01, port 389/tcp) standing in for ldap");
  step = JudgeGreeting(kGreeting, true, WithToken("other"), "smb");
  ASSERT_TRUE(step);
  EXPECT_EQ(step->kind, Step::Kind::kWrongService);
  EXPECT_EQ(step->detail, "a portolan responder with token lab-7, not other standing in for smb");
}

TEST(StandIn, OtherAnswersAreLeftToTheDialogue) {
  EXPECT_FALSE(JudgeGreeting(test_support::B({0x30, 0x0c, 0x02, 0x01, 0x01}), false, {}, "ldap"));
  EXPECT_FALSE(JudgeGreeting(test_support::B({0x30, 0x0c}), true, {}, "ldap"));
  EXPECT_FALSE(JudgeGreeting(Text("PORT"), true, {}, "ldap"));
  const auto step = JudgeGreeting(Text("PORT"), false, {}, "ldap");
  ASSERT_TRUE(step);
  EXPECT_EQ(step->kind, Step::Kind::kNeedMore) << "over TCP the rest may follow";
}

TEST(StandIn, DetailsStayOnOneLine) {
  const std::string longest(probe::responder::kMaxFieldLength, 'x');
  const auto greeting = probe::responder::Greeting({longest, longest, 65535, probe::Transport::kUdp});
  const auto step = JudgeGreeting(Text(greeting), true, {}, "sms-remote-control");
  ASSERT_TRUE(step);
  EXPECT_EQ(step->kind, Step::Kind::kVerified);
  EXPECT_LE(step->detail.size(), 210u);
}

}  // namespace
}  // namespace portolan::probe::responder
