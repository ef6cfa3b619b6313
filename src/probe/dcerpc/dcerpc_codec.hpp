#pragma once
// DCE/RPC for the endpoint mapper probes: connection-oriented bind, ept_lookup request and the
// PDUs that answer them (C706 12.6, MS-RPCE 2.2.2), the connectionless request and its answers
// (C706 12.5), and the lookup's towers (C706 appendix L, MS-RPCE 2.2.1.2.4 / 2.2.1.3).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "probe/dialogue.hpp"

namespace portolan::probe::dcerpc {

// A UUID in NDR little-endian wire order (the first three fields byte-swapped).
using Uuid = std::array<std::uint8_t, 16>;
using ContextHandle = std::array<std::uint8_t, 20>;  // C706 ept_lookup_handle_t on the wire

// ---- Connection-oriented PDUs (C706 12.6.3) -------------------------------------------------
inline constexpr std::uint8_t kPtypeRequest = 0;
inline constexpr std::uint8_t kPtypeResponse = 2;
inline constexpr std::uint8_t kPtypeFault = 3;
inline constexpr std::uint8_t kPtypeBind = 11;
inline constexpr std::uint8_t kPtypeBindAck = 12;
inline constexpr std::uint8_t kPtypeBindNak = 13;
inline constexpr std::uint8_t kPfcFirstFrag = 0x01;
inline constexpr std::uint8_t kPfcLastFrag = 0x02;
inline constexpr std::size_t kCommonHeaderLength = 16;
inline constexpr std::uint16_t kOpnumEptLookup = 2;
inline constexpr std::uint32_t kEptMaxEntries = 100;  // per call: a page stays well under 64 KiB

Bytes BuildBind(std::uint32_t call_id);
Bytes BuildEptLookupRequest(std::uint32_t call_id, const ContextHandle& entry_handle);

struct PduHeader {
  std::uint8_t rpc_vers = 0;
  std::uint8_t rpc_vers_minor = 0;
  std::uint8_t ptype = 0;
  std::uint8_t flags = 0;
  bool little_endian = true;
  std::uint16_t frag_length = 0;
  std::uint16_t auth_length = 0;
  std::uint32_t call_id = 0;
};

enum class ParseStatus { kComplete, kIncomplete, kInvalid };

// The connection-oriented PDU at the start of `bytes`: kIncomplete until frag_length bytes are
// there; kInvalid (with *error) when the header is not a version 5 DCE/RPC header.
struct PduRead {
  ParseStatus status = ParseStatus::kInvalid;
  PduHeader header;
  std::span<const std::uint8_t> pdu;  // kComplete: the whole fragment
  std::string error;
};
PduRead ReadPdu(std::span<const std::uint8_t> bytes);

struct BindAnswer {
  bool ack = false;               // bind_ack; false: bind_nak
  std::uint16_t result = 0;       // bind_ack: the first context's result (0 acceptance)
  std::uint16_t reason = 0;       // bind_ack: provider reason; bind_nak: reject reason
  std::string secondary_address;  // bind_ack: "135"
};
std::optional<BindAnswer> ParseBindAnswer(const PduRead& read, std::string* error);

// Stub data of one response fragment (after the 8-byte response header, before any auth
// trailer); nullopt when the fragment is malformed.
std::optional<std::span<const std::uint8_t>> ResponseStub(const PduRead& read);
// The status of a fault PDU.
std::optional<std::uint32_t> FaultStatus(const PduRead& read);

std::string PtypeName(std::uint8_t ptype);

// ---- ept_lookup's result (C706 appendix O: ept_lookup; appendix L: towers) ------------------
struct Endpoint {
  std::optional<int> tcp_port;   // floor 0x07
  std::optional<int> udp_port;   // floor 0x08
  std::optional<int> http_port;  // floor 0x1f (ncacn_http)
  std::string ipv4;              // floor 0x09
  std::string interface_uuid;    // floor 1 (0x0d), "12345778-1234-abcd-ef00-0123456789ab"
};

struct LookupResult {
  ContextHandle entry_handle{};
  std::vector<Endpoint> endpoints;
  std::uint32_t status = 0;
  bool MoreEntries() const;  // a non-null entry handle: call again to continue
};
std::optional<LookupResult> ParseEptLookupStub(std::span<const std::uint8_t> stub, bool little_endian,
                                               std::string* error);

// ---- Connectionless PDUs (C706 12.5.3) ------------------------------------------------------
inline constexpr std::size_t kClHeaderLength = 80;
inline constexpr std::uint8_t kClPtypeWorking = 4;
inline constexpr std::uint8_t kClPtypeNocall = 5;
inline constexpr std::uint8_t kClPtypeReject = 6;
inline constexpr std::uint8_t kClPtypeCancelAck = 10;  // the last connectionless type

Bytes BuildConnectionlessLookup(const Uuid& activity_id);

struct ClHeader {
  std::uint8_t ptype = 0;
  std::uint8_t flags1 = 0;
  bool little_endian = true;
  Uuid activity_id{};  // normalised to little-endian wire order
  std::span<const std::uint8_t> body;
};
std::optional<ClHeader> ParseConnectionless(std::span<const std::uint8_t> datagram, std::string* error);
std::string ClPtypeName(std::uint8_t ptype);

// "0x1c010003 nca_s_unk_if" for the status codes a probe meets, the hex alone otherwise.
std::string StatusName(std::uint32_t status);

}  // namespace portolan::probe::dcerpc
