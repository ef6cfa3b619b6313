#pragma once
// The plan: every required flow from catalog x inventory. A flow is an exact product
// sources x destinations x (protocol, ports); flows never overlap, and every
// (source, destination, protocol, port) they permit is required by at least one catalog entry.

#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "core/address.hpp"
#include "core/port_set.hpp"
#include "inventory/inventory.hpp"

namespace portolan::plan {

// Ports of a flow and exactly the catalog entries (and their advisories) that require them.
struct PortReason {
  core::PortSet ports;          // kNoPorts for protocols without ports
  std::vector<int> entries;     // indices into Catalog::entries, sorted
  std::vector<int> advisories;  // indices into Catalog::advisories, sorted

  auto operator<=>(const PortReason&) const = default;
};

// The port items of one flow: their port sets are disjoint.
using Content = std::vector<PortReason>;

// Stands for "the whole protocol" where the protocol has no ports (GRE, ESP, AH).
inline const core::PortSet kNoPorts = core::PortSet::Single(0);

struct Flow {
  std::string id;
  core::Family family = core::Family::kIPv4;
  catalog::Protocol protocol = catalog::Protocol::kTcp;
  std::vector<int> sources;       // endpoint indices, sorted
  std::vector<int> destinations;  // endpoint indices, sorted
  Content content;

  core::PortSet Ports() const;       // empty for portless protocols
  std::vector<int> Entries() const;  // sorted union over the content
  std::vector<int> Advisories() const;
};

struct Plan {
  std::vector<Flow> flows;
  std::vector<int> global_advisories;  // plan-wide advisories whose condition holds
};

}  // namespace portolan::plan
