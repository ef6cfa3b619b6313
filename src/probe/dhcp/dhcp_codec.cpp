#include "probe/dhcp/dhcp_codec.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "core/platform.hpp"
#include "probe/wire/byte_reader.hpp"
#include "probe/wire/byte_writer.hpp"

namespace portolan::probe::dhcp {

namespace {

using wire::ByteReader;
using wire::PutU32Be;

constexpr std::size_t kFixedSize = 236;                                  // op .. file, RFC 2131 2 (figure 1)
constexpr std::array<std::uint8_t, 4> kMagicCookie = {99, 130, 83, 99};  // RFC 2131 3
constexpr std::size_t kMinimumMessage = 300;  // BOOTP's minimum, which some servers still expect
constexpr std::size_t kChaddrSize = 16;
constexpr std::size_t kAddressSize = 4;
constexpr std::uint8_t kOptionPad = 0;
constexpr std::uint8_t kOptionEnd = 255;
constexpr std::uint8_t kOptionMessageType = 53;
constexpr std::uint8_t kOptionServerId = 54;
constexpr std::uint8_t kOptionParameters = 55;
constexpr std::uint8_t kOptionDns = 6;
constexpr std::uint8_t kOptionDomain = 15;
constexpr std::uint8_t kOptionWins = 44;

// Every whole address of an option's value; a cut-off tail is ignored.
std::vector<std::string> Addresses(std::span<const std::uint8_t> value) {
  std::vector<std::string> addresses;
  ByteReader reader(value);
  while (reader.Remaining() >= kAddressSize) {
    const auto a = reader.Take(kAddressSize);
    addresses.push_back(fmt::format("{}.{}.{}.{}", a[0], a[1], a[2], a[3]));
  }
  return addresses;
}

}  // namespace

std::vector<std::uint8_t> BuildInform(std::uint32_t xid, const std::string& client_address) {
  std::uint8_t address[4] = {};
  if (!core::platform::ParseAddressBytes(false, client_address, address)) return {};
  std::vector<std::uint8_t> out;
  out.reserve(kMinimumMessage);
  out.push_back(kBootRequest);
  out.push_back(1);  // htype: Ethernet
  out.push_back(6);  // hlen
  out.push_back(0);  // hops
  PutU32Be(out, xid);
  wire::PutZeros(out, 2 + 2);                   // secs, flags
  out.insert(out.end(), address, address + 4);  // ciaddr, in network order as written
  wire::PutZeros(out, 3 * kAddressSize);        // yiaddr, siaddr, giaddr
  // A locally administered unicast MAC (02:...), so no real card's address is claimed.
  const std::size_t chaddr = out.size();
  out.push_back(0x02);
  out.push_back(0x70);
  PutU32Be(out, xid);
  wire::PutZeros(out, chaddr + kChaddrSize - out.size());
  wire::PutZeros(out, kFixedSize - out.size());  // sname, file
  wire::PutBytes(out, kMagicCookie);
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
  ByteReader reader(bytes);
  const std::uint8_t op = reader.U8();
  if (op != kBootReply) return fail(fmt::format("op {} is not a BOOTREPLY", op));
  reader.Skip(3);  // htype, hlen, hops
  Reply reply;
  reply.xid = reader.U32();
  reader.Seek(kFixedSize);
  const auto cookie = reader.Take(kMagicCookie.size());
  if (!std::equal(kMagicCookie.begin(), kMagicCookie.end(), cookie.begin(), cookie.end())) {
    return fail("no DHCP magic cookie");
  }
  while (reader.Remaining() > 0) {
    const std::uint8_t code = reader.U8();
    if (code == kOptionPad) continue;
    if (code == kOptionEnd) break;
    const std::size_t length = reader.U8();
    if (!reader.Ok()) return fail("an option without its length");
    const auto value = reader.Take(length);
    if (!reader.Ok()) return fail(fmt::format("option {} runs past the end", code));
    switch (code) {
      case kOptionMessageType:
        if (length == 1) reply.message_type = ByteReader(value).U8();
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
