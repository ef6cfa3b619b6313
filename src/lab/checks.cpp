#include "lab/checks.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "probe/http/http_checks.hpp"

namespace portolan::lab {

namespace {

using PortKey = std::pair<probe::Transport, int>;

// Ports no SMS flow uses that a careless rule often opens: remote administration, file
// transfer, web, the RPC range of newer Windows. Checked between every pair a firewall separates.
constexpr std::array kSampleTcp = {21, 22, 23, 25, 443, 1024, 3389, 5985, 8080, 49152};
constexpr std::array kSampleUdp = {69, 123, 161, 500, 1024, 5353};

std::optional<probe::Transport> TransportOf(catalog::Protocol protocol) {
  if (protocol == catalog::Protocol::kTcp) return probe::Transport::kTcp;
  if (protocol == catalog::Protocol::kUdp) return probe::Transport::kUdp;
  return std::nullopt;
}

// Every (transport, port) the catalog names, with the entries that name it.
std::map<PortKey, std::vector<std::string>> CatalogPorts(const catalog::Catalog& catalog, const plan::Plan& plan) {
  std::map<PortKey, std::vector<std::string>> ports;
  const auto add = [&](probe::Transport transport, const core::PortSet& set, const std::string& why) {
    for (const auto& range : set.Ranges()) {
      for (const int port : PortsToCheck(range.first, range.last)) ports[{transport, port}].push_back(why);
    }
  };
  for (const auto& entry : catalog.entries) {
    const auto transport = TransportOf(entry.protocol);
    if (!transport) continue;
    if (entry.port_setting) {
      if (const auto* setting = catalog.FindSetting(*entry.port_setting))
        add(*transport, setting->default_ports, entry.id);
    } else {
      add(*transport, entry.ports, entry.id);
    }
  }
  // The inventory's own values of settings (a SQL port, the RPC range) appear in the plan.
  for (const auto& flow : plan.flows) {
    const auto transport = TransportOf(flow.protocol);
    if (!transport) continue;
    for (const auto& item : flow.content) {
      for (const auto& range : item.ports.Ranges()) {
        for (const int port : PortsToCheck(range.first, range.last)) {
          auto& why = ports[{*transport, port}];
          if (why.empty()) why.push_back(fmt::format("{} (this inventory's setting)", flow.id));
        }
      }
    }
  }
  return ports;
}

// The extension methods the proxy checks send, and the check that sends each.
// OPTIONS is a safe method no SMS flow needs: every proxy exactly as wide as the plan refuses it.
constexpr std::array kProxyMethods = {std::pair{std::string_view("CCM_POST"), probe::HttpCheck::kCcmPost},
                                      std::pair{std::string_view("BITS_POST"), probe::HttpCheck::kBitsPost},
                                      std::pair{std::string_view("PROPFIND"), probe::HttpCheck::kPropfind},
                                      std::pair{std::string_view("OPTIONS"), probe::HttpCheck::kOptions}};

bool Has(const std::vector<int>& sorted, int value) {
  return std::binary_search(sorted.begin(), sorted.end(), value);
}

bool HasMethod(const plan::ProxyRequest& request, std::string_view method) {
  return std::find(request.methods.begin(), request.methods.end(), method) != request.methods.end();
}

// Whether any request of the same proxy lets this source ask this server for this port, with
// this method (nullopt: any method).
bool Allowed(const plan::Plan& plan, const plan::ProxyRequest& like, int source, int destination, int port,
             std::optional<std::string_view> method) {
  return std::any_of(plan.proxy_requests.begin(), plan.proxy_requests.end(), [&](const plan::ProxyRequest& other) {
    return other.proxy == like.proxy && other.family == like.family && Has(other.sources, source) &&
           Has(other.destinations, destination) && other.ports.Contains(port) && (!method || HasMethod(other, *method));
  });
}

// A host of the inventory that no request of this proxy names as a server (nor the proxy
// itself), with an address of the request's family: -1 when there is none.
int OtherServer(const inventory::Inventory& inventory, const plan::Plan& plan, const plan::ProxyRequest& request,
                const Topology& topology) {
  for (int e = 0; e < static_cast<int>(inventory.endpoints.size()); ++e) {
    const auto& endpoint = inventory.endpoints[static_cast<std::size_t>(e)];
    if (endpoint.kind != inventory::EndpointKind::kHost || e == request.proxy) continue;
    if (topology.AddressOf(topology.endpoints[static_cast<std::size_t>(e)], request.family).empty()) continue;
    const bool named = std::any_of(
        plan.proxy_requests.begin(), plan.proxy_requests.end(),
        [&](const plan::ProxyRequest& other) { return other.proxy == request.proxy && Has(other.destinations, e); });
    if (!named) return e;
  }
  return -1;
}

}  // namespace

bool IsManagementPoint(const inventory::Endpoint& endpoint) {
  // A proxy management point is a management point in a secondary site: it serves the MP list too.
  return endpoint.HasRole("management-point") || endpoint.HasRole("proxy-management-point");
}

bool IsDistributionPoint(const inventory::Endpoint& endpoint) {
  return endpoint.HasRole(probe::http::kDistributionPointRole);
}

std::vector<Check> BuildProxyChecks(const inventory::Inventory& inventory, const plan::Plan& plan,
                                    const Topology& topology) {
  std::vector<Check> checks;
  for (const auto& request : plan.proxy_requests) {
    const auto& proxy = inventory.endpoints[static_cast<std::size_t>(request.proxy)];
    const auto proxy_address =
        topology.AddressOf(topology.endpoints[static_cast<std::size_t>(request.proxy)], request.family);
    if (proxy_address.empty() || !proxy.http_proxy) continue;
    ProxyCheck through;
    through.request = request.id;
    through.proxy = request.proxy;
    through.proxy_address = proxy_address;
    through.proxy_port = proxy.http_proxy->port;
    const int other = OtherServer(inventory, plan, request, topology);
    for (const int s : request.sources) {
      if (topology.AddressOf(topology.endpoints[static_cast<std::size_t>(s)], request.family).empty()) continue;
      const auto add = [&](int destination, int port, probe::HttpCheck http_check, probe::Verdict expected,
                           std::string why) {
        ProxyCheck proxied = through;
        proxied.http_check = http_check;
        proxied.expected = expected;
        if (http_check == probe::HttpCheck::kBitsFile) proxied.path = std::string(kBitsTestPath);
        const bool required = expected == probe::Verdict::kVerified;
        Check check{s,
                    destination,
                    topology.AddressOf(topology.endpoints[static_cast<std::size_t>(destination)], request.family),
                    request.family,
                    probe::Transport::kTcp,
                    port,
                    required,
                    required ? std::vector<std::string>{request.id} : std::vector<std::string>{},
                    std::move(why),
                    std::move(proxied)};
        checks.push_back(std::move(check));
      };
      for (const int d : request.destinations) {
        const auto& server = inventory.endpoints[static_cast<std::size_t>(d)];
        if (topology.AddressOf(topology.endpoints[static_cast<std::size_t>(d)], request.family).empty()) continue;
        for (const auto& range : request.ports.Ranges()) {
          for (const int port : PortsToCheck(range.first, range.last)) {
            if (IsManagementPoint(server) && HasMethod(request, "GET")) {
              add(d, port, probe::HttpCheck::kGet, probe::Verdict::kVerified,
                  fmt::format("{}: GET of the MP list", request.id));
            }
            if (IsDistributionPoint(server) && HasMethod(request, "GET") && HasMethod(request, "HEAD")) {
              add(d, port, probe::HttpCheck::kBitsFile, probe::Verdict::kVerified,
                  fmt::format("{}: a BITS download of {}", request.id, kBitsTestPath));
            }
            for (const auto& [method, http_check] : kProxyMethods) {
              if (HasMethod(request, method)) {
                add(d, port, http_check, probe::Verdict::kVerified, fmt::format("{}: method {}", request.id, method));
              } else if (!Allowed(plan, request, s, d, port, method)) {
                add(d, port, http_check, probe::Verdict::kProxyDenied,
                    fmt::format("{}: {} is not a method of it", request.id, method));
              }
            }
          }
        }
        if (!Allowed(plan, request, s, d, kProxyOtherPort, std::nullopt)) {
          add(d, kProxyOtherPort, probe::HttpCheck::kGet, probe::Verdict::kProxyDenied,
              fmt::format("{}: port {} is not a port of it", request.id, kProxyOtherPort));
        }
      }
      if (other >= 0 && !request.ports.Ranges().empty()) {
        add(other, request.ports.Ranges().front().first, probe::HttpCheck::kGet, probe::Verdict::kProxyDenied,
            fmt::format("{}: {} is not a server of any request through {}", request.id,
                        inventory.endpoints[static_cast<std::size_t>(other)].name, proxy.name));
      }
    }
  }
  std::stable_sort(checks.begin(), checks.end(), [](const Check& a, const Check& b) { return a.source < b.source; });
  return checks;
}

std::vector<int> PortsToCheck(int first, int last) {
  if (last - first + 1 <= kMaxPortsChecked) {
    std::vector<int> ports;
    for (int port = first; port <= last; ++port) ports.push_back(port);
    return ports;
  }
  const int third = (last - first) / 3;
  return {first, first + third, last - third, last};
}

bool FirewallBetween(const Topology& topology, int source, int destination, const CheckOptions& options) {
  const auto& from = topology.endpoints[static_cast<std::size_t>(source)];
  const auto& to = topology.endpoints[static_cast<std::size_t>(destination)];
  if (from.zone != to.zone) return true;
  return options.host_firewall && !to.client_network;
}

CheckList BuildChecks(const catalog::Catalog& catalog, const plan::Plan& plan, const Topology& topology,
                      const CheckOptions& options) {
  CheckList list;
  // Required: (source, destination, family, transport, port) -> flows.
  using Key = std::tuple<int, int, core::Family, probe::Transport, int>;
  std::map<Key, std::vector<std::string>> required;
  // Every port a pair needs, in any family, with the ranges it needs (for "just outside").
  std::map<std::pair<int, int>, std::set<PortKey>> pair_ports;
  std::map<std::pair<int, int>, std::set<std::tuple<probe::Transport, int, int>>> pair_ranges;
  std::set<std::string> notes;

  for (const auto& flow : plan.flows) {
    const auto transport = TransportOf(flow.protocol);
    for (const int s : flow.sources) {
      for (const int d : flow.destinations) {
        if (s == d) continue;
        if (!transport) {
          notes.insert(fmt::format("{}: {} (IP protocol {}) has no ports; the lab does not check it", flow.id,
                                   catalog::ProtocolName(flow.protocol), catalog::ProtocolNumber(flow.protocol)));
          continue;
        }
        const auto& source = topology.endpoints[static_cast<std::size_t>(s)];
        const auto& destination = topology.endpoints[static_cast<std::size_t>(d)];
        if (topology.AddressOf(source, flow.family).empty() || topology.AddressOf(destination, flow.family).empty()) {
          continue;
        }
        for (const auto& range : flow.Ports().Ranges()) {
          pair_ranges[{s, d}].insert({*transport, range.first, range.last});
          if (range.last - range.first + 1 > kMaxPortsChecked) {
            notes.insert(fmt::format("{}: {}/{} is checked at {} (its edges and two ports inside), not port by port",
                                     flow.id, range.ToString(), probe::TransportName(*transport),
                                     fmt::join(PortsToCheck(range.first, range.last), ", ")));
          }
          for (int port = range.first; port <= range.last; ++port) pair_ports[{s, d}].insert({*transport, port});
          for (const int port : PortsToCheck(range.first, range.last)) {
            required[{s, d, flow.family, *transport, port}].push_back(flow.id);
          }
        }
      }
    }
  }

  const auto catalog_ports = CatalogPorts(catalog, plan);
  for (std::size_t s = 0; s < topology.endpoints.size(); ++s) {
    for (std::size_t d = 0; d < topology.endpoints.size(); ++d) {
      if (s == d) continue;
      const auto& destination = topology.endpoints[d];
      const int si = static_cast<int>(s);
      const int di = static_cast<int>(d);
      for (const auto family : {core::Family::kIPv4, core::Family::kIPv6}) {
        const auto address = topology.AddressOf(destination, family);
        if (address.empty() || topology.AddressOf(topology.endpoints[s], family).empty()) continue;
        for (auto it = required.lower_bound({si, di, family, probe::Transport::kTcp, 0});
             it != required.end() && std::get<0>(it->first) == si && std::get<1>(it->first) == di &&
             std::get<2>(it->first) == family;
             ++it) {
          Check check{si,   di,         address, family, std::get<3>(it->first), std::get<4>(it->first),
                      true, it->second, {},      {}};
          list.checks.push_back(std::move(check));
        }
        if (!FirewallBetween(topology, si, di, options)) continue;
        // Not required: catalog ports, just outside the pair's ranges, and the sample.
        std::map<PortKey, std::string> negatives;
        const auto& needed = pair_ports[{si, di}];
        for (const auto& [key, entries] : catalog_ports) {
          negatives.emplace(key, fmt::format("catalog port ({})", fmt::join(entries, ", ")));
        }
        for (const auto& [transport, first, last] : pair_ranges[{si, di}]) {
          if (first > 1) negatives.emplace(PortKey{transport, first - 1}, "just below a required range");
          if (last < 65535) negatives.emplace(PortKey{transport, last + 1}, "just above a required range");
        }
        for (const int port : kSampleTcp) negatives.emplace(PortKey{probe::Transport::kTcp, port}, "sample port");
        for (const int port : kSampleUdp) negatives.emplace(PortKey{probe::Transport::kUdp, port}, "sample port");
        for (auto& [key, why] : negatives) {
          if (needed.contains(key)) continue;
          list.checks.push_back(Check{si, di, address, family, key.first, key.second, false, {}, std::move(why), {}});
        }
      }
    }
  }
  list.notes.assign(notes.begin(), notes.end());
  return list;
}

}  // namespace portolan::lab
