// Cisco IOS / IOS-XE extended ACLs: stateless, so every flow's return traffic gets an ACE of its
// own in the ACL of the destination's zone. IPv4 ACEs use object-groups, IPv6 ACEs list addresses.

#include <map>
#include <set>

#include <fmt/format.h>

#include "render/cisco_common.hpp"
#include "render/platforms.hpp"
#include "render/text.hpp"

namespace portolan::render {

namespace {

using cisco::Dialect;

constexpr std::string_view kIpv6AclSuffix = "-V6";

std::string Ipv6AclName(std::string_view zone) {
  return cisco::AclName(zone) + std::string(kIpv6AclSuffix);
}

// "permit tcp SRC eq 88 DST established": the operands in order, empty ones left out.
std::string Ace(const std::vector<std::string>& tokens) {
  std::string ace = " permit";
  for (const auto& token : tokens) {
    if (!token.empty()) ace += " " + token;
  }
  return ace + "\n";
}

// Which way a rule is written: as opened (forward) or as its answer (return).
enum class Way { kForward, kReturn };

class IosWriter {
 public:
  explicit IosWriter(const policy::Policy& policy) : policy_(policy) {}

  std::string Write() {
    const Target& target = *FindTarget("cisco-ios");
    auto header = HeaderLines(policy_, target);
    for (auto& line : StatelessLines()) header.push_back(std::move(line));
    for (auto& line : cisco::LayoutLines(policy_, Dialect::kIos)) header.push_back(std::move(line));
    for (auto& line : FamilyLines()) header.push_back(std::move(line));
    out_ = CommentBlock(header, "! ");
    WriteObjectGroups();
    for (const auto& zone : cisco::RulesByZone(policy_)) {
      if (policy_.HasFamily(core::Family::kIPv4)) WriteAcl(zone, core::Family::kIPv4);
      if (policy_.HasFamily(core::Family::kIPv6)) WriteAcl(zone, core::Family::kIPv6);
    }
    WriteBindings();
    return out_;
  }

 private:
  std::vector<std::string> StatelessLines() const {
    return {
        "",
        "STATELESS: an IOS extended ACL without inspection keeps no connection state. Each flow's return",
        "traffic therefore has ACEs of its own (remark \"return F..\") in the ACL of the destination's zone:",
        "  tcp: from the destination's port(s) back to the source, 'established' (ACK or RST set): no",
        "       connection can be opened that way, but any such segment from those ports passes;",
        "  udp: any datagram from the destination's port(s) back to the source, answer or not;",
        "  gre, esp, ah: the same protocol from the destination back to the source.",
        "Inbound ACLs also filter traffic to the router itself (routing protocols, management): permit",
        "what the router needs above the final deny of each ACL.",
    };
  }

  std::vector<std::string> FamilyLines() const {
    std::vector<std::string> lines;
    if (policy_.HasFamily(core::Family::kIPv6)) {
      lines.push_back("IPv6 ACLs (" + Ipv6AclName("<zone>") + ", 'ipv6 traffic-filter') list addresses inline:");
      lines.push_back("only newer IOS-XE releases have IPv6 object-groups, so the IPv6 ACEs name no groups.");
      if (policy_.options.default_deny) {
        lines.push_back("Their explicit final deny would also drop Neighbor Discovery, which the implicit end of an");
        lines.push_back("IPv6 ACL permits: those two implicit permits (nd-na, nd-ns) are written out before it.");
      }
    }
    for (const auto family : {core::Family::kIPv4, core::Family::kIPv6}) {
      if (policy_.HasFamily(family)) continue;
      const bool left_out = policy_.options.family && *policy_.options.family != family;
      lines.push_back(fmt::format("{}, so no {} ACL is written: an interface without one",
                                  left_out
                                      ? fmt::format("Only {} was asked for", core::FamilyName(*policy_.options.family))
                                      : fmt::format("The plan has no {} flow here", core::FamilyName(family)),
                                  core::FamilyName(family)));
      lines.push_back(fmt::format("forwards all {}; deny it there if the router routes {}.", core::FamilyName(family),
                                  core::FamilyName(family)));
    }
    return lines;
  }

  // IPv4 groups only: IPv6 ACEs name their addresses.
  void WriteObjectGroups() {
    for (const int g : UsedGroups(policy_)) {
      const auto& group = policy_.Group(g);
      if (group.family != core::Family::kIPv4) continue;
      out_ += fmt::format("!\nobject-group network {}\n", cisco::ObjectGroupName(policy_, g));
      out_ += fmt::format(" description {}\n", cisco::FitMembers(group.members, cisco::kDescriptionMax));
      for (const auto& network : group.networks) {
        out_ += network.IsHost() ? fmt::format(" host {}\n", network.AddressString())
                                 : fmt::format(" {} {}\n", network.AddressString(), network.MaskString(false));
      }
    }
  }

  void WriteAcl(const cisco::ZoneRules& zone, core::Family family) {
    std::string body;
    WrittenAces written;
    for (const policy::Rule* rule : zone.outgoing) {
      if (rule->family == family) body += RuleAces(*rule, Way::kForward, written);
    }
    for (const policy::Rule* rule : zone.incoming) {
      if (rule->family == family) body += RuleAces(*rule, Way::kReturn, written);
    }
    const bool v6 = family == core::Family::kIPv6;
    const std::string name = v6 ? Ipv6AclName(zone.zone) : cisco::AclName(zone.zone);
    if (body.empty() && !policy_.options.default_deny) {
      out_ += fmt::format("!\n! {}: no entries (nothing the plan requires enters from {} in {})\n", name, zone.zone,
                          core::FamilyName(family));
      return;
    }
    written_.emplace_back(zone.zone, family);
    out_ += fmt::format("!\n! Traffic entering the firewall from zone {} ({})\n", zone.zone, core::FamilyName(family));
    out_ += v6 ? fmt::format("ipv6 access-list {}\n", name) : fmt::format("ip access-list extended {}\n", name);
    out_ += body;
    if (!policy_.options.default_deny) return;
    if (v6) {
      out_ += " remark Neighbor Discovery: the implicit permits of an IPv6 ACL, before the explicit deny\n";
      out_ += " permit icmp any any nd-na\n";
      out_ += " permit icmp any any nd-ns\n";
    }
    out_ += " remark default deny: everything the plan does not require\n";
    out_ += v6 ? " deny ipv6 any any\n" : " deny ip any any\n";
  }

  // The ACEs of one ACL so far, each with the remark of the flow that wrote it.
  using WrittenAces = std::map<std::string, std::string>;

  // An ACE the ACL already has is not written again: without ports, the return traffic of a flow
  // (gre, esp, ah) is the same ACE as a flow the other way (PPTP's GRE in both directions), and
  // the copy would never match.
  std::string RuleAces(const policy::Rule& rule, Way way, WrittenAces& written) const {
    const bool back = way == Way::kReturn;
    std::string text;
    const auto& from = back ? policy_.Destinations(rule) : policy_.Sources(rule);
    const auto& to = back ? policy_.Sources(rule) : policy_.Destinations(rule);
    for (const auto& part : cisco::RemarkedParts(policy_, rule, back ? "return " : "")) {
      const std::string protocol = cisco::ProtocolKeyword(Dialect::kIos, rule.family, rule.protocol);
      // TCP answers carry ACK or RST: 'established' keeps the way back closed to new connections.
      const std::string flags = back && rule.protocol == catalog::Protocol::kTcp ? "established" : "";
      std::vector<std::string> aces;
      std::set<std::string> repeated;  // the remarks of the ACEs this part would repeat
      for (const auto& ports : cisco::PortOperators(part.rule.Ports())) {
        for (const auto& [source, destination] : Operands(rule, from, to)) {
          auto ace = back ? Ace({protocol, source, ports, destination, "", flags})
                          : Ace({protocol, source, "", destination, ports, flags});
          if (const auto it = written.find(ace); it != written.end()) {
            repeated.insert(it->second);
            continue;
          }
          written.emplace(ace, part.remark);
          aces.push_back(std::move(ace));
        }
      }
      const auto description = DescribeRule(policy_, part.rule, part.rule.items);
      const std::string what = back ? " (its return traffic)" : "";
      if (aces.empty()) {
        text += fmt::format("! {}{}: already permitted by {} above\n", description, what, fmt::join(repeated, "; "));
        continue;
      }
      text += repeated.empty() ? fmt::format("! {}{}\n", description, what)
                               : fmt::format("! {}{} (the ACEs of {} above are not repeated)\n", description, what,
                                             fmt::join(repeated, "; "));
      text += fmt::format(" remark {}\n", part.remark);
      for (const auto& ace : aces) text += ace;
    }
    return text;
  }

  // IPv4: the two object-groups. IPv6: every pair of networks, IOS IPv6 ACLs having no groups.
  std::vector<std::pair<std::string, std::string>> Operands(const policy::Rule& rule, const policy::AddressGroup& from,
                                                            const policy::AddressGroup& to) const {
    if (rule.family == core::Family::kIPv4) {
      return {{"object-group " + cisco::ObjectGroupName(policy_, IndexOf(from)),
               "object-group " + cisco::ObjectGroupName(policy_, IndexOf(to))}};
    }
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& source : from.networks) {
      for (const auto& destination : to.networks) {
        pairs.emplace_back(cisco::Ipv6Operand(source), cisco::Ipv6Operand(destination));
      }
    }
    return pairs;
  }

  int IndexOf(const policy::AddressGroup& group) const { return static_cast<int>(&group - policy_.groups.data()); }

  // Only ACLs that were written: IOS lets a binding name a missing ACL, and then filters nothing.
  void WriteBindings() {
    out_ += "!\n! Bindings: replace each <interface facing ZONE> by the interface's name, then paste\n";
    out_ += "! these lines without their leading '!'.\n";
    std::string last_zone;
    for (const auto& [zone, family] : written_) {
      if (zone != last_zone) out_ += fmt::format("! interface <interface facing {}>\n", zone);
      last_zone = zone;
      out_ += family == core::Family::kIPv4 ? fmt::format("!  ip access-group {} in\n", cisco::AclName(zone))
                                            : fmt::format("!  ipv6 traffic-filter {} in\n", Ipv6AclName(zone));
    }
  }

  const policy::Policy& policy_;
  std::string out_;
  std::vector<std::pair<std::string, core::Family>> written_;  // the ACLs, in order
};

}  // namespace

std::vector<RenderedFile> RenderCiscoIos(const policy::Policy& policy, const RenderOptions& /*options*/) {
  return {{".ios.cfg", IosWriter(policy).Write()}};
}

}  // namespace portolan::render
