#include "render/windows_common.hpp"

#include <fmt/format.h>

#include "render/text.hpp"

namespace portolan::render {

namespace {

std::string_view PartSuffix(policy::PortKeyword keyword) {
  switch (keyword) {
    case policy::PortKeyword::kRpcEndpointMapper: return "-epmap";
    case policy::PortKeyword::kRpcDynamic: return "-rpc";
    case policy::PortKeyword::kNone: break;
  }
  return "";
}

}  // namespace

std::vector<RulePart> SplitByKeyword(const policy::Rule& rule) {
  const bool keywords_apply = rule.direction == policy::Direction::kInbound && rule.protocol == catalog::Protocol::kTcp;
  std::vector<RulePart> parts;
  // Numbers first, then the endpoint mapper, then the dynamic range: the order of the ports.
  for (const auto keyword :
       {policy::PortKeyword::kNone, policy::PortKeyword::kRpcEndpointMapper, policy::PortKeyword::kRpcDynamic}) {
    RulePart part{rule, keyword};
    part.rule.items.clear();
    for (const auto& item : rule.items) {
      const auto effective = keywords_apply ? item.keyword : policy::PortKeyword::kNone;
      if (effective == keyword) part.rule.items.push_back(item);
    }
    if (part.rule.items.empty()) continue;
    part.rule.name += PartSuffix(keyword);
    parts.push_back(std::move(part));
  }
  return parts;
}

std::string WindowsRuleName(const policy::Policy& policy, const policy::Rule& rule) {
  return AsciiOnly(fmt::format("{}-{}-{}", kWindowsGroup, policy.HostName(), rule.name));
}

const policy::AddressGroup& RemoteGroup(const policy::Policy& policy, const policy::Rule& rule) {
  return rule.direction == policy::Direction::kOutbound ? policy.Destinations(rule) : policy.Sources(rule);
}

const policy::AddressGroup& LocalGroup(const policy::Policy& policy, const policy::Rule& rule) {
  return rule.direction == policy::Direction::kOutbound ? policy.Sources(rule) : policy.Destinations(rule);
}

std::string WindowsAddress(const core::Network& network) {
  return network.IsHost() ? network.AddressString() : network.ToString();
}

std::vector<std::string> WindowsAddresses(const std::vector<core::Network>& networks) {
  std::vector<std::string> addresses;
  addresses.reserve(networks.size());
  for (const auto& network : networks) addresses.push_back(WindowsAddress(network));
  return addresses;
}

std::string WindowsProtocol(catalog::Protocol protocol) {
  switch (protocol) {
    case catalog::Protocol::kTcp: return "TCP";
    case catalog::Protocol::kUdp: return "UDP";
    default: return std::to_string(catalog::ProtocolNumber(protocol));
  }
}

std::string PartDescription(const policy::Policy& policy, const RulePart& part, std::string_view keyword_spelling) {
  std::string text = DescribeRule(policy, part.rule, part.rule.items);
  if (part.keyword != policy::PortKeyword::kNone) text += fmt::format(" (as keyword {})", keyword_spelling);
  return AsciiOnly(fmt::format("{}; entries {}", text, EntryIds(policy, part.rule.Entries())));
}

std::string PartTitle(const policy::Policy& policy, const RulePart& part, std::size_t max_length) {
  // FitComment starts with the rule's flow id; the title starts with "portolan F02-in" instead.
  policy::Rule titled = part.rule;
  titled.flow_id = fmt::format("{} {}", kWindowsGroup, part.rule.name);
  return AsciiOnly(FitComment(policy, titled, max_length));
}

std::string AsciiOnly(std::string_view text) {
  std::string ascii;
  ascii.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    ascii += byte >= 0x20 && byte < 0x7f ? c : '?';
  }
  return ascii;
}

std::string BatchText(std::string_view text) {
  std::string safe;
  for (const char c : AsciiOnly(text)) {
    switch (c) {
      case '%': safe += "%%"; break;
      case '"': safe += '\''; break;
      case '^':
      case '&':
      case '|':
      case '<':
      case '>': safe += '_'; break;
      default: safe += c;
    }
  }
  return safe;
}

std::vector<std::string> WindowsModelLines() {
  return {
      "Windows Firewall is stateful: the replies of an allowed connection pass without a rule.",
      "It applies rules by precedence, not in order (authenticated bypass, then block, then",
      "allow), so a \"block everything\" rule would beat every allow rule below. There is none:",
      "the default deny is the profiles' default action (Block).",
      "RPCEPMap and RPC are Windows' keywords for the RPC endpoint mapper (TCP 135) and for the",
      "ports the endpoint mapper has handed out to RPC services (inside the host's dynamic",
      "range, which the plan opens by number): Windows allows only what is registered there.",
  };
}

std::string BatchWriter::Finish() {
  Line("exit /b 0");
  Line();
  Line(":failed");
  Line("echo portolan: a netsh command failed; the commands after it, the default deny included, did not run. 1>&2");
  Line("exit /b 1");
  return std::move(text_);
}

}  // namespace portolan::render
