#pragma once
// The planner: applies every planned catalog entry to the inventory's site hierarchy and
// returns the required flows, merged without widening, in a stable order with stable ids.

#include "catalog/catalog.hpp"
#include "inventory/inventory.hpp"
#include "plan/flow.hpp"

namespace portolan::plan {

Plan BuildPlan(const catalog::Catalog& catalog, const inventory::Inventory& inventory);

}  // namespace portolan::plan
