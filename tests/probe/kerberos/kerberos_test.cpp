// Kerberos codec and dialogues: the AS-REQ field by field (RFC 4120 5.4.1), KRB-ERROR answers
// (5.9.1) written out byte by byte, TCP record framing (7.2.2), and foreign answers.

#include "probe/kerberos/kerberos_codec.hpp"
#include "probe/probe_test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "probe/kerberos/kerberos_dialogue.hpp"

namespace portolan::probe::kerberos {
namespace {

using test_support::B;
using test_support::Cat;
using test_support::Text;

using ber::Application;
using ber::Context;
using ber::kSequenceTag;
using ber::Universal;
using ber::View;

// KRB-ERROR { pvno 5, msg-type 30, stime, susec, error-code CODE, realm CORP.EXAMPLE,
// sname krbtgt/CORP.EXAMPLE }, as a KDC sends it (RFC 4120 5.9.1), lengths written by hand.
Bytes KrbErrorBytes(int code) {
  return Cat({B({0x7E, 0x5E, 0x30, 0x5C}),                              // [APPLICATION 30] SEQUENCE
              B({0xA0, 0x03, 0x02, 0x01, 0x05}),                        // [0] pvno 5
              B({0xA1, 0x03, 0x02, 0x01, 0x1E}),                        // [1] msg-type 30
              B({0xA4, 0x11, 0x18, 0x0F}), Text("20240102030405Z"),     // [4] stime
              B({0xA5, 0x05, 0x02, 0x03, 0x01, 0xE2, 0x40}),            // [5] susec 123456
              B({0xA6, 0x03, 0x02, 0x01, code}),                        // [6] error-code
              B({0xA9, 0x0E, 0x1B, 0x0C}), Text("CORP.EXAMPLE"),        // [9] realm
              B({0xAA, 0x21, 0x30, 0x1F, 0xA0, 0x03, 0x02, 0x01, 0x02,  // [10] sname, NT-SRV-INST
                 0xA1, 0x18, 0x30, 0x16, 0x1B, 0x06}),
              Text("krbtgt"), B({0x1B, 0x0C}), Text("CORP.EXAMPLE")});
}

ProbeTarget Target(std::string domain = "corp.example") {
  ProbeTarget target;
  target.address = "10.0.0.10";
  target.port = 88;
  target.domain = std::move(domain);
  return target;
}

Step Feed(Dialogue& dialogue, const Bytes& bytes, bool closed = false) {
  return dialogue.OnReceive(View(bytes), closed);
}

// Walks an explicit [n] tag down to its one inner element.
ber::Element Inner(const ber::Element& tagged) {
  ber::Reader reader(tagged.contents);
  const auto element = reader.Next();
  EXPECT_TRUE(element.has_value()) << reader.error();
  return element.value_or(ber::Element{});
}

std::vector<std::string> Strings(const ber::Element& principal) {
  ber::Reader fields(principal.contents);
  fields.Expect(Context(0), "name-type");
  const auto strings = fields.Expect(Context(1), "name-string");
  EXPECT_TRUE(strings.has_value()) << fields.error();
  std::vector<std::string> out;
  if (!strings) return out;
  ber::Reader names(Inner(*strings).contents);
  while (!names.AtEnd()) {
    const auto name = names.String("name", Universal(ber::kGeneralString));
    if (!name) break;
    out.emplace_back(*name);
  }
  return out;
}

std::int64_t IntegerIn(const ber::Element& tagged) {
  const ber::Element inner = Inner(tagged);
  EXPECT_EQ(inner.tag, Universal(ber::kInteger));
  return ber::DecodeInteger(inner.contents).value_or(-999);
}

TEST(KerberosCodecTest, AsReqHasEveryFieldOfRfc4120) {
  AsReq request{"portolan-probe-0123abcd", "CORP.EXAMPLE", 0x1234567, {18, 17, 23}};
  const Bytes bytes = BuildAsReq(request);
  ASSERT_EQ(bytes[0], 0x6A);  // [APPLICATION 10], constructed
  const ber::Frame frame = ber::ReadElement(View(bytes));
  ASSERT_EQ(frame.status, ber::Frame::Status::kComplete);
  EXPECT_EQ(frame.element.size, bytes.size());
  ber::Reader outer(frame.element.contents);
  const auto kdc_req = outer.Expect(kSequenceTag, "KDC-REQ");
  ASSERT_TRUE(kdc_req) << outer.error();
  ber::Reader fields(kdc_req->contents);
  const auto pvno = fields.Expect(Context(1), "pvno");
  const auto msg_type = fields.Expect(Context(2), "msg-type");
  ASSERT_TRUE(pvno && msg_type) << fields.error();
  EXPECT_EQ(IntegerIn(*pvno), 5);
  EXPECT_EQ(IntegerIn(*msg_type), 10);
  EXPECT_FALSE(fields.Optional(Context(3)).has_value()) << "no padata: no pre-authentication, no password";
  const auto body_tag = fields.Expect(Context(4), "req-body");
  ASSERT_TRUE(body_tag) << fields.error();
  EXPECT_TRUE(fields.AtEnd());

  ber::Reader body(Inner(*body_tag).contents);
  const auto options = body.Expect(Context(0), "kdc-options");
  const auto cname = body.Expect(Context(1), "cname");
  const auto realm = body.Expect(Context(2), "realm");
  const auto sname = body.Expect(Context(3), "sname");
  const auto till = body.Expect(Context(5), "till");
  const auto nonce = body.Expect(Context(7), "nonce");
  const auto etypes = body.Expect(Context(8), "etype");
  ASSERT_TRUE(options && cname && realm && sname && till && nonce && etypes) << body.error();
  EXPECT_TRUE(body.AtEnd());

  EXPECT_EQ(Inner(*options).tag, Universal(ber::kBitString));
  EXPECT_EQ(Inner(*options).contents.size(), 5u);  // unused-bits octet + 32 option bits
  EXPECT_EQ(Strings(Inner(*cname)), std::vector<std::string>{"portolan-probe-0123abcd"});
  EXPECT_EQ(Inner(*realm).tag, Universal(ber::kGeneralString));
  EXPECT_EQ(ber::AsText(Inner(*realm).contents), "CORP.EXAMPLE");
  EXPECT_EQ(Strings(Inner(*sname)), (std::vector<std::string>{"krbtgt", "CORP.EXAMPLE"}));
  EXPECT_EQ(Inner(*till).tag, Universal(ber::kGeneralizedTime));
  EXPECT_EQ(IntegerIn(*nonce), 0x1234567);
  ber::Reader etype_list(Inner(*etypes).contents);
  std::vector<std::int64_t> listed;
  while (!etype_list.AtEnd()) listed.push_back(etype_list.Integer("etype").value_or(-1));
  EXPECT_EQ(listed, (std::vector<std::int64_t>{18, 17, 23}));
}

TEST(KerberosCodecTest, NameTypesArePrincipalAndServiceInstance) {
  const Bytes bytes = BuildAsReq({"x", "R", 1, {18}});
  // cname [1] { SEQUENCE { [0] { INTEGER 1 } ... and sname [3] { SEQUENCE { [0] { INTEGER 2 } ...
  const Bytes cname_type = B({0xA1, 0x0E, 0x30, 0x0C, 0xA0, 0x03, 0x02, 0x01, 0x01});
  const Bytes sname_type = B({0xA0, 0x03, 0x02, 0x01, 0x02});
  EXPECT_NE(std::search(bytes.begin(), bytes.end(), cname_type.begin(), cname_type.end()), bytes.end());
  EXPECT_NE(std::search(bytes.begin(), bytes.end(), sname_type.begin(), sname_type.end()), bytes.end());
}

TEST(KerberosCodecTest, TcpFramingIsABigEndianLength) {
  const Bytes framed = FrameForTcp(Bytes(300, 0xAB));
  ASSERT_EQ(framed.size(), 304u);
  EXPECT_EQ(Bytes(framed.begin(), framed.begin() + 4), B({0x00, 0x00, 0x01, 0x2C}));
  const TcpRecord record = ReadTcpRecord(View(framed), 1000);
  ASSERT_EQ(record.status, TcpRecord::Status::kComplete);
  EXPECT_EQ(record.message.size(), 300u);
  EXPECT_EQ(ReadTcpRecord(ber::ByteView(framed).first(303), 1000).status, TcpRecord::Status::kIncomplete);
  EXPECT_EQ(ReadTcpRecord(ber::ByteView(framed).first(3), 1000).status, TcpRecord::Status::kIncomplete);
  EXPECT_EQ(ReadTcpRecord(View(framed), 299).status, TcpRecord::Status::kMalformed);
  EXPECT_EQ(ReadTcpRecord(View(B({0x80, 0, 0, 1, 0})), 1000).status, TcpRecord::Status::kMalformed);
}

TEST(KerberosCodecTest, ParsesAKrbError) {
  const ReplyParse parse = ParseKdcReply(View(KrbErrorBytes(6)));
  ASSERT_TRUE(parse.reply) << parse.error;
  EXPECT_EQ(parse.reply->kind, KdcReply::Kind::kKrbError);
  const KrbError& error = parse.reply->error;
  EXPECT_EQ(error.error_code, kErrCPrincipalUnknown);
  EXPECT_EQ(error.stime, "20240102030405Z");
  EXPECT_EQ(error.realm, "CORP.EXAMPLE");
  EXPECT_EQ(error.sname, (std::vector<std::string>{"krbtgt", "CORP.EXAMPLE"}));
  EXPECT_EQ(ErrorCodeName(error.error_code), "KDC_ERR_C_PRINCIPAL_UNKNOWN");
  EXPECT_EQ(ErrorCodeName(25), "KDC_ERR_PREAUTH_REQUIRED");
  EXPECT_EQ(ErrorCodeName(68), "KDC_ERR_WRONG_REALM");
  EXPECT_EQ(ErrorCodeName(999), "error 999");
}

TEST(KerberosCodecTest, RefusesWhatIsNotAKdcReply) {
  Bytes wrong_pvno = KrbErrorBytes(6);
  wrong_pvno[8] = 0x04;
  EXPECT_NE(ParseKdcReply(View(wrong_pvno)).error.find("pvno 4"), std::string::npos);
  Bytes wrong_type = KrbErrorBytes(6);
  wrong_type[13] = 0x0B;
  EXPECT_FALSE(ParseKdcReply(View(wrong_type)).reply);
  Bytes truncated = KrbErrorBytes(6);
  truncated.pop_back();
  EXPECT_FALSE(ParseKdcReply(View(truncated)).reply);
  // Our own request reflected back: Kerberos, but not an answer.
  EXPECT_FALSE(ParseKdcReply(View(BuildAsReq({"x", "R", 1, {18}}))).reply);
  // An error-code that is not an INTEGER.
  Bytes bad_code = KrbErrorBytes(6);
  bad_code[42] = 0x04;  // the INTEGER tag inside [6]
  EXPECT_FALSE(ParseKdcReply(View(bad_code)).reply);
}

TEST(KerberosCodecTest, AnAsRepIsRecognised) {
  // AS-REP { pvno 5, msg-type 11, crealm "R", ... } (RFC 4120 5.4.2); the rest is not read.
  const Bytes as_rep = B({0x6B, 0x15, 0x30, 0x13, 0xA0, 0x03, 0x02, 0x01, 0x05, 0xA1, 0x03, 0x02,
                          0x01, 0x0B, 0xA3, 0x03, 0x1B, 0x01, 'R',  0xA4, 0x02, 0x30, 0x00});
  const ReplyParse parse = ParseKdcReply(View(as_rep));
  ASSERT_TRUE(parse.reply) << parse.error;
  EXPECT_EQ(parse.reply->kind, KdcReply::Kind::kAsRep);
  EXPECT_EQ(parse.reply->crealm, "R");
}

// --- dialogues ---

TEST(KerberosDialogueTest, AsksForAnImpossiblePrincipalInTheUpperCasedRealm) {
  const auto dialogue = MakeAsReqUdpDialogue(Target("Corp.Example"));
  ASSERT_NE(dialogue, nullptr);
  const Bytes request = dialogue->Start();
  const std::string text(request.begin(), request.end());
  EXPECT_NE(text.find("portolan-probe-"), std::string::npos);
  EXPECT_NE(text.find("CORP.EXAMPLE"), std::string::npos);
  EXPECT_EQ(text.find("Corp.Example"), std::string::npos);
  EXPECT_EQ(request, MakeAsReqUdpDialogue(Target("Corp.Example"))->Start()) << "deterministic";
  const Bytes fallback = MakeAsReqUdpDialogue(Target(""))->Start();
  EXPECT_NE(std::string(fallback.begin(), fallback.end()).find("PORTOLAN.INVALID"), std::string::npos);
}

TEST(KerberosDialogueTest, TcpPrefixesTheSameRequestWithItsLength) {
  const Bytes udp = MakeAsReqUdpDialogue(Target())->Start();
  const Bytes tcp = MakeAsReqTcpDialogue(Target())->Start();
  EXPECT_EQ(tcp, FrameForTcp(udp));
}

TEST(KerberosDialogueTest, AKrbErrorVerifiesAKdc) {
  const auto dialogue = MakeAsReqUdpDialogue(Target());
  const Step step = Feed(*dialogue, KrbErrorBytes(6));
  ASSERT_EQ(step.kind, Step::Kind::kVerified) << step.detail;
  EXPECT_EQ(step.detail, "KDC answered KRB-ERROR 6 KDC_ERR_C_PRINCIPAL_UNKNOWN, realm CORP.EXAMPLE");
}

TEST(KerberosDialogueTest, ResponseTooBigOverUdpSaysRetryOverTcp) {
  const Step udp = Feed(*MakeAsReqUdpDialogue(Target()), KrbErrorBytes(52));
  ASSERT_EQ(udp.kind, Step::Kind::kVerified);
  EXPECT_EQ(udp.detail, "KDC answered KRB-ERROR 52 KRB_ERR_RESPONSE_TOO_BIG, realm CORP.EXAMPLE (retry over TCP)");
  const Step tcp = Feed(*MakeAsReqTcpDialogue(Target()), FrameForTcp(KrbErrorBytes(52)));
  ASSERT_EQ(tcp.kind, Step::Kind::kVerified);
  EXPECT_EQ(tcp.detail.find("retry"), std::string::npos);
}

TEST(KerberosDialogueTest, TcpAnswersCanArriveInPieces) {
  const auto dialogue = MakeAsReqTcpDialogue(Target());
  const Bytes answer = FrameForTcp(KrbErrorBytes(25));
  for (const std::size_t cut : {std::size_t{0}, std::size_t{2}, std::size_t{4}, std::size_t{20}, answer.size() - 1}) {
    const Bytes part(answer.begin(), answer.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(Feed(*dialogue, part).kind, Step::Kind::kNeedMore) << cut;
  }
  const Step step = Feed(*dialogue, answer);
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("25 KDC_ERR_PREAUTH_REQUIRED"), std::string::npos);
  const Step closed = Feed(*dialogue, Bytes(answer.begin(), answer.begin() + 20), true);
  EXPECT_EQ(closed.kind, Step::Kind::kWrongService);
  EXPECT_NE(closed.detail.find("closed inside a Kerberos record"), std::string::npos);
}

TEST(KerberosDialogueTest, ForeignAnswersAreWrongServices) {
  const auto tcp = MakeAsReqTcpDialogue(Target());
  const Step http = Feed(*tcp, Text("HTTP/1.1 400 Bad Request\r\n\r\n"));
  EXPECT_EQ(http.kind, Step::Kind::kWrongService);
  EXPECT_NE(http.detail.find("looks like HTTP"), std::string::npos) << http.detail;
  const Step empty = Feed(*tcp, {}, true);
  EXPECT_EQ(empty.kind, Step::Kind::kWrongService);
  EXPECT_EQ(empty.detail, "connection closed without an answer");
  // A well-framed record that holds no Kerberos message.
  EXPECT_EQ(Feed(*tcp, FrameForTcp(Text("hello"))).kind, Step::Kind::kWrongService);

  const auto udp = MakeAsReqUdpDialogue(Target());
  EXPECT_EQ(Feed(*udp, {}).kind, Step::Kind::kWrongService);
  EXPECT_EQ(Feed(*udp, Text("garbage")).kind, Step::Kind::kWrongService);
  // Our own request echoed back by a reflector is not a KDC.
  EXPECT_EQ(Feed(*udp, udp->Start()).kind, Step::Kind::kWrongService);
}

}  // namespace
}  // namespace portolan::probe::kerberos
