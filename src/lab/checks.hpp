#pragma once
// What the lab verifies, worked out from the plan before anything is probed: for every source
// endpoint, the required (destination, protocol, port) checks that must pass, and the checks
// that must be FILTERED because nothing requires them (every catalog port the pair does not
// need, the ports just outside its required ranges, and a sample of other ports). Pure.
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "lab/topology.hpp"
#include "plan/flow.hpp"
#include "probe/registry.hpp"

namespace portolan::lab {

// A range wider than this is checked at its edges and two ports inside, not port by port.
inline constexpr int kMaxPortsChecked = 16;

struct Check {
  int source = -1;       // index into Topology::endpoints
  int destination = -1;  // index into Topology::endpoints
  std::string address;   // the destination's lab address
  core::Family family = core::Family::kIPv4;
  probe::Transport transport = probe::Transport::kTcp;
  int port = 0;
  bool required = false;
  std::vector<std::string> flows;  // required: the plan's flows this port serves
  std::string why;                 // not required: where the port comes from
};

struct CheckOptions {
  // Every host namespace has its own host-mode policy: pairs inside a zone are filtered too.
  bool host_firewall = false;
};

struct CheckList {
  std::vector<Check> checks;       // by source, then destination, protocol, port
  std::vector<std::string> notes;  // what is not checked, and why
};

CheckList BuildChecks(const catalog::Catalog& catalog, const plan::Plan& plan, const Topology& topology,
                      const CheckOptions& options);

// A firewall stands between the two endpoints: different zones, or host firewalls in the lab
// and the destination is a host.
bool FirewallBetween(const Topology& topology, int source, int destination, const CheckOptions& options);

// The ports of a range that are checked: all of a short range; the edges and two inside ports
// of a long one.
std::vector<int> PortsToCheck(int first, int last);

}  // namespace portolan::lab
