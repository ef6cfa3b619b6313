#pragma once
// Every ruleset format the audit reads, in one table: an id, how to recognise it from its
// content, and its reader. Each reader reports malformed input as file:line:column errors
// (core::InputError) and never returns half a ruleset.

#include <string>
#include <string_view>
#include <vector>

#include "audit/formats/ipset.hpp"
#include "audit/ruleset.hpp"
#include "inventory/inventory.hpp"

namespace portolan::audit::formats {

struct ReadOptions {
  const Ipsets* ipsets = nullptr;  // iptables -m set contents (--ipset FILE)
  // Cisco: ACLs named as portolan renders them (PORTOLAN-FROM-<zone>) filter what enters from
  // that zone of the inventory.
  const inventory::Inventory* inventory = nullptr;
  // Host mode: the audited host (--host). AWS: the groups Attach lists for it protect it.
  std::string host;
  // Network mode: the ruleset is a firewall between zones. A host firewall's format (security
  // groups, Windows Firewall) filters one host's own traffic and is refused there.
  bool network = false;
};

struct RulesetFormat {
  std::string_view id;
  std::string_view title;
  // The format is a host's own firewall: it is audited in host mode only (--host).
  bool host_firewall = false;
  bool (*looks_like)(std::string_view text);
  Ruleset (*read)(std::string_view text, const std::string& file, const ReadOptions& options);
};

const std::vector<RulesetFormat>& RulesetFormats();
const RulesetFormat* FindRulesetFormat(std::string_view id);
// The first format whose content test passes; nullptr when none does.
const RulesetFormat* DetectRulesetFormat(std::string_view text);

// Reads with the given format, or the detected one when format is empty. Throws core::InputError.
Ruleset ReadRuleset(std::string_view text, const std::string& file, std::string_view format,
                    const ReadOptions& options);

// One reader per format (a file each).
bool LooksLikeIptablesSave(std::string_view text);
Ruleset ReadIptablesSave(std::string_view text, const std::string& file, const ReadOptions& options);
bool LooksLikeNftablesJson(std::string_view text);
Ruleset ReadNftablesJson(std::string_view text, const std::string& file, const ReadOptions& options);
bool LooksLikeCiscoIos(std::string_view text);
Ruleset ReadCiscoIos(std::string_view text, const std::string& file, const ReadOptions& options);
bool LooksLikeCiscoAsa(std::string_view text);
Ruleset ReadCiscoAsa(std::string_view text, const std::string& file, const ReadOptions& options);
bool LooksLikeAwsSecurityGroups(std::string_view text);
Ruleset ReadAwsSecurityGroups(std::string_view text, const std::string& file, const ReadOptions& options);
bool LooksLikeWindowsFirewall(std::string_view text);
Ruleset ReadWindowsFirewall(std::string_view text, const std::string& file, const ReadOptions& options);
bool LooksLikeSquid(std::string_view text);
Ruleset ReadSquid(std::string_view text, const std::string& file, const ReadOptions& options);

}  // namespace portolan::audit::formats
