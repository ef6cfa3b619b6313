#include "report/lmhosts.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "core/line_ending.hpp"

namespace portolan::report {

namespace {

constexpr std::size_t kNetbiosNameLength = 15;  // KB 180094: pad to 15, the 16th byte is \0xNN
constexpr int kSmsLocatorSuffix = 0x1A;         // SMS registers MP_<code> and SMS_SLP with 0x1A
// Both outputs are read on Windows clients: the LMHOSTS file (Windows' own lmhosts.sam has CRLF)
// and the scripts that cscript and PowerShell run. CRLF on every host, as the windows-* targets.
constexpr core::LineEnding kWindowsLineEnding = core::LineEnding::kCrlf;

std::string NetbiosName(std::string_view name) {
  std::string out(name.substr(0, kNetbiosNameLength));
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

const inventory::Endpoint* FirstWithRole(const inventory::Inventory& inventory, int site, std::string_view role) {
  for (const int e : inventory.sites[site].endpoints) {
    if (inventory.endpoints[e].kind == inventory::EndpointKind::kHost && inventory.endpoints[e].HasRole(role)) {
      return &inventory.endpoints[e];
    }
  }
  return nullptr;
}

std::optional<std::string> Ipv4Of(const inventory::Endpoint& endpoint) {
  for (const auto& address : endpoint.addresses) {
    if (address.family == core::Family::kIPv4) return address.AddressString();
  }
  return std::nullopt;
}

}  // namespace

std::string LmhostsName(std::string_view name, int suffix) {
  auto padded = NetbiosName(name);
  padded.append(kNetbiosNameLength - padded.size(), ' ');
  return fmt::format("\"{}\\0x{:02X}\"", padded, suffix);
}

std::string RenderLmhosts(const inventory::Inventory& inventory) {
  std::string out = fmt::format(
      "# LMHOSTS entries for SMS 2003 Advanced Clients, from {}\n"
      "# Lets clients find their management point without WINS or Active Directory (KB 826852).\n"
      "# Format: KB 180094. Each quoted name is padded with spaces to 15 characters before its\n"
      "# 16th byte; #PRE loads the entry into the name cache at startup. NetBIOS over TCP/IP is\n"
      "# IPv4 only, so IPv6-only hosts are left out.\n",
      inventory.file);
  auto entry = [&](const inventory::Endpoint& host, const std::string& name) {
    if (const auto address = Ipv4Of(host)) {
      out += fmt::format("{:<15} {} #PRE\n", *address, name);
    } else {
      out += fmt::format("# {} has no IPv4 address: no entry\n", host.name);
    }
  };
  for (int s = 0; s < static_cast<int>(inventory.sites.size()); ++s) {
    const auto& site = inventory.sites[s];
    const auto* mp = FirstWithRole(inventory, s, "management-point");
    const auto* proxy = FirstWithRole(inventory, s, "proxy-management-point");
    const auto* slp = FirstWithRole(inventory, s, "server-locator-point");
    if (mp == nullptr && proxy == nullptr && slp == nullptr) continue;
    out += fmt::format("\n# Site {} ({})\n", site.code, site.name);
    if (mp != nullptr) {
      out += fmt::format("# default management point {}: the site's locator name MP_{} and the host itself\n", mp->name,
                         site.code);
      entry(*mp, LmhostsName("MP_" + site.code, kSmsLocatorSuffix));
      entry(*mp, NetbiosName(mp->name));
    }
    if (proxy != nullptr) {
      out += fmt::format("# proxy management point {}\n", proxy->name);
      entry(*proxy, NetbiosName(proxy->name));
    }
    if (slp != nullptr) {
      out += fmt::format("# server locator point {}\n", slp->name);
      entry(*slp, LmhostsName("SMS_SLP", kSmsLocatorSuffix));
      if (slp != mp) entry(*slp, NetbiosName(slp->name));
    }
  }
  return core::WithLineEnding(std::move(out), kWindowsLineEnding);
}

std::string RenderMpScript(const inventory::Inventory& inventory, int site, ScriptLanguage language) {
  const int assigned = inventory.AssignedSite(site);
  const auto* mp = assigned >= 0 ? FirstWithRole(inventory, assigned, "management-point") : nullptr;
  if (mp == nullptr) {
    throw std::invalid_argument(fmt::format("site {} (assigned to {}) has no management point",
                                            inventory.sites[site].code,
                                            assigned >= 0 ? inventory.sites[assigned].code : "no primary site"));
  }
  const auto name = NetbiosName(mp->name);
  const auto& code = inventory.sites[site].code;
  const auto note = assigned == site ? std::string()
                                     : fmt::format(" (clients of secondary site {} are assigned to {})", code,
                                                   inventory.sites[assigned].code);
  std::string script;
  if (language == ScriptLanguage::kVbscript) {
    script = fmt::format(
        "' Sets the SMS 2003 Advanced Client's management point to {}, for clients that reach\n"
        "' only TCP 80 (KB 826852). Site {}{}. Run with cscript on each client.\n"
        "Dim oSMSClient\n"
        "Set oSMSClient = CreateObject(\"Microsoft.SMS.Client\")\n"
        "oSMSClient.SetCurrentManagementPoint \"{}\", 0\n"
        "Set oSMSClient = Nothing\n",
        name, code, note, name);
  } else {
    script = fmt::format(
        "# Sets the SMS 2003 Advanced Client's management point to {}, for clients that reach\n"
        "# only TCP 80 (KB 826852). Site {}{}. Same COM call as the KB's VBScript.\n"
        "$smsClient = New-Object -ComObject Microsoft.SMS.Client\n"
        "$smsClient.SetCurrentManagementPoint('{}', 0)\n"
        "[void][System.Runtime.InteropServices.Marshal]::ReleaseComObject($smsClient)\n",
        name, code, note, name);
  }
  return core::WithLineEnding(std::move(script), kWindowsLineEnding);
}

}  // namespace portolan::report
