// `portolan render`: the plan as firewall configuration for one platform, per host or
// between zones, or as a web proxy's access rules (proxy mode).

#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/firewall_scope.hpp"
#include "core/atomic_file.hpp"
#include "plan/planner.hpp"
#include "render/render.hpp"

namespace portolan::cli {

namespace {

struct RenderCommandOptions {
  InventoryOptions input;
  std::string target;
  FirewallScopeOptions scope;
  std::optional<std::string> out_dir;
  std::optional<std::string> output;
  std::optional<std::string> family;
  std::optional<std::string> gpo;
  bool no_default_deny = false;
  bool allow_partial = false;
};

std::string TargetHelp() {
  std::string help = "Targets (what each cannot express):\n";
  for (const auto& target : render::Targets()) {
    help += fmt::format("  {:<15} {} [default mode: {}]\n  {:<15}   cannot: {}\n", target.id, target.title,
                        policy::ModeName(target.default_mode), "", target.cannot);
  }
  help +=
      "Modes: host (one host's own firewall), network (a firewall between zones), proxy (what an http-proxy host\n"
      "lets its clients request; --host names the proxy, or --out DIR writes every proxy's).\n";
  help +=
      "What a target cannot express is refused (exit 2, nothing written) unless --allow-partial is given;\n"
      "then it is left out and listed as a WARNING comment at the top of the output.";
  return help;
}

render::Request MakeRequest(const RenderCommandOptions& options, const inventory::Inventory& inventory) {
  render::Request request;
  request.target = render::FindTarget(options.target);
  request.policy = MakePolicyOptions(options.scope, inventory, request.target->default_mode);
  if (request.policy.mode == policy::Mode::kHost && !request.policy.host && !options.out_dir &&
      !request.target->capabilities.whole_inventory) {
    BadArgument("--host", "host mode renders one host (--host NAME) or every host into a directory (--out DIR)");
  }
  if (request.policy.mode == policy::Mode::kProxy && !request.policy.proxy && !options.out_dir) {
    std::vector<std::string> proxies;
    for (const auto& endpoint : inventory.endpoints) {
      if (endpoint.HasRole("http-proxy")) proxies.push_back(endpoint.name);
    }
    BadArgument("--host", fmt::format("{} has {} http-proxy hosts ({}): name one (--host NAME) or write each into a "
                                      "directory (--out DIR)",
                                      inventory.file, proxies.size(), fmt::join(proxies, ", ")));
  }
  request.policy.default_deny = !options.no_default_deny;
  if (options.family) request.policy.family = *options.family == "ipv4" ? core::Family::kIPv4 : core::Family::kIPv6;
  request.render.gpo = options.gpo;
  request.allow_partial = options.allow_partial;
  return request;
}

void Write(const RenderCommandOptions& options, const std::vector<render::Output>& outputs) {
  if (options.out_dir) {
    core::CreateFolders(*options.out_dir);
    for (const auto& output : outputs) {
      const auto path = std::filesystem::path(*options.out_dir) / output.file_name;
      core::WriteFileAtomically(path.string(), output.content);
      std::cerr << fmt::format("wrote {} (a policy of {} rules)\n", path.string(), output.rules);
    }
    return;
  }
  if (outputs.size() != 1) {
    std::vector<std::string> names;
    names.reserve(outputs.size());
    for (const auto& output : outputs) names.push_back(output.file_name);
    BadArgument("--out", fmt::format("target {} writes {} files here ({}): give --out DIR{}", options.target,
                                     outputs.size(), fmt::join(names, ", "),
                                     options.target == "iptables" ? ", or --family ipv4|ipv6 for one of them" : ""));
  }
  Emit(outputs.front().content, options.output);
}

}  // namespace

void AddRenderCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RenderCommandOptions>();
  auto* command = app.add_subcommand(
      "render",
      "Write firewall configuration from the plan for one platform: per host (host mode) or for a firewall between "
      "zones (network mode), or a web proxy's access rules (proxy mode), exactly as wide as the plan");
  AddInventoryOptions(*command, options->input);
  std::vector<std::string> ids;
  for (const auto& target : render::Targets()) ids.emplace_back(target.id);
  command->add_option("-t,--target", options->target, "Platform to write for (see the list below)")
      ->required()
      ->check(CLI::IsMember(ids))
      ->type_name("TARGET");
  AddFirewallScopeOptions(
      *command, options->scope,
      {.mode = "host: one host's own firewall; network: a firewall between zones (sites, unless the inventory names "
               "zones); proxy: an http-proxy host's access rules (-t squid)",
       .host = "Host mode: the host (or client network) to render for; proxy mode: the http-proxy host",
       .egress = "Host mode: outbound rules too (default: inbound only)",
       .edge = "Network mode: the firewall at the edge of this zone, between it and all other zones ('outside')",
       .proxy_mode = true});
  command
      ->add_option("--out", options->out_dir,
                   "Write the files into DIR (host mode: one per host; proxy mode: per proxy)")
      ->type_name("DIR");
  command->add_option("-o,--output", options->output, "Write the one output to FILE instead of standard output")
      ->type_name("FILE");
  command->add_option("--family", options->family, "Only ipv4 or only ipv6 rules")
      ->check(CLI::IsMember({"ipv4", "ipv6"}))
      ->type_name("FAMILY");
  command->add_flag("--no-default-deny", options->no_default_deny,
                    "Leave out the default deny, to insert the rules into an existing policy");
  command->add_flag("--allow-partial", options->allow_partial,
                    "Render what the target can express and write the rest as WARNING comments (default: refuse)");
  command->add_option("--gpo", options->gpo, "windows-ps: write the rules into this GPO (DOMAIN\\NAME) via -GPOSession")
      ->type_name("GPO");
  command->footer(TargetHelp());
  command->callback([options, &exit_code] {
    const auto loaded = Load(options->input);
    const auto request = MakeRequest(*options, loaded.inventory);
    if (options->gpo && options->target != "windows-ps") BadArgument("--gpo", "--gpo is for --target windows-ps");
    const auto plan = plan::BuildPlan(loaded.catalog, loaded.inventory);
    std::vector<render::Output> outputs;
    try {
      outputs = render::RenderRequest(loaded.catalog, loaded.inventory, plan, request);
    } catch (const render::RenderRefused& refused) {
      std::cerr << "portolan: " << refused.what()
                << "\nNothing was written. Use --allow-partial to render the rest with these as WARNING comments.\n";
      exit_code = kExitBadInput;
      return;
    }
    Write(*options, outputs);
    for (const auto& output : outputs) {
      for (const auto& omission : output.omissions)
        std::cerr << fmt::format("warning: {}: {}\n", output.stem, omission);
    }
    exit_code = kExitOk;
  });
}

}  // namespace portolan::cli
