// DNS codec and dialogues: the query field by field against RFC 1035 4.1.1-4.1.2, the TCP length
// prefix (RFC 1035 4.2.2), hand-built responses with compressed SRV answers (RFC 2782), and
// hostile names (pointer loops, forward pointers, overlong names).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "probe/dns/dns_codec.hpp"
#include "probe/dns/dns_dialogue.hpp"

namespace portolan::probe::dns {
namespace {

using Bytes = std::vector<std::uint8_t>;

void Put16(Bytes& out, unsigned value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

ProbeTarget Target(const std::string& domain) {
  return {"10.0.0.10", 53, domain, "DC01", {}};
}

// The response to `query` (no TCP prefix): QR set, the question echoed, then SRV answers whose
// owner is a pointer to the question (0xC00C) and whose targets are "dcN" + a pointer to the
// domain part of the question.
Bytes Response(const Bytes& query, unsigned rcode, int srv_answers, bool authoritative = true) {
  Bytes out = query;
  out[2] = static_cast<std::uint8_t>(0x80 | (authoritative ? 0x04 : 0) | 0x01);  // QR, AA, RD
  out[3] = static_cast<std::uint8_t>(0x80 | rcode);                              // RA, RCODE
  out[6] = 0;
  out[7] = static_cast<std::uint8_t>(srv_answers);
  // "_ldap._tcp.dc._msdcs." is 6+5+3+7 = 21 bytes of labels: the domain starts at 12 + 21.
  const unsigned domain_at = 12 + 21;
  for (int i = 0; i < srv_answers; ++i) {
    Put16(out, 0xC00C);
    Put16(out, kTypeSrv);
    Put16(out, kClassIn);
    Put16(out, 0);
    Put16(out, 600);        // TTL
    Put16(out, 6 + 4 + 2);  // RDLENGTH: priority, weight, port, "dcN", pointer
    Put16(out, 0);
    Put16(out, 100);
    Put16(out, 389);
    out.push_back(3);
    out.push_back('d');
    out.push_back('c');
    out.push_back(static_cast<std::uint8_t>('1' + i));
    Put16(out, 0xC000 | domain_at);
  }
  return out;
}

Bytes Query(const std::unique_ptr<Dialogue>& dialogue) {
  return dialogue->Start();
}

TEST(DnsCodec, EncodeName) {
  EXPECT_EQ(*EncodeName("a.bc"), (Bytes{1, 'a', 2, 'b', 'c', 0}));
  EXPECT_EQ(*EncodeName("a.bc."), (Bytes{1, 'a', 2, 'b', 'c', 0}));
  EXPECT_EQ(*EncodeName(""), Bytes{0});
  EXPECT_EQ(*EncodeName("."), Bytes{0});
  EXPECT_FALSE(EncodeName("a..b"));
  EXPECT_FALSE(EncodeName(std::string(64, 'x') + ".example"));
  std::string long_name;
  for (int i = 0; i < 30; ++i) long_name += "abcdefghi.";
  EXPECT_FALSE(EncodeName(long_name));  // 300 bytes
}

TEST(DnsCodec, QueryFieldByField) {
  const Bytes query = BuildQuery(0x1234, *EncodeName("x.y"), kTypeSrv);
  const Bytes expected = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,  // id, RD, QDCOUNT 1
                          1,    'x',  1,    'y',  0,                       // QNAME
                          0,    33,   0,    1};                            // QTYPE SRV, QCLASS IN
  EXPECT_EQ(query, expected);
  const Bytes tcp = WithTcpLength(query);
  ASSERT_EQ(tcp.size(), query.size() + 2);
  EXPECT_EQ(tcp[0], 0);
  EXPECT_EQ(tcp[1], query.size());
}

TEST(DnsCodec, ParsesCompressedSrvAnswers) {
  const auto dialogue = MakeSrvQueryUdpDialogue(Target("corp.example"));
  const auto parsed = ParseResponse(Response(Query(dialogue), 0, 2));
  ASSERT_TRUE(parsed.response);
  EXPECT_EQ(parsed.error, "");
  ASSERT_EQ(parsed.response->srv.size(), 2u);
  EXPECT_EQ(parsed.response->srv[0].target, "dc1.corp.example");
  EXPECT_EQ(parsed.response->srv[1].target, "dc2.corp.example");
  EXPECT_EQ(parsed.response->srv[0].port, 389);
  EXPECT_EQ(parsed.response->srv[0].weight, 100);
}

TEST(DnsCodec, PointerLoopsAndForwardPointersAreRefused) {
  // Header with one question whose name is a pointer to itself.
  Bytes self = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
  EXPECT_NE(ParseResponse(self).error, "");
  // A pointer forward (the question's tail points at the answer's owner): refused, since
  // only backward pointers guarantee that a chain ends.
  Bytes forward = {0, 1, 0x81, 0x80, 0,    1,  0, 1,  0, 0, 0, 0, 1, 'a', 0xC0, 20,
                   0, 1, 0,    1,    0xC0, 12, 0, 33, 0, 1, 0, 0, 0, 0,   0,    0};
  EXPECT_NE(ParseResponse(forward).error, "");
  // A backward pointer is fine: the second question is "b" + the first ("a").
  Bytes chain = {0, 1, 0x81, 0x80, 0, 2, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1, 1, 'b', 0xC0, 12, 0, 1, 0, 1};
  EXPECT_EQ(ParseResponse(chain).error, "");
}

TEST(DnsCodec, RcodeNames) {
  EXPECT_EQ(RcodeName(0), "NOERROR");
  EXPECT_EQ(RcodeName(3), "NXDOMAIN");
  EXPECT_EQ(RcodeName(5), "REFUSED");
  EXPECT_EQ(RcodeName(15), "RCODE 15");
}

TEST(DnsDialogue, UdpQueryAsksForTheDcLocator) {
  const auto dialogue = MakeSrvQueryUdpDialogue(Target("corp.example"));
  const Bytes query = Query(dialogue);
  const Bytes expected_name = *EncodeName("_ldap._tcp.dc._msdcs.corp.example");
  ASSERT_EQ(query.size(), 12 + expected_name.size() + 4);
  EXPECT_EQ(Bytes(query.begin() + 12, query.end() - 4), expected_name);
  EXPECT_EQ(query[2], 0x01);  // RD
  EXPECT_EQ(query[query.size() - 3], kTypeSrv);
  // The id is the same for the same target and differs for another.
  EXPECT_EQ(Query(MakeSrvQueryUdpDialogue(Target("corp.example"))), query);
  EXPECT_NE(Query(MakeSrvQueryUdpDialogue({"10.0.0.11", 53, "corp.example", "", {}}))[1], query[1]);
}

TEST(DnsDialogue, VerifiedWithSrvTargets) {
  const auto dialogue = MakeSrvQueryUdpDialogue(Target("corp.example"));
  const Step step = dialogue->OnReceive(Response(Query(dialogue), 0, 2), false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified) << step.detail;
  EXPECT_EQ(step.detail,
            "DNS NOERROR for _ldap._tcp.dc._msdcs.corp.example SRV: dc1.corp.example:389, dc2.corp.example:389; AA");
}

TEST(DnsDialogue, NxdomainStillProvesDns) {
  const auto dialogue = MakeSrvQueryUdpDialogue(Target("corp.example"));
  const Step step = dialogue->OnReceive(Response(Query(dialogue), 3, 0, false), false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_EQ(step.detail, "DNS NXDOMAIN for _ldap._tcp.dc._msdcs.corp.example SRV: no DC locator record");
}

TEST(DnsDialogue, NoDomainAsksTheRootAndSaysSo) {
  const auto dialogue = MakeSrvQueryUdpDialogue(Target(""));
  Bytes query = Query(dialogue);
  EXPECT_EQ(query[12], 0);        // the root name
  EXPECT_EQ(query[14], kTypeNs);  // QTYPE NS
  Bytes response = query;
  response[2] = 0x81;
  response[3] = 0x05;  // REFUSED
  const Step step = dialogue->OnReceive(response, false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("DNS REFUSED for . NS (no domain known"), std::string::npos) << step.detail;
}

TEST(DnsDialogue, BadDomainFallsBackToTheRoot) {
  const auto dialogue = MakeSrvQueryUdpDialogue(Target("bad..domain"));
  EXPECT_EQ(Query(dialogue)[12], 0);
}

TEST(DnsDialogue, WrongIdQueryEchoAndGarbageAreWrongService) {
  const auto dialogue = MakeSrvQueryUdpDialogue(Target("corp.example"));
  const Bytes query = Query(dialogue);
  Bytes other = Response(query, 0, 1);
  other[0] ^= 0xFF;
  EXPECT_EQ(dialogue->OnReceive(other, false).kind, Step::Kind::kWrongService);
  const Step echo = dialogue->OnReceive(query, false);
  ASSERT_EQ(echo.kind, Step::Kind::kWrongService);
  EXPECT_NE(echo.detail.find("QR=0"), std::string::npos);
  EXPECT_EQ(dialogue->OnReceive(Bytes{1, 2, 3}, false).kind, Step::Kind::kWrongService);
  EXPECT_EQ(dialogue->OnReceive({}, false).kind, Step::Kind::kNeedMore);
}

TEST(DnsDialogue, TruncatedUdpAnswerIsVerifiedWithANote) {
  const auto dialogue = MakeSrvQueryUdpDialogue(Target("corp.example"));
  Bytes response = Response(Query(dialogue), 0, 2);
  response[2] |= 0x02;  // TC
  response.resize(response.size() - 5);
  const Step step = dialogue->OnReceive(response, false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("TC=1"), std::string::npos);
  EXPECT_NE(step.detail.find("answer 2"), std::string::npos) << step.detail;
}

TEST(DnsDialogue, TcpQueryHasTheLengthPrefix) {
  const auto tcp = MakeSrvQueryTcpDialogue(Target("corp.example"));
  const auto udp = MakeSrvQueryUdpDialogue(Target("corp.example"));
  const Bytes query = Query(udp);
  EXPECT_EQ(Query(tcp), WithTcpLength(query));
}

TEST(DnsDialogue, TcpSplitAnswerNeedsMoreThenVerifies) {
  const auto dialogue = MakeSrvQueryTcpDialogue(Target("corp.example"));
  const Bytes query = Query(dialogue);
  const Bytes response = WithTcpLength(Response(Bytes(query.begin() + 2, query.end()), 0, 1));
  for (std::size_t cut : {1u, 2u, 4u, 13u, 40u}) {
    const Bytes part(response.begin(), response.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(dialogue->OnReceive(part, false).kind, Step::Kind::kNeedMore) << cut;
  }
  const Step step = dialogue->OnReceive(response, false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("dc1.corp.example:389"), std::string::npos);
}

TEST(DnsDialogue, TcpTruncatedClosedEmptyAndHttpAreWrongService) {
  const auto dialogue = MakeSrvQueryTcpDialogue(Target("corp.example"));
  const Bytes query = Query(dialogue);
  const Bytes response = WithTcpLength(Response(Bytes(query.begin() + 2, query.end()), 0, 1));
  EXPECT_EQ(dialogue->OnReceive(Bytes(response.begin(), response.begin() + 20), true).kind, Step::Kind::kWrongService);
  EXPECT_EQ(dialogue->OnReceive({}, true).kind, Step::Kind::kWrongService);
  const std::string http = "HTTP/1.1 400 Bad Request\r\n";
  const Step step = dialogue->OnReceive(Bytes(http.begin(), http.end()), false);
  ASSERT_EQ(step.kind, Step::Kind::kWrongService);
  EXPECT_NE(step.detail.find("'HTTP/1.1 400 Bad'"), std::string::npos) << step.detail;
}

}  // namespace
}  // namespace portolan::probe::dns
