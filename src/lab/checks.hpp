#pragma once
// What the lab verifies, worked out from the plan before anything is probed: for every source
// endpoint, the required (destination, protocol, port) checks that must pass, and the checks
// that must be FILTERED because nothing requires them (every catalog port the pair does not
// need, the ports just outside its required ranges, and a sample of other ports). Pure.
// The requests that go through an HTTP proxy (plan::ProxyRequest) are checked through it too:
// what each request needs must pass, and the proxy must refuse what none asks for.
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "inventory/inventory.hpp"
#include "lab/topology.hpp"
#include "plan/flow.hpp"
#include "probe/registry.hpp"
#include "probe/spec.hpp"

namespace portolan::lab {

// A range wider than this is checked at its edges and two ports inside, not port by port.
inline constexpr int kMaxPortsChecked = 16;

// The static file the lab's web servers serve on origin servers that are distribution points,
// for the BITS download check through the proxy (HEAD and ranged GETs), and its size.
inline constexpr std::string_view kBitsTestPath = "/portolan-bits-test.bin";
inline constexpr std::size_t kBitsTestSize = 1024 * 1024;
// A port no proxy request names, asked of an origin server that a request does name.
inline constexpr int kProxyOtherPort = 8080;

// A check sent through an HTTP proxy: from the source's namespace to the proxy, in absolute form
// for the destination's address and port.
struct ProxyCheck {
  std::string request;        // the plan's proxy request, "P01"
  int proxy = -1;             // index into Topology::endpoints
  std::string proxy_address;  // its lab address of the request's family
  int proxy_port = 0;         // where its clients send (the inventory's http_proxy.port)
  probe::HttpCheck http_check = probe::HttpCheck::kGet;
  std::string path;  // kBitsFile: the file
  // VERIFIED (the origin answered, through the proxy) or PROXY_DENIED (the proxy refused).
  probe::Verdict expected = probe::Verdict::kVerified;
};

struct Check {
  int source = -1;       // index into Topology::endpoints
  int destination = -1;  // index into Topology::endpoints
  std::string address;   // the destination's lab address
  core::Family family = core::Family::kIPv4;
  probe::Transport transport = probe::Transport::kTcp;
  int port = 0;
  bool required = false;
  std::vector<std::string> flows;   // required: the plan's flows this port serves
  std::string why;                  // not required: where the port comes from
  std::optional<ProxyCheck> proxy;  // sent through an HTTP proxy (required: it must pass it)
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

// Through every proxy request, from each of its sources: GET of the MP list (a management point),
// the BITS download of kBitsTestPath (a distribution point) and each extension method of the
// request (CCM_POST, BITS_POST, PROPFIND) must pass (VERIFIED); the proxy must refuse
// (PROXY_DENIED) an extension method the request lacks, a host of the inventory no request of the
// source names, and kProxyOtherPort on the request's servers. By source, in plan order.
std::vector<Check> BuildProxyChecks(const inventory::Inventory& inventory, const plan::Plan& plan,
                                    const Topology& topology);

// The origin servers of the proxy requests that are management points and distribution points.
bool IsManagementPoint(const inventory::Endpoint& endpoint);
bool IsDistributionPoint(const inventory::Endpoint& endpoint);

// A firewall stands between the two endpoints: different zones, or host firewalls in the lab
// and the destination is a host.
bool FirewallBetween(const Topology& topology, int source, int destination, const CheckOptions& options);

// The ports of a range that are checked: all of a short range; the edges and two inside ports
// of a long one.
std::vector<int> PortsToCheck(int first, int last);

}  // namespace portolan::lab
