#pragma once
// The audit: the plan's required flows, cut to one firewall's view exactly as render cuts them,
// against what a ruleset really permits. Which required flows it blocks (with an example packet
// and the rule), what it permits that nothing requires (as boxes, with the rules that grant
// them), and which rules can never match or serve no required flow.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/analysis.hpp"
#include "audit/ruleset.hpp"
#include "policy/policy.hpp"

namespace portolan::audit {

// kNotAudited: the flow's address family has no ruleset (an iptables dump given without its
// ip6tables dump): nothing says whether it passes.
enum class FlowStatus { kAllowed, kBlocked, kPartial, kUncertain, kNotAudited };
std::string_view FlowStatusName(FlowStatus status);  // "ALLOWED", ...

// A rule, or a chain's policy, as the report names it.
struct RuleRef {
  core::SourceLocation where;
  std::string chain;
  std::string text;  // the rule as written, or "policy DROP"
  bool is_policy = false;
  std::vector<std::string> unmodelled;

  std::string ToString() const;  // "file:line: text"
};

struct BlockedPart {
  Packet example;
  RuleRef rule;
  bool uncertain = false;  // dropped only when an unmodelled match or interface says so
};

struct FlowVerdict {
  std::string flow_id;
  policy::Direction direction = policy::Direction::kForward;
  core::Family family = core::Family::kIPv4;
  std::string protocol;  // "tcp"
  std::string ports;     // "88,135,1025-5000" or "-"
  std::string from;      // endpoint names
  std::string to;
  std::vector<std::string> methods;  // a proxy's requests: the HTTP methods its clients need
  FlowStatus status = FlowStatus::kAllowed;
  std::vector<BlockedPart> blocked;     // up to a few examples, each with the rule that drops it
  std::vector<std::string> depends_on;  // unmodelled matches the verdict depends on
};

struct ExcessBox {
  policy::Direction direction = policy::Direction::kForward;
  Box box;
  RuleRef rule;            // the rule (or policy) that grants it
  bool uncertain = false;  // granted only for some values of interfaces or unmodelled matches
};

struct RuleFinding {
  RuleRef rule;
  std::string detail;
};

struct AuditResult {
  std::string mode;  // "host SMS01 (inbound)", "network (zones AAA, BBB)"
  // The packets are a web proxy's requests (policy mode kProxy): each one's source port field
  // holds its HTTP method's code (audit/http_methods.hpp), which a report names.
  bool requests = false;
  std::vector<std::string> rulesets;  // "file (format, ipv4)"
  std::vector<FlowVerdict> flows;
  std::vector<ExcessBox> excess;
  std::vector<RuleFinding> shadowed;  // can never match
  std::vector<RuleFinding> unused;    // accept rules that no required flow uses
  std::vector<std::string> notes;
  // Which engine computed the result: "cubes", "bdd", or "bdd (the cube engine gave up: why)".
  // Not in the report, which is the same whichever computed it.
  std::string engine;

  bool AnyBlocked() const;  // BLOCKED, PARTIAL or UNCERTAIN
  // Every required flow was checked, and is ALLOWED: the only result that may exit 0. A flow of
  // a family no ruleset covers is NOT-AUDITED, which is not a pass.
  bool AllAllowed() const;
  bool AnyExcess() const { return !excess.empty(); }
};

// How the audit builds its sets; the result never depends on it (tests compare the settings).
struct AuditTuning {
  // A service of a required flow carried by more render rules than this (zone pairs of a big
  // site) is built as all its sources times all its destinations within the firewall's domain,
  // rather than rule by rule.
  int exact_flow_rules = 16;
  // Which engine evaluates the rulesets: cubes where they fit (audit/cube_analysis.hpp), else
  // BDDs; or one of them only (tests compare the two; kCubes throws CubesDoNotFit where it
  // does not fit).
  enum class Engine { kAuto, kBdd, kCubes };
  Engine engine = Engine::kAuto;
  // What the cube engine may spend, in cubes made (audit/cube_analysis.hpp CubeBudget), before
  // kAuto turns to the BDDs; 0: kCubeBudgetBase plus kCubeBudgetPerRule for each rule of the
  // rulesets. The benchmarks' audits need 4 cubes a rule against the example site and 430
  // against the generated site of 10,000 flows (docs/benchmarks.md); a ruleset whose pieces
  // multiply passes the base within a second.
  std::uint64_t cube_budget = 0;
  static constexpr std::uint64_t kCubeBudgetBase = 4'000'000;
  static constexpr std::uint64_t kCubeBudgetPerRule = 500;
};

// Audits rulesets (one per address family at most) against the policy render would write for
// the same options. Throws core::InputError when two rulesets cover one family, and when a
// proxy's policy (squid.conf) meets a policy of another mode or the other way round.
AuditResult RunAudit(const std::vector<Ruleset>& rulesets, const policy::Policy& policy,
                     const AuditTuning& tuning = {});

}  // namespace portolan::audit
