#include "plan/context.hpp"

#include <algorithm>

#include "plan/flow.hpp"

namespace portolan::plan {

using catalog::Subject;

PlanContext::PlanContext(const catalog::Catalog& catalog, const inventory::Inventory& inventory)
    : catalog_(catalog), inventory_(inventory) {}

std::vector<int> PlanContext::Members(int site, std::string_view role) const {
  const auto& endpoints = inventory_.sites[site].endpoints;
  if (role == catalog::kAnyRole) return endpoints;
  std::vector<int> out;
  for (const int e : endpoints) {
    if (inventory_.endpoints[e].HasRole(role)) out.push_back(e);
  }
  if (!out.empty()) return out;
  const auto* definition = catalog_.FindRole(role);
  if (definition == nullptr || !definition->falls_back_to) return out;
  for (const int e : endpoints) {
    if (inventory_.endpoints[e].HasRole(*definition->falls_back_to)) out.push_back(e);
  }
  return out;
}

std::vector<int> PlanContext::Members(int site, const std::vector<std::string>& roles) const {
  std::vector<int> out;
  for (const auto& role : roles) {
    const auto members = Members(site, role);
    out.insert(out.end(), members.begin(), members.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool PlanContext::ActsAs(int endpoint, std::string_view role) const {
  const auto members = Members(inventory_.endpoints[endpoint].site, role);
  return std::binary_search(members.begin(), members.end(), endpoint);
}

std::string PlanContext::EndpointAttribute(int endpoint, std::string_view name) const {
  const auto& e = inventory_.endpoints[endpoint];
  auto text = [](bool value) { return std::string(value ? "true" : "false"); };
  if (name == "bits") return text(e.bits);
  if (name == "dhcp") return text(e.dhcp);
  if (name == "remote_control") return std::string(inventory::RemoteControlName(e.remote_control));
  if (name == "proxy_auth") {
    return std::string(inventory::ProxyAuthName(e.http_proxy ? e.http_proxy->auth : inventory::ProxyAuth::kNone));
  }
  if (name == "sql_named_pipes") return text(e.sql && e.sql->named_pipes);
  if (name == "sql_named_instance") return text(e.sql && e.sql->instance);
  if (name == "sql_custom_port") {
    const auto* setting = catalog_.FindSetting("sql_port");
    return text(e.sql && e.sql->port && setting != nullptr && !setting->default_ports.Contains(*e.sql->port));
  }
  return {};
}

std::string PlanContext::LinkAttribute(int child_site, std::string_view name) const {
  if (child_site < 0) return {};
  if (name == "sender") return std::string(inventory::SenderName(inventory_.sites[child_site].sender));
  return {};
}

std::string PlanContext::GlobalAttribute(Subject subject, std::string_view name) const {
  auto text = [](bool value) { return std::string(value ? "true" : "false"); };
  if (subject == Subject::kInventory && name == "has_wins") return text(inventory_.HasRole("wins-server"));
  if (subject == Subject::kInventory && name == "has_global_catalog") return text(inventory_.HasRole("global-catalog"));
  if (subject == Subject::kDomain && name == "schema_extended") return text(inventory_.domain.schema_extended);
  return {};
}

namespace {

bool Matches(const catalog::Clause& clause, const std::string& value) {
  return std::find(clause.any_of.begin(), clause.any_of.end(), value) != clause.any_of.end();
}

}  // namespace

bool PlanContext::ClauseHolds(const catalog::Clause& clause, int initiator, int responder, int link_child) const {
  switch (clause.subject) {
    case Subject::kInitiator: return Matches(clause, EndpointAttribute(initiator, clause.attribute));
    case Subject::kResponder: return Matches(clause, EndpointAttribute(responder, clause.attribute));
    case Subject::kLink: return link_child >= 0 && Matches(clause, LinkAttribute(link_child, clause.attribute));
    case Subject::kInventory:
    case Subject::kDomain: return Matches(clause, GlobalAttribute(clause.subject, clause.attribute));
  }
  return false;
}

bool PlanContext::HoldsFor(const catalog::Condition& condition, Subject subject, int endpoint_or_site) const {
  for (const auto& clause : condition.clauses) {
    if (clause.subject != subject) continue;
    const bool holds = subject == Subject::kLink
                           ? ClauseHolds(clause, -1, -1, endpoint_or_site)
                           : Matches(clause, EndpointAttribute(endpoint_or_site, clause.attribute));
    if (!holds) return false;
  }
  return true;
}

bool PlanContext::GroupHolds(const catalog::Condition& condition, int link_child) const {
  for (const auto& clause : condition.clauses) {
    if (clause.subject == Subject::kInitiator || clause.subject == Subject::kResponder) continue;
    if (!ClauseHolds(clause, -1, -1, link_child)) return false;
  }
  return true;
}

bool PlanContext::Holds(const catalog::Condition& condition, int initiator, int responder, int link_child) const {
  return std::all_of(condition.clauses.begin(), condition.clauses.end(), [&](const catalog::Clause& clause) {
    return ClauseHolds(clause, initiator, responder, link_child);
  });
}

core::PortSet PlanContext::EntryPorts(const catalog::Entry& entry, int responder) const {
  if (!catalog::ProtocolHasPorts(entry.protocol)) return kNoPorts;
  if (!entry.port_setting) return entry.ports;
  const auto* setting = catalog_.FindSetting(*entry.port_setting);
  if (*entry.port_setting == "sql_port") {
    const auto& e = inventory_.endpoints[responder];
    if (e.sql && e.sql->port) return core::PortSet::Single(*e.sql->port);
  } else if (*entry.port_setting == "http_proxy_port") {
    const auto& e = inventory_.endpoints[responder];
    if (e.http_proxy) return core::PortSet::Single(e.http_proxy->port);
  } else if (*entry.port_setting == "rpc_dynamic_ports") {
    return RpcDynamicPorts(catalog_, inventory_).value_or(core::PortSet{});
  }
  return setting != nullptr ? setting->default_ports : core::PortSet{};
}

std::optional<core::PortSet> RpcDynamicPorts(const catalog::Catalog& catalog, const inventory::Inventory& inventory) {
  if (inventory.domain.rpc_dynamic_ports) return inventory.domain.rpc_dynamic_ports;
  if (const auto* setting = catalog.FindSetting("rpc_dynamic_ports")) return setting->default_ports;
  return std::nullopt;
}

}  // namespace portolan::plan
