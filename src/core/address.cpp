#include "core/address.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <tuple>

#include <fmt/format.h>

#include "core/platform.hpp"

namespace portolan::core {

std::string_view FamilyName(Family family) {
  return family == Family::kIPv4 ? "ipv4" : "ipv6";
}

bool Network::Contains(const Network& other) const {
  if (family != other.family || other.prefix_length < prefix_length) return false;
  const int full_bytes = prefix_length / 8;
  if (std::memcmp(bytes.data(), other.bytes.data(), full_bytes) != 0) return false;
  const int rest_bits = prefix_length % 8;
  if (rest_bits == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest_bits));
  return (bytes[full_bytes] & mask) == (other.bytes[full_bytes] & mask);
}

std::string Network::AddressString() const {
  return platform::AddressText(family == Family::kIPv6, bytes.data());
}

std::string Network::MaskString(bool wildcard) const {
  const std::uint32_t mask = prefix_length == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_length);
  const std::uint32_t value = wildcard ? ~mask : mask;
  return fmt::format("{}.{}.{}.{}", value >> 24, (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF);
}

namespace {

bool BitAt(const Network& network, int bit) {
  return (network.bytes[bit / 8] >> (7 - bit % 8)) & 1;
}

// Two networks of one prefix length that differ only in their last prefix bit, lower one first.
bool AreSiblings(const Network& low, const Network& high) {
  if (low.family != high.family || low.prefix_length != high.prefix_length || low.prefix_length == 0) return false;
  const int bit = low.prefix_length - 1;
  if (BitAt(low, bit) || !BitAt(high, bit)) return false;
  Network parent = low;
  parent.prefix_length = bit;
  return parent.Contains(high);
}

}  // namespace

std::vector<Network> CollapseNetworks(std::vector<Network> networks) {
  std::sort(networks.begin(), networks.end(), [](const Network& a, const Network& b) {
    return std::tie(a.family, a.bytes, a.prefix_length) < std::tie(b.family, b.bytes, b.prefix_length);
  });
  std::vector<Network> result;
  for (const auto& network : networks) {
    if (!result.empty() && result.back().Contains(network)) continue;
    result.push_back(network);
    // A joined parent may in turn be the upper sibling of the network before it.
    while (result.size() >= 2 && AreSiblings(result[result.size() - 2], result.back())) {
      result.pop_back();
      result.back().prefix_length -= 1;
    }
  }
  return result;
}

std::string Network::ToString() const {
  return fmt::format("{}/{}", AddressString(), prefix_length);
}

namespace {

void Fail(ParseFailure* failure, std::string message) {
  if (failure != nullptr) failure->message = std::move(message);
}

std::optional<Network> ParseBareAddress(std::string_view text, ParseFailure* failure) {
  const std::string copy(text);
  Network network;
  if (copy.find(':') != std::string::npos) {
    network.family = Family::kIPv6;
    network.prefix_length = 128;
    if (platform::ParseAddressBytes(true, copy, network.bytes.data())) return network;
    Fail(failure, fmt::format("'{}' is not an IPv6 address", copy));
    return std::nullopt;
  }
  network.family = Family::kIPv4;
  network.prefix_length = 32;
  // Only the four-part dotted quad, which is what we want.
  if (platform::ParseAddressBytes(false, copy, network.bytes.data())) return network;
  Fail(failure, fmt::format("'{}' is not an IPv4 address (expected a dotted quad such as 10.0.0.1)", copy));
  return std::nullopt;
}

bool HostBitsAreZero(const Network& network) {
  const int total_bytes = network.family == Family::kIPv4 ? 4 : 16;
  for (int bit = network.prefix_length; bit < total_bytes * 8; ++bit) {
    if (network.bytes[bit / 8] & (0x80 >> (bit % 8))) return false;
  }
  return true;
}

}  // namespace

std::optional<Network> ParseAddress(std::string_view text, ParseFailure* failure) {
  if (text.find('/') != std::string_view::npos) {
    Fail(failure, fmt::format("'{}' is a network; a host address has no /prefix", text));
    return std::nullopt;
  }
  return ParseBareAddress(text, failure);
}

std::optional<Network> ParseNetwork(std::string_view text, ParseFailure* failure) {
  const auto slash = text.find('/');
  auto network = ParseBareAddress(text.substr(0, slash), failure);
  if (!network || slash == std::string_view::npos) return network;

  const auto prefix_text = text.substr(slash + 1);
  int prefix = -1;
  const auto [end, error] = std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
  if (error != std::errc{} || end != prefix_text.data() + prefix_text.size() || prefix < 0 ||
      prefix > network->MaxPrefix()) {
    Fail(failure, fmt::format("'{}' has a bad prefix length (expected 0-{})", text, network->MaxPrefix()));
    return std::nullopt;
  }
  network->prefix_length = prefix;
  if (!HostBitsAreZero(*network)) {
    Fail(failure, fmt::format("'{}' has host bits set after /{} (did you mean a network address?)", text, prefix));
    return std::nullopt;
  }
  return network;
}

}  // namespace portolan::core
