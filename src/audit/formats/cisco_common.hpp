#pragma once
// What the Cisco IOS and ASA readers share: Cisco's port and ICMP names, port operators, masks
// and wildcards, ACLs as chains that end in the implicit deny, and how bound ACLs are attached.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/formats/formats.hpp"
#include "audit/formats/text_input.hpp"

namespace portolan::audit::formats::cisco {

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

// An IPv4 address with a netmask ("255.255.255.0") or an IOS wildcard ("0.0.0.255", also
// non-contiguous ones of a few bits), as a source or destination set. nullopt when malformed.
std::optional<PacketSet> MaskedAddress(std::string_view address, std::string_view mask, bool wildcard, bool source);

// "permit"/"deny" as an action.
std::optional<Action> ParseAction(std::string_view text);

// Keywords at the end of an ACE the audit ignores (logging) or cannot model (the rest: they
// become free variables of the rule's match).
bool IsLogKeyword(std::string_view text);

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

// The ACLs one reader collected, and how they become the ruleset's forward hook.
class AclSet {
 public:
  AclSet(Ruleset& ruleset, std::string_view kind) : ruleset_(ruleset), kind_(kind) {}

  // The ACL of this name, created at its first mention.
  Acl& Get(const std::string& name, const PacketSet& family, const core::SourceLocation& where);
  const Acl* Find(const std::string& name) const;
  void AddRule(const std::string& name, Rule rule);

  // Bindings to interfaces, then portolan's names (PORTOLAN-FROM-<zone>[-V6]: what enters from
  // that zone of the inventory), then every other ACL as a filter of all forwarded packets.
  void Attach(const std::vector<Binding>& bindings, const ReadOptions& options, core::Diagnostics& diagnostics);

 private:
  Ruleset& ruleset_;
  std::string kind_;  // "IOS", "ASA"
  std::map<std::string, Acl> acls_;
  std::vector<std::string> order_;
};

}  // namespace portolan::audit::formats::cisco
