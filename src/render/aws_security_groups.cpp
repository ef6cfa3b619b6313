// AWS security groups: the whole inventory's inbound rules as one group per role (where every
// instance of the role needs the rule) and one per remaining destination, in the API's shape.
//
// GroupName and GroupId: UserIdGroupPairs here name groups by GroupName, which the EC2 API
// accepts only in a default VPC. In any other VPC, create every group first
// (create-security-group --vpc-id VPC returns its GroupId), then replace each GroupName in
// UserIdGroupPairs by the GroupId of the group of that name in that VPC (describe-security-groups
// --filters Name=vpc-id,Values=VPC Name=group-name,Values=NAME), and only then authorize the
// permissions. The output says so in its Notes.

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "render/platforms.hpp"
#include "render/text.hpp"

namespace portolan::render {

namespace {

using nlohmann::ordered_json;

// EC2 limits: descriptions and names up to 255 characters.
constexpr std::size_t kMaxText = 255;
// Default Amazon VPC quotas: rules per group and direction (counted apart for IPv4 and IPv6,
// a group reference counting in both) and groups per network interface.
constexpr int kRulesPerGroup = 60;
constexpr int kGroupsPerInterface = 5;
constexpr std::string_view kPrefix = "portolan-";

// Rule descriptions allow a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=;{}!$* (group descriptions
// '&' too); anything else becomes '-'.
std::string AwsText(std::string_view text) {
  static constexpr std::string_view kAllowed = " ._-:/()#,@[]+=;{}!$*";
  std::string out;
  for (const char c : text) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || kAllowed.find(c) != std::string_view::npos;
    out += ok ? c : '-';
  }
  if (out.size() > kMaxText) out = out.substr(0, kMaxText - 3) + "...";
  return out;
}

enum class PeerKind { kCidr4, kCidr6, kGroup };

struct Peer {
  PeerKind kind = PeerKind::kCidr4;
  std::string value;  // a CIDR or a GroupName
  auto operator<=>(const Peer&) const = default;
};

struct PortKey {
  int protocol = 0;  // IANA number: orders tcp, udp, gre, esp, ah
  int from = -1;     // -1: a protocol without ports
  int to = -1;
  auto operator<=>(const PortKey&) const = default;
};

struct Permission {
  catalog::Protocol protocol = catalog::Protocol::kTcp;
  std::vector<Peer> peers;                           // in order of first use
  std::map<Peer, std::vector<std::string>> reasons;  // "F02 ad-kerberos-tcp", per peer
};

struct Group {
  std::string role;  // empty for an endpoint's own group
  std::string name;
  std::string description;
  std::vector<int> members;  // the endpoints it is attached to
  bool client_network = false;
  std::map<PortKey, Permission> ingress;
  std::map<PortKey, Permission> egress;
  bool used = false;  // carries a rule or is referenced as a source or destination
};

class Builder {
 public:
  explicit Builder(const policy::Policy& policy) : policy_(policy), inventory_(*policy.inventory) {
    const auto& roles = policy.catalog->roles;
    for (const auto& role : roles) {
      std::vector<int> members;
      for (int e = 0; e < static_cast<int>(inventory_.endpoints.size()); ++e) {
        const auto& endpoint = inventory_.endpoints[e];
        if (endpoint.kind == inventory::EndpointKind::kHost && endpoint.HasRole(role.id)) members.push_back(e);
      }
      if (members.empty()) continue;
      role_groups_.push_back(static_cast<int>(groups_.size()));
      groups_.push_back(
          {role.id,
           UniqueName(fmt::format("{}{}", kPrefix, role.id)),
           AwsText(fmt::format("portolan: role {} ({}), on every instance of the role", role.id, Names(members))),
           members,
           false,
           {},
           {},
           false});
    }
    endpoint_group_.assign(inventory_.endpoints.size(), -1);
  }

  ordered_json Build() {
    const bool whole_inventory = !policy_.options.host;
    for (const auto& rule : policy_.rules) {
      if (rule.direction == policy::Direction::kInbound) Add(rule, true);
      if (rule.direction == policy::Direction::kOutbound || (whole_inventory && policy_.options.egress))
        Add(rule, false);
    }
    return Json();
  }

 private:
  std::string Names(const std::vector<int>& endpoints) const {
    std::vector<std::string_view> names;
    names.reserve(endpoints.size());
    for (const int e : endpoints) names.push_back(inventory_.endpoints[e].name);
    return fmt::format("{}", fmt::join(names, ", "));
  }

  std::string UniqueName(const std::string& base) {
    std::string name = AwsText(base);
    for (int n = 2; !names_.insert(name).second; ++n) name = AwsText(fmt::format("{}-{}", base, n));
    return name;
  }

  std::vector<int> Hosts(const std::vector<int>& endpoints) const {
    std::vector<int> hosts;
    for (const int e : endpoints) {
      if (inventory_.endpoints[e].kind == inventory::EndpointKind::kHost) hosts.push_back(e);
    }
    return hosts;
  }

  // Groups of the rule's roles whose members are all in `endpoints`, chosen greedily (largest
  // first, then catalog order) until no more of `endpoints` can be covered; `covered` gets their
  // members. Only the rule's own roles: SMS01's inbound SMB from its child site belongs to it as
  // a site server, not in the group of another role it happens to be alone in.
  std::vector<int> RoleCover(const std::vector<int>& endpoints, const std::set<std::string>& roles,
                             std::set<int>& covered) const {
    std::vector<int> chosen;
    const std::set<int> wanted(endpoints.begin(), endpoints.end());
    const bool any = roles.count(std::string(catalog::kAnyRole)) != 0;
    while (true) {
      int best = -1;
      std::size_t best_gain = 0;
      for (const int g : role_groups_) {
        if (!any && roles.count(groups_[g].role) == 0) continue;
        const auto& members = groups_[g].members;
        if (!std::all_of(members.begin(), members.end(), [&](int e) { return wanted.count(e) != 0; })) continue;
        const auto gain = static_cast<std::size_t>(
            std::count_if(members.begin(), members.end(), [&](int e) { return covered.count(e) == 0; }));
        if (gain > best_gain) {
          best = g;
          best_gain = gain;
        }
      }
      if (best < 0) return chosen;
      chosen.push_back(best);
      covered.insert(groups_[best].members.begin(), groups_[best].members.end());
    }
  }

  int EndpointGroup(int endpoint) {
    if (endpoint_group_[endpoint] >= 0) return endpoint_group_[endpoint];
    const auto& e = inventory_.endpoints[endpoint];
    const bool client = e.kind == inventory::EndpointKind::kClientNetwork;
    std::vector<std::string> networks;
    for (const auto& network : e.addresses) networks.push_back(network.ToString());
    const std::string description =
        client
            ? fmt::format("portolan: client network {} ({}), on every instance in it", e.name, fmt::join(networks, " "))
            : fmt::format("portolan: host {}, rules not every instance of its roles needs", e.name);
    endpoint_group_[endpoint] = static_cast<int>(groups_.size());
    groups_.push_back({"",
                       UniqueName(fmt::format("{}{}-{}", kPrefix, client ? "clients" : "host", e.name)),
                       AwsText(description),
                       {endpoint},
                       client,
                       {},
                       {},
                       false});
    return endpoint_group_[endpoint];
  }

  // The groups that carry a rule for `endpoints`: a role's group where the whole role is among
  // them (a group applies to every instance it is attached to), a group of its own otherwise.
  std::vector<int> Carriers(const std::vector<int>& endpoints, const std::set<std::string>& roles) {
    std::set<int> covered;
    auto carriers = RoleCover(Hosts(endpoints), roles, covered);
    for (const int e : endpoints) {
      if (covered.count(e) == 0) carriers.push_back(EndpointGroup(e));
    }
    return carriers;
  }

  // A group reference admits every address of every instance that carries the group, in both
  // families; CIDRs admit exactly the inventory's networks.
  std::vector<Peer> Peers(const std::vector<int>& endpoints, core::Family family,
                          const std::set<std::string>& rule_roles) {
    const auto hosts = Hosts(endpoints);
    std::set<int> covered;
    const auto roles = RoleCover(hosts, rule_roles, covered);
    const bool one_family = std::all_of(hosts.begin(), hosts.end(), [&](int e) {
      const auto& addresses = inventory_.endpoints[e].addresses;
      return std::all_of(addresses.begin(), addresses.end(),
                         [&](const core::Network& network) { return network.family == family; });
    });
    std::vector<Peer> peers;
    std::vector<core::Network> networks;
    const bool by_group = !hosts.empty() && covered.size() == hosts.size() && one_family;
    for (const int e : endpoints) {
      if (by_group && covered.count(e) != 0) continue;
      for (const auto& network : inventory_.endpoints[e].addresses) {
        if (network.family == family) networks.push_back(network);
      }
    }
    if (by_group) {
      for (const int g : roles) {
        groups_[g].used = true;
        peers.push_back({PeerKind::kGroup, groups_[g].name});
      }
    }
    for (const auto& network : core::CollapseNetworks(std::move(networks))) {
      peers.push_back({family == core::Family::kIPv4 ? PeerKind::kCidr4 : PeerKind::kCidr6, network.ToString()});
    }
    return peers;
  }

  // ingress: the rule into its destinations' groups from its sources; egress: into its
  // sources' groups towards its destinations.
  void Add(const policy::Rule& rule, bool ingress) {
    const auto& sources = policy_.Sources(rule).endpoints;
    const auto& destinations = policy_.Destinations(rule).endpoints;
    std::set<std::string> from;
    std::set<std::string> to;
    for (const int e : rule.Entries()) {
      const auto& entry = policy_.catalog->entries[e];
      from.insert(entry.from.begin(), entry.from.end());
      to.insert(entry.to.begin(), entry.to.end());
    }
    const auto carriers = Carriers(ingress ? destinations : sources, ingress ? to : from);
    const auto peers = Peers(ingress ? sources : destinations, rule.family, ingress ? from : to);
    for (const auto& [key, reason] : Ranges(rule)) {
      for (const int g : carriers) {
        auto& group = groups_[g];
        group.used = true;
        auto& permission = (ingress ? group.ingress : group.egress)[key];
        permission.protocol = rule.protocol;
        for (const auto& peer : peers) {
          auto& reasons = permission.reasons[peer];
          if (reasons.empty()) permission.peers.push_back(peer);
          if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) reasons.push_back(reason);
        }
      }
    }
  }

  // One EC2 rule per contiguous port range of the rule, described by the flow and the entries
  // of the items within that range; one without ports for GRE, ESP and AH.
  std::vector<std::pair<PortKey, std::string>> Ranges(const policy::Rule& rule) const {
    const int number = catalog::ProtocolNumber(rule.protocol);
    const auto ports = rule.Ports();
    if (!catalog::ProtocolHasPorts(rule.protocol) || ports.Empty()) {
      return {{{number, -1, -1}, FitComment(policy_, rule, kMaxText)}};
    }
    std::vector<std::pair<PortKey, std::string>> ranges;
    for (const auto& range : ports.Ranges()) {
      policy::Rule part = rule;
      part.items.clear();
      for (const auto& item : rule.items) {
        if (item.ports.Intersects(core::PortSet::Of(range))) part.items.push_back(item);
      }
      ranges.push_back({{number, range.first, range.last}, FitComment(policy_, part, kMaxText)});
    }
    return ranges;
  }

  // "F02 ad-kerberos-tcp; F05 ..." within the limit, "+N more" for what does not fit.
  static std::string Description(const std::vector<std::string>& reasons) {
    std::string text;
    for (std::size_t i = 0; i < reasons.size(); ++i) {
      const std::string next = (text.empty() ? "" : "; ") + reasons[i];
      const std::string more = fmt::format("; +{} more", reasons.size() - i);
      const std::size_t reserve = i + 1 < reasons.size() ? more.size() : 0;
      if (text.size() + next.size() + reserve > kMaxText) return AwsText(text + more);
      text += next;
    }
    return AwsText(text);
  }

  static ordered_json PermissionsJson(const std::map<PortKey, Permission>& permissions) {
    ordered_json list = ordered_json::array();
    for (const auto& [key, permission] : permissions) {
      ordered_json p;
      // tcp and udp by name with their port range; other protocols by number, without ports:
      // EC2 allows them on all ports (GRE, ESP and AH have none).
      if (key.from >= 0) {
        p["IpProtocol"] = std::string(catalog::ProtocolName(permission.protocol));
        p["FromPort"] = key.from;
        p["ToPort"] = key.to;
      } else {
        p["IpProtocol"] = std::to_string(key.protocol);
      }
      ordered_json v4 = ordered_json::array();
      ordered_json v6 = ordered_json::array();
      ordered_json pairs = ordered_json::array();
      for (const auto& peer : permission.peers) {
        const auto description = Description(permission.reasons.at(peer));
        switch (peer.kind) {
          case PeerKind::kCidr4: v4.push_back({{"CidrIp", peer.value}, {"Description", description}}); break;
          case PeerKind::kCidr6: v6.push_back({{"CidrIpv6", peer.value}, {"Description", description}}); break;
          case PeerKind::kGroup: pairs.push_back({{"GroupName", peer.value}, {"Description", description}}); break;
        }
      }
      p["IpRanges"] = v4;
      p["Ipv6Ranges"] = v6;
      p["UserIdGroupPairs"] = pairs;
      list.push_back(p);
    }
    return list;
  }

  // Rules as EC2 counts them: one per CIDR or group reference, per family.
  static std::pair<int, int> RuleCount(const std::map<PortKey, Permission>& permissions) {
    int v4 = 0;
    int v6 = 0;
    for (const auto& [key, permission] : permissions) {
      for (const auto& peer : permission.peers) {
        if (peer.kind != PeerKind::kCidr6) ++v4;
        if (peer.kind != PeerKind::kCidr4) ++v6;
      }
    }
    return {v4, v6};
  }

  void QuotaWarnings(const Group& group, std::vector<std::string>& warnings) const {
    const auto check = [&](const std::map<PortKey, Permission>& permissions, std::string_view direction) {
      const auto [v4, v6] = RuleCount(permissions);
      for (const auto& [count, family] : {std::pair{v4, "IPv4"}, std::pair{v6, "IPv6"}}) {
        if (count > kRulesPerGroup) {
          warnings.push_back(
              fmt::format("{} has {} {} {} rules, more than the default quota of {} per group: "
                          "raise the quota or split the group",
                          group.name, count, direction, family, kRulesPerGroup));
        }
      }
    };
    check(group.ingress, "inbound");
    check(group.egress, "outbound");
  }

  std::vector<std::string> Notes() const {
    // Each note is one paragraph of several literals: no comma is missing.
    // NOLINTBEGIN(bugprone-suspicious-missing-comma)
    std::vector<std::string> notes = {
        "Security groups only allow: there are no deny rules, and everything no group allows is denied. "
        "The default deny is implicit.",
        "Security groups are stateful: replies to an allowed connection pass without a rule of their own.",
        "A rule sits in the group of a role its catalog entries name only where every instance of that role "
        "needs it; other destinations get a group of their own (portolan-host-NAME, portolan-clients-NAME).",
        "Sources are group references (UserIdGroupPairs) only where they are exactly the instances of whole "
        "roles the entries name, all in the rule's address family; otherwise CIDRs. A reference admits every "
        "private address of those instances, including addresses the inventory does not list.",
        "UserIdGroupPairs name groups by GroupName, which EC2 accepts only in a default VPC. In another VPC, "
        "create the groups first, then replace each GroupName by the GroupId of the group of that name in "
        "the VPC (describe-security-groups --filters Name=vpc-id,Values=VPC Name=group-name,Values=NAME).",
        "Attach lists the groups each instance needs. Detach the VPC's default security group from these "
        "instances: it allows all traffic between the instances that carry it.",
    };
    // NOLINTEND(bugprone-suspicious-missing-comma)
    if (policy_.options.egress) {
      notes.push_back(
          "Outbound rules are in IpPermissionsEgress. A new security group starts with an outbound rule that "
          "allows all traffic: revoke it from every group here, or outbound traffic stays unfiltered.");
    } else {
      notes.push_back(
          "Outbound traffic is not filtered (no --egress): keep each group's default outbound rule that "
          "allows all traffic.");
    }
    if (!policy_.options.default_deny) {
      notes.push_back(
          "--no-default-deny changes nothing here: security groups always deny what they do not allow, "
          "and these groups add to the other groups an instance carries.");
    }
    const bool clients = std::any_of(groups_.begin(), groups_.end(),
                                     [](const Group& group) { return group.used && group.client_network; });
    if (clients) {
      notes.push_back(
          "A portolan-clients-NAME group is for a client network, not an instance: attach it to every "
          "instance in that network (its Attach entry is the network's name).");
    }
    if (policy_.rules.empty()) notes.push_back("The plan has no flow for these hosts: no group is needed.");
    return notes;
  }

  // Role groups in catalog order, then the endpoints' own groups in inventory order.
  std::vector<int> OutputOrder() const {
    std::vector<int> order;
    for (const int g : role_groups_) {
      if (groups_[g].used) order.push_back(g);
    }
    for (const int g : endpoint_group_) {
      if (g >= 0 && groups_[g].used) order.push_back(g);
    }
    return order;
  }

  ordered_json Json() const {
    std::vector<std::string> warnings;
    for (const auto& omission : policy_.omissions) warnings.push_back(omission);
    ordered_json groups = ordered_json::array();
    for (const int index : OutputOrder()) {
      const auto& group = groups_[index];
      ordered_json g;
      g["GroupName"] = group.name;
      g["Description"] = group.description;
      g["IpPermissions"] = PermissionsJson(group.ingress);
      if (policy_.options.egress) g["IpPermissionsEgress"] = PermissionsJson(group.egress);
      groups.push_back(g);
      QuotaWarnings(group, warnings);
    }
    ordered_json attach = ordered_json::object();
    for (int e = 0; e < static_cast<int>(inventory_.endpoints.size()); ++e) {
      std::vector<std::string> names;
      for (const int g : OutputOrder()) {
        const auto& members = groups_[g].members;
        if (std::binary_search(members.begin(), members.end(), e)) names.push_back(groups_[g].name);
      }
      if (names.empty()) continue;
      const auto& name = inventory_.endpoints[e].name;
      if (static_cast<int>(names.size()) > kGroupsPerInterface) {
        warnings.push_back(
            fmt::format("{} needs {} security groups, more than the default quota of {} per network "
                        "interface: raise the quota (at most 16)",
                        name, names.size(), kGroupsPerInterface));
      }
      attach[name] = names;
    }
    ordered_json out;
    out["Header"] = HeaderLines(policy_, *FindTarget("aws-sg"));
    out["Warnings"] = warnings;
    out["Notes"] = Notes();
    out["SecurityGroups"] = groups;
    out["Attach"] = attach;
    return out;
  }

  const policy::Policy& policy_;
  const inventory::Inventory& inventory_;
  std::vector<Group> groups_;
  std::vector<int> role_groups_;     // indices into groups_, in catalog order
  std::vector<int> endpoint_group_;  // per endpoint: its own group, or -1
  std::set<std::string> names_;
};

}  // namespace

std::vector<RenderedFile> RenderAwsSecurityGroups(const policy::Policy& policy, const RenderOptions& /*options*/) {
  return {{".aws-sg.json", Builder(policy).Build().dump(2) + "\n"}};
}

}  // namespace portolan::render
