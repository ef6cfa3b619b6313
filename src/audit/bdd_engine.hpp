#pragma once
// The audit's BDD engine (audit/engine.hpp): every set whole, as one BDD per hook and rule
// (audit/analysis.hpp). The reference the cube engine is held to, and the fallback where cubes do not fit.

#include <cstddef>
#include <utility>
#include <vector>

#include "audit/analysis.hpp"
#include "audit/engine.hpp"

namespace portolan::audit {

class BddEngine {
 public:
  class FlowView;
  class Direction;
  class ExcessView;
  class RulesetExcess;

  // Evaluates the ruleset (throws core::InputError on a jump loop).
  void Add(const AuditedRuleset& audited);
  Direction Begin(const DirectionSets& sets) const;

  RuleFacts Facts(std::size_t ruleset) const;
  bool HitMeets(std::size_t ruleset, int chain, int rule, const PacketSet& match) const;

 private:
  std::vector<AuditedRuleset> rulesets_;
  std::vector<Evaluation> evaluations_;
};

class BddEngine::FlowView {
 public:
  FlowView(const BddEngine& engine, Hook hook, const VerdictSets& sets, PacketSet packets)
      : engine_(engine), hook_(hook), sets_(sets), packets_(std::move(packets)) {}

  const VerdictSets& Sets() const { return sets_; }
  const PacketSet::Assignment& Probe(const PacketSet::Assignment& packet) const { return packet; }
  bool Holds(std::size_t ruleset, RuleSite site, const PacketSet::Assignment& packet) const {
    return SetOf(ruleset, site).Contains(packet);
  }
  PacketSet Decided(std::size_t ruleset, RuleSite site) const { return SetOf(ruleset, site); }
  bool Meets(std::size_t ruleset, int chain, int rule) const;

 private:
  const PacketSet& SetOf(std::size_t ruleset, RuleSite site) const;

  const BddEngine& engine_;
  Hook hook_;
  const VerdictSets& sets_;
  PacketSet packets_;
};

class BddEngine::Direction {
 public:
  Direction(const BddEngine& engine, const DirectionSets& sets);

  FlowView Flow(const RequiredFlow& flow, const PacketSet& packets) const;
  void Require(const PacketSet& packets, const std::vector<Cube>& hull);
  ExcessView Excess() const;

 private:
  const BddEngine& engine_;
  DirectionSets sets_;
  VerdictSets verdict_sets_;  // the whole hook's: one BDD holds them all
  PacketSet required_;
};

class BddEngine::ExcessView {
 public:
  ExcessView(const BddEngine& engine, const DirectionSets& sets, const VerdictSets& verdict_sets,
             const PacketSet& required);

  RulesetExcess Of(std::size_t ruleset) const;

 private:
  friend class RulesetExcess;
  const BddEngine& engine_;
  Hook hook_;
  PacketSet definite_;
  PacketSet required_;
  PacketSet excess_;  // possible and judged, not required
  PacketSet excess_given_;
  PacketSet judged_given_;
};

class BddEngine::RulesetExcess {
 public:
  RulesetExcess(const ExcessView& view, const AuditedRuleset& audited, const HookEvaluation& hook_eval);

  bool Attached() const { return hook_eval_.attached; }
  PacketSet Unfiltered() const;
  bool HasHit(int chain, int rule) const { return !Hit(chain, rule).Empty(); }
  const PacketSet& Hit(int chain, int rule) const { return hook_eval_.hit[chain][rule]; }
  PacketSet ByRule(const PacketSet& hit) const;
  bool MeetsRequired(const PacketSet& hit) const { return hit.Intersects(view_.required_); }
  bool Judges(const PacketSet& hit) const { return hit.Intersects(view_.judged_given_); }
  bool JudgesOnlyUnrequired(const PacketSet& hit) const;
  PacketSet ByPolicy(int chain);
  ExcessBoxes Boxes(const PacketSet& granted) const;

 private:
  const ExcessView& view_;
  const AuditedRuleset& audited_;
  const HookEvaluation& hook_eval_;
  bool several_chains_ = false;  // base chains on the hook (nftables)
  PacketSet traced_;             // what the hook's accept rules and earlier policies grant
};

}  // namespace portolan::audit
