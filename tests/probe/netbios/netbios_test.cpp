// NetBIOS codec and dialogues: name encoding (RFC 1001 14.1 example), session request and its
// three replies (RFC 1002 4.3.2-4.3.5), node status request and response (RFC 1002 4.2.17-18).

#include <gtest/gtest.h>

#include <string>

#include "probe/netbios/netbios_codec.hpp"
#include "probe/netbios/netbios_dialogue.hpp"
#include "probe/probe_test_support.hpp"

namespace portolan::probe::netbios {
namespace {

using test_support::Target;
using test_support::Text;

std::string FieldLetters(const Bytes& field) {
  return std::string(field.begin() + 1, field.end() - 1);
}

TEST(NetbiosCodec, EncodesTheRfc1001Example) {
  // RFC 1001 14.1: "FRED" padded with spaces encodes as EGFCEFEE followed by CA pairs.
  const Bytes field = EncodeNameField("FRED", ' ');
  ASSERT_EQ(field.size(), 34u);
  EXPECT_EQ(field.front(), 0x20);
  EXPECT_EQ(field.back(), 0x00);
  EXPECT_EQ(FieldLetters(field), "EGFCEFEECACACACACACACACACACACACA");
}

TEST(NetbiosCodec, EncodesTheWildcardWithZeroPadding) {
  EXPECT_EQ(FieldLetters(EncodeNameField("*", 0x00, '\0')), "CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
}

TEST(NetbiosCodec, EncodesTheSuffixInTheLastTwoLetters) {
  const std::string letters = FieldLetters(EncodeNameField("DC01", 0x1c));
  EXPECT_EQ(letters.substr(0, 8), "EEEDDADB");
  EXPECT_EQ(letters.substr(30), "BM");  // 0x1c -> 'A'+1, 'A'+12
}

TEST(NetbiosCodec, NetbiosNameOfTakesTheHostLabel) {
  EXPECT_EQ(NetbiosNameOf("dc01.corp.example"), "DC01");
  EXPECT_EQ(NetbiosNameOf("averyveryverylongname"), "AVERYVERYVERYLO");
  EXPECT_EQ(NetbiosNameOf(""), "");
}

TEST(NetbiosCodec, SessionRequestFields) {
  const Bytes request = BuildSessionRequest("DC01", "PORTOLAN");
  ASSERT_EQ(request.size(), 4u + 68u);
  EXPECT_EQ(request[0], kSessionRequest);
  EXPECT_EQ(request[1], 0x00);
  EXPECT_EQ((request[2] << 8) | request[3], 68);
  const Bytes called(request.begin() + 4, request.begin() + 38);
  EXPECT_EQ(called, EncodeNameField("DC01", kSuffixFileServer));
  const Bytes calling(request.begin() + 38, request.end());
  EXPECT_EQ(calling, EncodeNameField("PORTOLAN", kSuffixWorkstation));
}

TEST(NetbiosSession, PositiveResponseIsVerified) {
  auto dialogue = MakeSessionRequestDialogue(Target(139, "dc01"));
  const Bytes request = dialogue->Start();
  EXPECT_EQ(Bytes(request.begin() + 4, request.begin() + 38), EncodeNameField("DC01", kSuffixFileServer));
  const Step step = dialogue->OnReceive(Bytes{0x82, 0, 0, 0}, false);
  EXPECT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("positive session response"), std::string::npos);
  EXPECT_NE(step.detail.find("DC01<20>"), std::string::npos);
}

TEST(NetbiosSession, EmptyNameCallsStarSmbServer) {
  auto dialogue = MakeSessionRequestDialogue(Target(139));
  const Bytes request = dialogue->Start();
  EXPECT_EQ(Bytes(request.begin() + 4, request.begin() + 38), EncodeNameField("*SMBSERVER", kSuffixFileServer));
}

TEST(NetbiosSession, NegativeResponseSaysTheError) {
  auto dialogue = MakeSessionRequestDialogue(Target(139));
  dialogue->Start();
  const Step step = dialogue->OnReceive(Bytes{0x83, 0, 0, 1, 0x82}, false);
  EXPECT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("0x82 called name not present"), std::string::npos) << step.detail;
}

TEST(NetbiosSession, RetargetSaysWhere) {
  auto dialogue = MakeSessionRequestDialogue(Target(139));
  dialogue->Start();
  const Step step = dialogue->OnReceive(Bytes{0x84, 0, 0, 6, 10, 0, 0, 11, 0x01, 0xbd}, false);
  EXPECT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("10.0.0.11:445"), std::string::npos) << step.detail;
}

TEST(NetbiosSession, SplitAnswersNeedMore) {
  auto dialogue = MakeSessionRequestDialogue(Target(139));
  dialogue->Start();
  const Bytes answer = {0x83, 0, 0, 1, 0x80};
  EXPECT_EQ(dialogue->OnReceive(std::span(answer).first(2), false).kind, Step::Kind::kNeedMore);
  EXPECT_EQ(dialogue->OnReceive(std::span(answer).first(4), false).kind, Step::Kind::kNeedMore);
  EXPECT_EQ(dialogue->OnReceive(answer, false).kind, Step::Kind::kVerified);
}

TEST(NetbiosSession, KeepAliveBeforeTheReplyIsSkipped) {
  auto dialogue = MakeSessionRequestDialogue(Target(139));
  dialogue->Start();
  EXPECT_EQ(dialogue->OnReceive(Bytes{0x85, 0, 0, 0}, false).kind, Step::Kind::kNeedMore);
  EXPECT_EQ(dialogue->OnReceive(Bytes{0x85, 0, 0, 0, 0x82, 0, 0, 0}, false).kind, Step::Kind::kVerified);
}

TEST(NetbiosSession, ForeignAnswersAreWrongService) {
  auto dialogue = MakeSessionRequestDialogue(Target(139));
  dialogue->Start();
  const Step http = dialogue->OnReceive(Text("HTTP/1.1 400 Bad Request\r\n\r\n"), false);
  EXPECT_EQ(http.kind, Step::Kind::kWrongService);
  EXPECT_NE(http.detail.find("looks like HTTP"), std::string::npos) << http.detail;
  // A positive response must be empty; one with a body is not RFC 1002.
  EXPECT_EQ(dialogue->OnReceive(Bytes{0x82, 0, 0, 2, 0, 0}, false).kind, Step::Kind::kWrongService);
  EXPECT_EQ(dialogue->OnReceive(Bytes{0x82, 0x40, 0, 0}, false).kind, Step::Kind::kWrongService);
}

TEST(NetbiosSession, ClosedEarlyIsWrongService) {
  auto dialogue = MakeSessionRequestDialogue(Target(139));
  dialogue->Start();
  EXPECT_EQ(dialogue->OnReceive({}, true).kind, Step::Kind::kWrongService);
  EXPECT_EQ(dialogue->OnReceive(Bytes{0x83, 0, 0, 1}, true).kind, Step::Kind::kWrongService);
}

TEST(NetbiosCodec, NodeStatusRequestFields) {
  const Bytes request = BuildNodeStatusRequest(0xbeef);
  ASSERT_EQ(request.size(), 12u + 34u + 4u);
  EXPECT_EQ(request[0], 0xbe);
  EXPECT_EQ(request[1], 0xef);
  EXPECT_EQ(request[2], 0x00);  // query, opcode 0, unicast (B=0)
  EXPECT_EQ(request[3], 0x00);
  EXPECT_EQ((request[4] << 8) | request[5], 1);  // QDCOUNT
  EXPECT_EQ(Bytes(request.begin() + 12, request.begin() + 46), EncodeNameField("*", 0, '\0'));
  EXPECT_EQ((request[46] << 8) | request[47], 0x21);  // NBSTAT
  EXPECT_EQ((request[48] << 8) | request[49], 1);     // IN
}

void AddNodeName(Bytes& out, std::string_view name, std::uint8_t suffix, std::uint16_t flags) {
  std::string padded(name);
  padded.resize(15, ' ');
  out.insert(out.end(), padded.begin(), padded.end());
  out.push_back(suffix);
  out.push_back(static_cast<std::uint8_t>(flags >> 8));
  out.push_back(static_cast<std::uint8_t>(flags));
}

// A node status response as RFC 1002 4.2.18 lays it out: a DC of domain CORP.
Bytes NodeStatusResponse(std::uint16_t id, std::uint16_t flags = 0x8400, bool full_statistics = true) {
  Bytes rdata = {3};
  AddNodeName(rdata, "DC01", 0x00, 0x0400);
  AddNodeName(rdata, "CORP", 0x00, 0x8400);
  AddNodeName(rdata, "CORP", 0x1c, 0x8400);
  const Bytes mac = {0x00, 0x15, 0x5d, 0x01, 0x02, 0x03};
  rdata.insert(rdata.end(), mac.begin(), mac.end());
  if (full_statistics) rdata.insert(rdata.end(), 40, 0);

  Bytes packet = {static_cast<std::uint8_t>(id >> 8),
                  static_cast<std::uint8_t>(id),
                  static_cast<std::uint8_t>(flags >> 8),
                  static_cast<std::uint8_t>(flags),
                  0,
                  0,
                  0,
                  1,
                  0,
                  0,
                  0,
                  0};
  const Bytes name = EncodeNameField("*", 0, '\0');
  packet.insert(packet.end(), name.begin(), name.end());
  const Bytes record = {0x00,
                        0x21,
                        0x00,
                        0x01,
                        0,
                        0,
                        0,
                        0,
                        static_cast<std::uint8_t>(rdata.size() >> 8),
                        static_cast<std::uint8_t>(rdata.size())};
  packet.insert(packet.end(), record.begin(), record.end());
  packet.insert(packet.end(), rdata.begin(), rdata.end());
  return packet;
}

std::uint16_t IdOf(const Bytes& request) {
  return static_cast<std::uint16_t>((request[0] << 8) | request[1]);
}

TEST(NetbiosNodeStatus, ParsesNamesAndUnitId) {
  std::string error;
  const auto status = ParseNodeStatusResponse(NodeStatusResponse(7), &error);
  ASSERT_TRUE(status) << error;
  EXPECT_TRUE(status->response);
  EXPECT_TRUE(status->has_nbstat);
  ASSERT_EQ(status->names.size(), 3u);
  EXPECT_EQ(status->names[0].name, "DC01");
  EXPECT_FALSE(status->names[0].group);
  EXPECT_EQ(status->names[2].suffix, 0x1c);
  EXPECT_TRUE(status->names[2].group);
  ASSERT_TRUE(status->unit_id);
  EXPECT_EQ((*status->unit_id)[5], 0x03);
}

TEST(NetbiosNodeStatus, ResponseIsVerifiedWithNamesAndMac) {
  auto dialogue = MakeNodeStatusDialogue(Target(137));
  const std::uint16_t id = IdOf(dialogue->Start());
  const Step step = dialogue->OnReceive(NodeStatusResponse(id), false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified) << step.detail;
  EXPECT_EQ(step.detail, "node status: 3 names DC01<00> CORP<00>g CORP<1C>g; unit id 00:15:5d:01:02:03");
}

TEST(NetbiosNodeStatus, ShortStatisticsStillVerify) {
  auto dialogue = MakeNodeStatusDialogue(Target(137));
  const std::uint16_t id = IdOf(dialogue->Start());
  const Step step = dialogue->OnReceive(NodeStatusResponse(id, 0x8400, false), false);
  EXPECT_EQ(step.kind, Step::Kind::kVerified);
}

TEST(NetbiosNodeStatus, OtherTransactionsWaitAndAnEchoIsWrongService) {
  auto dialogue = MakeNodeStatusDialogue(Target(137));
  const Bytes request = dialogue->Start();
  const std::uint16_t id = IdOf(request);
  EXPECT_EQ(dialogue->OnReceive(NodeStatusResponse(static_cast<std::uint16_t>(id + 1)), false).kind,
            Step::Kind::kNeedMore);
  // Found by probe.stress: an echo service on 137/udp was waited out and called FILTERED.
  const Step echo = dialogue->OnReceive(request, false);
  EXPECT_EQ(echo.kind, Step::Kind::kWrongService);
  EXPECT_NE(echo.detail.find("echo"), std::string::npos);
}

TEST(NetbiosNodeStatus, ErrorRcodeIsStillANameService) {
  auto dialogue = MakeNodeStatusDialogue(Target(137));
  const std::uint16_t id = IdOf(dialogue->Start());
  const Bytes answer = {
      static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id), 0x84, 0x03, 0, 0, 0, 0, 0, 0, 0, 0};
  const Step step = dialogue->OnReceive(answer, false);
  EXPECT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("rcode 3"), std::string::npos);
}

TEST(NetbiosNodeStatus, TruncatedAndGarbageAreWrongService) {
  auto dialogue = MakeNodeStatusDialogue(Target(137));
  const std::uint16_t id = IdOf(dialogue->Start());
  Bytes truncated = NodeStatusResponse(id);
  truncated.resize(truncated.size() - 50);  // the record claims more than the datagram holds
  EXPECT_EQ(dialogue->OnReceive(truncated, false).kind, Step::Kind::kWrongService);
  EXPECT_EQ(dialogue->OnReceive(Bytes{1, 2, 3}, false).kind, Step::Kind::kWrongService);
  Bytes too_many_names = NodeStatusResponse(id);
  too_many_names[12 + 34 + 10] = 200;  // NUM_NAMES far beyond RDLENGTH
  EXPECT_EQ(dialogue->OnReceive(too_many_names, false).kind, Step::Kind::kWrongService);
  Bytes no_nbstat = NodeStatusResponse(id);
  no_nbstat[12 + 34 + 1] = 0x20;  // an NB record, not NBSTAT
  EXPECT_EQ(dialogue->OnReceive(no_nbstat, false).kind, Step::Kind::kWrongService);
}

}  // namespace
}  // namespace portolan::probe::netbios
