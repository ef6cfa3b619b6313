#pragma once
// Reads a catalog from YAML, checking every reference inside it (roles, sections, advisories,
// settings, condition attributes) and reporting problems with file:line:column.

#include <optional>
#include <string>

#include "catalog/catalog.hpp"
#include "core/diagnostics.hpp"

namespace portolan::catalog {

// Collects problems in diags; returns a catalog only when there is no error.
std::optional<Catalog> ParseCatalog(const std::string& text, const std::string& origin, core::Diagnostics& diags);

// Throw core::InputError with every problem found.
Catalog LoadCatalogFile(const std::string& path);
Catalog LoadEmbeddedCatalog(const std::string& name);

}  // namespace portolan::catalog
