#pragma once
// First-match evaluation with cubes: what analysis.hpp computes with BDDs, for rulesets whose
// rule matches are short cube lists (nearly all). Each rule's hit is its match within the chain's
// input, less the earlier rules that stopped packets there, found through an index; the packets
// that fall off a chain stay implicit (input less every stop) and are made concrete only within a
// region the audit asks about. So a ruleset of 100,000 rules costs about what its rules touch,
// and no node table grows with it.
//
// Not every ruleset fits: the cube engine gives up, and the audit falls back on the BDDs. It gives
// up deep inside loops over pieces, where unwinding is the only sane way out (CubesDoNotFit);
// WithinCubeBudget is where that stops and becomes a value.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "audit/cube.hpp"
#include "audit/ruleset.hpp"

namespace portolan::audit {

// The ruleset (or a set the audit meets) is outside what the cube engine handles.
class CubesDoNotFit : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the cube engine may spend on one audit, in cubes made: every piece of a difference after
// each cut (a piece a cut misses is copied, which costs about what a new one does) and every part
// within a region. Its time is about linear in them: 4 million take 0.3 to 0.8 s here. A ruleset
// whose rules overlap so that pieces multiply (wide rules on free variables, -m limit or
// -m recent, after others: each splits every piece before it in two) would take minutes; past
// the budget the cube engine gives up (CubesDoNotFit) and the audit is the BDDs', whose cost does
// not grow with pieces. The active budget is per thread; without one, nothing is counted (the
// cube engine's own tests).
class CubeBudget {
 public:
  explicit CubeBudget(std::uint64_t limit);
  ~CubeBudget();
  CubeBudget(const CubeBudget&) = delete;
  CubeBudget& operator=(const CubeBudget&) = delete;

  // Counts `pieces` against the active budget; throws CubesDoNotFit past it.
  static void Charge(std::size_t pieces);
  std::uint64_t spent() const { return spent_; }

 private:
  std::uint64_t limit_;
  std::uint64_t spent_ = 0;
  CubeBudget* outer_;
};

// Why the cube engine gave up: "over its budget of N cubes", "too many pieces", ...
struct DoesNotFit {
  std::string reason;
};

// Runs `work`, which uses the cube engine, within a budget of `limit` cubes: its result, or
// nullopt and why (`why`) when the cube engine gave up. Other exceptions pass.
template <typename Work>
std::optional<std::invoke_result_t<Work&>> WithinCubeBudget(std::uint64_t limit, Work&& work, DoesNotFit& why) {
  try {
    const CubeBudget budget(limit);
    return work();
  } catch (const CubesDoNotFit& error) {
    why.reason = error.what();
    return std::nullopt;
  }
}

using CubeId = std::uint32_t;

// Cubes indexed by their destination (or, when that is wide, their source) addresses: which
// of them may overlap a given cube. A cube is filed under the narrowest prefix that holds its
// addresses (IPv4 /32, /24, /16, /8; IPv6 /128, /64, /48, /32), so a query looks at the cubes
// in its own prefixes only. Every id is reported at most once per query.
class CubeIndex {
 public:
  void Add(CubeId id, const Cube& cube);
  template <typename Visit>
  void ForEachCandidate(const Cube& query, Visit&& visit) const;

  static constexpr int kLevels = 4;
  static int Shift(int family, int level) {
    constexpr int kShifts[2][kLevels] = {{96, 104, 112, 120}, {0, 64, 80, 96}};
    return kShifts[family][level];
  }

 private:
  using Key = std::pair<int, Uint128>;  // family, top bits of the address
  using Buckets = std::map<Key, std::vector<CubeId>>;
  struct Grid {
    Buckets levels[kLevels];
    bool Add(CubeId id, std::uint8_t families, const Ranges& ranges);
    template <typename Visit>
    void Scan(std::uint8_t families, const Ranges& ranges, Visit& visit) const;
  };
  Grid by_destination_;
  Grid by_source_;
  std::vector<CubeId> wide_;
};

// One run of a chain: its input, and the packets its rules stopped (decided, returned, or sent
// on by a goto), so that what fell off its end is input - stops.
struct Invocation {
  std::vector<CubeId> input;
  std::vector<CubeId> stops;
  CubeIndex stop_index;
};

// A set as explicit cubes plus the fall-offs of some invocations.
struct CubeSet {
  std::vector<CubeId> cubes;
  std::vector<int> fall_offs;  // indexes into CubeEvaluation::invocations
  bool Empty() const { return cubes.empty() && fall_offs.empty(); }
};

struct CubeHookEvaluation {
  bool attached = false;
  CubeSet accepted;
  CubeIndex accepted_index;  // over accepted.cubes
  std::vector<std::vector<bool>> reached;
  std::vector<std::vector<std::vector<CubeId>>> hit;  // per chain, per rule
  std::vector<CubeSet> policy_decided;                // per chain
};

struct CubeEvaluation {
  std::vector<Cube> cubes;  // every cube the evaluation made, by id
  std::deque<Invocation> invocations;
  std::map<Hook, CubeHookEvaluation> hooks;

  const Cube& operator[](CubeId id) const { return cubes[id]; }
  // The set within a region (given as cubes): explicit cubes cut to it, fall-offs made concrete
  // there. Throws CubesDoNotFit when that takes too many pieces.
  std::vector<Cube> Within(const CubeSet& set, const std::vector<Cube>& region) const;
  std::vector<Cube> Within(const std::vector<CubeId>& ids, const std::vector<Cube>& region) const;
  // A hook's accepted packets within a region, found through its index.
  std::vector<Cube> AcceptedWithin(Hook hook, const std::vector<Cube>& region) const;
  // Whether a point is in a set.
  bool Contains(const CubeSet& set, const Point& point) const;
  bool Contains(const std::vector<CubeId>& ids, const Point& point) const;
};

// Throws CubesDoNotFit when the ruleset is outside the cube engine (a rule's match is not held as
// cubes, a difference or a fall-off made concrete takes too many pieces, a chain with a policy
// of its own returns through a goto), and core::InputError on a jump loop, as Evaluate does.
CubeEvaluation EvaluateCubes(const Ruleset& ruleset);

// ---- implementation of the index's templates ----

template <typename Visit>
void CubeIndex::Grid::Scan(std::uint8_t families, const Ranges& ranges, Visit& visit) const {
  for (int family = 0; family < 2; ++family) {
    if ((families >> family & 1) == 0) continue;
    for (int level = 0; level < kLevels; ++level) {
      const auto& buckets = levels[level];
      if (buckets.empty()) continue;
      const int shift = Shift(family, level);
      bool any = false;
      Uint128 last_seen = 0;
      for (const auto& range : ranges) {
        auto it = buckets.lower_bound({family, range.first >> shift});
        const Key end{family, range.last >> shift};
        for (; it != buckets.end() && it->first <= end; ++it) {
          if (any && it->first.second <= last_seen) continue;  // visited for an earlier range
          any = true;
          last_seen = it->first.second;
          for (const auto id : it->second) visit(id);
        }
      }
    }
  }
}

template <typename Visit>
void CubeIndex::ForEachCandidate(const Cube& query, Visit&& visit) const {
  by_destination_.Scan(query.families, query.destinations, visit);
  by_source_.Scan(query.families, query.sources, visit);
  for (const auto id : wide_) visit(id);
}

}  // namespace portolan::audit
