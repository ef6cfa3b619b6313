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

bool IsProxyLeg(const catalog::Entry& entry) {
  return entry.scope == Scope::kViaProxy;
}

bool CatalogHasLegs(const catalog::Catalog& catalog) {
  const auto* client_leg = catalog.FindEntry(kClientLegEntry);
  const auto* origin_leg = catalog.FindEntry(kOriginLegEntry);
  return client_leg != nullptr && origin_leg != nullptr && catalog::StatusIsPlanned(client_leg->status) &&
         catalog::StatusIsPlanned(origin_leg->status);
}

PairJudgement JudgeDirect(const catalog::Catalog& catalog, const inventory::Inventory& inventory, int entry_index,
                          int initiator, int responder);

// Whether the entry's request from the initiator to the responder goes through the initiator's
// proxy (and so is not a direct flow).
bool Proxied(const catalog::Catalog& catalog, const inventory::Inventory& inventory, const catalog::Entry& entry,
             int initiator, int responder) {
  const int proxy = inventory.endpoints[initiator].proxy;
  return entry.http && proxy >= 0 && proxy != responder && !inventory.Bypasses(proxy, responder) &&
         CatalogHasLegs(catalog);
}

// A leg of proxied requests: the client leg (client -> its proxy) applies when some request of
// the client goes through that proxy; the origin leg (proxy -> server) when some client of the
// proxy sends a request to that server through it. Both in the families the three share.
PairJudgement JudgeLeg(const catalog::Catalog& catalog, const inventory::Inventory& inventory, int entry_index,
                       int initiator, int responder) {
  const PlanContext ctx(catalog, inventory);
  const auto& leg = catalog.entries[entry_index];
  const bool client_leg = leg.id == kClientLegEntry;
  PairJudgement judgement;
  const int proxy = client_leg ? responder : initiator;
  const auto& proxy_endpoint = inventory.endpoints[proxy];
  if (!proxy_endpoint.HasRole("http-proxy") || !CatalogHasLegs(catalog) ||
      (leg.id != kClientLegEntry && leg.id != kOriginLegEntry)) {
    judgement.why_not = fmt::format("{} is not an http-proxy", proxy_endpoint.name);
    return judgement;
  }
  const int count = static_cast<int>(inventory.endpoints.size());
  std::vector<core::Family> families;
  core::PortSet ports;
  for (int e = 0; e < static_cast<int>(catalog.entries.size()); ++e) {
    const auto& entry = catalog.entries[e];
    if (!entry.http || IsProxyLeg(entry) || !catalog::StatusIsPlanned(entry.status)) continue;
    for (int other = 0; other < count; ++other) {
      const int client = client_leg ? initiator : other;
      const int server = client_leg ? other : responder;
      if (inventory.endpoints[client].proxy != proxy || !Proxied(catalog, inventory, entry, client, server)) continue;
      const auto direct = JudgeDirect(catalog, inventory, e, client, server);
      if (!direct.applies) continue;
      for (const auto family : direct.families) {
        if (!proxy_endpoint.HasFamily(family)) continue;
        if (std::find(families.begin(), families.end(), family) == families.end()) families.push_back(family);
        if (!client_leg) ports = ports.Union(direct.ports);
      }
    }
  }
  if (families.empty()) {
    judgement.why_not =
        client_leg
            ? fmt::format("{} sends no request through {}", inventory.endpoints[initiator].name, proxy_endpoint.name)
            : fmt::format("no client of {} asks it for {}", proxy_endpoint.name, inventory.endpoints[responder].name);
    return judgement;
  }
  std::sort(families.begin(), families.end());
  judgement.applies = true;
  judgement.families = families;
  judgement.ports = client_leg ? ctx.EntryPorts(leg, proxy) : ports;
  for (const auto& id : leg.advisories) {
    const auto* advisory = catalog.FindAdvisory(id);
    if (advisory == nullptr || advisory->global || !ctx.Holds(advisory->when, initiator, responder, -1)) continue;
    judgement.advisories.push_back(static_cast<int>(advisory - catalog.advisories.data()));
  }
  std::sort(judgement.advisories.begin(), judgement.advisories.end());
  return judgement;
}

}  // namespace

PairJudgement JudgePair(const catalog::Catalog& catalog, const inventory::Inventory& inventory, int entry_index,
                        int initiator, int responder) {
  const auto& entry = catalog.entries[entry_index];
  if (catalog::StatusIsPlanned(entry.status) && IsProxyLeg(entry) && initiator != responder) {
    return JudgeLeg(catalog, inventory, entry_index, initiator, responder);
  }
  auto judgement = JudgeDirect(catalog, inventory, entry_index, initiator, responder);
  if (judgement.applies && Proxied(catalog, inventory, entry, initiator, responder)) {
    const auto& from = inventory.endpoints[initiator];
    const auto& proxy = inventory.endpoints[from.proxy];
    const int port = proxy.http_proxy ? proxy.http_proxy->port : 0;
    PairJudgement through;
    through.via_proxy = from.proxy;
    through.why_not = fmt::format("{} sends it through its HTTP proxy {}: {} -> {} on {}/tcp, then {} -> {} on {}/tcp",
                                  from.name, proxy.name, from.name, proxy.name, port, proxy.name,
                                  inventory.endpoints[responder].name, judgement.ports.ToString());
    return through;
  }
  return judgement;
}

namespace {

PairJudgement JudgeDirect(const catalog::Catalog& catalog, const inventory::Inventory& inventory, int entry_index,
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
  if (const auto replaced = ctx.Members(from.site, entry.unless_site_has); !replaced.empty()) {
    return fail(fmt::format("{} is in site {}, whose {} {} takes this instead", from.name,
                            inventory.sites[from.site].code, RolesText(entry.unless_site_has),
                            inventory.endpoints[replaced.front()].name));
  }

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
    case Scope::kViaProxy: return fail("only as a leg of a request through an HTTP proxy");
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

}  // namespace

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
  for (const auto& request : plan.proxy_requests) {
    if (!std::binary_search(request.sources.begin(), request.sources.end(), from) ||
        !std::binary_search(request.destinations.begin(), request.destinations.end(), to)) {
      continue;
    }
    if (port && (port->protocol != catalog::Protocol::kTcp || !request.ports.Contains(port->port))) continue;
    out.proxied.push_back(&request);
  }
  if (!port || !out.flows.empty() || !out.proxied.empty()) return out;
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
