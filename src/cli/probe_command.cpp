// `portolan probe`: protocol-aware reachability checks, ad hoc (targets and ports, like
// PortQry) or from the plan (every flow a host opens, from that host's vantage point).

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "core/platform.hpp"
#include "core/yaml_reader.hpp"
#include "plan/planner.hpp"
#include "probe/engine.hpp"
#include "probe/http/http_checks.hpp"
#include "probe/plan_specs.hpp"
#include "probe/responder/greeting.hpp"
#include "report/probe_report.hpp"

namespace portolan::cli {

namespace {

constexpr std::size_t kMaxTargets = 65536;  // addresses one command may expand to

struct ProbeOptions {
  std::vector<std::string> targets;
  std::optional<std::string> ports;
  std::optional<std::string> service;
  std::optional<std::string> inventory;
  std::optional<std::string> catalog;
  std::optional<std::string> from;
  std::optional<std::string> source;
  std::optional<std::string> domain;
  std::optional<std::string> netbios_name;
  std::optional<std::string> token;
  std::optional<std::string> proxy;
  std::optional<std::string> proxy_user;
  std::optional<std::string> http_checks;
  std::optional<std::string> bits_file;
  std::string timeout = "2s";
  std::string min_timeout = "100ms";
  int retries = 1;
  int concurrency = 0;
  int threads = 0;
  double rate = 0;
  bool no_follow = false;
  bool transport_only = false;
  bool dhcp = false;
  bool quiet = false;
  core::Format format = core::Format::kTable;
  std::optional<std::string> output;
};

struct PortChoice {
  probe::Transport transport;
  core::PortRange range;
};

// "389/udp,88,135-139/tcp": a bare port is TCP.
std::vector<PortChoice> ParsePorts(const std::string& text) {
  std::vector<PortChoice> ports;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, end - start);
    start = end + 1;
    if (item.empty()) BadArgument("--ports", fmt::format("empty item in '{}'", text));
    probe::Transport transport = probe::Transport::kTcp;
    if (const auto slash = item.find('/'); slash != std::string::npos) {
      const auto name = item.substr(slash + 1);
      if (name == "udp") {
        transport = probe::Transport::kUdp;
      } else if (name != "tcp") {
        BadArgument("--ports", fmt::format("'{}': the protocol must be tcp or udp", item));
      }
      item = item.substr(0, slash);
    }
    std::string error;
    const auto range = core::ParsePortRange(item, &error);
    if (!range) BadArgument("--ports", fmt::format("'{}': {}", item, error));
    ports.push_back({transport, *range});
    if (end == text.size()) break;
  }
  return ports;
}

// Addresses, CIDR prefixes (expanded) and @FILE (one target per line, # comments).
std::vector<std::string> ExpandTargets(const std::vector<std::string>& items) {
  std::vector<std::string> addresses;
  for (const auto& item : items) {
    if (!item.empty() && item[0] == '@') {
      std::ifstream file(item.substr(1));
      if (!file) BadArgument(item, "cannot read the target file");
      std::vector<std::string> lines;
      for (std::string line; std::getline(file, line);) {
        if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        line.erase(0, line.find_first_not_of(" \t\r"));
        line.erase(line.find_last_not_of(" \t\r") + 1);
        if (!line.empty()) lines.push_back(line);
      }
      for (auto& address : ExpandTargets(lines)) addresses.push_back(std::move(address));
      continue;
    }
    core::ParseFailure failure;
    const auto network = core::ParseNetwork(item, &failure);
    if (!network) BadArgument(item, fmt::format("not an address or CIDR prefix: {}", failure.message));
    const int host_bits = network->MaxPrefix() - network->prefix_length;
    if (host_bits > 16) BadArgument(item, "a prefix of more than 65,536 addresses; split it up");
    const std::uint32_t count = 1u << host_bits;
    for (std::uint32_t i = 0; i < count; ++i) {
      core::Network host = *network;
      host.prefix_length = host.MaxPrefix();
      std::uint32_t carry = i;
      for (int byte = (host.family == core::Family::kIPv4 ? 3 : 15); byte >= 0 && carry > 0; --byte) {
        const std::uint32_t sum = host.bytes[static_cast<std::size_t>(byte)] + (carry & 0xFF);
        host.bytes[static_cast<std::size_t>(byte)] = static_cast<std::uint8_t>(sum & 0xFF);
        carry = (carry >> 8) + (sum >> 8);
      }
      addresses.push_back(host.AddressString());
    }
    if (addresses.size() > kMaxTargets) BadArgument(item, "more than 65,536 target addresses in all");
  }
  return addresses;
}

std::vector<probe::ProbeSpec> AdHocSpecs(const ProbeOptions& options) {
  if (options.targets.empty())
    BadArgument("HOST", "give one or more targets (address, CIDR or @FILE), or -i with --from");
  if (!options.ports && !options.service)
    BadArgument("--ports", "give the ports to probe (-p 389/udp,88,445) or --service");
  std::vector<PortChoice> ports;
  if (options.ports) {
    ports = ParsePorts(*options.ports);
  } else {
    for (const auto& service : probe::Services()) {
      if (service.id != *options.service) continue;
      for (const int port : service.ports) ports.push_back({service.transport, {port, port}});
    }
    if (ports.empty()) {
      BadArgument("--ports", fmt::format("the service '{}' has no default ports: give them with -p", *options.service));
    }
  }
  std::vector<probe::ProbeSpec> specs;
  for (const auto& address : ExpandTargets(options.targets)) {
    for (const auto& choice : ports) {
      for (int port = choice.range.first; port <= choice.range.last; ++port) {
        probe::ProbeSpec spec;
        spec.target.address = address;
        spec.target.port = port;
        spec.target.domain = options.domain.value_or("");
        spec.target.netbios_name = options.netbios_name.value_or("");
        spec.transport = choice.transport;
        spec.service = probe::ChooseService(options.service, choice.transport, port);
        specs.push_back(std::move(spec));
      }
    }
  }
  return specs;
}

// "10.0.0.5:3128" or "[2001:db8::5]:3128".
probe::ProxyEndpoint ParseProxy(const std::string& text) {
  std::string host;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find("]:");
    if (close == std::string::npos) BadArgument("--proxy", fmt::format("'{}': an IPv6 proxy is [ADDRESS]:PORT", text));
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) {
      BadArgument("--proxy", fmt::format("'{}': give HOST:PORT (an IPv6 address as [ADDRESS]:PORT)", text));
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  core::ParseFailure failure;
  const auto address = core::ParseAddress(host, &failure);
  if (!address) BadArgument("--proxy", fmt::format("'{}' is not an IP address: {}", host, failure.message));
  std::string error;
  const auto range = core::ParsePortRange(port, &error);
  if (!range || range->first != range->last) {
    BadArgument("--proxy", fmt::format("'{}': the port: {}", text, error.empty() ? "one port" : error));
  }
  return {address->AddressString(), range->first};
}

// The HTTP options: the proxy, the ad hoc roles (--http-checks) and the BITS file, applied to
// every HTTP probe (http::ExpandHttpChecks: one spec per check). A web proxy carries HTTP only:
// ad hoc, other ports with --proxy are refused; from the plan they are probed directly (a note).
std::vector<probe::ProbeSpec> ApplyHttpOptions(const ProbeOptions& options, std::vector<probe::ProbeSpec> specs,
                                               std::vector<std::string>& notes) {
  if (!options.proxy && !options.http_checks && !options.bits_file) {
    if (options.proxy_user) BadArgument("--proxy-user", "give the proxy too (--proxy HOST:PORT)");
    return specs;
  }
  if (options.transport_only) BadArgument("--transport-only", "the HTTP options need the HTTP probe");
  probe::http::HttpCheckOptions http;
  if (options.proxy) {
    http.proxy = ParseProxy(*options.proxy);
    if (options.proxy_user) {
      if (options.proxy_user->find(':') == std::string::npos) BadArgument("--proxy-user", "give USER:PASSWORD");
      http.proxy->basic_credentials = *options.proxy_user;
    }
  } else if (options.proxy_user) {
    BadArgument("--proxy-user", "give the proxy too (--proxy HOST:PORT)");
  }
  std::vector<std::string> roles;
  if (options.http_checks) {
    if (options.inventory) BadArgument("--http-checks", "ad hoc only: from an inventory the hosts' roles decide");
    std::size_t start = 0;
    while (start <= options.http_checks->size()) {
      const auto end = std::min(options.http_checks->find(',', start), options.http_checks->size());
      const std::string item = options.http_checks->substr(start, end - start);
      start = end + 1;
      if (item == "mp") {
        roles.emplace_back("management-point");
      } else if (item == "dp") {
        roles.emplace_back(probe::http::kDistributionPointRole);
      } else {
        BadArgument("--http-checks", fmt::format("'{}': mp (management point) or dp (distribution point)", item));
      }
    }
  }
  if (options.bits_file) {
    const auto& path = *options.bits_file;
    const bool clean = std::all_of(path.begin(), path.end(), [](char c) { return c > 0x20 && c < 0x7F; });
    if (path.empty() || path[0] != '/' || !clean) {
      BadArgument("--bits-file",
                  fmt::format("'{}': a path on the server, /... without spaces or control characters", path));
    }
    http.bits_file = path;
  }
  std::vector<probe::ProbeSpec> expanded;
  std::size_t http_specs = 0;
  std::vector<std::string> direct;  // the other ports, in order, each once
  std::set<std::string> seen;
  for (auto& spec : specs) {
    if (spec.proxy) {
      // From the plan, through the proxy the inventory names: its checks are made already;
      // --bits-file adds the download check of the file on each server.
      ++http_specs;
      const bool add_bits = !http.bits_file.empty() && spec.http_check == probe::HttpCheck::kGet;
      auto bits = spec;
      expanded.push_back(std::move(spec));
      if (add_bits) {
        bits.http_check = probe::HttpCheck::kBitsFile;
        bits.http_path = http.bits_file;
        expanded.push_back(std::move(bits));
      }
      continue;
    }
    if (!probe::http::IsHttp(spec)) {
      auto port = fmt::format("{}/{}", spec.target.port, probe::TransportName(spec.transport));
      if (seen.insert(port).second) direct.push_back(std::move(port));
      expanded.push_back(std::move(spec));
      continue;
    }
    ++http_specs;
    for (const auto& role : roles) spec.target.roles.push_back(role);
    for (auto& one : probe::http::ExpandHttpChecks(spec, http)) expanded.push_back(std::move(one));
  }
  if (http.proxy && !direct.empty()) {
    constexpr std::size_t kNamed = 5;  // ports named in the message at most
    const std::string ports = fmt::format(
        "{}{}",
        fmt::join(direct.begin(), direct.begin() + static_cast<std::ptrdiff_t>(std::min(direct.size(), kNamed)), ", "),
        direct.size() > kNamed ? ", ..." : "");
    if (!options.inventory) {
      BadArgument("--proxy",
                  fmt::format("a web proxy carries HTTP only, not {}: probe those ports without --proxy", ports));
    }
    notes.push_back(
        fmt::format("--proxy: only the HTTP probes go through {}; {} probed directly", http.proxy->Authority(), ports));
  }
  if (http_specs == 0) {
    BadArgument(options.proxy       ? "--proxy"
                : options.bits_file ? "--bits-file"
                                    : "--http-checks",
                "no HTTP probe to apply it to (port 80, or --service http)");
  }
  return expanded;
}

// Every planned flow whose source is the --from endpoint, to every address of its destinations
// (probe::SpecsFromPlan); here, only the checks of the options. The report says which inventory
// (and which endpoint of it) the results belong to.
std::vector<probe::ProbeSpec> PlanSpecs(const ProbeOptions& options, report::ProbeReportOptions& report) {
  InventoryOptions input{*options.inventory, options.catalog, options.quiet};
  const auto loaded = Load(input);
  const auto& inventory = loaded.inventory;
  const auto& catalog = loaded.catalog;
  if (!options.from) BadArgument("--from", "with -i, name the host (or client network) to probe from: --from NAME");
  std::vector<std::string> names;
  for (const auto& endpoint : inventory.endpoints) names.push_back(endpoint.name);
  const auto* from = inventory.FindEndpoint(*options.from);
  if (from == nullptr) {
    BadArgument("--from", fmt::format("no host or client network named '{}'{} in {}", *options.from,
                                      core::DidYouMean(*options.from, names), inventory.file));
  }
  const int from_index = static_cast<int>(from - inventory.endpoints.data());
  if (from->kind == inventory::EndpointKind::kClientNetwork && !options.source) {
    BadArgument("--source-address", fmt::format("'{}' is a client network: give the address to probe from "
                                                "(--source-address, an address inside {})",
                                                from->name, from->addresses.front().ToString()));
  }
  const auto plan = plan::BuildPlan(catalog, inventory);
  auto probes = probe::SpecsFromPlan(catalog, inventory, plan, from_index, {options.service, options.dhcp});
  report.notes = std::move(probes.notes);
  report.inventory_file = *options.inventory;
  report.fingerprint = inventory.fingerprint;
  report.from = from->name;
  return std::move(probes.specs);
}

}  // namespace

void AddProbeCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ProbeOptions>();
  auto* command = app.add_subcommand(
      "probe",
      "Protocol-aware reachability checks: VERIFIED (the real service answered), LISTENING, WRONG_SERVICE, "
      "NOT_LISTENING, FILTERED, LISTENING_OR_FILTERED; HTTP through a proxy and BITS downloads add PROXY_DENIED, "
      "PROXY_AUTH_REQUIRED, UPSTREAM_FAILED, RANGE_IGNORED, CONTENT_RANGE_STRIPPED, NO_LENGTH, CONTENT_MISMATCH. "
      "Ad hoc (HOST -p PORTS) or every planned flow of a host (-i site.yaml --from HOST). Exit 0 when every probe "
      "is VERIFIED or LISTENING, 1 otherwise");
  command->add_option("targets", options->targets, "Addresses, CIDR prefixes (up to /16) or @FILE")->type_name("HOST");
  command->add_option("-p,--ports", options->ports, "Ports, e.g. 389/udp,88,135,445 (a bare port is TCP)")
      ->type_name("PORTS");
  std::vector<std::string> ids;
  for (const auto& service : probe::Services()) {
    if (std::find(ids.begin(), ids.end(), service.id) == ids.end()) ids.emplace_back(service.id);
  }
  command->add_option("--service", options->service, "Probe as this service whatever the port (e.g. ldap)")
      ->check(CLI::IsMember(ids))
      ->type_name("SERVICE");
  command->add_option("-i,--inventory", options->inventory, "Site inventory: probe the planned flows of --from")
      ->type_name("FILE");
  command->add_option("--catalog", options->catalog, "Use this catalog file instead of the built-in one")
      ->type_name("FILE");
  command->add_option("--from", options->from, "With -i: the host (or client network) this machine acts as")
      ->type_name("NAME");
  command->add_option("--source-address,--source", options->source, "Send from this local address")
      ->type_name("ADDRESS");
  command
      ->add_option("--domain", options->domain,
                   "Ad hoc: the AD domain the requests name (CLDAP, Kerberos realm, DNS SRV), e.g. corp.example")
      ->type_name("DOMAIN");
  command->add_option("--netbios-name", options->netbios_name, "Ad hoc: the target's NetBIOS name (session on 139)")
      ->type_name("NAME");
  command
      ->add_option("--token", options->token,
                   "A portolan responder must greet with this token (portolan respond --token); another token is "
                   "WRONG_SERVICE")
      ->type_name("TOKEN");
  command
      ->add_option("--timeout", options->timeout,
                   "The longest wait: connect timeouts adapt to measured round trips up to this; a dialogue gets "
                   "this long after its connect; UDP tries share it (e.g. 2s, 500ms; default 2s)")
      ->type_name("DURATION");
  command
      ->add_option("--min-timeout", options->min_timeout,
                   "The shortest adaptive connect timeout (default 100ms); raise it for hosts far slower than "
                   "their neighbours")
      ->type_name("DURATION");
  command
      ->add_option("--retries", options->retries,
                   "Connection requests (TCP) and requests (UDP) sent again after silence (default 1)")
      ->check(CLI::Range(0, 10));
  command
      ->add_option("--concurrency", options->concurrency,
                   "Probes in flight, fixed (default: adaptive: 128 at first, growing up to 8192 while filtered "
                   "ports or far networks hold them, halved on loss)")
      ->check(CLI::Range(1, 20000));
  command->add_option("--threads", options->threads, "Threads sharing the probes (default: one per core)")
      ->check(CLI::Range(1, 64));
  command->add_option("--rate", options->rate, "Probes started per second at most (default: no limit)")
      ->check(CLI::Range(0.0, 1000000.0));
  command
      ->add_option("--proxy", options->proxy,
                   "HTTP probes go through this forward proxy (absolute-form requests) and say who answered: "
                   "VERIFIED (the origin), PROXY_DENIED, PROXY_AUTH_REQUIRED, UPSTREAM_FAILED. Ad hoc, other "
                   "ports are refused; from an inventory they are probed directly")
      ->type_name("HOST:PORT");
  command->add_option("--proxy-user", options->proxy_user, "Basic credentials for --proxy")->type_name("USER:PASS");
  command
      ->add_option("--http-checks", options->http_checks,
                   "Ad hoc: probe HTTP targets as a management point (mp: GET the MP list; through --proxy also "
                   "CCM_POST, BITS_POST, PROPFIND) and/or a distribution point (dp: through --proxy also PROPFIND)")
      ->type_name("mp,dp");
  command
      ->add_option("--bits-file", options->bits_file,
                   "Check that BITS can download this static file from HTTP targets (HEAD, then two ranged GETs): "
                   "RANGE_IGNORED, CONTENT_RANGE_STRIPPED, NO_LENGTH; through --proxy also compared with a direct "
                   "fetch (CONTENT_MISMATCH)")
      ->type_name("PATH");
  command->add_flag("--no-follow", options->no_follow, "Do not probe the ports the RPC endpoint mapper advertises");
  command->add_flag("--dhcp", options->dhcp,
                    "With -i: also probe planned DHCP flows with a DHCPINFORM (sent from port 68, needs root)");
  command->add_flag("--transport-only", options->transport_only,
                    "Connect (TCP) or send an empty datagram (UDP) only, like PortQry and nmap -sT: no protocol check");
  command->add_flag("-q,--quiet", options->quiet, "No warnings about the inventory, no progress line");
  AddFormatOption(*command, options->format,
                  {core::Format::kTable, core::Format::kJson, core::Format::kCsv, core::Format::kJunit});
  command->add_option("-o,--output", options->output, "Write to FILE instead of standard output")->type_name("FILE");
  command->callback([options, &exit_code] {
    report::ProbeReportOptions report_options;
    if (options->inventory && !options->targets.empty()) {
      BadArgument("HOST", "give either targets or -i with --from, not both");
    }
    if (!options->inventory && options->from) BadArgument("--from", "--from needs an inventory (-i FILE)");
    auto specs = options->inventory ? PlanSpecs(*options, report_options) : AdHocSpecs(*options);
    specs = ApplyHttpOptions(*options, std::move(specs), report_options.notes);
    if (options->transport_only) {
      for (auto& spec : specs) spec.service = nullptr;
    }
    if (options->token) {
      if (!probe::responder::IsValidToken(*options->token)) {
        BadArgument("--token", fmt::format("'{}' is not a token (1 to 64 of A-Z a-z 0-9 . _ -)", *options->token));
      }
      for (auto& spec : specs) spec.target.responder_token = *options->token;
    }
    probe::EngineOptions engine;
    engine.timeout =
        ParseDuration("--timeout", options->timeout, std::chrono::milliseconds(1), std::chrono::minutes(10));
    engine.min_timeout =
        ParseDuration("--min-timeout", options->min_timeout, std::chrono::milliseconds(1), std::chrono::minutes(10));
    engine.retries = options->retries;
    engine.concurrency = options->concurrency;
    engine.threads = options->threads;
    engine.rate = options->rate;
    engine.source = options->source;
    engine.follow_epm = !options->no_follow;
    // The progress line rewrites itself ("\r", "\x1b[K"): only on a terminal, never into a file.
    const bool live =
        !options->quiet && core::platform::TerminalTakesEscapes(core::platform::Stream::kError) && specs.size() >= 50;
    if (live) {
      engine.progress = [](std::size_t done, std::size_t total) {
        if (done % 25 == 0 || done == total) std::cerr << fmt::format("\rprobing: {}/{}", done, total) << std::flush;
      };
    }
    std::vector<probe::ProbeResult> results;
    try {
      results = probe::RunProbes(specs, engine);
    } catch (const std::invalid_argument& e) {
      BadArgument("--source-address", e.what());
    }
    if (live) std::cerr << "\r\x1b[K";
    report_options.colour = options->format == core::Format::kTable && !options->output &&
                            core::platform::TerminalWantsColour(core::platform::Stream::kOutput);
    Emit(report::RenderProbeResults(results, options->format, report_options), options->output);
    const bool all_pass = std::all_of(results.begin(), results.end(),
                                      [](const probe::ProbeResult& r) { return probe::VerdictPasses(r.verdict); });
    exit_code = all_pass ? kExitOk : kExitFindings;
  });
}

}  // namespace portolan::cli
