#pragma once
// Helpers shared by the tests: the source tree's paths, loading catalogs and inventories
// from strings, and golden-file comparison (PORTOLAN_UPDATE_GOLDEN=1 rewrites them).

#include <filesystem>
#include <string>

#include "catalog/catalog.hpp"
#include "core/diagnostics.hpp"
#include "inventory/inventory.hpp"

namespace portolan::testing {

std::filesystem::path SourceDir();  // the repository root
const catalog::Catalog& Sms2003();  // the built-in catalog, loaded once

// Parses an inventory from text; failures end the test with the diagnostics.
inventory::Inventory InventoryFromText(const std::string& yaml, const std::string& file = "test.yaml");
inventory::Inventory InventoryFromFile(const std::filesystem::path& path);

// Parses and returns the diagnostics (errors and warnings) instead of failing.
core::Diagnostics InventoryDiagnostics(const std::string& yaml, const std::string& file = "test.yaml");

// Compares actual with the golden file (relative to tests/golden); with
// PORTOLAN_UPDATE_GOLDEN=1 in the environment it rewrites the file instead.
void ExpectGolden(const std::filesystem::path& relative, const std::string& actual);

}  // namespace portolan::testing
