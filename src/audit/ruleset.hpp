#pragma once
// A firewall ruleset in one format-neutral model: chains of first-match rules, each with an exact
// packet-set match, an action, and where it came from. Every input format is read into this.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/packet_set.hpp"
#include "core/address.hpp"
#include "core/diagnostics.hpp"

namespace portolan::audit {

enum class Action { kAccept, kDrop, kReject, kJump, kGoto, kReturn, kContinue };
std::string_view ActionName(Action action);
bool IsTerminal(Action action);  // accept, drop, reject

// Where packets enter the model: the hooks a chain can be attached to.
enum class Hook { kInput, kForward, kOutput };
std::string_view HookName(Hook hook);

struct Rule {
  PacketSet match;
  // Matches on what the audit cannot know of a packet: interfaces other than lo (a plan does not
  // say which interface a flow crosses), and matches it cannot model (-m string, -m recent, ...).
  // Each is a free variable in `match`, so the verdicts that depend on them are found and
  // reported, in both directions.
  std::vector<std::string> unmodelled;
  Action action = Action::kContinue;
  int target = -1;  // jump and goto: index into Ruleset::chains
  core::SourceLocation where;
  std::string text;  // the rule as written in the input
  // Why the reader knows the match is empty ("its port range 60000:29 is empty"), for the report.
  std::string empty_because;
};

struct Chain {
  std::string name;  // "filter/INPUT", "inet portolan/input", "ACL PORTOLAN-FROM-AAA"
  std::vector<Rule> rules;
  // Base chains: what happens to packets that fall off the end. User chains return, unless they
  // have a policy too: a Cisco ACL's implicit deny applies wherever the ACL is called from.
  std::optional<Action> policy;
  std::string policy_text;     // how the report names the policy; empty: "chain NAME policy DROP"
  core::SourceLocation where;  // where the chain or its policy is declared
  // nftables base chains: a table of family ip or ip6 sees only that family's packets (the others
  // pass it by), and a chain on prerouting (-1) or postrouting (1) runs before or after every
  // chain on input, forward or output (0), whatever the priorities.
  std::optional<core::Family> family;
  int stage = 0;
};

// A base chain attached to a hook; several on one hook run in priority order, and a packet must
// be accepted by every one of them (a drop anywhere is final).
struct Attachment {
  Hook hook = Hook::kInput;
  int chain = -1;
  int priority = 0;
};

// Interface names and unmodelled matches become small codes and free variables of PacketSet.
class Symbols {
 public:
  // The code of an interface name; "lo" is kLoopbackCode; a name ending in '+' is a wildcard and
  // gives every named interface it covers plus the code for unnamed ones.
  PacketSet InInterface(const std::string& name);
  PacketSet OutInterface(const std::string& name);
  // A free variable per distinct unmodelled match text (shared once the variables run out).
  PacketSet Unmodelled(const std::string& text);

 private:
  std::vector<int> Codes(const std::string& name);
  std::map<std::string, int> interfaces_;
  std::map<std::string, int> unknowns_;
};

struct Ruleset {
  std::string file;
  std::string format;                  // the reader's id: "iptables", "nftables-json", ...
  std::vector<core::Family> families;  // the address families the ruleset filters
  std::string family_reason;           // how the reader chose them ("from its addresses"), for the report
  std::vector<Chain> chains;
  std::vector<Attachment> attachments;
  std::vector<std::string> notes;  // what the reader left out (other tables, ...), for the report
  // The filter keeps no connection state (Cisco IOS ACLs): it can only let the replies of a
  // required flow through as packets of their own, so those are not counted as excess.
  bool stateless = false;
  Symbols symbols;

  int FindChain(const std::string& name) const;  // -1 when absent
  bool Covers(core::Family family) const;
};

}  // namespace portolan::audit
