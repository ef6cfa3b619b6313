#include "probe/plan_specs.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "plan/context.hpp"

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
  for (const auto& flow : plan.flows) {
    if (!std::binary_search(flow.sources.begin(), flow.sources.end(), from)) continue;
    builder.AddFlow(flow, from);
  }
  return std::move(builder).Finish();
}

}  // namespace portolan::probe
