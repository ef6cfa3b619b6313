#include "audit/analysis.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace portolan::audit {

namespace {

// iptables allows 32 levels of jumps; deeper is a loop or a ruleset the kernel would refuse.
constexpr int kMaxCallDepth = 64;

struct Outcome {
  PacketSet accepted;
  PacketSet dropped;
  PacketSet returned;  // RETURN, or fell off the end of the chain
};

class Evaluator {
 public:
  Evaluator(const Ruleset& ruleset, HookEvaluation& out) : ruleset_(ruleset), out_(out) {
    out_.reached.resize(ruleset.chains.size());
    out_.hit.resize(ruleset.chains.size());
    out_.policy_decided.assign(ruleset.chains.size(), PacketSet::None());
    for (std::size_t c = 0; c < ruleset.chains.size(); ++c) {
      out_.reached[c].assign(ruleset.chains[c].rules.size(), false);
      out_.hit[c].assign(ruleset.chains[c].rules.size(), PacketSet::None());
    }
  }

  Outcome Run(int chain_index, const PacketSet& input, int depth) {
    const auto& chain = ruleset_.chains[chain_index];
    CheckCallDepth(chain, depth);
    Outcome outcome;
    PacketSet remaining = input;
    for (std::size_t i = 0; i < chain.rules.size() && !remaining.Empty(); ++i) {
      const auto& rule = chain.rules[i];
      const PacketSet hit = remaining & rule.match;
      out_.reached[chain_index][i] = true;
      if (hit.Empty()) continue;
      out_.hit[chain_index][i] |= hit;
      switch (rule.action) {
        case Action::kContinue: break;
        case Action::kAccept:
          outcome.accepted |= hit;
          remaining -= rule.match;
          break;
        case Action::kDrop:
        case Action::kReject:
          outcome.dropped |= hit;
          remaining -= rule.match;
          break;
        case Action::kReturn:
          outcome.returned |= hit;
          remaining -= rule.match;
          break;
        case Action::kJump: {
          const auto sub = Run(rule.target, hit, depth + 1);
          outcome.accepted |= sub.accepted;
          outcome.dropped |= sub.dropped;
          remaining = (remaining - rule.match) | sub.returned;
          break;
        }
        case Action::kGoto: {
          const auto sub = Run(rule.target, hit, depth + 1);
          outcome.accepted |= sub.accepted;
          outcome.dropped |= sub.dropped;
          outcome.returned |= sub.returned;
          remaining -= rule.match;
          break;
        }
      }
    }
    // A called chain with a policy of its own (a Cisco ACL's implicit deny) decides what falls off its end.
    if (depth > 0 && chain.policy && !remaining.Empty()) {
      out_.policy_decided[chain_index] |= remaining;
      if (*chain.policy == Action::kAccept)
        outcome.accepted |= remaining;
      else
        outcome.dropped |= remaining;
      return outcome;
    }
    outcome.returned |= remaining;
    return outcome;
  }

 private:
  const Ruleset& ruleset_;
  HookEvaluation& out_;
};

HookEvaluation EvaluateHook(const Ruleset& ruleset, Hook hook) {
  HookEvaluation result;
  Evaluator evaluator(ruleset, result);
  const auto attached = AttachedInOrder(ruleset, hook);
  result.attached = !attached.empty();
  PacketSet passing = PacketSet::WellFormed();
  for (const auto& attachment : attached) {
    const auto& chain = ruleset.chains[attachment.chain];
    const auto seen = chain.family ? passing & PacketSet::Family(*chain.family) : passing;
    const auto passing_by = passing - seen;
    const auto outcome = evaluator.Run(attachment.chain, seen, 0);
    result.dropped |= outcome.dropped;
    result.policy_decided[attachment.chain] |= outcome.returned;
    const bool policy_accepts = !chain.policy || *chain.policy == Action::kAccept;
    if (policy_accepts) {
      passing = passing_by | outcome.accepted | outcome.returned;
    } else {
      passing = passing_by | outcome.accepted;
      result.dropped |= outcome.returned;
    }
  }
  result.accepted = passing;
  return result;
}

}  // namespace

std::vector<Attachment> AttachedInOrder(const Ruleset& ruleset, Hook hook) {
  std::vector<Attachment> attached;
  for (const auto& attachment : ruleset.attachments)
    if (attachment.hook == hook) attached.push_back(attachment);
  std::stable_sort(attached.begin(), attached.end(), [&ruleset](const Attachment& a, const Attachment& b) {
    return std::tie(ruleset.chains[a.chain].stage, a.priority) < std::tie(ruleset.chains[b.chain].stage, b.priority);
  });
  return attached;
}

void CheckCallDepth(const Chain& chain, int depth) {
  if (depth <= kMaxCallDepth) return;
  core::Diagnostics diagnostics;
  diagnostics.Error(chain.where, fmt::format("chain {} is called in a loop (or more than {} levels deep)", chain.name,
                                             kMaxCallDepth));
  throw core::InputError(diagnostics);
}

Evaluation Evaluate(const Ruleset& ruleset) {
  Evaluation evaluation;
  for (const auto hook : {Hook::kInput, Hook::kForward, Hook::kOutput})
    evaluation.hooks.emplace(hook, EvaluateHook(ruleset, hook));
  return evaluation;
}

}  // namespace portolan::audit
