#pragma once
// What the Cisco IOS and ASA readers share: Cisco's port and ICMP names, port operators, masks
// and wildcards, ACLs as chains that end in the implicit deny, and how bound ACLs are attached.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "audit/formats/formats.hpp"
#include "audit/formats/text_input.hpp"

namespace portolan::audit::formats::cisco {

// A network on one side: the packets from it (source) or to it.
PacketSet Side(const core::Network& network, bool source);
// An address range (object-group and object "range FIRST LAST") on one side.
PacketSet Side(const std::pair<core::Network, core::Network>& range, bool source);

// A port by Cisco's name (IOS and ASA: www, domain, netbios-ssn, msrpc, ...) or number.
std::optional<int> ParsePort(std::string_view text);

// "eq P [P...]", "neq P", "lt P", "gt P", "range A B" at tokens[i]: the ports (source or
// destination field), and i moved past them. nullopt, with *error empty, when tokens[i] is no
// port operator; with *error set when it is a malformed one. `multiple_eq`: IOS takes several
// ports after eq.
std::optional<PacketSet> ParsePortOperator(const std::vector<Token>& tokens, std::size_t& i, bool source,
                                           bool multiple_eq, std::string* error);

// An ICMP type by Cisco's name (echo, unreachable, nd-na, ...), the set of those packets.
std::optional<PacketSet> IcmpTypeName(std::string_view text, bool v6);

// The ICMP type an ACE may end with, at tokens[i]: a name, or a number with an optional code
// number; i moved past it. nullopt, i unmoved, when tokens[i] is neither.
std::optional<PacketSet> IcmpTypeOperand(const std::vector<Token>& tokens, std::size_t& i, bool v6);

// An IPv4 address with a netmask ("255.255.255.0") or an IOS wildcard ("0.0.0.255", also
// non-contiguous ones of a few bits), as a source or destination set. nullopt when malformed.
std::optional<PacketSet> MaskedAddress(std::string_view address, std::string_view mask, bool wildcard, bool source);

// "permit"/"deny" as an action.
std::optional<Action> ParseAction(std::string_view text);

// An ACL: a chain whose end is the implicit deny, wherever it is called from.
struct Acl {
  int chain = -1;
  PacketSet family;  // the packets the ACL can filter (its address family)
  core::SourceLocation where;
};

// Where an ACL is applied.
struct Binding {
  std::string acl;
  bool inbound = true;
  std::string interface;            // "" for a binding by portolan's naming (PORTOLAN-FROM-<zone>)
  std::vector<core::Network> home;  // the interface's own networks (its addresses)
  core::SourceLocation where;
  std::string text;
};

// An interface of the configuration: its name (IOS) or nameif (ASA) and its own networks; on an
// ASA also its security level.
struct Interface {
  std::string name;
  std::vector<core::Network> networks;
  int security_level = 0;
  bool management_only = false;  // ASA: it passes no through traffic
  core::SourceLocation where;
};

// The interfaces of a configuration (none for a bare list of ACLs). An ASA interface without an
// inbound ACL passes a packet only to an interface of a lower security level, or of the same level
// with same-security-traffic permit inter-interface (back out of itself with intra-interface).
struct Interfaces {
  std::vector<Interface> list;
  bool security_levels = false;
  bool same_security_inter = false;
  bool same_security_intra = false;
};

// The ACLs one reader collected, and how they become the ruleset's forward hook.
class AclSet {
 public:
  AclSet(Ruleset& ruleset, std::string_view kind) : ruleset_(ruleset), kind_(kind) {}

  // The ACL of this name, created at its first mention.
  Acl& Get(const std::string& name, const PacketSet& family, const core::SourceLocation& where);
  const Acl* Find(const std::string& name) const;
  void AddRule(const std::string& name, Rule rule);

  // Bindings to interfaces, then portolan's names (PORTOLAN-FROM-<zone>[-V6]: what enters from
  // that zone of the inventory), then every other ACL as a filter of all forwarded packets. An ACL
  // that is not attached is left out of the ruleset (a note says so). IPv6 is audited only when an
  // interface has an IPv6 address, or when there are no interfaces.
  void Attach(const std::vector<Binding>& bindings, const Interfaces& interfaces, const ReadOptions& options);

 private:
  // How a packet from (to) none of an interface's networks reaches the ACL that filters it: on
  // which interface it enters (leaves) is a hidden variable.
  struct Elsewhere {
    int target;
    std::string interface;
    PacketSet family;
    core::SourceLocation where;
    std::string text;
  };

  // The steps of Attach, in order.
  std::vector<Binding> DefinedBindings(const std::vector<Binding>& given);
  std::set<std::string> BindZoneAcls(const inventory::Inventory& inventory, std::vector<Binding>& bindings);
  Binding ZoneBinding(const inventory::Inventory& inventory, const std::string& name, const std::string& zone,
                      const std::set<std::string>& named_zones) const;
  static std::set<std::string> BoundAcls(const std::vector<Binding>& bindings);
  PacketSet KeepAttachedAcls(const std::vector<Binding>& bindings, const Interfaces& interfaces);
  void ChooseFamilies(PacketSet families, const Interfaces& interfaces);
  void AttachSide(bool inbound, const std::vector<Binding>& bindings, const std::set<std::string>& synthetic,
                  const Interfaces& interfaces, int& priority);
  PacketSet AddHomeRules(bool inbound, const std::vector<const Binding*>& side, Chain& chain) const;
  Elsewhere AddSecurityLevelRule(bool inbound, const Interface& interface, const Interfaces& interfaces,
                                 PacketSet& homes, Chain& chain);
  void AddElsewhereRules(bool inbound, const std::vector<Elsewhere>& elsewhere, bool security_levels,
                         const PacketSet& homes, Chain& chain);
  void AddZoneCatchRules(const std::vector<const Binding*>& side, const std::set<std::string>& synthetic,
                         const PacketSet& homes, Chain& chain) const;
  // Drops the chains of the ACLs that are not bound, renumbering the others.
  void DropUnbound(const std::set<std::string>& bound);
  // ASA: the chain that decides a packet entering an interface without an inbound ACL.
  int SecurityLevelChain(const Interface& from, const Interfaces& interfaces);

  Ruleset& ruleset_;
  std::string kind_;  // "IOS", "ASA"
  std::map<std::string, Acl> acls_;
  std::vector<std::string> order_;
};

// What the IOS and ASA readers share: a configuration read line by line into tokens, comments
// skipped, errors at the token they are about, the ACLs attached at the end. A reader says what
// each line means (Line) and where its ACLs are applied (Bindings).
class ConfigReader {
 public:
  virtual ~ConfigReader() = default;
  ConfigReader(const ConfigReader&) = delete;
  ConfigReader& operator=(const ConfigReader&) = delete;

 protected:
  // kind: "IOS", "ASA"; comment_starts: the characters that start a comment line.
  ConfigReader(std::string_view text, const std::string& file, const ReadOptions& options, std::string_view kind,
               std::string_view comment_starts);

  // Reads every line, then attaches the ACLs; throws core::InputError with every error found.
  Ruleset ReadConfig();
  // A line with at least one token; `indented` when it starts with a blank (a block's member).
  virtual void Line(const std::vector<Token>& tokens, bool indented) = 0;
  // Where the ACLs are applied, once every line is read.
  virtual std::vector<Binding> Bindings() = 0;
  // The interfaces, once every line is read.
  virtual Interfaces ReadInterfaces() = 0;
  // Once every line is read, before the bindings: checks that need the whole configuration.
  virtual void Finish() {}
  // The statements that make a text a configuration of this kind, for the error that says none
  // was found ("hostname, interface, access-list, ...").
  virtual std::string_view Statements() const = 0;

  core::SourceLocation At(const std::vector<Token>& tokens, std::size_t i) const;
  // An error at tokens[i], or just past the line's end when i is past its last token.
  void Fail(const std::vector<Token>& tokens, std::size_t i, std::string message);
  // tokens[i], or "" past the end.
  static std::string_view Word(const std::vector<Token>& tokens, std::size_t i);
  // A rule of the current line: where it is, and its text without the indentation.
  Rule NewRule() const;
  // `text` of the current rule as a free variable of its match (a keyword the audit cannot model).
  PacketSet Unmodelled(Rule& rule, const std::string& text);
  // After an operand: its port operator if there is one (`match` narrowed to it). kFailed (with an
  // error) when it is malformed, or when `ports` is false (a protocol without ports).
  enum class PortOperand { kNone, kRead, kFailed };
  PortOperand ReadPortOperator(const std::vector<Token>& tokens, std::size_t& i, bool source, bool multiple_eq,
                               bool ports, PacketSet& match);

  std::string file_;
  const ReadOptions& options_;
  Ruleset ruleset_;
  AclSet acls_;
  core::Diagnostics diagnostics_;
  std::string_view line_;  // the current line, and its number
  int line_number_ = 0;
  // A statement of this kind of configuration was seen: without one, the text is refused rather
  // than audited as a configuration with no ACL (which passes every packet).
  bool recognised_ = false;

 private:
  std::string_view text_;
  std::string_view comment_starts_;
  std::string_view kind_;
};

}  // namespace portolan::audit::formats::cisco
