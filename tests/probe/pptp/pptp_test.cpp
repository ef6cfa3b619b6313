// PPTP codec and dialogue: the Start- and Stop-Control-Connection-Requests field by field
// against RFC 2637 2.1 and 2.3, and hand-built replies (RFC 2637 2.2, 2.4) driven step by step.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "probe/pptp/pptp_codec.hpp"
#include "probe/pptp/pptp_dialogue.hpp"

namespace portolan::probe::pptp {
namespace {

using Bytes = std::vector<std::uint8_t>;

void Put16(Bytes& out, unsigned value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xFF));
}

void PutName(Bytes& out, const std::string& name) {
  out.insert(out.end(), name.begin(), name.end());
  out.insert(out.end(), kNameSize - name.size(), 0);
}

// RFC 2637 2.2: a Start-Control-Connection-Reply, as pptpd sends it.
Bytes StartReply(std::uint8_t result = 1, const std::string& host = "local", const std::string& vendor = "linux") {
  Bytes out;
  Put16(out, 156);
  Put16(out, 1);
  Put16(out, 0x1A2B);
  Put16(out, 0x3C4D);
  Put16(out, 2);       // Start-Control-Connection-Reply
  Put16(out, 0);       // Reserved0
  Put16(out, 0x0100);  // protocol version 1.0
  out.push_back(result);
  out.push_back(0);  // error code
  Put16(out, 0);
  Put16(out, 1);  // framing: async
  Put16(out, 0);
  Put16(out, 1);  // bearer: analog
  Put16(out, 1);  // maximum channels
  Put16(out, 1);  // firmware revision
  PutName(out, host);
  PutName(out, vendor);
  return out;
}

unsigned Be16(const Bytes& bytes, std::size_t at) {
  return (bytes[at] << 8) | bytes[at + 1];
}

TEST(PptpCodec, StartRequestFieldByField) {
  const Bytes request = BuildStartControlRequest("portolan", "portolan");
  ASSERT_EQ(request.size(), 156u);
  EXPECT_EQ(Be16(request, 0), 156u);     // Length
  EXPECT_EQ(Be16(request, 2), 1u);       // PPTP Message Type: control
  EXPECT_EQ(Be16(request, 4), 0x1A2Bu);  // Magic Cookie
  EXPECT_EQ(Be16(request, 6), 0x3C4Du);
  EXPECT_EQ(Be16(request, 8), 1u);  // Start-Control-Connection-Request
  EXPECT_EQ(Be16(request, 10), 0u);
  EXPECT_EQ(Be16(request, 12), 0x0100u);  // protocol version 1.0
  EXPECT_EQ(Be16(request, 14), 0u);
  EXPECT_EQ(Be16(request, 18), 3u);  // framing capabilities: async + sync
  EXPECT_EQ(Be16(request, 22), 3u);  // bearer capabilities: analog + digital
  EXPECT_EQ(std::string(request.begin() + 28, request.begin() + 36), "portolan");
  EXPECT_EQ(request[36], 0);
  EXPECT_EQ(std::string(request.begin() + 92, request.begin() + 100), "portolan");
  EXPECT_EQ(request[155], 0);
}

TEST(PptpCodec, LongNamesKeepTheirTerminator) {
  const Bytes request = BuildStartControlRequest(std::string(100, 'h'), std::string(100, 'v'));
  ASSERT_EQ(request.size(), 156u);
  EXPECT_EQ(request[28 + 63], 0);
  EXPECT_EQ(request[92 + 63], 0);
}

TEST(PptpCodec, StopRequestFieldByField) {
  const Bytes stop = BuildStopControlRequest();
  ASSERT_EQ(stop.size(), 16u);
  EXPECT_EQ(Be16(stop, 0), 16u);
  EXPECT_EQ(Be16(stop, 2), 1u);
  EXPECT_EQ(Be16(stop, 4), 0x1A2Bu);
  EXPECT_EQ(Be16(stop, 8), 3u);  // Stop-Control-Connection-Request
  EXPECT_EQ(stop[12], 1);        // Reason: general request to clear
}

TEST(PptpCodec, ParsesStartReply) {
  std::string error;
  const auto reply = ParseStartControlReply(StartReply(5, "pptp-gw", "vendor"), &error);
  ASSERT_TRUE(reply) << error;
  EXPECT_EQ(reply->result_code, 5);
  EXPECT_EQ(reply->protocol_version, 0x0100);
  EXPECT_EQ(reply->host_name, "pptp-gw");
  EXPECT_EQ(reply->vendor, "vendor");
  EXPECT_EQ(reply->firmware_revision, 1);
}

TEST(PptpCodec, FramingChecksCookieAndLength) {
  Bytes bad_cookie = StartReply();
  bad_cookie[7] = 0;
  EXPECT_EQ(FrameControlMessage(bad_cookie).framing, Framing::kNotPptp);
  EXPECT_EQ(FrameControlMessage(Bytes{0x00, 0x05}).framing, Framing::kNotPptp);  // Length below the header
  EXPECT_EQ(FrameControlMessage(Bytes{0xFF, 0xFF}).framing, Framing::kNotPptp);  // no control message is 64 KiB
  EXPECT_EQ(FrameControlMessage(Bytes{0x00, 0x9C, 0x00, 0x01}).framing, Framing::kIncomplete);
}

TEST(PptpDialogue, StartReplyIsVerifiedWithTheStopAsAFarewell) {
  const auto dialogue = MakeStartControlDialogue({});
  ASSERT_NE(dialogue, nullptr);
  EXPECT_EQ(dialogue->Start(), BuildStartControlRequest("portolan", "portolan"));
  const Step step = dialogue->OnReceive(StartReply(), false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_EQ(step.bytes, BuildStopControlRequest());  // sent without waiting for the Stop reply
  EXPECT_EQ(step.detail,
            "PPTP Start-Control reply: result 1 (success), protocol 1.0, host 'local', vendor 'linux'; "
            "Stop-Control-Connection-Request sent; tunnels also need GRE (IP protocol 47)");
}

TEST(PptpDialogue, FailedStartIsVerifiedWithoutStop) {
  const Step step = [] {
    const auto dialogue = MakeStartControlDialogue({});
    dialogue->Start();
    return dialogue->OnReceive(StartReply(5), false);
  }();
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_TRUE(step.bytes.empty());
  EXPECT_NE(step.detail.find("result 5 (protocol version not supported)"), std::string::npos);
}

TEST(PptpDialogue, SplitReplyNeedsMore) {
  const auto dialogue = MakeStartControlDialogue({});
  dialogue->Start();
  const Bytes reply = StartReply();
  for (std::size_t cut : {1u, 2u, 7u, 12u, 100u, 155u}) {
    const Bytes part(reply.begin(), reply.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(dialogue->OnReceive(part, false).kind, Step::Kind::kNeedMore) << cut;
  }
  EXPECT_EQ(dialogue->OnReceive(reply, false).kind, Step::Kind::kVerified);
}

Step FeedOnce(const Bytes& bytes, bool closed) {
  const auto dialogue = MakeStartControlDialogue({});
  dialogue->Start();
  return dialogue->OnReceive(bytes, closed);
}

TEST(PptpDialogue, TruncatedEmptyGarbageAndHttpAreWrongService) {
  const Bytes reply = StartReply();
  EXPECT_EQ(FeedOnce(Bytes(reply.begin(), reply.begin() + 40), true).kind, Step::Kind::kWrongService);
  EXPECT_EQ(FeedOnce({}, true).kind, Step::Kind::kWrongService);
  EXPECT_EQ(FeedOnce({0xDE, 0xAD, 0xBE, 0xEF}, false).kind, Step::Kind::kWrongService);
  const std::string http = "HTTP/1.1 400 Bad Request\r\n";
  const Step step = FeedOnce(Bytes(http.begin(), http.end()), false);
  ASSERT_EQ(step.kind, Step::Kind::kWrongService);
  EXPECT_NE(step.detail.find("'HTTP/1.1 400 Bad'"), std::string::npos) << step.detail;
}

TEST(PptpDialogue, UnprintableHostNameIsSanitised) {
  const Step step = FeedOnce(StartReply(2, "a\x01\x02z", "v"), false);
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("host 'a\\x01\\x02z'"), std::string::npos) << step.detail;
}

}  // namespace
}  // namespace portolan::probe::pptp
