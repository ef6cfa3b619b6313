#pragma once
// What the line-based ruleset readers share: shell-like tokens with their columns, and the
// names of protocols, ports, ICMP types and addresses as every format writes them.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/packet_set.hpp"
#include "core/address.hpp"
#include "core/diagnostics.hpp"

namespace portolan::audit::formats {

struct Token {
  std::string text;  // unquoted
  int column = 1;    // 1-based
  bool quoted = false;
};

// Splits on blanks; "double quotes" group (with \" and \\ inside). nullopt and a message for an
// unterminated quote.
std::optional<std::vector<Token>> Tokenize(std::string_view line, std::string* error);

// The lines of a text with their numbers; a final line without '\n' counts, '\r' is dropped.
std::vector<std::string_view> Lines(std::string_view text);

// A text that starts with a byte-order mark (UTF-16LE, UTF-16BE or UTF-8, as Windows tools write
// their exports: reg export, PowerShell 5.1's `>`) as UTF-8 without the mark; nullopt for a text
// without one. An unpaired surrogate or a stray last byte becomes U+FFFD.
std::optional<std::string> DecodeByteOrderMark(std::string_view bytes);
// The 1-based column, in characters (UTF-8 code points), of a byte offset in a line.
int CharacterColumn(std::string_view line, std::size_t offset);

// A decimal number from 0 to max, nothing else.
std::optional<int> ParseNumber(std::string_view text, int max);

// "tcp", "udp", "icmp", "ipv6-icmp"/"icmpv6", "gre", "esp", "ah", "sctp", or a number 0-255.
std::optional<int> ParseProtocol(std::string_view text);
// "22" or a service name iptables knows from /etc/services for the common ones.
std::optional<int> ParsePort(std::string_view text);
// ICMP or ICMPv6 type by name or "type[/code]"; the set of matching packets (dport field).
std::optional<PacketSet> ParseIcmpType(std::string_view text, bool v6);
// A format's ICMP names: name -> type and code (-1: any code).
using IcmpNames = std::map<std::string_view, std::pair<int, int>>;
// The packets of the ICMP type a name stands for; nullopt when the table does not have it.
std::optional<PacketSet> IcmpTypeByName(const IcmpNames& names, std::string_view text);
// An address with an optional prefix length or dotted mask; host bits are cleared, as the
// kernel does. nullopt on anything else.
std::optional<core::Network> ParseNetworkLenient(std::string_view text);
// "a-b" address range.
std::optional<std::pair<core::Network, core::Network>> ParseAddressRange(std::string_view text);

// Joins tokens back into text for notes ("-m recent --rcheck --seconds 60").
std::string JoinTokens(const std::vector<Token>& tokens, std::size_t first, std::size_t last);

}  // namespace portolan::audit::formats
