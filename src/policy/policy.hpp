#pragma once
// The policy every platform renders: the plan cut to one host's view (host mode) or to the
// zone boundaries a firewall sits on (network mode), as rules between named address groups.
// It is exactly as wide as the plan: each rule is a product sources x destinations x ports
// of one flow, and only a host's pair with itself (which never crosses a firewall) is dropped.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "catalog/catalog.hpp"
#include "core/address.hpp"
#include "core/port_set.hpp"
#include "inventory/inventory.hpp"
#include "plan/flow.hpp"

namespace portolan::policy {

// kProxy: the requests one HTTP proxy carries (plan::ProxyRequest), for squid.conf and its audit.
enum class Mode { kHost, kNetwork, kProxy };

extern const std::string kOutsideZone;  // the other side of an --edge firewall
std::string_view ModeName(Mode mode);

// Inbound and outbound are seen from the host (host mode); forward crosses a firewall between zones.
enum class Direction { kInbound, kOutbound, kForward };

// A platform may name some ports by what they are rather than by number (Windows Firewall's
// RPCEPMap and RPC keywords). Derived from the catalog entries, never from port numbers.
enum class PortKeyword { kNone, kRpcEndpointMapper, kRpcDynamic };

// Addresses of some endpoints in one family, collapsed (adjacent networks joined, never widened).
struct AddressGroup {
  std::string name;  // unique in the policy; letters, digits, '-' and '_', starting with a letter
  core::Family family = core::Family::kIPv4;
  std::vector<int> endpoints;  // endpoint indices, sorted
  std::vector<core::Network> networks;
  std::string members;  // "SMS01, SMS02, SMS03": for descriptions and comments
};

struct PortItem {
  core::PortSet ports;       // empty for protocols without ports
  std::vector<int> entries;  // catalog entry indices, sorted
  PortKeyword keyword = PortKeyword::kNone;
};

struct Rule {
  std::string name;  // unique in the policy: "F02-in", "F02-AAA-BBB"
  std::string flow_id;
  Direction direction = Direction::kInbound;
  core::Family family = core::Family::kIPv4;
  catalog::Protocol protocol = catalog::Protocol::kTcp;
  int sources = -1;             // index into Policy::groups
  int destinations = -1;        // index into Policy::groups
  std::vector<PortItem> items;  // disjoint ports, in port order; one item with empty ports when portless
  std::string from_zone;        // network mode
  std::string to_zone;          // network mode
  // Proxy mode: the HTTP request methods clients may use (the rule's ports are the origin
  // server's); the rule's flow_id is the plan::ProxyRequest's id.
  std::vector<std::string> methods;

  core::PortSet Ports() const;
  std::vector<int> Entries() const;  // sorted union over the items
};

struct PolicyOptions {
  Mode mode = Mode::kHost;
  std::optional<int> host;  // host mode: one endpoint; unset: every endpoint at once
  bool egress = false;      // host mode: outbound rules too
  bool default_deny = true;
  std::vector<std::string> zones;  // network mode: only flows between these zones (empty: all)
  // Network mode: the firewall at the edge of this zone, between it and every other zone
  // (which together become the zone kOutsideZone).
  std::optional<std::string> edge;
  // Network mode: one rule per flow and destination zone (from_zone empty) instead of one per
  // pair of zones, for platforms that match addresses rather than interfaces. Just as exact.
  bool merge_source_zones = false;
  std::optional<core::Family> family;  // only this family
  std::optional<int> proxy;            // proxy mode: the http-proxy endpoint whose requests the rules are
};

struct Policy {
  PolicyOptions options;
  const catalog::Catalog* catalog = nullptr;
  const inventory::Inventory* inventory = nullptr;
  std::vector<AddressGroup> groups;
  std::vector<Rule> rules;
  std::vector<std::string> zones;  // network mode: the zones the rules connect, sorted
  // Parts of the plan the platform cannot express and the user let go (--allow-partial):
  // every platform writes these as visible warnings at the top of its output.
  std::vector<std::string> omissions;

  const AddressGroup& Group(int index) const { return groups[index]; }
  const AddressGroup& Sources(const Rule& rule) const { return groups[rule.sources]; }
  const AddressGroup& Destinations(const Rule& rule) const { return groups[rule.destinations]; }
  bool HasFamily(core::Family family) const;
  // Host mode with one host: its addresses in a family (empty when it has none).
  std::vector<core::Network> HostNetworks(core::Family family) const;
  std::string HostName() const;  // host mode with one host: its name
};

// What every policy of one inventory and plan shares, computed once: the flows each endpoint
// takes part in and the members of each role, so that rendering each of 10,000 hosts does not
// rescan the whole plan and inventory. The referenced objects must outlive it.
class PolicyIndex {
 public:
  PolicyIndex(const catalog::Catalog& catalog, const inventory::Inventory& inventory, const plan::Plan& plan);

  const catalog::Catalog& catalog() const { return catalog_; }
  const inventory::Inventory& inventory() const { return inventory_; }
  const plan::Plan& plan() const { return plan_; }
  const std::vector<int>& FlowsOf(int endpoint) const { return flows_of_[endpoint]; }
  // Endpoints with the role and an address in the family (in one zone, when given), sorted.
  const std::vector<int>& RoleMembers(int role, core::Family family, const std::string* zone = nullptr) const;
  bool IsEndpointName(const std::string& safe_name) const;

 private:
  const catalog::Catalog& catalog_;
  const inventory::Inventory& inventory_;
  const plan::Plan& plan_;
  std::vector<std::vector<int>> flows_of_;
  std::map<std::tuple<int, core::Family, std::string>, std::vector<int>> members_;  // zone "" = every zone
  std::set<std::string> endpoint_names_;
};

// Proxy mode (options.mode kProxy, options.proxy set): one rule per plan::ProxyRequest of that
// proxy, direction kForward, from its clients to its origin servers, with its methods.
// Throws core::InputError for options that do not fit the inventory (an unknown zone, a proxy
// that is not an http-proxy host).
Policy BuildPolicy(const PolicyIndex& index, const PolicyOptions& options);
Policy BuildPolicy(const catalog::Catalog& catalog, const inventory::Inventory& inventory, const plan::Plan& plan,
                   const PolicyOptions& options);

}  // namespace portolan::policy
