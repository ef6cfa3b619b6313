#include "probe/plan_specs.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "plan/context.hpp"
#include "probe/http/http_checks.hpp"

namespace portolan::probe {

namespace {

// Builds the specs of one flow, merging a probe that several flows share into one spec.
class SpecBuilder {
 public:
  SpecBuilder(const inventory::Inventory& inventory, const PlanProbeOptions& options,
              std::optional<core::PortSet> rpc_range)
      : inventory_(inventory), options_(options), rpc_range_(std::move(rpc_range)) {}

  void AddFlow(const plan::Flow& flow, int from) {
    if (!catalog::ProtocolHasPorts(flow.protocol)) {
      probes_.notes.push_back(fmt::format("{}: {} (IP protocol {}) has no ports to probe", flow.id,
                                          catalog::ProtocolName(flow.protocol),
                                          catalog::ProtocolNumber(flow.protocol)));
      return;
    }
    const auto transport = flow.protocol == catalog::Protocol::kTcp ? Transport::kTcp : Transport::kUdp;
    for (const int d : flow.destinations) {
      if (d == from) continue;
      const auto& destination = inventory_.endpoints[d];
      if (destination.kind == inventory::EndpointKind::kClientNetwork) {
        probes_.notes.push_back(
            fmt::format("{}: {} is a client network; probe one of its hosts by address", flow.id, destination.name));
        continue;
      }
      for (const auto& address : destination.addresses) {
        if (address.family != flow.family) continue;
        for (const auto& range : flow.Ports().Ranges()) AddRange(flow, destination, address, transport, range);
      }
    }
  }

  // A request the plan sends through an HTTP proxy: every check of it (the MP list and the
  // methods SMS clients use, probe::http::ExpandHttpChecks) to every server address, through
  // the proxy's address of the request's family. The specs name the request and its client leg.
  void AddProxied(const plan::ProxyRequest& request, const std::vector<std::string>& client_legs) {
    const auto& proxy = inventory_.endpoints[request.proxy];
    const auto proxy_address = std::find_if(proxy.addresses.begin(), proxy.addresses.end(),
                                            [&](const core::Network& a) { return a.family == request.family; });
    if (proxy_address == proxy.addresses.end() || !proxy.http_proxy) return;
    const ProxyEndpoint endpoint{proxy_address->AddressString(), proxy.http_proxy->port};
    std::vector<std::string> flows = client_legs;
    flows.push_back(request.id);
    for (const int d : request.destinations) {
      const auto& destination = inventory_.endpoints[d];
      for (const auto& address : destination.addresses) {
        if (address.family != request.family) continue;
        for (const auto& range : request.ports.Ranges()) {
          for (int port = range.first; port <= range.last && port - range.first < static_cast<int>(kMaxPortsPerRange);
               ++port) {
            ProbeSpec spec;
            spec.target.address = address.AddressString();
            spec.target.port = port;
            spec.target.domain = inventory_.domain.name;
            spec.target.netbios_name = destination.name.substr(0, 15);
            spec.target.roles = destination.roles;
            spec.transport = Transport::kTcp;
            spec.service = FindService("http");
            spec.flows = flows;
            for (auto& one : http::ExpandHttpChecks(spec, {.proxy = endpoint, .bits_file = {}})) {
              probes_.specs.push_back(std::move(one));
            }
          }
        }
      }
    }
  }

  PlanProbes Finish() && {
    auto& notes = probes_.notes;
    std::sort(notes.begin(), notes.end());
    notes.erase(std::unique(notes.begin(), notes.end()), notes.end());
    return std::move(probes_);
  }

 private:
  void AddRange(const plan::Flow& flow, const inventory::Endpoint& destination, const core::Network& address,
                Transport transport, const core::PortRange& range) {
    const auto width = static_cast<std::uint32_t>(range.last - range.first + 1);
    if (width > kMaxPortsPerRange) {
      probes_.notes.push_back(
          fmt::format("{}: {} {}/{} is a range of {} ports; it is not probed port by port (the "
                      "endpoint mapper's follow-through probes the ports it hands out)",
                      flow.id, address.AddressString(), range.ToString(), TransportName(transport), width));
      return;
    }
    for (int port = range.first; port <= range.last; ++port) AddPort(flow, destination, address, transport, port);
  }

  void AddPort(const plan::Flow& flow, const inventory::Endpoint& destination, const core::Network& address,
               Transport transport, int port) {
    const auto key = std::make_tuple(address.AddressString(), transport, port);
    if (const auto it = index_.find(key); it != index_.end()) {
      probes_.specs[it->second].flows.push_back(flow.id);
      return;
    }
    const auto* service = ChooseService(options_.service, transport, port);
    if (service != nullptr && service->only_when_asked && !options_.dhcp) {
      probes_.notes.push_back(fmt::format("{}: {} {}/{} ({}) is probed only with --dhcp", flow.id,
                                          address.AddressString(), port, TransportName(transport),
                                          service->description));
      return;
    }
    ProbeSpec spec;
    spec.target.address = address.AddressString();
    spec.target.port = port;
    spec.target.domain = inventory_.domain.name;
    spec.target.netbios_name = destination.name.substr(0, 15);  // a NetBIOS name has 15 characters
    spec.target.roles = destination.roles;
    spec.transport = transport;
    spec.service = service;
    spec.flows = {flow.id};
    spec.rpc_range = rpc_range_;
    index_.emplace(key, probes_.specs.size());
    probes_.specs.push_back(std::move(spec));
  }

  const inventory::Inventory& inventory_;
  const PlanProbeOptions& options_;
  std::optional<core::PortSet> rpc_range_;
  std::map<std::tuple<std::string, Transport, int>, std::size_t> index_;  // (address, transport, port) -> spec
  PlanProbes probes_;
};

}  // namespace

const Service* ChooseService(const std::optional<std::string>& service_id, Transport transport, int port) {
  if (!service_id) return ServiceFor(transport, port);
  for (const auto& candidate : Services()) {
    if (candidate.id == *service_id && candidate.transport == transport) return &candidate;
  }
  return FindService(*service_id);
}

PlanProbes SpecsFromPlan(const catalog::Catalog& catalog, const inventory::Inventory& inventory, const plan::Plan& plan,
                         int from, const PlanProbeOptions& options) {
  SpecBuilder builder(inventory, options, plan::RpcDynamicPorts(catalog, inventory));
  // The client legs of the requests `from` sends through a proxy: the proxied checks (which
  // connect to the proxy's port) prove them, so they get no transport-only probe of their own.
  const auto* client_leg = catalog.FindEntry(plan::kClientLegEntry);
  const int client_leg_index = client_leg == nullptr ? -1 : static_cast<int>(client_leg - catalog.entries.data());
  const auto is_client_leg = [&](const plan::Flow& flow) {
    const auto entries = flow.Entries();
    return entries.size() == 1 && entries.front() == client_leg_index;
  };
  std::vector<std::string> client_legs;
  for (const auto& flow : plan.flows) {
    if (!std::binary_search(flow.sources.begin(), flow.sources.end(), from)) continue;
    if (is_client_leg(flow)) {
      client_legs.push_back(flow.id);
      continue;
    }
    builder.AddFlow(flow, from);
  }
  std::vector<std::string> covered;
  for (const auto& request : plan.proxy_requests) {
    if (!std::binary_search(request.sources.begin(), request.sources.end(), from)) continue;
    std::vector<std::string> legs;
    for (const auto& id : request.flows) {
      if (std::find(client_legs.begin(), client_legs.end(), id) != client_legs.end()) legs.push_back(id);
    }
    covered.insert(covered.end(), legs.begin(), legs.end());
    builder.AddProxied(request, legs);
  }
  // A client leg no request of `from` explains (cannot happen with the planner's legs): probe it.
  for (const auto& flow : plan.flows) {
    if (std::find(client_legs.begin(), client_legs.end(), flow.id) != client_legs.end() &&
        std::find(covered.begin(), covered.end(), flow.id) == covered.end()) {
      builder.AddFlow(flow, from);
    }
  }
  return std::move(builder).Finish();
}

}  // namespace portolan::probe
