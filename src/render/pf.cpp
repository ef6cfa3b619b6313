// pf (OpenBSD/FreeBSD pf.conf): one const table per address group and one `pass quick` rule
// per policy rule behind an explicit `block return all`, so the first matching pass decides.

#include <set>

#include <fmt/format.h>

#include "render/platforms.hpp"
#include "render/text.hpp"

namespace portolan::render {

namespace {

// pfctl keeps a label in PF_RULE_LABEL_SIZE (64) bytes with the terminating NUL, and a table
// name in PF_TABLE_NAME_SIZE (32).
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxTableName = 31;

std::string_view AddressFamily(core::Family family) {
  return family == core::Family::kIPv4 ? "inet" : "inet6";
}

// Table names are the group names, cut to pf's limit where needed and kept unique.
std::vector<std::string> TableNames(const policy::Policy& policy) {
  std::vector<std::string> names;
  std::set<std::string> used;
  for (const auto& group : policy.groups) {
    std::string name = group.name.substr(0, kMaxTableName);
    for (int n = 2; used.count(name) != 0; ++n) {
      const std::string suffix = fmt::format("-{}", n);
      name = group.name.substr(0, kMaxTableName - suffix.size()) + suffix;
    }
    used.insert(name);
    names.push_back(std::move(name));
  }
  return names;
}

std::string TableAddress(const core::Network& network) {
  return network.IsHost() ? network.AddressString() : network.ToString();
}

std::string Tables(const policy::Policy& policy, const std::vector<std::string>& names) {
  std::string text;
  for (const int g : UsedGroups(policy)) {
    const auto& group = policy.Group(g);
    std::vector<std::string> addresses;
    for (const auto& network : group.networks) addresses.push_back(TableAddress(network));
    text += fmt::format("# {}\ntable <{}> const {{ {} }}\n", group.members, names[g], fmt::join(addresses, " "));
  }
  return text;
}

// pf's ':' is a range including both ends: "port 1025:5000" is 1025 through 5000.
std::string PortMatch(const core::PortSet& ports) {
  std::vector<std::string> parts;
  for (const auto& range : ports.Ranges()) {
    parts.push_back(range.first == range.last ? std::to_string(range.first)
                                              : fmt::format("{}:{}", range.first, range.last));
  }
  if (parts.empty()) return "";
  if (parts.size() == 1) return " port " + parts.front();
  return fmt::format(" port {{ {} }}", fmt::join(parts, " "));
}

// Host mode: in or out as seen from the host. Network mode: no direction, so that the rule
// matches the packet both where it enters the firewall and where it leaves it.
std::string_view Action(policy::Direction direction) {
  switch (direction) {
    case policy::Direction::kInbound: return "pass in quick";
    case policy::Direction::kOutbound: return "pass out quick";
    case policy::Direction::kForward: break;
  }
  return "pass quick";
}

std::string RuleLines(const policy::Policy& policy, const policy::Rule& rule, const std::vector<std::string>& names) {
  std::string text = fmt::format("# {}\n", DescribeRule(policy, rule, rule.items));
  for (const auto& part : SplitForComment(policy, rule, kMaxLabel)) {
    text += fmt::format("{} {} proto {} from <{}> to <{}>{} keep state label \"{}\"\n", Action(rule.direction),
                        AddressFamily(rule.family), catalog::ProtocolName(rule.protocol), names[rule.sources],
                        names[rule.destinations], PortMatch(part.Ports()), FitComment(policy, part, kMaxLabel));
  }
  return text;
}

bool IPv6InScope(const policy::Policy& policy) {
  return !policy.options.family || *policy.options.family == core::Family::kIPv6;
}

// Neighbor Discovery is ICMPv6: without it an IPv6 address is unreachable behind a default
// block, whatever the rules allow.
bool NeedsNeighborDiscovery(const policy::Policy& policy) {
  if (!policy.options.default_deny || !IPv6InScope(policy)) return false;
  if (policy.HasFamily(core::Family::kIPv6)) return true;
  return policy.options.mode == policy::Mode::kHost && !policy.HostNetworks(core::Family::kIPv6).empty();
}

std::string DefaultDeny(const policy::Policy& policy) {
  if (!policy.options.default_deny) {
    return "# No default deny here (--no-default-deny): the quick rules below go into a ruleset that\n"
           "# blocks by itself, and decide before its rules that are not quick. Loopback, IPv6 Neighbor\n"
           "# Discovery and traffic outside the plan (outbound without --egress) are left to that ruleset.\n";
  }
  return "# Default deny. pf decides by the LAST matching rule unless a rule says quick; every pass\n"
         "# rule below is quick, so the first one that matches decides and this block applies only\n"
         "# to what none of them matches. 'return' answers with a TCP RST or ICMP unreachable rather\n"
         "# than dropping: on these internal networks a flow the plan lacks then fails at once and\n"
         "# shows in the SMS logs instead of as a timeout. Use 'block drop all' to stay silent.\n"
         "# Connections the plan does not list (management, SSH, monitoring) are blocked too: add\n"
         "# quick pass rules for them before loading this file.\n"
         "block return all\n";
}

std::string HostInfrastructure(const policy::Policy& policy) {
  std::string text;
  if (policy.options.default_deny && !policy.options.egress) {
    const std::string family =
        policy.options.family ? fmt::format(" {}", AddressFamily(*policy.options.family)) : std::string();
    text += fmt::format(
        "# Outbound traffic of the host is not filtered (no --egress): this pass keeps the default\n"
        "# deny above to inbound traffic. Inbound rules need no return rule: keep state lets the\n"
        "# replies of an allowed connection out, and its ICMP errors back, once.\n"
        "pass out quick{} all keep state\n",
        family);
  }
  return text;
}

std::string NeighborDiscovery(const policy::Policy& policy) {
  if (!NeedsNeighborDiscovery(policy)) return "";
  return "# IPv6 Neighbor Discovery (RFC 4861): neighbor solicitation/advertisement resolve link\n"
         "# addresses, router solicitation/advertisement find the router. Without them no IPv6 address\n"
         "# here is reachable. No state: these are single messages, often to multicast addresses.\n"
         "# MLD listener reports are not passed; switches with MLD snooping may need them.\n"
         "pass quick inet6 proto icmp6 icmp6-type { neighbrsol neighbradv routersol routeradv } no state\n";
}

std::string NetworkModeNote(const policy::Policy& policy) {
  if (policy.options.mode != policy::Mode::kNetwork) return "";
  return "# pf as a router between zones: a forwarded packet is filtered twice, inbound on the\n"
         "# interface it arrives on and outbound on the one it leaves by, and each pass keeps a\n"
         "# state of its own. The rules below name no direction and no interface, so each matches\n"
         "# both passes of its own flow; addresses, protocol and ports are exactly the plan's.\n"
         "# They do not check which interface a source arrives on: use antispoof or 'on $if' for that.\n\n";
}

}  // namespace

std::vector<RenderedFile> RenderPf(const policy::Policy& policy, const RenderOptions& /*options*/) {
  const auto names = TableNames(policy);
  std::string text = CommentBlock(HeaderLines(policy, *FindTarget("pf")), "# ");
  text += "# Load with: pfctl -nf FILE (check), then pfctl -f FILE.\n\n";
  if (policy.options.default_deny) {
    text += "# Loopback traffic never leaves the host: pf does not filter it.\nset skip on lo\n\n";
  }
  if (!policy.rules.empty()) text += Tables(policy, names) + "\n";
  text += DefaultDeny(policy) + "\n";
  if (policy.options.mode == policy::Mode::kHost) {
    if (const auto infrastructure = HostInfrastructure(policy); !infrastructure.empty()) text += infrastructure + "\n";
  }
  if (const auto nd = NeighborDiscovery(policy); !nd.empty()) text += nd + "\n";
  text += NetworkModeNote(policy);
  if (policy.rules.empty()) {
    text += policy.options.mode == policy::Mode::kHost
                ? "# No flow of the plan concerns this host: no pass rule for it.\n"
                : "# No flow of the plan crosses this firewall: no pass rule.\n";
  } else {
    text += "# The plan's rules. keep state: replies pass once, by the state table.\n";
  }
  for (const auto& rule : policy.rules) text += RuleLines(policy, rule, names);
  return {{".pf.conf", text}};
}

}  // namespace portolan::render
