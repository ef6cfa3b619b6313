#pragma once
// The lab's network, worked out from the inventory before anything is created: one namespace
// per endpoint, one switch namespace per firewall zone (a bridge: traffic inside a zone does
// not cross the firewall, as on a real site LAN), and one core router namespace between the
// zones, where the network-mode policy is loaded. Pure: no system calls.
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "inventory/inventory.hpp"

namespace portolan::lab {

// Lab names become parts of namespace names: short, plain and unambiguous.
inline constexpr std::size_t kMaxLabName = 16;
// Returns an empty string when the name is acceptable, else what is wrong with it.
std::string CheckLabName(std::string_view name);
// A lab name from an inventory file name: "examples/sms2003-site.yaml" -> "sms2003-site".
std::string DefaultLabName(std::string_view inventory_file);

// The router side of every zone link, and every endpoint's default gateway.
inline constexpr std::string_view kGatewayV4 = "169.254.0.1";
inline constexpr std::string_view kGatewayV6 = "fe80::1";

struct LabEndpoint {
  int endpoint = -1;  // index into Inventory::endpoints
  std::string name;   // the inventory's name
  std::string namespace_name;
  int zone = -1;  // index into Topology::zones
  int port = -1;  // its port number on the zone switch ("p<port>")
  bool client_network = false;
  // The addresses it has in the lab: a host's own; for a client network, one address inside
  // each of its networks that no host of the inventory uses.
  std::vector<core::Network> addresses;
};

struct LabZone {
  std::string name;
  std::string switch_namespace;
  std::string router_interface;  // "z<index>" in the router namespace
  std::vector<int> members;      // indices into Topology::endpoints
};

struct Topology {
  std::string lab;
  std::string router_namespace;
  std::vector<LabZone> zones;
  std::vector<LabEndpoint> endpoints;  // in inventory order

  // Every namespace of the lab: router, switches, endpoints.
  std::vector<std::string> Namespaces() const;
  const LabEndpoint* FindEndpoint(std::string_view name) const;  // case-insensitive
  // The endpoint's first lab address of a family ("" when it has none).
  std::string AddressOf(const LabEndpoint& endpoint, core::Family family) const;
};

// The name of a lab's router namespace.
std::string RouterNamespace(std::string_view lab);

// Throws core::InputError when the lab cannot be built (a client network with no free address).
Topology BuildTopology(const inventory::Inventory& inventory, std::string_view lab);

}  // namespace portolan::lab
