#include "core/address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

#include <fmt/format.h>

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
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == Family::kIPv4 ? AF_INET : AF_INET6, bytes.data(), buffer, sizeof buffer);
  return buffer;
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
    if (inet_pton(AF_INET6, copy.c_str(), network.bytes.data()) == 1) return network;
    Fail(failure, fmt::format("'{}' is not an IPv6 address", copy));
    return std::nullopt;
  }
  network.family = Family::kIPv4;
  network.prefix_length = 32;
  // inet_pton(AF_INET) accepts only the four-part dotted quad, which is what we want.
  if (inet_pton(AF_INET, copy.c_str(), network.bytes.data()) == 1) return network;
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
