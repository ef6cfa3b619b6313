#include "cli/firewall_scope.hpp"

#include <fmt/format.h>

#include "cli/common.hpp"
#include "core/yaml_reader.hpp"

namespace portolan::cli {

void AddFirewallScopeOptions(CLI::App& command, FirewallScopeOptions& options, const FirewallScopeHelp& help) {
  command.add_option("--mode", options.mode, help.mode)->check(CLI::IsMember({"host", "network"}))->type_name("MODE");
  command.add_option("--host", options.host, help.host)->type_name("NAME");
  command.add_flag("--egress", options.egress, help.egress);
  command.add_option("--zones", options.zones, "Network mode: only the flows between these zones")
      ->delimiter(',')
      ->type_name("ZONE,...");
  command.add_option("--edge", options.edge, help.edge)->type_name("ZONE");
}

policy::PolicyOptions MakePolicyOptions(const FirewallScopeOptions& options, const inventory::Inventory& inventory,
                                        policy::Mode default_mode) {
  policy::PolicyOptions policy;
  policy.mode = options.mode ? (*options.mode == "host" ? policy::Mode::kHost : policy::Mode::kNetwork) : default_mode;
  const bool host_mode = policy.mode == policy::Mode::kHost;
  if (options.host) {
    if (!host_mode) BadArgument("--host", "--host needs host mode (--mode host)");
    std::vector<std::string> names;
    for (const auto& endpoint : inventory.endpoints) names.push_back(endpoint.name);
    const auto* endpoint = inventory.FindEndpoint(*options.host);
    if (endpoint == nullptr) {
      BadArgument("--host", fmt::format("no host or client network named '{}'{} in {}", *options.host,
                                        core::DidYouMean(*options.host, names), inventory.file));
    }
    policy.host = static_cast<int>(endpoint - inventory.endpoints.data());
  }
  if (options.egress && !host_mode) {
    BadArgument("--egress", "--egress is for host mode; network mode takes every flow in its own direction");
  }
  if (!options.zones.empty() && host_mode) BadArgument("--zones", "--zones needs network mode (--mode network)");
  if (options.edge && host_mode) BadArgument("--edge", "--edge needs network mode (--mode network)");
  if (!options.zones.empty() && options.edge) BadArgument("--edge", "give --zones or --edge, not both");
  policy.egress = options.egress;
  policy.zones = options.zones;
  policy.edge = options.edge;
  return policy;
}

}  // namespace portolan::cli
