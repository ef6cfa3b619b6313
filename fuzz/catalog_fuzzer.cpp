// Bytes -> portolan::catalog::LintCatalogText: the loader's checks and the whole-catalog lint.

#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/catalog_lint.hpp"
#include "catalog/catalog_loader.hpp"
#include "core/diagnostics.hpp"

namespace portolan::fuzz {
// In fuzz_check.cpp.
[[noreturn]] void Fail(const char* what, const core::Diagnostics& diags);
void CheckDiagnostics(bool loaded, const core::Diagnostics& diags);
}  // namespace portolan::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  // LintCatalogText is ParseCatalog then LintLoadedCatalog; run them apart to check each.
  portolan::core::Diagnostics diags;
  const auto catalog = portolan::catalog::ParseCatalog(text, "fuzz.yaml", diags);
  portolan::fuzz::CheckDiagnostics(catalog.has_value(), diags);
  if (catalog) {
    portolan::catalog::LintLoadedCatalog(*catalog, diags);
    portolan::fuzz::CheckDiagnostics(!diags.HasErrors(), diags);
  }

  const auto lint = portolan::catalog::LintCatalogText(text, "fuzz.yaml");
  if (lint.All().size() != diags.All().size()) portolan::fuzz::Fail("LintCatalogText differs from its parts", lint);
  (void)lint.ToString();
  return 0;
}
