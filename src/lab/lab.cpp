#include "lab/lab.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"
#include "core/descriptors.hpp"
#include "inventory/inventory_loader.hpp"
#include "plan/context.hpp"
#include "plan/planner.hpp"
#include "render/render.hpp"
#include "render/target.hpp"
#include "respond/port_selection.hpp"

namespace portolan::lab {

namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

constexpr auto kProcessGrace = std::chrono::milliseconds(2000);
constexpr auto kReadyLimit = std::chrono::seconds(30);
constexpr auto kSambaLimit = std::chrono::seconds(90);
constexpr std::string_view kStateFile = "state.json";
constexpr std::string_view kInventoryCopy = "inventory.yaml";
constexpr std::string_view kCatalogCopy = "catalog.yaml";
constexpr std::string_view kGlobalCatalogRole = "global-catalog";
// The RPC endpoint mapper's port (epmap, TCP 135). The probe engine follows every port it hands
// out; those follow-through probes come back after a source's own and belong to its check.
constexpr int kEndpointMapperPort = 135;
// A NetBIOS name holds at most 15 characters (the 16th byte is the service type).
constexpr std::size_t kNetbiosNameLength = 15;

// --- the lab's record -------------------------------------------------------------------------

struct State {
  std::string name;
  std::string inventory;  // as the user gave it
  bool catalog = false;   // a catalog file was given (and copied)
  std::string token;
  std::string target;
  std::string policy;  // what the router loaded, in words
  bool host_firewall = false;
  std::optional<std::string> samba_host;
  std::vector<std::string> samba_ports;  // "tcp/389", what Samba listens on
  std::string proxy_policy;              // what the proxies loaded, in words ("": no proxy)
  // The ports a real server serves instead of a responder, by endpoint name: "tcp/80" of nginx
  // on the proxies' origin servers, "tcp/3128" of Squid on the proxies.
  std::map<std::string, std::vector<std::string>> web_ports;
  std::vector<std::string> namespaces;  // created (or being created), in order
  std::vector<LabProcess> processes;
  bool ready = false;
};

fs::path LabDirectory(const std::string& name) {
  return LabsDirectory() / name;
}

void Save(const State& state) {
  Json json;
  json["name"] = state.name;
  json["inventory"] = state.inventory;
  json["catalog"] = state.catalog;
  json["token"] = state.token;
  json["target"] = state.target;
  json["policy"] = state.policy;
  json["host_firewall"] = state.host_firewall;
  json["samba_host"] = state.samba_host ? Json(*state.samba_host) : Json(nullptr);
  json["samba_ports"] = state.samba_ports;
  json["proxy_policy"] = state.proxy_policy;
  json["web_ports"] = state.web_ports;
  json["namespaces"] = state.namespaces;
  json["processes"] = Json::array();
  for (const auto& process : state.processes) {
    json["processes"].push_back(
        {{"pid", process.pid}, {"start_time", process.start_time}, {"what", process.what}, {"netns", process.netns}});
  }
  json["ready"] = state.ready;
  core::WriteFileAtomically(LabDirectory(state.name) / kStateFile, json.dump(2) + "\n");
}

std::optional<State> LoadState(const std::string& name) {
  const auto path = LabDirectory(name) / kStateFile;
  if (!fs::exists(path)) return std::nullopt;
  State state;
  try {
    const auto json = Json::parse(core::ReadFile(path));
    state.name = json.at("name").get<std::string>();
    state.inventory = json.at("inventory").get<std::string>();
    state.catalog = json.value("catalog", false);
    state.token = json.at("token").get<std::string>();
    state.target = json.value("target", std::string("nftables"));
    state.policy = json.value("policy", std::string());
    state.host_firewall = json.value("host_firewall", false);
    if (json.contains("samba_host") && json["samba_host"].is_string()) {
      state.samba_host = json["samba_host"].get<std::string>();
    }
    state.samba_ports = json.value("samba_ports", std::vector<std::string>{});
    state.proxy_policy = json.value("proxy_policy", std::string());
    state.web_ports = json.value("web_ports", std::map<std::string, std::vector<std::string>>{});
    state.namespaces = json.at("namespaces").get<std::vector<std::string>>();
    for (const auto& item : json.at("processes")) {
      state.processes.push_back(LabProcess{item.at("pid").get<pid_t>(), item.at("start_time").get<unsigned long long>(),
                                           item.at("what").get<std::string>(), item.at("netns").get<std::string>()});
    }
    state.ready = json.value("ready", false);
  } catch (const std::exception& e) {
    throw LabError(fmt::format("the record of lab {} ({}) cannot be read: {}", name, path.string(), e.what()));
  }
  return state;
}

std::string NewToken(const std::string& name) {
  std::array<unsigned char, 6> random{};
  std::ifstream source("/dev/urandom", std::ios::binary);
  source.read(reinterpret_cast<char*>(random.data()), random.size());
  std::string token = "pl-" + name + "-";
  for (const auto byte : random) token += fmt::format("{:02x}", byte);
  return token;
}

void Say(const UpOptions& options, const std::string& line) {
  if (options.say) options.say(line);
}

void CheckInterrupted(const std::atomic<bool>* interrupted) {
  if (interrupted != nullptr && interrupted->load()) throw LabError("interrupted");
}

// --- building the network ---------------------------------------------------------------------

void IpBatch(const std::string& netns, const std::vector<std::string>& commands) {
  if (commands.empty()) return;
  std::string input;
  for (const auto& command : commands) input += command + "\n";
  RunChecked({"ip", "-n", netns, "-batch", "-"}, input);
}

void WriteSysctls(const std::string& netns, const std::vector<std::pair<std::string, std::string>>& settings) {
  const NamespaceScope scope(netns);
  for (const auto& [key, value] : settings) {
    std::string path = "/proc/sys/" + key;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    std::ofstream file(path);
    file << value;
    if (!file) throw LabError(fmt::format("cannot set {} = {} in {}", key, value, netns));
  }
}

std::string HostRoute(const core::Network& address) {
  return fmt::format("route add {} dev eth0", address.ToString());
}

void BuildNetwork(const Topology& topology, State& state) {
  for (const auto& name : topology.Namespaces()) {
    state.namespaces.push_back(name);
    Save(state);  // recorded before it exists: a killed run leaves nothing unrecorded
    RunChecked({"ip", "netns", "add", name});
    WriteSysctls(name, {{"net.ipv6.conf.default.accept_dad", "0"}, {"net.ipv6.conf.all.accept_dad", "0"}});
    IpBatch(name, {"link set lo up"});
  }
  WriteSysctls(topology.router_namespace, {{"net.ipv4.ip_forward", "1"}, {"net.ipv6.conf.all.forwarding", "1"}});
  std::vector<std::string> router;
  for (const auto& zone : topology.zones) {
    std::vector<std::string> lan{"link add br0 type bridge", "link set br0 up",
                                 fmt::format("link add uplink type veth peer name {} netns {}", zone.router_interface,
                                             topology.router_namespace),
                                 "link set uplink master br0", "link set uplink up"};
    router.push_back(fmt::format("link set {} up", zone.router_interface));
    router.push_back(fmt::format("addr add {}/32 dev {}", kGatewayV4, zone.router_interface));
    router.push_back(fmt::format("addr add {}/64 dev {} nodad", kGatewayV6, zone.router_interface));
    for (const int m : zone.members) {
      const auto& member = topology.endpoints[static_cast<std::size_t>(m)];
      lan.push_back(fmt::format("link add p{} type veth peer name eth0 netns {}", member.port, member.namespace_name));
      lan.push_back(fmt::format("link set p{} master br0", member.port));
      lan.push_back(fmt::format("link set p{} up", member.port));
      for (const auto& address : member.addresses) {
        router.push_back(fmt::format("route add {} dev {}", address.ToString(), zone.router_interface));
      }
    }
    IpBatch(zone.switch_namespace, lan);
  }
  IpBatch(topology.router_namespace, router);
  for (const auto& member : topology.endpoints) {
    std::vector<std::string> commands{"link set eth0 up"};
    bool v4 = false;
    bool v6 = false;
    for (const auto& address : member.addresses) {
      const bool is_v4 = address.family == core::Family::kIPv4;
      commands.push_back(fmt::format("addr add {} dev eth0{}", address.ToString(), is_v4 ? "" : " nodad"));
      v4 = v4 || is_v4;
      v6 = v6 || !is_v4;
    }
    if (v4) {
      commands.push_back(fmt::format("route add {}/32 dev eth0", kGatewayV4));
      commands.push_back(fmt::format("route add default via {} dev eth0", kGatewayV4));
    }
    if (v6) commands.push_back(fmt::format("route add default via {} dev eth0", kGatewayV6));
    // The zone is one LAN: its other members are reached directly, not through the router.
    for (const int m : topology.zones[static_cast<std::size_t>(member.zone)].members) {
      const auto& peer = topology.endpoints[static_cast<std::size_t>(m)];
      if (peer.namespace_name == member.namespace_name) continue;
      for (const auto& address : peer.addresses) {
        const bool same_family = std::any_of(member.addresses.begin(), member.addresses.end(),
                                             [&](const core::Network& own) { return own.family == address.family; });
        if (same_family) commands.push_back(HostRoute(address));
      }
    }
    IpBatch(member.namespace_name, commands);
  }
}

// --- policies ---------------------------------------------------------------------------------

enum class RulesetKind { kNftables, kIptables, kIp6tables };

// nft text, or iptables-restore input for IPv4 or IPv6 (an ip6tables-save header, a rendered
// "IPv6 file", or an IPv6 address in a rule).
RulesetKind DetectRuleset(const std::string& content) {
  std::istringstream lines(content);
  std::string line;
  bool iptables = false;
  bool ipv6 = false;
  while (std::getline(lines, line)) {
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    if (line[start] == '#') {
      if (line.find("ip6tables-save") != std::string::npos || line.find("IPv6 file") != std::string::npos) ipv6 = true;
      continue;
    }
    if (!iptables && line[start] != '*') return RulesetKind::kNftables;
    iptables = true;
    for (const std::string_view option : {" -s ", " -d ", " --source ", " --destination "}) {
      const auto at = line.find(option);
      if (at == std::string::npos) continue;
      const auto value = line.substr(at + option.size(), line.find(' ', at + option.size()) - at - option.size());
      if (value.find(':') != std::string::npos) ipv6 = true;
    }
  }
  if (!iptables) return RulesetKind::kNftables;
  return ipv6 ? RulesetKind::kIp6tables : RulesetKind::kIptables;
}

// Checks the ruleset first (nft -c, iptables-restore --test), so that a bad one changes nothing.
void CheckRuleset(const std::string& netns, const std::string& content, const fs::path& file) {
  core::WriteFileAtomically(file, content);
  switch (DetectRuleset(content)) {
    case RulesetKind::kNftables: RunChecked({"nft", "-c", "-f", file.string()}, {}, netns); break;
    case RulesetKind::kIptables: RunChecked({"iptables-restore", "--test"}, content, netns); break;
    case RulesetKind::kIp6tables: RunChecked({"ip6tables-restore", "--test"}, content, netns); break;
  }
}

void LoadRuleset(const std::string& netns, const std::string& content, const fs::path& file) {
  CheckRuleset(netns, content, file);
  switch (DetectRuleset(content)) {
    case RulesetKind::kNftables: RunChecked({"nft", "-f", file.string()}, {}, netns); break;
    case RulesetKind::kIptables: RunChecked({"iptables-restore"}, content, netns); break;
    case RulesetKind::kIp6tables: RunChecked({"ip6tables-restore"}, content, netns); break;
  }
}

std::vector<render::Output> RenderPolicy(const inventory::LoadedInventory& loaded, const plan::Plan& plan,
                                         const std::string& target_id, policy::Mode mode, std::optional<int> host) {
  render::Request request;
  request.target = render::FindTarget(target_id);
  if (request.target == nullptr) throw LabError(fmt::format("no renderer named '{}'", target_id));
  request.policy.mode = mode;
  request.policy.host = host;
  return render::RenderRequest(loaded.catalog, loaded.inventory, plan, request);
}

// --- processes --------------------------------------------------------------------------------

// The last lines of a log file, for an error message.
std::string Tail(const std::string& path, std::size_t lines) {
  std::string text;
  try {
    text = core::ReadFile(path);
  } catch (const std::exception&) {
    return "(no log)";
  }
  std::size_t at = text.size();
  for (std::size_t n = 0; n <= lines && at > 0; ++n) {
    const auto newline = text.rfind('\n', at - 1);
    if (newline == std::string::npos) return text;
    at = newline;
  }
  return text.substr(at + 1);
}

// Waits until every responder wrote its pid file (it does so once every socket is bound).
void WaitForResponders(const std::vector<std::pair<LabProcess, fs::path>>& responders, const fs::path& directory) {
  const auto deadline = std::chrono::steady_clock::now() + kReadyLimit;
  for (const auto& [process, pid_file] : responders) {
    while (!fs::exists(pid_file)) {
      if (!StillRunning(process) || std::chrono::steady_clock::now() > deadline) {
        throw LabError(fmt::format("{} did not come up in {}; the end of its log:\n{}", process.what, process.netns,
                                   Tail((directory / fmt::format("{}.log", process.what)).string(), 20)));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

// The sockets listening in a namespace, as "tcp/389" and "udp/53".
std::vector<std::string> Listening(const std::string& netns) {
  std::set<std::string> ports;
  for (const auto& [flag, name] : {std::pair{"-Hltn", "tcp"}, std::pair{"-Hlun", "udp"}}) {
    const auto result = RunCommand({"ss", flag}, {}, netns);
    std::istringstream lines(result.output);
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      std::string state;
      std::string receive;
      std::string send;
      std::string local;
      if (!(fields >> state >> receive >> send >> local)) continue;
      const auto colon = local.rfind(':');
      if (colon == std::string::npos) continue;
      ports.insert(fmt::format("{}/{}", name, local.substr(colon + 1)));
    }
  }
  return {ports.begin(), ports.end()};
}

std::string Upper(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

void StartSamba(const inventory::LoadedInventory& loaded, const Topology& topology, const LabEndpoint& host,
                const fs::path& directory, State& state, const UpOptions& options) {
  const auto address = topology.AddressOf(host, core::Family::kIPv4);
  if (address.empty()) throw LabError(fmt::format("--with-samba: {} has no IPv4 address for Samba", host.name));
  const auto& domain = loaded.inventory.domain.name;
  std::string netbios_domain = Upper(domain.substr(0, domain.find('.')));
  netbios_domain = netbios_domain.substr(0, 15);
  const std::optional<core::PortSet> range = plan::RpcDynamicPorts(loaded.catalog, loaded.inventory);
  const auto samba_dir = directory / "samba";
  fs::create_directories(samba_dir);
  Say(options, fmt::format("provisioning Samba as the domain controller of {} on {} ({})", domain, host.name, address));
  std::vector<std::string> provision{"samba-tool",
                                     "domain",
                                     "provision",
                                     "--realm=" + Upper(domain),
                                     "--domain=" + netbios_domain,
                                     "--server-role=dc",
                                     "--dns-backend=SAMBA_INTERNAL",
                                     "--adminpass=Portolan-Lab-1!",
                                     "--targetdir=" + samba_dir.string(),
                                     "--host-ip=" + address,
                                     "--host-name=" + host.name.substr(0, 15),
                                     "--option=interfaces=eth0",
                                     "--option=bind interfaces only=yes",
                                     "--option=dns forwarder = " + address};
  if (range && !range->Ranges().empty()) {
    const auto& first = range->Ranges().front();
    provision.push_back(fmt::format("--option=rpc server dynamic port range = {}-{}", first.first, first.last));
  }
  RunChecked(provision, {}, host.namespace_name);
  const auto log = (directory / "samba.log").string();
  state.processes.push_back(Spawn({"/usr/sbin/samba", "-i", "-s", (samba_dir / "etc" / "smb.conf").string()},
                                  host.namespace_name, log, "samba"));
  Save(state);
  // Up when its core services listen and the list of its sockets has stopped growing.
  const auto deadline = std::chrono::steady_clock::now() + kSambaLimit;
  const auto settle_by = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::vector<std::string> previous;
  for (;;) {
    CheckInterrupted(options.interrupted);
    if (!StillRunning(state.processes.back()) || std::chrono::steady_clock::now() > deadline) {
      throw LabError(fmt::format("Samba did not come up in {} (listening: {}); the end of its log:\n{}",
                                 host.namespace_name, fmt::join(previous, " "), Tail(log, 30)));
    }
    auto now = Listening(host.namespace_name);
    static constexpr std::array<std::string_view, 4> kCore = {"tcp/88", "tcp/135", "tcp/389", "tcp/445"};
    const bool core = std::all_of(kCore.begin(), kCore.end(), [&](std::string_view port) {
      return std::find(now.begin(), now.end(), port) != now.end();
    });
    // Its RPC servers keep opening ports for a while; waiting for them all is not needed.
    const bool settled = now == previous || std::chrono::steady_clock::now() > settle_by;
    if (core && settled) break;
    previous = std::move(now);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  state.samba_host = host.name;
  state.samba_ports = previous;
  Save(state);
}

// --- the HTTP proxies and their origin servers --------------------------------------------------

constexpr std::string_view kNginx = "/usr/sbin/nginx";
constexpr std::string_view kSquid = "/usr/sbin/squid";
constexpr std::string_view kSetpriv = "/usr/bin/setpriv";
constexpr std::string_view kHttpProxyRole = "http-proxy";
// Squid runs as Debian's squid package's own user, or nobody where there is none.
constexpr std::string_view kProxyUser = "proxy";
constexpr std::string_view kFallbackUser = "nobody";
// The shared memory segments Squid 5 makes even with one worker (collapsed forwarding), named
// after its service name (-n): a Squid killed before it cleaned up leaves them in /dev/shm.
constexpr std::array<std::string_view, 3> kSquidSegments = {"cf__metadata", "cf__queues", "cf__readers"};
constexpr auto kReadyPoll = std::chrono::milliseconds(100);

std::string HostPort(const core::Network& address, int port) {
  return address.family == core::Family::kIPv6 ? fmt::format("[{}]:{}", address.AddressString(), port)
                                               : fmt::format("{}:{}", address.AddressString(), port);
}

// The origin servers of the proxy requests, and the ports of theirs the requests name.
std::map<int, std::set<int>> ProxyOrigins(const plan::Plan& plan) {
  std::map<int, std::set<int>> origins;
  for (const auto& request : plan.proxy_requests) {
    for (const int d : request.destinations) {
      for (const auto& range : request.ports.Ranges()) {
        for (int port = range.first; port <= range.last; ++port) origins[d].insert(port);
      }
    }
  }
  return origins;
}

// The http-proxy hosts of the inventory that the lab runs Squid on.
std::vector<int> ProxyHosts(const inventory::Inventory& inventory) {
  std::vector<int> hosts;
  for (int e = 0; e < static_cast<int>(inventory.endpoints.size()); ++e) {
    const auto& endpoint = inventory.endpoints[static_cast<std::size_t>(e)];
    if (endpoint.kind == inventory::EndpointKind::kHost && endpoint.HasRole(kHttpProxyRole) && endpoint.http_proxy) {
      hosts.push_back(e);
    }
  }
  return hosts;
}

void RequireWebTools() {
  for (const auto tool : {kNginx, kSquid, kSetpriv}) {
    if (!fs::exists(tool)) {
      throw LabError(fmt::format(
          "the inventory has an http-proxy host: the lab runs Squid on it and nginx on its origin servers, and {} is "
          "missing (apt-get install squid nginx-light; scripts/install-deps.sh has them)",
          tool));
    }
  }
}

// Waits until a server listens on every one of `ports` ("tcp/80") in its namespace.
void WaitListening(const LabProcess& process, const std::vector<std::string>& ports, const std::string& log,
                   const std::atomic<bool>* interrupted) {
  const auto deadline = std::chrono::steady_clock::now() + kReadyLimit;
  for (;;) {
    CheckInterrupted(interrupted);
    const auto now = Listening(process.netns);
    const bool all = std::all_of(ports.begin(), ports.end(), [&](const std::string& port) {
      return std::find(now.begin(), now.end(), port) != now.end();
    });
    if (all) return;
    if (!StillRunning(process) || std::chrono::steady_clock::now() > deadline) {
      throw LabError(fmt::format("{} did not come up in {} (listening on {} expected); the end of its log:\n{}",
                                 process.what, process.netns, fmt::join(ports, " "), Tail(log, 20)));
    }
    std::this_thread::sleep_for(kReadyPoll);
  }
}

// What nginx serves on an origin server: the MP list a management point answers to
// GET /sms_mp/.sms_aut?mplist, and the file of the BITS download check (the same bytes on every
// server, so that a fetch through the proxy can be compared with a direct one).
void WriteWebRoot(const fs::path& root, const inventory::Inventory& inventory, const inventory::Endpoint& host) {
  fs::create_directories(root / "sms_mp");
  core::WriteFileAtomically(
      root / "sms_mp" / ".sms_aut",
      fmt::format("<MPList><MP Name=\"{}\" FQDN=\"{}.{}\"/></MPList>\n", host.name, host.name, inventory.domain.name));
  std::string content(kBitsTestSize, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>((i * 31 + i / 251) % 256);
  core::WriteFileAtomically(root / std::string(kBitsTestPath).substr(1), content);
}

// nginx in the foreground, one process (no workers to hand files to), every path in the lab.
std::string NginxConfig(const fs::path& dir, const LabEndpoint& member, const std::set<int>& ports) {
  std::string listen;
  for (const auto& address : member.addresses) {
    for (const int port : ports) listen += fmt::format("    listen {} default_server;\n", HostPort(address, port));
  }
  const auto temp = (dir / "tmp").string();
  return fmt::format(
      "# portolan lab: the origin server {} for the requests through the proxy\n"
      "daemon off;\n"
      "master_process off;\n"
      "pid {}/nginx.pid;\n"
      "error_log {}/error.log;\n"
      "events {{ worker_connections 512; }}\n"
      "http {{\n"
      "  access_log {}/access.log;\n"
      "  client_body_temp_path {}/body;\n"
      "  proxy_temp_path {}/proxy;\n"
      "  fastcgi_temp_path {}/fastcgi;\n"
      "  uwsgi_temp_path {}/uwsgi;\n"
      "  scgi_temp_path {}/scgi;\n"
      "  default_type application/octet-stream;\n"
      "  server {{\n"
      "{}"
      "    server_name _;\n"
      "    root {}/root;\n"
      "    location = /sms_mp/.sms_aut {{ default_type text/xml; }}\n"
      "  }}\n"
      "}}\n",
      member.name, dir.string(), dir.string(), dir.string(), temp, temp, temp, temp, temp, listen, dir.string());
}

void StartOriginServers(const inventory::LoadedInventory& loaded, const plan::Plan& plan, const Topology& topology,
                        const fs::path& directory, State& state, const UpOptions& options) {
  for (const auto& [e, ports] : ProxyOrigins(plan)) {
    const auto& member = topology.endpoints[static_cast<std::size_t>(e)];
    const auto& host = loaded.inventory.endpoints[static_cast<std::size_t>(member.endpoint)];
    if (member.client_network) continue;
    const auto dir = directory / fmt::format("web-{}", member.endpoint);
    fs::create_directories(dir / "tmp");
    WriteWebRoot(dir / "root", loaded.inventory, host);
    core::WriteFileAtomically(dir / "nginx.conf", NginxConfig(dir, member, ports));
    const auto what = fmt::format("nginx-{}", member.endpoint);
    const auto log = (directory / (what + ".log")).string();
    Say(options, fmt::format("starting nginx as the origin server {} (tcp {})", member.name, fmt::join(ports, ",")));
    state.processes.push_back(Spawn({std::string(kNginx), "-e", (dir / "error.log").string(), "-p", dir.string() + "/",
                                     "-c", (dir / "nginx.conf").string()},
                                    member.namespace_name, log, what));
    auto& served = state.web_ports[member.name];
    for (const int port : ports) served.push_back(fmt::format("tcp/{}", port));
    Save(state);
    WaitListening(state.processes.back(), served, log, options.interrupted);
  }
}

// Squid's service name (-n: letters and digits only), unique to the lab and the proxy: it names
// Squid's shared memory segments, which every Squid on the machine shares a folder for.
std::string SquidService(const State& state, int endpoint) {
  std::string service = "portolan";
  for (const char c : state.token.substr(state.token.rfind('-') + 1)) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) service += c;
  }
  return fmt::format("{}p{}", service, endpoint);
}

void RemoveSquidSegments(const std::string& service) {
  for (const auto segment : kSquidSegments) {
    std::error_code ignored;
    fs::remove(fs::path("/dev/shm") / fmt::format("{}-{}.shm", service, segment), ignored);
  }
}

const passwd* ProxyUser() {
  const passwd* user = getpwnam(std::string(kProxyUser).c_str());
  if (user == nullptr) user = getpwnam(std::string(kFallbackUser).c_str());
  if (user == nullptr) throw LabError("there is neither a user proxy nor nobody for Squid to run as");
  return user;
}

// Squid, unprivileged, with every file it writes in the lab's folder, memory only, and the
// proxy's policy (the rendered squid.conf fragment or the user's) after the lab's own lines.
std::string SquidConfig(const fs::path& dir, const LabEndpoint& member, int port, const std::string& policy,
                        const std::string& policy_words) {
  std::string text = fmt::format(
      "# portolan lab: Squid as the http-proxy {}, unprivileged, memory only (no cache_dir)\n", member.name);
  for (const auto& address : member.addresses) text += fmt::format("http_port {}\n", HostPort(address, port));
  text += fmt::format(
      "visible_hostname {}\n"
      "pid_filename none\n"
      "cache_log {}/cache.log\n"
      "access_log stdio:{}/access.log squid\n"
      "netdb_filename none\n"
      "pinger_enable off\n"
      "coredump_dir {}\n"
      "shutdown_lifetime 1 second\n"
      "dns_nameservers 127.0.0.1\n"
      "hosts_file {}/hosts\n"
      "\n# The proxy's policy: {}\n",
      member.name, dir.string(), dir.string(), dir.string(), dir.string(), policy_words);
  return text + policy + (policy.empty() || policy.back() == '\n' ? "" : "\n");
}

// The inventory's hosts by name, for Squid's hosts_file (requests may name servers by name).
std::string HostsFile(const inventory::Inventory& inventory, const Topology& topology) {
  std::string text;
  for (const auto& member : topology.endpoints) {
    if (member.client_network) continue;
    const auto& host = inventory.endpoints[static_cast<std::size_t>(member.endpoint)];
    for (const auto& address : member.addresses) {
      text += fmt::format("{} {} {}.{}\n", address.AddressString(), host.name, host.name, inventory.domain.name);
    }
  }
  return text;
}

// The policy text of one proxy: the user's file, or the squid fragment rendered for it.
std::pair<std::string, std::string> ProxyPolicy(const inventory::LoadedInventory& loaded, const plan::Plan& plan,
                                                int proxy, const std::optional<std::string>& ruleset) {
  if (ruleset) return {core::ReadFile(*ruleset), fmt::format("the file {}", *ruleset)};
  render::Request request;
  request.target = render::FindTarget("squid");
  if (request.target == nullptr) throw LabError("no renderer named 'squid' to render the proxy's policy");
  request.policy.mode = policy::Mode::kProxy;
  request.policy.proxy = proxy;
  std::string text;
  for (const auto& output : render::RenderRequest(loaded.catalog, loaded.inventory, plan, request)) {
    text += output.content;
  }
  return {text, "rendered by portolan render --target squid"};
}

// Writes Squid's configuration for one proxy host and checks it (squid -k parse), so that a bad
// one changes nothing. Returns the command that runs it.
std::vector<std::string> PrepareSquid(const inventory::LoadedInventory& loaded, const Topology& topology, int proxy,
                                      const std::pair<std::string, std::string>& policy, const fs::path& directory,
                                      const State& state) {
  const auto& member = topology.endpoints[static_cast<std::size_t>(proxy)];
  const auto& host = loaded.inventory.endpoints[static_cast<std::size_t>(member.endpoint)];
  const int port = host.http_proxy->port;
  const passwd* user = ProxyUser();
  // Squid reads and writes only in its own folder; the lab's folder lets it pass through.
  fs::permissions(directory, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::replace);
  const auto dir = directory / fmt::format("proxy-{}", member.endpoint);
  fs::create_directories(dir);
  if (chown(dir.c_str(), user->pw_uid, user->pw_gid) != 0) {
    throw LabError(fmt::format("cannot hand {} to {}: {}", dir.string(), user->pw_name, std::strerror(errno)));
  }
  core::WriteFileAtomically(dir / "hosts", HostsFile(loaded.inventory, topology));
  const auto config = dir / "squid.conf";
  core::WriteFileAtomically(config, SquidConfig(dir, member, port, policy.first, policy.second));
  const auto service = SquidService(state, member.endpoint);
  const std::vector<std::string> as_user{std::string(kSetpriv),
                                         fmt::format("--reuid={}", user->pw_uid),
                                         fmt::format("--regid={}", user->pw_gid),
                                         "--clear-groups",
                                         std::string(kSquid),
                                         "-n",
                                         service};
  auto parse = as_user;
  parse.insert(parse.end(), {"-k", "parse", "-f", config.string()});
  const auto parsed = RunCommand(parse, {}, member.namespace_name);
  if (parsed.status != 0 || parsed.output.find("FATAL") != std::string::npos ||
      parsed.output.find("Bungled") != std::string::npos) {
    std::string problems;
    std::istringstream lines(parsed.output);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("FATAL") != std::string::npos || line.find("Bungled") != std::string::npos ||
          line.find("ERROR") != std::string::npos) {
        problems += "\n  " + line;
      }
    }
    throw LabError(fmt::format("Squid refuses the configuration of {} ({}; {}):{}", member.name, config.string(),
                               policy.second, problems.empty() ? "\n" + parsed.output : problems));
  }
  auto run = as_user;
  run.insert(run.end(), {"-N", "-f", config.string()});
  return run;
}

// Runs a prepared Squid and waits until it listens. Records it as process "squid-N".
void RunSquid(const std::vector<std::string>& run, const inventory::Inventory& inventory, const Topology& topology,
              int proxy, const fs::path& directory, State& state, const std::atomic<bool>* interrupted) {
  const auto& member = topology.endpoints[static_cast<std::size_t>(proxy)];
  const int port = inventory.endpoints[static_cast<std::size_t>(member.endpoint)].http_proxy->port;
  const auto dir = directory / fmt::format("proxy-{}", member.endpoint);
  const auto service = SquidService(state, member.endpoint);
  const auto what = fmt::format("squid-{}", member.endpoint);
  const auto log = (directory / (what + ".log")).string();
  RemoveSquidSegments(service);
  state.processes.push_back(Spawn(run, member.namespace_name, log, what));
  state.web_ports[member.name] = {fmt::format("tcp/{}", port)};
  Save(state);
  try {
    WaitListening(state.processes.back(), state.web_ports[member.name], log, interrupted);
  } catch (const LabError& e) {
    throw LabError(fmt::format("{}\nSquid's own log ({}):\n{}", e.what(), (dir / "cache.log").string(),
                               Tail((dir / "cache.log").string(), 10)));
  }
}

// Stops a proxy's Squid (by its recorded PID) and forgets it; its shared memory goes too.
void StopSquid(State& state, int endpoint) {
  const auto what = fmt::format("squid-{}", endpoint);
  for (auto it = state.processes.begin(); it != state.processes.end();) {
    if (it->what != what) {
      ++it;
      continue;
    }
    if (StillRunning(*it)) Stop(*it, kProcessGrace);
    it = state.processes.erase(it);
  }
  RemoveSquidSegments(SquidService(state, endpoint));
}

void StartProxies(const inventory::LoadedInventory& loaded, const plan::Plan& plan, const Topology& topology,
                  const std::optional<std::string>& ruleset, const fs::path& directory, State& state,
                  const UpOptions& options) {
  const auto proxies = ProxyHosts(loaded.inventory);
  std::vector<std::string> words;
  for (const int proxy : proxies) {
    const auto& member = topology.endpoints[static_cast<std::size_t>(proxy)];
    const auto policy = ProxyPolicy(loaded, plan, member.endpoint, ruleset);
    Say(options, fmt::format("starting Squid as the proxy {} with the policy {}", member.name, policy.second));
    const auto run = PrepareSquid(loaded, topology, proxy, policy, directory, state);
    RunSquid(run, loaded.inventory, topology, proxy, directory, state, options.interrupted);
    words.push_back(fmt::format("{}: {}", member.name, policy.second));
  }
  state.proxy_policy = fmt::format("{}", fmt::join(words, "; "));
  Save(state);
}

// The endpoints that some flow with ports reaches: they get a responder.
std::set<int> Reached(const plan::Plan& plan) {
  std::set<int> reached;
  for (const auto& flow : plan.flows) {
    if (!catalog::ProtocolHasPorts(flow.protocol)) continue;
    reached.insert(flow.destinations.begin(), flow.destinations.end());
  }
  return reached;
}

// The responders drop root to nobody before they write their pid files: those, and their
// contact logs, live in a folder of the lab's that nobody owns.
fs::path ResponderDirectory(const fs::path& directory) {
  return directory / "responders";
}

void PrepareResponderDirectory(const fs::path& directory) {
  const auto run = ResponderDirectory(directory);
  fs::create_directories(run);
  const passwd* nobody = getpwnam("nobody");
  if (nobody == nullptr) throw LabError("there is no user nobody for the responders to run as");
  if (chown(run.c_str(), nobody->pw_uid, nobody->pw_gid) != 0) {
    throw LabError(fmt::format("cannot hand {} to nobody: {}", run.string(), std::strerror(errno)));
  }
  // The lab's own folder stays root's, but nobody may pass through it to reach its own.
  fs::permissions(directory, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::replace);
}

// More ports than this on one endpoint (the 16,384-port RPC range of newer Windows, on two
// addresses) and its responder opens only the ports the lab checks, not every port of the plan.
constexpr std::size_t kMaxResponderSockets = 4096;

// "80/tcp,389/udp,1025-1030/tcp": the ports the lab checks on one endpoint, for respond --ports.
std::string CheckedPorts(const std::vector<Check>& checks, int endpoint) {
  std::map<probe::Transport, std::set<int>> ports;
  for (const auto& check : checks) {
    if (check.required && check.destination == endpoint) ports[check.transport].insert(check.port);
  }
  std::vector<std::string> items;
  for (const auto& [transport, set] : ports) {
    for (auto it = set.begin(); it != set.end();) {
      int last = *it;
      auto next = std::next(it);
      while (next != set.end() && *next == last + 1) last = *next++;
      items.push_back(*it == last ? fmt::format("{}/{}", *it, probe::TransportName(transport))
                                  : fmt::format("{}-{}/{}", *it, last, probe::TransportName(transport)));
      it = next;
    }
  }
  return fmt::format("{}", fmt::join(items, ","));
}

// How many sockets `respond --host` would open for an endpoint: its ports times its addresses.
std::size_t PlannedSockets(const plan::Plan& plan, const LabEndpoint& member) {
  std::size_t ports = 0;
  for (const auto& flow : plan.flows) {
    if (!catalog::ProtocolHasPorts(flow.protocol)) continue;
    if (!std::binary_search(flow.destinations.begin(), flow.destinations.end(), member.endpoint)) continue;
    for (const auto& range : flow.Ports().Ranges()) ports += static_cast<std::size_t>(range.last - range.first + 1);
  }
  return ports * member.addresses.size();
}

// Whether the servers' ports ("tcp/80") are every port of an endpoint's.
bool AllServed(const respond::PortChoice& ports, const std::vector<std::string>& served) {
  if (!ports.udp.Empty()) return false;
  for (const auto& range : ports.tcp.Ranges()) {
    for (int port = range.first; port <= range.last; ++port) {
      if (std::find(served.begin(), served.end(), fmt::format("tcp/{}", port)) == served.end()) return false;
    }
  }
  return true;
}

void StartResponders(const UpOptions& options, const plan::Plan& plan, const std::vector<Check>& checks,
                     const Topology& topology, const fs::path& directory, State& state) {
  const auto self = SelfExecutable();
  PrepareResponderDirectory(directory);
  const auto run = ResponderDirectory(directory);
  std::vector<std::pair<LabProcess, fs::path>> started;
  for (const int e : Reached(plan)) {
    const auto& member = topology.endpoints[static_cast<std::size_t>(e)];
    // Where nginx or Squid serve some of its ports, the responder leaves those to them; where
    // they serve all, it has nothing to do.
    const auto web = state.web_ports.find(member.name);
    const bool web_served = web != state.web_ports.end() && !web->second.empty();
    if (web_served && AllServed(respond::PortsOfEndpoint(plan, e), web->second)) continue;
    std::vector<std::string> argv{self,         "respond",
                                  "--token",    state.token,
                                  "--ttl",      fmt::format("{}s", options.responder_ttl.count()),
                                  "--log",      (run / fmt::format("contacts-{}.jsonl", member.endpoint)).string(),
                                  "--pid-file", (run / fmt::format("respond-{}.pid", member.endpoint)).string(),
                                  "-q"};
    if (PlannedSockets(plan, member) <= kMaxResponderSockets) {
      argv.insert(argv.end(), {"-i", (directory / kInventoryCopy).string(), "--host", member.name});
      if (state.catalog) argv.insert(argv.end(), {"--catalog", (directory / kCatalogCopy).string()});
    } else {
      const auto ports = CheckedPorts(checks, e);
      if (ports.empty()) continue;
      argv.insert(argv.end(), {"--ports", ports});
    }
    for (const auto& address : member.addresses) {
      argv.push_back("--bind");
      argv.push_back(address.AddressString());
    }
    if ((state.samba_host && *state.samba_host == member.name) || web_served) argv.push_back("--skip-busy");
    const auto what = fmt::format("respond-{}", member.endpoint);
    state.processes.push_back(Spawn(argv, member.namespace_name, (directory / (what + ".log")).string(), what));
    Save(state);
    started.emplace_back(state.processes.back(), run / fmt::format("respond-{}.pid", member.endpoint));
  }
  WaitForResponders(started, directory);
}

void BuildLab(const UpOptions& options, const inventory::LoadedInventory& loaded, const plan::Plan& plan,
              const Topology& topology, const std::vector<std::string>& router_policy,
              const std::vector<render::Output>& hosts, const fs::path& directory, State& state) {
  Say(options,
      fmt::format("building {} namespaces: {} endpoints in {} zones behind router {}", topology.Namespaces().size(),
                  topology.endpoints.size(), topology.zones.size(), topology.router_namespace));
  BuildNetwork(topology, state);
  CheckInterrupted(options.interrupted);
  Say(options, fmt::format("loading {} into {}", state.policy, topology.router_namespace));
  for (std::size_t i = 0; i < router_policy.size(); ++i) {
    LoadRuleset(topology.router_namespace, router_policy[i], directory / fmt::format("router-{}.rules", i));
  }
  for (const auto& output : hosts) {
    const auto* member = topology.FindEndpoint(output.stem);
    if (member == nullptr || output.content.empty()) continue;
    LoadRuleset(member->namespace_name, output.content, directory / ("host-" + output.file_name));
  }
  CheckInterrupted(options.interrupted);
  if (options.with_samba) {
    const auto it = std::find_if(topology.endpoints.begin(), topology.endpoints.end(), [&](const LabEndpoint& e) {
      return !e.client_network &&
             loaded.inventory.endpoints[static_cast<std::size_t>(e.endpoint)].HasRole(kGlobalCatalogRole);
    });
    if (it == topology.endpoints.end()) throw LabError("--with-samba: the inventory has no global-catalog host");
    StartSamba(loaded, topology, *it, directory, state, options);
  }
  CheckInterrupted(options.interrupted);
  if (!ProxyHosts(loaded.inventory).empty()) {
    StartOriginServers(loaded, plan, topology, directory, state, options);
    StartProxies(loaded, plan, topology, options.proxy_ruleset, directory, state, options);
  }
  CheckInterrupted(options.interrupted);
  Say(options, "starting the responders");
  const auto checks = BuildChecks(loaded.catalog, plan, topology, CheckOptions{options.host_firewall});
  StartResponders(options, plan, checks.checks, topology, directory, state);
}

// What the responders' contact logs show: "protocol source local local_port" per contact.
std::set<std::string> LoggedContacts(const fs::path& directory, const Topology& topology) {
  constexpr std::uintmax_t kMaxLog = 64ULL * 1024 * 1024;  // read no more of a log than this
  std::set<std::string> contacts;
  for (const auto& member : topology.endpoints) {
    const auto path = ResponderDirectory(directory) / fmt::format("contacts-{}.jsonl", member.endpoint);
    std::error_code error;
    if (!fs::exists(path, error) || fs::file_size(path, error) > kMaxLog) continue;
    std::ifstream file(path);
    std::string line;
    while (std::getline(file, line)) {
      const auto json = Json::parse(line, nullptr, false);
      if (json.is_discarded() || !json.is_object()) continue;
      contacts.insert(fmt::format("{} {} {} {}", json.value("protocol", ""), json.value("source", ""),
                                  json.value("local", ""), json.value("local_port", 0)));
    }
  }
  return contacts;
}

std::string ContactKey(const CheckResult& result, const Topology& topology) {
  const auto& source = topology.endpoints[static_cast<std::size_t>(result.check.source)];
  return fmt::format("{} {} {} {}", probe::TransportName(result.check.transport),
                     topology.AddressOf(source, result.check.family), result.check.address,
                     result.probe.spec.target.port);
}

bool AnsweredByResponder(const CheckResult& result) {
  return result.probe.verdict == probe::Verdict::kVerified &&
         result.probe.detail.find("portolan responder") != std::string::npos;
}

// Marks every check a responder answered with whether its log shows the contact. The logs are
// written as contacts happen; a contact logged a moment after its answer gets a second look.
void AddResponderEvidence(const fs::path& directory, VerifyReport& report) {
  constexpr int kLooks = 5;
  for (int look = 0; look < kLooks; ++look) {
    const auto logged = LoggedContacts(directory, report.topology);
    int missing = 0;
    for (auto& result : report.results) {
      if (!AnsweredByResponder(result)) continue;
      result.logged_by_responder = logged.contains(ContactKey(result, report.topology));
      if (!*result.logged_by_responder) ++missing;
    }
    if (missing == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// --- lab verify ---------------------------------------------------------------------------------

// A lab that lab up finished building. Throws LabError when there is none.
State ReadyLab(const std::string& name) {
  if (const auto missing = MissingPrivileges(); !missing.empty()) throw LabError(missing);
  auto state = LoadState(name);
  if (!state) throw LabError(fmt::format("no lab named {} (portolan lab up first)", name));
  if (!state->ready) {
    throw LabError(fmt::format(
        "lab {} is not ready (its lab up did not finish); remove it: portolan lab down --name {}", name, name));
  }
  return std::move(*state);
}

// The inventory and catalog the lab was built from, read from the lab's own copies.
inventory::LoadedInventory LoadLabInventory(const fs::path& directory, const State& state) {
  std::optional<std::string> catalog;
  if (state.catalog) catalog = (directory / kCatalogCopy).string();
  return inventory::LoadInventory((directory / kInventoryCopy).string(), catalog);
}

VerifyReport NewReport(const State& state, const inventory::Inventory& inventory) {
  VerifyReport report;
  report.lab = state.name;
  report.inventory = state.inventory;
  report.fingerprint = inventory.fingerprint;
  report.policy = state.policy;
  report.host_firewall = state.host_firewall;
  report.samba_host = state.samba_host;
  report.proxy_policy = state.proxy_policy;
  report.topology = BuildTopology(inventory, state.name);
  return report;
}

void CheckNamespacesExist(const std::string& lab, const Topology& topology) {
  for (const auto& name : topology.Namespaces()) {
    if (!NamespaceExists(name)) throw LabError(fmt::format("lab {} is broken: namespace {} is gone", lab, name));
  }
}

// The responder's greeting check, one row per transport in the probe registry.
const probe::Service* ResponderService(probe::Transport transport) {
  for (const auto& service : probe::Services()) {
    if (service.id == "responder" && service.transport == transport) return &service;
  }
  return nullptr;
}

// The HTTP probe (GET, with the check and proxy of a spec), for the ports nginx and Squid serve.
const probe::Service* HttpService() {
  for (const auto& service : probe::Services()) {
    if (service.id == "http" && service.transport == probe::Transport::kTcp) return &service;
  }
  throw LabError("the probe registry has no http service");
}

// What every probe of lab verify is made from, besides its check.
struct SpecInputs {
  const inventory::LoadedInventory& loaded;
  const Topology& topology;
  const State& state;
  std::set<std::string> samba_ports;  // "tcp/389", what Samba listens on
  std::optional<core::PortSet> rpc_range;
};

// A port of the destination that nginx or Squid serves, not a responder.
bool ServedByWebServer(const Check& check, const LabEndpoint& destination, const State& state) {
  if (check.transport != probe::Transport::kTcp) return false;
  const auto it = state.web_ports.find(destination.name);
  return it != state.web_ports.end() &&
         std::find(it->second.begin(), it->second.end(), fmt::format("tcp/{}", check.port)) != it->second.end();
}

probe::ProbeSpec SpecFor(const Check& check, const SpecInputs& inputs) {
  const auto& destination = inputs.topology.endpoints[static_cast<std::size_t>(check.destination)];
  const auto& endpoint = inputs.loaded.inventory.endpoints[static_cast<std::size_t>(destination.endpoint)];
  probe::ProbeSpec spec;
  spec.target.address = check.address;
  spec.target.port = check.port;
  spec.target.domain = inputs.loaded.inventory.domain.name;
  spec.target.netbios_name = endpoint.name.substr(0, kNetbiosNameLength);
  spec.target.roles = endpoint.roles;
  spec.transport = check.transport;
  const bool by_samba =
      inputs.state.samba_host && *inputs.state.samba_host == destination.name &&
      inputs.samba_ports.contains(fmt::format("{}/{}", probe::TransportName(check.transport), check.port));
  spec.service = by_samba ? probe::ServiceFor(check.transport, check.port) : ResponderService(check.transport);
  // A responder's greeting proves the path only with this lab's token; where Samba serves
  // the port, no responder may answer for it, so no token can match.
  spec.target.responder_token = by_samba ? std::string("samba-serves-this-port") : inputs.state.token;
  // nginx and Squid answer HTTP: a real HTTP answer proves the path (never a silence or a reset).
  if (check.proxy || ServedByWebServer(check, destination, inputs.state)) {
    spec.service = HttpService();
    spec.target.responder_token = "a-web-server-serves-this-port";
  }
  if (check.proxy) {
    spec.proxy = probe::ProxyEndpoint{.address = check.proxy->proxy_address, .port = check.proxy->proxy_port};
    spec.http_check = check.proxy->http_check;
    spec.http_path = check.proxy->path;
  }
  spec.flows = check.flows;
  spec.rpc_range = inputs.rpc_range;
  return spec;
}

// The probes of one source namespace.
struct ProbeRun {
  std::string netns;
  std::vector<probe::ProbeSpec> specs;
};

std::vector<ProbeRun> ProbeRuns(const std::map<int, std::vector<std::size_t>>& by_source,
                                const std::vector<Check>& checks, const SpecInputs& inputs) {
  std::vector<ProbeRun> runs;
  for (const auto& [source, indices] : by_source) {
    ProbeRun run;
    run.netns = inputs.topology.endpoints[static_cast<std::size_t>(source)].namespace_name;
    for (const auto index : indices) run.specs.push_back(SpecFor(checks[index], inputs));
    runs.push_back(std::move(run));
  }
  return runs;
}

// Every run at once, each in a thread inside its namespace; the results in the order of the runs.
// Throws LabError when a run could not probe at all.
std::vector<std::vector<probe::ProbeResult>> ProbeFromEverySource(const std::vector<ProbeRun>& runs,
                                                                  const VerifyOptions& options, int concurrency) {
  std::vector<std::vector<probe::ProbeResult>> outcomes(runs.size());
  std::vector<std::string> failures(runs.size());
  std::vector<std::thread> threads;
  for (std::size_t slot = 0; slot < runs.size(); ++slot) {
    threads.emplace_back([&, slot] {
      const auto& run = runs[slot];
      try {
        const NamespaceScope scope(run.netns);
        probe::EngineOptions engine;
        engine.timeout = options.timeout;
        engine.concurrency = concurrency;
        engine.threads = 1;
        engine.retries = 1;
        outcomes[slot] = probe::RunProbes(run.specs, engine);
      } catch (const std::exception& e) {
        failures[slot] = fmt::format("probing from {}: {}", run.netns, e.what());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& failure : failures) {
    if (!failure.empty()) throw LabError(failure);
  }
  return outcomes;
}

// The check a follow-through probe continues: the endpoint mapper's, from the same source to the
// same address. nullptr when there is none.
const Check* EndpointMapperCheck(const std::vector<Check>& checks, int source, const std::string& address) {
  const auto origin = std::find_if(checks.begin(), checks.end(), [&](const Check& check) {
    return check.source == source && check.address == address && check.port == kEndpointMapperPort &&
           check.transport == probe::Transport::kTcp;
  });
  return origin == checks.end() ? nullptr : &*origin;
}

// A required check passes when the probe gets through (a port the endpoint mapper handed out must
// also lie in the RPC range); any other passes when the probe is filtered.
bool CheckPasses(const CheckResult& result, const std::optional<core::PortSet>& rpc_range) {
  // Through a proxy: exactly the verdict expected (the origin's answer, or the proxy's refusal).
  if (result.check.proxy) return result.probe.verdict == result.check.proxy->expected;
  if (!result.check.required) {
    return result.probe.verdict == probe::Verdict::kFiltered ||
           result.probe.verdict == probe::Verdict::kListeningOrFiltered;
  }
  const bool outside_range = result.follow_through && rpc_range && !rpc_range->Contains(result.probe.spec.target.port);
  return probe::VerdictPasses(result.probe.verdict) && !outside_range;
}

// The results of every run, in order: each check's, then the engine's follow-through probes of
// the ports the endpoint mapper handed out.
std::vector<CheckResult> CollectResults(const std::vector<Check>& checks,
                                        const std::map<int, std::vector<std::size_t>>& by_source,
                                        std::vector<std::vector<probe::ProbeResult>> outcomes,
                                        const std::optional<core::PortSet>& rpc_range) {
  std::vector<CheckResult> collected;
  std::size_t slot = 0;
  for (const auto& [source, indices] : by_source) {
    auto& results = outcomes[slot++];
    for (std::size_t i = 0; i < results.size(); ++i) {
      CheckResult result;
      if (i < indices.size()) {
        result.check = checks[indices[i]];
      } else {
        const auto* origin = EndpointMapperCheck(checks, source, results[i].spec.target.address);
        if (origin == nullptr) continue;
        result.check = *origin;
        result.check.port = results[i].spec.target.port;
        result.follow_through = true;
      }
      result.probe = std::move(results[i]);
      result.pass = CheckPasses(result, rpc_range);
      collected.push_back(std::move(result));
    }
  }
  return collected;
}

}  // namespace

fs::path LabsDirectory() {
  if (const char* custom = std::getenv("PORTOLAN_LAB_DIR"); custom != nullptr && *custom != '\0') return custom;
  return "/run/portolan/labs";
}

std::vector<std::string> ListLabs() {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(LabsDirectory(), error)) {
    // A lab's folder may be closed to other users: then its name is all there is to tell.
    std::error_code unreadable;
    if (fs::exists(entry.path() / kStateFile, unreadable) || unreadable) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

void Up(const UpOptions& options) {
  if (const auto missing = MissingPrivileges(); !missing.empty()) throw LabError(missing);
  if (const auto problem = CheckLabName(options.name); !problem.empty()) throw LabError("--name: " + problem);
  const auto directory = LabDirectory(options.name);
  if (fs::exists(directory / kStateFile)) {
    throw LabError(fmt::format("a lab named {} exists already; remove it first: portolan lab down --name {}",
                               options.name, options.name));
  }
  const auto loaded = inventory::LoadInventory(options.inventory, options.catalog);
  const auto plan = plan::BuildPlan(loaded.catalog, loaded.inventory);
  const auto topology = BuildTopology(loaded.inventory, options.name);
  for (const auto& name : topology.Namespaces()) {
    if (NamespaceExists(name)) {
      throw LabError(
          fmt::format("network namespace {} exists already (a lab without a record?); remove it with: ip "
                      "netns del {}",
                      name, name));
    }
  }
  if (!ProxyHosts(loaded.inventory).empty()) RequireWebTools();
  if (options.proxy_ruleset && ProxyHosts(loaded.inventory).empty()) {
    throw LabError("--proxy-ruleset: the inventory has no http-proxy host");
  }
  if (options.with_samba && (!fs::exists("/usr/sbin/samba") || !fs::exists("/usr/bin/samba-tool"))) {
    throw LabError("--with-samba needs Samba (apt-get install samba samba-ad-dc; scripts/install-deps.sh has it)");
  }

  // Everything that can be refused is worked out before anything is created.
  State state;
  state.name = options.name;
  state.inventory = options.inventory;
  state.catalog = options.catalog.has_value();
  state.token = NewToken(options.name);
  state.target = options.target;
  state.host_firewall = options.host_firewall;
  std::vector<std::string> router_policy;  // one ruleset per family for iptables
  if (options.ruleset) {
    router_policy.push_back(core::ReadFile(*options.ruleset));
    state.policy = fmt::format("the ruleset {}", *options.ruleset);
  } else {
    for (const auto& output : RenderPolicy(loaded, plan, options.target, policy::Mode::kNetwork, std::nullopt)) {
      router_policy.push_back(output.content);
    }
    state.policy = fmt::format("the {} network policy rendered from {}", options.target, options.inventory);
  }
  std::vector<render::Output> host_policies;
  if (options.host_firewall) {
    for (const auto& member : topology.endpoints) {
      if (member.client_network) continue;
      for (auto& output : RenderPolicy(loaded, plan, options.target, policy::Mode::kHost, member.endpoint)) {
        host_policies.push_back(std::move(output));
      }
    }
  }

  fs::create_directories(directory);
  fs::permissions(directory, fs::perms::owner_all, fs::perm_options::replace);
  fs::copy_file(options.inventory, directory / kInventoryCopy, fs::copy_options::overwrite_existing);
  if (options.catalog) fs::copy_file(*options.catalog, directory / kCatalogCopy, fs::copy_options::overwrite_existing);
  Save(state);
  try {
    BuildLab(options, loaded, plan, topology, router_policy, host_policies, directory, state);
  } catch (...) {
    try {
      Down(options.name);
    } catch (const std::exception&) {
    }
    throw;
  }
  state.ready = true;
  Save(state);
}

std::string Reload(const std::string& name, const std::optional<std::string>& ruleset) {
  if (const auto missing = MissingPrivileges(); !missing.empty()) throw LabError(missing);
  auto state = LoadState(name);
  if (!state || !state->ready) throw LabError(fmt::format("no lab named {} is up (portolan lab up first)", name));
  const auto directory = LabDirectory(name);
  std::vector<std::string> policy;
  if (ruleset) {
    policy.push_back(core::ReadFile(*ruleset));
    state->policy = fmt::format("the ruleset {}", *ruleset);
  } else {
    const auto loaded = LoadLabInventory(directory, *state);
    const auto plan = plan::BuildPlan(loaded.catalog, loaded.inventory);
    for (const auto& output : RenderPolicy(loaded, plan, state->target, policy::Mode::kNetwork, std::nullopt)) {
      policy.push_back(output.content);
    }
    state->policy = fmt::format("the {} network policy rendered from {}", state->target, state->inventory);
  }
  const auto router = RouterNamespace(name);
  for (std::size_t i = 0; i < policy.size(); ++i) {
    CheckRuleset(router, policy[i], directory / fmt::format("router-{}.rules", i));
  }
  // The router namespace is the lab's own: everything in its ruleset came from the lab.
  RunChecked({"nft", "flush", "ruleset"}, {}, router);
  for (std::size_t i = 0; i < policy.size(); ++i) {
    LoadRuleset(router, policy[i], directory / fmt::format("router-{}.rules", i));
  }
  Save(*state);
  return state->policy;
}

bool HasProxies(const std::string& name) {
  const auto state = LoadState(name);
  return state && !state->proxy_policy.empty();
}

std::string ReloadProxies(const std::string& name, const std::optional<std::string>& proxy_ruleset) {
  if (const auto missing = MissingPrivileges(); !missing.empty()) throw LabError(missing);
  auto state = LoadState(name);
  if (!state || !state->ready) throw LabError(fmt::format("no lab named {} is up (portolan lab up first)", name));
  const auto directory = LabDirectory(name);
  const auto loaded = LoadLabInventory(directory, *state);
  const auto plan = plan::BuildPlan(loaded.catalog, loaded.inventory);
  const auto topology = BuildTopology(loaded.inventory, name);
  const auto proxies = ProxyHosts(loaded.inventory);
  if (proxies.empty()) throw LabError(fmt::format("lab {} has no http-proxy host", name));
  // Every configuration is checked before any Squid is replaced.
  std::vector<std::vector<std::string>> runs;
  std::vector<std::string> words;
  for (const int proxy : proxies) {
    const auto policy = ProxyPolicy(loaded, plan, proxy, proxy_ruleset);
    runs.push_back(PrepareSquid(loaded, topology, proxy, policy, directory, *state));
    words.push_back(fmt::format("{}: {}", topology.endpoints[static_cast<std::size_t>(proxy)].name, policy.second));
  }
  for (std::size_t i = 0; i < proxies.size(); ++i) {
    StopSquid(*state, proxies[i]);
    Save(*state);
    RunSquid(runs[i], loaded.inventory, topology, proxies[i], directory, *state, nullptr);
  }
  state->proxy_policy = fmt::format("{}", fmt::join(words, "; "));
  Save(*state);
  return state->proxy_policy;
}

std::vector<std::string> Down(const std::string& name) {
  if (const auto missing = MissingPrivileges(); !missing.empty()) throw LabError(missing);
  if (const auto problem = CheckLabName(name); !problem.empty()) throw LabError("--name: " + problem);
  const auto state = LoadState(name);
  if (!state) {
    const auto labs = ListLabs();
    throw LabError(fmt::format(
        "no lab named {}{}", name,
        labs.empty() ? std::string(" (there is none)") : fmt::format(" (labs: {})", fmt::join(labs, ", "))));
  }
  std::vector<std::string> removed;
  for (auto it = state->processes.rbegin(); it != state->processes.rend(); ++it) {
    if (it->what.rfind("squid-", 0) == 0) {
      // Its shared memory goes too, whether it ran or not (a Squid killed leaves it behind).
      const auto endpoint = it->what.substr(std::string_view("squid-").size());
      const auto cleanup = [&] { RemoveSquidSegments(SquidService(*state, std::stoi(endpoint))); };
      if (StillRunning(*it)) {
        Stop(*it, kProcessGrace);
        removed.push_back(fmt::format("process {} ({})", it->pid, it->what));
      }
      cleanup();
      continue;
    }
    if (!StillRunning(*it)) continue;
    Stop(*it, kProcessGrace);
    removed.push_back(fmt::format("process {} ({})", it->pid, it->what));
  }
  for (auto it = state->namespaces.rbegin(); it != state->namespaces.rend(); ++it) {
    if (!NamespaceExists(*it)) continue;
    // Anything still running inside a namespace of the lab was started by the lab (Samba's
    // children, say): it goes with the namespace.
    for (const pid_t pid : ProcessesIn(*it)) {
      const auto start = ProcessStartTime(pid);
      if (!start) continue;
      Stop(LabProcess{pid, *start, "leftover", *it}, kProcessGrace);
      removed.push_back(fmt::format("process {} (in {})", pid, *it));
    }
    RunChecked({"ip", "netns", "del", *it});
    removed.push_back(fmt::format("namespace {}", *it));
  }
  std::error_code ignored;
  fs::remove_all(LabDirectory(name), ignored);
  return removed;
}

VerifyReport Verify(const VerifyOptions& options) {
  const auto state = ReadyLab(options.name);
  const auto directory = LabDirectory(options.name);
  const auto loaded = LoadLabInventory(directory, state);
  const auto plan = plan::BuildPlan(loaded.catalog, loaded.inventory);
  auto report = NewReport(state, loaded.inventory);
  CheckNamespacesExist(options.name, report.topology);
  auto list = BuildChecks(loaded.catalog, plan, report.topology, CheckOptions{state.host_firewall});
  report.notes = std::move(list.notes);
  if (!state.proxy_policy.empty()) {
    for (auto& check : BuildProxyChecks(loaded.inventory, plan, report.topology))
      list.checks.push_back(std::move(check));
  }
  const SpecInputs inputs{.loaded = loaded,
                          .topology = report.topology,
                          .state = state,
                          .samba_ports = {state.samba_ports.begin(), state.samba_ports.end()},
                          .rpc_range = plan::RpcDynamicPorts(loaded.catalog, loaded.inventory)};

  // One probe run per source namespace, all at once, each in a thread inside that namespace.
  std::map<int, std::vector<std::size_t>> by_source;
  for (std::size_t i = 0; i < list.checks.size(); ++i) by_source[list.checks[i].source].push_back(i);
  // They share this process's descriptors: take all there are, and share them out.
  const rlim_t descriptors = core::RaiseDescriptorLimit().value_or(0);
  constexpr rlim_t kSpareDescriptors = 256;
  const auto budget = descriptors > kSpareDescriptors * 2
                          ? (descriptors - kSpareDescriptors) / std::max<rlim_t>(1, by_source.size())
                          : 16;
  const int concurrency = static_cast<int>(std::min<rlim_t>(static_cast<rlim_t>(options.concurrency), budget));
  auto outcomes = ProbeFromEverySource(ProbeRuns(by_source, list.checks, inputs), options, concurrency);
  report.results = CollectResults(list.checks, by_source, std::move(outcomes), inputs.rpc_range);
  AddResponderEvidence(directory, report);
  return report;
}

}  // namespace portolan::lab
