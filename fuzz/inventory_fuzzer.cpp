// Bytes -> portolan::inventory::ParseInventory against the built-in sms2003 catalog.

#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/catalog_loader.hpp"
#include "core/diagnostics.hpp"
#include "inventory/inventory_loader.hpp"

namespace portolan::fuzz {
// In fuzz_check.cpp.
[[noreturn]] void Fail(const char* what, const core::Diagnostics& diags);
void CheckDiagnostics(bool loaded, const core::Diagnostics& diags);
}  // namespace portolan::fuzz

namespace {

const portolan::catalog::Catalog& Sms2003() {
  static const portolan::catalog::Catalog kCatalog = portolan::catalog::LoadEmbeddedCatalog("sms2003");
  return kCatalog;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  portolan::core::Diagnostics diags;
  const auto inventory = portolan::inventory::ParseInventory(text, "fuzz.yaml", Sms2003(), diags);
  portolan::fuzz::CheckDiagnostics(inventory.has_value(), diags);
  (void)diags.ToString();

  portolan::core::Diagnostics peek_diags;
  const auto name = portolan::inventory::PeekCatalogName(text, "fuzz.yaml", peek_diags);
  portolan::fuzz::CheckDiagnostics(name.has_value(), peek_diags);
  return 0;
}
