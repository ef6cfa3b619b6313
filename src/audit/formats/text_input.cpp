#include "audit/formats/text_input.hpp"

#include <charconv>
#include <cstdint>
#include <map>

namespace portolan::audit::formats {

std::optional<int> ParseNumber(std::string_view text, int max) {
  int value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < 0 || value > max) return std::nullopt;
  return value;
}

std::optional<std::vector<Token>> Tokenize(std::string_view line, std::string* error) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ' || line[i] == '\t') {
      ++i;
      continue;
    }
    Token token;
    token.column = static_cast<int>(i) + 1;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
      if (line[i] != '"') {
        token.text += line[i++];
        continue;
      }
      token.quoted = true;
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '\\' && i + 1 < line.size()) {
          token.text += line[i + 1];
          i += 2;
        } else if (line[i] == '"') {
          ++i;
          closed = true;
          break;
        } else {
          token.text += line[i++];
        }
      }
      if (!closed) {
        if (error) *error = "unterminated quote";
        return std::nullopt;
      }
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

namespace {

void AppendUtf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

constexpr std::uint32_t kReplacementCharacter = 0xFFFD;
constexpr std::uint32_t kHighSurrogates = 0xD800;  // to 0xDBFF, then the low ones to 0xDFFF
constexpr std::uint32_t kLowSurrogates = 0xDC00;
constexpr std::uint32_t kSurrogatesEnd = 0xE000;
constexpr std::uint32_t kSupplementaryPlanes = 0x10000;
constexpr int kSurrogateBits = 10;

std::string DecodeUtf16(std::string_view bytes, bool little_endian) {
  std::string out;
  out.reserve(bytes.size() / 2);
  auto unit = [&](std::size_t i) {
    const auto first = static_cast<std::uint8_t>(bytes[i]);
    const auto second = static_cast<std::uint8_t>(bytes[i + 1]);
    return static_cast<std::uint32_t>(little_endian ? first | (second << 8) : (first << 8) | second);
  };
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    const auto code = unit(i);
    if (code >= kHighSurrogates && code < kLowSurrogates && i + 3 < bytes.size()) {
      const auto low = unit(i + 2);
      if (low >= kLowSurrogates && low < kSurrogatesEnd) {
        AppendUtf8(out, kSupplementaryPlanes + ((code - kHighSurrogates) << kSurrogateBits) + (low - kLowSurrogates));
        i += 2;
        continue;
      }
    }
    AppendUtf8(out, code >= kHighSurrogates && code < kSurrogatesEnd ? kReplacementCharacter : code);
  }
  if (i < bytes.size()) AppendUtf8(out, kReplacementCharacter);
  return out;
}

}  // namespace

std::optional<std::string> DecodeByteOrderMark(std::string_view bytes) {
  if (bytes.starts_with("\xFF\xFE")) return DecodeUtf16(bytes.substr(2), true);
  if (bytes.starts_with("\xFE\xFF")) return DecodeUtf16(bytes.substr(2), false);
  if (bytes.starts_with("\xEF\xBB\xBF")) return std::string(bytes.substr(3));
  return std::nullopt;
}

int CharacterColumn(std::string_view line, std::size_t offset) {
  int column = 1;
  for (std::size_t i = 0; i < offset && i < line.size(); ++i)
    if ((static_cast<std::uint8_t>(line[i]) & 0xC0) != 0x80) ++column;  // not a continuation byte
  return column;
}

std::optional<int> ParseProtocol(std::string_view text) {
  static const std::map<std::string_view, int> kNames = {
      {"icmp", 1},   {"igmp", 2},      {"tcp", 6},        {"udp", 17},    {"ipv6", 41},  {"gre", 47},
      {"esp", 50},   {"ah", 51},       {"ipv6-icmp", 58}, {"icmpv6", 58}, {"icmp6", 58}, {"ospf", 89},
      {"sctp", 132}, {"udplite", 136}, {"dccp", 33},      {"pim", 103},   {"vrrp", 112}};
  std::string lower(text);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto it = kNames.find(lower);
  if (it != kNames.end()) return it->second;
  return ParseNumber(text, 255);
}

std::optional<int> ParsePort(std::string_view text) {
  static const std::map<std::string_view, int> kServices = {
      {"ftp-data", 20},       {"ftp", 21},         {"ssh", 22},
      {"telnet", 23},         {"smtp", 25},        {"domain", 53},
      {"bootps", 67},         {"bootpc", 68},      {"tftp", 69},
      {"http", 80},           {"www", 80},         {"kerberos", 88},
      {"pop3", 110},          {"sunrpc", 111},     {"ntp", 123},
      {"epmap", 135},         {"netbios-ns", 137}, {"netbios-dgm", 138},
      {"netbios-ssn", 139},   {"imap", 143},       {"snmp", 161},
      {"ldap", 389},          {"https", 443},      {"microsoft-ds", 445},
      {"ldaps", 636},         {"ms-sql-s", 1433},  {"ms-sql-m", 1434},
      {"pptp", 1723},         {"msft-gc", 3268},   {"msft-gc-ssl", 3269},
      {"ms-wbt-server", 3389}};
  const auto it = kServices.find(text);
  if (it != kServices.end()) return it->second;
  return ParseNumber(text, 65535);
}

std::optional<PacketSet> ParseIcmpType(std::string_view text, bool v6) {
  static const IcmpNames kV4 = {{"echo-reply", {0, -1}},
                                {"pong", {0, -1}},
                                {"destination-unreachable", {3, -1}},
                                {"network-unreachable", {3, 0}},
                                {"host-unreachable", {3, 1}},
                                {"protocol-unreachable", {3, 2}},
                                {"port-unreachable", {3, 3}},
                                {"fragmentation-needed", {3, 4}},
                                {"source-quench", {4, -1}},
                                {"redirect", {5, -1}},
                                {"echo-request", {8, -1}},
                                {"ping", {8, -1}},
                                {"router-advertisement", {9, -1}},
                                {"router-solicitation", {10, -1}},
                                {"time-exceeded", {11, -1}},
                                {"ttl-exceeded", {11, -1}},
                                {"parameter-problem", {12, -1}},
                                {"timestamp-request", {13, -1}},
                                {"timestamp-reply", {14, -1}}};
  static const IcmpNames kV6 = {{"destination-unreachable", {1, -1}},
                                {"no-route", {1, 0}},
                                {"packet-too-big", {2, -1}},
                                {"time-exceeded", {3, -1}},
                                {"ttl-exceeded", {3, -1}},
                                {"parameter-problem", {4, -1}},
                                {"echo-request", {128, -1}},
                                {"ping", {128, -1}},
                                {"echo-reply", {129, -1}},
                                {"pong", {129, -1}},
                                {"router-solicitation", {133, -1}},
                                {"router-advertisement", {134, -1}},
                                {"neighbour-solicitation", {135, -1}},
                                {"neighbor-solicitation", {135, -1}},
                                {"neighbour-advertisement", {136, -1}},
                                {"neighbor-advertisement", {136, -1}},
                                {"redirect", {137, -1}}};
  if (text == "any") return PacketSet::All();
  if (auto named = IcmpTypeByName(v6 ? kV6 : kV4, text)) return named;
  const auto slash = text.find('/');
  const auto type = ParseNumber(text.substr(0, slash), 255);
  if (!type) return std::nullopt;
  if (slash == std::string_view::npos) return PacketSet::IcmpType(*type, std::nullopt);
  const auto code = ParseNumber(text.substr(slash + 1), 255);
  if (!code) return std::nullopt;
  return PacketSet::IcmpType(*type, *code);
}

std::optional<PacketSet> IcmpTypeByName(const IcmpNames& names, std::string_view text) {
  const auto it = names.find(text);
  if (it == names.end()) return std::nullopt;
  const auto [type, code] = it->second;
  return PacketSet::IcmpType(type, code < 0 ? std::nullopt : std::optional<int>(code));
}

std::optional<core::Network> ParseNetworkLenient(std::string_view text) {
  const auto slash = text.find('/');
  auto address = core::ParseAddress(text.substr(0, slash));
  if (!address) return std::nullopt;
  if (slash == std::string_view::npos) return address;
  const auto suffix = text.substr(slash + 1);
  int prefix = -1;
  if (auto length = ParseNumber(suffix, address->MaxPrefix())) {
    prefix = *length;
  } else if (auto mask = core::ParseAddress(suffix);
             mask && address->family == core::Family::kIPv4 && mask->family == core::Family::kIPv4) {
    // A dotted mask must be contiguous ones.
    std::uint32_t bits = 0;
    for (int i = 0; i < 4; ++i) bits = (bits << 8) | mask->bytes[i];
    prefix = 0;
    while (prefix < 32 && (bits & (0x80000000u >> prefix))) ++prefix;
    if (prefix < 32 && (bits << prefix) != 0) return std::nullopt;
  } else {
    return std::nullopt;
  }
  address->prefix_length = prefix;
  for (int bit = prefix; bit < address->MaxPrefix(); ++bit)
    address->bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  return address;
}

std::optional<std::pair<core::Network, core::Network>> ParseAddressRange(std::string_view text) {
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto first = core::ParseAddress(text.substr(0, dash));
  auto last = core::ParseAddress(text.substr(dash + 1));
  if (!first || !last || first->family != last->family || PlainAddress(*first) > PlainAddress(*last))
    return std::nullopt;
  return std::make_pair(*first, *last);
}

std::string JoinTokens(const std::vector<Token>& tokens, std::size_t first, std::size_t last) {
  std::string text;
  for (std::size_t i = first; i < last && i < tokens.size(); ++i) {
    if (!text.empty()) text += ' ';
    text += tokens[i].quoted ? "\"" + tokens[i].text + "\"" : tokens[i].text;
  }
  return text;
}

}  // namespace portolan::audit::formats
