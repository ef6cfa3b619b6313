#pragma once
// The audit's cube engine (audit/engine.hpp): the audit computed rule by rule within small regions,
// on the cube lists of audit/cube_analysis.hpp. Run it inside WithinCubeBudget: past its budget, or
// on a set it cannot hold as cubes, it gives up, and the audit is the BDD engine's.

#include <cstddef>
#include <map>
#include <vector>

#include "audit/cube_analysis.hpp"
#include "audit/engine.hpp"

namespace portolan::audit {

// A set as cubes with an index over them, and what is too big to be cubes as a BDD (`big`,
// the required packets of a large site's flows).
class IndexedCubes {
 public:
  explicit IndexedCubes(std::vector<Cube> list, PacketSet rest = PacketSet::None(),
                        std::vector<Cube> rest_hull = {Cube{}});

  const std::vector<Cube>& cubes() const { return cubes_; }
  bool Overlaps(const Cube& cube) const;
  // The parts of `cube` within the set (the set's cubes must be disjoint, and `big` hold no
  // hidden field).
  void Within(const Cube& cube, std::vector<Cube>& out) const;
  // The parts of `cube` outside the set.
  void Outside(const Cube& cube, std::vector<Cube>& out) const;

 private:
  // Whether `cube` may meet `big`: it touches its hull (a cheap test before the BDD's).
  bool MayMeetBig(const Cube& cube) const;

  std::vector<Cube> cubes_;
  CubeIndex index_;
  PacketSet big_;
  std::vector<Cube> hull_;  // cubes that hold all of `big`
  CubeIndex hull_index_;
};

// What a rule or policy grants beyond the required flows. `partial`: some of it passes only for
// some values of the hidden fields (RulesetExcess::Boxes then judges it exactly).
struct CubeGrant {
  std::vector<Cube> cubes;
  bool partial = false;
  bool Empty() const { return cubes.empty(); }
};

class CubeEngine {
 public:
  class FlowView;
  class Direction;
  class ExcessView;
  class RulesetExcess;

  // Evaluates the ruleset with cubes; throws CubesDoNotFit where it does not fit (and
  // core::InputError on a jump loop).
  void Add(const AuditedRuleset& audited);
  Direction Begin(const DirectionSets& sets);

  RuleFacts Facts(std::size_t ruleset) const;
  bool HitMeets(std::size_t ruleset, int chain, int rule, const PacketSet& match) const;

 private:
  // A hook's accepted packets as BDDs, built once: what the flows too big to be judged within
  // their own region are judged against.
  const VerdictSets& WholeHook(Hook hook, const PacketSet& given);
  // A set of the cube engine as one BDD (fall-offs as input less stops), built once.
  const PacketSet& WholeSet(std::size_t ruleset, const CubeSet& set);
  // A hook's accepted packets within a region, of every ruleset's own families.
  std::vector<Cube> AcceptedWithin(Hook hook, const std::vector<Cube>& region) const;

  std::vector<AuditedRuleset> rulesets_;
  std::vector<CubeEvaluation> evaluations_;
  std::map<Hook, VerdictSets> whole_hooks_;
  std::map<const CubeSet*, PacketSet> whole_sets_;
};

class CubeEngine::FlowView {
 public:
  // The flow is judged within a region that holds it: its own cubes, or, for a flow too big to
  // be cubes, its hull.
  FlowView(const CubeEngine& engine, Hook hook, const RequiredFlow& flow, PacketSet packets);

  const VerdictSets& Sets() const { return whole_ != nullptr ? *whole_ : own_; }
  Point Probe(const PacketSet::Assignment& packet) const { return PacketSet::PointOf(packet); }
  bool Holds(std::size_t ruleset, RuleSite site, const Point& packet) const;
  PacketSet Decided(std::size_t ruleset, RuleSite site) const;
  bool Meets(std::size_t ruleset, int chain, int rule) const;

 private:
  friend class CubeEngine::Direction;
  const std::vector<Cube>& Region() const { return hulled_ ? *hull_ : own_region_; }

  const CubeEngine& engine_;
  Hook hook_;
  PacketSet packets_;
  bool hulled_;
  const std::vector<Cube>* hull_;
  std::vector<Cube> own_region_;
  const VerdictSets* whole_ = nullptr;  // the whole hook's sets, or null: own_
  VerdictSets own_;
};

class CubeEngine::Direction {
 public:
  Direction(CubeEngine& engine, const DirectionSets& sets);

  FlowView Flow(const RequiredFlow& flow, const PacketSet& packets);
  void Require(const PacketSet& packets, const std::vector<Cube>& hull);
  // Once every flow is required.
  ExcessView Excess();

 private:
  friend class CubeEngine::ExcessView;
  friend class CubeEngine::RulesetExcess;
  // Up to this many accepted cubes on a hook, flows too big to be cubes are judged against the
  // hook's sets as BDDs (built once); beyond, each within its hull.
  static constexpr std::size_t kWholeHookCubes = 20'000;

  CubeEngine& engine_;
  Hook hook_;
  PacketSet given_;
  Cube given_cube_;
  IndexedCubes domain_;
  IndexedCubes infrastructure_;
  bool whole_hook_ = false;  // few accepted cubes (kWholeHookCubes)
  std::vector<Cube> required_list_;
  PacketSet required_big_;  // flows too big to be cubes
  std::vector<Cube> required_hull_;
};

class CubeEngine::ExcessView {
 public:
  explicit ExcessView(Direction& direction);

  RulesetExcess Of(std::size_t ruleset) const;

 private:
  friend class CubeEngine::RulesetExcess;
  const Direction& direction_;
  IndexedCubes required_;
};

class CubeEngine::RulesetExcess {
 public:
  RulesetExcess(const ExcessView& view, std::size_t ruleset);

  bool Attached() const { return hook_eval_.attached; }
  CubeGrant Unfiltered() const;
  bool HasHit(int chain, int rule) const { return !hook_eval_.hit[chain][rule].empty(); }
  std::vector<Cube> Hit(int chain, int rule) const;
  CubeGrant ByRule(const std::vector<Cube>& hit) const;
  bool MeetsRequired(const std::vector<Cube>& cubes) const;
  bool Judges(const std::vector<Cube>& hit) const { return !Serves(hit).empty(); }
  bool JudgesOnlyUnrequired(const std::vector<Cube>& hit) const;
  CubeGrant ByPolicy(int chain);
  ExcessBoxes Boxes(const CubeGrant& granted) const;

 private:
  // hit & given & (domain - infrastructure)
  std::vector<Cube> Serves(const std::vector<Cube>& hit) const;
  // What excess cubes accepted by this ruleset grant: the visible parts of those that pass
  // `given`, of its own families, within `domain`, less the required packets and the
  // infrastructure.
  CubeGrant Granted(const std::vector<Cube>& accepted, const IndexedCubes& domain) const;
  // The parts of a policy's pieces that no accept rule and no earlier policy traced.
  std::vector<Cube> Untraced(const std::vector<Cube>& pieces) const;

  const ExcessView& view_;
  const Direction& direction_;
  const AuditedRuleset& audited_;
  const CubeEvaluation& cubes_;
  const CubeHookEvaluation& hook_eval_;
  std::uint8_t own_families_;
  bool several_chains_ = false;  // base chains on the hook (nftables)
  IndexedCubes traced_;          // the hook's accept rules' hits, with several chains
  std::vector<const CubeSet*> traced_policies_;
};

}  // namespace portolan::audit
