#pragma once
// LMHOSTS entries that let Advanced Clients find their management points without WINS or
// Active Directory (KB 826852, with the format of KB 180094), and the KB's script that sets
// a client's management point when only port 80 is open, as VBScript and PowerShell.

#include <optional>
#include <string>

#include "catalog/catalog.hpp"
#include "inventory/inventory.hpp"

namespace portolan::report {

// One quoted NetBIOS name: the name padded with spaces to 15 characters, then \0xNN.
std::string LmhostsName(std::string_view name, int suffix);

// Both outputs have CRLF line ends on every host: Windows reads them.
std::string RenderLmhosts(const inventory::Inventory& inventory);

enum class ScriptLanguage { kVbscript, kPowerShell };

// The script for clients of a site (a secondary site's clients get their assigned primary
// site's management point). Throws std::invalid_argument when the site has none.
std::string RenderMpScript(const inventory::Inventory& inventory, int site, ScriptLanguage language);

}  // namespace portolan::report
