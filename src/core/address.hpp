#pragma once
// IPv4 and IPv6 addresses and networks (CIDR prefixes) as value types, parsed strictly:
// a network's host bits must be zero, so "10.1.0.1/16" is an error, not a silent widening.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portolan::core {

enum class Family { kIPv4, kIPv6 };

std::string_view FamilyName(Family family);  // "ipv4" / "ipv6"

struct Network {
  Family family = Family::kIPv4;
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4 bytes
  int prefix_length = 32;

  int MaxPrefix() const { return family == Family::kIPv4 ? 32 : 128; }
  bool IsHost() const { return prefix_length == MaxPrefix(); }
  bool Contains(const Network& other) const;
  std::string ToString() const;       // always with the prefix: "10.0.0.1/32", "2001:db8::/32"
  std::string AddressString() const;  // the address part alone
  // IPv4 only: the prefix as a dotted mask ("255.255.0.0") or a Cisco wildcard ("0.0.255.255").
  std::string MaskString(bool wildcard = false) const;

  auto operator<=>(const Network&) const = default;
};

struct ParseFailure {
  std::string message;  // what was expected, for a diagnostic
};

// The smallest list of networks that covers exactly the same addresses: duplicates and contained
// networks dropped, sibling halves joined (10.0.0.0/25 + 10.0.0.128/25 -> 10.0.0.0/24).
// Sorted by family, then address. It never covers an address the input does not.
std::vector<Network> CollapseNetworks(std::vector<Network> networks);

// "10.0.0.1" -> a /32 host network. Rejects prefixes.
std::optional<Network> ParseAddress(std::string_view text, ParseFailure* failure = nullptr);
// "10.1.0.0/16"; a bare address is a host network. Rejects set host bits.
std::optional<Network> ParseNetwork(std::string_view text, ParseFailure* failure = nullptr);

}  // namespace portolan::core
