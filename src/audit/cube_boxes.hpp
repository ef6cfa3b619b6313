#pragma once
// The report's boxes of a union of cubes, computed from the cubes alone: the fast audit engine
// keeps its sets as cube lists and must report the boxes a BDD would give, without building one.

#include <vector>

#include "audit/cube.hpp"
#include "audit/packet_set.hpp"

namespace portolan::audit {

// The boxes PacketSet::FromCubes(cubes).Boxes() gives, computed from the cubes alone: the same
// boxes in the same order. The cubes may overlap; their hidden fields and state are projected
// away. Range lists must be as cube.hpp defines them (sorted, disjoint, within the field's values).
// One cube costs a copy of its ranges; more are united in pairs as canonical interval diagrams
// (a BDD's apply on segments of values instead of bits).
//
// One exception, which only cubes with IPv4 address ranges that cut an IPv4 address's 96 free
// low bits can meet (no factory or operation of PacketSet makes them): when two groups of one level have the same IPv4
// values (one address leads to two different rests), Boxes() orders them by BuDDy's node numbers, which no cube list
// knows; here they keep the order of their lowest 128-bit value.
std::vector<Box> CubeBoxes(const std::vector<Cube>& cubes);

}  // namespace portolan::audit
