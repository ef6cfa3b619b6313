// `portolan audit`: an existing firewall ruleset against the plan: which required flows it
// blocks, what it permits that nothing requires, and which rules never match or serve nothing.

#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "audit/audit.hpp"
#include "audit/cube_analysis.hpp"
#include "audit/formats/formats.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/firewall_scope.hpp"
#include "core/atomic_file.hpp"
#include "plan/planner.hpp"
#include "report/audit_report.hpp"

namespace portolan::cli {

namespace {

struct AuditCommandOptions {
  InventoryOptions input;
  std::vector<std::string> rulesets;
  std::optional<std::string> ruleset_format;
  std::optional<std::string> ipset;
  FirewallScopeOptions scope;
  core::Format format = core::Format::kTable;
  std::optional<std::string> output;
  bool strict = false;
  std::string engine = "auto";
};

std::string ReadInput(const std::string& path) {
  try {
    return core::ReadFile(path);
  } catch (const std::exception& e) {
    core::Diagnostics diagnostics;
    diagnostics.Error({path, 0, 0}, e.what());
    throw core::InputError(std::move(diagnostics));
  }
}

policy::PolicyOptions MakeAuditPolicyOptions(const AuditCommandOptions& options,
                                             const inventory::Inventory& inventory) {
  const auto& scope = options.scope;
  auto policy = MakePolicyOptions(scope, inventory, scope.host ? policy::Mode::kHost : policy::Mode::kNetwork);
  if (policy.mode == policy::Mode::kHost && !policy.host)
    BadArgument("--host", "host mode audits one host's firewall: give --host NAME");
  return policy;
}

// A squid.conf is an HTTP proxy's policy: it is audited against the requests that proxy carries
// (--host names it; without --host, the inventory's only http-proxy host).
policy::PolicyOptions MakeProxyPolicyOptions(const AuditCommandOptions& options, const inventory::Inventory& inventory,
                                             const std::vector<audit::Ruleset>& rulesets) {
  constexpr std::string_view kRole = "http-proxy";
  for (const auto& ruleset : rulesets) {
    if (ruleset.format != "squid")
      BadArgument("--ruleset", fmt::format("{} ({}) is not a proxy's policy: audit a squid.conf on its own",
                                           ruleset.file, ruleset.format));
  }
  const auto& scope = options.scope;
  if (scope.mode || scope.egress || !scope.zones.empty() || scope.edge) {
    const auto* option = scope.mode ? "--mode" : scope.egress ? "--egress" : scope.edge ? "--edge" : "--zones";
    BadArgument(option,
                fmt::format("a squid.conf is an HTTP proxy's policy: it takes no {}; --host names the proxy", option));
  }
  policy::PolicyOptions policy;
  policy.mode = policy::Mode::kProxy;
  if (scope.host) {
    const auto* endpoint = inventory.FindEndpoint(*scope.host);
    if (endpoint == nullptr || !endpoint->HasRole(kRole))
      BadArgument("--host", fmt::format("'{}' is not an {} host of {}: a squid.conf is audited against the "
                                        "requests of the proxy it configures",
                                        *scope.host, kRole, inventory.file));
    policy.proxy = static_cast<int>(endpoint - inventory.endpoints.data());
    return policy;
  }
  std::vector<std::string> proxies;
  for (std::size_t i = 0; i < inventory.endpoints.size(); ++i) {
    if (!inventory.endpoints[i].HasRole(kRole)) continue;
    proxies.push_back(inventory.endpoints[i].name);
    policy.proxy = static_cast<int>(i);
  }
  if (proxies.empty())
    BadArgument("--ruleset",
                fmt::format("a squid.conf is an HTTP proxy's policy, and {} has no {} host", inventory.file, kRole));
  if (proxies.size() > 1)
    BadArgument("--host", fmt::format("{} has several {} hosts ({}): give --host NAME, the proxy this squid.conf "
                                      "configures",
                                      inventory.file, kRole, fmt::join(proxies, ", ")));
  return policy;
}

// The firewall an audit's policy is the view of, in words for the report.
std::string FirewallWords(const policy::PolicyOptions& policy, const inventory::Inventory& inventory) {
  const auto name = [&](std::optional<int> endpoint) {
    return endpoint ? inventory.endpoints[static_cast<std::size_t>(*endpoint)].name : std::string("?");
  };
  switch (policy.mode) {
    case policy::Mode::kProxy: return fmt::format("proxy {}'s squid.conf", name(policy.proxy));
    case policy::Mode::kHost: return fmt::format("host {}'s own firewall", name(policy.host));
    case policy::Mode::kNetwork: break;
  }
  if (policy.edge) return fmt::format("the edge of zone {}", *policy.edge);
  if (!policy.zones.empty()) return fmt::format("the router between zones {}", fmt::join(policy.zones, ", "));
  return "the router between zones";
}

std::string FormatHelp() {
  std::string help = "Ruleset formats (detected from the content unless --ruleset-format is given):\n";
  for (const auto& format : audit::formats::RulesetFormats())
    help += fmt::format("  {:<15} {}\n", format.id, format.title);
  help +=
      "Give one ruleset per address family (e.g. the iptables and the ip6tables dump); the flows of a family\n"
      "without one are NOT-AUDITED. AWS security groups and Windows Firewall exports are host firewalls: give\n"
      "--host. A squid.conf is an HTTP proxy's policy, audited against the requests that proxy carries: --host\n"
      "names the proxy (default: the inventory's only http-proxy host). Exit codes: 0 every required flow was checked "
      "and is allowed (with --strict: and nothing unneeded\n"
      "is permitted), 1 something required is blocked, partly blocked, depends on what the audit cannot see, or\n"
      "was not audited (with --strict: or something unneeded is permitted), 2 bad usage or bad input (a file\n"
      "the reader cannot use is refused with file:line:column, never passed).";
  return help;
}

}  // namespace

void AddAuditCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<AuditCommandOptions>();
  auto* command = app.add_subcommand(
      "audit",
      "Audit an existing firewall ruleset against the plan: required flows it blocks (with the rule), what it permits "
      "that nothing requires, and rules that never match or serve no required flow; exact, not sampled");
  AddInventoryOptions(*command, options->input);
  command->add_option("--ruleset", options->rulesets, "The ruleset to audit (repeat for another address family)")
      ->required()
      ->type_name("FILE");
  std::vector<std::string> ids;
  for (const auto& format : audit::formats::RulesetFormats()) ids.emplace_back(format.id);
  command->add_option("--ruleset-format", options->ruleset_format, "The rulesets' format (default: detected)")
      ->check(CLI::IsMember(ids))
      ->type_name("FORMAT");
  command->add_option("--ipset", options->ipset, "iptables: the contents of the sets -m set matches (ipset save)")
      ->type_name("FILE");
  AddFirewallScopeOptions(
      *command, options->scope,
      {.mode = "host: one host's own firewall (--host); network: a firewall between zones (default without --host)",
       .host = "Host mode: the host (or client network) whose firewall this is; squid.conf: the http-proxy host",
       .egress = "Host mode: audit outbound traffic too (default: inbound only)",
       .edge = "Network mode: the firewall at the edge of this zone"});
  AddFormatOption(*command, options->format, {core::Format::kTable, core::Format::kJson, core::Format::kCsv});
  command->add_option("-o,--output", options->output, "Write the report to FILE instead of standard output")
      ->type_name("FILE");
  command->add_flag("--strict", options->strict, "Exit 1 also when anything that no flow requires is permitted");
  command
      ->add_option("--engine", options->engine,
                   "How the packet sets are computed: cubes where the ruleset fits them and within their budget, "
                   "else BDDs (auto); or one of them only, for comparisons. The report is the same")
      ->check(CLI::IsMember({"auto", "cubes", "bdd"}))
      ->capture_default_str()
      ->type_name("ENGINE");
  command->footer(FormatHelp());
  command->callback([options, &exit_code] {
    const auto loaded = Load(options->input);
    auto policy_options = MakeAuditPolicyOptions(*options, loaded.inventory);
    audit::formats::Ipsets ipsets;
    audit::formats::ReadOptions read_options;
    read_options.inventory = &loaded.inventory;
    read_options.host = options->scope.host.value_or("");
    read_options.network = policy_options.mode == policy::Mode::kNetwork;
    if (options->ipset) {
      ipsets = audit::formats::ParseIpsetSave(ReadInput(*options->ipset), *options->ipset);
      read_options.ipsets = &ipsets;
    }
    std::vector<audit::Ruleset> rulesets;
    core::Diagnostics problems;
    for (const auto& path : options->rulesets) {
      try {
        rulesets.push_back(
            audit::formats::ReadRuleset(ReadInput(path), path, options->ruleset_format.value_or(""), read_options));
      } catch (const core::InputError& error) {
        for (const auto& item : error.diagnostics().All()) problems.Error(item.where, item.message);
      }
    }
    if (problems.HasErrors()) throw core::InputError(problems);
    const bool proxy = std::any_of(rulesets.begin(), rulesets.end(),
                                   [](const audit::Ruleset& ruleset) { return ruleset.format == "squid"; });
    if (proxy) policy_options = MakeProxyPolicyOptions(*options, loaded.inventory, rulesets);
    const auto plan = plan::BuildPlan(loaded.catalog, loaded.inventory);
    const auto policy = policy::BuildPolicy(loaded.catalog, loaded.inventory, plan, policy_options);
    audit::AuditTuning tuning;
    tuning.engine = options->engine == "cubes" ? audit::AuditTuning::Engine::kCubes
                    : options->engine == "bdd" ? audit::AuditTuning::Engine::kBdd
                                               : audit::AuditTuning::Engine::kAuto;
    const auto result = [&] {
      try {
        return audit::RunAudit(rulesets, policy, tuning);
      } catch (const audit::CubesDoNotFit& error) {
        throw std::runtime_error(fmt::format(
            "--engine cubes: the rulesets do not fit the cube engine ({}); use --engine auto", error.what()));
      }
    }();
    const report::AuditReportOptions report_options{.inventory_file = options->input.inventory,
                                                    .fingerprint = loaded.inventory.fingerprint,
                                                    .firewall = FirewallWords(policy_options, loaded.inventory)};
    Emit(report::RenderAuditReport(result, options->format, report_options), options->output);
    const bool findings = !result.AllAllowed() || (options->strict && result.AnyExcess());
    exit_code = findings ? kExitFindings : kExitOk;
  });
}

}  // namespace portolan::cli
