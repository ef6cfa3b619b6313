// HTTP codec and dialogue: the requests against RFC 9112 3 (request line, Host), status-line and
// field parsing (RFC 9112 4, 5), the management point's MP list and the ranged GET of the direct
// probe (RFC 9110 14.2). Proxies, methods and BITS checks: http_proxy_test.cpp.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "probe/http/http_codec.hpp"
#include "probe/http/http_dialogue.hpp"

namespace portolan::probe::http {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes B(const std::string& text) {
  return Bytes(text.begin(), text.end());
}
std::string S(const Bytes& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

ProbeTarget Mp() {
  return {"10.0.0.20", 80, "corp.example", "SMS01", {"management-point"}};
}
ProbeTarget Dp() {
  return {"10.0.0.21", 80, "corp.example", "DP01", {"distribution-point"}};
}

const std::string kMpList =
    "HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/6.0\r\nContent-Type: text/plain\r\nContent-Length: 88\r\n\r\n"
    "<MPList><MP Name=\"SMS01\" FQDN=\"sms01.corp.example\"><Version>2503</Version></MP></MPList>";

TEST(HttpCodec, Requests) {
  EXPECT_EQ(BuildGetRequest("10.0.0.20", kMpListPath),
            "GET /sms_mp/.sms_aut?mplist HTTP/1.1\r\nHost: 10.0.0.20\r\nUser-Agent: portolan-probe\r\nAccept: "
            "*/*\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(BuildRequest("HEAD", "http://h/x", "h", "Range: bytes=0-0\r\n", true),
            "HEAD http://h/x HTTP/1.1\r\nHost: h\r\nUser-Agent: portolan-probe\r\nAccept: */*\r\nRange: "
            "bytes=0-0\r\n\r\n");
}

TEST(HttpCodec, ParsesStatusAndFields) {
  const auto result = ParseResponseHead(B("HTTP/1.0 404 Not Found\nserver:  nginx/1.22.1 \nX: y\n\nbody"));
  ASSERT_EQ(result.state, HeadState::kComplete);
  EXPECT_EQ(result.head->status, 404);
  EXPECT_EQ(result.head->minor, 0);
  EXPECT_EQ(result.head->reason, "Not Found");
  EXPECT_EQ(result.head->Field("Server"), "nginx/1.22.1");
  EXPECT_EQ(result.head->size, 52u);
}

TEST(HttpCodec, IncompleteNotHttpAndTooLong) {
  EXPECT_EQ(ParseResponseHead(B("HT")).state, HeadState::kIncomplete);
  EXPECT_EQ(ParseResponseHead(B("HTTP/1.1 200 OK\r\nServer: x\r\n")).state, HeadState::kIncomplete);
  EXPECT_EQ(ParseResponseHead(B("SSH-2.0-OpenSSH_9.2\r\n")).state, HeadState::kNotHttp);
  EXPECT_EQ(ParseResponseHead(B("HTTP/2 200\r\n\r\n")).state, HeadState::kNotHttp);
  EXPECT_EQ(ParseResponseHead(B("HTTP/1.1 2x0 OK\r\n\r\n")).state, HeadState::kNotHttp);
  std::string endless = "HTTP/1.1 200 OK\r\n";
  while (endless.size() < kMaxHeaderBytes + 100) endless += "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaa\r\n";
  EXPECT_EQ(ParseResponseHead(B(endless)).state, HeadState::kTooLong);
}

TEST(HttpDialogue, ManagementPointGetsTheMpListRequest) {
  const auto dialogue = MakeHttpDialogue(Mp());
  ASSERT_NE(dialogue, nullptr);
  EXPECT_EQ(S(dialogue->Start()).rfind("GET /sms_mp/.sms_aut?mplist HTTP/1.1\r\nHost: 10.0.0.20\r\n", 0), 0u);
}

TEST(HttpDialogue, OthersGetARangedGetWithTheirAuthority) {
  const std::string request = S(MakeHttpDialogue(Dp())->Start());
  EXPECT_EQ(request.rfind("GET / HTTP/1.1\r\nHost: 10.0.0.21\r\n", 0), 0u);
  // RFC 9110 14.2: Range is defined for GET only; a HEAD with a range proves nothing.
  EXPECT_NE(request.find("\r\nRange: bytes=0-0\r\n"), std::string::npos);
  EXPECT_NE(request.find("\r\nConnection: close\r\n\r\n"), std::string::npos);
  const ProbeTarget v6 = {"2001:db8::10", 8080, "", "", {}};
  EXPECT_NE(S(MakeHttpDialogue(v6)->Start()).find("Host: [2001:db8::10]:8080\r\n"), std::string::npos);
}

TEST(HttpDialogue, MpListVerified) {
  const auto dialogue = MakeHttpDialogue(Mp());
  dialogue->Start();
  const Step step = dialogue->OnReceive(B(kMpList), false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified) << step.detail;
  EXPECT_EQ(step.detail,
            "HTTP/1.1 200 OK; Server: Microsoft-IIS/6.0; MP list returned (<MPList> XML): an SMS management point");
}

TEST(HttpDialogue, MpListSplitWaitsForTheBody) {
  const auto dialogue = MakeHttpDialogue(Mp());
  dialogue->Start();
  for (std::size_t cut : {1u, 10u, 40u, 100u}) {
    EXPECT_EQ(dialogue->OnReceive(B(kMpList.substr(0, cut)), false).kind, Step::Kind::kNeedMore) << cut;
  }
  EXPECT_EQ(dialogue->OnReceive(B(kMpList), false).kind, Step::Kind::kVerified);
}

TEST(HttpDialogue, MpRequestAnsweredWith404OrOtherBody) {
  const auto dialogue = MakeHttpDialogue(Mp());
  dialogue->Start();
  const Step not_found = dialogue->OnReceive(B("HTTP/1.1 404 Not Found\r\nServer: nginx\r\n\r\n"), false);
  ASSERT_EQ(not_found.kind, Step::Kind::kVerified);
  EXPECT_EQ(not_found.detail, "HTTP/1.1 404 Not Found; Server: nginx; no MP list (not an SMS MP?)");
  const Step other = dialogue->OnReceive(B("HTTP/1.1 200 OK\r\n\r\n<html>hello</html>"), true);
  ASSERT_EQ(other.kind, Step::Kind::kVerified);
  EXPECT_NE(other.detail.find("no <MPList>"), std::string::npos);
}

TEST(HttpDialogue, RangedGetReportsRangeSupport) {
  const auto dialogue = MakeHttpDialogue(Dp());
  dialogue->Start();
  Step step = dialogue->OnReceive(
      B("HTTP/1.1 206 Partial Content\r\nServer: nginx/1.22.1\r\nContent-Range: bytes 0-0/13\r\nContent-Length: "
        "1\r\n\r\np"),
      false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_EQ(step.detail,
            "HTTP/1.1 206 Partial Content; Server: nginx/1.22.1; ranges served (206, Content-Range: bytes 0-0/13)");
  // 200 to a ranged GET: the range was ignored. Accept-Ranges proves nothing either way (RFC 9110
  // 14.3: optional), so it is not read. The body is not waited for.
  step = dialogue->OnReceive(B("HTTP/1.1 200 OK\r\nAccept-Ranges: bytes\r\nContent-Length: 1048576\r\n\r\nxx"), false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("Range ignored (200 to bytes=0-0)"), std::string::npos) << step.detail;
  EXPECT_EQ(step.detail.find("Accept-Ranges"), std::string::npos) << step.detail;
  step = dialogue->OnReceive(B("HTTP/1.1 206 Partial Content\r\n\r\n"), false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("206 without a valid Content-Range"), std::string::npos) << step.detail;
  step = dialogue->OnReceive(B("HTTP/1.1 404 Not Found\r\n\r\n"), false);
  EXPECT_EQ(step.detail, "HTTP/1.1 404 Not Found");
}

TEST(HttpDialogue, InterimAnswersAreSkipped) {
  const auto dialogue = MakeHttpDialogue(Dp());
  dialogue->Start();
  EXPECT_EQ(dialogue->OnReceive(B("HTTP/1.1 100 Continue\r\n\r\n"), false).kind, Step::Kind::kNeedMore);
  const Step step = dialogue->OnReceive(B("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\n\r\n"), false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_EQ(step.detail, "HTTP/1.1 404 Not Found");
  EXPECT_EQ(dialogue->OnReceive(B("HTTP/1.1 100 Continue\r\n\r\n"), true).kind, Step::Kind::kWrongService);
}

TEST(HttpDialogue, WrongServicesAndCloses) {
  const auto dialogue = MakeHttpDialogue(Dp());
  dialogue->Start();
  const Step ssh = dialogue->OnReceive(B("SSH-2.0-OpenSSH_9.2p1\r\n"), false);
  ASSERT_EQ(ssh.kind, Step::Kind::kWrongService);
  EXPECT_NE(ssh.detail.find("'SSH-2.0-OpenSSH_"), std::string::npos) << ssh.detail;
  EXPECT_EQ(dialogue->OnReceive(Bytes{0x16, 0x03, 0x01}, false).kind, Step::Kind::kWrongService);
  EXPECT_EQ(dialogue->OnReceive({}, true).kind, Step::Kind::kWrongService);
  EXPECT_EQ(dialogue->OnReceive(B("HTTP/1.1 20"), true).kind, Step::Kind::kWrongService);
  const Step cut = dialogue->OnReceive(B("HTTP/1.1 200 OK\r\nServer: x"), true);
  ASSERT_EQ(cut.kind, Step::Kind::kVerified);
  EXPECT_NE(cut.detail.find("closed inside the header section"), std::string::npos);
}

TEST(HttpDialogue, UnprintableReasonIsSanitised) {
  const auto dialogue = MakeHttpDialogue(Dp());
  dialogue->Start();
  const Step step = dialogue->OnReceive(B("HTTP/1.1 200 O\x01K\r\n\r\n"), false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("200 O\\x01K"), std::string::npos);
}

}  // namespace
}  // namespace portolan::probe::http
