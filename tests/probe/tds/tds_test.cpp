// TDS PRELOGIN codec and dialogue: the request field by field against MS-TDS 2.2.6.5, the
// examples of MS-TDS 4.1 and MS-SSTDS 4.1, and hand-built server answers.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "probe/tds/tds_codec.hpp"
#include "probe/tds/tds_dialogue.hpp"

namespace portolan::probe::tds {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes FromText(const std::string& text) {
  return Bytes(text.begin(), text.end());
}

// MS-TDS 4.1 "Pre-Login Request": a client's PRELOGIN (VERSION 9.0.0, ENCRYPTION ON, INSTOPT,
// THREADID, MARS). A server's answer carries the same option table in a packet of type 0x04,
// so the example with its type byte turned into 0x04 is a well-formed answer.
const Bytes kMsTds41 = {0x12, 0x01, 0x00, 0x2F, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1A, 0x00, 0x06, 0x01, 0x00, 0x20,
                        0x00, 0x01, 0x02, 0x00, 0x21, 0x00, 0x01, 0x03, 0x00, 0x22, 0x00, 0x04, 0x04, 0x00, 0x26, 0x00,
                        0x01, 0xFF, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0xB8, 0x0D, 0x00, 0x00, 0x01};

// MS-SSTDS 4.1 "Pre-Login Request": VERSION 8.0.341, ENCRYPTION OFF, INSTOPT "MSSQLServer".
const Bytes kMsSstds41 = {0x12, 0x01, 0x00, 0x34, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x15, 0x00, 0x06,
                          0x01, 0x00, 0x1B, 0x00, 0x01, 0x02, 0x00, 0x1C, 0x00, 0x0C, 0x03, 0x00, 0x28,
                          0x00, 0x04, 0xFF, 0x08, 0x00, 0x01, 0x55, 0x00, 0x00, 0x00, 0x4D, 0x53, 0x53,
                          0x51, 0x4C, 0x53, 0x65, 0x72, 0x76, 0x65, 0x72, 0x00, 0x80, 0x19, 0x00, 0x00};

Bytes AsAnswer(Bytes packet) {
  packet[0] = kPacketTabularResult;
  return packet;
}

// A SQL Server 2019 answer: VERSION 15.0.2000.5, ENCRYPTION REQ, INSTOPT 0, THREADID 0, MARS 0.
const Bytes kSql2019Answer = {0x04, 0x01, 0x00, 0x2F, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1A, 0x00,
                              0x06, 0x01, 0x00, 0x20, 0x00, 0x01, 0x02, 0x00, 0x21, 0x00, 0x01, 0x03,
                              0x00, 0x22, 0x00, 0x04, 0x04, 0x00, 0x26, 0x00, 0x01, 0xFF, 0x0F, 0x00,
                              0x07, 0xD0, 0x00, 0x05, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

Step Feed(const Bytes& bytes, bool closed = false) {
  const auto dialogue = MakePreloginDialogue({});
  dialogue->Start();
  return dialogue->OnReceive(bytes, closed);
}

TEST(TdsCodec, PreloginRequestFieldByField) {
  const Bytes request = BuildPreloginRequest();
  ASSERT_EQ(request.size(), 41u);
  // Header (MS-TDS 2.2.3.1): type 0x12, status EOM, Length 41 big-endian, SPID 0, PacketID 1.
  EXPECT_EQ(request[0], 0x12);
  EXPECT_EQ(request[1], 0x01);
  EXPECT_EQ(request[2], 0x00);
  EXPECT_EQ(request[3], 41);
  EXPECT_EQ(request[4], 0x00);
  EXPECT_EQ(request[5], 0x00);
  EXPECT_EQ(request[6], 0x01);
  EXPECT_EQ(request[7], 0x00);
  // Option table: token, offset (from the packet data), length; 4 entries and 0xFF = 21 bytes.
  const Bytes table(request.begin() + 8, request.begin() + 29);
  const Bytes expected_table = {0x00, 0x00, 0x15, 0x00, 0x06,  // VERSION at 21, 6 bytes
                                0x01, 0x00, 0x1B, 0x00, 0x01,  // ENCRYPTION at 27, 1 byte
                                0x02, 0x00, 0x1C, 0x00, 0x01,  // INSTOPT at 28, 1 byte
                                0x03, 0x00, 0x1D, 0x00, 0x04,  // THREADID at 29, 4 bytes
                                0xFF};
  EXPECT_EQ(table, expected_table);
  EXPECT_EQ(request[8 + 27], kEncryptOff);
  EXPECT_EQ(request[8 + 28], 0x00);  // the default instance
}

TEST(TdsCodec, TheRequestParsesAsItsOwnOptionTable) {
  const auto parsed = ParsePreloginAnswer(AsAnswer(BuildPreloginRequest()));
  ASSERT_TRUE(parsed.answer) << parsed.error;
  EXPECT_EQ(parsed.answer->encryption, kEncryptOff);
}

TEST(TdsCodec, MsTdsSection41Example) {
  const auto parsed = ParsePreloginAnswer(AsAnswer(kMsTds41));
  ASSERT_TRUE(parsed.answer) << parsed.error;
  EXPECT_EQ(parsed.answer->major, 9);
  EXPECT_EQ(parsed.answer->minor, 0);
  EXPECT_EQ(parsed.answer->build, 0);
  EXPECT_EQ(parsed.answer->encryption, kEncryptOn);
  EXPECT_EQ(parsed.answer->instance_valid, 0);
}

TEST(TdsCodec, MsSstdsSection41ExampleBuildIsBigEndian) {
  const auto parsed = ParsePreloginAnswer(AsAnswer(kMsSstds41));
  ASSERT_TRUE(parsed.answer) << parsed.error;
  EXPECT_EQ(parsed.answer->major, 8);
  EXPECT_EQ(parsed.answer->build, 341);  // 0x0155
  EXPECT_EQ(parsed.answer->encryption, kEncryptOff);
}

TEST(TdsCodec, RefusesTheRequestTypeAndBrokenTables) {
  EXPECT_FALSE(ParsePreloginAnswer(kMsTds41).answer);  // type 0x12 is a request
  Bytes outside = kSql2019Answer;
  outside[10] = 0x40;  // VERSION offset past the end
  EXPECT_FALSE(ParsePreloginAnswer(outside).answer);
  Bytes no_terminator = kSql2019Answer;
  no_terminator[33] = 0x05;  // the 0xFF becomes another option entry, running into the data
  EXPECT_FALSE(ParsePreloginAnswer(no_terminator).answer);
  Bytes no_version = kSql2019Answer;
  no_version[8] = 0x07;  // VERSION renamed to NONCEOPT
  EXPECT_NE(ParsePreloginAnswer(no_version).error, "");
}

TEST(TdsDialogue, RequestIsThePrelogin) {
  const auto dialogue = MakePreloginDialogue({});
  ASSERT_NE(dialogue, nullptr);
  EXPECT_EQ(dialogue->Start(), BuildPreloginRequest());
}

TEST(TdsDialogue, VerifiedWithVersionAndEncryption) {
  const Step step = Feed(kSql2019Answer);
  ASSERT_EQ(step.kind, Step::Kind::kVerified) << step.detail;
  EXPECT_EQ(step.detail, "SQL Server 2019 15.0.2000.5 (TDS PRELOGIN); encryption ENCRYPT_REQ");
}

TEST(TdsDialogue, SpecExampleAsAnAnswer) {
  const Step step = Feed(AsAnswer(kMsSstds41));
  ASSERT_EQ(step.kind, Step::Kind::kVerified) << step.detail;
  EXPECT_EQ(step.detail, "SQL Server 2000 8.0.341 (TDS PRELOGIN); encryption ENCRYPT_OFF (login packet only)");
}

TEST(TdsDialogue, SplitAnswerNeedsMoreThenVerifies) {
  const auto dialogue = MakePreloginDialogue({});
  dialogue->Start();
  for (std::size_t cut : {1u, 3u, 8u, 30u, 46u}) {
    const Bytes part(kSql2019Answer.begin(), kSql2019Answer.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(dialogue->OnReceive(part, false).kind, Step::Kind::kNeedMore) << cut;
  }
  EXPECT_EQ(dialogue->OnReceive(kSql2019Answer, false).kind, Step::Kind::kVerified);
}

TEST(TdsDialogue, TruncatedAndClosedIsWrongService) {
  const Bytes part(kSql2019Answer.begin(), kSql2019Answer.begin() + 20);
  const Step step = Feed(part, true);
  EXPECT_EQ(step.kind, Step::Kind::kWrongService);
  EXPECT_NE(step.detail.find("cut short"), std::string::npos);
}

TEST(TdsDialogue, EmptyAndClosedIsWrongService) {
  EXPECT_EQ(Feed({}, true).kind, Step::Kind::kWrongService);
  EXPECT_EQ(Feed({}, false).kind, Step::Kind::kNeedMore);
}

TEST(TdsDialogue, HttpAnswerIsWrongServiceAndSaysWhatItWas) {
  const Step step = Feed(FromText("HTTP/1.1 400 Bad Request\r\n\r\n"));
  ASSERT_EQ(step.kind, Step::Kind::kWrongService);
  EXPECT_NE(step.detail.find("'HTTP/1.1 400 Bad'"), std::string::npos) << step.detail;
}

TEST(TdsDialogue, TlsAlertIsWrongServiceNamingStrictTds) {
  const Step step = Feed({0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46});
  ASSERT_EQ(step.kind, Step::Kind::kWrongService);
  EXPECT_NE(step.detail.find("TDS 8.0"), std::string::npos);
}

TEST(TdsDialogue, TypeFourWithoutOptionTableIsWrongService) {
  // A TDS 4.2-era token stream (an ERROR token 0xAA) in a type 0x04 packet.
  const Step step = Feed({0x04, 0x01, 0x00, 0x0B, 0x00, 0x00, 0x01, 0x00, 0xAA, 0x00, 0x00});
  ASSERT_EQ(step.kind, Step::Kind::kWrongService);
  EXPECT_NE(step.detail.find("not a PRELOGIN answer"), std::string::npos);
}

TEST(TdsDialogue, LengthBelowHeaderIsWrongService) {
  EXPECT_EQ(Feed({0x04, 0x01, 0x00, 0x02, 0x00, 0x00, 0x01, 0x00}).kind, Step::Kind::kWrongService);
}

}  // namespace
}  // namespace portolan::probe::tds
