#include "probe/dhcp/dhcp_codec.hpp"

#include <arpa/inet.h>

#include <array>

#include <fmt/format.h>

namespace portolan::probe::dhcp {

namespace {

constexpr std::size_t kFixedSize = 236;                                  // op .. file, RFC 2131 2 (figure 1)
constexpr std::array<std::uint8_t, 4> kMagicCookie = {99, 130, 83, 99};  // RFC 2131 3
constexpr std::size_t kMinimumMessage = 300;  // BOOTP's minimum, which some servers still expect
constexpr std::size_t kCiaddrOffset = 12;
constexpr std::size_t kChaddrOffset = 28;
constexpr std::uint8_t kOptionPad = 0;
constexpr std::uint8_t kOptionEnd = 255;
constexpr std::uint8_t kOptionMessageType = 53;
constexpr std::uint8_t kOptionServerId = 54;
constexpr std::uint8_t kOptionParameters = 55;
constexpr std::uint8_t kOptionDns = 6;
constexpr std::uint8_t kOptionDomain = 15;
constexpr std::uint8_t kOptionWins = 44;

void Put32(std::vector<std::uint8_t>& out, std::size_t at, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
}

std::vector<std::string> Addresses(std::span<const std::uint8_t> value) {
  std::vector<std::string> addresses;
  for (std::size_t i = 0; i + 4 <= value.size(); i += 4) {
    addresses.push_back(fmt::format("{}.{}.{}.{}", value[i], value[i + 1], value[i + 2], value[i + 3]));
  }
  return addresses;
}

}  // namespace

std::vector<std::uint8_t> BuildInform(std::uint32_t xid, const std::string& client_address) {
  in_addr address{};
  if (inet_pton(AF_INET, client_address.c_str(), &address) != 1) return {};
  std::vector<std::uint8_t> out(kFixedSize, 0);
  out[0] = kBootRequest;
  out[1] = 1;  // htype: Ethernet
  out[2] = 6;  // hlen
  Put32(out, 4, xid);
  Put32(out, kCiaddrOffset, ntohl(address.s_addr));
  // A locally administered unicast MAC (02:...), so no real card's address is claimed.
  out[kChaddrOffset] = 0x02;
  out[kChaddrOffset + 1] = 0x70;
  Put32(out, kChaddrOffset + 2, xid);
  out.insert(out.end(), kMagicCookie.begin(), kMagicCookie.end());
  out.insert(out.end(), {kOptionMessageType, 1, kInform});
  out.insert(out.end(), {kOptionParameters, 5, 1, 3, kOptionDns, kOptionDomain, kOptionWins});
  out.push_back(kOptionEnd);
  if (out.size() < kMinimumMessage) out.resize(kMinimumMessage, kOptionPad);
  return out;
}

std::optional<Reply> ParseReply(std::span<const std::uint8_t> bytes, std::string* error) {
  const auto fail = [&](std::string why) -> std::optional<Reply> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  if (bytes.size() < kFixedSize + kMagicCookie.size())
    return fail(fmt::format("{} bytes, shorter than a DHCP message", bytes.size()));
  if (bytes[0] != kBootReply) return fail(fmt::format("op {} is not a BOOTREPLY", bytes[0]));
  if (!std::equal(kMagicCookie.begin(), kMagicCookie.end(), bytes.begin() + kFixedSize)) {
    return fail("no DHCP magic cookie");
  }
  Reply reply;
  reply.xid =
      (std::uint32_t{bytes[4]} << 24) | (std::uint32_t{bytes[5]} << 16) | (std::uint32_t{bytes[6]} << 8) | bytes[7];
  std::size_t at = kFixedSize + kMagicCookie.size();
  while (at < bytes.size()) {
    const std::uint8_t code = bytes[at++];
    if (code == kOptionPad) continue;
    if (code == kOptionEnd) break;
    if (at >= bytes.size()) return fail("an option without its length");
    const std::size_t length = bytes[at++];
    if (at + length > bytes.size()) return fail(fmt::format("option {} runs past the end", code));
    const auto value = bytes.subspan(at, length);
    at += length;
    switch (code) {
      case kOptionMessageType:
        if (length == 1) reply.message_type = value[0];
        break;
      case kOptionServerId:
        if (length == 4) reply.server_id = Addresses(value).front();
        break;
      case kOptionDns: reply.dns_servers = Addresses(value); break;
      case kOptionWins: reply.wins_servers = Addresses(value); break;
      case kOptionDomain:
        for (const auto c : value) reply.domain += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '?';
        break;
      default: break;
    }
  }
  return reply;
}

}  // namespace portolan::probe::dhcp
