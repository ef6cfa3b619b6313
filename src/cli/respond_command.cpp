// `portolan respond`: stands in for a host or a role before it is installed. Listens on every
// port the plan says it must accept (or a --ports list), greets every contact with a token that
// `portolan probe` recognises, logs who reached which port, and prints that when it ends.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "core/atomic_file.hpp"
#include "core/yaml_reader.hpp"
#include "plan/planner.hpp"
#include "respond/monitor.hpp"
#include "respond/port_selection.hpp"
#include "respond/privileges.hpp"
#include "respond/server.hpp"
#include "respond/stand.hpp"

namespace portolan::cli {

namespace {

constexpr int kDefaultBacklog = 4096;
constexpr std::size_t kDefaultMaxConnections = 20000;

struct RespondOptions {
  std::optional<std::string> inventory;
  std::optional<std::string> catalog;
  std::optional<std::string> host;
  std::optional<std::string> role;
  std::optional<std::string> ports;
  std::vector<std::string> bind;
  std::string token = std::string(probe::responder::kDefaultToken);
  bool skip_busy = false;
  std::optional<std::string> log;
  std::optional<std::string> summary_json;
  bool quiet = false;
  double rate_per_source = 100;
  std::optional<std::size_t> max_connections;
  std::string idle = "30s";
  std::string ttl = "0";
  std::string user = "nobody";
  std::optional<std::string> pid_file;
  int backlog = kDefaultBacklog;
};

// What to serve, from the plan: the names given are checked here, the stand is built in respond/.
respond::Stand FromInventory(const RespondOptions& options) {
  const auto loaded = Load({*options.inventory, options.catalog, options.quiet});
  const auto& inventory = loaded.inventory;
  const auto& catalog = loaded.catalog;
  const plan::PlanContext context(catalog, inventory);
  const auto plan = plan::BuildPlan(catalog, inventory);
  if (options.host) {
    const auto* endpoint = inventory.FindEndpoint(*options.host);
    if (endpoint == nullptr) {
      std::vector<std::string> names;
      for (const auto& e : inventory.endpoints) names.push_back(e.name);
      BadArgument("--host", fmt::format("no host or client network named '{}'{} in {}", *options.host,
                                        core::DidYouMean(*options.host, names), inventory.file));
    }
    return respond::StandForEndpoint(inventory, plan, static_cast<int>(endpoint - inventory.endpoints.data()));
  }
  if (catalog.FindRole(*options.role) == nullptr && *options.role != catalog::kAnyRole) {
    BadArgument("--role", fmt::format("no role '{}'{} in the catalog {}", *options.role,
                                      core::DidYouMean(*options.role, catalog.RoleIds()), catalog.name));
  }
  bool present = false;
  for (std::size_t e = 0; e < inventory.endpoints.size() && !present; ++e) {
    present = context.ActsAs(static_cast<int>(e), *options.role);
  }
  if (!present) BadArgument("--role", fmt::format("nothing in {} acts as '{}'", inventory.file, *options.role));
  return respond::StandForRole(context, plan, *options.role);
}

// The option that chose the ports, for error messages.
const char* PortOption(const RespondOptions& options) {
  return options.ports ? "--ports" : options.host ? "--host" : "--role";
}

respond::Stand ChooseStand(const RespondOptions& options) {
  const int sources = (options.host ? 1 : 0) + (options.role ? 1 : 0) + (options.ports ? 1 : 0);
  if (sources != 1) BadArgument("--host", "give exactly one of -i with --host NAME, -i with --role ROLE, or --ports");
  if (options.ports) {
    if (options.inventory) BadArgument("-i", "--ports serves the ports it lists: it takes no inventory");
    std::string error;
    auto ports = respond::ParsePortList(*options.ports, &error);
    if (!ports) BadArgument("--ports", error);
    return respond::StandForPorts(std::move(*ports));
  }
  if (!options.inventory)
    BadArgument("-i", fmt::format("{} needs an inventory (-i FILE)", options.host ? "--host" : "--role"));
  return FromInventory(options);
}

std::vector<std::string> ChooseAddresses(const RespondOptions& options, const respond::Stand& stand) {
  if (options.bind.empty() && stand.addresses.empty()) {
    BadArgument("--bind",
                fmt::format("{} with --bind ADDRESS (repeatable; 0.0.0.0 or :: for every address of this machine)",
                            stand.without_bind_hint));
  }
  const auto& addresses = options.bind.empty() ? stand.addresses : options.bind;
  for (const auto& address : addresses) {
    core::ParseFailure failure;
    if (!core::ParseAddress(address, &failure)) {
      BadArgument("--bind", fmt::format("'{}' is not an address: {}", address, failure.message));
    }
  }
  return addresses;
}

// A file opened before root is dropped and written to after: the log, the summary.
class OutputFile {
 public:
  OutputFile(const std::optional<std::string>& path, const char* option) {
    if (!path) return;
    fd_ = ::open(path->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) BadArgument(option, fmt::format("cannot open {}: {}", *path, std::strerror(errno)));
  }
  ~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  int fd() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void Write(const std::string& text) const {
    if (fd_ < 0) return;
    std::size_t done = 0;
    while (done < text.size()) {
      const auto n = ::write(fd_, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error(fmt::format("cannot write the summary: {}", std::strerror(errno)));
      done += static_cast<std::size_t>(n);
    }
  }

 private:
  int fd_ = -1;
};

// The pid file: written once the responder is ready, removed when it ends (however it ends).
class PidFile {
 public:
  explicit PidFile(std::optional<std::string> path) : path_(std::move(path)) {}
  ~PidFile() {
    if (written_ && ::unlink(path_->c_str()) != 0 && errno != ENOENT) {
      std::cerr << fmt::format("portolan respond: warning: cannot remove {}: {}\n", *path_, std::strerror(errno));
    }
  }
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;

  void Write() {
    if (!path_) return;
    core::WriteFileAtomically(*path_, fmt::format("{}\n", ::getpid()));
    written_ = true;
  }

 private:
  std::optional<std::string> path_;
  bool written_ = false;
};

// The ports actually bound (on any address), with the plan's notes.
respond::PortChoice ServedPorts(const respond::Listeners& listeners, const respond::PortChoice& chosen) {
  respond::PortChoice served;
  served.flows = chosen.flows;
  served.not_served = chosen.not_served;
  for (const auto& socket : listeners.Sockets()) {
    auto& set = socket.transport == probe::Transport::kTcp ? served.tcp : served.udp;
    set = set.Union(core::PortSet::Single(socket.port));
  }
  return served;
}

// The unprivileged user to run as once the sockets are bound; none when not started as root.
std::optional<respond::User> UserToRunAs(const RespondOptions& options) {
  if (!respond::RunningAsRoot()) return std::nullopt;
  auto user = respond::FindUser(options.user);
  if (!user) BadArgument("--user", fmt::format("no user '{}' on this machine", options.user));
  if (user->uid == 0) BadArgument("--user", fmt::format("'{}' is root: give an unprivileged user", options.user));
  return user;
}

// A responder that drops root cannot write or remove its pid file where only root may: then a
// monitor that stays root, holding no socket, does that (respond/monitor.hpp).
bool NeedsMonitor(const RespondOptions& options, const std::optional<respond::User>& user) {
  if (!options.pid_file) return false;
  const auto folder = std::filesystem::absolute(*options.pid_file).parent_path();
  if (::access(folder.c_str(), W_OK | X_OK) != 0) {
    BadArgument("--pid-file", fmt::format("cannot write in {}: {}", folder.string(), std::strerror(errno)));
  }
  return user && !respond::FolderWritableBy(folder, *user);
}

// Raises the descriptor limit for the sockets and the connections; returns how many connections
// fit (the asked --max-connections, or fewer with a warning when the limit is lower).
std::size_t FitConnections(const RespondOptions& options, std::size_t sockets) {
  std::size_t max_connections = options.max_connections.value_or(kDefaultMaxConnections);
  const std::size_t descriptors = respond::RaiseDescriptorLimit(sockets + max_connections + respond::kSpareDescriptors);
  if (sockets + respond::kSpareDescriptors > descriptors) {
    BadArgument(PortOption(options),
                fmt::format("{} sockets to open, and the descriptor limit is {} (ulimit -n): serve fewer "
                            "ports or addresses",
                            sockets, descriptors));
  }
  const std::size_t budget = respond::ConnectionBudget(descriptors, sockets);
  if (max_connections <= budget) return max_connections;
  if (options.max_connections) {
    std::cerr << fmt::format(
        "portolan respond: warning: --max-connections {} does not fit in the descriptor limit ({}): at most {}\n",
        max_connections, descriptors, budget);
  }
  return budget;
}

respond::Listeners BindListeners(const respond::BindOptions& bind) {
  respond::Listeners listeners;
  try {
    listeners = respond::Bind(bind);
  } catch (const respond::BindError& e) {
    BadArgument("--bind", e.what());
  }
  for (const auto& skipped : listeners.Skipped()) {
    std::cerr << fmt::format("portolan respond: warning: {} skipped (--skip-busy)\n", skipped);
  }
  if (listeners.Sockets().empty()) BadArgument("--skip-busy", "every port is in use: nothing to serve");
  return listeners;
}

// Everything a responder needs once it is set up; serving it runs after root is dropped.
struct Responder {
  const RespondOptions& options;
  respond::Stand stand;
  respond::BindOptions bind{};
  respond::Listeners listeners{};
  respond::PortChoice served{};
  std::optional<respond::User> user{};
  respond::ServeOptions serve{};
};

void Announce(const Responder& r) {
  const auto& options = r.options;
  const auto sockets = r.listeners.Sockets().size();
  std::cerr << fmt::format(
      "portolan respond: token {}, host {}: {} on {} ({} socket{}); {}; at most {} connections, {} contacts/s "
      "per source, idle {}, {}\n",
      options.token, r.serve.host, respond::DescribePorts(r.served), fmt::join(r.bind.addresses, ", "), sockets,
      sockets == 1 ? "" : "s",
      r.user ? fmt::format("running as {}", r.user->name) : fmt::format("not root: running as uid {}", ::getuid()),
      r.serve.max_connections, options.rate_per_source, DurationText(r.serve.idle),
      r.serve.ttl.count() > 0 ? fmt::format("ending after {}", DurationText(r.serve.ttl))
                              : std::string("until stopped"));
  for (const auto& note : r.stand.ports.not_served) std::cerr << fmt::format("portolan respond: note: {}\n", note);
}

// Serves until a signal or the ttl, then says who came: the table on stdout, the JSON summary.
int ServeAndReport(Responder& r, const OutputFile& summary_json, const std::function<void()>& ready) {
  if (!r.options.quiet) Announce(r);
  r.serve.ready = ready;
  const auto result = respond::Serve(r.listeners, r.serve);
  respond::SummaryHeader header;
  header.token = r.options.token;
  header.host = r.serve.host;
  header.addresses = r.bind.addresses;
  header.served = r.served;
  header.skipped = r.listeners.Skipped();
  header.started = result.started;
  header.ended = result.ended;
  header.end_reason = result.end_reason;
  std::cout << result.summary.Table(header) << std::flush;
  summary_json.Write(result.summary.Json(header));
  return static_cast<int>(kExitOk);
}

int Run(const RespondOptions& options) {
  if (!probe::responder::IsValidToken(options.token)) {
    BadArgument("--token", fmt::format("'{}' is not a token (1 to 64 of A-Z a-z 0-9 . _ -)", options.token));
  }
  const auto idle = ParseDuration("--idle", options.idle, std::chrono::seconds(1), std::chrono::hours(24));
  const auto ttl = ParseDuration("--ttl", options.ttl, std::chrono::milliseconds(0), std::chrono::hours(24 * 365));
  Responder r{.options = options, .stand = ChooseStand(options)};
  if (r.stand.ports.Empty()) {
    BadArgument(PortOption(options),
                fmt::format("the plan asks '{}' to accept no TCP or UDP port: nothing to serve", r.stand.name));
  }
  r.bind.addresses = ChooseAddresses(options, r.stand);
  r.bind.ports = r.stand.ports;
  r.bind.backlog = options.backlog;
  r.bind.skip_busy = options.skip_busy;
  r.user = UserToRunAs(options);
  const bool monitored = NeedsMonitor(options, r.user);
  OutputFile log(options.log, "--log");
  OutputFile summary_json(options.summary_json, "--summary-json");

  const std::size_t sockets = respond::SocketsNeeded(r.bind);
  if (sockets == 0) {
    BadArgument("--bind", fmt::format("the plan asks '{}' to accept nothing in the address family of {}", r.stand.name,
                                      fmt::join(r.bind.addresses, ", ")));
  }
  r.serve.max_connections = FitConnections(options, sockets);
  r.listeners = BindListeners(r.bind);
  r.served = ServedPorts(r.listeners, r.stand.ports);
  r.serve.token = options.token;
  r.serve.host = probe::responder::SafeHostField(r.stand.name);
  r.serve.rate_per_source = options.rate_per_source;
  r.serve.idle = idle;
  r.serve.ttl = ttl;
  r.serve.log_fd = log.fd();
  r.serve.quiet = options.quiet;

  const auto serve_and_report = [&](const std::function<void()>& ready) {
    return ServeAndReport(r, summary_json, ready);
  };
  if (monitored) {
    return respond::RunAsMonitoredChild(
        *r.user, *options.pid_file,
        [&] {
          r.listeners = respond::Listeners();
          log.Close();
          summary_json.Close();
        },
        serve_and_report);
  }
  if (r.user) respond::DropPrivileges(*r.user);
  PidFile pid_file(options.pid_file);
  return serve_and_report([&pid_file] { pid_file.Write(); });
}

}  // namespace

void AddRespondCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RespondOptions>();
  auto* command = app.add_subcommand(
      "respond",
      "Stand in for a host or role before it is installed: listen on every port the plan says it must accept (TCP "
      "and UDP), greet every contact with a token that `portolan probe` reports as VERIFIED, log who reached which "
      "port and print it on exit (SIGINT, SIGTERM, --ttl). Binds only the addresses it is given, then drops root");
  command->add_option("-i,--inventory", options->inventory, "Site inventory, for --host or --role")->type_name("FILE");
  command->add_option("--catalog", options->catalog, "Use this catalog file instead of the built-in one")
      ->type_name("FILE");
  command
      ->add_option("--host", options->host,
                   "Serve what the plan says this host (or client network) must accept; binds its inventory "
                   "addresses unless --bind is given")
      ->type_name("NAME");
  command
      ->add_option("--role", options->role,
                   "Serve the ports the catalog's entries for this role require (--bind needed)")
      ->type_name("ROLE");
  command
      ->add_option("--ports", options->ports,
                   "Serve these ports instead: 80/tcp,389/udp,1025-1030 (a bare port is TCP)")
      ->type_name("PORTS");
  command
      ->add_option("--bind", options->bind,
                   "Listen on this address (repeatable); 0.0.0.0 or :: for every address of the machine")
      ->type_name("ADDRESS");
  command->add_option("--token", options->token, "The token every greeting carries (default portolan)")
      ->type_name("TOKEN");
  command->add_flag(
      "--skip-busy", options->skip_busy,
      "Skip a port already in use (with a warning) instead of stopping, to fill in around a real service");
  command->add_option("--log", options->log, "Log every contact to FILE as a JSON line")->type_name("FILE");
  command->add_option("--summary-json", options->summary_json, "On exit, write who reached which port to FILE as JSON")
      ->type_name("FILE");
  command->add_flag("-q,--quiet", options->quiet, "No banner and no line per contact on stderr");
  command
      ->add_option("--rate-per-source", options->rate_per_source,
                   "Contacts per second per source address (default 100; 0: no limit); excess is dropped and counted")
      ->check(CLI::Range(0.0, 1000000.0));
  command
      ->add_option("--max-connections", options->max_connections,
                   "TCP connections open at once (default 20000); more are closed at once and counted")
      ->check(CLI::Range(1, 10000000));
  command->add_option("--idle", options->idle, "Close a connection idle this long (default 30s)")
      ->type_name("DURATION");
  command->add_option("--ttl", options->ttl, "End by itself after this long, e.g. 90s, 10m, 2h (default 0: never)")
      ->type_name("DURATION");
  command->add_option("--user", options->user, "Drop root to this user once the sockets are bound (default nobody)")
      ->type_name("USER");
  command
      ->add_option("--pid-file", options->pid_file,
                   "Write the serving process's id here once every socket is bound and root dropped; removed on exit")
      ->type_name("FILE");
  command
      ->add_option("--backlog", options->backlog,
                   "Listen backlog per TCP port (default 4096; net.core.somaxconn caps it)")
      ->check(CLI::Range(1, 1 << 20));
  command->callback([options, &exit_code] { exit_code = Run(*options); });
}

}  // namespace portolan::cli
