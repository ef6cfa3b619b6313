// Cisco ASA (9.x) access-lists: stateful, so one ACE per flow opens it and the replies follow;
// unified ACLs hold IPv4 and IPv6 ACEs, both naming network object-groups.

#include <algorithm>

#include <fmt/format.h>

#include "render/cisco_common.hpp"
#include "render/platforms.hpp"
#include "render/text.hpp"

namespace portolan::render {

namespace {

using cisco::Dialect;

// The ASA CLI takes a line that starts with ':' as a comment.
constexpr std::string_view kComment = ": ";

class AsaWriter {
 public:
  explicit AsaWriter(const policy::Policy& policy) : policy_(policy) {}

  std::string Write() {
    const Target& target = *FindTarget("cisco-asa");
    auto header = HeaderLines(policy_, target);
    for (auto& line : StatefulLines()) header.push_back(std::move(line));
    for (auto& line : cisco::LayoutLines(policy_, Dialect::kAsa)) header.push_back(std::move(line));
    out_ = CommentBlock(header, kComment);
    WriteObjectGroups();
    for (const auto& zone : cisco::RulesByZone(policy_)) WriteAcl(zone);
    WriteBindings();
    return out_;
  }

 private:
  std::vector<std::string> StatefulLines() const {
    std::vector<std::string> lines = {
        "",
        "Stateful: the ASA lets the replies of a connection its ACL permitted back through, so there are",
        "no return rules. Written for ASA 9.x: unified ACLs carry IPv4 and IPv6 ACEs, and 'any' in the",
        "final deny means every IPv4 and IPv6 address.",
        "An ACL bound to an interface replaces the security-level defaults for traffic entering it.",
    };
    const bool gre = std::any_of(policy_.rules.begin(), policy_.rules.end(),
                                 [](const policy::Rule& rule) { return rule.protocol == catalog::Protocol::kGre; });
    if (gre) {
      lines.push_back("GRE (PPTP): the ASA follows the GRE stream of a PPTP session only with 'inspect pptp' in");
      lines.push_back("its policy-map; check that it is enabled.");
    }
    return lines;
  }

  void WriteObjectGroups() {
    for (const int g : UsedGroups(policy_)) {
      const auto& group = policy_.Group(g);
      out_ += fmt::format(":\nobject-group network {}\n", cisco::ObjectGroupName(policy_, g));
      out_ += fmt::format(" description {}\n", cisco::FitMembers(group.members, cisco::kDescriptionMax));
      for (const auto& network : group.networks) {
        if (network.IsHost()) {
          out_ += fmt::format(" network-object host {}\n", network.AddressString());
        } else if (network.family == core::Family::kIPv4) {
          out_ += fmt::format(" network-object {} {}\n", network.AddressString(), network.MaskString(false));
        } else {
          out_ += fmt::format(" network-object {}\n", network.ToString());
        }
      }
    }
  }

  void WriteAcl(const cisco::ZoneRules& zone) {
    const std::string name = cisco::AclName(zone.zone);
    if (zone.outgoing.empty() && !policy_.options.default_deny) {
      out_ += fmt::format(":\n: {}: no entries (nothing the plan requires enters from {})\n", name, zone.zone);
      return;
    }
    written_.push_back(zone.zone);
    out_ += fmt::format(":\n: Traffic entering the firewall from zone {}\n", zone.zone);
    for (const policy::Rule* rule : zone.outgoing) WriteRule(name, *rule);
    if (!policy_.options.default_deny) return;
    out_ += fmt::format("access-list {} remark default deny: everything the plan does not require\n", name);
    out_ += fmt::format("access-list {} extended deny ip any any\n", name);
  }

  void WriteRule(const std::string& acl, const policy::Rule& rule) {
    const std::string protocol = cisco::ProtocolKeyword(Dialect::kAsa, rule.family, rule.protocol);
    const std::string source = "object-group " + cisco::ObjectGroupName(policy_, rule.sources);
    const std::string destination = "object-group " + cisco::ObjectGroupName(policy_, rule.destinations);
    for (const auto& part : cisco::RemarkedParts(policy_, rule, "")) {
      out_ += fmt::format(": {}\n", DescribeRule(policy_, part.rule, part.rule.items));
      out_ += fmt::format("access-list {} remark {}\n", acl, part.remark);
      for (const auto& ports : cisco::PortOperators(part.rule.Ports())) {
        out_ += fmt::format("access-list {} extended permit {} {} {}{}\n", acl, protocol, source, destination,
                            ports.empty() ? "" : " " + ports);
      }
    }
  }

  void WriteBindings() {
    out_ += ":\n: Bindings: replace each <nameif facing ZONE> by the interface's nameif, then paste these\n";
    out_ += ": lines without their leading ':'.\n";
    for (const auto& zone : written_) {
      out_ += fmt::format(": access-group {} in interface <nameif facing {}>\n", cisco::AclName(zone), zone);
    }
  }

  const policy::Policy& policy_;
  std::string out_;
  std::vector<std::string> written_;  // zones whose ACL was written
};

}  // namespace

std::vector<RenderedFile> RenderCiscoAsa(const policy::Policy& policy, const RenderOptions& /*options*/) {
  return {{".asa.cfg", AsaWriter(policy).Write()}};
}

}  // namespace portolan::render
