// `portolan report`: one self-contained HTML file from the inventory, its plan, and the evidence
// portolan gathered (probe, lab and audit results written with -f json).

#include <ctime>
#include <future>
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "core/platform.hpp"
#include "plan/planner.hpp"
#include "policy/policy.hpp"
#include "render/target.hpp"
#include "report/evidence.hpp"
#include "report/rule_samples.hpp"
#include "report/site_report.hpp"

namespace portolan::cli {

namespace {

struct ReportOptions {
  InventoryOptions input;
  std::vector<std::string> probes;
  std::optional<std::string> lab;
  std::vector<std::string> audits;
  std::vector<std::string> platforms;
  std::optional<std::string> output;
  std::optional<std::string> changes_csv;
};

std::vector<const render::Target*> Platforms(const std::vector<std::string>& ids) {
  std::vector<const render::Target*> targets;
  std::vector<std::string> known;
  for (const auto& target : render::Targets()) {
    if (!target.capabilities.proxy_mode) known.emplace_back(target.id);
  }
  for (const auto& id : ids.empty() ? report::DefaultReportPlatforms() : ids) {
    if (id == "none") continue;
    const auto* target = render::FindTarget(id);
    if (target == nullptr || target->capabilities.proxy_mode) {
      BadArgument("--platform",
                  fmt::format("'{}' is not a firewall platform; one of: {}, or none", id, fmt::join(known, ", ")));
    }
    if (std::find(targets.begin(), targets.end(), target) == targets.end()) targets.push_back(target);
  }
  return targets;
}

std::string Now() {
  const auto tm = core::platform::UtcTime(std::time(nullptr));
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02} UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min);
}

}  // namespace

void AddReportCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ReportOptions>();
  auto* command = app.add_subcommand(
      "report",
      "Write one self-contained HTML report for the firewall team: the site, the zone matrix, every required flow "
      "with its reasons and rule, a change request per firewall (CSV too), and the evidence of probe, lab and audit "
      "results combined into one status per flow");
  AddInventoryOptions(*command, options->input);
  command
      ->add_option("--probe", options->probes,
                   "Probe results: portolan probe -i site.yaml --from HOST -f json (repeat, one per vantage point)")
      ->type_name("FILE");
  command->add_option("--lab", options->lab, "A lab's result: portolan lab run|verify -f json")->type_name("FILE");
  command
      ->add_option("--audit", options->audits,
                   "Audit results: portolan audit -i site.yaml --ruleset ... -f json (repeat, one per firewall)")
      ->type_name("FILE");
  command
      ->add_option("--platform", options->platforms,
                   "The platforms whose rule each flow shows (default nftables,iptables,cisco-asa,cisco-ios,pf,"
                   "windows-ps, for plans of up to 2,000 flows; none for no rules)")
      ->delimiter(',')
      ->type_name("ID");
  command->add_option("-o,--output", options->output, "Write the HTML to FILE instead of standard output")
      ->type_name("FILE");
  command
      ->add_option("--changes-csv", options->changes_csv,
                   "Also write the change request as CSV to FILE (the report carries it itself up to 4 MiB)")
      ->type_name("FILE");
  command->footer(
      "Every evidence file must come from this inventory: each carries the inventory's fingerprint, and a file from "
      "another inventory (or from an older portolan, or an ad hoc probe) is refused with exit code 2. Exit codes: 0 "
      "the report was written, 2 bad usage or bad input (nothing is written).");
  command->callback([options, &exit_code] {
    const auto loaded = Load(options->input);
    const auto& inventory = loaded.inventory;
    const auto plan = plan::BuildPlan(loaded.catalog, inventory);
    report::SiteReportInput input;
    auto targets = Platforms(options->platforms);
    if (options->platforms.empty() && plan.flows.size() > report::kDefaultSampledFlows) {
      targets.clear();
      input.rules_note = fmt::format(
          "The plan has {} flows: the rule of each flow is shown by default up to {} flows. Name the platforms "
          "with --platform (e.g. --platform nftables,windows-ps) to show them; portolan render writes every rule.",
          plan.flows.size(), report::kDefaultSampledFlows);
    }
    // The rules of each platform take the longest: they are sampled while the evidence is read.
    const policy::PolicyIndex index(loaded.catalog, inventory, plan);
    auto samples = std::async(std::launch::async, [&] { return report::SampleRules(index, targets); });
    input.catalog = &loaded.catalog;
    input.inventory = &inventory;
    input.plan = &plan;
    for (const auto& path : options->probes) {
      auto evidence = report::LoadProbeEvidence(path);
      report::CheckFingerprint(evidence, inventory);
      report::CheckNames(evidence, inventory, plan);
      input.probes.push_back(std::move(evidence));
    }
    if (options->lab) {
      auto evidence = report::LoadLabEvidence(*options->lab);
      report::CheckFingerprint(evidence, inventory);
      report::CheckNames(evidence, inventory, plan);
      input.lab = std::move(evidence);
    }
    for (const auto& path : options->audits) {
      auto evidence = report::LoadAuditEvidence(path);
      report::CheckFingerprint(evidence, inventory);
      report::CheckNames(evidence, inventory, plan);
      input.audits.push_back(std::move(evidence));
    }
    input.platforms = samples.get();
    input.generated = Now();
    // Both in memory first: bad input leaves neither file written.
    std::string csv;
    const auto html = report::RenderSiteReport(input, options->changes_csv ? &csv : nullptr);
    if (options->changes_csv) Emit(csv, options->changes_csv);
    Emit(html, options->output);
    exit_code = kExitOk;
  });
}

}  // namespace portolan::cli
