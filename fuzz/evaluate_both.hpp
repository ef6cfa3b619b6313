#pragma once
// The fuzzers' differential check of the audit's two engines: a ruleset that parses is evaluated
// with BDDs (analysis.hpp) and, where it fits, with cubes (cube_analysis.hpp); every rule's hit and
// every hook's accepted packets must be the same set both ways, or the fuzzer stops.

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "audit/analysis.hpp"
#include "audit/audit.hpp"
#include "audit/cube_analysis.hpp"

namespace portolan::fuzz {

// Every rule's hit and every hook's accepted packets, compared; aborts where they differ.
inline void CompareEngines(const audit::Ruleset& ruleset, const audit::Evaluation& bdds,
                           const audit::CubeEvaluation& cubes) {
  for (const auto& [hook, expected] : bdds.hooks) {
    const auto& actual = cubes.hooks.at(hook);
    const auto accepted = audit::PacketSet::FromCubes(cubes.Within(actual.accepted, {audit::Cube{}}));
    if (!(accepted == expected.accepted)) {
      std::fprintf(stderr, "the engines disagree on the packets %s accepts\n",
                   std::string(audit::HookName(hook)).c_str());
      std::abort();
    }
    for (std::size_t c = 0; c < ruleset.chains.size(); ++c) {
      for (std::size_t r = 0; r < ruleset.chains[c].rules.size(); ++r) {
        const auto hit = audit::PacketSet::FromCubes(cubes.Within(actual.hit[c][r], {audit::Cube{}}));
        if (!(hit == expected.hit[c][r]) || actual.reached[c][r] != expected.reached[c][r]) {
          std::fprintf(stderr, "the engines disagree on rule %zu of chain %s\n", r, ruleset.chains[c].name.c_str());
          std::abort();
        }
      }
    }
  }
}

inline void EvaluateBoth(const audit::Ruleset& ruleset) {
  const auto bdds = audit::Evaluate(ruleset);
  // The audit's budget (audit::AuditTuning): past it the audit never runs the cube engine, and
  // a mutated real ruleset whose pieces multiply would run for minutes here.
  std::uint64_t rules = 0;
  for (const auto& chain : ruleset.chains) rules += chain.rules.size();
  const auto budget = audit::AuditTuning::kCubeBudgetBase + audit::AuditTuning::kCubeBudgetPerRule * rules;
  // Where the cube engine gives up (outside it, the audit uses the BDDs alone), nothing is compared.
  audit::DoesNotFit why;
  audit::WithinCubeBudget(
      budget,
      [&] {
        CompareEngines(ruleset, bdds, audit::EvaluateCubes(ruleset));
        return true;
      },
      why);
}

}  // namespace portolan::fuzz
