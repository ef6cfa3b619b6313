#pragma once
// `portolan catalog lint`: everything the loader checks, plus the checks that need the whole
// catalog at once: duplicate and overlapping entries, unused advisories and sections.

#include <string>

#include "catalog/catalog.hpp"
#include "core/diagnostics.hpp"

namespace portolan::catalog {

// Parses text as a catalog and lints it; all findings go to the result.
core::Diagnostics LintCatalogText(const std::string& text, const std::string& origin);

// The whole-catalog checks alone, for a catalog that loaded.
void LintLoadedCatalog(const Catalog& catalog, core::Diagnostics& diags);

}  // namespace portolan::catalog
