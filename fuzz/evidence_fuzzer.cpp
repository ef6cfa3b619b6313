// Bytes -> portolan::report::Read{Probe,Lab,Audit}Evidence, and what reads then goes through the
// fingerprint and name checks against a small inventory. A refusal must be an InputError whose
// diagnostics say where (line:column) and what; anything else escaping is a finding.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "catalog/catalog_loader.hpp"
#include "core/diagnostics.hpp"
#include "inventory/inventory_loader.hpp"
#include "plan/planner.hpp"
#include "report/evidence.hpp"

namespace portolan::fuzz {
// In fuzz_check.cpp.
[[noreturn]] void Fail(const char* what, const core::Diagnostics& diags);
void CheckDiagnostics(bool loaded, const core::Diagnostics& diags);
}  // namespace portolan::fuzz

namespace {

using portolan::core::Diagnostics;
using portolan::core::InputError;

constexpr const char* kInventory = R"(catalog: sms2003
domain:
  name: corp.example
sites:
  - code: HQ1
    hosts:
      - name: SMS01
        address: 10.0.0.1
        roles: [site-server, site-database, management-point, distribution-point]
      - name: DC01
        address: 10.0.0.2
        roles: [global-catalog, dns-server]
    clients:
      - name: hq-lan
        network: 10.1.0.0/24
)";

struct Site {
  portolan::catalog::Catalog catalog = portolan::catalog::LoadEmbeddedCatalog("sms2003");
  portolan::inventory::Inventory inventory;
  portolan::plan::Plan plan;

  Site() {
    Diagnostics diags;
    auto parsed = portolan::inventory::ParseInventory(kInventory, "site.yaml", catalog, diags);
    if (!parsed) portolan::fuzz::Fail("the fuzzer's own inventory does not load", diags);
    inventory = std::move(*parsed);
    plan = portolan::plan::BuildPlan(catalog, inventory);
  }
};

const Site& TheSite() {
  static const Site kSite;
  return kSite;
}

// The checks after a successful read may refuse too; their errors name the file, maybe no line.
template <typename Check>
void ExpectRefusalWithWords(Check check) {
  try {
    check();
  } catch (const InputError& error) {
    if (!error.diagnostics().HasErrors()) portolan::fuzz::Fail("a refusal without an error", error.diagnostics());
    for (const auto& item : error.diagnostics().All()) {
      if (item.message.empty()) portolan::fuzz::Fail("a diagnostic without a message", error.diagnostics());
    }
  }
}

template <typename Read>
void Fuzz(Read read) {
  try {
    const auto evidence = read();
    ExpectRefusalWithWords([&] { portolan::report::CheckFingerprint(evidence, TheSite().inventory); });
    ExpectRefusalWithWords([&] { portolan::report::CheckNames(evidence, TheSite().inventory, TheSite().plan); });
  } catch (const InputError& error) {
    portolan::fuzz::CheckDiagnostics(false, error.diagnostics());
    (void)error.diagnostics().ToString();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  Fuzz([&] { return portolan::report::ReadProbeEvidence(text, "probe.json"); });
  Fuzz([&] { return portolan::report::ReadLabEvidence(text, "lab.json"); });
  Fuzz([&] { return portolan::report::ReadAuditEvidence(text, "audit.json"); });
  return 0;
}
