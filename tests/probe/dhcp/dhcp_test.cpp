// DHCPINFORM (RFC 2131 4.4.3) field by field, and the answers that prove (or do not prove) a
// DHCP server.

#include <gtest/gtest.h>

#include "probe/dhcp/dhcp_codec.hpp"
#include "probe/dhcp/dhcp_dialogue.hpp"

namespace portolan::probe::dhcp {
namespace {

std::uint32_t Be32(const Bytes& bytes, std::size_t at) {
  return (std::uint32_t{bytes[at]} << 24) | (std::uint32_t{bytes[at + 1]} << 16) | (std::uint32_t{bytes[at + 2]} << 8) |
         bytes[at + 3];
}

// A BOOTREPLY as a server writes it: fixed part, magic cookie, options, end.
Bytes Reply(std::uint32_t xid, std::vector<std::uint8_t> options) {
  Bytes reply(236, 0);
  reply[0] = 2;
  reply[1] = 1;
  reply[2] = 6;
  for (int i = 0; i < 4; ++i) reply[4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(xid >> (24 - 8 * i));
  // push_back, not insert: GCC 12 reports a false -Warray-bounds for insert into this vector.
  for (const std::uint8_t byte : {99, 130, 83, 99}) reply.push_back(byte);
  for (const std::uint8_t byte : options) reply.push_back(byte);
  reply.push_back(255);
  return reply;
}

TEST(DhcpCodec, InformFieldByField) {
  const Bytes inform = BuildInform(0x01020304, "10.1.2.3");
  ASSERT_GE(inform.size(), 300u);
  EXPECT_EQ(inform[0], 1);                    // BOOTREQUEST
  EXPECT_EQ(inform[1], 1);                    // Ethernet
  EXPECT_EQ(inform[2], 6);                    // hardware address length
  EXPECT_EQ(Be32(inform, 4), 0x01020304u);    // xid
  EXPECT_EQ(Be32(inform, 12), 0x0A010203u);   // ciaddr: where the answer goes
  EXPECT_EQ(Be32(inform, 16), 0u);            // yiaddr
  EXPECT_EQ(inform[28] & 0x02, 0x02);         // a locally administered MAC
  EXPECT_EQ(Be32(inform, 236), 0x63825363u);  // magic cookie
  EXPECT_EQ(inform[240], 53);                 // option 53: message type
  EXPECT_EQ(inform[241], 1);
  EXPECT_EQ(inform[242], kInform);
  EXPECT_TRUE(BuildInform(1, "2001:db8::1").empty());
}

TEST(DhcpCodec, ParsesAnAckWithItsOptions) {
  std::string error;
  const auto reply = ParseReply(Reply(7, {53, 1,  5,  54, 4,   10,  0,   0,   10,  6,   8,   10,  0,   0,   10,  10, 0,
                                          0,  11, 15, 12, 'c', 'o', 'r', 'p', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e'}),
                                &error);
  ASSERT_TRUE(reply.has_value()) << error;
  EXPECT_EQ(reply->xid, 7u);
  EXPECT_EQ(reply->message_type, kAck);
  EXPECT_EQ(reply->server_id, "10.0.0.10");
  EXPECT_EQ(reply->dns_servers, (std::vector<std::string>{"10.0.0.10", "10.0.0.11"}));
  EXPECT_EQ(reply->domain, "corp.example");
}

TEST(DhcpCodec, RejectsWhatIsNotAReply) {
  std::string error;
  EXPECT_FALSE(ParseReply(Bytes(10, 0), &error).has_value());
  Bytes request = BuildInform(1, "10.0.0.2");
  EXPECT_FALSE(ParseReply(request, &error).has_value());  // our own request echoed
  EXPECT_NE(error.find("not a BOOTREPLY"), std::string::npos);
  Bytes overrun = Reply(1, {53, 200, 5});
  overrun.pop_back();
  EXPECT_FALSE(ParseReply(overrun, &error).has_value());
  EXPECT_NE(error.find("runs past the end"), std::string::npos);
}

TEST(DhcpDialogue, AckIsVerifiedOtherClientsAnswersAreSkipped) {
  ProbeTarget target{"10.0.0.10", 67, "", "", {}};
  target.local_address = "10.0.0.2";
  const auto dialogue = MakeInformDialogue(target);
  const Bytes inform = dialogue->Start();
  const std::uint32_t xid = Be32(inform, 4);
  EXPECT_EQ(Be32(inform, 12), 0x0A000002u);
  EXPECT_EQ(dialogue->OnReceive(Reply(xid + 1, {53, 1, 5}), false).kind, Step::Kind::kNeedMore);
  const Step ack = dialogue->OnReceive(Reply(xid, {53, 1, 5, 54, 4, 10, 0, 0, 10}), false);
  ASSERT_EQ(ack.kind, Step::Kind::kVerified);
  EXPECT_EQ(ack.detail, "DHCPACK to our DHCPINFORM, server 10.0.0.10");
  const Step nak = MakeInformDialogue(target)->OnReceive(Reply(xid, {53, 1, 6}), false);
  EXPECT_EQ(nak.kind, Step::Kind::kVerified);
  EXPECT_EQ(MakeInformDialogue(target)->OnReceive(Bytes{'H', 'T', 'T', 'P'}, false).kind, Step::Kind::kWrongService);
}

}  // namespace
}  // namespace portolan::probe::dhcp
