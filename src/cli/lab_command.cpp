// portolan lab up | verify | down | run | list: the inventory's site in network namespaces,
// behind the policy rendered from it, and the proof that it does what the plan says.
#include <atomic>
#include <csignal>
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "core/platform.hpp"
#include "lab/lab.hpp"
#include "report/lab_report.hpp"

namespace portolan::cli {

namespace {

constexpr int kExitInterrupted = 130;

std::atomic<bool> g_interrupted{false};

extern "C" void OnInterrupt(int /*signal*/) {
  g_interrupted.store(true);
}

// Ctrl-C and SIGTERM set a flag that the lab checks between steps, so that what was built is
// removed before the command ends.
void CatchInterrupts() {
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

struct LabOptions {
  InventoryOptions input;
  std::optional<std::string> name;
  std::string target = "nftables";
  std::optional<std::string> ruleset;
  std::optional<std::string> proxy_ruleset;
  bool host_firewall = false;
  bool with_samba = false;
  std::string ttl = "2h";
  std::string timeout = "1s";
  core::Format format = core::Format::kTable;
  std::optional<std::string> output;
  bool all = false;
};

void AddUpOptions(CLI::App& command, LabOptions& options) {
  AddInventoryOptions(command, options.input);
  command.add_option("--name", options.name, "The lab's name (default: the inventory file's name)")->type_name("LAB");
  command
      .add_option("--target", options.target, "The renderer whose network policy the router loads (default nftables)")
      ->check(CLI::IsMember({"nftables", "iptables"}));
  command
      .add_option("--ruleset", options.ruleset,
                  "Load this ruleset into the router instead of the rendered policy (nft -f text, or "
                  "iptables-restore input)")
      ->check(CLI::ExistingFile)
      ->type_name("FILE");
  command
      .add_option("--proxy-ruleset", options.proxy_ruleset,
                  "Squid on the http-proxy hosts loads this squid.conf fragment (acl and http_access lines) instead "
                  "of the rendered one (portolan render --target squid)")
      ->check(CLI::ExistingFile)
      ->type_name("FILE");
  command.add_flag("--host-firewall", options.host_firewall,
                   "Also load each host's host-mode policy into its namespace");
  command.add_flag("--with-samba", options.with_samba,
                   "Run Samba as an Active Directory domain controller on the global catalog host, so that its "
                   "services are checked by the real protocol probes");
  command.add_option("--ttl", options.ttl, "Responders end by themselves after this long (default 2h)")
      ->type_name("DURATION");
}

void AddVerifyOptions(CLI::App& command, LabOptions& options) {
  command.add_option("--timeout", options.timeout, "Per probe (default 1s: in the lab an answer takes microseconds)")
      ->type_name("DURATION");
  AddFormatOption(command, options.format, {core::Format::kTable, core::Format::kJson, core::Format::kCsv});
  command.add_flag("--all", options.all, "Table: list every check (port by port), not only the failed ones");
  command.add_option("-o,--output", options.output, "Write the report to FILE instead of standard output")
      ->type_name("FILE");
}

// --name, or the only lab there is.
std::string NameOrOnlyLab(const std::optional<std::string>& name) {
  if (name) return *name;
  const auto labs = lab::ListLabs();
  if (labs.size() == 1) return labs.front();
  BadArgument("--name", labs.empty() ? std::string("there is no lab (portolan lab up first)")
                                     : fmt::format("name the lab: {}", fmt::join(labs, ", ")));
}

lab::UpOptions UpOptionsFrom(const LabOptions& options) {
  lab::UpOptions up;
  up.inventory = options.input.inventory;
  up.catalog = options.input.catalog;
  up.name = options.name ? *options.name : lab::DefaultLabName(options.input.inventory);
  up.target = options.target;
  up.ruleset = options.ruleset;
  up.proxy_ruleset = options.proxy_ruleset;
  up.host_firewall = options.host_firewall;
  up.with_samba = options.with_samba;
  up.responder_ttl = std::chrono::duration_cast<std::chrono::seconds>(
      ParseDuration("--ttl", options.ttl, std::chrono::seconds(1), std::chrono::hours(7 * 24)));
  const bool quiet = options.input.quiet;
  up.say = [quiet](const std::string& line) {
    if (!quiet) std::cerr << "lab: " << line << "\n";
  };
  up.interrupted = &g_interrupted;
  return up;
}

// Privileges first, in one line, before anything else is looked at.
void RequirePrivileges() {
  if (const auto missing = lab::MissingPrivileges(); !missing.empty()) {
    std::cerr << "portolan: lab: " << missing << "\n";
    std::exit(kExitBadInput);
  }
}

int Verify(const LabOptions& options, const std::string& name) {
  lab::VerifyOptions verify;
  verify.name = name;
  verify.timeout = ParseDuration("--timeout", options.timeout, std::chrono::milliseconds(10), std::chrono::minutes(1));
  verify.interrupted = &g_interrupted;
  const auto report = lab::Verify(verify);
  report::LabReportOptions report_options;
  report_options.all = options.all;
  report_options.colour = options.format == core::Format::kTable && !options.output &&
                          core::platform::TerminalWantsColour(core::platform::Stream::kOutput);
  Emit(report::RenderLabReport(report, options.format, report_options), options.output);
  return report.Passed() ? kExitOk : kExitFindings;
}

// lab up; an interrupted one has removed what it built and ends with 130.
void UpOrExit(const lab::UpOptions& settings) {
  try {
    lab::Up(settings);
  } catch (const lab::LabError&) {
    if (!g_interrupted.load()) throw;
    std::cerr << "portolan: lab: interrupted; what was built of lab " << settings.name << " is removed\n";
    std::exit(kExitInterrupted);
  }
}

void PrintRemoved(const std::vector<std::string>& removed, const std::string& name, bool quiet) {
  if (quiet) return;
  std::cerr << fmt::format("lab: removed lab {}: {} namespaces, {} processes\n", name,
                           std::count_if(removed.begin(), removed.end(),
                                         [](const std::string& line) { return line.rfind("namespace", 0) == 0; }),
                           std::count_if(removed.begin(), removed.end(),
                                         [](const std::string& line) { return line.rfind("process", 0) == 0; }));
}

}  // namespace

void AddLabCommand(CLI::App& app, int& exit_code) {
  auto* lab = app.add_subcommand(
      "lab",
      "Build the inventory's site in network namespaces behind its rendered firewall policy, and prove that every "
      "required flow passes and nothing else does (needs root)");
  lab->require_subcommand(1);
  auto options = std::make_shared<LabOptions>();

  auto* up = lab->add_subcommand("up", "Build a lab: namespaces, links, the router's policy, responders");
  AddUpOptions(*up, *options);
  up->callback([options] {
    RequirePrivileges();
    CatchInterrupts();
    const auto settings = UpOptionsFrom(*options);
    UpOrExit(settings);
    if (!options->input.quiet) {
      std::cerr << fmt::format("lab: {} is up; check it with: portolan lab verify --name {}\n", settings.name,
                               settings.name);
    }
  });

  auto* verify = lab->add_subcommand(
      "verify", "Probe every required flow and every port nothing requires from inside each source namespace");
  verify->add_option("--name", options->name, "The lab (default: the only one)")->type_name("LAB");
  AddVerifyOptions(*verify, *options);
  verify->callback([options, &exit_code] {
    RequirePrivileges();
    exit_code = Verify(*options, NameOrOnlyLab(options->name));
  });

  auto* down = lab->add_subcommand("down", "Remove every namespace and process of a lab, and nothing else");
  down->add_option("--name", options->name, "The lab (default: the only one)")->type_name("LAB");
  down->add_flag("-q,--quiet", options->input.quiet, "Say nothing on success");
  down->callback([options] {
    RequirePrivileges();
    const auto name = NameOrOnlyLab(options->name);
    PrintRemoved(lab::Down(name), name, options->input.quiet);
  });

  auto* run = lab->add_subcommand("run", "lab up, lab verify, lab down: removed again even on Ctrl-C or an error");
  AddUpOptions(*run, *options);
  AddVerifyOptions(*run, *options);
  run->callback([options, &exit_code] {
    RequirePrivileges();
    CatchInterrupts();
    const auto settings = UpOptionsFrom(*options);
    UpOrExit(settings);  // removes what it built when it fails
    int code = kExitOk;
    try {
      if (g_interrupted.load()) throw lab::LabError("interrupted");
      code = Verify(*options, settings.name);
    } catch (...) {
      try {
        PrintRemoved(lab::Down(settings.name), settings.name, options->input.quiet);
      } catch (const std::exception& e) {
        std::cerr << "portolan: lab: cleaning up failed: " << e.what() << "\n";
      }
      if (g_interrupted.load()) {
        std::cerr << "portolan: lab: interrupted; lab " << settings.name << " removed\n";
        std::exit(kExitInterrupted);
      }
      throw;
    }
    PrintRemoved(lab::Down(settings.name), settings.name, options->input.quiet);
    exit_code = g_interrupted.load() ? kExitInterrupted : code;
  });

  auto* load = lab->add_subcommand(
      "load",
      "Replace the router's policy of a running lab (a ruleset file, or the rendered policy again), or its proxies' "
      "(--proxy-ruleset); with neither file, both are rendered again");
  load->add_option("--name", options->name, "The lab (default: the only one)")->type_name("LAB");
  load->add_option("--ruleset", options->ruleset, "nft -f text or iptables-restore input (default: render it again)")
      ->check(CLI::ExistingFile)
      ->type_name("FILE");
  load->add_option("--proxy-ruleset", options->proxy_ruleset,
                   "Restart Squid on the http-proxy hosts with this squid.conf fragment (alone: the router keeps "
                   "its policy)")
      ->check(CLI::ExistingFile)
      ->type_name("FILE");
  load->add_flag("-q,--quiet", options->input.quiet, "Say nothing on success");
  load->callback([options] {
    RequirePrivileges();
    const auto name = NameOrOnlyLab(options->name);
    const bool router = options->ruleset || !options->proxy_ruleset;
    const bool proxies = options->proxy_ruleset || !options->ruleset;
    if (router) {
      const auto what = lab::Reload(name, options->ruleset);
      if (!options->input.quiet) std::cerr << fmt::format("lab: {} now routes through {}\n", name, what);
    }
    if (proxies && (options->proxy_ruleset || lab::HasProxies(name))) {
      const auto what = lab::ReloadProxies(name, options->proxy_ruleset);
      if (!options->input.quiet) std::cerr << fmt::format("lab: {}'s proxies now run {}\n", name, what);
    }
  });

  auto* list = lab->add_subcommand("list", "The labs that exist on this machine");
  list->callback([] {
    for (const auto& name : lab::ListLabs()) std::cout << name << "\n";
  });
}

}  // namespace portolan::cli
