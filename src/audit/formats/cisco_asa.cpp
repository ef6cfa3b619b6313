// Cisco ASA (8.3 and later, 9.x): extended access-lists (unified IPv4/IPv6), network and service
// objects, object-groups (network, service with or without a protocol, protocol, icmp-type; nested
// with group-object), and access-group bindings on interfaces (their nameif and addresses). The
// ASA is stateful: replies of permitted connections pass without an ACE of their own.

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

constexpr int kMaxGroupDepth = 16;
constexpr int kMaxSecurityLevel = 100;
constexpr int kInsideLevel = 100;

// What a name stands for. Ports-only groups (object-group service NAME tcp) apply on the side
// they are written on; the others fix their own fields.
enum class ObjectKind { kNetwork, kService, kPorts, kProtocol, kIcmpType };

struct Member {
  std::function<std::optional<PacketSet>(bool source)> set;  // empty for a nested group
  std::string group;
};

struct Object {
  ObjectKind kind = ObjectKind::kNetwork;
  bool group = false;   // object-group (else object)
  PacketSet protocols;  // kPorts: the group's protocol(s)
  std::vector<Member> members;
  std::vector<std::string> values;  // an object's value lines, as written ("host 10.0.0.1")
};

bool IsNumber(std::string_view text) {
  return !text.empty() && text.size() <= 5 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The syslog levels "log" may name.
bool IsLogLevel(std::string_view text) {
  static const std::set<std::string_view> kLevels = {"emergencies", "alerts",        "critical",      "errors",
                                                     "warnings",    "notifications", "informational", "debugging"};
  return kLevels.count(text) > 0;
}

using cisco::Side;

std::string NotANetmask(std::string_view mask) {
  return fmt::format("'{}' is not a netmask (the ASA takes contiguous ones: 255.255.255.0, not a wildcard)", mask);
}

class AsaReader : public cisco::ConfigReader {
 public:
  AsaReader(std::string_view text, const std::string& file, const ReadOptions& options)
      : ConfigReader(text, file, options, "ASA", ":!") {
    ruleset_.format = "cisco-asa";
  }

  Ruleset Read() { return ReadConfig(); }

 private:
  enum class Block { kNone, kObject, kInterface };

  std::string_view Statements() const override {
    return "ASA Version, hostname, interface, access-list, access-group, object, object-group or '!' line";
  }

  std::vector<cisco::Binding> Bindings() override {
    for (auto& binding : bindings_) {
      for (const auto& [name, interface] : interfaces_)
        if (interface.nameif == binding.interface) binding.home = interface.networks;
    }
    return bindings_;
  }

  // The interfaces with a nameif: the others pass no traffic. Without a security-level line, an
  // interface named "inside" is at 100 and any other at 0, as the ASA sets them.
  cisco::Interfaces ReadInterfaces() override {
    cisco::Interfaces interfaces;
    interfaces.same_security_inter = same_security_inter_;
    interfaces.same_security_intra = same_security_intra_;
    for (const auto& name : interface_order_) {
      const auto& interface = interfaces_.at(name);
      if (interface.nameif.empty()) continue;
      const int level = interface.level.value_or(interface.nameif == "inside" ? kInsideLevel : 0);
      interfaces.list.push_back(
          {interface.nameif, interface.networks, level, interface.management_only, interface.where});
    }
    interfaces.security_levels = !interfaces.list.empty();
    return interfaces;
  }

  void Line(const std::vector<Token>& tokens, bool indented) override {
    if (indented && block_ == Block::kObject) return ObjectLine(tokens);
    if (indented && block_ == Block::kInterface) return InterfaceLine(tokens);
    block_ = Block::kNone;
    const auto& tk = tokens;
    static const std::set<std::string_view> kStatements = {"ASA",          "hostname",     "interface",
                                                           "access-list",  "access-group", "object",
                                                           "object-group", "names",        "same-security-traffic"};
    if (kStatements.count(Word(tk, 0))) recognised_ = true;
    if (Word(tk, 0) == "access-list") return AccessList(tk);
    if (Word(tk, 0) == "access-group") return AccessGroup(tk);
    if (Word(tk, 0) == "object" || Word(tk, 0) == "object-group") return StartObject(tk);
    if (Word(tk, 0) == "interface" && tk.size() >= 2) {
      interface_ = tk[1].text;
      if (!interfaces_.count(interface_)) interface_order_.push_back(interface_);
      auto& interface = interfaces_[interface_];
      if (interface.where.line == 0) interface.where = {file_, line_number_, 0};
      block_ = Block::kInterface;
    }
    if (Word(tk, 0) == "same-security-traffic" && Word(tk, 1) == "permit") {
      if (Word(tk, 2) == "inter-interface") same_security_inter_ = true;
      if (Word(tk, 2) == "intra-interface") same_security_intra_ = true;
    }
  }

  void StartObject(const std::vector<Token>& tokens) {
    const bool group = Word(tokens, 0) == "object-group";
    const auto type = Word(tokens, 1);
    Object object;
    if (type == "network") {
      object.kind = ObjectKind::kNetwork;
    } else if (type == "service" && group && tokens.size() == 4) {
      object.kind = ObjectKind::kPorts;
      const auto protocol = Word(tokens, 3);
      if (protocol == "tcp-udp")
        object.protocols = PacketSet::Protocol(kProtocolTcp) | PacketSet::Protocol(kProtocolUdp);
      else if (protocol == "tcp" || protocol == "udp" || protocol == "sctp")
        object.protocols = PacketSet::Protocol(*ParseProtocol(protocol));
      else
        return Fail(tokens, 3, fmt::format("'{}': a service group's protocol is tcp, udp, tcp-udp or sctp", protocol));
    } else if (type == "service") {
      object.kind = ObjectKind::kService;
    } else if (type == "protocol" && group) {
      object.kind = ObjectKind::kProtocol;
    } else if (type == "icmp-type" && group) {
      object.kind = ObjectKind::kIcmpType;
    } else {
      // user, security, network-service ...: not what an ACE of the audit refers to.
      block_ = Block::kNone;
      return;
    }
    if (tokens.size() < 3) return Fail(tokens, 2, fmt::format("{} {} needs a name", Word(tokens, 0), type));
    name_ = tokens[2].text;
    object.group = group;
    reopened_ = false;
    if (const auto it = objects_.find(name_); it != objects_.end()) {
      // show running-config prints an object with NAT twice: its value, then again with only its
      // nat line. Reopening an object is normal; redefining its value is checked line by line.
      if (group || it->second.group || it->second.kind != object.kind)
        return Fail(tokens, 2, fmt::format("{} is defined twice", name_));
      reopened_ = true;
      block_ = Block::kObject;
      return;
    }
    objects_[name_] = std::move(object);
    block_ = Block::kObject;
  }

  // host A | A MASK | A/LEN (IPv6) at tokens[i..]; advances i. A mask that is no netmask is
  // blamed on itself: *bad_mask is then set.
  std::optional<std::function<std::optional<PacketSet>(bool)>> NetworkValue(const std::vector<Token>& tokens,
                                                                            std::size_t& i, bool* bad_mask) {
    *bad_mask = false;
    if (Word(tokens, i) == "host") {
      const auto address = core::ParseAddress(Word(tokens, i + 1));
      if (!address) return std::nullopt;
      i += 2;
      return [a = *address](bool source) -> std::optional<PacketSet> { return Side(a, source); };
    }
    const auto word = std::string(Word(tokens, i));
    if (word.find('/') != std::string::npos) {
      const auto network = ParseNetworkLenient(word);
      if (!network) return std::nullopt;
      ++i;
      return [n = *network](bool source) -> std::optional<PacketSet> { return Side(n, source); };
    }
    const auto mask = std::string(Word(tokens, i + 1));
    if (!cisco::MaskedAddress(word, mask, false, true)) {
      const auto address = core::ParseAddress(word);
      const auto mask_address = core::ParseAddress(mask);
      *bad_mask = address && address->family == core::Family::kIPv4 && mask_address &&
                  mask_address->family == core::Family::kIPv4;
      return std::nullopt;
    }
    i += 2;
    return [word, mask](bool source) { return cisco::MaskedAddress(word, mask, false, source); };
  }

  // "tcp [source OP] [destination OP]" (service objects and service-objects); icmp [TYPE].
  std::optional<PacketSet> ServiceValue(const std::vector<Token>& tokens, std::size_t i) {
    const auto protocol_word = Word(tokens, i);
    PacketSet set;
    bool ports = false;
    bool icmp = false;
    if (protocol_word == "tcp-udp") {
      set = PacketSet::Protocol(kProtocolTcp) | PacketSet::Protocol(kProtocolUdp);
      ports = true;
    } else if (protocol_word == "ip") {
      set = PacketSet::All();
    } else if (const auto protocol = ParseProtocol(protocol_word)) {
      set = PacketSet::Protocol(*protocol);
      ports = ProtocolHasPorts(*protocol);
      icmp = *protocol == kProtocolIcmp || *protocol == kProtocolIcmpV6;
    } else {
      Fail(tokens, i, fmt::format("'{}' is not a protocol", protocol_word));
      return std::nullopt;
    }
    ++i;
    if (icmp && i < tokens.size()) {
      const bool v6 = protocol_word != "icmp";
      const auto type = cisco::IcmpTypeName(tokens[i].text, v6);
      if (!type) {
        Fail(tokens, i, fmt::format("'{}' is not an ICMP type", tokens[i].text));
        return std::nullopt;
      }
      return set & *type;
    }
    while (i < tokens.size()) {
      const auto side = Word(tokens, i);
      const bool source = side == "source";
      if (source || side == "destination") ++i;
      std::string error;
      const auto port = cisco::ParsePortOperator(tokens, i, source, false, &error);
      if (!port || !ports) {
        Fail(tokens, i, error.empty() ? "expected source or destination and a port operator (tcp, udp)" : error);
        return std::nullopt;
      }
      set &= *port;
    }
    return set;
  }

  void ObjectLine(const std::vector<Token>& tokens) {
    auto& object = objects_[name_];
    const auto word = Word(tokens, 0);
    if (word == "description" || word == "nat") return;
    if (!object.group) {
      const auto value = JoinTokens(tokens, 0, tokens.size());
      if (reopened_ && !object.values.empty()) {
        if (std::find(object.values.begin(), object.values.end(), value) != object.values.end()) return;
        return Fail(tokens, 0,
                    fmt::format("object {} is defined again with another value: '{}' (it was '{}')", name_, value,
                                fmt::join(object.values, "', '")));
      }
      object.values.push_back(value);
    }
    Member member;
    std::size_t i = 1;
    if (word == "group-object" && tokens.size() == 2) {
      member.group = tokens[1].text;
    } else if (object.kind == ObjectKind::kNetwork &&
               (word == "host" || word == "subnet" || word == "range" || word == "network-object" || word == "fqdn")) {
      if (word == "fqdn") {
        // Resolved by DNS on the device: which addresses it stands for is unknown here.
        const auto text = JoinTokens(tokens, 0, tokens.size());
        member.set = [this, text](bool) -> std::optional<PacketSet> {
          return ruleset_.symbols.Unmodelled("object " + name_ + " " + text);
        };
      } else if (word == "range") {
        const auto range = ParseAddressRange(fmt::format("{}-{}", Word(tokens, 1), Word(tokens, 2)));
        if (!range || tokens.size() != 3) return Fail(tokens, 1, "expected: range FIRST LAST");
        member.set = [r = *range](bool source) -> std::optional<PacketSet> { return Side(r, source); };
      } else if (word == "network-object" && Word(tokens, 1) == "object") {
        if (tokens.size() != 3) return Fail(tokens, 2, "expected: network-object object NAME");
        member.group = tokens[2].text;
      } else {
        std::size_t k = word == "host" ? 0 : 1;
        bool bad_mask = false;
        auto value = NetworkValue(tokens, k, &bad_mask);
        if (bad_mask) return Fail(tokens, k + 1, NotANetmask(tokens[k + 1].text));
        if (!value || k != tokens.size())
          return Fail(tokens, 1,
                      fmt::format("'{}': expected host A, A MASK or A/LEN", JoinTokens(tokens, 1, tokens.size())));
        member.set = *value;
      }
    } else if (object.kind == ObjectKind::kService && (word == "service" || word == "service-object")) {
      if (word == "service-object" && Word(tokens, 1) == "object") {
        if (tokens.size() != 3) return Fail(tokens, 2, "expected: service-object object NAME");
        member.group = tokens[2].text;
      } else {
        const auto set = ServiceValue(tokens, 1);
        if (!set) return;
        member.set = [s = *set](bool) -> std::optional<PacketSet> { return s; };
      }
    } else if (object.kind == ObjectKind::kPorts && word == "port-object") {
      std::string error;
      // Checked once here; resolved on the side the group is used on.
      auto check = cisco::ParsePortOperator(tokens, i, false, false, &error);
      if (!check || i != tokens.size())
        return Fail(tokens, 1, error.empty() ? "expected: port-object eq|range|lt|gt|neq PORT" : error);
      member.set = [tokens](bool source) {
        std::size_t k = 1;
        std::string unused;
        return cisco::ParsePortOperator(tokens, k, source, false, &unused);
      };
    } else if (object.kind == ObjectKind::kProtocol && word == "protocol-object" && tokens.size() == 2) {
      const auto protocol = ParseProtocol(tokens[1].text);
      if (!protocol && tokens[1].text != "ip")
        return Fail(tokens, 1, fmt::format("'{}' is not a protocol", tokens[1].text));
      const auto set = protocol ? PacketSet::Protocol(*protocol) : PacketSet::All();
      member.set = [set](bool) -> std::optional<PacketSet> { return set; };
    } else if (object.kind == ObjectKind::kIcmpType && word == "icmp-object" && tokens.size() == 2) {
      std::size_t k = 1;
      const auto type = cisco::IcmpTypeOperand(tokens, k, false);
      if (!type) return Fail(tokens, 1, fmt::format("'{}' is not an ICMP type", tokens[1].text));
      member.set = [t = *type](bool) -> std::optional<PacketSet> { return t; };
    } else {
      return Fail(tokens, 0, fmt::format("'{}' does not belong in {}", word, name_));
    }
    object.members.push_back(std::move(member));
  }

  void InterfaceLine(const std::vector<Token>& tokens) {
    auto& interface = interfaces_[interface_];
    const auto word = Word(tokens, 0);
    if (word == "nameif" && tokens.size() == 2) {
      interface.nameif = tokens[1].text;
      return;
    }
    if (word == "management-only") {
      interface.management_only = true;
      return;
    }
    if (word == "security-level" && tokens.size() == 2) {
      const auto level = IsNumber(tokens[1].text) ? std::stoi(tokens[1].text) : -1;
      if (level < 0 || level > kMaxSecurityLevel)
        return Fail(tokens, 1, fmt::format("'{}': a security level is 0 to {}", tokens[1].text, kMaxSecurityLevel));
      interface.level = level;
      interface.where = {file_, line_number_, 0};
      return;
    }
    std::optional<core::Network> network;
    if (word == "ip" && Word(tokens, 1) == "address" && tokens.size() >= 4)
      network = ParseNetworkLenient(fmt::format("{}/{}", tokens[2].text, tokens[3].text));
    else if (word == "ipv6" && Word(tokens, 1) == "address" && tokens.size() >= 3)
      network = ParseNetworkLenient(tokens[2].text);
    if (network) interface.networks.push_back(*network);
  }

  // An object or group of the expected kinds, on one side.
  std::optional<PacketSet> Resolve(const std::string& name, bool source, int depth) {
    const auto it = objects_.find(name);
    if (it == objects_.end() || depth > kMaxGroupDepth) return std::nullopt;
    auto set = PacketSet::None();
    for (const auto& member : it->second.members) {
      const auto part = member.set ? member.set(source) : Resolve(member.group, source, depth + 1);
      if (!part) return std::nullopt;
      set |= *part;
    }
    if (it->second.kind == ObjectKind::kPorts) set &= it->second.protocols;
    return set;
  }

  const Object* Find(std::string_view name) const {
    const auto it = objects_.find(std::string(name));
    return it == objects_.end() ? nullptr : &it->second;
  }

  void AccessGroup(const std::vector<Token>& tokens) {
    cisco::Binding binding;
    binding.where = {file_, line_number_, 0};
    binding.text = JoinTokens(tokens, 0, tokens.size());
    if (tokens.size() == 3 && tokens[2].text == "global") {
      ruleset_.notes.push_back(
          fmt::format("{}: the global ACL {} is not modelled", binding.where.ToString(), tokens[1].text));
      return;
    }
    if (tokens.size() != 5 || (tokens[2].text != "in" && tokens[2].text != "out") || tokens[3].text != "interface")
      return Fail(tokens, 2, "expected: access-group NAME in|out interface NAMEIF");
    binding.acl = tokens[1].text;
    binding.inbound = tokens[2].text == "in";
    binding.interface = tokens[4].text;
    bindings_.push_back(std::move(binding));
  }

  void AccessList(const std::vector<Token>& tokens) {
    if (tokens.size() < 3) return Fail(tokens, tokens.size(), "expected: access-list NAME extended|remark ...");
    const auto& name = tokens[1].text;
    std::size_t i = 2;
    if (Word(tokens, i) == "line" && IsNumber(Word(tokens, i + 1))) i += 2;
    const auto type = Word(tokens, i);
    if (type == "remark") return;
    if (type == "webtype" || type == "ethertype" || type == "standard") {
      ruleset_.notes.push_back(fmt::format("{}:{}: {} access-lists are not modelled", file_, line_number_, type));
      return;
    }
    if (type != "extended") return Fail(tokens, i, fmt::format("'{}': expected extended or remark", type));
    acls_.Get(name, PacketSet::All(), {file_, line_number_, 1});
    ++i;
    const auto action = cisco::ParseAction(Word(tokens, i));
    if (!action) return Fail(tokens, i, "expected permit or deny");
    ++i;
    Rule rule = NewRule();
    rule.action = *action;
    inactive_ = false;
    auto match = Ace(tokens, i, rule);
    if (!match) return;
    if (inactive_) {
      // Disabled on the device: not part of the ACL, so neither a finding nor a shadowed rule.
      ruleset_.notes.push_back(fmt::format("{}:{}: inactive ACE, not audited: {}", file_, line_number_, rule.text));
      return;
    }
    rule.match = *match;
    acls_.AddRule(name, std::move(rule));
  }

  std::optional<PacketSet> Ace(const std::vector<Token>& tokens, std::size_t i, Rule& rule) {
    PacketSet match = PacketSet::All();
    int protocol = -1;  // -1: any, or from an object
    bool ports_fixed = false;
    bool protocol_group = false;  // port operators then apply to its tcp and udp
    const auto word = Word(tokens, i);
    if (word == "object" || word == "object-group") {
      const auto* object = Find(Word(tokens, i + 1));
      if (!object || (object->kind != ObjectKind::kService && object->kind != ObjectKind::kProtocol)) {
        Fail(tokens, i + 1, "expected the name of a service object or a protocol or service object-group");
        return std::nullopt;
      }
      const auto set = Resolve(tokens[i + 1].text, false, 0);
      if (!set) {
        Fail(tokens, i + 1, fmt::format("{} names an undefined or looping group", tokens[i + 1].text));
        return std::nullopt;
      }
      match &= *set;
      ports_fixed = object->kind == ObjectKind::kService;
      protocol_group = object->kind == ObjectKind::kProtocol;
      i += 2;
    } else if (word == "ip") {
      ++i;
    } else if (const auto number = ParseProtocol(word)) {
      protocol = *number;
      match &= PacketSet::Protocol(protocol);
      ++i;
    } else {
      Fail(tokens, i,
           fmt::format("'{}' is not a protocol (ip, tcp, udp, icmp, gre, esp, ah, a number, or an object)", word));
      return std::nullopt;
    }
    const bool ports = protocol_group || (!ports_fixed && protocol >= 0 && ProtocolHasPorts(protocol));
    for (const bool source : {true, false}) {
      const auto address = Operand(tokens, i, source, rule);
      if (!address) return std::nullopt;
      match &= *address;
      const auto port = ReadPortOperator(tokens, i, source, false, ports, match);
      if (port == PortOperand::kFailed) return std::nullopt;
      if (port == PortOperand::kNone && Word(tokens, i) == "object-group" && Find(Word(tokens, i + 1)) &&
          Find(Word(tokens, i + 1))->kind == ObjectKind::kPorts) {
        match &= *Resolve(tokens[i + 1].text, source, 0);
        i += 2;
      }
    }
    if (protocol == kProtocolIcmp || protocol == kProtocolIcmpV6) {
      const auto next = Word(tokens, i);
      if (next == "object-group" && Find(Word(tokens, i + 1)) &&
          Find(Word(tokens, i + 1))->kind == ObjectKind::kIcmpType) {
        match &= *Resolve(tokens[i + 1].text, false, 0);
        i += 2;
      } else if (auto type = cisco::IcmpTypeOperand(tokens, i, protocol == kProtocolIcmpV6)) {
        match &= *type;
      }
    }
    std::vector<Token> rest;
    for (; i < tokens.size(); ++i) {
      const auto flag = Word(tokens, i);
      if (flag == "log") {
        // log [LEVEL] [interval SECONDS] | log disable
        while (i + 1 < tokens.size() && (IsNumber(Word(tokens, i + 1)) || Word(tokens, i + 1) == "interval" ||
                                         Word(tokens, i + 1) == "disable" || Word(tokens, i + 1) == "default" ||
                                         IsLogLevel(Word(tokens, i + 1))))
          ++i;
      } else if (flag == "inactive") {
        inactive_ = true;
      } else if (flag == "time-range" && i + 1 < tokens.size()) {
        // Active only at some times: a free variable.
        rest.push_back(tokens[i]);
        rest.push_back(tokens[++i]);
      } else {
        Fail(tokens, i,
             fmt::format("'{}' is not understood here: expected the end of the entry, log [LEVEL] [interval N], "
                         "time-range NAME or inactive",
                         flag));
        return std::nullopt;
      }
    }
    if (!rest.empty()) match &= Unmodelled(rule, JoinTokens(rest, 0, rest.size()));
    return match;
  }

  // any | any4 | any6 | host A | A MASK | A/LEN | object NAME | object-group NAME | interface NAMEIF
  std::optional<PacketSet> Operand(const std::vector<Token>& tokens, std::size_t& i, bool source, Rule& rule) {
    const auto word = Word(tokens, i);
    const auto side = source ? "source" : "destination";
    if (word == "any") {
      ++i;
      return PacketSet::All();
    }
    if (word == "any4" || word == "any6") {
      ++i;
      return PacketSet::Family(word == "any4" ? core::Family::kIPv4 : core::Family::kIPv6);
    }
    if (word == "object" || word == "object-group") {
      const auto* object = Find(Word(tokens, i + 1));
      if (!object || object->kind != ObjectKind::kNetwork) {
        Fail(tokens, i + 1, fmt::format("expected the name of a network {} as the {}", word, side));
        return std::nullopt;
      }
      auto set = Resolve(tokens[i + 1].text, source, 0);
      if (!set) {
        Fail(tokens, i + 1, fmt::format("{} names an undefined or looping group", tokens[i + 1].text));
        return std::nullopt;
      }
      i += 2;
      return set;
    }
    if (word == "interface") {
      // The ASA's own address on that interface: traffic to or from the box, not through it.
      const auto text = fmt::format("interface {}", Word(tokens, i + 1));
      rule.unmodelled.push_back(text + " (the ASA's own address)");
      i += 2;
      return PacketSet::None();
    }
    bool bad_mask = false;
    auto value = NetworkValue(tokens, i, &bad_mask);
    if (bad_mask) {
      Fail(tokens, i + 1, NotANetmask(tokens[i + 1].text));
      return std::nullopt;
    }
    if (!value) {
      Fail(tokens, i,
           fmt::format("'{}': expected a {} (any, host A, A MASK, A/LEN, object NAME, object-group NAME)", word, side));
      return std::nullopt;
    }
    return (*value)(source);
  }

  Block block_ = Block::kNone;
  std::string name_;
  std::string interface_;
  std::map<std::string, Object> objects_;
  struct InterfaceBlock {
    std::string nameif;
    std::optional<int> level;
    bool management_only = false;
    std::vector<core::Network> networks;
    core::SourceLocation where;  // its security-level line, else its interface line
  };
  std::map<std::string, InterfaceBlock> interfaces_;
  std::vector<std::string> interface_order_;
  bool same_security_inter_ = false;
  bool same_security_intra_ = false;
  std::vector<cisco::Binding> bindings_;
  bool inactive_ = false;  // the ACE being read carries `inactive`
  bool reopened_ = false;  // the object block being read names an object defined before
};

}  // namespace

bool LooksLikeCiscoAsa(std::string_view text) {
  if (text.find("written by portolan render --target cisco-asa") != std::string_view::npos) return true;
  for (const auto line : Lines(text)) {
    if (line.starts_with("ASA Version") || line.starts_with("access-group ")) return true;
    if (!line.starts_with("access-list ")) continue;
    std::string error;
    const auto tokens = Tokenize(line, &error);
    if (!tokens || tokens->size() < 3) continue;
    const auto& type = (*tokens)[2].text;
    if (type == "extended" || type == "line" || type == "webtype" || type == "ethertype") return true;
  }
  return false;
}

Ruleset ReadCiscoAsa(std::string_view text, const std::string& file, const ReadOptions& options) {
  return AsaReader(text, file, options).Read();
}

}  // namespace portolan::audit::formats
