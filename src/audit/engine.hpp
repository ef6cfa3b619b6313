#pragma once
// The seam between the audit's logic (audit.cpp, written once) and the set engines that compute
// it: BDDs (audit/bdd_engine.hpp) and cubes (audit/cube_engine.hpp), as the concept AuditEngine.
//
// The logic asks an engine, per direction: for a required flow, what the hook accepts of it and
// which rule drops a given packet; then, once every flow is required, what each accept rule and
// accepting policy grants beyond them (the excess, as the report's boxes) and whether the rule
// serves any judged packet at all. Per ruleset: which rules are reached and hit, for shadowing.
// The engines differ in how they hold sets (a BDD, or cube lists cut to small regions), never in
// what they answer; tests/audit/engine_agreement_test.cpp holds them to the same reports. An
// engine is a template argument, not a virtual base: the cube engine is the hot path and its
// calls stay inline.

#include <concepts>
#include <cstddef>
#include <vector>

#include "audit/packet_set.hpp"
#include "audit/required_flows.hpp"
#include "audit/ruleset.hpp"

namespace portolan::audit {

// A ruleset as the audit holds it, with the packets of its families: other families pass it by
// and their own ruleset decides them.
struct AuditedRuleset {
  const Ruleset* ruleset = nullptr;
  PacketSet families;
};

// What the audit judges in one direction; both engines start from these sets.
struct DirectionSets {
  Hook hook = Hook::kForward;
  PacketSet given;           // the values of the hidden fields a packet may have (not loopback)
  PacketSet domain;          // what the firewall sees: well-formed, new, of the audited families
  PacketSet infrastructure;  // never excess
};

// What a flow's verdict is judged against: the hook's accepted packets (within the flow's at
// least), per ruleset, and those it accepts for some and for every allowed hidden value.
struct VerdictSets {
  std::vector<PacketSet> accepted;
  PacketSet possible;
  PacketSet definite;
};

// VerdictSets of the rulesets' accepted packets, each ruleset limited to its own families.
VerdictSets MakeVerdictSets(std::vector<PacketSet> accepted, const std::vector<AuditedRuleset>& rulesets,
                            const PacketSet& given);

// Where a packet is decided: a rule of a chain, or the chain's policy.
struct RuleSite {
  static constexpr int kPolicy = -1;
  int chain = 0;
  int rule = kPolicy;
};

// What a rule or policy grants beyond the required flows, as the report's boxes: granted for
// every allowed value of the hidden fields, and only for some.
struct ExcessBoxes {
  std::vector<Box> sure;
  std::vector<Box> uncertain;
};

// Per chain and rule: what the shadowing report needs of a ruleset's evaluation.
struct RuleFacts {
  std::vector<bool> entered;               // per chain: some rule reached on some hook
  std::vector<std::vector<bool>> reached;  // per chain, per rule, on some hook
  std::vector<std::vector<bool>> hit;
};

// RuleFacts of either engine's hook evaluations; `has_hit(hook_eval, c, r)`.
template <typename Hooks, typename HasHit>
RuleFacts MakeRuleFacts(const Ruleset& ruleset, const Hooks& hooks, HasHit has_hit) {
  RuleFacts facts;
  facts.entered.assign(ruleset.chains.size(), false);
  facts.reached.resize(ruleset.chains.size());
  facts.hit.resize(ruleset.chains.size());
  for (std::size_t c = 0; c < ruleset.chains.size(); ++c) {
    facts.reached[c].assign(ruleset.chains[c].rules.size(), false);
    facts.hit[c].assign(ruleset.chains[c].rules.size(), false);
    for (const auto& [hook, hook_eval] : hooks) {
      for (std::size_t r = 0; r < ruleset.chains[c].rules.size(); ++r) {
        if (hook_eval.reached[c][r]) facts.entered[c] = facts.reached[c][r] = true;
        if (has_hit(hook_eval, c, r)) facts.hit[c][r] = true;
      }
    }
  }
  return facts;
}

// A flow as an engine judges it (Direction::Flow). `Probe` turns a packet (every variable
// assigned) into what the engine tests membership with, once per packet.
template <typename V>
concept AuditFlowView = requires(const V& view, const PacketSet::Assignment& packet, std::size_t ruleset, RuleSite site,
                                 int chain, int rule) {
  { view.Sets() } -> std::same_as<const VerdictSets&>;
  { view.Holds(ruleset, site, view.Probe(packet)) } -> std::same_as<bool>;
  { view.Decided(ruleset, site) } -> std::same_as<PacketSet>;  // within the flow's packets at least
  { view.Meets(ruleset, chain, rule) } -> std::same_as<bool>;  // the rule's hit meets the flow's packets
};

// One ruleset's excess on a hook (Direction::Excess().Of). A Granted set has Empty(); a Hit is a rule's hit.
// Policies are asked in chain order: on a hook with several base chains, what an earlier one (or
// any accept rule) already traced is not granted again.
template <typename W>
concept AuditRulesetExcess = requires(W& walk, const W& cwalk, int chain, int rule) {
  { cwalk.Attached() } -> std::same_as<bool>;
  { walk.Unfiltered().Empty() } -> std::same_as<bool>;  // everything passes: what it grants
  { cwalk.HasHit(chain, rule) } -> std::same_as<bool>;
  { walk.ByRule(cwalk.Hit(chain, rule)).Empty() } -> std::same_as<bool>;
  { cwalk.MeetsRequired(cwalk.Hit(chain, rule)) } -> std::same_as<bool>;
  { cwalk.Judges(cwalk.Hit(chain, rule)) } -> std::same_as<bool>;  // meets a judged packet
  { cwalk.JudgesOnlyUnrequired(cwalk.Hit(chain, rule)) } -> std::same_as<bool>;
  { walk.ByPolicy(chain).Empty() } -> std::same_as<bool>;  // an accepting chain's policy
  { walk.Boxes(walk.ByPolicy(chain)) } -> std::same_as<ExcessBoxes>;
};

// An engine holds the rulesets' evaluations (Add, in order) and opens directions: Begin gives a
// Direction, whose Flow gives an AuditFlowView and to which every required packet is added
// (Require); then its Excess, asked once, gives each ruleset's AuditRulesetExcess (Of).
template <typename E>
concept AuditEngine = requires(E& engine, const E& cengine, const AuditedRuleset& audited, const DirectionSets& sets,
                               typename E::Direction& direction, const RequiredFlow& flow, const PacketSet& packets,
                               std::size_t ruleset, int chain, int rule) {
  engine.Add(audited);
  { engine.Begin(sets) } -> std::same_as<typename E::Direction>;
  { direction.Flow(flow, packets) } -> AuditFlowView;
  direction.Require(packets, flow.hull);
  { direction.Excess().Of(ruleset) } -> AuditRulesetExcess;
  { cengine.Facts(ruleset) } -> std::same_as<RuleFacts>;
  // Whether the hit of an earlier rule, on some hook, meets a later rule's match.
  { cengine.HitMeets(ruleset, chain, rule, packets) } -> std::same_as<bool>;
};

}  // namespace portolan::audit
