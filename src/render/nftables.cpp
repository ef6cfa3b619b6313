// nftables: one `nft -f` file with a table inet of its own, a named set per address group and
// one rule per flow (per zone pair in network mode), each with the flow and entry ids as its
// comment, which the kernel keeps and `nft list ruleset` shows.

#include <fmt/format.h>

#include "render/platforms.hpp"
#include "render/text.hpp"

namespace portolan::render {

namespace {

constexpr std::string_view kTable = "portolan";
constexpr std::size_t kMaxComment = 128;  // NFT_USERDATA_MAXLEN for rule comments

std::string_view AddressKeyword(core::Family family) {
  return family == core::Family::kIPv4 ? "ip" : "ip6";
}

std::string SetName(const policy::AddressGroup& group) {
  return group.name;
}

std::string Elements(const policy::AddressGroup& group) {
  std::vector<std::string> elements;
  for (const auto& network : group.networks) {
    elements.push_back(network.IsHost() ? network.AddressString() : network.ToString());
  }
  return fmt::format("{}", fmt::join(elements, ", "));
}

std::string PortMatch(const policy::Rule& rule) {
  const auto protocol = catalog::ProtocolName(rule.protocol);
  if (!catalog::ProtocolHasPorts(rule.protocol)) return fmt::format("meta l4proto {}", protocol);
  const auto ports = rule.Ports();
  std::vector<std::string> parts;
  for (const auto& range : ports.Ranges()) {
    parts.push_back(range.first == range.last ? std::to_string(range.first)
                                              : fmt::format("{}-{}", range.first, range.last));
  }
  if (parts.size() == 1) return fmt::format("{} dport {}", protocol, parts.front());
  return fmt::format("{} dport {{ {} }}", protocol, fmt::join(parts, ", "));
}

void WriteSets(const policy::Policy& policy, std::string& out) {
  for (const int g : UsedGroups(policy)) {
    const auto& group = policy.Group(g);
    out += fmt::format("\n  set {} {{\n", SetName(group));
    out += fmt::format("    type {}\n", group.family == core::Family::kIPv4 ? "ipv4_addr" : "ipv6_addr");
    out += "    flags interval\n";
    out += fmt::format("    comment \"{}\"\n", group.members.substr(0, kMaxComment - 1));
    out += fmt::format("    elements = {{ {} }}\n", Elements(group));
    out += "  }\n";
  }
}

void WriteRules(const policy::Policy& policy, policy::Direction direction, std::string& out) {
  for (const auto& whole : policy.rules) {
    if (whole.direction != direction) continue;
    for (const auto& rule : SplitForComment(policy, whole, kMaxComment)) {
      const auto family = AddressKeyword(rule.family);
      out += fmt::format("    {} saddr @{} {} daddr @{} {} accept comment \"{}\"\n", family,
                         SetName(policy.Sources(rule)), family, SetName(policy.Destinations(rule)), PortMatch(rule),
                         FitComment(policy, rule, kMaxComment));
    }
  }
}

// The chain a host or a router needs whatever the plan says: return traffic once, loopback,
// and (on a host) IPv6 neighbor discovery, without which IPv6 does not work at all.
void WriteBaseRules(policy::Direction direction, std::string& out) {
  out += "    ct state established,related accept comment \"return traffic of allowed connections\"\n";
  out += "    ct state invalid drop\n";
  if (direction == policy::Direction::kForward) return;
  out += fmt::format("    {} \"lo\" accept comment \"the host's own loopback\"\n",
                     direction == policy::Direction::kInbound ? "iifname" : "oifname");
  out +=
      "    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept "
      "comment \"IPv6 neighbor discovery (RFC 4890)\"\n";
}

void WriteChain(const policy::Policy& policy, std::string_view name, std::string_view hook, policy::Direction direction,
                bool filtered, std::string& out) {
  const bool deny = filtered && policy.options.default_deny;
  out += fmt::format("\n  chain {} {{\n    type filter hook {} priority filter; policy {};\n", name, hook,
                     deny ? "drop" : "accept");
  if (!filtered) {
    out += "    # not filtered: the plan is rendered for inbound traffic only (use --egress for outbound)\n";
    out += "  }\n";
    return;
  }
  WriteBaseRules(direction, out);
  WriteRules(policy, direction, out);
  if (deny) out += "    counter drop comment \"portolan default deny: nothing else is required\"\n";
  out += "  }\n";
}

}  // namespace

std::vector<RenderedFile> RenderNftables(const policy::Policy& policy, const RenderOptions& /*options*/) {
  std::string out = "#!/usr/sbin/nft -f\n";
  out += CommentBlock(HeaderLines(policy, *FindTarget("nftables")), "# ");
  out += "# Load with: nft -f FILE (replaces only the table below; check first with nft -c -f FILE).\n";
  if (!policy.options.default_deny) {
    out +=
        "# Without a default deny these accept rules change nothing on their own: nftables runs every base\n"
        "# chain, so copy them into the chain of your policy that ends in a drop.\n";
  }
  // Declaring the table before deleting it makes the delete succeed on the first load too.
  out += fmt::format("\ntable inet {}\ndelete table inet {}\n\ntable inet {} {{", kTable, kTable, kTable);
  WriteSets(policy, out);
  if (policy.options.mode == policy::Mode::kNetwork) {
    WriteChain(policy, "forward", "forward", policy::Direction::kForward, true, out);
  } else {
    WriteChain(policy, "input", "input", policy::Direction::kInbound, true, out);
    if (policy.options.default_deny) {
      out += "\n  chain forward {\n    type filter hook forward priority filter; policy drop;\n";
      out += "    counter drop comment \"portolan default deny: a host forwards nothing\"\n  }\n";
    }
    WriteChain(policy, "output", "output", policy::Direction::kOutbound, policy.options.egress, out);
  }
  out += "}\n";
  return {{".nft", std::move(out)}};
}

}  // namespace portolan::render
