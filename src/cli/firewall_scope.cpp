#include "cli/firewall_scope.hpp"

#include <fmt/format.h>

#include "cli/common.hpp"
#include "core/yaml_reader.hpp"

namespace portolan::cli {

void AddFirewallScopeOptions(CLI::App& command, FirewallScopeOptions& options, const FirewallScopeHelp& help) {
  std::vector<std::string> modes{"host", "network"};
  if (help.proxy_mode) modes.emplace_back("proxy");
  command.add_option("--mode", options.mode, help.mode)->check(CLI::IsMember(modes))->type_name("MODE");
  command.add_option("--host", options.host, help.host)->type_name("NAME");
  command.add_flag("--egress", options.egress, help.egress);
  command.add_option("--zones", options.zones, "Network mode: only the flows between these zones")
      ->delimiter(',')
      ->type_name("ZONE,...");
  command.add_option("--edge", options.edge, help.edge)->type_name("ZONE");
}

namespace {

policy::Mode ParseMode(const std::string& mode) {
  if (mode == "host") return policy::Mode::kHost;
  if (mode == "proxy") return policy::Mode::kProxy;
  return policy::Mode::kNetwork;
}

int FindEndpoint(const std::string& name, const inventory::Inventory& inventory) {
  std::vector<std::string> names;
  for (const auto& endpoint : inventory.endpoints) names.push_back(endpoint.name);
  const auto* endpoint = inventory.FindEndpoint(name);
  if (endpoint == nullptr) {
    BadArgument("--host", fmt::format("no host or client network named '{}'{} in {}", name,
                                      core::DidYouMean(name, names), inventory.file));
  }
  return static_cast<int>(endpoint - inventory.endpoints.data());
}

// Proxy mode: --host names an http-proxy host; without it, the inventory's only one.
std::optional<int> ChooseProxy(const std::optional<std::string>& host, const inventory::Inventory& inventory) {
  std::vector<std::string> proxies;
  std::optional<int> only;
  for (int e = 0; e < static_cast<int>(inventory.endpoints.size()); ++e) {
    if (!inventory.endpoints[e].HasRole("http-proxy")) continue;
    proxies.push_back(inventory.endpoints[e].name);
    only = e;
  }
  const std::string known =
      proxies.empty() ? std::string("it has none") : fmt::format("its http-proxy hosts: {}", fmt::join(proxies, ", "));
  if (host) {
    const int e = FindEndpoint(*host, inventory);
    if (!inventory.endpoints[e].HasRole("http-proxy")) {
      BadArgument("--host", fmt::format("proxy mode renders an http-proxy host's policy, and {} is not one in {} ({})",
                                        inventory.endpoints[e].name, inventory.file, known));
    }
    return e;
  }
  if (proxies.empty()) {
    BadArgument("--mode", fmt::format("proxy mode renders an http-proxy host's policy, and {} has none (a host with "
                                      "roles: [http-proxy]); for the firewall use --mode host or network",
                                      inventory.file));
  }
  if (proxies.size() == 1) return only;
  return std::nullopt;  // several: the command says whether it renders them all
}

}  // namespace

policy::PolicyOptions MakePolicyOptions(const FirewallScopeOptions& options, const inventory::Inventory& inventory,
                                        policy::Mode default_mode) {
  policy::PolicyOptions policy;
  policy.mode = options.mode ? ParseMode(*options.mode) : default_mode;
  const bool host_mode = policy.mode == policy::Mode::kHost;
  const bool network_mode = policy.mode == policy::Mode::kNetwork;
  if (policy.mode == policy::Mode::kProxy) {
    policy.proxy = ChooseProxy(options.host, inventory);
  } else if (options.host) {
    if (!host_mode) BadArgument("--host", "--host needs host mode (--mode host)");
    policy.host = FindEndpoint(*options.host, inventory);
  }
  if (options.egress && !host_mode) {
    BadArgument("--egress", network_mode
                                ? "--egress is for host mode; network mode takes every flow in its own direction"
                                : "--egress is for host mode");
  }
  if (!options.zones.empty() && !network_mode) BadArgument("--zones", "--zones needs network mode (--mode network)");
  if (options.edge && !network_mode) BadArgument("--edge", "--edge needs network mode (--mode network)");
  if (!options.zones.empty() && options.edge) BadArgument("--edge", "give --zones or --edge, not both");
  policy.egress = options.egress;
  policy.zones = options.zones;
  policy.edge = options.edge;
  return policy;
}

}  // namespace portolan::cli
