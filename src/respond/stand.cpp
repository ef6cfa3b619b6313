#include "respond/stand.hpp"

#include <fmt/format.h>

#include "probe/responder/greeting.hpp"

namespace portolan::respond {

Stand StandForEndpoint(const inventory::Inventory& inventory, const plan::Plan& plan, int endpoint) {
  const auto& chosen = inventory.endpoints[endpoint];
  Stand stand;
  stand.name = chosen.name;
  stand.ports = PortsOfEndpoint(plan, endpoint);
  if (chosen.kind == inventory::EndpointKind::kHost) {
    for (const auto& address : chosen.addresses) stand.addresses.push_back(address.AddressString());
  } else {
    stand.without_bind_hint = fmt::format("'{}' is a client network ({}): give an address inside it", chosen.name,
                                          chosen.addresses.front().ToString());
  }
  return stand;
}

Stand StandForRole(const plan::PlanContext& context, const plan::Plan& plan, const std::string& role) {
  Stand stand;
  stand.name = role;
  stand.ports = PortsOfRole(context, plan, role);
  stand.without_bind_hint = "a role has no address of its own: give one";
  return stand;
}

Stand StandForPorts(PortChoice ports) {
  Stand stand;
  stand.name = std::string(probe::responder::kNoHost);
  stand.ports = std::move(ports);
  stand.without_bind_hint = "--ports names no address: give one";
  return stand;
}

}  // namespace portolan::respond
