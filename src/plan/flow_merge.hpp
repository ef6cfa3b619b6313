#pragma once
// Turns blocks (exact products sources x destinations x ports, one catalog entry each) into
// the fewest flows we can find that are pairwise disjoint and permit exactly the union of
// the blocks: nothing merged may widen what a flow permits. Pairs of a host with itself
// never count (they never cross a firewall): they may ride along, and may repeat.

#include <vector>

#include "plan/flow.hpp"

namespace portolan::plan {

struct Block {
  core::Family family;
  catalog::Protocol protocol;
  std::vector<int> sources;       // sorted endpoint indices
  std::vector<int> destinations;  // sorted endpoint indices
  core::PortSet ports;
  int entry;
  std::vector<int> advisories;  // sorted
};

// Adds ports required by entries (with advisories) to a content, keeping port items disjoint.
void AddToContent(Content& content, const PortReason& reason);
void MergeContent(Content& into, const Content& from);

// Sorted-vector set operations on endpoint index lists.
std::vector<int> SetIntersect(const std::vector<int>& a, const std::vector<int>& b);
std::vector<int> SetDifference(const std::vector<int>& a, const std::vector<int>& b);
std::vector<int> SetUnion(const std::vector<int>& a, const std::vector<int>& b);
// True when every pair of sources x destinations is a host with itself (or there is none).
bool OnlySelfPairs(const std::vector<int>& sources, const std::vector<int>& destinations);

// Flows without ids, in no particular order.
std::vector<Flow> MergeBlocks(std::vector<Block> blocks);

}  // namespace portolan::plan
