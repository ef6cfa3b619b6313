// Squid: one http-proxy host's policy (proxy mode) as a squid.conf fragment, for Debian's
// /etc/squid/conf.d/ or an include: acl lines for its clients (src), its origin servers (dst),
// the origin ports and each request's methods, then http_access in first-match order: no
// CONNECT, no port outside the policy, one allow per proxy request, deny all.

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>

#include "render/platforms.hpp"
#include "render/text.hpp"

namespace portolan::render {

namespace {

constexpr std::size_t kMaxAclName = 63;  // Squid 5: ACL_NAME_SZ - 1, longer names are a FATAL
constexpr std::string_view kPrefix = "portolan_";

// Comment text from the inventory (names, file names) on one line: Squid reads a line break as
// the end of the comment, so a name holding one could smuggle in a directive.
std::string OneLine(std::string_view text) {
  std::string line(text);
  for (auto& c : line) {
    if (std::iscntrl(static_cast<unsigned char>(c))) c = ' ';
  }
  return line;
}

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// ACL names: all start with "portolan_", so none redefines one of Squid's predefined ACLs (all,
// manager, localhost, to_localhost, CONNECT) or one of Debian's (localnet, SSL_ports, Safe_ports);
// they are at most 63 characters and unique without regard to case, as Squid looks them up.
class AclNames {
 public:
  std::string Claim(std::string_view wanted, std::string_view fallback) {
    std::string name(kPrefix);
    for (const char c : wanted) name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
    if (name.size() > kMaxAclName) name = fmt::format("{}{}", kPrefix, fallback);
    std::string unique = name;
    for (int n = 2; taken_.contains(Lower(unique)); ++n) {
      const std::string suffix = fmt::format("_{}", n);
      unique = name.substr(0, std::min(name.size(), kMaxAclName - suffix.size())) + suffix;
    }
    taken_.insert(Lower(unique));
    return unique;
  }

 private:
  std::set<std::string> taken_;
};

struct Acls {
  std::map<int, std::string> from;  // address group -> src ACL
  std::map<int, std::string> to;    // address group -> dst ACL
  std::map<core::PortSet, std::string> ports;
  core::PortSet all;                 // the union of every rule's ports
  std::string all_ports;             // its ACL: one of the above when a rule has them all
  std::vector<std::string> methods;  // per rule
};

std::string Values(const policy::AddressGroup& group) {
  std::vector<std::string> values;
  for (const auto& network : group.networks) {
    values.push_back(network.IsHost() ? network.AddressString() : network.ToString());
  }
  return fmt::format("{}", fmt::join(values, " "));
}

std::string_view FamilyNote(const policy::AddressGroup& group) {
  return group.family == core::Family::kIPv6 ? " (IPv6)" : "";
}

std::string PortValues(const core::PortSet& ports) {
  return fmt::format("{}", fmt::join(ports.ToStrings(), " "));
}

std::string Joined(const std::vector<std::string>& words) {
  return fmt::format("{}", fmt::join(words, " "));
}

const inventory::Endpoint* Proxy(const policy::Policy& policy) {
  if (!policy.options.proxy || policy.inventory == nullptr) return nullptr;
  return &policy.inventory->endpoints[*policy.options.proxy];
}

// The firewall flows that carry each proxy request ("P01" -> "F12 F13"), from the plan.
std::map<std::string, std::string> CarryingFlows(const RenderOptions& options) {
  std::map<std::string, std::string> flows;
  if (options.plan == nullptr) return flows;
  for (const auto& request : options.plan->proxy_requests) flows[request.id] = Joined(request.flows);
  return flows;
}

// The proxy requests (rule flow ids) that use an address group on one side.
std::string RequestsUsing(const policy::Policy& policy, int group, bool as_source) {
  std::vector<std::string> ids;
  for (const auto& rule : policy.rules) {
    if ((as_source ? rule.sources : rule.destinations) == group) ids.push_back(rule.flow_id);
  }
  return Joined(ids);
}

std::vector<std::string> HeaderOf(const policy::Policy& policy) {
  const auto& target = *FindTarget("squid");
  std::vector<std::string> lines;
  lines.push_back(fmt::format("{}, written by portolan render --target {}", target.title, target.id));
  lines.push_back(fmt::format("Inventory {} (catalog {}, domain {})", policy.inventory->file, policy.catalog->name,
                              policy.inventory->domain.name));
  if (const auto* proxy = Proxy(policy)) {
    std::vector<std::string> addresses;
    for (const auto& network : proxy->addresses) addresses.push_back(network.AddressString());
    const auto settings = proxy->http_proxy.value_or(inventory::HttpProxySettings{});
    lines.push_back(fmt::format("Proxy mode, {} ({}, clients send to port {}, auth {}): the requests it carries",
                                proxy->name, fmt::join(addresses, ", "), settings.port,
                                inventory::ProxyAuthName(settings.auth)));
    std::vector<std::string> bypass = settings.bypass_hosts;
    for (const auto& network : settings.bypass_networks) bypass.push_back(network.ToString());
    if (!bypass.empty()) {
      lines.push_back(
          fmt::format("Its clients reach these directly, not through it (bypass list): {}", fmt::join(bypass, ", ")));
    }
  }
  lines.push_back(fmt::format(
      "{} rules from the plan; each names its proxy request, the firewall flows that carry it and the catalog "
      "entries that require it.",
      policy.rules.size()));
  lines.push_back(policy.options.default_deny
                      ? "Everything the plan does not require is denied."
                      : "No default deny (--no-default-deny): insert these lines into an http_access list that ends "
                        "in a deny.");
  for (const auto& omission : policy.omissions) lines.push_back("WARNING: " + omission);
  for (auto& line : lines) line = OneLine(line);
  return lines;
}

std::vector<std::string> InstallNotes() {
  return {
      "Install on Debian: copy to /etc/squid/conf.d/portolan.conf, then squid -k parse && squid -k reconfigure.",
      "Debian's squid.conf includes conf.d/*.conf after its own Safe_ports, CONNECT and cache manager lines",
      "and before its \"http_access allow localhost\", which the final deny below makes unreachable.",
      "Elsewhere: include this file in squid.conf before the first http_access line.",
      "dst matches the address Squid resolves a request's host name to: Squid needs DNS (or hosts_file)",
      "for the names clients use.",
  };
}

Acls NameAcls(const policy::Policy& policy) {
  AclNames names;
  Acls acls;
  for (const int g : UsedGroups(policy)) {
    const auto& group = policy.Group(g);
    for (const auto& rule : policy.rules) {
      if (rule.sources == g && !acls.from.contains(g)) {
        acls.from[g] = names.Claim("from_" + group.name, fmt::format("from_group{}", g));
      }
      if (rule.destinations == g && !acls.to.contains(g)) {
        acls.to[g] = names.Claim("to_" + group.name, fmt::format("to_group{}", g));
      }
    }
  }
  for (const auto& rule : policy.rules) {
    const auto ports = rule.Ports();
    acls.all = acls.all.Union(ports);
    if (acls.ports.contains(ports)) continue;
    std::string wanted = "port";
    for (const auto& range : ports.Ranges()) wanted += "_" + range.ToString();
    acls.ports[ports] = names.Claim(wanted, fmt::format("ports{}", acls.ports.size() + 1));
  }
  if (!policy.rules.empty()) {
    const auto same = acls.ports.find(acls.all);
    acls.all_ports = same != acls.ports.end() ? same->second : names.Claim("ports", "ports");
  }
  for (const auto& rule : policy.rules) {
    acls.methods.push_back(names.Claim(rule.name + "_methods", fmt::format("methods{}", acls.methods.size() + 1)));
  }
  return acls;
}

void WriteAddressAcls(const policy::Policy& policy, const Acls& acls, std::string& out) {
  out += "\n# Clients (src): who may send the requests below\n";
  for (const auto& [g, name] : acls.from) {
    const auto& group = policy.Group(g);
    out += fmt::format("# {}{}: client of {}\nacl {} src {}\n", OneLine(group.members), FamilyNote(group),
                       RequestsUsing(policy, g, true), name, Values(group));
  }
  out += "\n# Origin servers (dst): where they may go\n";
  for (const auto& [g, name] : acls.to) {
    const auto& group = policy.Group(g);
    out += fmt::format("# {}{}: origin server of {}\nacl {} dst {}\n", OneLine(group.members), FamilyNote(group),
                       RequestsUsing(policy, g, false), name, Values(group));
  }
}

void WritePortAndMethodAcls(const policy::Policy& policy, const Acls& acls, std::string& out) {
  out += "\n# Ports on the origin servers\n";
  for (const auto& [ports, name] : acls.ports) {
    std::vector<std::string> ids;
    for (const auto& rule : policy.rules) {
      if (rule.Ports() == ports) ids.push_back(rule.flow_id);
    }
    out += fmt::format("# tcp {}: {}\nacl {} port {}\n", ports.ToString(), Joined(ids), name, PortValues(ports));
  }
  if (policy.options.default_deny && !acls.ports.contains(acls.all)) {
    out += fmt::format("# tcp {}: every origin port of the requests below\nacl {} port {}\n", acls.all.ToString(),
                       acls.all_ports, PortValues(acls.all));
  }
  out += "\n# Request methods\n";
  for (std::size_t i = 0; i < policy.rules.size(); ++i) {
    const auto& rule = policy.rules[i];
    out += fmt::format("# {}\nacl {} method {}\n", OneLine(RuleComment(policy, rule)), acls.methods[i],
                       Joined(rule.methods));
  }
}

// A proxy that asks for credentials: Squid's auth_param (helper program, realm, domain) is the
// site's own, and a proxy_auth ACL without it does not parse, so the lines come commented out.
void WriteAuthTemplate(const policy::Policy& policy, std::string& out) {
  const auto* proxy = Proxy(policy);
  if (proxy == nullptr || !proxy->http_proxy || proxy->http_proxy->auth == inventory::ProxyAuth::kNone) return;
  const auto auth = inventory::ProxyAuthName(proxy->http_proxy->auth);
  out += fmt::format(
      "# {} asks its clients for credentials (inventory: auth {}). With auth_param {} configured in\n"
      "# squid.conf, uncomment these two lines: a request without credentials is then answered 407.\n"
      "# acl portolan_authenticated proxy_auth REQUIRED\n"
      "# http_access deny !portolan_authenticated\n",
      OneLine(proxy->name), auth, auth);
}

void WriteAccess(const policy::Policy& policy, const Acls& acls, const RenderOptions& options, std::string& out) {
  const bool deny = policy.options.default_deny;
  out += "\n# Access: the first line that matches decides\n";
  if (deny) {
    out += "# No tunnels: every request of the plan is plain HTTP, and a CONNECT would reach any port\n";
    out += "http_access deny CONNECT\n";
  }
  if (deny && !policy.rules.empty()) {
    out += fmt::format("# No origin port but tcp {}, those of the requests below (an exact Safe_ports)\n",
                       acls.all.ToString());
    out += fmt::format("http_access deny !{}\n", acls.all_ports);
  }
  WriteAuthTemplate(policy, out);
  const auto flows = CarryingFlows(options);
  for (std::size_t i = 0; i < policy.rules.size(); ++i) {
    const auto& rule = policy.rules[i];
    const auto carried = flows.find(rule.flow_id);
    const auto comment = fmt::format("{}: {} -> {} {}, {}{}", RuleComment(policy, rule), policy.Sources(rule).members,
                                     policy.Destinations(rule).members, ProtocolAndPorts(rule.protocol, rule.Ports()),
                                     Joined(rule.methods),
                                     carried == flows.end() ? "" : fmt::format("; firewall flows {}", carried->second));
    out += fmt::format("# {}\n", OneLine(comment));
    out += fmt::format("http_access allow {} {} {} {}\n", acls.from.at(rule.sources), acls.to.at(rule.destinations),
                       acls.ports.at(rule.Ports()), acls.methods[i]);
  }
  if (deny) {
    const auto* proxy = Proxy(policy);
    out += fmt::format("# portolan default deny: the plan requires nothing else of {}\n",
                       proxy != nullptr ? OneLine(proxy->name) : std::string("this proxy"));
    out += "http_access deny all\n";
  }
}

}  // namespace

std::vector<RenderedFile> RenderSquid(const policy::Policy& policy, const RenderOptions& options) {
  std::string out = CommentBlock(HeaderOf(policy), "# ");
  out += "#\n" + CommentBlock(InstallNotes(), "# ");
  const auto acls = NameAcls(policy);
  if (policy.rules.empty()) {
    out += "\n# No request of the plan goes through this proxy.\n";
  } else {
    WriteAddressAcls(policy, acls, out);
    WritePortAndMethodAcls(policy, acls, out);
  }
  WriteAccess(policy, acls, options, out);
  return {{".squid.conf", std::move(out)}};
}

}  // namespace portolan::render
