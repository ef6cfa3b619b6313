#include "audit/formats/formats.hpp"

#include <fmt/format.h>

#include "audit/formats/text_input.hpp"

namespace portolan::audit::formats {

const std::vector<RulesetFormat>& RulesetFormats() {
  static const std::vector<RulesetFormat> kFormats = {
      {.id = "iptables",
       .title = "iptables-save / ip6tables-save, and iptables-restore input (portolan render -t iptables)",
       .host_firewall = false,
       .looks_like = LooksLikeIptablesSave,
       .read = ReadIptablesSave},
      {.id = "nftables-json",
       .title = "nftables JSON (nft -j list ruleset)",
       .host_firewall = false,
       .looks_like = LooksLikeNftablesJson,
       .read = ReadNftablesJson},
      {.id = "cisco-asa",
       .title = "Cisco ASA access-lists and objects (portolan render -t cisco-asa)",
       .host_firewall = false,
       .looks_like = LooksLikeCiscoAsa,
       .read = ReadCiscoAsa},
      {.id = "cisco-ios",
       .title = "Cisco IOS / IOS-XE, NX-OS and IOS-XR ACLs (portolan render -t cisco-ios)",
       .host_firewall = false,
       .looks_like = LooksLikeCiscoIos,
       .read = ReadCiscoIos},
      {.id = "aws-sg",
       .title = "AWS security groups (aws ec2 describe-security-groups; portolan render -t aws-sg)",
       .host_firewall = true,
       .looks_like = LooksLikeAwsSecurityGroups,
       .read = ReadAwsSecurityGroups},
      {.id = "windows",
       .title = "Windows Firewall rule strings (registry, GPO; MS-GPFAS) or Get-NetFirewallRule JSON",
       .host_firewall = true,
       .looks_like = LooksLikeWindowsFirewall,
       .read = ReadWindowsFirewall},
      // Last: its test (an acl or http_access line) is the loosest.
      {.id = "squid",
       .title = "Squid's http_access and acl lines (squid.conf; portolan render -t squid): an HTTP proxy's policy",
       .host_firewall = false,
       .looks_like = LooksLikeSquid,
       .read = ReadSquid},
  };
  return kFormats;
}

const RulesetFormat* FindRulesetFormat(std::string_view id) {
  for (const auto& format : RulesetFormats())
    if (format.id == id) return &format;
  return nullptr;
}

const RulesetFormat* DetectRulesetFormat(std::string_view text) {
  for (const auto& format : RulesetFormats())
    if (format.looks_like(text)) return &format;
  return nullptr;
}

Ruleset ReadRuleset(std::string_view original, const std::string& file, std::string_view format,
                    const ReadOptions& options) {
  // A byte-order mark (Windows tools write one: UTF-8 before a Cisco configuration saved with
  // Notepad, UTF-16 from reg export or PowerShell) is read through, for every format.
  const auto decoded = DecodeByteOrderMark(original);
  const std::string_view text = decoded ? std::string_view(*decoded) : original;
  const RulesetFormat* reader = format.empty() ? DetectRulesetFormat(text) : FindRulesetFormat(format);
  if (reader == nullptr) {
    core::Diagnostics diagnostics;
    std::vector<std::string> ids;
    for (const auto& known : RulesetFormats()) ids.emplace_back(known.id);
    diagnostics.Error({file, 1, 1},
                      format.empty() ? fmt::format("cannot tell the ruleset format from the content; give "
                                                   "--ruleset-format ({})",
                                                   fmt::join(ids, ", "))
                                     : fmt::format("unknown ruleset format '{}' ({})", format, fmt::join(ids, ", ")));
    throw core::InputError(diagnostics);
  }
  if (reader->host_firewall && options.network) {
    core::Diagnostics diagnostics;
    diagnostics.Error({file, 1, 1},
                      fmt::format("{} is a host's own firewall, not one between zones: audit it in host mode, "
                                  "with --host NAME (the host it protects)",
                                  reader->id));
    throw core::InputError(diagnostics);
  }
  return reader->read(text, file, options);
}

}  // namespace portolan::audit::formats
