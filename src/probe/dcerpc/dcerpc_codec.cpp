// DCE/RPC codecs for the endpoint mapper probes: bind, ept_lookup (connection-oriented and
// connectionless), their answers, and the towers of the lookup. Every count on the wire is
// checked against the bytes received before anything is reserved or read.

#include "probe/dcerpc/dcerpc_codec.hpp"

#include <algorithm>
#include <cstdio>

#include "probe/wire/byte_reader.hpp"
#include "probe/wire/byte_writer.hpp"
#include "probe/wire/detail_text.hpp"

namespace portolan::probe::dcerpc {
namespace {

using wire::ByteReader;
using wire::DescribeForeignBytes;
using wire::PutBytes;
using wire::PutU16Le;
using wire::PutU32Le;

// "e1af8308-5d1f-11c9-91a4-08002b14a0fa" -> NDR little-endian wire order.
constexpr Uuid UuidFromText(const char (&text)[37]) {
  std::array<std::uint8_t, 16> big{};
  std::size_t out = 0;
  for (std::size_t i = 0; i + 1 < 37 && out < 16; ++i) {
    if (text[i] == '-') continue;
    const auto nibble = [](char c) { return static_cast<std::uint8_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10); };
    big[out++] = static_cast<std::uint8_t>((nibble(text[i]) << 4) | nibble(text[i + 1]));
    ++i;
  }
  return {big[3], big[2], big[1],  big[0],  big[5],  big[4],  big[7],  big[6],
          big[8], big[9], big[10], big[11], big[12], big[13], big[14], big[15]};
}

// C706 appendix O (ept interface) and 14 (NDR transfer syntax); versions major | minor << 16.
constexpr Uuid kEpmInterface = UuidFromText("e1af8308-5d1f-11c9-91a4-08002b14a0fa");
constexpr std::uint32_t kEpmVersion = 3;  // 3.0
constexpr Uuid kNdrTransferSyntax = UuidFromText("8a885d04-1ceb-11c9-9fe8-08002b104860");
constexpr std::uint32_t kNdrVersion = 2;

constexpr std::uint8_t kRpcVersion = 5;
constexpr std::uint8_t kRpcVersionMinor = 0;
constexpr std::uint8_t kRpcVersionConnectionless = 4;
constexpr std::array<std::uint8_t, 4> kDrepLittleEndianAscii = {0x10, 0x00, 0x00, 0x00};  // C706 14.1
constexpr std::uint8_t kDrepIntegerMask = 0xf0;
constexpr std::uint8_t kDrepLittleEndian = 0x10;
constexpr std::uint16_t kMaxFragment = 5840;  // what Windows offers; a lookup page fits in few
constexpr std::uint16_t kPresentationContext = 0;
constexpr std::size_t kResponseHeaderLength = kCommonHeaderLength + 8;  // alloc_hint, p_cont_id, counts
constexpr std::size_t kSecurityTrailerLength = 8;                       // C706 13.2.6.1 sec_trailer

// ept_lookup arguments (C706 appendix O).
constexpr std::uint32_t kInquiryAllElements = 0;  // rpc_c_ep_all_elts
constexpr std::uint32_t kVersionsAll = 1;         // rpc_c_vers_all

// Tower floors (C706 appendix I, MS-RPCE 2.2.1.2.4 / 2.2.1.3).
constexpr std::uint8_t kFloorUuid = 0x0d;
constexpr std::uint8_t kFloorTcp = 0x07;
constexpr std::uint8_t kFloorUdp = 0x08;
constexpr std::uint8_t kFloorIpv4 = 0x09;
constexpr std::uint8_t kFloorHttp = 0x1f;
constexpr std::size_t kMinEntryLength = 16 + 4 + 4 + 4;  // object, tower pointer, empty annotation
constexpr std::size_t kMaxFloors = 16;                   // real towers have 4 or 5

// Connectionless header (C706 12.5.3.1).
constexpr std::uint8_t kClFlagIdempotent = 0x20;
constexpr std::uint16_t kNoHint = 0xffff;
constexpr std::size_t kClActivityOffset = 40;

constexpr std::size_t kFragLengthOffset = 8;  // C706 12.6.3.1: frag_length in the common header

void PutCommonHeader(Bytes& out, std::uint8_t ptype, std::uint32_t call_id) {
  out.push_back(kRpcVersion);
  out.push_back(kRpcVersionMinor);
  out.push_back(ptype);
  out.push_back(kPfcFirstFrag | kPfcLastFrag);
  PutBytes(out, kDrepLittleEndianAscii);
  PutU16Le(out, 0);  // frag_length, set by SetFragLength
  PutU16Le(out, 0);  // auth_length
  PutU32Le(out, call_id);
}

void SetFragLength(Bytes& pdu) {
  wire::SetU16Le(pdu, kFragLengthOffset, static_cast<std::uint16_t>(pdu.size()));
}

// The ept_lookup [in] arguments, NDR little-endian.
Bytes EptLookupStub(const ContextHandle& entry_handle) {
  Bytes stub;
  PutU32Le(stub, kInquiryAllElements);
  PutU32Le(stub, 0);  // object: null pointer
  PutU32Le(stub, 0);  // interface id: null pointer
  PutU32Le(stub, kVersionsAll);
  PutBytes(stub, entry_handle);
  PutU32Le(stub, kEptMaxEntries);
  return stub;
}

// A UUID read with the sender's byte order, returned in little-endian wire order.
Uuid ReadUuid(ByteReader& reader, bool little_endian) {
  Uuid uuid{};
  const auto raw = reader.Take(uuid.size());
  if (raw.size() != uuid.size()) return uuid;
  std::copy(raw.begin(), raw.end(), uuid.begin());
  if (!little_endian) {
    std::swap(uuid[0], uuid[3]);
    std::swap(uuid[1], uuid[2]);
    std::swap(uuid[4], uuid[5]);
    std::swap(uuid[6], uuid[7]);
  }
  return uuid;
}

// One tower (C706 appendix L): floor count, then per floor a left side (protocol id first) and
// a right side (address data), each with a 16-bit little-endian length.
Endpoint ParseTower(std::span<const std::uint8_t> octets) {
  Endpoint endpoint;
  ByteReader reader(octets, /*little_endian=*/true);
  const std::uint16_t floors = reader.U16();
  for (std::uint16_t floor = 0; floor < floors && floor < kMaxFloors; ++floor) {
    const auto lhs = reader.Take(reader.U16());
    const auto rhs = reader.Take(reader.U16());
    if (!reader.Ok()) break;
    if (lhs.empty()) continue;
    const auto big_endian_port = [&]() -> std::optional<int> {
      if (rhs.size() != 2) return std::nullopt;
      return ByteReader(rhs).U16();  // the port floors are big-endian whatever the PDU's order
    };
    switch (lhs[0]) {
      case kFloorUuid:
        if (floor == 0 && lhs.size() >= 1 + sizeof(Uuid)) {
          Uuid uuid{};
          std::copy_n(lhs.begin() + 1, uuid.size(), uuid.begin());
          endpoint.interface_uuid = wire::FormatGuid(uuid);
        }
        break;
      case kFloorTcp: endpoint.tcp_port = big_endian_port(); break;
      case kFloorUdp: endpoint.udp_port = big_endian_port(); break;
      case kFloorHttp: endpoint.http_port = big_endian_port(); break;
      case kFloorIpv4:
        if (rhs.size() == 4) {
          endpoint.ipv4 = std::to_string(rhs[0]) + "." + std::to_string(rhs[1]) + "." + std::to_string(rhs[2]) + "." +
                          std::to_string(rhs[3]);
        }
        break;
      default: break;
    }
  }
  return endpoint;
}

}  // namespace

Bytes BuildBind(std::uint32_t call_id) {
  Bytes pdu;
  PutCommonHeader(pdu, kPtypeBind, call_id);
  PutU16Le(pdu, kMaxFragment);  // max_xmit_frag
  PutU16Le(pdu, kMaxFragment);  // max_recv_frag
  PutU32Le(pdu, 0);             // assoc_group_id: a new association group
  pdu.push_back(1);             // n_context_elem
  pdu.push_back(0);             // reserved
  PutU16Le(pdu, 0);             // reserved2
  PutU16Le(pdu, kPresentationContext);
  pdu.push_back(1);  // n_transfer_syn
  pdu.push_back(0);  // reserved
  PutBytes(pdu, kEpmInterface);
  PutU32Le(pdu, kEpmVersion);
  PutBytes(pdu, kNdrTransferSyntax);
  PutU32Le(pdu, kNdrVersion);
  SetFragLength(pdu);
  return pdu;
}

Bytes BuildEptLookupRequest(std::uint32_t call_id, const ContextHandle& entry_handle) {
  const Bytes stub = EptLookupStub(entry_handle);
  Bytes pdu;
  PutCommonHeader(pdu, kPtypeRequest, call_id);
  PutU32Le(pdu, static_cast<std::uint32_t>(stub.size()));  // alloc_hint
  PutU16Le(pdu, kPresentationContext);
  PutU16Le(pdu, kOpnumEptLookup);
  PutBytes(pdu, stub);
  SetFragLength(pdu);
  return pdu;
}

PduRead ReadPdu(std::span<const std::uint8_t> bytes) {
  PduRead read;
  // Judge the version bytes as soon as they arrive, so that foreign bytes need not fill a header.
  if (!bytes.empty() && bytes[0] != kRpcVersion) {
    read.error = "not a DCE/RPC PDU: " + DescribeForeignBytes(bytes);
    return read;
  }
  if (bytes.size() < kCommonHeaderLength) {
    read.status = ParseStatus::kIncomplete;
    return read;
  }
  PduHeader& header = read.header;
  ByteReader reader(bytes);
  header.rpc_vers = reader.U8();
  header.rpc_vers_minor = reader.U8();
  header.ptype = reader.U8();
  header.flags = reader.U8();
  header.little_endian = (reader.U8() & kDrepIntegerMask) == kDrepLittleEndian;
  reader.SetLittleEndian(header.little_endian);
  reader.Skip(3);  // the rest of the data representation
  header.frag_length = reader.U16();
  header.auth_length = reader.U16();
  header.call_id = reader.U32();
  if (header.rpc_vers_minor > 1 || header.frag_length < kCommonHeaderLength) {
    read.error = "not a DCE/RPC PDU: version 5." + std::to_string(header.rpc_vers_minor) + ", fragment length " +
                 std::to_string(header.frag_length) + " (" + DescribeForeignBytes(bytes) + ")";
    return read;
  }
  if (bytes.size() < header.frag_length) {
    read.status = ParseStatus::kIncomplete;
    return read;
  }
  read.status = ParseStatus::kComplete;
  read.pdu = bytes.first(header.frag_length);
  return read;
}

std::optional<BindAnswer> ParseBindAnswer(const PduRead& read, std::string* error) {
  ByteReader reader(read.pdu, read.header.little_endian);
  reader.Skip(kCommonHeaderLength);
  BindAnswer answer;
  if (read.header.ptype == kPtypeBindNak) {
    answer.reason = reader.U16();
    if (!reader.Ok()) {
      *error = "a bind_nak cut short";
      return std::nullopt;
    }
    return answer;
  }
  if (read.header.ptype != kPtypeBindAck) {
    *error = "a " + PtypeName(read.header.ptype) + " PDU instead of bind_ack";
    return std::nullopt;
  }
  answer.ack = true;
  reader.Skip(2 + 2 + 4);  // max_xmit_frag, max_recv_frag, assoc_group_id
  const auto address = reader.Take(reader.U16());
  for (const auto byte : address) {
    if (byte == 0) break;
    answer.secondary_address += (byte >= 0x20 && byte < 0x7f) ? static_cast<char>(byte) : '?';
  }
  reader.AlignTo(4);
  const std::uint8_t results = reader.U8();
  reader.Skip(3);
  answer.result = reader.U16();
  answer.reason = reader.U16();
  if (!reader.Ok() || results == 0) {
    *error = "a bind_ack without a result for our presentation context";
    return std::nullopt;
  }
  return answer;
}

std::optional<std::span<const std::uint8_t>> ResponseStub(const PduRead& read) {
  const std::size_t trailer = read.header.auth_length == 0 ? 0 : kSecurityTrailerLength + read.header.auth_length;
  if (read.pdu.size() < kResponseHeaderLength + trailer) return std::nullopt;
  return read.pdu.subspan(kResponseHeaderLength, read.pdu.size() - kResponseHeaderLength - trailer);
}

std::optional<std::uint32_t> FaultStatus(const PduRead& read) {
  ByteReader reader(read.pdu, read.header.little_endian);
  reader.Skip(kResponseHeaderLength);
  const std::uint32_t status = reader.U32();
  if (!reader.Ok()) return std::nullopt;
  return status;
}

std::string PtypeName(std::uint8_t ptype) {
  static constexpr std::array<const char*, 20> kNames = {
      "request",   "ping",     "response",   "fault",   "working",  "nocall",   "reject",        "ack",
      "cl_cancel", "fack",     "cancel_ack", "bind",    "bind_ack", "bind_nak", "alter_context", "alter_context_resp",
      "auth3",     "shutdown", "co_cancel",  "orphaned"};
  if (ptype < kNames.size()) return kNames[ptype];
  return "ptype " + std::to_string(ptype);
}

bool LookupResult::MoreEntries() const {
  return std::any_of(entry_handle.begin(), entry_handle.end(), [](std::uint8_t byte) { return byte != 0; });
}

std::optional<LookupResult> ParseEptLookupStub(std::span<const std::uint8_t> stub, bool little_endian,
                                               std::string* error) {
  const auto fail = [&](std::string message) -> std::optional<LookupResult> {
    *error = std::move(message);
    return std::nullopt;
  };
  ByteReader reader(stub, little_endian);
  LookupResult result;
  const auto handle = reader.Take(result.entry_handle.size());
  if (reader.Ok()) std::copy(handle.begin(), handle.end(), result.entry_handle.begin());
  const std::uint32_t num_entries = reader.U32();
  reader.Skip(4 + 4);  // conformant varying array: max_count, offset
  const std::uint32_t actual_count = reader.U32();
  if (!reader.Ok()) return fail("an ept_lookup answer cut short before its entries");
  if (actual_count != num_entries) {
    return fail("ept_lookup says " + std::to_string(num_entries) + " entries, its array holds " +
                std::to_string(actual_count));
  }
  if (actual_count > reader.Remaining() / kMinEntryLength) {
    return fail("ept_lookup claims " + std::to_string(actual_count) + " entries in " +
                std::to_string(reader.Remaining()) + " bytes");
  }

  std::vector<std::uint32_t> tower_pointers;
  tower_pointers.reserve(actual_count);
  for (std::uint32_t i = 0; i < actual_count; ++i) {
    reader.Skip(sizeof(Uuid));  // the object UUID
    tower_pointers.push_back(reader.U32());
    reader.Skip(4);  // annotation: a varying string, offset
    reader.Skip(reader.U32());
    reader.AlignTo(4);
  }
  if (!reader.Ok()) return fail("an ept_lookup entry runs past the end of the answer");

  // The towers follow the array, in the order of their (non-null) pointers (NDR deferral).
  for (const std::uint32_t pointer : tower_pointers) {
    if (pointer == 0) continue;
    reader.AlignTo(4);
    reader.Skip(4);  // max_count of the conformant tower
    const std::uint32_t tower_length = reader.U32();
    const auto octets = reader.Take(tower_length);
    if (!reader.Ok()) return fail("an ept_lookup tower runs past the end of the answer");
    result.endpoints.push_back(ParseTower(octets));
  }
  reader.AlignTo(4);
  result.status = reader.U32();
  if (!reader.Ok()) return fail("an ept_lookup answer without its status");
  return result;
}

Bytes BuildConnectionlessLookup(const Uuid& activity_id) {
  const Bytes stub = EptLookupStub(ContextHandle{});
  Bytes pdu;
  pdu.push_back(kRpcVersionConnectionless);
  pdu.push_back(kPtypeRequest);
  pdu.push_back(kClFlagIdempotent);  // ept_lookup is idempotent: no conversation callback
  pdu.push_back(0);                  // flags2
  PutBytes(pdu, std::span(kDrepLittleEndianAscii).first(3));
  pdu.push_back(0);                                        // serial_hi
  PutBytes(pdu, Uuid{});                                   // object: nil
  PutBytes(pdu, kEpmInterface);                            // if_id
  PutBytes(pdu, activity_id);                              // act_id
  PutU32Le(pdu, 0);                                        // server_boot: unknown to a new client
  PutU32Le(pdu, kEpmVersion);                              // if_vers
  PutU32Le(pdu, 0);                                        // seqnum
  PutU16Le(pdu, kOpnumEptLookup);                          // opnum
  PutU16Le(pdu, kNoHint);                                  // ihint
  PutU16Le(pdu, kNoHint);                                  // ahint
  PutU16Le(pdu, static_cast<std::uint16_t>(stub.size()));  // len
  PutU16Le(pdu, 0);                                        // fragnum
  pdu.push_back(0);                                        // auth_proto: none
  pdu.push_back(0);                                        // serial_lo
  PutBytes(pdu, stub);
  return pdu;
}

std::optional<ClHeader> ParseConnectionless(std::span<const std::uint8_t> datagram, std::string* error) {
  if (datagram.empty() || datagram[0] != kRpcVersionConnectionless) {
    *error = "not a connectionless DCE/RPC PDU: " + DescribeForeignBytes(datagram);
    return std::nullopt;
  }
  if (datagram.size() < kClHeaderLength) {
    *error = "a connectionless DCE/RPC header cut short (" + std::to_string(datagram.size()) + " bytes)";
    return std::nullopt;
  }
  ClHeader header;
  ByteReader reader(datagram);
  reader.Skip(1);  // rpc_vers, checked above
  header.ptype = reader.U8();
  header.flags1 = reader.U8();
  reader.Skip(1);  // flags2
  header.little_endian = (reader.U8() & kDrepIntegerMask) == kDrepLittleEndian;
  reader.SetLittleEndian(header.little_endian);
  reader.Seek(kClActivityOffset);
  header.activity_id = ReadUuid(reader, header.little_endian);
  reader.Skip(4 + 4 + 4 + 2 + 2 + 2);  // server_boot, if_vers, seqnum, opnum, ihint, ahint
  const std::uint16_t length = reader.U16();
  reader.Skip(2 + 2);  // fragnum, auth_proto, serial_lo
  header.body = reader.Take(length);
  if (!reader.Ok()) {
    *error = "a connectionless DCE/RPC PDU whose body (" + std::to_string(length) + " bytes) runs past the datagram";
    return std::nullopt;
  }
  return header;
}

std::string ClPtypeName(std::uint8_t ptype) {
  return ptype <= kClPtypeCancelAck ? PtypeName(ptype) : "?";
}

std::string StatusName(std::uint32_t status) {
  char text[12];
  std::snprintf(text, sizeof text, "0x%08x", status);
  // C706 appendix E (nca_s_*), appendix O (ept_s_*), MS-RPCE 3.1.1.5.5 / MS-ERREF.
  switch (status) {
    case 0x00000005: return std::string(text) + " access denied";
    case 0x000006f7: return std::string(text) + " bad stub data";
    case 0x16c9a0d6: return std::string(text) + " ept_s_not_registered";
    case 0x1c010002: return std::string(text) + " nca_s_op_rng_error";
    case 0x1c010003: return std::string(text) + " nca_s_unk_if";
    case 0x1c010006: return std::string(text) + " nca_s_wrong_boot_time";
    case 0x1c01000b: return std::string(text) + " nca_s_proto_error";
    case 0x1c010014: return std::string(text) + " nca_s_server_too_busy";
    default: return text;
  }
}

}  // namespace portolan::probe::dcerpc
