#pragma once
// `portolan plan`: the required flows in every output format. The JSON is the stable
// contract that render, probe, lab and audit read (docs/plan-json.md).

#include <string>

#include "catalog/catalog.hpp"
#include "core/format.hpp"
#include "inventory/inventory.hpp"
#include "plan/flow.hpp"

namespace portolan::report {

std::string RenderPlan(const catalog::Catalog& catalog, const inventory::Inventory& inventory, const plan::Plan& plan,
                       core::Format format);

}  // namespace portolan::report
