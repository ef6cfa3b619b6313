#pragma once
// Reads and validates an inventory against a catalog: every problem is reported with
// file:line:column and what was expected, before anything is planned.

#include <optional>
#include <string>
#include <string_view>

#include "catalog/catalog.hpp"
#include "core/diagnostics.hpp"
#include "inventory/inventory.hpp"

namespace portolan::inventory {

// The value of the top-level 'catalog' key, or nullopt (with a diagnostic) when absent.
std::optional<std::string> PeekCatalogName(const std::string& text, const std::string& file, core::Diagnostics& diags);

// The fingerprint of an inventory file's text (Inventory::fingerprint).
std::string Fingerprint(std::string_view text);

// Errors and warnings go to diags; returns an inventory only when there is no error.
std::optional<Inventory> ParseInventory(const std::string& text, const std::string& file,
                                        const catalog::Catalog& catalog, core::Diagnostics& diags);

struct LoadedInventory {
  catalog::Catalog catalog;
  Inventory inventory;
  core::Diagnostics warnings;
};

// Reads the inventory file, the catalog it names (or catalog_file when given), and checks
// one against the other. Throws core::InputError with every problem found.
LoadedInventory LoadInventory(const std::string& path, const std::optional<std::string>& catalog_file);

}  // namespace portolan::inventory
