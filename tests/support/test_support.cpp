#include "support/test_support.hpp"

#include <cstdlib>

#include <gtest/gtest.h>

#include "catalog/catalog_loader.hpp"
#include "core/atomic_file.hpp"
#include "inventory/inventory_loader.hpp"

namespace portolan::testing {

std::filesystem::path SourceDir() {
  return PORTOLAN_SOURCE_DIR;
}

const catalog::Catalog& Sms2003() {
  static const catalog::Catalog kCatalog = catalog::LoadEmbeddedCatalog("sms2003");
  return kCatalog;
}

inventory::Inventory InventoryFromText(const std::string& yaml, const std::string& file) {
  core::Diagnostics diags;
  auto inventory = inventory::ParseInventory(yaml, file, Sms2003(), diags);
  if (!inventory) {
    ADD_FAILURE() << "inventory did not load:\n" << diags.ToString();
    return {};
  }
  return std::move(*inventory);
}

inventory::Inventory InventoryFromFile(const std::filesystem::path& path) {
  return InventoryFromText(core::ReadFile(path), path.lexically_relative(SourceDir()).generic_string());
}

core::Diagnostics InventoryDiagnostics(const std::string& yaml, const std::string& file) {
  core::Diagnostics diags;
  inventory::ParseInventory(yaml, file, Sms2003(), diags);
  return diags;
}

void ExpectGolden(const std::filesystem::path& relative, const std::string& actual) {
  const auto path = SourceDir() / "tests" / "golden" / relative;
  const char* update = std::getenv("PORTOLAN_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::filesystem::create_directories(path.parent_path());
    core::WriteFileAtomically(path, actual);
    return;
  }
  if (!std::filesystem::exists(path)) {
    ADD_FAILURE() << "missing golden file " << path << " (run the tests with PORTOLAN_UPDATE_GOLDEN=1 to create it)";
    return;
  }
  const auto expected = core::ReadFile(path);
  EXPECT_EQ(expected, actual)
      << "output differs from " << path
      << " (if the change is intended, rerun with PORTOLAN_UPDATE_GOLDEN=1 and review the diff)";
}

}  // namespace portolan::testing
