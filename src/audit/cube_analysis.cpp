#include "audit/cube_analysis.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "audit/analysis.hpp"

namespace portolan::audit {

namespace {

thread_local CubeBudget* active_budget = nullptr;

// Bounds on the pieces one step may make; past them the ruleset is left to the BDDs.
constexpr std::size_t kMaxPieces = 20'000;
constexpr std::size_t kMaxSearchSteps = 200'000;

// a less the cubes `ids` (into `cubes`), one after the other.
void SubtractEach(const Cube& a, const std::vector<CubeId>& ids, const std::vector<Cube>& cubes,
                  std::vector<Cube>& out) {
  std::vector<Cube> pieces{a};
  std::vector<Cube> next;
  for (const auto id : ids) {
    if (pieces.empty()) return;
    const auto& stop = cubes[id];
    next.clear();
    for (const auto& piece : pieces) Subtract(piece, stop, next);
    CubeBudget::Charge(next.size());
    pieces.swap(next);
    if (pieces.size() > kMaxPieces) throw CubesDoNotFit("too many pieces");
  }
  out.insert(out.end(), std::make_move_iterator(pieces.begin()), std::make_move_iterator(pieces.end()));
}

// Past this many overlapping cubes, a difference is cut along the destination first.
constexpr std::size_t kSweepFrom = 32;

// a less every cube of `index` (ids into `cubes`), appended to `out`. A wide cube after many
// narrow ones (an accept for a port after thousands of host rules) would be cut by each in turn,
// every piece tested against every later cube; instead the cubes are grouped into clusters whose
// destinations overlap, the part of `a` outside every cluster is one cube, and each cluster cuts
// only its own part.
void SubtractIndexed(const Cube& a, const CubeIndex& index, const std::vector<Cube>& cubes, std::vector<Cube>& out) {
  std::vector<CubeId> overlapping;
  index.ForEachCandidate(a, [&](CubeId id) {
    if (Overlaps(a, cubes[id])) overlapping.push_back(id);
  });
  if (overlapping.size() < kSweepFrom) {
    SubtractEach(a, overlapping, cubes, out);
    return;
  }
  // Cubes over a's whole destination span cut it first (they are few: conntrack, a blocklist).
  struct Span {
    Uint128 first;
    Uint128 last;
    CubeId id;
  };
  const Uint128 low = a.destinations.front().first;
  const Uint128 high = a.destinations.back().last;
  std::vector<CubeId> broad;
  std::vector<Span> spans;
  for (const auto id : overlapping) {
    const auto clipped = IntersectRanges(cubes[id].destinations, a.destinations);
    if (clipped.front().first == low && clipped.back().last == high)
      broad.push_back(id);
    else
      spans.push_back({clipped.front().first, clipped.back().last, id});
  }
  std::vector<Cube> pieces;
  SubtractEach(a, broad, cubes, pieces);
  std::sort(spans.begin(), spans.end(), [](const Span& x, const Span& y) { return x.first < y.first; });
  for (const auto& piece : pieces) {
    Ranges covered;
    std::size_t i = 0;
    while (i < spans.size()) {
      Uint128 last = spans[i].last;
      std::vector<CubeId> cluster{spans[i].id};
      std::size_t j = i + 1;
      for (; j < spans.size() && spans[j].first <= last; ++j) {
        cluster.push_back(spans[j].id);
        last = std::max(last, spans[j].last);
      }
      Cube part = piece;
      part.destinations = IntersectRanges(piece.destinations, Ranges{{spans[i].first, last}});
      covered.push_back({spans[i].first, last});
      if (!part.destinations.empty()) {
        std::sort(cluster.begin(), cluster.end());  // the rules' order: pieces that do not depend on the sort
        std::vector<CubeId> touching;
        for (const auto id : cluster)
          if (Overlaps(part, cubes[id])) touching.push_back(id);
        SubtractEach(part, touching, cubes, out);
        if (out.size() > kMaxPieces * 4) throw CubesDoNotFit("too many pieces");
      }
      i = j;
    }
    Cube outside = piece;
    outside.destinations = SubtractRanges(piece.destinations, covered);
    if (!outside.destinations.empty()) out.push_back(std::move(outside));
  }
}

Cube PointCube(const Point& point) {
  Cube cube;
  cube.families = static_cast<std::uint8_t>(1u << point.family);
  cube.states = static_cast<std::uint8_t>(1u << point.state);
  cube.in_interfaces = std::uint64_t{1} << point.in_interface;
  cube.out_interfaces = std::uint64_t{1} << point.out_interface;
  cube.unknown_true = point.unknown;
  cube.unknown_false = ~point.unknown;
  cube.protocols = {{point.protocol, point.protocol}};
  cube.destinations = {{point.destination, point.destination}};
  cube.sources = {{point.source, point.source}};
  cube.destination_ports = {{point.destination_port, point.destination_port}};
  cube.source_ports = {{point.source_port, point.source_port}};
  return cube;
}

struct Outcome {
  std::vector<CubeId> accepted;
  std::vector<int> accepted_fall_offs;  // called chains whose policy accepts what falls off them
  std::vector<CubeId> decided;          // accepted or dropped
  CubeSet returned;
};

class CubeEvaluator {
 public:
  CubeEvaluator(const Ruleset& ruleset, CubeEvaluation& out) : ruleset_(ruleset), out_(out) {}

  void EvaluateHook(Hook hook) {
    auto& result = out_.hooks[hook];
    hook_ = &result;
    SizeFor(result);
    // Several base chains on a hook run in (stage, priority) order, as in analysis.cpp; a packet
    // must pass each of them.
    const auto attached = AttachedInOrder(ruleset_, hook);
    result.attached = !attached.empty();
    const auto* well_formed = PacketSet::WellFormed().Cubes();
    std::vector<CubeId> passing;
    for (const auto& cube : *well_formed) passing.push_back(Store(cube));
    for (std::size_t k = 0; k < attached.size(); ++k) {
      const int chain_index = attached[k].chain;
      const auto& chain = ruleset_.chains[chain_index];
      std::vector<CubeId> next;  // what passes on to the next chain (or is accepted, after the last)
      auto seen = SplitByFamily(chain, passing, next);
      Outcome outcome;
      if (!seen.empty()) outcome = Run(chain_index, std::move(seen), 0);
      auto& decided = result.policy_decided[chain_index];
      decided.cubes.insert(decided.cubes.end(), outcome.returned.cubes.begin(), outcome.returned.cubes.end());
      decided.fall_offs.insert(decided.fall_offs.end(), outcome.returned.fall_offs.begin(),
                               outcome.returned.fall_offs.end());
      next.insert(next.end(), outcome.accepted.begin(), outcome.accepted.end());
      CubeSet lazy;  // accepted, but held as fall-offs
      lazy.fall_offs = outcome.accepted_fall_offs;
      if (!chain.policy || *chain.policy == Action::kAccept) {
        next.insert(next.end(), outcome.returned.cubes.begin(), outcome.returned.cubes.end());
        lazy.fall_offs.insert(lazy.fall_offs.end(), outcome.returned.fall_offs.begin(),
                              outcome.returned.fall_offs.end());
      }
      if (k + 1 == attached.size()) {
        for (const auto id : next) AddAccepted(result, id);
        for (const int fall_off : lazy.fall_offs) result.accepted.fall_offs.push_back(fall_off);
        return;
      }
      // The next chain's input must be cubes: the fall-offs are made concrete (within bounds).
      for (auto& cube : out_.Within(lazy, {Cube{}})) next.push_back(Store(std::move(cube)));
      passing = std::move(next);
    }
    for (const auto id : passing) AddAccepted(result, id);
  }

 private:
  void SizeFor(CubeHookEvaluation& result) const {
    result.reached.resize(ruleset_.chains.size());
    result.hit.resize(ruleset_.chains.size());
    result.policy_decided.resize(ruleset_.chains.size());
    for (std::size_t c = 0; c < ruleset_.chains.size(); ++c) {
      result.reached[c].assign(ruleset_.chains[c].rules.size(), false);
      result.hit[c].resize(ruleset_.chains[c].rules.size());
    }
  }

  // The passing packets a base chain sees (a table of family ip or ip6 sees only that family's);
  // the others pass it by, into `next`.
  std::vector<CubeId> SplitByFamily(const Chain& chain, const std::vector<CubeId>& passing, std::vector<CubeId>& next) {
    if (!chain.family) return passing;
    std::vector<CubeId> seen;
    Cube family;
    family.families = *chain.family == core::Family::kIPv6 ? 0b10 : 0b01;
    for (const auto id : passing) {
      Cube inside;
      if (Intersect(out_.cubes[id], family, inside)) seen.push_back(Store(std::move(inside)));
      std::vector<Cube> passing_by;
      Subtract(out_.cubes[id], family, passing_by);
      for (auto& piece : passing_by) next.push_back(Store(std::move(piece)));
    }
    return seen;
  }

  CubeId Store(Cube cube) {
    out_.cubes.push_back(std::move(cube));
    return static_cast<CubeId>(out_.cubes.size() - 1);
  }

  void AddAccepted(CubeHookEvaluation& result, CubeId id) {
    result.accepted.cubes.push_back(id);
    result.accepted_index.Add(id, out_.cubes[id]);
  }

  // (input & match) less the invocation's stops.
  std::vector<CubeId> Hit(const Invocation& invocation, const std::vector<Cube>& match) {
    std::vector<CubeId> hit;
    std::vector<Cube> pieces;
    Cube common;
    for (const auto id : invocation.input) {
      for (const auto& cube : match) {
        if (!Intersect(out_.cubes[id], cube, common)) continue;
        pieces.clear();
        SubtractIndexed(common, invocation.stop_index, out_.cubes, pieces);
        for (auto& piece : pieces) hit.push_back(Store(std::move(piece)));
      }
    }
    return hit;
  }

  // A point of input - stops, or none: the witness that packets still reach the next rule.
  std::optional<Point> FindRemaining(const Invocation& invocation) {
    std::size_t steps = 0;
    for (const auto id : invocation.input) {
      std::vector<CubeId> candidates;
      invocation.stop_index.ForEachCandidate(out_.cubes[id], [&](CubeId stop) {
        if (Overlaps(out_.cubes[id], out_.cubes[stop])) candidates.push_back(stop);
      });
      if (auto point = Search(out_.cubes[id], candidates, 0, steps)) return point;
    }
    return std::nullopt;
  }

  std::optional<Point> Search(const Cube& cube, const std::vector<CubeId>& stops, std::size_t from,
                              std::size_t& steps) {
    if (++steps > kMaxSearchSteps) throw CubesDoNotFit("search for a remaining packet");
    for (std::size_t i = from; i < stops.size(); ++i) {
      const auto& stop = out_.cubes[stops[i]];
      if (!Overlaps(cube, stop)) continue;
      std::vector<Cube> pieces;
      Subtract(cube, stop, pieces);
      for (const auto& piece : pieces)
        if (auto point = Search(piece, stops, i + 1, steps)) return point;
      return std::nullopt;
    }
    return LowestPoint(cube);
  }

  void AddStops(Invocation& invocation, const std::vector<CubeId>& ids, std::optional<Point>& witness) {
    bool covered = false;
    for (const auto id : ids) {
      invocation.stops.push_back(id);
      invocation.stop_index.Add(id, out_.cubes[id]);
      covered = covered || (witness && Contains(out_.cubes[id], *witness));
    }
    if (covered) witness = FindRemaining(invocation);
  }

  static void Merge(Outcome& outcome, const Outcome& sub) {
    outcome.accepted.insert(outcome.accepted.end(), sub.accepted.begin(), sub.accepted.end());
    outcome.accepted_fall_offs.insert(outcome.accepted_fall_offs.end(), sub.accepted_fall_offs.begin(),
                                      sub.accepted_fall_offs.end());
  }

  // What a called chain decided of its input: its accepted and dropped packets, or, for a chain
  // with a policy of its own, everything it did not return.
  std::vector<CubeId> Decided(int target, const std::vector<CubeId>& input, const Outcome& sub) {
    if (!ruleset_.chains[target].policy) return sub.decided;
    if (!sub.returned.fall_offs.empty()) throw CubesDoNotFit("a chain with a policy returns through a goto");
    if (sub.returned.cubes.empty()) return input;
    CubeIndex returned;
    for (const auto id : sub.returned.cubes) returned.Add(id, out_.cubes[id]);
    std::vector<CubeId> decided;
    std::vector<Cube> pieces;
    for (const auto id : input) {
      pieces.clear();
      SubtractIndexed(out_.cubes[id], returned, out_.cubes, pieces);
      for (auto& piece : pieces) decided.push_back(Store(std::move(piece)));
    }
    return decided;
  }

  Outcome Run(int chain_index, std::vector<CubeId> input, int depth) {
    const auto& chain = ruleset_.chains[chain_index];
    CheckCallDepth(chain, depth);
    out_.invocations.push_back({std::move(input), {}, {}});
    const int invocation_index = static_cast<int>(out_.invocations.size() - 1);
    auto& invocation = out_.invocations.back();  // a deque: stays in place as others are added
    std::optional<Point> witness = LowestPoint(out_.cubes[invocation.input.front()]);
    Outcome outcome;
    for (std::size_t i = 0; i < chain.rules.size() && witness; ++i) {
      const auto& rule = chain.rules[i];
      hook_->reached[chain_index][i] = true;
      const auto* match = rule.match.Cubes();
      if (match == nullptr) throw CubesDoNotFit("a rule held as a BDD");
      auto hit = Hit(invocation, *match);
      if (hit.empty()) continue;
      auto& hits = hook_->hit[chain_index][i];
      hits.insert(hits.end(), hit.begin(), hit.end());
      switch (rule.action) {
        case Action::kContinue: break;
        case Action::kAccept:
          outcome.accepted.insert(outcome.accepted.end(), hit.begin(), hit.end());
          outcome.decided.insert(outcome.decided.end(), hit.begin(), hit.end());
          AddStops(invocation, hit, witness);
          break;
        case Action::kDrop:
        case Action::kReject:
          outcome.decided.insert(outcome.decided.end(), hit.begin(), hit.end());
          AddStops(invocation, hit, witness);
          break;
        case Action::kReturn:
          outcome.returned.cubes.insert(outcome.returned.cubes.end(), hit.begin(), hit.end());
          AddStops(invocation, hit, witness);
          break;
        case Action::kJump: {
          auto sub = Run(rule.target, hit, depth + 1);
          Merge(outcome, sub);
          const auto decided = Decided(rule.target, hit, sub);
          outcome.decided.insert(outcome.decided.end(), decided.begin(), decided.end());
          AddStops(invocation, decided, witness);  // what it returned goes on here
          break;
        }
        case Action::kGoto: {
          auto sub = Run(rule.target, hit, depth + 1);
          Merge(outcome, sub);
          const auto decided = Decided(rule.target, hit, sub);
          outcome.decided.insert(outcome.decided.end(), decided.begin(), decided.end());
          auto& returned = outcome.returned;
          returned.cubes.insert(returned.cubes.end(), sub.returned.cubes.begin(), sub.returned.cubes.end());
          returned.fall_offs.insert(returned.fall_offs.end(), sub.returned.fall_offs.begin(),
                                    sub.returned.fall_offs.end());
          AddStops(invocation, hit, witness);
          break;
        }
      }
    }
    // A called chain with a policy of its own (a Cisco ACL's implicit deny) decides what falls
    // off its end; any other chain returns it.
    if (witness && depth > 0 && chain.policy) {
      hook_->policy_decided[chain_index].fall_offs.push_back(invocation_index);
      if (*chain.policy == Action::kAccept) outcome.accepted_fall_offs.push_back(invocation_index);
      return outcome;
    }
    if (witness) outcome.returned.fall_offs.push_back(invocation_index);
    return outcome;
  }

  const Ruleset& ruleset_;
  CubeEvaluation& out_;
  CubeHookEvaluation* hook_ = nullptr;
};

}  // namespace

CubeBudget::CubeBudget(std::uint64_t limit) : limit_(limit), outer_(active_budget) {
  active_budget = this;
}

CubeBudget::~CubeBudget() {
  active_budget = outer_;
}

void CubeBudget::Charge(std::size_t pieces) {
  auto* budget = active_budget;
  if (budget == nullptr) return;
  budget->spent_ += pieces;
  if (budget->spent_ > budget->limit_) throw CubesDoNotFit(fmt::format("over its budget of {} cubes", budget->limit_));
}

bool CubeIndex::Grid::Add(CubeId id, std::uint8_t families, const Ranges& ranges) {
  if (families != 0b01 && families != 0b10) return false;
  const int family = families == 0b01 ? 0 : 1;
  for (int level = 0; level < kLevels; ++level) {
    const int shift = Shift(family, level);
    const auto bucket = ranges.front().first >> shift;
    if ((ranges.back().last >> shift) != bucket) continue;
    levels[level][{family, bucket}].push_back(id);
    return true;
  }
  return false;
}

void CubeIndex::Add(CubeId id, const Cube& cube) {
  if (by_destination_.Add(id, cube.families, cube.destinations)) return;
  if (by_source_.Add(id, cube.families, cube.sources)) return;
  wide_.push_back(id);
}

std::vector<Cube> CubeEvaluation::Within(const std::vector<CubeId>& ids, const std::vector<Cube>& region) const {
  std::vector<Cube> out;
  Cube common;
  for (const auto id : ids)
    for (const auto& part : region)
      if (Intersect(cubes[id], part, common)) out.push_back(common);
  CubeBudget::Charge(out.size());
  return out;
}

std::vector<Cube> CubeEvaluation::Within(const CubeSet& set, const std::vector<Cube>& region) const {
  auto out = Within(set.cubes, region);
  Cube common;
  for (const int index : set.fall_offs) {
    const auto& invocation = invocations[index];
    for (const auto id : invocation.input) {
      for (const auto& part : region) {
        if (!Intersect(cubes[id], part, common)) continue;
        const auto before = out.size();
        SubtractIndexed(common, invocation.stop_index, cubes, out);
        CubeBudget::Charge(out.size() - before + 1);
        if (out.size() > kMaxPieces) throw CubesDoNotFit("too many pieces");
      }
    }
  }
  return out;
}

std::vector<Cube> CubeEvaluation::AcceptedWithin(Hook hook, const std::vector<Cube>& region) const {
  const auto& hook_eval = hooks.at(hook);
  CubeSet fall_offs;
  fall_offs.fall_offs = hook_eval.accepted.fall_offs;
  auto out = Within(fall_offs, region);
  Cube common;
  for (const auto& part : region) {
    const auto before = out.size();
    hook_eval.accepted_index.ForEachCandidate(part, [&](CubeId id) {
      if (Intersect(cubes[id], part, common)) out.push_back(common);
    });
    CubeBudget::Charge(out.size() - before + 1);
  }
  return out;
}

bool CubeEvaluation::Contains(const std::vector<CubeId>& ids, const Point& point) const {
  return std::any_of(ids.begin(), ids.end(), [&](CubeId id) { return audit::Contains(cubes[id], point); });
}

bool CubeEvaluation::Contains(const CubeSet& set, const Point& point) const {
  if (Contains(set.cubes, point)) return true;
  const auto probe = PointCube(point);
  for (const int index : set.fall_offs) {
    const auto& invocation = invocations[index];
    if (!Contains(invocation.input, point)) continue;
    bool stopped = false;
    invocation.stop_index.ForEachCandidate(probe,
                                           [&](CubeId id) { stopped = stopped || audit::Contains(cubes[id], point); });
    if (!stopped) return true;
  }
  return false;
}

CubeEvaluation EvaluateCubes(const Ruleset& ruleset) {
  CubeEvaluation evaluation;
  CubeEvaluator evaluator(ruleset, evaluation);
  for (const auto hook : {Hook::kInput, Hook::kForward, Hook::kOutput}) evaluator.EvaluateHook(hook);
  return evaluation;
}

}  // namespace portolan::audit
