// Cisco IOS / IOS-XE: extended and standard IPv4 ACLs (named and numbered), IPv6 ACLs, network
// and service object-groups, and their bindings on interfaces (ip access-group, ipv6
// traffic-filter). IOS ACLs are stateless: the replies of required flows are not excess.

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "audit/formats/cisco_common.hpp"
#include "audit/formats/formats.hpp"
#include "audit/formats/text_input.hpp"

namespace portolan::audit::formats {

namespace {

// Object-groups may nest; deeper than this is a loop.
constexpr int kMaxGroupDepth = 16;

enum class AclKind { kExtended, kStandard, kIpv6 };

struct NetworkMember {
  std::function<std::optional<PacketSet>(bool source)> set;  // empty for a nested group
  std::string group;
  core::SourceLocation where;
};

struct ServiceMember {
  PacketSet set;
  std::string group;
  core::SourceLocation where;
};

bool IsNumber(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<int> IosProtocol(std::string_view text) {
  static const std::map<std::string_view, int> kIosNames = {{"ahp", 51},   {"eigrp", 88}, {"igrp", 9},
                                                            {"ipinip", 4}, {"nos", 94},   {"pcp", 108}};
  const auto it = kIosNames.find(text);
  if (it != kIosNames.end()) return it->second;
  return ParseProtocol(text);
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
  enum class Block { kNone, kAcl, kNetworkGroup, kServiceGroup, kInterface };

  void Line(const std::vector<Token>& tokens, bool indented) override {
    if (block_ == Block::kAcl && AclLine(tokens)) return;
    if (indented && block_ == Block::kNetworkGroup) return NetworkGroupLine(tokens);
    if (indented && block_ == Block::kServiceGroup) return ServiceGroupLine(tokens);
    if (indented && block_ == Block::kInterface) return InterfaceLine(tokens);
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

  void TopLine(const std::vector<Token>& tokens) {
    const auto word = [&](std::size_t i) { return Word(tokens, i); };
    if (word(0) == "ip" && word(1) == "access-list") {
      if (word(2) != "extended" && word(2) != "standard") return;  // logging, resequence, ...
      if (tokens.size() != 4) return Fail(tokens, 3, "expected: ip access-list extended|standard NAME");
      StartAcl(tokens[3].text, word(2) == "extended" ? AclKind::kExtended : AclKind::kStandard);
      return;
    }
    if (word(0) == "ipv6" && word(1) == "access-list") {
      if (tokens.size() != 3) return Fail(tokens, 2, "expected: ipv6 access-list NAME");
      StartAcl(tokens[2].text, AclKind::kIpv6);
      return;
    }
    if (word(0) == "access-list") return NumberedLine(tokens);
    if (word(0) == "object-group" && (word(1) == "network" || word(1) == "service")) {
      if (tokens.size() != 3) return Fail(tokens, 2, fmt::format("expected: object-group {} NAME", word(1)));
      group_ = tokens[2].text;
      const bool network = word(1) == "network";
      if (network_groups_.count(group_) || service_groups_.count(group_))
        return Fail(tokens, 2, fmt::format("object-group {} is defined twice", group_));
      if (network)
        network_groups_[group_];
      else
        service_groups_[group_];
      block_ = network ? Block::kNetworkGroup : Block::kServiceGroup;
      return;
    }
    if (word(0) == "interface" && tokens.size() >= 2) {
      interface_ = JoinTokens(tokens, 1, tokens.size());
      interface_networks_[interface_];
      block_ = Block::kInterface;
    }
    // Anything else in a configuration (hostname, router, line ...) is not the filter.
  }

  void StartAcl(const std::string& name, AclKind kind) {
    const auto family = kind == AclKind::kIpv6 ? core::Family::kIPv6 : core::Family::kIPv4;
    auto& acl = acls_.Get(name, PacketSet::Family(family), {file_, line_number_, 1});
    (void)acl;
    acl_ = name;
    acl_kind_ = kind;
    block_ = Block::kAcl;
  }

  // access-list 1-99|1300-1999 standard, 100-199|2000-2699 extended.
  void NumberedLine(const std::vector<Token>& tokens) {
    if (tokens.size() < 3) return Fail(tokens, tokens.size(), "expected: access-list NUMBER permit|deny|remark ...");
    const auto& number = tokens[1].text;
    if (!IsNumber(number) || number.size() > 4)
      return Fail(tokens, 1, fmt::format("'{}' is not an ACL number (1-199, 1300-2699)", number));
    const int n = std::stoi(number);
    AclKind kind;
    if ((n >= 1 && n <= 99) || (n >= 1300 && n <= 1999)) {
      kind = AclKind::kStandard;
    } else if ((n >= 100 && n <= 199) || (n >= 2000 && n <= 2699)) {
      kind = AclKind::kExtended;
    } else {
      return Fail(tokens, 1, fmt::format("{} is not an IP ACL number (1-199, 1300-2699)", number));
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
    return Entry(acl_, entry) || first > 0;
  }

  // permit|deny|remark|evaluate ...; false when the first token is none of them.
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
    if (!Flags(tokens, i, rule, false)) return std::nullopt;
    rule.match &= FamilySet() & *source;
    return rule;
  }

  std::optional<Rule> ExtendedAce(const std::vector<Token>& tokens) {
    Rule rule = NewRule();
    const bool v6 = acl_kind_ == AclKind::kIpv6;
    std::size_t i = 1;
    if (i >= tokens.size()) {
      Fail(tokens, i, "expected a protocol");
      return std::nullopt;
    }
    PacketSet match = FamilySet();
    int protocol = -1;  // -1: any, or given by a service group
    const auto& word = tokens[i].text;
    if (word == "object-group") {
      const auto set = i + 1 < tokens.size() ? ServiceGroup(tokens[i + 1].text, 0) : std::nullopt;
      if (!set) {
        Fail(tokens, i + 1, "expected the name of a defined object-group service");
        return std::nullopt;
      }
      match &= *set;
      i += 2;
    } else if ((!v6 && word == "ip") || (v6 && word == "ipv6")) {
      ++i;
    } else if (auto number = IosProtocol(word)) {
      protocol = v6 && *number == kProtocolIcmp ? kProtocolIcmpV6 : *number;
      match &= PacketSet::Protocol(protocol);
      ++i;
    } else {
      Fail(tokens, i,
           fmt::format("'{}' is not a protocol ({}, tcp, udp, icmp, gre, esp, ahp or a number)", word,
                       v6 ? "ipv6" : "ip"));
      return std::nullopt;
    }
    const bool ports = protocol >= 0 && ProtocolHasPorts(protocol);
    for (const bool source : {true, false}) {
      auto address = Address(tokens, i, source, false);
      if (!address) return std::nullopt;
      match &= *address;
      if (ReadPortOperator(tokens, i, source, true, ports, match) == PortOperand::kFailed) return std::nullopt;
    }
    if (protocol == kProtocolIcmp || protocol == kProtocolIcmpV6) {
      if (auto type = cisco::IcmpTypeOperand(tokens, i, v6)) match &= *type;
    }
    if (!Flags(tokens, i, rule, protocol == kProtocolTcp)) return std::nullopt;
    rule.match = match & rule.match;
    return rule;
  }

  // What follows the operands: established, logging, and the rest as one unmodelled clause.
  bool Flags(const std::vector<Token>& tokens, std::size_t i, Rule& rule, bool tcp) {
    rule.match = PacketSet::All();
    std::vector<Token> rest;
    for (; i < tokens.size(); ++i) {
      const auto& word = tokens[i].text;
      if (word == "established") {
        if (!tcp) {
          Fail(tokens, i, "established needs tcp");
          return false;
        }
        // ACK or RST set: a packet of a connection already open, never its first (the audit's packets).
        rule.match &= ~PacketSet::State(CtState::kNew);
      } else if (cisco::IsLogKeyword(word)) {
        // A log tag may follow log: "log TAG" only when it is not a keyword of its own.
      } else if (word == "reflect") {
        ++i;  // its name; the reflexive entries it creates are read where they are evaluated
      } else {
        rest.push_back(tokens[i]);
      }
    }
    if (!rest.empty()) rule.match &= Unmodelled(rule, JoinTokens(rest, 0, rest.size()));
    return true;
  }

  // any | host A | A WILDCARD | object-group NAME | (IPv6) A/LEN; standard ACLs: also a bare A.
  std::optional<PacketSet> Address(const std::vector<Token>& tokens, std::size_t& i, bool source, bool standard) {
    const bool v6 = acl_kind_ == AclKind::kIpv6;
    const auto side = source ? "source" : "destination";
    if (i >= tokens.size()) {
      Fail(tokens, i, fmt::format("expected a {} (any, host A, an address and wildcard, object-group NAME)", side));
      return std::nullopt;
    }
    const auto& word = tokens[i].text;
    if (word == "any") {
      ++i;
      return PacketSet::All();
    }
    if (word == "host" || word == "object-group") {
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
        set = NetworkGroup(value, source, 0);
      }
      if (!set) {
        Fail(tokens, i + 1,
             word == "host" ? fmt::format("'{}' is not an {} address", value, v6 ? "IPv6" : "IPv4")
                            : fmt::format("'{}' is not a defined object-group network", value));
        return std::nullopt;
      }
      i += 2;
      return set;
    }
    if (v6) {
      const auto network = core::ParseNetwork(word);
      if (!network || network->family != core::Family::kIPv6 || word.find('/') == std::string::npos) {
        Fail(tokens, i, fmt::format("'{}' is not an IPv6 {} (any, host A, A/LEN)", word, side));
        return std::nullopt;
      }
      ++i;
      return cisco::Side(*network, source);
    }
    const bool has_mask = i + 1 < tokens.size() && core::ParseAddress(tokens[i + 1].text).has_value();
    if (standard && !has_mask) {
      if (auto address = core::ParseAddress(word); address && address->family == core::Family::kIPv4) {
        ++i;
        return cisco::Side(*address, source);
      }
    }
    if (!has_mask) {
      Fail(tokens, i,
           fmt::format("'{}': expected a {} (any, host A, an address and wildcard, object-group NAME)", word, side));
      return std::nullopt;
    }
    const auto set = cisco::MaskedAddress(word, tokens[i + 1].text, true, source);
    if (!set) {
      Fail(tokens, i, fmt::format("'{} {}' is not an IPv4 address and wildcard", word, tokens[i + 1].text));
      return std::nullopt;
    }
    i += 2;
    return set;
  }

  void NetworkGroupLine(const std::vector<Token>& tokens) {
    const auto& word = tokens[0].text;
    NetworkMember member;
    member.where = At(tokens, 0);
    if (word == "description") return;
    if (word == "group-object" && tokens.size() == 2) {
      member.group = tokens[1].text;
    } else if (word == "host" && tokens.size() == 2) {
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
      // A network object-group takes a netmask (not a wildcard).
      if (!cisco::MaskedAddress(tokens[0].text, tokens[1].text, false, true))
        return Fail(tokens, 0, fmt::format("'{} {}' is not an address and netmask", tokens[0].text, tokens[1].text));
      member.set = [a = tokens[0].text, m = tokens[1].text](bool source) {
        return cisco::MaskedAddress(a, m, false, source);
      };
    } else if (tokens.size() == 1 && word.find('/') != std::string::npos) {
      const auto network = ParseNetworkLenient(word);
      if (!network) return Fail(tokens, 0, fmt::format("'{}' is not a network", word));
      member.set = [n = *network](bool source) -> std::optional<PacketSet> { return cisco::Side(n, source); };
    } else {
      return Fail(tokens, 0,
                  fmt::format("'{}': expected host A, an address and netmask, range A B, A/LEN or group-object", word));
    }
    network_groups_[group_].push_back(std::move(member));
  }

  void ServiceGroupLine(const std::vector<Token>& tokens) {
    const auto& word = tokens[0].text;
    if (word == "description") return;
    ServiceMember member;
    member.where = At(tokens, 0);
    if (word == "group-object" && tokens.size() == 2) {
      member.group = tokens[1].text;
      service_groups_[group_].push_back(std::move(member));
      return;
    }
    PacketSet protocols;
    bool ports = false;
    if (word == "tcp-udp") {
      protocols = PacketSet::Protocol(kProtocolTcp) | PacketSet::Protocol(kProtocolUdp);
      ports = true;
    } else if (auto protocol = IosProtocol(word)) {
      protocols = PacketSet::Protocol(*protocol);
      ports = ProtocolHasPorts(*protocol);
    } else {
      return Fail(tokens, 0, fmt::format("'{}': expected a protocol (tcp, udp, tcp-udp, icmp, a number)", word));
    }
    PacketSet set = protocols;
    std::size_t i = 1;
    for (const bool source : {true, false}) {
      const bool explicit_source = i < tokens.size() && tokens[i].text == "source";
      if (source && !explicit_source) continue;
      if (explicit_source) ++i;
      std::string error;
      if (auto port = cisco::ParsePortOperator(tokens, i, source, true, &error)) {
        if (!ports) return Fail(tokens, 1, "port operators need tcp, udp or tcp-udp");
        set &= *port;
      } else if (!error.empty()) {
        return Fail(tokens, i, error);
      } else if (explicit_source) {
        return Fail(tokens, i, "source needs a port operator (eq, lt, gt, neq, range)");
      }
    }
    if (word == "icmp" && i < tokens.size()) {
      if (auto type = cisco::IcmpTypeName(tokens[i].text, false)) {
        set &= *type;
        ++i;
      }
    }
    if (i < tokens.size()) return Fail(tokens, i, fmt::format("'{}' is not understood here", tokens[i].text));
    member.set = set;
    service_groups_[group_].push_back(std::move(member));
  }

  void InterfaceLine(const std::vector<Token>& tokens) {
    const auto word = [&](std::size_t i) { return Word(tokens, i); };
    if ((word(0) == "ip" && word(1) == "access-group") || (word(0) == "ipv6" && word(1) == "traffic-filter")) {
      if (tokens.size() != 4 || (word(3) != "in" && word(3) != "out"))
        return Fail(tokens, 2, fmt::format("expected: {} {} NAME in|out", word(0), word(1)));
      cisco::Binding binding;
      binding.acl = tokens[2].text;
      binding.inbound = word(3) == "in";
      binding.interface = interface_;
      binding.where = At(tokens, 0);
      binding.where.column = 0;
      binding.text = fmt::format("interface {}: {}", interface_, JoinTokens(tokens, 0, tokens.size()));
      bindings_.push_back(std::move(binding));
      return;
    }
    if ((word(0) == "ip" || word(0) == "ipv6") && word(1) == "address" && tokens.size() >= 3) {
      std::optional<core::Network> network;
      if (word(0) == "ip" && tokens.size() >= 4)
        network = ParseNetworkLenient(tokens[2].text + "/" + tokens[3].text);
      else if (word(0) == "ipv6")
        network = ParseNetworkLenient(tokens[2].text);
      if (network) interface_networks_[interface_].push_back(*network);
    }
  }

  std::optional<PacketSet> NetworkGroup(const std::string& name, bool source, int depth) {
    const auto it = network_groups_.find(name);
    if (it == network_groups_.end() || depth > kMaxGroupDepth) return std::nullopt;
    auto set = PacketSet::None();
    for (const auto& member : it->second) {
      const auto part = member.set ? member.set(source) : NetworkGroup(member.group, source, depth + 1);
      if (!part) return std::nullopt;
      set |= *part;
    }
    return set;
  }

  std::optional<PacketSet> ServiceGroup(const std::string& name, int depth) {
    const auto it = service_groups_.find(name);
    if (it == service_groups_.end() || depth > kMaxGroupDepth) return std::nullopt;
    auto set = PacketSet::None();
    for (const auto& member : it->second) {
      const auto part =
          member.group.empty() ? std::optional<PacketSet>(member.set) : ServiceGroup(member.group, depth + 1);
      if (!part) return std::nullopt;
      set |= *part;
    }
    return set;
  }

  Block block_ = Block::kNone;
  std::string acl_;
  AclKind acl_kind_ = AclKind::kExtended;
  std::string group_;
  std::string interface_;
  std::map<std::string, std::vector<NetworkMember>> network_groups_;
  std::map<std::string, std::vector<ServiceMember>> service_groups_;
  std::map<std::string, std::vector<core::Network>> interface_networks_;
  std::vector<cisco::Binding> bindings_;
};

}  // namespace

bool LooksLikeCiscoIos(std::string_view text) {
  if (text.find("written by portolan render --target cisco-ios") != std::string_view::npos) return true;
  for (const auto line : Lines(text)) {
    if (line.starts_with("ip access-list extended ") || line.starts_with("ip access-list standard ") ||
        line.starts_with("ipv6 access-list "))
      return true;
    if (!line.starts_with("access-list ")) continue;
    std::string error;
    const auto tokens = Tokenize(line, &error);
    if (tokens && tokens->size() >= 3 && IsNumber((*tokens)[1].text) &&
        ((*tokens)[2].text == "permit" || (*tokens)[2].text == "deny" || (*tokens)[2].text == "remark"))
      return true;
  }
  return false;
}

Ruleset ReadCiscoIos(std::string_view text, const std::string& file, const ReadOptions& options) {
  return IosReader(text, file, options).Read();
}

}  // namespace portolan::audit::formats
