// DCE/RPC endpoint mapper codec and dialogues: bind and ept_lookup bytes against C706 12.6 and
// appendix O, hand-built bind_ack / bind_nak / fragmented responses with towers (C706 appendix
// L, MS-RPCE 2.2.1.2.4), paging with the entry handle, and connectionless PDUs (C706 12.5).

#include <gtest/gtest.h>

#include <string>

#include "probe/dcerpc/dcerpc_codec.hpp"
#include "probe/dcerpc/dcerpc_dialogue.hpp"
#include "probe/probe_test_support.hpp"

namespace portolan::probe::dcerpc {
namespace {

using test_support::Get16;
using test_support::Get32;
using test_support::Put16;
using test_support::Put32;
using test_support::Target;
using test_support::Text;

void Align4(Bytes& out) {
  while (out.size() % 4 != 0) out.push_back(0);
}

const Bytes kEpmUuid = {0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9, 0x11, 0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa};
const Bytes kNdrUuid = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};

Bytes Header(std::uint8_t ptype, std::uint8_t flags, std::uint32_t call_id) {
  Bytes pdu = {5, 0, ptype, flags, 0x10, 0, 0, 0};
  Put16(pdu, 0);
  Put16(pdu, 0);
  Put32(pdu, call_id);
  return pdu;
}
Bytes Finished(Bytes pdu) {
  pdu[8] = static_cast<std::uint8_t>(pdu.size());
  pdu[9] = static_cast<std::uint8_t>(pdu.size() >> 8);
  return pdu;
}

// C706 12.6.4.4 bind_ack with secondary address "135" and one result.
Bytes BindAck(std::uint16_t result = 0, std::uint16_t reason = 0) {
  Bytes pdu = Header(kPtypeBindAck, 0x03, 1);
  Put16(pdu, 5840);
  Put16(pdu, 5840);
  Put32(pdu, 0x1234);
  Put16(pdu, 4);
  pdu.insert(pdu.end(), {'1', '3', '5', 0});
  Align4(pdu);
  pdu.insert(pdu.end(), {1, 0, 0, 0});
  Put16(pdu, result);
  Put16(pdu, reason);
  pdu.insert(pdu.end(), kNdrUuid.begin(), kNdrUuid.end());
  Put32(pdu, 2);
  return Finished(pdu);
}

// A tower for ncacn_ip_tcp (MS-RPCE 2.2.1.2.4 floors: interface, NDR, 0x0b, 0x07, 0x09), or
// for ncacn_np when port is 0.
Bytes Tower(std::uint16_t port) {
  Bytes t;
  Put16(t, port != 0 ? 5 : 4);
  const auto floor = [&t](const Bytes& lhs, const Bytes& rhs) {
    Put16(t, static_cast<std::uint16_t>(lhs.size()));
    t.insert(t.end(), lhs.begin(), lhs.end());
    Put16(t, static_cast<std::uint16_t>(rhs.size()));
    t.insert(t.end(), rhs.begin(), rhs.end());
  };
  Bytes interface = {0x0d};
  interface.insert(interface.end(), kEpmUuid.begin(), kEpmUuid.end());
  interface.insert(interface.end(), {3, 0});
  floor(interface, {0, 0});
  Bytes ndr = {0x0d};
  ndr.insert(ndr.end(), kNdrUuid.begin(), kNdrUuid.end());
  ndr.insert(ndr.end(), {2, 0});
  floor(ndr, {0, 0});
  floor({0x0b}, {0, 0});
  if (port != 0) {
    floor({0x07}, {static_cast<std::uint8_t>(port >> 8), static_cast<std::uint8_t>(port)});
    floor({0x09}, {10, 0, 0, 10});
  } else {
    floor({0x0f}, Text(std::string("\\PIPE\\lsass", 12)));
  }
  return t;
}

// The ept_lookup [out] arguments (C706 appendix O) for these ports, NDR little-endian.
Bytes LookupStub(const std::vector<std::uint16_t>& ports, std::uint8_t handle_byte = 0, std::uint32_t status = 0) {
  Bytes s(20, 0);
  s[4] = handle_byte;
  const auto count = static_cast<std::uint32_t>(ports.size());
  Put32(s, count);  // num_ents
  Put32(s, 100);    // max_count
  Put32(s, 0);      // offset
  Put32(s, count);  // actual_count
  for (std::size_t i = 0; i < ports.size(); ++i) {
    s.insert(s.end(), 16, 0);  // object
    Put32(s, static_cast<std::uint32_t>(0x20000 + i));
    const std::string annotation = "probe test";
    Put32(s, 0);
    Put32(s, static_cast<std::uint32_t>(annotation.size() + 1));
    s.insert(s.end(), annotation.begin(), annotation.end());
    s.push_back(0);
    Align4(s);
  }
  for (const auto port : ports) {
    const Bytes tower = Tower(port);
    Align4(s);
    Put32(s, static_cast<std::uint32_t>(tower.size()));
    Put32(s, static_cast<std::uint32_t>(tower.size()));
    s.insert(s.end(), tower.begin(), tower.end());
  }
  Align4(s);
  Put32(s, status);
  return s;
}

// The stub cut into response fragments of at most `fragment` bytes each.
Bytes Responses(const Bytes& stub, std::uint32_t call_id, std::size_t fragment = 4096) {
  Bytes out;
  for (std::size_t at = 0; at < stub.size(); at += fragment) {
    const std::size_t size = std::min(fragment, stub.size() - at);
    std::uint8_t flags = 0;
    if (at == 0) flags |= kPfcFirstFrag;
    if (at + size == stub.size()) flags |= kPfcLastFrag;
    Bytes pdu = Header(kPtypeResponse, flags, call_id);
    Put32(pdu, static_cast<std::uint32_t>(stub.size() - at));
    Put16(pdu, 0);
    pdu.insert(pdu.end(), {0, 0});
    pdu.insert(pdu.end(), stub.begin() + static_cast<std::ptrdiff_t>(at),
               stub.begin() + static_cast<std::ptrdiff_t>(at + size));
    const Bytes finished = Finished(pdu);
    out.insert(out.end(), finished.begin(), finished.end());
  }
  return out;
}

TEST(DcerpcCodec, BindFields) {
  const Bytes bind = BuildBind(1);
  ASSERT_EQ(bind.size(), 72u);
  EXPECT_EQ(Bytes(bind.begin(), bind.begin() + 8), (Bytes{5, 0, 11, 0x03, 0x10, 0, 0, 0}));
  EXPECT_EQ(Get16(bind, 8), 72);   // frag_length
  EXPECT_EQ(Get16(bind, 10), 0);   // auth_length
  EXPECT_EQ(Get32(bind, 12), 1u);  // call_id
  EXPECT_EQ(bind[24], 1);          // n_context_elem
  EXPECT_EQ(bind[30], 1);          // n_transfer_syn
  EXPECT_EQ(Bytes(bind.begin() + 32, bind.begin() + 48), kEpmUuid);
  EXPECT_EQ(Get32(bind, 48), 3u);  // EPM 3.0
  EXPECT_EQ(Bytes(bind.begin() + 52, bind.begin() + 68), kNdrUuid);
  EXPECT_EQ(Get32(bind, 68), 2u);  // NDR 2
}

TEST(DcerpcCodec, EptLookupRequestFields) {
  ContextHandle handle{};
  handle[19] = 0x77;
  const Bytes request = BuildEptLookupRequest(5, handle);
  ASSERT_EQ(request.size(), 24u + 40u);
  EXPECT_EQ(request[2], kPtypeRequest);
  EXPECT_EQ(Get16(request, 8), 64);
  EXPECT_EQ(Get32(request, 12), 5u);
  EXPECT_EQ(Get32(request, 16), 40u);  // alloc_hint
  EXPECT_EQ(Get16(request, 22), 2);    // opnum ept_lookup
  EXPECT_EQ(Get32(request, 24), 0u);   // inquiry_type rpc_c_ep_all_elts
  EXPECT_EQ(Get32(request, 28), 0u);   // object: null
  EXPECT_EQ(Get32(request, 32), 0u);   // interface: null
  EXPECT_EQ(Get32(request, 36), 1u);   // vers_option rpc_c_vers_all
  EXPECT_EQ(request[40 + 19], 0x77);   // entry_handle
  EXPECT_EQ(Get32(request, 60), kEptMaxEntries);
}

TEST(DcerpcCodec, ParsesBindAck) {
  const Bytes ack = BindAck(0, 0);
  const PduRead read = ReadPdu(ack);
  ASSERT_EQ(read.status, ParseStatus::kComplete);
  EXPECT_EQ(read.header.ptype, kPtypeBindAck);
  EXPECT_EQ(read.header.frag_length, ack.size());
  std::string error;
  const auto answer = ParseBindAnswer(read, &error);
  ASSERT_TRUE(answer) << error;
  EXPECT_TRUE(answer->ack);
  EXPECT_EQ(answer->result, 0);
  EXPECT_EQ(answer->secondary_address, "135");
}

TEST(DcerpcCodec, ParsesTowers) {
  std::string error;
  const auto result = ParseEptLookupStub(LookupStub({49667, 0, 49668}), true, &error);
  ASSERT_TRUE(result) << error;
  ASSERT_EQ(result->endpoints.size(), 3u);
  EXPECT_EQ(result->endpoints[0].tcp_port, 49667);
  EXPECT_EQ(result->endpoints[0].ipv4, "10.0.0.10");
  EXPECT_EQ(result->endpoints[0].interface_uuid, "e1af8308-5d1f-11c9-91a4-08002b14a0fa");
  EXPECT_FALSE(result->endpoints[1].tcp_port);
  EXPECT_EQ(result->endpoints[2].tcp_port, 49668);
  EXPECT_FALSE(result->MoreEntries());
}

TEST(DcerpcCodec, RejectsImpossibleEntryCounts) {
  Bytes stub = LookupStub({49667});
  stub[20] = 0xff;  // num_ents
  stub[21] = 0xff;
  stub[32] = 0xff;  // actual_count
  stub[33] = 0xff;
  std::string error;
  EXPECT_FALSE(ParseEptLookupStub(stub, true, &error));
  EXPECT_NE(error.find("claims"), std::string::npos) << error;
  const Bytes truncated(stub.begin(), stub.begin() + 30);
  EXPECT_FALSE(ParseEptLookupStub(truncated, true, &error));
}

TEST(DcerpcEpm, BindThenLookupGivesThePorts) {
  auto dialogue = MakeEpmDialogue(Target(135));
  EXPECT_EQ(dialogue->Start(), BuildBind(1));
  const Step lookup = dialogue->OnReceive(BindAck(), false);
  ASSERT_EQ(lookup.kind, Step::Kind::kSend) << lookup.detail;
  ASSERT_EQ(lookup.bytes.size(), 64u);
  const std::uint32_t call_id = Get32(lookup.bytes, 12);
  const Step done = dialogue->OnReceive(Responses(LookupStub({49667, 0, 49668, 49667}), call_id), false);
  ASSERT_EQ(done.kind, Step::Kind::kVerified) << done.detail;
  EXPECT_EQ(done.advertised_tcp_ports, (std::vector<int>{49667, 49668}));
  EXPECT_EQ(done.detail, "EPM bound; 4 endpoints, TCP ports 49667,49668");
}

TEST(DcerpcEpm, FragmentedAndSplitAnswers) {
  auto dialogue = MakeEpmDialogue(Target(135));
  dialogue->Start();
  const Bytes ack = BindAck();
  EXPECT_EQ(dialogue->OnReceive(std::span(ack).first(1), false).kind, Step::Kind::kNeedMore);
  EXPECT_EQ(dialogue->OnReceive(std::span(ack).first(20), false).kind, Step::Kind::kNeedMore);
  const Step lookup = dialogue->OnReceive(ack, false);
  ASSERT_EQ(lookup.kind, Step::Kind::kSend);
  const Bytes answer = Responses(LookupStub({1025, 1026, 1027}), Get32(lookup.bytes, 12), 37);
  EXPECT_EQ(dialogue->OnReceive(std::span(answer).first(answer.size() / 2), false).kind, Step::Kind::kNeedMore);
  const Step done = dialogue->OnReceive(answer, false);
  ASSERT_EQ(done.kind, Step::Kind::kVerified);
  EXPECT_EQ(done.advertised_tcp_ports, (std::vector<int>{1025, 1026, 1027}));
}

TEST(DcerpcEpm, PagesWithTheEntryHandle) {
  auto dialogue = MakeEpmDialogue(Target(135));
  dialogue->Start();
  const Step first = dialogue->OnReceive(BindAck(), false);
  ASSERT_EQ(first.kind, Step::Kind::kSend);
  const Step second = dialogue->OnReceive(Responses(LookupStub({2001}, 0x42), Get32(first.bytes, 12)), false);
  ASSERT_EQ(second.kind, Step::Kind::kSend);
  EXPECT_EQ(second.bytes[40 + 4], 0x42);  // the entry handle goes back to the server
  EXPECT_NE(Get32(second.bytes, 12), Get32(first.bytes, 12));
  const Step done = dialogue->OnReceive(Responses(LookupStub({}, 0, 0x16c9a0d6), Get32(second.bytes, 12)), false);
  ASSERT_EQ(done.kind, Step::Kind::kVerified) << done.detail;
  EXPECT_EQ(done.advertised_tcp_ports, (std::vector<int>{2001}));
}

TEST(DcerpcEpm, BindAckWithTheConnectionClosedIsFinal) {
  auto dialogue = MakeEpmDialogue(Target(135));
  dialogue->Start();
  const Step step = dialogue->OnReceive(BindAck(), true);
  EXPECT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_TRUE(step.advertised_tcp_ports.empty());
}

TEST(DcerpcEpm, BindNakStillProvesAnRpcStack) {
  auto dialogue = MakeEpmDialogue(Target(135));
  dialogue->Start();
  Bytes nak = Header(kPtypeBindNak, 0x03, 1);
  Put16(nak, 4);
  nak.insert(nak.end(), {1, 5, 0});
  const Step step = dialogue->OnReceive(Finished(nak), false);
  EXPECT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("bind_nak (protocol version not supported)"), std::string::npos) << step.detail;
}

TEST(DcerpcEpm, RejectedContextIsVerifiedAndSaysSo) {
  auto dialogue = MakeEpmDialogue(Target(135));
  dialogue->Start();
  const Step step = dialogue->OnReceive(BindAck(2, 1), false);
  EXPECT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("abstract syntax not supported"), std::string::npos) << step.detail;
}

TEST(DcerpcEpm, LookupFaultAndGarbageAfterTheBindAreVerified) {
  auto dialogue = MakeEpmDialogue(Target(135));
  dialogue->Start();
  const Step lookup = dialogue->OnReceive(BindAck(), false);
  Bytes fault = Header(kPtypeFault, 0x03, Get32(lookup.bytes, 12));
  Put32(fault, 32);
  Put32(fault, 0);
  Put32(fault, 0x1c010002);
  const Step step = dialogue->OnReceive(Finished(fault), false);
  EXPECT_EQ(step.kind, Step::Kind::kVerified);
  EXPECT_NE(step.detail.find("nca_s_op_rng_error"), std::string::npos) << step.detail;

  Bytes bad_stub = LookupStub({49667});
  bad_stub[32] = 9;  // actual_count disagrees with num_ents
  const Step garbled = dialogue->OnReceive(Responses(bad_stub, Get32(lookup.bytes, 12)), false);
  EXPECT_EQ(garbled.kind, Step::Kind::kVerified);
  EXPECT_NE(garbled.detail.find("could not be parsed"), std::string::npos) << garbled.detail;
  EXPECT_EQ(dialogue->OnReceive(Bytes{5, 0, 2}, true).kind, Step::Kind::kVerified);
}

TEST(DcerpcEpm, ForeignAnswersAreWrongService) {
  auto dialogue = MakeEpmDialogue(Target(135));
  dialogue->Start();
  const Step http = dialogue->OnReceive(Text("HTTP/1.1 200 OK\r\n"), false);
  EXPECT_EQ(http.kind, Step::Kind::kWrongService);
  EXPECT_NE(http.detail.find("looks like HTTP"), std::string::npos) << http.detail;
  EXPECT_EQ(dialogue->OnReceive({}, true).kind, Step::Kind::kWrongService);
  EXPECT_EQ(dialogue->OnReceive(std::span<const std::uint8_t>(BindAck()).first(30), true).kind,
            Step::Kind::kWrongService);
  Bytes short_frag = Header(kPtypeBindAck, 3, 1);
  short_frag[8] = 4;  // frag_length below the header's own size
  EXPECT_EQ(dialogue->OnReceive(short_frag, false).kind, Step::Kind::kWrongService);
}

std::uint8_t ConnectionlessType(const Bytes& datagram) {
  return datagram[1];
}

// A connectionless PDU answering `request` (its activity id), C706 12.5.3.1.
Bytes ClAnswer(const Bytes& request, std::uint8_t ptype, const Bytes& body) {
  Bytes pdu(request.begin(), request.begin() + 80);
  pdu[1] = ptype;
  pdu[2] = 0;
  pdu[74] = static_cast<std::uint8_t>(body.size());
  pdu[75] = static_cast<std::uint8_t>(body.size() >> 8);
  pdu.insert(pdu.end(), body.begin(), body.end());
  return pdu;
}

TEST(DcerpcCodec, ConnectionlessRequestFields) {
  Uuid activity{};
  activity[0] = 0xa1;
  const Bytes request = BuildConnectionlessLookup(activity);
  ASSERT_EQ(request.size(), 80u + 40u);
  EXPECT_EQ(request[0], 4);                   // rpc_vers
  EXPECT_EQ(ConnectionlessType(request), 0);  // request
  EXPECT_EQ(request[2], 0x20);                // idempotent
  EXPECT_EQ(Bytes(request.begin() + 4, request.begin() + 7), (Bytes{0x10, 0, 0}));
  EXPECT_EQ(Bytes(request.begin() + 24, request.begin() + 40), kEpmUuid);  // if_id
  EXPECT_EQ(request[40], 0xa1);                                            // act_id
  EXPECT_EQ(Get32(request, 60), 3u);                                       // if_vers
  EXPECT_EQ(Get16(request, 68), 2);                                        // opnum
  EXPECT_EQ(Get16(request, 74), 40);                                       // len
}

TEST(DcerpcConnectionless, ResponseRejectAndFaultAreVerified) {
  auto dialogue = MakeConnectionlessEpmDialogue(Target(135));
  const Bytes request = dialogue->Start();
  const Step response = dialogue->OnReceive(ClAnswer(request, kPtypeResponse, LookupStub({1029})), false);
  EXPECT_EQ(response.kind, Step::Kind::kVerified);
  EXPECT_EQ(response.detail, "connectionless DCE/RPC response from the EPM: 1 endpoints, 1 TCP ports");

  Bytes status;
  Put32(status, 0x1c010003);
  const Step reject = dialogue->OnReceive(ClAnswer(request, kClPtypeReject, status), false);
  EXPECT_EQ(reject.kind, Step::Kind::kVerified);
  EXPECT_EQ(reject.detail, "connectionless DCE/RPC reject 0x1c010003 nca_s_unk_if");
  const Step fault = dialogue->OnReceive(ClAnswer(request, kPtypeFault, status), false);
  EXPECT_NE(fault.detail.find("fault"), std::string::npos);
  EXPECT_EQ(dialogue->OnReceive(ClAnswer(request, kClPtypeWorking, {}), false).kind, Step::Kind::kNeedMore);
}

TEST(DcerpcConnectionless, OtherActivitiesWaitAndForeignBytesAreWrong) {
  auto dialogue = MakeConnectionlessEpmDialogue(Target(135));
  const Bytes request = dialogue->Start();
  Bytes other = ClAnswer(request, kPtypeResponse, {});
  other[40] ^= 0xff;
  EXPECT_EQ(dialogue->OnReceive(other, false).kind, Step::Kind::kNeedMore);
  EXPECT_EQ(dialogue->OnReceive(Bytes{4, 2, 0}, false).kind, Step::Kind::kWrongService);
  EXPECT_EQ(dialogue->OnReceive(BuildBind(1), false).kind, Step::Kind::kWrongService);
  Bytes long_body = ClAnswer(request, kPtypeResponse, {});
  long_body[75] = 0x10;  // len beyond the datagram
  EXPECT_EQ(dialogue->OnReceive(long_body, false).kind, Step::Kind::kWrongService);
  EXPECT_EQ(dialogue->OnReceive(ClAnswer(request, 42, {}), false).kind, Step::Kind::kWrongService);
}

// Found by probe.stress: an echo of the request parsed as a request PDU, taken for the
// conversation manager's callback, and was VERIFIED.
TEST(DcerpcConnectionless, AnEchoOfTheRequestIsWrongService) {
  auto dialogue = MakeConnectionlessEpmDialogue(Target(135));
  const Bytes request = dialogue->Start();
  const Step echo = dialogue->OnReceive(request, false);
  EXPECT_EQ(echo.kind, Step::Kind::kWrongService);
  EXPECT_NE(echo.detail.find("echo"), std::string::npos);
}

}  // namespace
}  // namespace portolan::probe::dcerpc
