// SQL Server Resolution codec and dialogue. MC-SQLR section 4 could not be found in the stored
// specs, so the answers are hand-built from the ABNF of MC-SQLR 2.2.5 (SVR_RESP).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "probe/sqlr/sqlr_codec.hpp"
#include "probe/sqlr/sqlr_dialogue.hpp"

namespace portolan::probe::sqlr {
namespace {

using Bytes = std::vector<std::uint8_t>;

// SVR_RESP: 0x05, RESP_SIZE little-endian, RESP_DATA.
Bytes Response(const std::string& data) {
  Bytes out = {kServerResponse, static_cast<std::uint8_t>(data.size() & 0xFF),
               static_cast<std::uint8_t>(data.size() >> 8)};
  for (const char c : data) out.push_back(static_cast<std::uint8_t>(c));  // insert() trips GCC 12's -Warray-bounds
  return out;
}

const std::string kDefault =
    "ServerName;SQL01;InstanceName;MSSQLSERVER;IsClustered;No;Version;9.00.1399.06;tcp;1433;np;"
    "\\\\SQL01\\pipe\\sql\\query;;";
const std::string kExpress =
    "ServerName;SQL01;InstanceName;SQLEXPRESS;IsClustered;Yes;Version;10.50.1600.1;np;"
    "\\\\SQL01\\pipe\\MSSQL$SQLEXPRESS\\sql\\query;tcp;49172;;";

Step Feed(const Bytes& bytes) {
  const auto dialogue = MakeResolutionDialogue({});
  dialogue->Start();
  return dialogue->OnReceive(bytes, false);
}

TEST(SqlrCodec, RequestIsOneByte) {
  EXPECT_EQ(BuildUnicastExRequest(), Bytes{0x03});
}

TEST(SqlrCodec, ParsesTwoInstances) {
  const auto parsed = ParseServerResponse(Response(kDefault + kExpress));
  ASSERT_TRUE(parsed.instances) << parsed.error;
  ASSERT_EQ(parsed.instances->size(), 2u);
  const auto& first = (*parsed.instances)[0];
  EXPECT_EQ(first.server_name, "SQL01");
  EXPECT_EQ(first.instance_name, "MSSQLSERVER");
  EXPECT_EQ(first.version, "9.00.1399.06");
  EXPECT_EQ(first.tcp_port, 1433);
  EXPECT_FALSE(first.clustered);
  EXPECT_TRUE(first.named_pipes);
  const auto& second = (*parsed.instances)[1];
  EXPECT_EQ(second.instance_name, "SQLEXPRESS");
  EXPECT_EQ(second.tcp_port, 49172);
  EXPECT_TRUE(second.clustered);
}

TEST(SqlrCodec, InstanceWithoutTcp) {
  const auto parsed =
      ParseServerResponse(Response("ServerName;S;InstanceName;I;IsClustered;No;Version;8.00.194;np;\\\\S\\pipe;;"));
  ASSERT_TRUE(parsed.instances) << parsed.error;
  EXPECT_FALSE((*parsed.instances)[0].tcp_port);
}

TEST(SqlrCodec, RefusesBadResponses) {
  Bytes too_long = Response(kDefault);
  too_long[1] = 0xFF;  // RESP_SIZE beyond the datagram
  EXPECT_FALSE(ParseServerResponse(too_long).instances);
  EXPECT_FALSE(ParseServerResponse(Bytes{0x05, 0x01}).instances);
  EXPECT_FALSE(ParseServerResponse(Response("InstanceName;X;;")).instances);
  EXPECT_FALSE(ParseServerResponse(Response("ServerName;S;InstanceName;I;Version;9;tcp;99999;;")).instances);
  EXPECT_FALSE(ParseServerResponse(Response("ServerName;S;InstanceName;I;Version")).instances);
  EXPECT_FALSE(ParseServerResponse(Response("ServerName;S;;")).instances);  // no InstanceName, no Version
}

TEST(SqlrCodec, EmptyListIsAValidAnswer) {
  const auto parsed = ParseServerResponse(Response(""));
  ASSERT_TRUE(parsed.instances);
  EXPECT_TRUE(parsed.instances->empty());
}

TEST(SqlrDialogue, VerifiedListsInstances) {
  const Step step = Feed(Response(kDefault + kExpress));
  ASSERT_EQ(step.kind, Step::Kind::kVerified) << step.detail;
  EXPECT_EQ(step.detail,
            "SQL Server Browser: 2 instances: SQL01\\MSSQLSERVER 9.00.1399.06 tcp/1433; SQL01\\SQLEXPRESS "
            "10.50.1600.1 tcp/49172 (clustered)");
}

TEST(SqlrDialogue, ManyInstancesKeepTheDetailShort) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    data += "ServerName;SQL01;InstanceName;INST" + std::to_string(i) + ";IsClustered;No;Version;15.0.2000.5;tcp;" +
            std::to_string(50000 + i) + ";;";
  }
  const Step step = Feed(Response(data));
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_LE(step.detail.size(), 220u);
  EXPECT_NE(step.detail.find("more"), std::string::npos);
}

TEST(SqlrDialogue, UnprintableNamesAreReplaced) {
  const Step step = Feed(Response("ServerName;S\x01\x7F;InstanceName;I;IsClustered;No;Version;9;;"));
  ASSERT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("S\\x01\\x7f\\I"), std::string::npos) << step.detail;
}

TEST(SqlrDialogue, WrongServices) {
  const std::string http = "HTTP/1.1 400 Bad Request\r\n\r\n";
  const Step step = Feed(Bytes(http.begin(), http.end()));
  EXPECT_EQ(step.kind, Step::Kind::kWrongService);
  EXPECT_NE(step.detail.find("48 54 54 50"), std::string::npos);
  EXPECT_EQ(Feed({0x05}).kind, Step::Kind::kWrongService);
  EXPECT_EQ(Feed(Bytes{0x03}).kind, Step::Kind::kWrongService);  // our request echoed back
}

TEST(SqlrDialogue, ErrorQuotingTheWireIsPrintable) {
  // Found by sqlr_fuzzer: a key without a value is quoted in the error.
  const Step step = Feed(Response("ServerName;S;np,\xF0\x01"));
  ASSERT_EQ(step.kind, Step::Kind::kWrongService);
  for (const char c : step.detail) EXPECT_TRUE(c >= 0x20 && c < 0x7F) << step.detail;
}

TEST(SqlrDialogue, EmptyDatagramWaitsAndClosedFails) {
  const auto dialogue = MakeResolutionDialogue({});
  ASSERT_EQ(dialogue->Start(), Bytes{0x03});
  EXPECT_EQ(dialogue->OnReceive({}, false).kind, Step::Kind::kNeedMore);
  EXPECT_EQ(dialogue->OnReceive({}, true).kind, Step::Kind::kWrongService);
}

}  // namespace
}  // namespace portolan::probe::sqlr
