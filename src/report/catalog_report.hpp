#pragma once
// `portolan catalog`: the catalog's roles, entries and advisories in every output format.

#include <string>

#include "catalog/catalog.hpp"
#include "core/format.hpp"

namespace portolan::report {

enum class CatalogPart { kAll, kRoles, kEntries, kAdvisories };

std::string RenderCatalog(const catalog::Catalog& catalog, core::Format format, CatalogPart part);

}  // namespace portolan::report
