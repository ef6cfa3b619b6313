#pragma once
// `portolan explain`: which flows connect two endpoints and why, or why nothing does.

#include <string>

#include "core/format.hpp"
#include "plan/explain.hpp"

namespace portolan::report {

// Table (plain text) or JSON; other formats fall back to the table.
std::string RenderExplanation(const catalog::Catalog& catalog, const inventory::Inventory& inventory,
                              const plan::Plan& plan, const plan::Explanation& explanation, core::Format format);

}  // namespace portolan::report
