#include "audit/cube_engine.hpp"

#include <algorithm>
#include <utility>

#include "audit/cube_boxes.hpp"

namespace portolan::audit {

namespace {

Cube WithoutHidden(Cube cube) {
  cube.in_interfaces = cube.out_interfaces = ~std::uint64_t{0};
  cube.unknown_true = cube.unknown_false = 0;
  return cube;
}

// Whether every value of the hidden fields that `given` allows is in the cube's.
bool HiddenCovers(const Cube& cube, const Cube& given) {
  return (given.in_interfaces & ~cube.in_interfaces) == 0 && (given.out_interfaces & ~cube.out_interfaces) == 0 &&
         (cube.unknown_true & ~given.unknown_true) == 0 && (cube.unknown_false & ~given.unknown_false) == 0;
}

std::uint8_t FamilyMask(const Ruleset& ruleset) {
  std::uint8_t mask = 0;
  for (const auto family : ruleset.families) mask |= family == core::Family::kIPv6 ? 0b10 : 0b01;
  return mask;
}

std::vector<Cube> CubesOf(const std::vector<CubeId>& ids, const CubeEvaluation& cubes) {
  std::vector<Cube> out;
  out.reserve(ids.size());
  for (const auto id : ids) out.push_back(cubes[id]);
  return out;
}

// The one cube of `given` (not loopback: it is one).
Cube GivenCube(const PacketSet& given) {
  if (given.Cubes() == nullptr || given.Cubes()->size() != 1) throw CubesDoNotFit("given");
  return given.Cubes()->front();
}

}  // namespace

// ---- IndexedCubes ----

IndexedCubes::IndexedCubes(std::vector<Cube> list, PacketSet rest, std::vector<Cube> rest_hull)
    : cubes_(std::move(list)), big_(std::move(rest)), hull_(std::move(rest_hull)) {
  for (std::size_t i = 0; i < cubes_.size(); ++i) index_.Add(static_cast<CubeId>(i), cubes_[i]);
  for (std::size_t i = 0; i < hull_.size(); ++i) hull_index_.Add(static_cast<CubeId>(i), hull_[i]);
}

bool IndexedCubes::MayMeetBig(const Cube& cube) const {
  if (big_.Empty()) return false;
  bool found = false;
  hull_index_.ForEachCandidate(cube, [&](CubeId id) { found = found || audit::Overlaps(cube, hull_[id]); });
  return found;
}

bool IndexedCubes::Overlaps(const Cube& cube) const {
  bool found = false;
  index_.ForEachCandidate(cube, [&](CubeId id) { found = found || audit::Overlaps(cube, cubes_[id]); });
  return found || (MayMeetBig(cube) && PacketSet::FromCubes({cube}).Intersects(big_));
}

void IndexedCubes::Within(const Cube& cube, std::vector<Cube>& out) const {
  Cube common;
  const auto before = out.size();
  index_.ForEachCandidate(cube, [&](CubeId id) {
    if (Intersect(cube, cubes_[id], common)) out.push_back(common);
  });
  CubeBudget::Charge(out.size() - before + 1);
  if (MayMeetBig(cube)) {
    for (auto& part : (PacketSet::FromCubes({cube}) & big_).ToCubes()) out.push_back(std::move(part));
  }
}

void IndexedCubes::Outside(const Cube& cube, std::vector<Cube>& out) const {
  std::vector<Cube> pieces{cube};
  std::vector<Cube> next;
  index_.ForEachCandidate(cube, [&](CubeId id) {
    next.clear();
    for (const auto& piece : pieces) Subtract(piece, cubes_[id], next);
    CubeBudget::Charge(next.size());
    pieces.swap(next);
  });
  if (std::any_of(pieces.begin(), pieces.end(), [this](const Cube& piece) { return MayMeetBig(piece); })) {
    const auto rest = PacketSet::FromCubes(pieces);
    if (rest.Intersects(big_)) pieces = (rest - big_).ToCubes();
  }
  out.insert(out.end(), pieces.begin(), pieces.end());
}

// ---- the engine ----

void CubeEngine::Add(const AuditedRuleset& audited) {
  evaluations_.push_back(EvaluateCubes(*audited.ruleset));
  rulesets_.push_back(audited);
}

CubeEngine::Direction CubeEngine::Begin(const DirectionSets& sets) {
  return Direction(*this, sets);
}

RuleFacts CubeEngine::Facts(std::size_t ruleset) const {
  return MakeRuleFacts(
      *rulesets_[ruleset].ruleset, evaluations_[ruleset].hooks,
      [](const CubeHookEvaluation& hook_eval, std::size_t c, std::size_t r) { return !hook_eval.hit[c][r].empty(); });
}

bool CubeEngine::HitMeets(std::size_t ruleset, int chain, int rule, const PacketSet& match) const {
  const auto* match_cubes = match.Cubes();
  if (match_cubes == nullptr) throw CubesDoNotFit("a rule held as a BDD");
  const auto& cubes = evaluations_[ruleset];
  for (const auto& [hook, hook_eval] : cubes.hooks)
    for (const auto id : hook_eval.hit[chain][rule])
      for (const auto& cube : *match_cubes)
        if (Overlaps(cubes[id], cube)) return true;
  return false;
}

const VerdictSets& CubeEngine::WholeHook(Hook hook, const PacketSet& given) {
  auto it = whole_hooks_.find(hook);
  if (it != whole_hooks_.end()) return it->second;
  std::vector<PacketSet> accepted;
  for (std::size_t i = 0; i < evaluations_.size(); ++i)
    accepted.push_back(WholeSet(i, evaluations_[i].hooks.at(hook).accepted));
  return whole_hooks_.emplace(hook, MakeVerdictSets(std::move(accepted), rulesets_, given)).first->second;
}

const PacketSet& CubeEngine::WholeSet(std::size_t ruleset, const CubeSet& set) {
  auto it = whole_sets_.find(&set);
  if (it != whole_sets_.end()) return it->second;
  const auto& cubes = evaluations_[ruleset];
  auto whole = PacketSet::FromCubes(CubesOf(set.cubes, cubes)).AsBdd();
  for (const int index : set.fall_offs) {
    const auto& invocation = cubes.invocations[index];
    whole |= PacketSet::FromCubes(CubesOf(invocation.input, cubes)).AsBdd() -
             PacketSet::FromCubes(CubesOf(invocation.stops, cubes)).AsBdd();
  }
  return whole_sets_.emplace(&set, std::move(whole)).first->second;
}

std::vector<Cube> CubeEngine::AcceptedWithin(Hook hook, const std::vector<Cube>& region) const {
  std::vector<Cube> accepted;
  for (std::size_t i = 0; i < evaluations_.size(); ++i) {
    const auto mask = FamilyMask(*rulesets_[i].ruleset);
    for (auto& cube : evaluations_[i].AcceptedWithin(hook, region)) {
      cube.families &= mask;
      if (cube.families != 0) accepted.push_back(std::move(cube));
    }
  }
  return accepted;
}

// ---- a flow ----

CubeEngine::FlowView::FlowView(const CubeEngine& engine, Hook hook, const RequiredFlow& flow, PacketSet packets)
    : engine_(engine),
      hook_(hook),
      packets_(std::move(packets)),
      hulled_(packets_.Cubes() == nullptr),
      hull_(&flow.hull),
      own_region_(hulled_ ? std::vector<Cube>{} : packets_.ToCubes()) {}

bool CubeEngine::FlowView::Holds(std::size_t ruleset, RuleSite site, const Point& packet) const {
  const auto& cubes = engine_.evaluations_[ruleset];
  const auto& hook_eval = cubes.hooks.at(hook_);
  if (site.rule == RuleSite::kPolicy) return cubes.Contains(hook_eval.policy_decided[site.chain], packet);
  return cubes.Contains(hook_eval.hit[site.chain][site.rule], packet);
}

PacketSet CubeEngine::FlowView::Decided(std::size_t ruleset, RuleSite site) const {
  const auto& cubes = engine_.evaluations_[ruleset];
  const auto& hook_eval = cubes.hooks.at(hook_);
  if (site.rule == RuleSite::kPolicy)
    return PacketSet::FromCubes(cubes.Within(hook_eval.policy_decided[site.chain], Region()));
  return PacketSet::FromCubes(cubes.Within(hook_eval.hit[site.chain][site.rule], Region()));
}

bool CubeEngine::FlowView::Meets(std::size_t ruleset, int chain, int rule) const {
  const auto& cubes = engine_.evaluations_[ruleset];
  const auto within = cubes.Within(cubes.hooks.at(hook_).hit[chain][rule], Region());
  if (within.empty()) return false;
  return !hulled_ || PacketSet::FromCubes(within).Intersects(packets_);
}

// ---- a direction ----

CubeEngine::Direction::Direction(CubeEngine& engine, const DirectionSets& sets)
    : engine_(engine),
      hook_(sets.hook),
      given_(sets.given),
      given_cube_(GivenCube(sets.given)),
      domain_(sets.domain.ToCubes()),
      infrastructure_(sets.infrastructure.ToCubes()) {
  std::size_t accepted_cubes = 0;
  for (const auto& evaluation : engine.evaluations_) accepted_cubes += evaluation.hooks.at(hook_).accepted.cubes.size();
  whole_hook_ = accepted_cubes <= kWholeHookCubes;
}

CubeEngine::FlowView CubeEngine::Direction::Flow(const RequiredFlow& flow, const PacketSet& packets) {
  FlowView view(engine_, hook_, flow, packets);
  // Many big flows against a small ruleset (a large site's plan): the hook's sets as BDDs, built
  // once, cost less than a region per flow.
  if (view.hulled_ && whole_hook_) {
    view.whole_ = &engine_.WholeHook(hook_, given_);
    return view;
  }
  std::vector<PacketSet> accepted;
  for (const auto& evaluation : engine_.evaluations_)
    accepted.push_back(PacketSet::FromCubes(evaluation.AcceptedWithin(hook_, view.Region())));
  view.own_ = MakeVerdictSets(std::move(accepted), engine_.rulesets_, given_);
  return view;
}

void CubeEngine::Direction::Require(const PacketSet& packets, const std::vector<Cube>& hull) {
  if (packets.Cubes() == nullptr) {
    required_big_ |= packets;
    required_hull_.insert(required_hull_.end(), hull.begin(), hull.end());
    return;
  }
  const auto cubes = packets.ToCubes();
  required_list_.insert(required_list_.end(), cubes.begin(), cubes.end());
}

CubeEngine::ExcessView CubeEngine::Direction::Excess() {
  return ExcessView(*this);
}

// ---- the excess ----

CubeEngine::ExcessView::ExcessView(Direction& direction)
    : direction_(direction),
      required_(std::move(direction.required_list_), std::move(direction.required_big_),
                std::move(direction.required_hull_)) {}

CubeEngine::RulesetExcess CubeEngine::ExcessView::Of(std::size_t ruleset) const {
  return RulesetExcess(*this, ruleset);
}

namespace {

// A ruleset's accept rules' hits on a hook with several base chains (else none).
std::vector<Cube> TracedHits(const Ruleset& ruleset, const CubeEvaluation& cubes, const CubeHookEvaluation& hook_eval,
                             bool several_chains) {
  std::vector<Cube> traced;
  if (!several_chains) return traced;
  for (std::size_t c = 0; c < ruleset.chains.size(); ++c)
    for (std::size_t r = 0; r < ruleset.chains[c].rules.size(); ++r)
      if (ruleset.chains[c].rules[r].action == Action::kAccept)
        for (const auto id : hook_eval.hit[c][r]) traced.push_back(cubes[id]);
  return traced;
}

bool SeveralChains(const Ruleset& ruleset, Hook hook) {
  int attached = 0;
  for (const auto& attachment : ruleset.attachments) attached += attachment.hook == hook ? 1 : 0;
  return attached > 1;
}

}  // namespace

CubeEngine::RulesetExcess::RulesetExcess(const ExcessView& view, std::size_t ruleset)
    : view_(view),
      direction_(view.direction_),
      audited_(direction_.engine_.rulesets_[ruleset]),
      cubes_(direction_.engine_.evaluations_[ruleset]),
      hook_eval_(cubes_.hooks.at(direction_.hook_)),
      own_families_(FamilyMask(*audited_.ruleset)),
      several_chains_(SeveralChains(*audited_.ruleset, direction_.hook_)),
      traced_(TracedHits(*audited_.ruleset, cubes_, hook_eval_, several_chains_)) {}

CubeGrant CubeEngine::RulesetExcess::Unfiltered() const {
  // Everything passes: the excess is all the judged packets of the ruleset's families.
  std::vector<Cube> of_families;
  for (const auto& cube : (audited_.families & PacketSet::WellFormed()).ToCubes())
    direction_.domain_.Within(cube, of_families);
  return Granted(of_families, IndexedCubes(std::vector<Cube>{Cube{}}));
}

std::vector<Cube> CubeEngine::RulesetExcess::Hit(int chain, int rule) const {
  return CubesOf(hook_eval_.hit[chain][rule], cubes_);
}

CubeGrant CubeEngine::RulesetExcess::ByRule(const std::vector<Cube>& hit) const {
  return Granted(hit, direction_.domain_);
}

bool CubeEngine::RulesetExcess::MeetsRequired(const std::vector<Cube>& cubes) const {
  bool meets = false;
  for (const auto& cube : cubes) meets = meets || view_.required_.Overlaps(cube);
  return meets;
}

std::vector<Cube> CubeEngine::RulesetExcess::Serves(const std::vector<Cube>& hit) const {
  Cube passing;
  std::vector<Cube> judged;
  for (const auto& cube : hit)
    if (Intersect(cube, direction_.given_cube_, passing)) direction_.domain_.Within(passing, judged);
  std::vector<Cube> serves;
  for (const auto& cube : judged) direction_.infrastructure_.Outside(cube, serves);
  return serves;
}

bool CubeEngine::RulesetExcess::JudgesOnlyUnrequired(const std::vector<Cube>& hit) const {
  const auto serves = Serves(hit);
  return !serves.empty() && !MeetsRequired(serves);
}

CubeGrant CubeEngine::RulesetExcess::ByPolicy(int chain) {
  const auto& decided = hook_eval_.policy_decided[chain];
  if (decided.Empty()) return {};
  std::vector<Cube> region;
  Cube passing;
  for (const auto& cube : direction_.domain_.cubes())
    if (Intersect(cube, direction_.given_cube_, passing)) region.push_back(passing);
  auto pieces = cubes_.Within(decided, region);
  if (several_chains_) {
    pieces = Untraced(pieces);
    traced_policies_.push_back(&decided);
  }
  return Granted(pieces, direction_.domain_);
}

// Several base chains on the hook (nftables): a packet passes all of them, so an accept rule in
// one and the policy of another both let it through. It is traced to the rule, and to one policy
// only when no rule accepts it.
std::vector<Cube> CubeEngine::RulesetExcess::Untraced(const std::vector<Cube>& pieces) const {
  std::vector<Cube> untraced;
  for (const auto& piece : pieces) traced_.Outside(piece, untraced);
  for (const auto* earlier : traced_policies_) {
    std::vector<Cube> rest;
    for (const auto& piece : untraced) {
      std::vector<Cube> left{piece};
      std::vector<Cube> next;
      for (const auto& cut : cubes_.Within(*earlier, {piece})) {
        next.clear();
        for (const auto& part : left) Subtract(part, cut, next);
        left.swap(next);
      }
      rest.insert(rest.end(), left.begin(), left.end());
    }
    untraced.swap(rest);
  }
  return untraced;
}

CubeGrant CubeEngine::RulesetExcess::Granted(const std::vector<Cube>& accepted, const IndexedCubes& domain) const {
  const auto& given = direction_.given_cube_;
  CubeGrant grant;
  std::vector<Cube> within;
  std::vector<Cube> candidates;
  Cube passing;
  for (const auto& cube : accepted) {
    if ((cube.families & own_families_) == 0 || !Intersect(cube, given, passing)) continue;
    if (!HiddenCovers(cube, given)) grant.partial = true;
    auto visible = WithoutHidden(cube);
    visible.families &= own_families_;
    if (several_chains_)
      candidates.push_back(std::move(visible));
    else
      domain.Within(visible, within);
  }
  if (several_chains_) {
    // What one of several base chains accepts, a later one may drop: only what the hook
    // accepts for some allowed hidden value is granted, and Boxes judges the rest.
    grant.partial = true;
    for (auto& piece : cubes_.AcceptedWithin(direction_.hook_, candidates)) {
      if (!Intersect(piece, given, passing)) continue;
      auto visible = WithoutHidden(std::move(piece));
      visible.families &= own_families_;
      if (visible.families != 0) domain.Within(visible, within);
    }
  }
  std::vector<Cube> needed_not;
  for (const auto& cube : within) view_.required_.Outside(cube, needed_not);
  for (const auto& cube : needed_not) direction_.infrastructure_.Outside(cube, grant.cubes);
  return grant;
}

// The granted packets every allowed value of the hidden fields lets through, then the rest as
// uncertain. Those are found within the granted region: the region with the allowed hidden
// values, less every accepted cube there, is what some value does not let through.
ExcessBoxes CubeEngine::RulesetExcess::Boxes(const CubeGrant& granted) const {
  ExcessBoxes boxes;
  if (!granted.partial) {
    boxes.sure = CubeBoxes(granted.cubes);
    return boxes;
  }
  const auto& given = direction_.given_cube_;
  const IndexedCubes accepted(direction_.engine_.AcceptedWithin(direction_.hook_, granted.cubes));
  std::vector<Cube> missing;
  for (auto cube : granted.cubes) {
    cube.in_interfaces = given.in_interfaces;
    cube.out_interfaces = given.out_interfaces;
    cube.unknown_true = given.unknown_true;
    cube.unknown_false = given.unknown_false;
    accepted.Outside(cube, missing);
  }
  for (auto& cube : missing) cube = WithoutHidden(std::move(cube));
  const IndexedCubes not_always(std::move(missing));
  std::vector<Cube> sure;
  std::vector<Cube> unsure;
  for (const auto& cube : granted.cubes) {
    not_always.Outside(cube, sure);
    not_always.Within(cube, unsure);
  }
  boxes.sure = CubeBoxes(sure);
  boxes.uncertain = CubeBoxes(unsure);
  return boxes;
}

}  // namespace portolan::audit
