#pragma once
// Probes from the plan: every flow a host opens becomes one probe per destination address and
// port, seen from that host; what cannot be probed port by port is said in a note instead.

#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "inventory/inventory.hpp"
#include "plan/flow.hpp"
#include "probe/spec.hpp"

namespace portolan::probe {

// Planned port ranges wider than this are not probed port by port: the endpoint mapper's
// follow-through probes the ports it hands out of the dynamic RPC range.
inline constexpr std::uint32_t kMaxPortsPerRange = 16;

// The service that checks `port`: the one named by `service_id` (its row for `transport` when it
// has one), else the port's default service; nullptr for a transport-only check.
const Service* ChooseService(const std::optional<std::string>& service_id, Transport transport, int port);

struct PlanProbeOptions {
  std::optional<std::string> service;  // probe every port with this service's dialogue
  bool dhcp = false;                   // also the services probed only when asked (DHCP)
};

struct PlanProbes {
  std::vector<ProbeSpec> specs;    // one per (address, transport, port), with every flow it checks
  std::vector<std::string> notes;  // sorted, each once: what was left out and why
};

// Every flow of `plan` whose sources hold endpoint `from`, to every address of its destinations
// in the flow's family.
PlanProbes SpecsFromPlan(const catalog::Catalog& catalog, const inventory::Inventory& inventory, const plan::Plan& plan,
                         int from, const PlanProbeOptions& options);

}  // namespace portolan::probe
