#pragma once
// What a responder stands in for: the ports to serve, the name its greeting carries, and the
// addresses it binds when none are given, for a host or a role of the plan or a --ports list.

#include <string>
#include <vector>

#include "inventory/inventory.hpp"
#include "plan/context.hpp"
#include "plan/flow.hpp"
#include "respond/port_selection.hpp"

namespace portolan::respond {

struct Stand {
  PortChoice ports;
  std::string name;                    // the greeting's host field
  std::vector<std::string> addresses;  // the host's own, for when no address is given
  std::string without_bind_hint;       // why there are none, for the error that asks for one
};

// A host (or client network) of the inventory: the ports the plan says it must accept.
Stand StandForEndpoint(const inventory::Inventory& inventory, const plan::Plan& plan, int endpoint);
// A role: the ports its catalog entries require of whatever acts as it.
Stand StandForRole(const plan::PlanContext& context, const plan::Plan& plan, const std::string& role);
// A list of ports given by hand ("80/tcp,389/udp").
Stand StandForPorts(PortChoice ports);

}  // namespace portolan::respond
