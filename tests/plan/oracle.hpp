#pragma once
// A second, pair-by-pair computation of what a plan must permit, to check the planner.

#include "catalog/catalog.hpp"
#include "inventory/inventory.hpp"
#include "plan/flow.hpp"

namespace portolan::plan {

// Fails the current test (with the first differences) unless BuildPlan's flows permit
// exactly the packets JudgePair requires, with the same reasons, and never overlap.
void ExpectPlanMatchesPairwise(const catalog::Catalog& catalog, const inventory::Inventory& inventory);
// The same check for a given plan (the oracle's own tests break plans on purpose).
void ExpectPlanMatches(const catalog::Catalog& catalog, const inventory::Inventory& inventory, const Plan& plan);

}  // namespace portolan::plan
