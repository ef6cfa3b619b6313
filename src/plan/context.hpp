#pragma once
// What the planner and the explainer both need to know about an inventory, seen through a
// catalog: who plays a role in a site (with fallbacks), attribute values for conditions,
// and the values of port settings.

#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "inventory/inventory.hpp"

namespace portolan::plan {

class PlanContext {
 public:
  PlanContext(const catalog::Catalog& catalog, const inventory::Inventory& inventory);

  const catalog::Catalog& catalog() const { return catalog_; }
  const inventory::Inventory& inventory() const { return inventory_; }

  // Endpoints of a site that act as the role there: those that have it, else (when the role
  // falls back) those with the fallback role. "any" is every endpoint of the site.
  std::vector<int> Members(int site, std::string_view role) const;
  std::vector<int> Members(int site, const std::vector<std::string>& roles) const;  // sorted union
  bool ActsAs(int endpoint, std::string_view role) const;

  std::string EndpointAttribute(int endpoint, std::string_view name) const;
  std::string LinkAttribute(int child_site, std::string_view name) const;
  std::string GlobalAttribute(catalog::Subject subject, std::string_view name) const;

  // Clause evaluation; link_child is the child site of the link (or -1 when there is none).
  bool ClauseHolds(const catalog::Clause& clause, int initiator, int responder, int link_child) const;
  // Holds for every clause of the given subject alone (other subjects are ignored).
  bool HoldsFor(const catalog::Condition& condition, catalog::Subject subject, int endpoint_or_site) const;
  bool GroupHolds(const catalog::Condition& condition, int link_child) const;  // link, inventory, domain
  bool Holds(const catalog::Condition& condition, int initiator, int responder, int link_child) const;

  // The ports an entry needs towards a responder (a setting may depend on the responder).
  core::PortSet EntryPorts(const catalog::Entry& entry, int responder) const;

 private:
  const catalog::Catalog& catalog_;
  const inventory::Inventory& inventory_;
};

// The site's dynamic RPC port range: the inventory's own (domain.rpc_dynamic_ports), else the
// catalog's default for the setting rpc_dynamic_ports; nullopt when neither gives one.
std::optional<core::PortSet> RpcDynamicPorts(const catalog::Catalog& catalog, const inventory::Inventory& inventory);

}  // namespace portolan::plan
