#pragma once
// DHCP (RFC 2131, options RFC 2132) as far as a reachability check needs it: a DHCPINFORM,
// which asks a server for configuration without leasing an address, and the parse of its
// answer. Pure: bytes in, struct out.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace portolan::probe::dhcp {

inline constexpr std::uint8_t kBootRequest = 1;  // op, RFC 2131 2
inline constexpr std::uint8_t kBootReply = 2;
inline constexpr std::uint8_t kInform = 8;  // option 53 values, RFC 2132 9.6
inline constexpr std::uint8_t kAck = 5;
inline constexpr std::uint8_t kNak = 6;

// A DHCPINFORM from the client at `client_address` (dotted IPv4, goes into ciaddr, where the
// server sends its answer), with transaction id `xid` and a locally administered hardware
// address derived from it. Empty when client_address is not IPv4.
std::vector<std::uint8_t> BuildInform(std::uint32_t xid, const std::string& client_address);

struct Reply {
  std::uint32_t xid = 0;
  std::optional<std::uint8_t> message_type;  // option 53
  std::string server_id;                     // option 54, dotted
  std::vector<std::string> dns_servers;      // option 6
  std::string domain;                        // option 15 (printable only)
  std::vector<std::string> wins_servers;     // option 44
};

// A BOOTREPLY with the magic cookie, or nullopt and why.
std::optional<Reply> ParseReply(std::span<const std::uint8_t> bytes, std::string* error);

}  // namespace portolan::probe::dhcp
