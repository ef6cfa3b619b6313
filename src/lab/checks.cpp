#include "lab/checks.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

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

}  // namespace

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
          Check check{si, di, address, family, std::get<3>(it->first), std::get<4>(it->first), true, it->second, {}};
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
          list.checks.push_back(Check{si, di, address, family, key.first, key.second, false, {}, std::move(why)});
        }
      }
    }
  }
  list.notes.assign(notes.begin(), notes.end());
  return list;
}

}  // namespace portolan::lab
