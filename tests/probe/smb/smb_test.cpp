// SMB negotiate codec and dialogue: request bytes against MS-CIFS 2.2.4.52.1 and MS-SMB2 2.2.3,
// hand-built SMB1 (MS-SMB 2.2.4.5.2) and SMB2 (MS-SMB2 2.2.4) responses, the 0x02FF wildcard.

#include <gtest/gtest.h>

#include <string>

#include "probe/probe_test_support.hpp"
#include "probe/smb/smb_codec.hpp"
#include "probe/smb/smb_dialogue.hpp"
#include "probe/wire/detail_text.hpp"

namespace portolan::probe::smb {
namespace {

using test_support::Get16;
using test_support::Put16;
using test_support::Put32;
using test_support::Target;
using test_support::Text;

Bytes Frame(const Bytes& message) {
  Bytes framed = {0, static_cast<std::uint8_t>(message.size() >> 16), static_cast<std::uint8_t>(message.size() >> 8),
                  static_cast<std::uint8_t>(message.size())};
  framed.insert(framed.end(), message.begin(), message.end());
  return framed;
}

// GUID 6ba7b810-9dad-11d1-80b4-00c04fd430c8 in MS-DTYP wire order.
const Bytes kGuid = {0x10, 0xb8, 0xa7, 0x6b, 0xad, 0x9d, 0xd1, 0x11, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};

// MS-SMB 2.2.4.5.2.1: the NT LM 0.12 response with extended security.
Bytes Smb1Response(std::uint16_t dialect_index, std::uint8_t security_mode) {
  Bytes m = {0xff, 'S', 'M', 'B', 0x72};
  Put32(m, 0);               // Status
  m.push_back(0x88);         // Flags: reply
  Put16(m, 0xc801);          // Flags2
  m.insert(m.end(), 20, 0);  // PIDHigh .. MID
  m.push_back(17);           // WordCount
  Put16(m, dialect_index);
  m.push_back(security_mode);
  Put16(m, 50);             // MaxMpxCount
  Put16(m, 1);              // MaxNumberVcs
  Put32(m, 16644);          // MaxBufferSize
  Put32(m, 65536);          // MaxRawSize
  Put32(m, 0);              // SessionKey
  Put32(m, 0x8000e3fd);     // Capabilities, with CAP_EXTENDED_SECURITY
  m.insert(m.end(), 8, 0);  // SystemTime
  Put16(m, 0);              // ServerTimeZone
  m.push_back(0);           // ChallengeLength
  Put16(m, 16);             // ByteCount: the GUID, no security blob
  m.insert(m.end(), kGuid.begin(), kGuid.end());
  return Frame(m);
}

Bytes Smb2Header(std::uint32_t status = 0) {
  Bytes m = {0xfe, 'S', 'M', 'B'};
  Put16(m, 64);
  Put16(m, 0);
  Put32(m, status);
  Put16(m, 0);  // NEGOTIATE
  Put16(m, 1);
  Put32(m, 1);  // SMB2_FLAGS_SERVER_TO_REDIR
  m.insert(m.end(), 64 - m.size(), 0);
  return m;
}

// MS-SMB2 2.2.4 NEGOTIATE response (no security buffer, no contexts).
Bytes Smb2Response(std::uint16_t dialect, std::uint16_t security_mode) {
  Bytes m = Smb2Header();
  Put16(m, 65);
  Put16(m, security_mode);
  Put16(m, dialect);
  Put16(m, 0);
  m.insert(m.end(), kGuid.begin(), kGuid.end());
  m.insert(m.end(), 4 + 4 + 4 + 4 + 8 + 8 + 2 + 2 + 4, 0);
  return Frame(m);
}

TEST(SmbCodec, Smb1NegotiateFields) {
  const Bytes request = BuildSmb1Negotiate();
  ASSERT_GE(request.size(), 4u + 35u);
  EXPECT_EQ(request[0], 0);
  EXPECT_EQ(static_cast<std::size_t>((request[1] << 16) | (request[2] << 8) | request[3]), request.size() - 4);
  EXPECT_EQ(Bytes(request.begin() + 4, request.begin() + 8), (Bytes{0xff, 'S', 'M', 'B'}));
  EXPECT_EQ(request[8], 0x72);       // SMB_COM_NEGOTIATE
  EXPECT_EQ(request[13] & 0x80, 0);  // a request, not a reply
  EXPECT_EQ(request[4 + 32], 0);     // WordCount
  const std::uint16_t byte_count = Get16(request, 4 + 33);
  const std::string dialects(request.begin() + 4 + 35, request.end());
  EXPECT_EQ(byte_count, dialects.size());
  EXPECT_EQ(dialects, std::string("\x02NT LM 0.12\0\x02SMB 2.002\0\x02SMB 2.???\0", 34));
}

TEST(SmbCodec, Smb2NegotiateFields) {
  Guid client{};
  client[0] = 0xaa;
  Salt salt{};
  salt[31] = 0x55;
  const Bytes framed = BuildSmb2Negotiate(1, client, salt);
  const Bytes m(framed.begin() + 4, framed.end());
  ASSERT_EQ(m.size(), 112u + 8u + 38u);
  EXPECT_EQ(Bytes(m.begin(), m.begin() + 4), (Bytes{0xfe, 'S', 'M', 'B'}));
  EXPECT_EQ(Get16(m, 4), 64);    // StructureSize
  EXPECT_EQ(Get16(m, 12), 0);    // NEGOTIATE
  EXPECT_EQ(m[24], 1);           // MessageId
  EXPECT_EQ(Get16(m, 64), 36);   // request StructureSize
  EXPECT_EQ(Get16(m, 66), 5);    // DialectCount
  EXPECT_EQ(Get16(m, 68), 1);    // SecurityMode: signing enabled
  EXPECT_EQ(m[76], 0xaa);        // ClientGuid
  EXPECT_EQ(Get16(m, 92), 112);  // NegotiateContextOffset
  EXPECT_EQ(Get16(m, 96), 1);    // NegotiateContextCount
  EXPECT_EQ(Get16(m, 100), 0x0202);
  EXPECT_EQ(Get16(m, 108), 0x0311);
  EXPECT_EQ(Get16(m, 112), 1);   // SMB2_PREAUTH_INTEGRITY_CAPABILITIES
  EXPECT_EQ(Get16(m, 114), 38);  // DataLength
  EXPECT_EQ(Get16(m, 120), 1);   // HashAlgorithmCount
  EXPECT_EQ(Get16(m, 122), 32);  // SaltLength
  EXPECT_EQ(Get16(m, 124), 1);   // SHA-512
  EXPECT_EQ(m.back(), 0x55);
}

TEST(SmbCodec, FormatsGuidsLikeMsDtyp) {
  Guid guid{};
  std::copy(kGuid.begin(), kGuid.end(), guid.begin());
  EXPECT_EQ(wire::FormatGuid(guid), "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
}

TEST(SmbNegotiate, Smb1ServerIsVerified) {
  auto dialogue = MakeNegotiateDialogue(Target(445));
  dialogue->Start();
  const Step step = dialogue->OnReceive(Smb1Response(0, 0x0f), false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified) << step.detail;
  EXPECT_EQ(step.detail,
            "SMB1 dialect NT LM 0.12, signing required, extended security, server GUID "
            "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
}

TEST(SmbNegotiate, Smb1SigningEnabledNotRequired) {
  auto dialogue = MakeNegotiateDialogue(Target(445));
  dialogue->Start();
  const Step step = dialogue->OnReceive(Smb1Response(0, 0x07), false);
  EXPECT_NE(step.detail.find("signing enabled, not required"), std::string::npos) << step.detail;
}

TEST(SmbNegotiate, Smb1WithoutACommonDialect) {
  Bytes m = {0xff, 'S', 'M', 'B', 0x72, 0, 0, 0, 0, 0x80, 0, 0};
  m.insert(m.end(), 20, 0);
  m.push_back(1);
  Put16(m, 0xffff);
  Put16(m, 0);
  auto dialogue = MakeNegotiateDialogue(Target(445));
  dialogue->Start();
  const Step step = dialogue->OnReceive(Frame(m), false);
  EXPECT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("no dialect in common"), std::string::npos);
}

TEST(SmbNegotiate, Smb2ServerIsVerified) {
  auto dialogue = MakeNegotiateDialogue(Target(445));
  dialogue->Start();
  const Step step = dialogue->OnReceive(Smb2Response(0x0202, 0x01), false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified) << step.detail;
  EXPECT_EQ(step.detail,
            "SMB2 dialect 2.0.2, signing enabled, not required, server GUID 6ba7b810-9dad-11d1-80b4-00c04fd430c8");
}

TEST(SmbNegotiate, WildcardLeadsToAnSmb2Negotiate) {
  auto dialogue = MakeNegotiateDialogue(Target(445));
  dialogue->Start();
  const Step first = dialogue->OnReceive(Smb2Response(0x02ff, 0x03), false);
  ASSERT_EQ(first.kind, Step::Kind::kSend);
  ASSERT_GT(first.bytes.size(), 4u + 100u);
  EXPECT_EQ(first.bytes[4], 0xfe);
  EXPECT_EQ(first.bytes[4 + 24], 1);  // MessageId 1 (MS-SMB2 3.3.5.3.1)
  const Step second = dialogue->OnReceive(Smb2Response(0x0311, 0x03), false);
  ASSERT_EQ(second.kind, Step::Kind::kVerified);
  EXPECT_NE(second.detail.find("SMB2 dialect 3.1.1, signing required"), std::string::npos) << second.detail;
}

TEST(SmbNegotiate, WildcardStaysVerifiedWhenTheSecondStepFails) {
  auto dialogue = MakeNegotiateDialogue(Target(445));
  dialogue->Start();
  ASSERT_EQ(dialogue->OnReceive(Smb2Response(0x02ff, 0x01), false).kind, Step::Kind::kSend);
  const Step closed = dialogue->OnReceive({}, true);
  EXPECT_EQ(closed.kind, Step::Kind::kVerified);
  EXPECT_NE(closed.detail.find("2.??? (wildcard)"), std::string::npos) << closed.detail;

  auto other = MakeNegotiateDialogue(Target(445));
  other->Start();
  ASSERT_EQ(other->OnReceive(Smb2Response(0x02ff, 0x01), false).kind, Step::Kind::kSend);
  Bytes error = Smb2Header(0xc000000d);  // STATUS_INVALID_PARAMETER
  Put16(error, 9);
  error.insert(error.end(), 6, 0);
  const Step refused = other->OnReceive(Frame(error), false);
  EXPECT_EQ(refused.kind, Step::Kind::kVerified);
  EXPECT_NE(refused.detail.find("0xc000000d"), std::string::npos) << refused.detail;
}

TEST(SmbNegotiate, WildcardWithTheConnectionClosedIsFinal) {
  auto dialogue = MakeNegotiateDialogue(Target(445));
  dialogue->Start();
  const Step step = dialogue->OnReceive(Smb2Response(0x02ff, 0x01), true);
  EXPECT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("SMB2 dialect 2.??? (wildcard)"), std::string::npos) << step.detail;
}

TEST(SmbNegotiate, SplitAnswersNeedMore) {
  auto dialogue = MakeNegotiateDialogue(Target(445));
  dialogue->Start();
  const Bytes answer = Smb2Response(0x0300, 0x01);
  for (const std::size_t cut : {std::size_t{1}, std::size_t{3}, std::size_t{6}, std::size_t{70}}) {
    EXPECT_EQ(dialogue->OnReceive(std::span(answer).first(cut), false).kind, Step::Kind::kNeedMore) << cut;
  }
  EXPECT_EQ(dialogue->OnReceive(answer, false).kind, Step::Kind::kVerified);
}

TEST(SmbNegotiate, TruncatedAnswerThenCloseIsWrongService) {
  auto dialogue = MakeNegotiateDialogue(Target(445));
  dialogue->Start();
  const Bytes answer = Smb1Response(0, 0x03);
  EXPECT_EQ(dialogue->OnReceive(std::span(answer).first(20), true).kind, Step::Kind::kWrongService);
  EXPECT_EQ(dialogue->OnReceive({}, true).kind, Step::Kind::kWrongService);
}

TEST(SmbNegotiate, ForeignAnswersAreWrongService) {
  auto dialogue = MakeNegotiateDialogue(Target(445));
  dialogue->Start();
  const Step http = dialogue->OnReceive(Text("HTTP/1.0 400 Bad Request\r\n"), false);
  EXPECT_EQ(http.kind, Step::Kind::kWrongService);
  EXPECT_NE(http.detail.find("looks like HTTP"), std::string::npos) << http.detail;
  // Direct-TCP framing around something that is not SMB, judged before the frame is complete.
  EXPECT_EQ(dialogue->OnReceive(Bytes{0, 0, 0x10, 0, 'R', 'F', 'B'}, false).kind, Step::Kind::kWrongService);
  // A frame longer than any NEGOTIATE response.
  EXPECT_EQ(dialogue->OnReceive(Bytes{0, 0xff, 0xff, 0xff, 0xfe, 'S'}, false).kind, Step::Kind::kWrongService);
  // An SMB2 message that is not a NEGOTIATE response (our own request echoed back).
  const Bytes echo = BuildSmb2Negotiate(0, Guid{}, Salt{});
  EXPECT_EQ(dialogue->OnReceive(echo, false).kind, Step::Kind::kWrongService);
}

}  // namespace
}  // namespace portolan::probe::smb
