#pragma once
// NetBIOS over TCP/IP (RFC 1002): first-level name encoding, the session service's SESSION
// REQUEST and its answers (TCP 139), and the name service's NODE STATUS query (UDP 137).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "probe/dialogue.hpp"

namespace portolan::probe::netbios {

// RFC 1002 4.1 / RFC 1001 14.1: a NetBIOS name is 16 bytes, 15 of name and a suffix (type).
inline constexpr std::size_t kNameLength = 16;
inline constexpr std::size_t kEncodedNameLength = 32;
inline constexpr std::uint8_t kSuffixWorkstation = 0x00;
inline constexpr std::uint8_t kSuffixFileServer = 0x20;
inline constexpr std::string_view kAnyServerName = "*SMBSERVER";  // answered by any SMB server

// "dc01.corp.example" -> "DC01": the host label, upper case, at most 15 characters.
std::string NetbiosNameOf(std::string_view host);

// The 34-byte encoded name field: length 32, the 32 letters of RFC 1002 4.1 (each nibble of
// the padded name plus 'A'), and the empty root label (no scope id).
Bytes EncodeNameField(std::string_view name, std::uint8_t suffix, char pad = ' ');

// ---- Session service (RFC 1002 4.3) ----------------------------------------------------
inline constexpr std::uint8_t kSessionMessage = 0x00;
inline constexpr std::uint8_t kSessionRequest = 0x81;
inline constexpr std::uint8_t kPositiveSessionResponse = 0x82;
inline constexpr std::uint8_t kNegativeSessionResponse = 0x83;
inline constexpr std::uint8_t kRetargetSessionResponse = 0x84;
inline constexpr std::uint8_t kSessionKeepAlive = 0x85;
inline constexpr std::size_t kSessionHeaderLength = 4;

Bytes BuildSessionRequest(std::string_view called_name, std::string_view calling_name);

struct SessionReply {
  std::uint8_t type = 0;
  std::uint8_t error_code = 0;   // negative response
  std::string retarget_address;  // retarget response: "10.0.0.11"
  int retarget_port = 0;
};

enum class ParseStatus { kComplete, kIncomplete, kInvalid };

struct SessionParse {
  ParseStatus status = ParseStatus::kInvalid;
  SessionReply reply;
  std::string error;  // kInvalid: what is wrong
};

// Parses the first session packet of `bytes`; kIncomplete until all of it has arrived.
SessionParse ParseSessionReply(std::span<const std::uint8_t> bytes);

// RFC 1002 4.3.4: "called name not present" for 0x82, ...
std::string NegativeResponseReason(std::uint8_t error_code);

// ---- Name service NODE STATUS (RFC 1002 4.2.17, 4.2.18) -----------------------------------
inline constexpr std::uint16_t kTypeNbstat = 0x0021;
inline constexpr std::uint16_t kClassInternet = 0x0001;

Bytes BuildNodeStatusRequest(std::uint16_t transaction_id);

struct NodeName {
  std::string name;  // printable, trailing spaces removed
  std::uint8_t suffix = 0;
  bool group = false;
};

struct NodeStatus {
  std::uint16_t transaction_id = 0;
  bool response = false;
  std::uint8_t opcode = 0;
  std::uint8_t rcode = 0;
  bool has_nbstat = false;  // an answer record of type NBSTAT
  std::vector<NodeName> names;
  std::optional<std::array<std::uint8_t, 6>> unit_id;
};

// Parses a name service packet; nullopt (and *error) when it is not one.
std::optional<NodeStatus> ParseNodeStatusResponse(std::span<const std::uint8_t> bytes, std::string* error);

}  // namespace portolan::probe::netbios
