// Cisco IOS / IOS-XE, NX-OS and IOS-XR: extended and standard IPv4 ACLs (named and numbered; NX-OS
// "ip access-list NAME", IOS-XR "ipv4 access-list NAME"), IPv6 ACLs, object-groups (network,
// service, protocol; NX-OS address and port groups; IOS-XR network and port groups), and their
// bindings on interfaces (ip access-group, ip port access-group, ipv6 traffic-filter, ipv4|ipv6
// access-group ingress|egress). IOS ACLs are stateless: the replies of required flows are not excess.

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "audit/formats/cisco_common.hpp"
#include "audit/formats/formats.hpp"
#include "audit/formats/text_input.hpp"

namespace portolan::audit::formats {

namespace {

// Object-groups may nest; deeper than this is a loop.
constexpr int kMaxGroupDepth = 16;
constexpr int kMaxProtocol = 255;
constexpr int kProtocolIgmp = 2;

enum class AclKind { kExtended, kStandard, kIpv6 };

// What an object-group holds: addresses (IOS network, NX-OS ip address, IOS-XR network), ports
// alone (NX-OS ip port, IOS-XR port), protocols with their ports (IOS service), protocols (IOS
// protocol).
enum class GroupKind { kNetwork, kPort, kService, kProtocol };

struct NetworkMember {
  std::function<std::optional<PacketSet>(bool source)> set;  // empty for a nested group
  std::string group;
};

struct PortMember {
  PacketSet source;  // the same ports as source and as destination ports
  PacketSet destination;
  std::string group;  // a nested group
};

struct ServiceMember {
  PacketSet set;
  std::string group;
};

struct ProtocolMember {
  int protocol = -1;  // -1: any (ip)
  std::string group;
};

struct Group {
  GroupKind kind = GroupKind::kNetwork;
  std::set<std::string> definitions;  // "network ipv4", "network ipv6": one name may have both
  bool wildcard = false;              // NX-OS: "A WILDCARD" members (IOS: "A NETMASK")
  bool v6 = false;                    // v6-service: icmp is ICMPv6
  std::vector<NetworkMember> networks;
  std::vector<PortMember> ports;
  std::vector<ServiceMember> services;
  std::vector<ProtocolMember> protocols;
};

// The numbered ACLs that are not IP ACLs: they filter no IP packet.
struct NumberRange {
  int first;
  int last;
  std::string_view what;
};
constexpr NumberRange kNonIpAclNumbers[] = {{200, 299, "protocol type-code"},
                                            {300, 399, "DECnet"},
                                            {400, 499, "XNS standard"},
                                            {500, 599, "XNS extended"},
                                            {600, 699, "AppleTalk"},
                                            {700, 799, "48-bit MAC address"},
                                            {800, 899, "IPX standard"},
                                            {900, 999, "IPX extended"},
                                            {1000, 1099, "IPX SAP"},
                                            {1100, 1199, "extended 48-bit MAC address"},
                                            {1200, 1299, "IPX summary address"}};

// What may follow an ACE's operands: ignored (logging, counters) or unmodelled (a free variable
// of the rule's match); `established` is modelled apart. Anything else is an error.
enum class TailArgs { kNone, kOne, kOperator, kLogCookie, kTcpFlags, kReflect };
struct TailKeyword {
  std::string_view name;
  TailArgs args;
  bool ignored;
  std::string_view shown;  // how the error lists it
};
constexpr TailKeyword kTailKeywords[] = {
    {"log", TailArgs::kLogCookie, true, "log"},
    {"log-input", TailArgs::kLogCookie, true, "log-input"},
    {"reflect", TailArgs::kReflect, true, "reflect NAME"},
    {"counter", TailArgs::kOne, true, "counter NAME"},
    {"sequence", TailArgs::kOne, true, "sequence N"},
    {"icmp-off", TailArgs::kNone, true, "icmp-off"},
    {"capture", TailArgs::kNone, true, "capture"},  // IOS-XR: copies matches to a capture session
    {"time-range", TailArgs::kOne, false, "time-range NAME"},
    {"fragments", TailArgs::kNone, false, "fragments"},
    {"fragment-type", TailArgs::kOne, false, "fragment-type T"},
    {"dscp", TailArgs::kOne, false, "dscp V"},
    {"precedence", TailArgs::kOne, false, "precedence V"},
    {"tos", TailArgs::kOne, false, "tos V"},
    {"option", TailArgs::kOne, false, "option V"},
    {"ttl", TailArgs::kOperator, false, "ttl [OP] V"},
    {"packet-length", TailArgs::kOperator, false, "packet-length [OP] V"},
    {"ack", TailArgs::kNone, false, "ack"},
    {"fin", TailArgs::kNone, false, "fin"},
    {"psh", TailArgs::kNone, false, "psh"},
    {"rst", TailArgs::kNone, false, "rst"},
    {"syn", TailArgs::kNone, false, "syn"},
    {"urg", TailArgs::kNone, false, "urg"},
    {"match-any", TailArgs::kTcpFlags, false, "match-any +FLAG..."},
    {"match-all", TailArgs::kTcpFlags, false, "match-all +FLAG..."},
    {"flow-label", TailArgs::kOne, false, "flow-label V"},
    {"routing", TailArgs::kNone, false, "routing"},
    {"routing-type", TailArgs::kOne, false, "routing-type V"},
    {"hbh", TailArgs::kNone, false, "hbh"},
    {"dest-option", TailArgs::kNone, false, "dest-option"},
    {"dest-option-type", TailArgs::kOne, false, "dest-option-type V"},
    {"mobility", TailArgs::kNone, false, "mobility"},
    {"mobility-type", TailArgs::kOne, false, "mobility-type V"},
    {"authen", TailArgs::kNone, false, "authen"},
    {"undetermined-transport", TailArgs::kNone, false, "undetermined-transport"},
    {"vlan", TailArgs::kOne, false, "vlan N"},
    {"http-method", TailArgs::kOne, false, "http-method M"},
    {"tcp-option-length", TailArgs::kOne, false, "tcp-option-length N"},
};

const TailKeyword* FindTailKeyword(std::string_view text) {
  for (const auto& keyword : kTailKeywords)
    if (keyword.name == text) return &keyword;
  return nullptr;
}

// IGMP message types IOS names after `igmp`: which one a packet is, the audit does not see.
constexpr std::string_view kIgmpTypes[] = {"dvmrp", "host-query", "host-report", "mtrace-response", "mtrace-route",
                                           "pim",   "trace",      "v2-leave",    "v2-report",       "v3-report"};
constexpr int kMaxIgmpType = 15;

bool IsNumber(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The protocol keywords of IOS, NX-OS and IOS-XR ACEs (besides ip / ipv4 / ipv6, which mean any).
const std::map<std::string, int>& ProtocolNames() {
  static const std::map<std::string, int> kNames = {
      {"ah", 51},        {"ahp", 51},   {"dccp", 33},     {"eigrp", 88}, {"esp", 50},  {"gre", 47},
      {"icmp", 1},       {"icmp6", 58}, {"icmpv6", 58},   {"igmp", 2},   {"igrp", 9},  {"ipinip", 4},
      {"ipv6-icmp", 58}, {"nos", 94},   {"ospf", 89},     {"pcp", 108},  {"pim", 103}, {"sctp", 132},
      {"tcp", 6},        {"udp", 17},   {"udplite", 136}, {"vrrp", 112}};
  return kNames;
}

std::optional<int> IosProtocol(std::string_view text) {
  std::string lower(text);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto& names = ProtocolNames();
  const auto it = names.find(lower);
  if (it != names.end()) return it->second;
  return ParseNumber(text, kMaxProtocol);
}

// The error for a word where a protocol belongs, listing what IosProtocol accepts.
std::string NotAProtocol(std::string_view word, bool v6) {
  std::vector<std::string_view> names;
  for (const auto& [name, number] : ProtocolNames()) names.push_back(name);
  return fmt::format("'{}' is not a protocol: expected {}, object-group NAME, a number 0-{} or one of {}", word,
                     v6 ? "ipv6" : "ip (or ipv4)", kMaxProtocol, fmt::join(names, ", "));
}

class IosReader : public cisco::ConfigReader {
 public:
  IosReader(std::string_view text, const std::string& file, const ReadOptions& options)
      : ConfigReader(text, file, options, "IOS", "!") {
    ruleset_.format = "cisco-ios";
    ruleset_.stateless = true;
  }

  Ruleset Read() { return ReadConfig(); }

 private:
  // kSkipped: the members of a block the audit does not read (a MAC ACL, a VLAN access-map, ...).
  enum class Block { kNone, kAcl, kGroup, kInterface, kSkipped };

  // An ACL-like block that is not read: bound to an interface, it is an error; otherwise a note.
  struct Skipped {
    std::string what;  // "ip access-list fqdn NAME"
    core::SourceLocation where;
  };

  std::string_view Statements() const override {
    return "hostname, version, interface, access-list, ip access-list, ipv4 access-list, ipv6 access-list, "
           "object-group or '!' line";
  }

  void Line(const std::vector<Token>& tokens, bool indented) override {
    if (block_ == Block::kAcl && AclLine(tokens)) return;
    if (block_ == Block::kAcl && indented)
      return Fail(tokens, 0,
                  fmt::format("'{}' is not an entry of ACL {}: expected [SEQUENCE] permit, deny, remark, evaluate or "
                              "dynamic",
                              tokens[0].text, acl_));
    if (indented && block_ == Block::kGroup) return GroupLine(tokens);
    if (indented && block_ == Block::kInterface) return InterfaceLine(tokens);
    if (indented && block_ == Block::kSkipped) return;
    block_ = Block::kNone;
    TopLine(tokens);
  }

  // Bindings learn their interface's networks once every interface block is read.
  std::vector<cisco::Binding> Bindings() override {
    for (auto& binding : bindings_) binding.home = interface_networks_[binding.interface];
    return bindings_;
  }

  cisco::Interfaces ReadInterfaces() override {
    cisco::Interfaces interfaces;
    for (const auto& [name, networks] : interface_networks_) interfaces.list.push_back({name, networks, 0, false, {}});
    return interfaces;
  }

  // A binding of an ACL the audit skipped is an error (it filters packets the audit would pass);
  // a skipped ACL that nothing binds is a note.
  void Finish() override {
    std::set<std::string> bound;
    for (std::size_t k = 0; k < bindings_.size(); ++k) {
      const auto& binding = bindings_[k];
      bound.insert(binding.acl);
      const auto it = skipped_.find(binding.acl);
      if (acls_.Find(binding.acl) || it == skipped_.end()) continue;
      diagnostics_.Error(binding_sites_[k],
                         fmt::format("{} applies {} ({}), which the audit does not model: refused rather than "
                                     "audited as if the interface filtered nothing",
                                     binding.text, it->second.what, it->second.where.ToString()));
    }
    for (const auto& [name, skipped] : skipped_)
      if (!bound.count(name))
        ruleset_.notes.push_back(fmt::format("{}: {} is not modelled, and applied to no interface: not audited",
                                             skipped.where.ToString(), skipped.what));
    for (const auto& [map, where] : vlan_maps_)
      if (!vlan_filters_.count(map))
        ruleset_.notes.push_back(
            fmt::format("{}: vlan access-map {} is applied to no VLAN: not audited", where.ToString(), map));
  }

  void TopLine(const std::vector<Token>& tokens) {
    const auto word = [&](std::size_t i) { return Word(tokens, i); };
    if (word(0) == "ip" && word(1) == "access-list") return IpAccessList(tokens);
    if ((word(0) == "ipv4" || word(0) == "ipv6") && word(1) == "access-list") {
      // IOS-XR ipv4 access-list NAME; ipv6 access-list NAME (IOS, NX-OS, IOS-XR). With more words:
      // a global setting (log-update, maximum, ...).
      recognised_ = true;
      if (tokens.size() > 3) return;
      if (tokens.size() != 3) return Fail(tokens, 2, fmt::format("expected: {} access-list NAME", word(0)));
      StartAcl(tokens[2].text, word(0) == "ipv6" ? AclKind::kIpv6 : AclKind::kExtended);
      return;
    }
    if (word(0) == "access-list") return NumberedLine(tokens);
    if (word(0) == "object-group") return StartGroup(tokens);
    if ((word(0) == "mac" || word(0) == "arp" || word(0) == "ethernet-services") && word(1) == "access-list") {
      // Layer 2 ACLs (their own bindings: mac access-group, ...) see no IP packet.
      recognised_ = true;
      ruleset_.notes.push_back(fmt::format("{}:{}: {} filters no IP packet: not audited", file_, line_number_,
                                           JoinTokens(tokens, 0, tokens.size())));
      block_ = Block::kSkipped;
      return;
    }
    if (word(0) == "vlan" && word(1) == "access-map" && tokens.size() >= 3) {
      recognised_ = true;
      vlan_maps_.emplace(tokens[2].text, core::SourceLocation{file_, line_number_, 1});
      block_ = Block::kSkipped;
      return;
    }
    if (word(0) == "vlan" && word(1) == "filter" && tokens.size() >= 3) {
      // A VLAN ACL drops what its access-map says, before any interface ACL.
      vlan_filters_.insert(tokens[2].text);
      return Fail(tokens, 0,
                  fmt::format("vlan filter {}: VLAN access-maps (VACLs) are not modelled: refused rather than "
                              "audited as if the VLAN filtered nothing",
                              tokens[2].text));
    }
    if (word(0) == "interface" && tokens.size() >= 2) {
      recognised_ = true;
      interface_ = JoinTokens(tokens, 1, tokens.size());
      interface_networks_[interface_];
      block_ = Block::kInterface;
      return;
    }
    static const std::set<std::string_view> kStatements = {"hostname", "version", "end",     "feature",
                                                           "router",   "line",    "service", "boot-start-marker"};
    if (kStatements.count(word(0)) || (word(0) == "Building" && word(1) == "configuration...")) recognised_ = true;
    // Anything else in a configuration (routing, management ...) is not the filter.
  }

  // ip access-list extended|standard NAME (IOS), ip access-list NAME (NX-OS), ip access-list
  // fqdn|role-based NAME (not read), or a global setting (logging, resequence, ...).
  void IpAccessList(const std::vector<Token>& tokens) {
    recognised_ = true;
    const auto kind = Word(tokens, 2);
    if (kind == "extended" || kind == "standard") {
      if (tokens.size() != 4) return Fail(tokens, 3, "expected: ip access-list extended|standard NAME");
      return StartAcl(tokens[3].text, kind == "extended" ? AclKind::kExtended : AclKind::kStandard);
    }
    if ((kind == "fqdn" || kind == "role-based") && tokens.size() == 4) {
      skipped_.emplace(tokens[3].text, Skipped{JoinTokens(tokens, 0, tokens.size()), {file_, line_number_, 1}});
      block_ = Block::kSkipped;
      return;
    }
    static const std::set<std::string_view> kGlobalSettings = {"persistent", "match-local-traffic", "logging",
                                                               "log-update", "resequence",          "compiled"};
    if (tokens.size() == 3 && !kGlobalSettings.count(kind)) return StartAcl(tokens[2].text, AclKind::kExtended);
  }

  void StartAcl(const std::string& name, AclKind kind) {
    recognised_ = true;
    const auto family = kind == AclKind::kIpv6 ? core::Family::kIPv6 : core::Family::kIPv4;
    acls_.Get(name, PacketSet::Family(family), {file_, line_number_, 1});
    acl_ = name;
    acl_kind_ = kind;
    block_ = Block::kAcl;
  }

  // access-list 1-99|1300-1999 standard, 100-199|2000-2699 extended; the other numbers are ACLs
  // of other protocols (MAC, IPX, ...), which filter no IP packet.
  void NumberedLine(const std::vector<Token>& tokens) {
    recognised_ = true;
    if (tokens.size() < 3) return Fail(tokens, tokens.size(), "expected: access-list NUMBER permit|deny|remark ...");
    const auto& number = tokens[1].text;
    if (number == "compiled" || number == "dynamic-extended") return;  // global settings
    if (number == "rate-limit") {
      ruleset_.notes.push_back(
          fmt::format("{}:{}: rate-limit ACLs classify packets for rate limiting: not audited", file_, line_number_));
      return;
    }
    if (!IsNumber(number) || number.size() > 4)
      return Fail(tokens, 1, fmt::format("'{}' is not an ACL number (1-199, 1300-2699)", number));
    const int n = std::stoi(number);
    AclKind kind;
    if ((n >= 1 && n <= 99) || (n >= 1300 && n <= 1999)) {
      kind = AclKind::kStandard;
    } else if ((n >= 100 && n <= 199) || (n >= 2000 && n <= 2699)) {
      kind = AclKind::kExtended;
    } else {
      for (const auto& range : kNonIpAclNumbers) {
        if (n < range.first || n > range.last) continue;
        if (non_ip_numbers_.insert(n).second)
          ruleset_.notes.push_back(
              fmt::format("{}:{}: access-list {} is a {} ACL ({}-{}): it filters no IP packet, "
                          "not audited",
                          file_, line_number_, n, range.what, range.first, range.last));
        return;
      }
      return Fail(tokens, 1, fmt::format("{} is not an ACL number (IP: 1-199, 1300-2699)", number));
    }
    if (!acls_.Find(number)) acls_.Get(number, PacketSet::Family(core::Family::kIPv4), {file_, line_number_, 1});
    const auto saved_kind = acl_kind_;
    acl_kind_ = kind;
    const std::vector<Token> entry(tokens.begin() + 2, tokens.end());
    if (!Entry(number, entry)) Fail(tokens, 2, fmt::format("'{}': expected permit, deny or remark", tokens[2].text));
    acl_kind_ = saved_kind;
  }

  // An ACE line in an ACL block; false when the line is no ACE (the block has ended).
  bool AclLine(const std::vector<Token>& tokens) {
    // NX-OS: counters per entry, and what non-initial fragments meet (never a connection's first packet).
    if (tokens[0].text == "statistics" || (tokens[0].text == "fragments" && tokens.size() == 2)) return true;
    std::size_t first = 0;
    if (tokens[0].text == "sequence" && tokens.size() > 1 && IsNumber(tokens[1].text))
      first = 2;
    else if (IsNumber(tokens[0].text))
      first = 1;
    const std::vector<Token> entry(tokens.begin() + static_cast<std::ptrdiff_t>(first), tokens.end());
    if (entry.empty()) {
      Fail(tokens, first, "a sequence number needs an entry after it");
      return true;
    }
    if (first > 0 && !ParseActionOrRemark(entry[0].text)) {
      Fail(tokens, first, fmt::format("'{}': expected permit, deny, remark, evaluate or dynamic", entry[0].text));
      return true;
    }
    return Entry(acl_, entry);
  }

  static bool ParseActionOrRemark(std::string_view word) {
    return cisco::ParseAction(word) || word == "remark" || word == "description" || word == "evaluate" ||
           word == "dynamic";
  }

  // permit|deny|remark|evaluate|dynamic ...; false when the first token is none of them.
  bool Entry(const std::string& acl, const std::vector<Token>& tokens) {
    const auto& keyword = tokens[0].text;
    if (keyword == "remark" || keyword == "description") return true;
    if (keyword == "evaluate") {
      // A reflexive ACL's entries: replies of connections another ACL saw, which the audit
      // cannot know; a free variable.
      Rule rule = NewRule();
      rule.match = FamilySet() & Unmodelled(rule, JoinTokens(tokens, 0, tokens.size()) + " (reflexive entries)");
      rule.action = Action::kAccept;
      acls_.AddRule(acl, std::move(rule));
      return true;
    }
    if (keyword == "dynamic") {
      // Lock-and-key: the entry applies only to hosts that have authenticated, a free variable.
      std::size_t i = 2;
      if (Word(tokens, i) == "timeout") i += 2;
      if (tokens.size() < 2 || !cisco::ParseAction(Word(tokens, i))) {
        Fail(tokens, std::min(i, tokens.size()), "expected: dynamic NAME [timeout MINUTES] permit|deny ...");
        return true;
      }
      const std::vector<Token> entry(tokens.begin() + static_cast<std::ptrdiff_t>(i), tokens.end());
      auto rule = acl_kind_ == AclKind::kStandard ? StandardAce(entry) : ExtendedAce(entry);
      if (rule) {
        rule->action = *cisco::ParseAction(entry[0].text);
        rule->match &= Unmodelled(*rule, fmt::format("dynamic {} (lock-and-key)", tokens[1].text));
        acls_.AddRule(acl, std::move(*rule));
      }
      return true;
    }
    const auto action = cisco::ParseAction(keyword);
    if (!action) return false;
    auto rule = acl_kind_ == AclKind::kStandard ? StandardAce(tokens) : ExtendedAce(tokens);
    if (rule) {
      rule->action = *action;
      acls_.AddRule(acl, std::move(*rule));
    }
    return true;
  }

  PacketSet FamilySet() const {
    return PacketSet::Family(acl_kind_ == AclKind::kIpv6 ? core::Family::kIPv6 : core::Family::kIPv4);
  }

  // Columns in `tokens` are the line's own, so errors point into the line.
  std::optional<Rule> StandardAce(const std::vector<Token>& tokens) {
    Rule rule = NewRule();
    std::size_t i = 1;
    auto source = Address(tokens, i, true, /*standard=*/true);
    if (!source) return std::nullopt;
    if (!Tail(tokens, i, rule, false)) return std::nullopt;
    rule.match &= FamilySet() & *source;
    return rule;
  }

  // The protocol of an extended ACE at tokens[i]: its packets, and whether port operators may
  // follow the addresses. nullopt after an error.
  struct Protocol {
    PacketSet set;
    int number = -1;  // -1: any, or given by a group
    bool ports = false;
  };
  std::optional<Protocol> AceProtocol(const std::vector<Token>& tokens, std::size_t& i) {
    const bool v6 = acl_kind_ == AclKind::kIpv6;
    if (i >= tokens.size()) {
      Fail(tokens, i, "expected a protocol");
      return std::nullopt;
    }
    const auto& word = tokens[i].text;
    Protocol protocol{PacketSet::All(), -1, false};
    if (word == "object-group") {
      const auto name = std::string(Word(tokens, i + 1));
      const auto* group = FindGroup(name);
      std::optional<PacketSet> set;
      if (group && group->kind == GroupKind::kService) {
        set = ServiceGroup(name, 0);
      } else if (group && group->kind == GroupKind::kProtocol) {
        if (const auto numbers = ProtocolGroup(name, 0)) {
          set = PacketSet::None();
          protocol.ports = !numbers->empty();
          for (const int number : *numbers) {
            if (number < 0) {
              set = PacketSet::All();
              protocol.ports = false;
              break;
            }
            *set |= PacketSet::Protocol(v6 && number == kProtocolIcmp ? kProtocolIcmpV6 : number);
            protocol.ports = protocol.ports && ProtocolHasPorts(number);
          }
        }
      }
      if (!set) {
        Fail(tokens, i + 1, fmt::format("'{}' is not a defined object-group service or protocol", name));
        return std::nullopt;
      }
      protocol.set = *set;
      i += 2;
      return protocol;
    }
    if ((!v6 && (word == "ip" || word == "ipv4")) || (v6 && word == "ipv6")) {
      ++i;
      return protocol;
    }
    const auto number = IosProtocol(word);
    if (!number) {
      Fail(tokens, i, NotAProtocol(word, v6));
      return std::nullopt;
    }
    protocol.number = v6 && *number == kProtocolIcmp ? kProtocolIcmpV6 : *number;
    protocol.set = PacketSet::Protocol(protocol.number);
    protocol.ports = ProtocolHasPorts(protocol.number);
    ++i;
    return protocol;
  }

  std::optional<Rule> ExtendedAce(const std::vector<Token>& tokens) {
    Rule rule = NewRule();
    const bool v6 = acl_kind_ == AclKind::kIpv6;
    std::size_t i = 1;
    const auto protocol = AceProtocol(tokens, i);
    if (!protocol) return std::nullopt;
    PacketSet match = FamilySet() & protocol->set;
    for (const bool source : {true, false}) {
      auto address = Address(tokens, i, source, false);
      if (!address) return std::nullopt;
      match &= *address;
      if (!AcePorts(tokens, i, source, protocol->ports, match)) return std::nullopt;
    }
    if (protocol->number == kProtocolIcmp || protocol->number == kProtocolIcmpV6) {
      if (auto type = cisco::IcmpTypeOperand(tokens, i, v6)) match &= *type;
    }
    std::vector<Token> unmodelled;
    if (protocol->number == kProtocolIgmp && i < tokens.size() &&
        (std::find(std::begin(kIgmpTypes), std::end(kIgmpTypes), tokens[i].text) != std::end(kIgmpTypes) ||
         ParseNumber(tokens[i].text, kMaxIgmpType))) {
      unmodelled.push_back(Token{"igmp " + tokens[i].text, tokens[i].column, false});
      ++i;
    }
    if (!Tail(tokens, i, rule, protocol->number == kProtocolTcp, unmodelled)) return std::nullopt;
    rule.match = match & rule.match;
    return rule;
  }

  // The ports after an operand: an operator (eq, range, ...) or portgroup / port-group NAME.
  bool AcePorts(const std::vector<Token>& tokens, std::size_t& i, bool source, bool ports, PacketSet& match) {
    const auto word = Word(tokens, i);
    if (word == "portgroup" || word == "port-group") {
      const auto name = std::string(Word(tokens, i + 1));
      const auto* group = FindGroup(name);
      const auto set = group && group->kind == GroupKind::kPort ? PortGroup(name, source, 0) : std::nullopt;
      if (!set) {
        Fail(tokens, i + 1, fmt::format("'{}' is not a defined port object-group", name));
        return false;
      }
      if (!ports) {
        Fail(tokens, i, "port groups need tcp, udp or sctp");
        return false;
      }
      match &= *set;
      i += 2;
      return true;
    }
    return ReadPortOperator(tokens, i, source, true, ports, match) != PortOperand::kFailed;
  }

  // What follows the operands: established, keywords the audit ignores (logging) or cannot
  // model (one free variable of the rule, with `unmodelled` given before); anything else is an
  // error at its column.
  bool Tail(const std::vector<Token>& tokens, std::size_t i, Rule& rule, bool tcp, std::vector<Token> unmodelled = {}) {
    rule.match = PacketSet::All();
    for (; i < tokens.size(); ++i) {
      const auto& word = tokens[i].text;
      if (word == "established") {
        if (!tcp) {
          Fail(tokens, i, "established needs tcp");
          return false;
        }
        // ACK or RST set: a packet of a connection already open, never its first (the audit's packets).
        rule.match &= ~PacketSet::State(CtState::kNew);
        continue;
      }
      const auto* keyword = FindTailKeyword(word);
      if (!keyword) {
        std::vector<std::string_view> expected = {"established"};
        for (const auto& known : kTailKeywords) expected.push_back(known.shown);
        Fail(tokens, i,
             fmt::format("'{}' is not understood here: expected the end of the entry or one of {}", word,
                         fmt::join(expected, ", ")));
        return false;
      }
      const std::size_t start = i;
      const auto next = Word(tokens, i + 1);
      switch (keyword->args) {
        case TailArgs::kNone: break;
        case TailArgs::kLogCookie:
          // log [COOKIE]: a word of the user's own, when it is no keyword.
          if (!next.empty() && next != "established" && !FindTailKeyword(next)) ++i;
          break;
        case TailArgs::kReflect:
          ++i;
          if (Word(tokens, i + 1) == "timeout") i += 2;
          break;
        case TailArgs::kOne: ++i; break;
        case TailArgs::kOperator:
          if (next == "eq" || next == "neq" || next == "lt" || next == "gt")
            i += 2;
          else if (next == "range")
            i += 3;
          else
            ++i;
          break;
        case TailArgs::kTcpFlags:
          while (i + 1 < tokens.size() && (tokens[i + 1].text.starts_with('+') || tokens[i + 1].text.starts_with('-')))
            ++i;
          break;
      }
      if (i >= tokens.size()) {
        Fail(tokens, i, fmt::format("{} needs a value: {}", word, keyword->shown));
        return false;
      }
      if (!keyword->ignored)
        for (std::size_t k = start; k <= i; ++k) unmodelled.push_back(tokens[k]);
    }
    if (!unmodelled.empty()) rule.match &= Unmodelled(rule, JoinTokens(unmodelled, 0, unmodelled.size()));
    return true;
  }

  // any | host A | A WILDCARD | A/LEN | object-group NAME | addrgroup NAME (NX-OS) | net-group
  // NAME (IOS-XR); standard ACLs: also a bare A.
  std::optional<PacketSet> Address(const std::vector<Token>& tokens, std::size_t& i, bool source, bool standard) {
    const bool v6 = acl_kind_ == AclKind::kIpv6;
    const auto side = source ? "source" : "destination";
    const auto expected = fmt::format("a {} (any, host A, {}object-group NAME)", side,
                                      v6 ? "A/LEN, " : "an address and wildcard, A/LEN, ");
    if (i >= tokens.size()) {
      Fail(tokens, i, "expected " + expected);
      return std::nullopt;
    }
    const auto& word = tokens[i].text;
    if (word == "any") {
      ++i;
      return PacketSet::All();
    }
    if (word == "host" || word == "object-group" || word == "addrgroup" || word == "net-group") {
      if (i + 1 >= tokens.size()) {
        Fail(tokens, i + 1, fmt::format("{} needs a value", word));
        return std::nullopt;
      }
      const auto& value = tokens[i + 1].text;
      std::optional<PacketSet> set;
      if (word == "host") {
        const auto address = core::ParseAddress(value);
        if (address && (address->family == core::Family::kIPv6) == v6) set = cisco::Side(*address, source);
      } else {
        const auto* group = FindGroup(value);
        if (group && group->kind == GroupKind::kNetwork) set = NetworkGroup(value, source, 0);
      }
      if (!set) {
        Fail(tokens, i + 1,
             word == "host" ? fmt::format("'{}' is not an {} address", value, v6 ? "IPv6" : "IPv4")
                            : fmt::format("'{}' is not a defined network object-group", value));
        return std::nullopt;
      }
      i += 2;
      return set;
    }
    if (word.find('/') != std::string::npos) {
      const auto network = ParseNetworkLenient(word);
      if (!network || (network->family == core::Family::kIPv6) != v6) {
        Fail(tokens, i, fmt::format("'{}' is not an {} network (A/LEN)", word, v6 ? "IPv6" : "IPv4"));
        return std::nullopt;
      }
      ++i;
      return cisco::Side(*network, source);
    }
    const auto address = core::ParseAddress(word);
    if (v6 || !address || address->family != core::Family::kIPv4) {
      Fail(tokens, i, fmt::format("'{}': expected {}", word, expected));
      return std::nullopt;
    }
    const bool has_mask = i + 1 < tokens.size() && core::ParseAddress(tokens[i + 1].text).has_value();
    if (!has_mask) {
      if (standard) {
        ++i;
        return cisco::Side(*address, source);
      }
      Fail(tokens, i + 1, fmt::format("'{}' needs a wildcard after it (or write host {}, or A/LEN)", word, word));
      return std::nullopt;
    }
    auto set = cisco::MaskedAddress(word, tokens[i + 1].text, true, source);
    if (!set) {
      Fail(tokens, i + 1,
           fmt::format("'{}' is not an IPv4 wildcard (or one of too many stray bits)", tokens[i + 1].text));
      return std::nullopt;
    }
    i += 2;
    return set;
  }

  // object-group network|service|protocol NAME (IOS; v6-network, v6-service on IOS-XE),
  // object-group ip|ipv6 address NAME and object-group ip port NAME (NX-OS), object-group network
  // ipv4|ipv6 NAME and object-group port NAME (IOS-XR). Other kinds are not read.
  void StartGroup(const std::vector<Token>& tokens) {
    recognised_ = true;
    const auto word = [&](std::size_t i) { return Word(tokens, i); };
    GroupKind kind;
    std::string definition(word(1));
    std::size_t name_at = 2;
    bool wildcard = false;
    bool v6 = false;
    if (word(1) == "network" && (word(2) == "ipv4" || word(2) == "ipv6") && tokens.size() == 4) {
      kind = GroupKind::kNetwork;
      definition = fmt::format("network {}", word(2));
      name_at = 3;
    } else if (word(1) == "network" || word(1) == "v6-network") {
      kind = GroupKind::kNetwork;
    } else if ((word(1) == "ip" || word(1) == "ipv6") && word(2) == "address") {
      kind = GroupKind::kNetwork;
      definition = fmt::format("{} address", word(1));
      name_at = 3;
      wildcard = true;
    } else if (word(1) == "ip" && word(2) == "port") {
      kind = GroupKind::kPort;
      name_at = 3;
    } else if (word(1) == "port") {
      kind = GroupKind::kPort;
    } else if (word(1) == "service" || word(1) == "v6-service") {
      kind = GroupKind::kService;
      v6 = word(1) == "v6-service";
    } else if (word(1) == "protocol") {
      kind = GroupKind::kProtocol;
    } else {
      // security, fqdn, geo ...: an ACE that names one is an error there.
      block_ = Block::kSkipped;
      return;
    }
    if (tokens.size() != name_at + 1)
      return Fail(tokens, std::min(name_at, tokens.size()),
                  fmt::format("expected: {} NAME", JoinTokens(tokens, 0, std::min(name_at, tokens.size()))));
    group_ = tokens[name_at].text;
    auto [it, created] = groups_.try_emplace(group_);
    auto& group = it->second;
    // The same group opened again is the device's: the new members join it (as entering
    // `object-group ... NAME` again does on the CLI); a group of another kind is an error.
    if (!created && group.kind != kind)
      return Fail(tokens, name_at, fmt::format("object-group {} is defined twice, as another kind", group_));
    group.kind = kind;
    group.definitions.insert(definition);
    group.wildcard = group.wildcard || wildcard;
    group.v6 = group.v6 || v6;
    block_ = Block::kGroup;
  }

  const Group* FindGroup(const std::string& name) const {
    const auto it = groups_.find(name);
    return it == groups_.end() ? nullptr : &it->second;
  }

  void GroupLine(const std::vector<Token>& all) {
    auto& group = groups_.at(group_);
    if (all[0].text == "description") return;
    // NX-OS numbers the members of address and port groups.
    const bool numbered = (group.kind == GroupKind::kNetwork || group.kind == GroupKind::kPort) && all.size() > 1 &&
                          IsNumber(all[0].text);
    const std::vector<Token> tokens(all.begin() + (numbered ? 1 : 0), all.end());
    if ((tokens[0].text == "group-object" || tokens[0].text == "object-group") && tokens.size() == 2) {
      const auto& nested = tokens[1].text;
      switch (group.kind) {
        case GroupKind::kNetwork: group.networks.push_back({{}, nested}); break;
        case GroupKind::kPort: group.ports.push_back({PacketSet::None(), PacketSet::None(), nested}); break;
        case GroupKind::kService: group.services.push_back({PacketSet::None(), nested}); break;
        case GroupKind::kProtocol: group.protocols.push_back({-1, nested}); break;
      }
      return;
    }
    switch (group.kind) {
      case GroupKind::kNetwork: return NetworkGroupLine(tokens, group);
      case GroupKind::kPort: return PortGroupLine(tokens, group);
      case GroupKind::kService: return ServiceGroupLine(tokens, group);
      case GroupKind::kProtocol: return ProtocolGroupLine(tokens, group);
    }
  }

  void NetworkGroupLine(const std::vector<Token>& tokens, Group& group) {
    const auto& word = tokens[0].text;
    NetworkMember member;
    if (word == "host" && tokens.size() == 2) {
      const auto address = core::ParseAddress(tokens[1].text);
      if (!address) return Fail(tokens, 1, fmt::format("'{}' is not an address", tokens[1].text));
      member.set = [a = *address](bool source) -> std::optional<PacketSet> { return cisco::Side(a, source); };
    } else if (word == "range" && tokens.size() == 3) {
      const auto range = ParseAddressRange(tokens[1].text + "-" + tokens[2].text);
      if (!range) return Fail(tokens, 1, "expected: range FIRST LAST (the first not above the last)");
      member.set = [r = *range](bool source) -> std::optional<PacketSet> { return cisco::Side(r, source); };
    } else if (word == "any" && tokens.size() == 1) {
      member.set = [](bool) -> std::optional<PacketSet> { return PacketSet::All(); };
    } else if (tokens.size() == 2 && core::ParseAddress(tokens[0].text)) {
      // IOS groups take a netmask, NX-OS groups a wildcard.
      const bool wildcard = group.wildcard;
      if (!cisco::MaskedAddress(tokens[0].text, tokens[1].text, wildcard, true))
        return Fail(tokens, 1, fmt::format("'{}' is not {}", tokens[1].text, wildcard ? "a wildcard" : "a netmask"));
      member.set = [a = tokens[0].text, m = tokens[1].text, wildcard](bool source) {
        return cisco::MaskedAddress(a, m, wildcard, source);
      };
    } else if (tokens.size() == 1 && word.find('/') != std::string::npos) {
      const auto network = ParseNetworkLenient(word);
      if (!network) return Fail(tokens, 0, fmt::format("'{}' is not a network", word));
      member.set = [n = *network](bool source) -> std::optional<PacketSet> { return cisco::Side(n, source); };
    } else {
      return Fail(tokens, 0,
                  fmt::format("'{}': expected host A, an address and mask, range A B, A/LEN or group-object", word));
    }
    group.networks.push_back(std::move(member));
  }

  void PortGroupLine(const std::vector<Token>& tokens, Group& group) {
    PortMember member;
    for (const bool source : {true, false}) {
      std::size_t i = 0;
      std::string error;
      auto ports = cisco::ParsePortOperator(tokens, i, source, false, &error);
      if (!ports || i != tokens.size())
        return Fail(tokens, i, error.empty() ? "expected eq, neq, lt, gt or range and the port(s)" : error);
      (source ? member.source : member.destination) = *ports;
    }
    group.ports.push_back(std::move(member));
  }

  // PROTOCOL [source PORTS] [PORTS] | icmp [TYPE]: PORTS an operator (eq, range, ...) or a bare
  // port (eq), as in Cisco's examples ("tcp smtp", "tcp source 2000 ftp").
  void ServiceGroupLine(const std::vector<Token>& tokens, Group& group) {
    const auto& word = tokens[0].text;
    PacketSet set;
    bool ports = false;
    bool icmp = false;
    if (word == "tcp-udp") {
      set = PacketSet::Protocol(kProtocolTcp) | PacketSet::Protocol(kProtocolUdp);
      ports = true;
    } else if (word == "ip" || word == "ipv6") {
      set = PacketSet::All();
    } else if (auto protocol = IosProtocol(word)) {
      const int number = group.v6 && *protocol == kProtocolIcmp ? kProtocolIcmpV6 : *protocol;
      set = PacketSet::Protocol(number);
      ports = ProtocolHasPorts(number);
      icmp = number == kProtocolIcmp || number == kProtocolIcmpV6;
    } else {
      return Fail(tokens, 0, NotAProtocol(word, group.v6));
    }
    std::size_t i = 1;
    if (ports) {
      for (const bool source : {true, false}) {
        const bool explicit_source = Word(tokens, i) == "source";
        if (source && !explicit_source) continue;
        if (explicit_source) ++i;
        std::string error;
        if (auto port = cisco::ParsePortOperator(tokens, i, source, !source, &error)) {
          set &= *port;
        } else if (!error.empty()) {
          return Fail(tokens, i, error);
        } else if (const auto bare = i < tokens.size() ? cisco::ParsePort(tokens[i].text) : std::nullopt) {
          set &= source ? PacketSet::SourcePorts(*bare, *bare) : PacketSet::DestinationPorts(*bare, *bare);
          ++i;
        } else if (explicit_source) {
          return Fail(tokens, i, "source needs a port or a port operator (eq, lt, gt, neq, range)");
        }
      }
    } else if (icmp) {
      if (auto type = cisco::IcmpTypeOperand(tokens, i, group.v6 || word == "icmpv6")) set &= *type;
    }
    if (i < tokens.size())
      return Fail(tokens, i,
                  fmt::format("'{}' is not understood here: expected {}", tokens[i].text,
                              ports ? "[source PORTS] [PORTS]: a port or eq, neq, lt, gt, range"
                                    : (icmp ? "an ICMP type (a name or number)" : "the end of the line")));
    group.services.push_back({set, {}});
  }

  void ProtocolGroupLine(const std::vector<Token>& tokens, Group& group) {
    if (tokens.size() != 1) return Fail(tokens, 1, "expected one protocol per line");
    const auto& word = tokens[0].text;
    if (word == "ip" || word == "ipv6") {
      group.protocols.push_back({-1, {}});
      return;
    }
    const auto protocol = IosProtocol(word);
    if (!protocol) return Fail(tokens, 0, NotAProtocol(word, false));
    group.protocols.push_back({*protocol, {}});
  }

  void InterfaceLine(const std::vector<Token>& tokens) {
    const auto word = [&](std::size_t i) { return Word(tokens, i); };
    // ip access-group NAME in|out (IOS, NX-OS), ip port access-group NAME in (NX-OS port ACL),
    // ipv6 traffic-filter NAME in|out, ipv6 port traffic-filter NAME in, ipv4|ipv6 access-group
    // NAME ingress|egress [hardware-count|interface-statistics|compress level N] (IOS-XR).
    const bool port = word(1) == "port";
    const std::size_t at = port ? 2 : 1;
    const auto verb = word(at);
    const bool ios = (word(0) == "ip" && verb == "access-group") || (word(0) == "ipv6" && verb == "traffic-filter");
    const bool xr = !port && (word(0) == "ipv4" || word(0) == "ipv6") && verb == "access-group";
    if (ios || xr) {
      const auto direction = word(at + 2);
      bool valid = tokens.size() >= at + 3;
      bool inbound = true;
      if (ios) {
        valid = valid && tokens.size() == at + 3 && (direction == "in" || direction == "out");
        inbound = direction == "in";
      } else {
        valid = valid && (direction == "ingress" || direction == "egress");
        inbound = direction == "ingress";
        for (std::size_t k = at + 3; valid && k < tokens.size(); ++k) {
          const auto option = tokens[k].text;
          if (option == "compress" && word(k + 1) == "level" && IsNumber(word(k + 2)))
            k += 2;
          else
            valid = option == "hardware-count" || option == "interface-statistics";
        }
      }
      if (!valid)
        return Fail(tokens, at + 1,
                    fmt::format("expected: {} NAME {}", JoinTokens(tokens, 0, at + 1),
                                ios ? (port ? "in" : "in|out")
                                    : "ingress|egress [hardware-count] "
                                      "[interface-statistics] [compress level N]"));
      cisco::Binding binding;
      binding.acl = tokens[at + 1].text;
      binding.inbound = inbound;
      binding.interface = interface_;
      binding.where = At(tokens, 0);
      binding_sites_.push_back(binding.where);
      binding.where.column = 0;
      binding.text = fmt::format("interface {}: {}", interface_, JoinTokens(tokens, 0, tokens.size()));
      bindings_.push_back(std::move(binding));
      return;
    }
    if (word(0) == "zone-member" && word(1) == "security") {
      return Fail(tokens, 0,
                  fmt::format("{}: the zone-based firewall is not modelled (only ACLs are): refused rather than "
                              "audited as if the interface filtered nothing",
                              JoinTokens(tokens, 0, tokens.size())));
    }
    if ((word(0) == "ip" || word(0) == "ipv4" || word(0) == "ipv6") && word(1) == "address" && tokens.size() >= 3) {
      // A NETMASK (IOS, IOS-XR) or A/LEN (NX-OS, IOS-XR, IPv6).
      std::optional<core::Network> network;
      if (tokens[2].text.find('/') != std::string::npos)
        network = ParseNetworkLenient(tokens[2].text);
      else if (word(0) != "ipv6" && tokens.size() >= 4)
        network = ParseNetworkLenient(tokens[2].text + "/" + tokens[3].text);
      if (network) interface_networks_[interface_].push_back(*network);
    }
  }

  std::optional<PacketSet> NetworkGroup(const std::string& name, bool source, int depth) {
    const auto* group = FindGroup(name);
    if (!group || group->kind != GroupKind::kNetwork || depth > kMaxGroupDepth) return std::nullopt;
    auto set = PacketSet::None();
    for (const auto& member : group->networks) {
      const auto part = member.set ? member.set(source) : NetworkGroup(member.group, source, depth + 1);
      if (!part) return std::nullopt;
      set |= *part;
    }
    return set;
  }

  std::optional<PacketSet> PortGroup(const std::string& name, bool source, int depth) {
    const auto* group = FindGroup(name);
    if (!group || group->kind != GroupKind::kPort || depth > kMaxGroupDepth) return std::nullopt;
    auto set = PacketSet::None();
    for (const auto& member : group->ports) {
      const auto part = member.group.empty() ? std::optional<PacketSet>(source ? member.source : member.destination)
                                             : PortGroup(member.group, source, depth + 1);
      if (!part) return std::nullopt;
      set |= *part;
    }
    return set;
  }

  std::optional<PacketSet> ServiceGroup(const std::string& name, int depth) {
    const auto* group = FindGroup(name);
    if (!group || group->kind != GroupKind::kService || depth > kMaxGroupDepth) return std::nullopt;
    auto set = PacketSet::None();
    for (const auto& member : group->services) {
      const auto part =
          member.group.empty() ? std::optional<PacketSet>(member.set) : ServiceGroup(member.group, depth + 1);
      if (!part) return std::nullopt;
      set |= *part;
    }
    return set;
  }

  // The protocol numbers of a protocol group (-1: any).
  std::optional<std::set<int>> ProtocolGroup(const std::string& name, int depth) {
    const auto* group = FindGroup(name);
    if (!group || group->kind != GroupKind::kProtocol || depth > kMaxGroupDepth) return std::nullopt;
    std::set<int> numbers;
    for (const auto& member : group->protocols) {
      if (member.group.empty()) {
        numbers.insert(member.protocol);
        continue;
      }
      const auto nested = ProtocolGroup(member.group, depth + 1);
      if (!nested) return std::nullopt;
      numbers.insert(nested->begin(), nested->end());
    }
    return numbers;
  }

  Block block_ = Block::kNone;
  std::string acl_;
  AclKind acl_kind_ = AclKind::kExtended;
  std::string group_;
  std::string interface_;
  std::map<std::string, Group> groups_;
  std::map<std::string, std::vector<core::Network>> interface_networks_;
  std::vector<cisco::Binding> bindings_;
  std::vector<core::SourceLocation> binding_sites_;  // each binding's line and column, for errors
  std::map<std::string, Skipped> skipped_;
  std::set<int> non_ip_numbers_;
  std::map<std::string, core::SourceLocation> vlan_maps_;
  std::set<std::string> vlan_filters_;
};

}  // namespace

bool LooksLikeCiscoIos(std::string_view text) {
  if (text.find("written by portolan render --target cisco-ios") != std::string_view::npos) return true;
  for (const auto line : Lines(text)) {
    if (line.starts_with("ip access-list extended ") || line.starts_with("ip access-list standard ") ||
        line.starts_with("ipv6 access-list ") || line.starts_with("ipv4 access-list "))
      return true;
    const bool numbered = line.starts_with("access-list ");
    if (!numbered && !line.starts_with("ip access-list ")) continue;
    std::string error;
    const auto tokens = Tokenize(line, &error);
    if (!tokens) continue;
    // NX-OS: ip access-list NAME, then numbered entries.
    if (!numbered && tokens->size() == 3) return true;
    if (numbered && tokens->size() >= 3 && IsNumber((*tokens)[1].text) &&
        ((*tokens)[2].text == "permit" || (*tokens)[2].text == "deny" || (*tokens)[2].text == "remark"))
      return true;
  }
  return false;
}

Ruleset ReadCiscoIos(std::string_view text, const std::string& file, const ReadOptions& options) {
  return IosReader(text, file, options).Read();
}

}  // namespace portolan::audit::formats
