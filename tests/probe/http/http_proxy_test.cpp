// HTTP through a proxy, method pass-through and BITS download fitness: the requests (absolute
// form, RFC 9112 3.2.2; Range, RFC 9110 14.2), who answered (Squid 5.7's own pages and relayed
// nginx answers, as proxy.md section 3 records them), the BITS checks step by step, the field
// readers they use (Content-Range, RFC 9110 14.4; Proxy-Authenticate, RFC 9110 11.7.1), and
// which checks a spec becomes.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "probe/http/http_checks.hpp"
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
ProxyEndpoint Proxy() {
  return {"10.0.0.5", 3128};
}
HttpProbeOptions ThroughProxy(HttpCheck check = HttpCheck::kGet, std::string path = {}) {
  return {check, std::move(path), Proxy()};
}

const std::string kMpList =
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 63\r\nVia: 1.1 prx (squid/5.7)\r\nX-Cache: MISS "
    "from prx\r\n\r\n<MPList><MP Name=\"SMS01\" FQDN=\"sms01.lab.example\"/></MPList>";
// Squid's own pages (proxy.md section 3: Server: squid/5.7, X-Squid-Error, Mime-Version).
const std::string kSquidDenied =
    "HTTP/1.1 403 Forbidden\r\nServer: squid/5.7\r\nMime-Version: 1.0\r\nContent-Type: text/html\r\n"
    "Content-Length: 3\r\nX-Squid-Error: ERR_ACCESS_DENIED 0\r\nVia: 1.1 prx (squid/5.7)\r\n\r\n<p>";
const std::string kSquidConnectFail =
    "HTTP/1.1 503 Service Unavailable\r\nServer: squid/5.7\r\nX-Squid-Error: ERR_CONNECT_FAIL 111\r\n"
    "Content-Length: 0\r\n\r\n";
const std::string kSquidAuth =
    "HTTP/1.1 407 Proxy Authentication Required\r\nServer: squid/5.7\r\nX-Squid-Error: ERR_CACHE_ACCESS_DENIED 0\r\n"
    "Proxy-Authenticate: NTLM\r\nProxy-Authenticate: Basic realm=\"portolan-lab\"\r\nContent-Length: 0\r\n\r\n";

struct Answered {
  Step step;
  std::optional<Verdict> refined;
};
Answered Answer(HttpProbeDialogue& dialogue, const std::string& bytes, bool closed = false) {
  Step step = dialogue.OnReceive(B(bytes), closed);
  return {std::move(step), dialogue.Refined()};
}

// --- the codec's field readers ----------------------------------------------------------------------

TEST(HttpFields, ContentLengthAndContentRange) {
  const auto head =
      ParseResponseHead(B("HTTP/1.1 206 P\r\nContent-Length: 1000\r\nContent-Range: bytes 524288-525287/"
                          "1048576\r\nConnection: keep-alive, Close\r\n\r\n"));
  ASSERT_EQ(head.state, HeadState::kComplete);
  EXPECT_EQ(ContentLength(*head.head), 1000u);
  const auto range = ParseContentRange(*head.head->Field("Content-Range"));
  ASSERT_TRUE(range);
  EXPECT_EQ(range->first, 524288u);
  EXPECT_EQ(range->last, 525287u);
  EXPECT_EQ(range->complete, 1048576u);
  EXPECT_TRUE(HasToken(*head.head, "Connection", "close"));
  EXPECT_FALSE(HasToken(*head.head, "Connection", "upgrade"));
  EXPECT_FALSE(ParseContentRange("bytes 0-0/*")->complete);
  for (const char* bad : {"", "bytes", "bytes 5-4/10", "bytes 0-9/9", "items 0-0/1", "bytes -1-0/2", "bytes 0-0",
                          "bytes 0-0/1x", "bytes 0-0/9999999999999999999999"}) {
    EXPECT_FALSE(ParseContentRange(bad)) << bad;
  }
  EXPECT_FALSE(ContentLength(*ParseResponseHead(B("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")).head));
  EXPECT_FALSE(ContentLength(*ParseResponseHead(B("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n")).head));
}

TEST(HttpFields, ProxyChallenges) {
  const auto head = ParseResponseHead(
      B("HTTP/1.1 407 X\r\nProxy-Authenticate: NTLM\r\nProxy-Authenticate: Basic realm=\"a, b\", charset=\"UTF-8\"\r\n"
        "Proxy-Authenticate: Negotiate, Digest realm=\"d\", nonce=\"n=1\"\r\n\r\n"));
  EXPECT_EQ(ProxyChallenges(*head.head),
            (std::vector<std::string>{"NTLM", "Basic realm=\"a, b\"", "Negotiate", "Digest realm=\"d\""}));
}

TEST(HttpFields, Base64) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("Aladdin:open sesame"), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");  // RFC 7617 2
}

// --- through a proxy: requests and who answered ------------------------------------------------------

TEST(HttpProxy, AbsoluteFormWithHostAndCredentials) {
  ProxyEndpoint proxy = Proxy();
  proxy.basic_credentials = "Aladdin:open sesame";
  const std::string request = S(MakeHttpProbeDialogue(Mp(), {HttpCheck::kGet, {}, proxy})->Start());
  EXPECT_EQ(request.rfind("GET http://10.0.0.20/sms_mp/.sms_aut?mplist HTTP/1.1\r\nHost: 10.0.0.20\r\n", 0), 0u)
      << request;
  EXPECT_NE(request.find("\r\nProxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"), std::string::npos);
  EXPECT_NE(request.find("\r\nCache-Control: no-cache\r\n"), std::string::npos);
  const ProbeTarget v6 = {"2001:db8::10", 8080, "", "", {}};
  const std::string bracketed = S(MakeHttpProbeDialogue(v6, ThroughProxy())->Start());
  EXPECT_EQ(bracketed.rfind("GET http://[2001:db8::10]:8080/ HTTP/1.1\r\nHost: [2001:db8::10]:8080\r\n", 0), 0u);
  EXPECT_EQ(ProxyEndpoint({"2001:db8::5", 3128}).Authority(), "[2001:db8::5]:3128");
}

TEST(HttpProxy, OriginAnsweredThroughTheProxy) {
  const auto dialogue = MakeHttpProbeDialogue(Mp(), ThroughProxy());
  dialogue->Start();
  const auto answer = Answer(*dialogue, kMpList);
  ASSERT_EQ(answer.step.kind, Step::Kind::kVerified) << answer.step.detail;
  EXPECT_FALSE(answer.refined);
  EXPECT_EQ(answer.step.detail,
            "through proxy 10.0.0.5:3128: HTTP/1.1 200 OK; origin Server: nginx/1.22.1; Via: 1.1 prx (squid/5.7); "
            "X-Cache: MISS from prx; MP list returned (<MPList> XML): an SMS management point");
}

TEST(HttpProxy, TheOriginsOwn403IsNotTheProxys) {
  const auto dialogue = MakeHttpProbeDialogue(Mp(), ThroughProxy());
  dialogue->Start();
  const auto answer =
      Answer(*dialogue, "HTTP/1.1 403 Forbidden\r\nServer: nginx/1.22.1\r\nVia: 1.1 prx (squid/5.7)\r\n\r\n");
  ASSERT_EQ(answer.step.kind, Step::Kind::kVerified);
  EXPECT_FALSE(answer.refined);
  EXPECT_NE(answer.step.detail.find("403 Forbidden; origin Server: nginx/1.22.1; Via: 1.1 prx"), std::string::npos);
}

TEST(HttpProxy, DeniedByTheProxy) {
  const auto dialogue = MakeHttpProbeDialogue(Mp(), ThroughProxy());
  dialogue->Start();
  auto answer = Answer(*dialogue, kSquidDenied);
  ASSERT_EQ(answer.step.kind, Step::Kind::kWrongService);
  EXPECT_EQ(answer.refined, Verdict::kProxyDenied);
  EXPECT_EQ(answer.step.detail,
            "through proxy 10.0.0.5:3128: GET /sms_mp/.sms_aut?mplist: refused by the proxy itself: HTTP/1.1 403 "
            "Forbidden; X-Squid-Error: ERR_ACCESS_DENIED 0; Server: squid/5.7");
  // Any one mark is enough: the Server alone, or a Proxy-Status field (RFC 9209).
  answer = Answer(*dialogue, "HTTP/1.1 403 Forbidden\r\nServer: squid\r\n\r\n");
  EXPECT_EQ(answer.refined, Verdict::kProxyDenied);
  answer = Answer(*dialogue, "HTTP/1.1 400 Bad Request\r\nProxy-Status: edge; error=http_request_denied\r\n\r\n");
  EXPECT_EQ(answer.refined, Verdict::kProxyDenied);
}

TEST(HttpProxy, AuthenticationRequired) {
  ProxyEndpoint proxy = Proxy();
  const auto dialogue = MakeHttpProbeDialogue(Dp(), {HttpCheck::kGet, {}, proxy});
  dialogue->Start();
  auto answer = Answer(*dialogue, kSquidAuth);
  ASSERT_EQ(answer.step.kind, Step::Kind::kWrongService);
  EXPECT_EQ(answer.refined, Verdict::kProxyAuthRequired);
  EXPECT_EQ(answer.step.detail,
            "through proxy 10.0.0.5:3128: GET /: 407 from the proxy; it offers NTLM, Basic realm=\"portolan-lab\"; "
            "X-Squid-Error: ERR_CACHE_ACCESS_DENIED 0");
  proxy.basic_credentials = "u:p";
  const auto with_credentials = MakeHttpProbeDialogue(Dp(), {HttpCheck::kGet, {}, proxy});
  with_credentials->Start();
  answer = Answer(*with_credentials, "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
  EXPECT_EQ(answer.refined, Verdict::kProxyAuthRequired);
  EXPECT_NE(answer.step.detail.find("no Proxy-Authenticate challenge; the Basic credentials given were refused"),
            std::string::npos)
      << answer.step.detail;
}

TEST(HttpProxy, UpstreamFailed) {
  const auto dialogue = MakeHttpProbeDialogue(Mp(), ThroughProxy());
  dialogue->Start();
  auto answer = Answer(*dialogue, kSquidConnectFail);
  EXPECT_EQ(answer.refined, Verdict::kUpstreamFailed);
  EXPECT_NE(answer.step.detail.find("could not get an answer from the origin: HTTP/1.1 503 Service Unavailable; "
                                    "X-Squid-Error: ERR_CONNECT_FAIL 111"),
            std::string::npos)
      << answer.step.detail;
  answer = Answer(*dialogue,
                  "HTTP/1.1 504 Gateway Timeout\r\nServer: squid/5.7\r\nX-Squid-Error: ERR_READ_TIMEOUT 0\r\n\r\n");
  EXPECT_EQ(answer.refined, Verdict::kUpstreamFailed);
  // 502 and 504 are gateway statuses whoever marks them; an unmarked 503 is the origin's.
  answer = Answer(*dialogue, "HTTP/1.1 502 Bad Gateway\r\nVia: 1.1 other\r\n\r\n");
  EXPECT_EQ(answer.refined, Verdict::kUpstreamFailed);
  EXPECT_NE(answer.step.detail.find("(relayed: HTTP/1.1 502 Bad Gateway; Via: 1.1 other)"), std::string::npos)
      << answer.step.detail;
  answer = Answer(*dialogue, "HTTP/1.1 503 Service Unavailable\r\nServer: Microsoft-IIS/6.0\r\nVia: 1.1 prx\r\n\r\n");
  EXPECT_EQ(answer.step.kind, Step::Kind::kVerified);
  EXPECT_FALSE(answer.refined);
}

TEST(HttpProxy, HostileProxyIsAWrongService) {
  const auto dialogue = MakeHttpProbeDialogue(Mp(), ThroughProxy());
  dialogue->Start();
  auto answer = Answer(*dialogue, "\x16\x03\x01 garbage");
  EXPECT_EQ(answer.step.kind, Step::Kind::kWrongService);
  EXPECT_FALSE(answer.refined);
  EXPECT_EQ(answer.step.detail.rfind("through proxy 10.0.0.5:3128: not HTTP", 0), 0u) << answer.step.detail;
  std::string endless = "HTTP/1.1 200 OK\r\n";
  while (endless.size() < kMaxHeaderBytes + 100) endless += "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaa\r\n";
  answer = Answer(*dialogue, endless);
  EXPECT_EQ(answer.step.kind, Step::Kind::kWrongService);
  answer = Answer(*dialogue, "HTTP/1.1 200 OK\r\nServer: x", true);
  EXPECT_EQ(answer.step.kind, Step::Kind::kWrongService);  // direct, a status line would do
}

// --- methods --------------------------------------------------------------------------------------------

TEST(HttpMethods, RequestsHaveNoBodyAndTheirFields) {
  const auto ccm = S(MakeHttpProbeDialogue(Mp(), ThroughProxy(HttpCheck::kCcmPost))->Start());
  EXPECT_EQ(ccm.rfind("CCM_POST http://10.0.0.20/ccm_system/request HTTP/1.1\r\n", 0), 0u) << ccm;
  EXPECT_NE(ccm.find("\r\nContent-Length: 0\r\n"), std::string::npos);
  const auto bits = S(MakeHttpProbeDialogue(Mp(), ThroughProxy(HttpCheck::kBitsPost))->Start());
  EXPECT_EQ(bits.rfind("BITS_POST http://10.0.0.20/CCM_Incoming/ HTTP/1.1\r\n", 0), 0u) << bits;
  EXPECT_NE(bits.find("\r\nBITS-Packet-Type: Ping\r\n"), std::string::npos);
  EXPECT_NE(bits.find("\r\nContent-Length: 0\r\n"), std::string::npos);
  const auto propfind = S(MakeHttpProbeDialogue(Dp(), ThroughProxy(HttpCheck::kPropfind))->Start());
  EXPECT_EQ(propfind.rfind("PROPFIND http://10.0.0.21/ HTTP/1.1\r\n", 0), 0u) << propfind;
  EXPECT_NE(propfind.find("\r\nDepth: 0\r\n"), std::string::npos);
}

TEST(HttpMethods, AnyOriginAnswerIsPassage) {
  for (const char* status : {"405 Not Allowed", "400 Bad Request", "501 Not Implemented", "200 OK"}) {
    const auto dialogue = MakeHttpProbeDialogue(Mp(), ThroughProxy(HttpCheck::kCcmPost));
    dialogue->Start();
    const auto answer = Answer(
        *dialogue, std::string("HTTP/1.1 ") + status + "\r\nServer: nginx/1.22.1\r\nVia: 1.1 prx (squid/5.7)\r\n\r\n");
    ASSERT_EQ(answer.step.kind, Step::Kind::kVerified) << status;
    EXPECT_EQ(answer.step.detail, std::string("through proxy 10.0.0.5:3128: CCM_POST reached the origin: HTTP/1.1 ") +
                                      status + "; origin Server: nginx/1.22.1; Via: 1.1 prx (squid/5.7)");
  }
  const auto denied = MakeHttpProbeDialogue(Mp(), ThroughProxy(HttpCheck::kPropfind));
  denied->Start();
  const auto answer = Answer(*denied, kSquidDenied);
  EXPECT_EQ(answer.refined, Verdict::kProxyDenied);
  EXPECT_NE(answer.step.detail.find("PROPFIND: refused by the proxy itself"), std::string::npos);
  const auto direct = MakeHttpProbeDialogue(Mp(), {HttpCheck::kBitsPost, {}, std::nullopt});
  EXPECT_EQ(S(direct->Start()).rfind("BITS_POST /CCM_Incoming/ HTTP/1.1\r\n", 0), 0u);
  EXPECT_EQ(Answer(*direct, "HTTP/1.1 405 Not Allowed\r\n\r\n").step.detail,
            "BITS_POST answered: HTTP/1.1 405 Not Allowed");
}

// --- BITS -----------------------------------------------------------------------------------------------

// A file of 2,000 bytes, byte i = 'a' + i % 26: HEAD, bytes=0-0, bytes=1000-1999.
constexpr int kSize = 2000;
std::string Slice(int first, int last) {
  std::string bytes;
  for (int i = first; i <= last; ++i) bytes += static_cast<char>('a' + i % 26);
  return bytes;
}
std::string Partial(int first, int last, int size = kSize, const std::string& extra = {}) {
  return "HTTP/1.1 206 Partial Content\r\nServer: nginx/1.22.1\r\nContent-Range: bytes " + std::to_string(first) + "-" +
         std::to_string(last) + "/" + std::to_string(size) + "\r\nContent-Length: " + std::to_string(last - first + 1) +
         "\r\n" + extra + "\r\n" + Slice(first, last);
}
const std::string kHead =
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 2000\r\nAccept-Ranges: bytes\r\n\r\n";

TEST(HttpBits, ThreeRequestsOnOneConnection) {
  const auto dialogue = MakeHttpProbeDialogue(Dp(), {HttpCheck::kBitsFile, "/pkg/file.bin", std::nullopt});
  const std::string head = S(dialogue->Start());
  EXPECT_EQ(head.rfind("HEAD /pkg/file.bin HTTP/1.1\r\nHost: 10.0.0.21\r\n", 0), 0u) << head;
  EXPECT_EQ(head.find("Connection: close"), std::string::npos);
  EXPECT_EQ(dialogue->OnReceive(B(kHead.substr(0, 20)), false).kind, Step::Kind::kNeedMore);
  const Step first = dialogue->OnReceive(B(kHead), false);
  ASSERT_EQ(first.kind, Step::Kind::kSend) << first.detail;
  EXPECT_EQ(S(first.bytes).rfind("GET /pkg/file.bin HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(S(first.bytes).find("\r\nRange: bytes=0-0\r\n"), std::string::npos);
  EXPECT_EQ(S(first.bytes).find("Connection: close"), std::string::npos);
  const std::string one = Partial(0, 0);
  EXPECT_EQ(dialogue->OnReceive(B(one.substr(0, one.size() - 1)), false).kind, Step::Kind::kNeedMore);
  const Step middle = dialogue->OnReceive(B(one), false);
  ASSERT_EQ(middle.kind, Step::Kind::kSend) << middle.detail;
  EXPECT_NE(S(middle.bytes).find("\r\nRange: bytes=1000-1999\r\n"), std::string::npos);
  EXPECT_NE(S(middle.bytes).find("\r\nConnection: close\r\n"), std::string::npos);
  const Step done = dialogue->OnReceive(B(Partial(1000, 1999)), false);
  ASSERT_EQ(done.kind, Step::Kind::kVerified) << done.detail;
  EXPECT_FALSE(dialogue->Refined());
  EXPECT_EQ(done.detail,
            "BITS can download /pkg/file.bin: size 2000, ranges served (bytes 0-0 and 1000-1999: 206, exact "
            "Content-Range); HTTP/1.1 200 OK; Server: nginx/1.22.1");
  EXPECT_EQ(S(dialogue->Content()), Slice(0, 0) + Slice(1000, 1999));
}

TEST(HttpBits, TheMiddleSliceIsAThousandBytesAtMost) {
  const auto dialogue = MakeHttpProbeDialogue(Dp(), {HttpCheck::kBitsFile, "/f", std::nullopt});
  dialogue->Start();
  dialogue->OnReceive(B("HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n"), false);
  const Step middle = dialogue->OnReceive(B(Partial(0, 0, 1048576)), false);
  EXPECT_NE(S(middle.bytes).find("\r\nRange: bytes=524288-525287\r\n"), std::string::npos);
}

// The answer to the first ranged GET, after a good HEAD.
Answered FirstRange(const std::string& answer, const std::optional<ProxyEndpoint>& proxy = std::nullopt) {
  const auto dialogue = MakeHttpProbeDialogue(Dp(), {HttpCheck::kBitsFile, "/f", proxy});
  dialogue->Start();
  EXPECT_EQ(dialogue->OnReceive(B(kHead), false).kind, Step::Kind::kSend);
  return Answer(*dialogue, answer);
}

TEST(HttpBits, RangeIgnored) {
  // Judged on the header section: the megabyte behind it is never read.
  const auto answer = FirstRange("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\nabc");
  EXPECT_EQ(answer.refined, Verdict::kRangeIgnored);
  EXPECT_EQ(answer.step.kind, Step::Kind::kWrongService);
  EXPECT_EQ(answer.step.detail,
            "GET /f with Range: bytes=0-0: 200 and the whole body (2000 bytes), not 206: BITS cannot download in "
            "ranges (BG_E_INSUFFICIENT_RANGE_SUPPORT 0x80200013); HTTP/1.1 200 OK");
}

TEST(HttpBits, ContentRangeStripped) {
  auto answer = FirstRange("HTTP/1.1 206 Partial Content\r\nContent-Length: 1\r\n\r\na");
  EXPECT_EQ(answer.refined, Verdict::kContentRangeStripped);
  EXPECT_NE(answer.step.detail.find("206 without Content-Range: BITS fails with BG_E_INSUFFICIENT_RANGE_SUPPORT "
                                    "(0x80200013)"),
            std::string::npos)
      << answer.step.detail;
  answer = FirstRange(Partial(0, 0, 1999));
  EXPECT_EQ(answer.refined, Verdict::kContentRangeStripped);
  EXPECT_NE(answer.step.detail.find("Content-Range 'bytes 0-0/1999', not 'bytes 0-0/2000'"), std::string::npos)
      << answer.step.detail;
  answer = FirstRange("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-0/2000\r\n\r\na");
  EXPECT_EQ(answer.refined, Verdict::kContentRangeStripped);
  EXPECT_NE(answer.step.detail.find("206 with no Content-Length, not 1"), std::string::npos) << answer.step.detail;
}

TEST(HttpBits, NoLength) {
  const auto dialogue = MakeHttpProbeDialogue(Dp(), {HttpCheck::kBitsFile, "/f", Proxy()});
  dialogue->Start();
  const auto answer = Answer(
      *dialogue, "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nTransfer-Encoding: chunked\r\nVia: 1.1 prx\r\n\r\n");
  EXPECT_EQ(answer.refined, Verdict::kNoLength);
  EXPECT_EQ(answer.step.detail,
            "through proxy 10.0.0.5:3128: HEAD /f: 200 without Content-Length (Transfer-Encoding: chunked): BITS fails "
            "with BG_E_MISSING_FILE_SIZE (0x80200011); HTTP/1.1 200 OK; origin Server: nginx/1.22.1; Via: 1.1 prx");
}

TEST(HttpBits, OtherEnds) {
  auto answer = FirstRange("HTTP/1.1 416 Range Not Satisfiable\r\n\r\n");
  EXPECT_EQ(answer.step.kind, Step::Kind::kWrongService);
  EXPECT_FALSE(answer.refined);
  answer = FirstRange(kSquidDenied, Proxy());
  EXPECT_EQ(answer.refined, Verdict::kProxyDenied);
  answer = FirstRange("HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-0/2000\r\nContent-Length: 1\r\n\r\n", {});
  EXPECT_EQ(answer.step.kind, Step::Kind::kNeedMore);
  const auto missing = MakeHttpProbeDialogue(Dp(), {HttpCheck::kBitsFile, "/f", std::nullopt});
  missing->Start();
  answer = Answer(*missing, "HTTP/1.1 404 Not Found\r\nServer: nginx\r\n\r\n");
  EXPECT_EQ(answer.step.kind, Step::Kind::kWrongService);
  EXPECT_NE(answer.step.detail.find("HEAD /f: HTTP/1.1 404 Not Found; Server: nginx: not 200"), std::string::npos);
  // A server that closes after each answer cannot take the next request on this connection.
  const auto closing = MakeHttpProbeDialogue(Dp(), {HttpCheck::kBitsFile, "/f", std::nullopt});
  closing->Start();
  answer = Answer(*closing, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(answer.step.kind, Step::Kind::kWrongService);
  EXPECT_NE(answer.step.detail.find("one persistent connection"), std::string::npos);
  const auto empty = MakeHttpProbeDialogue(Dp(), {HttpCheck::kBitsFile, "/f", std::nullopt});
  empty->Start();
  EXPECT_EQ(Answer(*empty, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").step.kind, Step::Kind::kVerified);
}

// --- which checks, and the comparison with a direct fetch ------------------------------------------------

ProbeSpec HttpSpec(const ProbeTarget& target) {
  ProbeSpec spec;
  spec.target = target;
  spec.service = FindService("http");
  return spec;
}

std::vector<HttpCheck> Checks(const std::vector<ProbeSpec>& specs) {
  std::vector<HttpCheck> checks;
  for (const auto& spec : specs) checks.push_back(spec.http_check);
  return checks;
}

TEST(HttpChecks, ExpandedByRoleProxyAndBitsFile) {
  using enum HttpCheck;
  EXPECT_EQ(Checks(ExpandHttpChecks(HttpSpec(Mp()), {})), (std::vector{kGet}));
  EXPECT_EQ(Checks(ExpandHttpChecks(HttpSpec(Mp()), {Proxy(), {}})),
            (std::vector{kGet, kCcmPost, kBitsPost, kPropfind}));
  EXPECT_EQ(Checks(ExpandHttpChecks(HttpSpec(Dp()), {Proxy(), {}})), (std::vector{kGet, kPropfind}));
  EXPECT_EQ(Checks(ExpandHttpChecks(HttpSpec(Dp()), {Proxy(), "/f"})), (std::vector{kPropfind, kBitsFile}));
  EXPECT_EQ(Checks(ExpandHttpChecks(HttpSpec(Mp()), {std::nullopt, "/f"})), (std::vector{kGet, kBitsFile}));
  const auto specs = ExpandHttpChecks(HttpSpec(Dp()), {Proxy(), "/f"});
  EXPECT_EQ(specs.back().http_path, "/f");
  EXPECT_EQ(specs.back().proxy->port, 3128);
  ProbeSpec ldap = HttpSpec(Mp());
  ldap.service = FindService("ldap");
  const auto alone = ExpandHttpChecks(ldap, {Proxy(), "/f"});
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_FALSE(alone[0].proxy);
}

TEST(HttpChecks, ComparedWithADirectFetch) {
  ProbeResult through;
  through.verdict = Verdict::kVerified;
  through.detail = "BITS can download";
  through.content = B("ab");
  ProbeResult direct = through;
  ProbeResult same = through;
  CompareWithDirect(same, direct);
  EXPECT_EQ(same.verdict, Verdict::kVerified);
  EXPECT_EQ(same.detail, "BITS can download; the same bytes as a direct fetch");
  direct.content = B("ax");
  ProbeResult other = through;
  CompareWithDirect(other, direct);
  EXPECT_EQ(other.verdict, Verdict::kContentMismatch);
  EXPECT_FALSE(VerdictPasses(other.verdict));
  direct.verdict = Verdict::kFiltered;
  ProbeResult unreachable = through;
  CompareWithDirect(unreachable, direct);
  EXPECT_EQ(unreachable.verdict, Verdict::kVerified);
  EXPECT_NE(unreachable.detail.find("no direct fetch to compare the bytes with (direct: FILTERED)"), std::string::npos);
  ProbeResult ignored = through;
  ignored.verdict = Verdict::kRangeIgnored;
  direct.verdict = Verdict::kRangeIgnored;
  CompareWithDirect(ignored, direct);
  EXPECT_NE(ignored.detail.find("the origin does the same directly"), std::string::npos);
  ignored.detail.clear();
  direct.verdict = Verdict::kVerified;
  CompareWithDirect(ignored, direct);
  EXPECT_EQ(ignored.detail, "; directly BITS can download: the proxy is at fault");
}

TEST(HttpVerdicts, NamesAndNoneOfTheNewOnesPasses) {
  EXPECT_EQ(VerdictName(Verdict::kProxyDenied), "PROXY_DENIED");
  EXPECT_EQ(VerdictName(Verdict::kProxyAuthRequired), "PROXY_AUTH_REQUIRED");
  EXPECT_EQ(VerdictName(Verdict::kUpstreamFailed), "UPSTREAM_FAILED");
  EXPECT_EQ(VerdictName(Verdict::kRangeIgnored), "RANGE_IGNORED");
  EXPECT_EQ(VerdictName(Verdict::kContentRangeStripped), "CONTENT_RANGE_STRIPPED");
  EXPECT_EQ(VerdictName(Verdict::kNoLength), "NO_LENGTH");
  EXPECT_EQ(VerdictName(Verdict::kContentMismatch), "CONTENT_MISMATCH");
  for (const auto verdict :
       {Verdict::kProxyDenied, Verdict::kProxyAuthRequired, Verdict::kUpstreamFailed, Verdict::kRangeIgnored,
        Verdict::kContentRangeStripped, Verdict::kNoLength, Verdict::kContentMismatch}) {
    EXPECT_FALSE(VerdictPasses(verdict)) << VerdictName(verdict);
  }
}

}  // namespace
}  // namespace portolan::probe::http
