#include "audit/bdd_engine.hpp"

namespace portolan::audit {

void BddEngine::Add(const AuditedRuleset& audited) {
  evaluations_.push_back(Evaluate(*audited.ruleset));
  rulesets_.push_back(audited);
}

BddEngine::Direction BddEngine::Begin(const DirectionSets& sets) const {
  return Direction(*this, sets);
}

RuleFacts BddEngine::Facts(std::size_t ruleset) const {
  return MakeRuleFacts(
      *rulesets_[ruleset].ruleset, evaluations_[ruleset].hooks,
      [](const HookEvaluation& hook_eval, std::size_t c, std::size_t r) { return !hook_eval.hit[c][r].Empty(); });
}

bool BddEngine::HitMeets(std::size_t ruleset, int chain, int rule, const PacketSet& match) const {
  for (const auto& [hook, hook_eval] : evaluations_[ruleset].hooks)
    if (hook_eval.hit[chain][rule].Intersects(match)) return true;
  return false;
}

// ---- a flow ----

const PacketSet& BddEngine::FlowView::SetOf(std::size_t ruleset, RuleSite site) const {
  const auto& hook_eval = engine_.evaluations_[ruleset].hooks.at(hook_);
  if (site.rule == RuleSite::kPolicy) return hook_eval.policy_decided[site.chain];
  return hook_eval.hit[site.chain][site.rule];
}

bool BddEngine::FlowView::Meets(std::size_t ruleset, int chain, int rule) const {
  return engine_.evaluations_[ruleset].hooks.at(hook_).hit[chain][rule].Intersects(packets_);
}

// ---- a direction ----

BddEngine::Direction::Direction(const BddEngine& engine, const DirectionSets& sets) : engine_(engine), sets_(sets) {
  std::vector<PacketSet> accepted;
  for (const auto& evaluation : engine.evaluations_) accepted.push_back(evaluation.hooks.at(sets.hook).accepted);
  verdict_sets_ = MakeVerdictSets(std::move(accepted), engine.rulesets_, sets.given);
}

BddEngine::FlowView BddEngine::Direction::Flow(const RequiredFlow& /*flow*/, const PacketSet& packets) const {
  return FlowView(engine_, sets_.hook, verdict_sets_, packets);
}

void BddEngine::Direction::Require(const PacketSet& packets, const std::vector<Cube>& /*hull*/) {
  required_ |= packets;
}

BddEngine::ExcessView BddEngine::Direction::Excess() const {
  return ExcessView(engine_, sets_, verdict_sets_, required_);
}

// ---- the excess ----

BddEngine::ExcessView::ExcessView(const BddEngine& engine, const DirectionSets& sets, const VerdictSets& verdict_sets,
                                  const PacketSet& required)
    : engine_(engine), hook_(sets.hook), definite_(verdict_sets.definite), required_(required) {
  excess_ = (verdict_sets.possible & sets.domain) - required - sets.infrastructure;
  excess_given_ = excess_ & sets.given;
  judged_given_ = (sets.domain - sets.infrastructure) & sets.given;
}

BddEngine::RulesetExcess BddEngine::ExcessView::Of(std::size_t ruleset) const {
  return RulesetExcess(*this, engine_.rulesets_[ruleset], engine_.evaluations_[ruleset].hooks.at(hook_));
}

BddEngine::RulesetExcess::RulesetExcess(const ExcessView& view, const AuditedRuleset& audited,
                                        const HookEvaluation& hook_eval)
    : view_(view), audited_(audited), hook_eval_(hook_eval) {
  const auto& ruleset = *audited.ruleset;
  int attached = 0;
  for (const auto& attachment : ruleset.attachments) attached += attachment.hook == view.hook_ ? 1 : 0;
  several_chains_ = attached > 1;
  if (!several_chains_) return;
  for (std::size_t c = 0; c < ruleset.chains.size(); ++c)
    for (std::size_t r = 0; r < ruleset.chains[c].rules.size(); ++r)
      if (ruleset.chains[c].rules[r].action == Action::kAccept) traced_ |= hook_eval.hit[c][r];
}

PacketSet BddEngine::RulesetExcess::Unfiltered() const {
  return view_.excess_ & audited_.families;
}

PacketSet BddEngine::RulesetExcess::ByRule(const PacketSet& hit) const {
  if (view_.excess_.Empty()) return PacketSet::None();
  return (hit & view_.excess_given_ & audited_.families).ExistsHidden();
}

bool BddEngine::RulesetExcess::JudgesOnlyUnrequired(const PacketSet& hit) const {
  const auto serves = hit & view_.judged_given_;
  return !serves.Empty() && !serves.Intersects(view_.required_);
}

PacketSet BddEngine::RulesetExcess::ByPolicy(int chain) {
  if (view_.excess_.Empty()) return PacketSet::None();
  const auto& decided = hook_eval_.policy_decided[chain];
  const auto granted = (decided & view_.excess_given_ & audited_.families) - traced_;
  if (several_chains_) traced_ |= decided;
  return granted.ExistsHidden();
}

ExcessBoxes BddEngine::RulesetExcess::Boxes(const PacketSet& granted) const {
  ExcessBoxes boxes;
  const auto sure = granted & view_.definite_;
  boxes.sure = sure.Boxes();
  if (sure == granted) return boxes;  // the common case: no verdict depends on what the audit cannot see
  boxes.uncertain = (granted - sure).Boxes();
  return boxes;
}

}  // namespace portolan::audit
