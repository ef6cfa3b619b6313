#pragma once
// The options that say which firewall's (or web proxy's) view of the plan a command takes
// (--mode, --host, --egress, --zones, --edge), shared by render and audit: declared, checked and
// turned into policy::PolicyOptions in one place.

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "inventory/inventory.hpp"
#include "policy/policy.hpp"

namespace portolan::cli {

struct FirewallScopeOptions {
  std::optional<std::string> mode;
  std::optional<std::string> host;
  bool egress = false;
  std::vector<std::string> zones;
  std::optional<std::string> edge;
};

// The --help texts of the options that say what they do in one command's words (rendering or
// auditing); --zones reads the same in both.
struct FirewallScopeHelp {
  std::string mode;
  std::string host;
  std::string egress;
  std::string edge;
  bool proxy_mode = false;  // --mode proxy too: --host then names an http-proxy host
};

void AddFirewallScopeOptions(CLI::App& command, FirewallScopeOptions& options, const FirewallScopeHelp& help);

// The mode is --mode, else `default_mode`. --host must name an endpoint of the inventory and
// needs host mode, or proxy mode where it names an http-proxy host (without it, proxy mode takes
// the inventory's only http-proxy host, if it has exactly one); --egress needs host mode; --zones
// and --edge need network mode and exclude each other. Anything else ends the command with exit
// code 2 ("OPTION: error: ..."). Whether host mode also needs --host, and proxy mode one proxy, is
// the command's to say.
policy::PolicyOptions MakePolicyOptions(const FirewallScopeOptions& options, const inventory::Inventory& inventory,
                                        policy::Mode default_mode);

}  // namespace portolan::cli
