#pragma once
// The plan: every required flow from catalog x inventory. A flow is an exact product
// sources x destinations x (protocol, ports); flows never overlap, and every
// (source, destination, protocol, port) they permit is required by at least one catalog entry.

#include <string>
#include <string_view>
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

// The catalog entries that are the two legs of a request through an HTTP proxy: the client to
// its proxy's port, and the proxy to the origin server.
inline constexpr std::string_view kClientLegEntry = "client-to-http-proxy";
inline constexpr std::string_view kOriginLegEntry = "http-proxy-to-origin";

// Requests a web proxy carries for its clients: who may ask it for which origin servers, on
// which port, with which methods (the proxy's own policy, as squid.conf's http_access says it).
// Each is carried by two firewall flows of the plan: clients -> proxy (its port) and proxy ->
// origin servers (these ports). Exactly as wide as the catalog entries it carries.
struct ProxyRequest {
  std::string id;  // "P01"
  core::Family family = core::Family::kIPv4;
  int proxy = -1;                    // the http-proxy endpoint
  std::vector<int> sources;          // clients, sorted endpoint indices
  std::vector<int> destinations;     // origin servers, sorted endpoint indices
  core::PortSet ports;               // on the origin servers: 80
  std::vector<std::string> methods;  // union of the entries' methods, in catalog order
  std::vector<std::string> headers;  // union of the entries' header fields
  std::vector<int> entries;          // the proxied catalog entries, sorted
  std::vector<std::string> flows;    // ids of the firewall flows that carry it, sorted
};

struct Plan {
  std::vector<Flow> flows;
  std::vector<ProxyRequest> proxy_requests;
  std::vector<int> global_advisories;  // plan-wide advisories whose condition holds
};

}  // namespace portolan::plan
