#include "audit/http_methods.hpp"

#include <algorithm>
#include <array>
#include <map>

#include <fmt/format.h>

namespace portolan::audit {

namespace {

// The order is the code; it never changes (the report lists methods in this order).
constexpr std::array<std::string_view, 53> kFixedMethods = {
    // RFC 9110, and PATCH (RFC 5789)
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    // SMS / ConfigMgr clients, and the BITS upload protocol (after GET and HEAD, as the catalog lists them)
    "CCM_POST", "BITS_POST",
    // WebDAV (RFC 4918, 5323)
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH",
    // the rest of the IANA registry
    "ACL", "BASELINE-CONTROL", "BIND", "CHECKIN", "CHECKOUT", "LABEL", "LINK", "MERGE", "MKACTIVITY", "MKCALENDAR",
    "MKREDIRECTREF", "MKWORKSPACE", "ORDERPATCH", "PRI", "QUERY", "REBIND", "REPORT", "UNBIND", "UNCHECKOUT", "UNLINK",
    "UPDATE", "UPDATEREDIRECTREF", "VERSION-CONTROL",
    // Squid's own, and Exchange's WebDAV extensions
    "PURGE", "BCOPY", "BDELETE", "BMOVE", "BPROPFIND", "BPROPPATCH", "NOTIFY", "POLL", "SUBSCRIBE", "UNSUBSCRIBE",
    "X-MS-ENUMATTS"};

constexpr int kMaxCode = 65535;
constexpr int kMaxOrdinaryCode = kCacheManagerCodes - 1;

// Names outside the table, with the codes this process gave them.
struct Extensions {
  std::map<std::string, int, std::less<>> codes;
  std::vector<std::string> names;  // by code - FixedMethodCount()
};

Extensions& Registry() {
  static Extensions extensions;
  return extensions;
}

int FirstUnnamed() {
  return FixedMethodCount() + static_cast<int>(Registry().names.size());
}

bool Holds(const Ranges& ranges, Uint128 value) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [value](const ValueRange& range) { return range.first <= value && value <= range.last; });
}

bool HoldsAnyFrom(const Ranges& ranges, Uint128 first) {
  return std::any_of(ranges.begin(), ranges.end(), [first](const ValueRange& range) { return range.last >= first; });
}

// The named codes in (or out of) a set: fixed ones in table order, then extensions by name.
std::vector<std::string> NamedCodes(const Ranges& codes, bool in) {
  std::vector<std::string> names;
  for (int code = 0; code < FixedMethodCount(); ++code)
    if (Holds(codes, static_cast<Uint128>(code)) == in) names.emplace_back(kFixedMethods[code]);
  std::vector<std::string> extensions;
  const auto& registry = Registry();
  for (std::size_t i = 0; i < registry.names.size(); ++i) {
    const int code = FixedMethodCount() + static_cast<int>(i);
    if (Holds(codes, static_cast<Uint128>(code)) == in) extensions.push_back(registry.names[i]);
  }
  std::sort(extensions.begin(), extensions.end());
  names.insert(names.end(), extensions.begin(), extensions.end());
  return names;
}

}  // namespace

int FixedMethodCount() {
  return static_cast<int>(kFixedMethods.size());
}

std::optional<int> MethodCode(std::string_view name) {
  const auto fixed = std::find(kFixedMethods.begin(), kFixedMethods.end(), name);
  if (fixed != kFixedMethods.end()) return static_cast<int>(fixed - kFixedMethods.begin());
  auto& registry = Registry();
  if (const auto it = registry.codes.find(name); it != registry.codes.end()) return it->second;
  if (static_cast<int>(registry.names.size()) >= kMaxExtensionMethods) return std::nullopt;
  const int code = FirstUnnamed();
  registry.codes.emplace(std::string(name), code);
  registry.names.emplace_back(name);
  return code;
}

std::optional<std::string> MethodName(int code) {
  if (code >= 0 && code < FixedMethodCount()) return std::string(kFixedMethods[code]);
  const auto& names = Registry().names;
  const auto index = code - FixedMethodCount();
  if (index >= 0 && index < static_cast<int>(names.size())) return names[index];
  return std::nullopt;
}

PacketSet AnyRequestWithMethod(int code) {
  return PacketSet::SourcePorts(code, code) |
         PacketSet::SourcePorts(code + kCacheManagerCodes, code + kCacheManagerCodes);
}

PacketSet MethodSet(const std::vector<std::string>& names) {
  auto set = PacketSet::None();
  for (const auto& name : names) {
    const auto code = MethodCode(name);
    if (code) set |= PacketSet::SourcePorts(*code, *code);
  }
  return set;
}

PacketSet UnnamedMethods() {
  return PacketSet::SourcePorts(FirstUnnamed(), kMaxOrdinaryCode) |
         PacketSet::SourcePorts(FirstUnnamed() + kCacheManagerCodes, kMaxCode);
}

PacketSet CacheManagerRequests() {
  return PacketSet::SourcePorts(kCacheManagerCodes, kMaxCode);
}

namespace {

// The codes of one half (ordinary requests, or cache manager ones shifted down), as methods.
std::string HalfText(const Ranges& codes) {
  if (codes.empty()) return "none";
  if (codes.size() == 1 && codes[0].first == 0 && codes[0].last == kMaxOrdinaryCode) return "any";
  const auto in = NamedCodes(codes, true);
  if (!HoldsAnyFrom(codes, static_cast<Uint128>(FirstUnnamed()))) return fmt::format("{}", fmt::join(in, ", "));
  const auto out = NamedCodes(codes, false);
  if (in.empty()) return "any other method";
  if (out.size() <= in.size()) return fmt::format("any method but {}", fmt::join(out, ", "));
  return fmt::format("{}, any other method", fmt::join(in, ", "));
}

}  // namespace

std::string MethodsText(const Ranges& codes) {
  Ranges ordinary = IntersectRanges(codes, Ranges{{0, kMaxOrdinaryCode}});
  Ranges manager;
  for (const auto& range : IntersectRanges(codes, Ranges{{kCacheManagerCodes, kMaxCode}}))
    manager.push_back({range.first - kCacheManagerCodes, range.last - kCacheManagerCodes});
  if (manager == ordinary) return HalfText(ordinary);
  if (manager.empty()) return HalfText(ordinary);  // a proxy audit's boxes: it carries no cache manager request
  if (ordinary.empty()) return fmt::format("cache manager requests: {}", HalfText(manager));
  return fmt::format("{}; cache manager requests: {}", HalfText(ordinary), HalfText(manager));
}

std::string RequestText(const Packet& packet) {
  const int shift = packet.family == core::Family::kIPv4 ? 96 : 0;
  const auto address = [&](Uint128 plain) {
    return NetworkOf(packet.family, plain << shift, packet.family == core::Family::kIPv4 ? 32 : 128).AddressString();
  };
  const auto destination = address(packet.destination);
  const bool manager = packet.source_port >= kCacheManagerCodes;
  const auto method = MethodName(packet.source_port - (manager ? kCacheManagerCodes : 0));
  return fmt::format("{} -> {}:{} {}{}", address(packet.source),
                     packet.family == core::Family::kIPv6 ? "[" + destination + "]" : destination,
                     packet.destination_port, method ? *method : std::string("(another method)"),
                     manager ? " (cache manager)" : "");
}

}  // namespace portolan::audit
