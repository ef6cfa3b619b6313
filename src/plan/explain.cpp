#include "plan/explain.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/yaml_reader.hpp"

#include "plan/context.hpp"

namespace portolan::plan {

using catalog::Scope;

namespace {

bool IsAncestorOrSelf(const inventory::Inventory& inventory, int ancestor, int site) {
  for (int s = site; s >= 0; s = inventory.sites[s].parent) {
    if (s == ancestor) return true;
  }
  return false;
}

std::string RolesText(const std::vector<std::string>& roles) {
  return roles.size() == 1 ? roles.front() : fmt::format("one of {}", fmt::join(roles, ", "));
}

}  // namespace

PairJudgement JudgePair(const catalog::Catalog& catalog, const inventory::Inventory& inventory, int entry_index,
                        int initiator, int responder) {
  const PlanContext ctx(catalog, inventory);
  const auto& entry = catalog.entries[entry_index];
  const auto& from = inventory.endpoints[initiator];
  const auto& to = inventory.endpoints[responder];
  PairJudgement judgement;
  auto fail = [&](std::string why) {
    judgement.why_not = std::move(why);
    return judgement;
  };

  if (!catalog::StatusIsPlanned(entry.status)) {
    return fail(fmt::format("it is a {} line of the KB, planned through {}", catalog::StatusName(entry.status),
                            fmt::join(entry.covered_by, ", ")));
  }
  if (initiator == responder) return fail("a host needs no firewall rule to itself");
  const bool from_ok = std::any_of(entry.from.begin(), entry.from.end(),
                                   [&](const std::string& role) { return ctx.ActsAs(initiator, role); });
  if (!from_ok) return fail(fmt::format("{} is not a {}", from.name, RolesText(entry.from)));
  const bool to_ok = std::any_of(entry.to.begin(), entry.to.end(),
                                 [&](const std::string& role) { return ctx.ActsAs(responder, role); });
  if (!to_ok) return fail(fmt::format("{} is not a {}", to.name, RolesText(entry.to)));

  const int from_site = from.site;
  const int to_site = to.site;
  const auto& sites = inventory.sites;
  int link_child = -1;
  switch (entry.scope) {
    case Scope::kDomain: break;
    case Scope::kSameSite:
      if (from_site != to_site)
        return fail(fmt::format("only within one site ({} is in {}, {} in {})", from.name, sites[from_site].code,
                                to.name, sites[to_site].code));
      break;
    case Scope::kNearest: {
      int nearest = -1;
      for (int s = from_site; s >= 0 && nearest < 0; s = sites[s].parent) {
        if (!ctx.Members(s, entry.to).empty()) nearest = s;
      }
      if (nearest != to_site) {
        return fail(fmt::format("only to the nearest site with a {} ({})", RolesText(entry.to),
                                nearest >= 0 ? sites[nearest].code : std::string("none")));
      }
      break;
    }
    case Scope::kAssignedSite: {
      const int assigned = inventory.AssignedSite(from_site);
      if (assigned != to_site) {
        return fail(fmt::format("only to the site {} is assigned to ({})", from.name,
                                assigned >= 0 ? sites[assigned].code : std::string("none")));
      }
      break;
    }
    case Scope::kParent:
      if (sites[from_site].parent != to_site) {
        return fail(fmt::format("only to the parent site of {}", sites[from_site].code));
      }
      link_child = from_site;
      break;
    case Scope::kChild:
      if (sites[to_site].parent != from_site)
        return fail(fmt::format("only to a child site of {}", sites[from_site].code));
      link_child = to_site;
      break;
    case Scope::kSiteAndDescendants:
      if (!IsAncestorOrSelf(inventory, from_site, to_site)) {
        return fail(fmt::format("only to {} and the sites below it", sites[from_site].code));
      }
      break;
  }
  for (const auto& clause : entry.when.clauses) {
    if (!ctx.ClauseHolds(clause, initiator, responder, link_child)) {
      return fail(fmt::format("it applies only when {}",
                              entry.condition_text.value_or(catalog::Condition{{clause}}.ToString())));
    }
  }
  for (const auto family : {core::Family::kIPv4, core::Family::kIPv6}) {
    if (from.HasFamily(family) && to.HasFamily(family)) judgement.families.push_back(family);
  }
  if (judgement.families.empty()) return fail("the two have no address family in common");
  judgement.applies = true;
  judgement.ports = ctx.EntryPorts(entry, responder);
  for (const auto& id : entry.advisories) {
    const auto* advisory = catalog.FindAdvisory(id);
    if (advisory == nullptr || advisory->global || !ctx.Holds(advisory->when, initiator, responder, link_child))
      continue;
    judgement.advisories.push_back(static_cast<int>(advisory - catalog.advisories.data()));
  }
  std::sort(judgement.advisories.begin(), judgement.advisories.end());
  return judgement;
}

std::optional<PortQuery> ParsePortQuery(std::string_view text, std::string* error) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    if (const auto protocol = catalog::ParseProtocol(text); protocol && !catalog::ProtocolHasPorts(*protocol)) {
      return PortQuery{*protocol, 0};
    }
    *error = fmt::format("'{}' is not a port: expected PORT/PROTOCOL such as 445/tcp or 389/udp, or gre", text);
    return std::nullopt;
  }
  const auto protocol = catalog::ParseProtocol(text.substr(slash + 1));
  if (!protocol || !catalog::ProtocolHasPorts(*protocol)) {
    *error = fmt::format("'{}': the protocol after / must be tcp or udp", text);
    return std::nullopt;
  }
  const auto range = core::ParsePortRange(text.substr(0, slash), error);
  if (!range) return std::nullopt;
  if (range->first != range->last) {
    *error = fmt::format("'{}': give a single port", text);
    return std::nullopt;
  }
  return PortQuery{*protocol, range->first};
}

std::optional<EndpointMatch> FindEndpoint(const inventory::Inventory& inventory, std::string_view text,
                                          std::string* error) {
  if (const auto* endpoint = inventory.FindEndpoint(text)) {
    return EndpointMatch{static_cast<int>(endpoint - inventory.endpoints.data()), std::nullopt};
  }
  if (const auto address = core::ParseAddress(text)) {
    // The most specific endpoint that holds the address: a host before a client network.
    int best = -1;
    int best_prefix = -1;
    for (int e = 0; e < static_cast<int>(inventory.endpoints.size()); ++e) {
      for (const auto& network : inventory.endpoints[e].addresses) {
        if (network.Contains(*address) && network.prefix_length > best_prefix) {
          best = e;
          best_prefix = network.prefix_length;
        }
      }
    }
    if (best >= 0) return EndpointMatch{best, address};
    *error = fmt::format("no host or client network of the inventory has the address {}", text);
    return std::nullopt;
  }
  std::vector<std::string> names;
  for (const auto& endpoint : inventory.endpoints) names.push_back(endpoint.name);
  *error = fmt::format("'{}' is neither a host or client network of the inventory nor an address{}", text,
                       core::DidYouMean(text, names));
  return std::nullopt;
}

Explanation Explain(const catalog::Catalog& catalog, const inventory::Inventory& inventory, const Plan& plan, int from,
                    int to, const std::optional<PortQuery>& port) {
  Explanation out;
  out.from = from;
  out.to = to;
  out.port = port;
  for (const auto& flow : plan.flows) {
    if (!std::binary_search(flow.sources.begin(), flow.sources.end(), from) ||
        !std::binary_search(flow.destinations.begin(), flow.destinations.end(), to)) {
      continue;
    }
    if (port) {
      if (flow.protocol != port->protocol) continue;
      const auto ports = flow.Ports();
      if (catalog::ProtocolHasPorts(port->protocol) && !ports.Contains(port->port)) continue;
    }
    out.flows.push_back(&flow);
  }
  if (!port || !out.flows.empty()) return out;
  const PlanContext ctx(catalog, inventory);
  for (int e = 0; e < static_cast<int>(catalog.entries.size()); ++e) {
    const auto& entry = catalog.entries[e];
    if (entry.protocol != port->protocol) continue;
    const auto ports = ctx.EntryPorts(entry, to);
    const bool nominal_port = !catalog::ProtocolHasPorts(entry.protocol) || ports.Contains(port->port) ||
                              (entry.port_setting && catalog.FindSetting(*entry.port_setting) != nullptr &&
                               catalog.FindSetting(*entry.port_setting)->default_ports.Contains(port->port));
    if (!nominal_port) continue;
    const auto judgement = JudgePair(catalog, inventory, e, from, to);
    if (judgement.applies) {
      // Only a setting can move an applying entry off the queried port.
      out.not_applied.push_back({e, fmt::format("it applies, but on port {} (setting {})", judgement.ports.ToString(),
                                                entry.port_setting.value_or("?"))});
    } else {
      out.not_applied.push_back({e, judgement.why_not});
    }
  }
  return out;
}

}  // namespace portolan::plan
