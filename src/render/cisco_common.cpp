#include "render/cisco_common.hpp"

#include <fmt/format.h>

#include "render/text.hpp"

namespace portolan::render::cisco {

namespace {

constexpr std::string_view kPrefix = "PORTOLAN-";

}  // namespace

std::string AclName(std::string_view zone) {
  return fmt::format("{}FROM-{}", kPrefix, zone);
}

std::string ObjectGroupName(const policy::Policy& policy, int group) {
  std::string name = fmt::format("{}{}", kPrefix, policy.Group(group).name);
  // Group names are unique in the policy; their indices are too, so the fallback stays unique.
  if (name.size() > kObjectNameMax) name = fmt::format("{}GROUP{}", kPrefix, group + 1);
  return name;
}

std::string FitMembers(const std::string& members, std::size_t max_length) {
  if (members.size() <= max_length) return members;
  std::vector<std::string> names;
  for (std::size_t start = 0; start <= members.size();) {
    const std::size_t comma = members.find(", ", start);
    const std::size_t end = comma == std::string::npos ? members.size() : comma;
    names.push_back(members.substr(start, end - start));
    if (comma == std::string::npos) break;
    start = comma + 2;
  }
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string next = (i == 0 ? "" : ", ") + names[i];
    const std::size_t left = names.size() - i - 1;
    // Room for this name and, if more follow, for the "+N more" that then ends the text.
    const std::size_t reserve = left == 0 ? 0 : fmt::format(" +{} more", left).size();
    if (text.size() + next.size() + reserve > max_length) return fmt::format("{} +{} more", text, left + 1);
    text += next;
  }
  return text;
}

std::string ProtocolKeyword(Dialect dialect, core::Family family, catalog::Protocol protocol) {
  switch (protocol) {
    case catalog::Protocol::kTcp: return "tcp";
    case catalog::Protocol::kUdp: return "udp";
    case catalog::Protocol::kEsp: return "esp";
    case catalog::Protocol::kAh: return dialect == Dialect::kAsa ? "ah" : "ahp";
    case catalog::Protocol::kGre:
      // IOS IPv6 ACLs have no "gre" keyword; they take the protocol number.
      if (dialect == Dialect::kIos && family == core::Family::kIPv6) {
        return std::to_string(catalog::ProtocolNumber(protocol));
      }
      return "gre";
  }
  return std::to_string(catalog::ProtocolNumber(protocol));
}

std::vector<std::string> PortOperators(const core::PortSet& ports) {
  if (ports.Empty()) return {""};
  std::vector<std::string> operators;
  for (const auto& range : ports.Ranges()) {
    operators.push_back(range.first == range.last ? fmt::format("eq {}", range.first)
                                                  : fmt::format("range {} {}", range.first, range.last));
  }
  return operators;
}

std::string Ipv6Operand(const core::Network& network) {
  return network.IsHost() ? "host " + network.AddressString() : network.ToString();
}

std::vector<RemarkedPart> RemarkedParts(const policy::Policy& policy, const policy::Rule& rule,
                                        std::string_view prefix) {
  const std::size_t room = kRemarkMax - prefix.size();
  std::vector<RemarkedPart> parts;
  for (auto& part : SplitForComment(policy, rule, room)) {
    std::string remark = std::string(prefix) + FitComment(policy, part, room);
    parts.push_back({std::move(part), std::move(remark)});
  }
  return parts;
}

std::vector<ZoneRules> RulesByZone(const policy::Policy& policy) {
  std::vector<ZoneRules> zones;
  for (const auto& zone : policy.zones) {
    ZoneRules entry{zone, {}, {}};
    for (const auto& rule : policy.rules) {
      if (rule.from_zone == zone) entry.outgoing.push_back(&rule);
      if (rule.to_zone == zone) entry.incoming.push_back(&rule);
    }
    zones.push_back(std::move(entry));
  }
  return zones;
}

std::vector<std::string> LayoutLines(const policy::Policy& policy, Dialect dialect) {
  const std::string comment = dialect == Dialect::kAsa ? ":" : "!";
  std::vector<std::string> lines;
  lines.push_back("");
  lines.push_back("One ACL per zone, " + AclName("<zone>") + ", filters what enters the firewall from that zone:");
  lines.push_back("apply it inbound on the interface that faces the zone. The inventory does not name interfaces,");
  lines.push_back(
      fmt::format("so the bindings at the end are templates, commented out with '{}': edit the interface", comment));
  lines.push_back("names in, then paste them.");
  lines.push_back("Names start with PORTOLAN- and are created from scratch: an object-group or ACL of the same name");
  lines.push_back("that already exists would get these lines appended to it. Remove an older version first.");
  if (!policy.options.default_deny) {
    lines.push_back("A Cisco ACL ends in an implicit deny even without the explicit one: merge these entries into the");
    lines.push_back("existing ACL of each interface, above its final deny, rather than applying them on their own.");
  }
  return lines;
}

}  // namespace portolan::render::cisco
