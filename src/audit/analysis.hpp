#pragma once
// First-match evaluation of a ruleset over packet sets: for each hook, exactly which packets are
// accepted and dropped, and for each rule which packets reach it and which it decides.

#include <map>
#include <vector>

#include "audit/packet_set.hpp"
#include "audit/ruleset.hpp"

namespace portolan::audit {

struct HookEvaluation {
  bool attached = false;  // no base chain on the hook: everything passes
  PacketSet accepted;
  PacketSet dropped;
  // Per chain, per rule: whether any packet reaches the rule, and the packets that reach it and
  // match it (what a terminal rule decides: earlier rules' matches removed, so shadowing is
  // against their union).
  std::vector<std::vector<bool>> reached;
  std::vector<std::vector<PacketSet>> hit;
  std::vector<PacketSet> policy_decided;  // per chain: what its policy decided (base chains)
};

struct Evaluation {
  std::map<Hook, HookEvaluation> hooks;  // every hook, attached or not
};

// Evaluates every hook on all well-formed packets. Throws core::InputError on a jump loop.
Evaluation Evaluate(const Ruleset& ruleset);

// The base chains attached to a hook, in the order packets pass them: by stage, then priority
// (both engines evaluate them so).
std::vector<Attachment> AttachedInOrder(const Ruleset& ruleset, Hook hook);

// Throws core::InputError when a chain is called deeper than any real ruleset nests (a loop).
void CheckCallDepth(const Chain& chain, int depth);

}  // namespace portolan::audit
