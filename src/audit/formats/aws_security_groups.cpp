// AWS security groups as `aws ec2 describe-security-groups` writes them (and `portolan render -t
// aws-sg`, which adds an Attach map of instance -> group names). Groups only allow: the groups on
// an instance are one union of allows with an implicit deny, and they are stateful. Group
// references (UserIdGroupPairs) resolve through Attach and the inventory; where they cannot, and
// for prefix lists, the source is a free variable and the verdicts that depend on it are uncertain.

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "audit/formats/formats.hpp"
#include "audit/formats/json_input.hpp"
#include "audit/formats/text_input.hpp"

namespace portolan::audit::formats {

namespace {

using Json = nlohmann::json;

constexpr int kMaxPort = 65535;
constexpr int kMaxIcmpValue = 255;
constexpr std::string_view kAllProtocols = "-1";

std::string Scalar(const Json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// Endpoint names compare as the inventory compares them: case-insensitively, like NetBIOS.
bool SameName(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

struct Group {
  std::string name;
  std::string id;
  JsonPath path;
};

class Reader {
 public:
  Reader(std::string_view text, const std::string& file, const ReadOptions& options)
      : text_(text), file_(file), options_(options), locator_(text, file) {}

  Ruleset Read() {
    ruleset_.file = file_;
    ruleset_.format = "aws-sg";
    ruleset_.families = {core::Family::kIPv4, core::Family::kIPv6};
    const Json root = ParseJson(text_, locator_);
    try {
      ReadGroups(root);
      ReadAttach(root);
      BuildChains(root);
    } catch (const JsonStructureError& error) {
      locator_.Report(diagnostics_, error);
    }
    if (diagnostics_.HasErrors()) throw core::InputError(diagnostics_);
    return std::move(ruleset_);
  }

 private:
  void ReadGroups(const Json& root) {
    if (!root.is_object() || !root.contains("SecurityGroups") || !root["SecurityGroups"].is_array())
      FailAt({}, "expected {\"SecurityGroups\": [...]} as aws ec2 describe-security-groups writes it");
    const JsonPath top = {{"SecurityGroups", -1}};
    const auto& groups = root["SecurityGroups"];
    for (std::size_t i = 0; i < groups.size(); ++i) {
      const auto path = Append(top, i);
      const auto& group = groups[i];
      if (!group.is_object()) FailAt(path, "a security group is an object");
      Group g;
      g.path = path;
      if (group.contains("GroupName")) g.name = Scalar(group["GroupName"]);
      if (group.contains("GroupId")) g.id = Scalar(group["GroupId"]);
      if (g.name.empty() && g.id.empty()) FailAt(path, "a security group needs a GroupName or a GroupId");
      groups_.push_back(std::move(g));
    }
  }

  int FindGroup(const std::string& name_or_id) const {
    for (std::size_t i = 0; i < groups_.size(); ++i)
      if (groups_[i].name == name_or_id || groups_[i].id == name_or_id) return static_cast<int>(i);
    return -1;
  }

  // Attach (portolan's): which instances carry which groups. It says which groups protect the
  // audited host, and which addresses a group reference stands for.
  void ReadAttach(const Json& root) {
    has_attach_ = root.contains("Attach");
    if (!has_attach_) return;
    const JsonPath top = {{"Attach", -1}};
    if (!root["Attach"].is_object()) FailAt(top, "Attach maps an instance's name to a list of group names");
    for (const auto& [instance, names] : root["Attach"].items()) {
      const auto path = Append(top, instance);
      if (!names.is_array()) FailAt(path, "expected a list of group names");
      for (std::size_t i = 0; i < names.size(); ++i) {
        const int group = FindGroup(Scalar(names[i]));
        if (group < 0) FailAt(Append(path, i), fmt::format("no security group '{}' in this file", Scalar(names[i])));
        carriers_[group].push_back(instance);
        if (SameName(instance, options_.host)) protecting_.insert(group);
      }
    }
  }

  std::string Chosen() const {
    if (!has_attach_ || options_.host.empty()) return "every group in the file";
    return fmt::format("the groups Attach lists for {}", options_.host);
  }

  void BuildChains(const Json& root) {
    if (!has_attach_ || options_.host.empty()) {
      for (std::size_t i = 0; i < groups_.size(); ++i) protecting_.insert(static_cast<int>(i));
      ruleset_.notes.push_back(
          fmt::format("{}: {}: the {} groups in the file are all taken as attached to the audited host", file_,
                      has_attach_ ? "no --host" : "no Attach map (instance -> groups)", groups_.size()));
    } else if (protecting_.empty()) {
      ruleset_.notes.push_back(
          fmt::format("{}: Attach lists no group for {}: every inbound packet is denied", file_, options_.host));
    }
    const auto& groups = root["SecurityGroups"];
    AddChain(groups, "IpPermissions", Hook::kInput, "inbound");
    bool egress_everywhere = !protecting_.empty();
    for (const int g : protecting_) egress_everywhere &= groups[g].contains("IpPermissionsEgress");
    if (egress_everywhere) {
      AddChain(groups, "IpPermissionsEgress", Hook::kOutput, "outbound");
    } else {
      ruleset_.notes.push_back(fmt::format(
          "{}: a group without IpPermissionsEgress keeps the default outbound rule: outbound traffic is not filtered",
          file_));
    }
  }

  void AddChain(const Json& groups, const std::string& key, Hook hook, const std::string& direction) {
    Chain chain;
    chain.name = fmt::format("security groups {} ({})", direction, Chosen());
    chain.policy = Action::kDrop;
    chain.policy_text = fmt::format("the implicit deny of security groups ({})", direction);
    chain.where = {file_, 1, 1};
    granted_ = PacketSet::None();
    for (const int g : protecting_) {
      if (!groups[g].contains(key)) continue;
      const auto& permissions = groups[g][key];
      const auto list_path = Append(groups_[g].path, key);
      if (!permissions.is_array()) FailAt(list_path, "expected a list of permissions");
      for (std::size_t i = 0; i < permissions.size(); ++i)
        AddPermission(chain, groups_[g], permissions[i], Append(list_path, i), hook == Hook::kInput);
    }
    ruleset_.attachments.push_back({hook, static_cast<int>(ruleset_.chains.size()), 0});
    ruleset_.chains.push_back(std::move(chain));
  }

  int PortField(const Json& permission, const JsonPath& path, const char* key, int missing, int low) const {
    if (!permission.contains(key)) return missing;
    const auto& value = permission[key];
    if (!value.is_number_integer()) FailAt(Append(path, key), "expected an integer");
    const auto number = value.get<long long>();
    if (number < low || number > kMaxPort) FailAt(Append(path, key), fmt::format("{} is out of range", number));
    return static_cast<int>(number);
  }

  // The protocol and port part of a permission, and its text ("tcp 80-81").
  struct Service {
    PacketSet set;
    std::string text;
  };
  Service ServiceOf(const Json& permission, const JsonPath& path) const {
    if (!permission.contains("IpProtocol")) FailAt(path, "a permission needs an IpProtocol");
    const auto protocol_text = Scalar(permission["IpProtocol"]);
    if (protocol_text == kAllProtocols) return {PacketSet::All(), "all traffic"};
    const auto protocol = ParseProtocol(protocol_text == "icmpv6" ? "58" : protocol_text);
    if (!protocol) FailAt(Append(path, "IpProtocol"), fmt::format("'{}' is not a protocol", protocol_text));
    auto set = PacketSet::Protocol(*protocol);
    if (*protocol == kProtocolIcmp || *protocol == kProtocolIcmpV6) {
      const int type = PortField(permission, path, "FromPort", -1, -1);
      const int code = PortField(permission, path, "ToPort", -1, -1);
      if (type > kMaxIcmpValue || code > kMaxIcmpValue) FailAt(path, "an ICMP type or code is at most 255");
      if (type < 0) return {set, protocol_text};
      set &= PacketSet::IcmpType(type, code < 0 ? std::nullopt : std::optional<int>(code));
      return {set, code < 0 ? fmt::format("{} type {}", protocol_text, type)
                            : fmt::format("{} type {} code {}", protocol_text, type, code)};
    }
    // EC2 ignores ports for protocols other than tcp and udp. For tcp and udp it refuses -1 ("TCP/UDP
    // port (-1) out of range"): -1 means any type or code of ICMP only, so a tcp or udp permission
    // with -1 was not written by EC2, and what it would allow is unknown.
    if (*protocol != kProtocolTcp && *protocol != kProtocolUdp) return {set, protocol_text};
    const int from = PortField(permission, path, "FromPort", 0, -1);
    const int to = PortField(permission, path, "ToPort", kMaxPort, -1);
    for (const auto& [key, port] : {std::pair{"FromPort", from}, std::pair{"ToPort", to}})
      if (port < 0)
        FailAt(Append(path, key),
               fmt::format("-1 is not a {} port: EC2 refuses it for tcp and udp (-1, any, is for ICMP types and "
                           "codes); all ports are 0 to 65535",
                           protocol_text));
    if (from > to) FailAt(Append(path, "ToPort"), fmt::format("ToPort {} is below FromPort {}", to, from));
    set &= PacketSet::DestinationPorts(from, to);
    return {set,
            from == to ? fmt::format("{} {}", protocol_text, from) : fmt::format("{} {}-{}", protocol_text, from, to)};
  }

  // The addresses of the instances that carry a group, when Attach and the inventory say.
  std::optional<std::vector<core::Network>> GroupMembers(int group) const {
    if (group < 0 || options_.inventory == nullptr || !carriers_.count(group)) return std::nullopt;
    std::vector<core::Network> networks;
    for (const auto& instance : carriers_.at(group)) {
      const auto* endpoint = options_.inventory->FindEndpoint(instance);
      if (endpoint == nullptr) return std::nullopt;
      networks.insert(networks.end(), endpoint->addresses.begin(), endpoint->addresses.end());
    }
    return networks;
  }

  // The groups are one union of allows, without order: a permission that the ones before it
  // already grant in full (the default outbound rule of every group, the same permission in two
  // groups) is redundant, not a rule that can never match. It is left out of the chain, and a
  // note says which permissions it repeats.
  void AddUnlessRedundant(Chain& chain, Rule rule) {
    if (!rule.match.SubsetOf(granted_) || rule.match.Empty()) {
      granted_ |= rule.match;
      chain.rules.push_back(std::move(rule));
      return;
    }
    std::vector<const Rule*> covering;
    for (const auto& earlier : chain.rules)
      if (earlier.match.Intersects(rule.match)) covering.push_back(&earlier);
    std::vector<std::string> names;
    names.reserve(covering.size());
    for (const auto* earlier : covering)
      names.push_back(fmt::format("{} ({})", earlier->text, earlier->where.ToString()));
    const bool same = covering.size() == 1 && covering.front()->match == rule.match;
    ruleset_.notes.push_back(fmt::format("{}: {}: redundant: it {} {}, and grants nothing more", rule.where.ToString(),
                                         rule.text, same ? "repeats" : "is covered by", fmt::join(names, ", ")));
  }

  void AddPermission(Chain& chain, const Group& group, const Json& permission, const JsonPath& path, bool inbound) {
    if (!permission.is_object()) FailAt(path, "a permission is an object");
    const auto service = ServiceOf(permission, path);
    const auto peer_word = inbound ? "from" : "to";
    auto add = [&](const JsonPath& where, const PacketSet& peer, const std::string& peer_text,
                   std::vector<std::string> unmodelled) {
      Rule rule;
      rule.match = service.set & peer;
      rule.action = Action::kAccept;
      rule.where = locator_.Where(where);
      rule.text =
          fmt::format("{}: {} {} {}", group.name.empty() ? group.id : group.name, service.text, peer_word, peer_text);
      rule.unmodelled = std::move(unmodelled);
      AddUnlessRedundant(chain, std::move(rule));
    };
    // The peer is the source inbound, the destination outbound.
    auto peer_of = [&](const core::Network& network) {
      return inbound ? PacketSet::Source(network) : PacketSet::Destination(network);
    };
    for (const auto& [key, field, family] : {std::tuple{"IpRanges", "CidrIp", core::Family::kIPv4},
                                             std::tuple{"Ipv6Ranges", "CidrIpv6", core::Family::kIPv6}}) {
      if (!permission.contains(key)) continue;
      const auto list_path = Append(path, key);
      if (!permission[key].is_array()) FailAt(list_path, "expected a list");
      for (std::size_t i = 0; i < permission[key].size(); ++i) {
        const auto& range = permission[key][i];
        const auto range_path = Append(list_path, i);
        if (!range.is_object() || !range.contains(field))
          FailAt(range_path, fmt::format("expected {{\"{}\": ...}}", field));
        const auto cidr = Scalar(range[field]);
        const auto network = ParseNetworkLenient(cidr);
        if (!network || network->family != family || cidr.find('/') == std::string::npos)
          FailAt(Append(range_path, field),
                 fmt::format("'{}' is not an {} CIDR block", cidr, family == core::Family::kIPv4 ? "IPv4" : "IPv6"));
        add(range_path, peer_of(*network), cidr, {});
      }
    }
    if (permission.contains("UserIdGroupPairs")) {
      const auto list_path = Append(path, "UserIdGroupPairs");
      const auto& pairs = permission["UserIdGroupPairs"];
      if (!pairs.is_array()) FailAt(list_path, "expected a list");
      for (std::size_t i = 0; i < pairs.size(); ++i) {
        const auto pair_path = Append(list_path, i);
        if (!pairs[i].is_object()) FailAt(pair_path, "a group reference is an object");
        const auto name = pairs[i].contains("GroupId")     ? Scalar(pairs[i]["GroupId"])
                          : pairs[i].contains("GroupName") ? Scalar(pairs[i]["GroupName"])
                                                           : std::string();
        if (name.empty()) FailAt(pair_path, "a group reference needs a GroupId or a GroupName");
        const int referenced = FindGroup(name);
        if (const auto members = GroupMembers(referenced)) {
          auto peer = PacketSet::None();
          for (const auto& network : *members) peer |= peer_of(network);
          add(pair_path, peer, "group " + name, {});
          continue;
        }
        const auto what = fmt::format("the members of security group {}", name);
        add(pair_path, ruleset_.symbols.Unmodelled(what), "group " + name, {what});
      }
    }
    if (permission.contains("PrefixListIds")) {
      const auto list_path = Append(path, "PrefixListIds");
      const auto& lists = permission["PrefixListIds"];
      if (!lists.is_array()) FailAt(list_path, "expected a list");
      for (std::size_t i = 0; i < lists.size(); ++i) {
        const auto id =
            lists[i].is_object() && lists[i].contains("PrefixListId") ? Scalar(lists[i]["PrefixListId"]) : "";
        if (id.empty()) FailAt(Append(list_path, i), "expected {\"PrefixListId\": ...}");
        const auto what = fmt::format("the addresses of prefix list {}", id);
        add(Append(list_path, i), ruleset_.symbols.Unmodelled(what), "prefix list " + id, {what});
      }
    }
  }

  std::string_view text_;
  std::string file_;
  const ReadOptions& options_;
  JsonLocator locator_;
  core::Diagnostics diagnostics_;
  Ruleset ruleset_;
  std::vector<Group> groups_;
  bool has_attach_ = false;
  std::map<int, std::vector<std::string>> carriers_;  // group -> instance names
  std::set<int> protecting_;                          // the groups on the audited host
  PacketSet granted_;                                 // what the chain being built grants so far
};

}  // namespace

// PowerShell 5.1's `aws ec2 describe-security-groups > sg.json` writes UTF-16LE with a byte-order
// mark: decoded here.
bool LooksLikeAwsSecurityGroups(std::string_view bytes) {
  const auto decoded = DecodeByteOrderMark(bytes);
  const std::string_view text = decoded ? std::string_view(*decoded) : bytes;
  const auto start = text.find_first_not_of(" \t\r\n");
  return start != std::string_view::npos && text[start] == '{' &&
         text.find("\"SecurityGroups\"") != std::string_view::npos;
}

Ruleset ReadAwsSecurityGroups(std::string_view bytes, const std::string& file, const ReadOptions& options) {
  const auto decoded = DecodeByteOrderMark(bytes);
  return Reader(decoded ? std::string_view(*decoded) : bytes, file, options).Read();
}

}  // namespace portolan::audit::formats
