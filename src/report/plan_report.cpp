#include "report/plan_report.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/json_writer.hpp"
#include "core/text_table.hpp"

namespace portolan::report {

namespace {

using plan::Flow;

constexpr std::size_t kTableEndpointLines = 6;  // longer lists end with "+N more" on a terminal

struct PlanView {
  const catalog::Catalog& catalog;
  const inventory::Inventory& inventory;
  const plan::Plan& plan;

  const inventory::Endpoint& EndpointAt(int index) const { return inventory.endpoints[index]; }

  std::vector<std::string> Names(const std::vector<int>& endpoints, inventory::EndpointKind kind) const {
    std::vector<std::string> out;
    for (const int e : endpoints) {
      if (EndpointAt(e).kind == kind) out.push_back(EndpointAt(e).name);
    }
    return out;
  }

  std::vector<std::string> Addresses(const std::vector<int>& endpoints, core::Family family) const {
    std::vector<core::Network> networks;
    for (const int e : endpoints) {
      for (const auto& address : EndpointAt(e).addresses) {
        if (address.family == family) networks.push_back(address);
      }
    }
    std::sort(networks.begin(), networks.end());
    networks.erase(std::unique(networks.begin(), networks.end()), networks.end());
    std::vector<std::string> out;
    out.reserve(networks.size());
    for (const auto& n : networks) out.push_back(n.ToString());
    return out;
  }

  std::vector<std::string> EntryIds(const std::vector<int>& entries) const {
    std::vector<std::string> out;
    out.reserve(entries.size());
    for (const int e : entries) out.push_back(catalog.entries[e].id);
    return out;
  }

  std::vector<std::string> AdvisoryIds(const std::vector<int>& advisories) const {
    std::vector<std::string> out;
    out.reserve(advisories.size());
    for (const int a : advisories) out.push_back(catalog.advisories[a].id);
    return out;
  }

  std::vector<std::string> Services(const std::vector<int>& entries) const {
    std::vector<std::string> out;
    for (const int e : entries) {
      const auto& service = catalog.entries[e].service;
      if (!service.empty() && std::find(out.begin(), out.end(), service) == out.end()) out.push_back(service);
    }
    return out;
  }

  std::string PortsText(const Flow& flow, const plan::PortReason& item) const {
    return catalog::ProtocolHasPorts(flow.protocol) ? fmt::format("{}", fmt::join(item.ports.ToStrings(), ", ")) : "-";
  }

  // Advisory index -> the flows it applies to, in flow order.
  std::map<int, std::vector<std::string>> AdvisoryFlows() const {
    std::map<int, std::vector<std::string>> out;
    for (const auto& flow : plan.flows) {
      for (const int a : flow.Advisories()) out[a].push_back(flow.id);
    }
    return out;
  }
};

// Endpoint names and addresses as JSON literals, escaped once per endpoint rather than once
// per flow that lists them (a large plan lists the same hosts thousands of times).
class EndpointLiterals {
 public:
  explicit EndpointLiterals(const inventory::Inventory& inventory) {
    for (const auto& endpoint : inventory.endpoints) {
      names_.push_back(core::JsonQuoted(endpoint.name));
      auto& addresses = addresses_.emplace_back();
      for (const auto& address : endpoint.addresses)
        addresses.emplace_back(address, core::JsonQuoted(address.ToString()));
    }
  }

  void Write(core::JsonWriter& json, const inventory::Inventory& inventory, const std::vector<int>& endpoints,
             core::Family family) const {
    json.BeginObject();
    for (const auto kind : {inventory::EndpointKind::kHost, inventory::EndpointKind::kClientNetwork}) {
      json.Key(kind == inventory::EndpointKind::kHost ? "hosts" : "networks");
      json.BeginArray();
      for (const int e : endpoints) {
        if (inventory.endpoints[e].kind == kind) json.Literal(names_[e]);
      }
      json.EndArray();
    }
    std::vector<const std::pair<core::Network, std::string>*> addresses;
    for (const int e : endpoints) {
      for (const auto& address : addresses_[e]) {
        if (address.first.family == family) addresses.push_back(&address);
      }
    }
    std::sort(addresses.begin(), addresses.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
    addresses.erase(std::unique(addresses.begin(), addresses.end(),
                                [](const auto* a, const auto* b) { return a->first == b->first; }),
                    addresses.end());
    json.Key("addresses");
    json.BeginArray();
    for (const auto* address : addresses) json.Literal(address->second);
    json.EndArray();
    json.EndObject();
  }

 private:
  std::vector<std::string> names_;
  std::vector<std::vector<std::pair<core::Network, std::string>>> addresses_;
};

void WriteAdvisory(core::JsonWriter& json, const catalog::Advisory& advisory) {
  json.Key("id");
  json.String(advisory.id);
  json.Key("title");
  json.String(advisory.title);
  json.Key("text");
  json.String(advisory.text);
}

std::string PlanJson(const PlanView& view) {
  const EndpointLiterals endpoints(view.inventory);
  core::JsonWriter json;
  json.BeginObject();
  json.Key("catalog");
  json.String(view.catalog.name);
  json.Key("inventory");
  json.String(view.inventory.file);
  json.Key("domain");
  json.String(view.inventory.domain.name);
  json.Key("flows");
  json.BeginArray();
  for (const auto& flow : view.plan.flows) {
    json.BeginObject();
    json.Key("id");
    json.String(flow.id);
    json.Key("family");
    json.String(core::FamilyName(flow.family));
    json.Key("source");
    endpoints.Write(json, view.inventory, flow.sources, flow.family);
    json.Key("destination");
    endpoints.Write(json, view.inventory, flow.destinations, flow.family);
    json.Key("protocol");
    json.String(catalog::ProtocolName(flow.protocol));
    json.Key("ports");
    json.StringArray(flow.Ports().ToStrings());
    json.Key("reasons");
    json.StringArray(view.EntryIds(flow.Entries()));
    json.Key("services");
    json.BeginArray();
    for (const auto& item : flow.content) {
      json.BeginObject();
      json.Key("ports");
      json.StringArray(catalog::ProtocolHasPorts(flow.protocol) ? item.ports.ToStrings() : std::vector<std::string>{});
      json.Key("names");
      json.StringArray(view.Services(item.entries));
      json.Key("reasons");
      json.StringArray(view.EntryIds(item.entries));
      json.Key("advisories");
      json.StringArray(view.AdvisoryIds(item.advisories));
      json.EndObject();
    }
    json.EndArray();
    json.Key("advisories");
    json.StringArray(view.AdvisoryIds(flow.Advisories()));
    json.EndObject();
  }
  json.EndArray();
  if (!view.plan.proxy_requests.empty()) {
    json.Key("proxy_requests");
    json.BeginArray();
    for (const auto& request : view.plan.proxy_requests) {
      json.BeginObject();
      json.Key("id");
      json.String(request.id);
      json.Key("proxy");
      json.String(view.EndpointAt(request.proxy).name);
      json.Key("family");
      json.String(core::FamilyName(request.family));
      json.Key("source");
      endpoints.Write(json, view.inventory, request.sources, request.family);
      json.Key("destination");
      endpoints.Write(json, view.inventory, request.destinations, request.family);
      json.Key("ports");
      json.StringArray(request.ports.ToStrings());
      json.Key("methods");
      json.StringArray(request.methods);
      json.Key("headers");
      json.StringArray(request.headers);
      json.Key("reasons");
      json.StringArray(view.EntryIds(request.entries));
      json.Key("flows");
      json.StringArray(request.flows);
      json.EndObject();
    }
    json.EndArray();
  }
  json.Key("advisories");
  json.BeginArray();
  for (const auto& [advisory, flows] : view.AdvisoryFlows()) {
    json.BeginObject();
    WriteAdvisory(json, view.catalog.advisories[advisory]);
    json.Key("flows");
    json.StringArray(flows);
    json.EndObject();
  }
  for (const int advisory : view.plan.global_advisories) {
    json.BeginObject();
    WriteAdvisory(json, view.catalog.advisories[advisory]);
    json.Key("global");
    json.Bool(true);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
  return json.Take();
}

std::string EndpointLines(const PlanView& view, const std::vector<int>& endpoints, core::Family family) {
  std::vector<std::string> lines;
  for (const int e : endpoints) {
    if (lines.size() == kTableEndpointLines - 1 && endpoints.size() > kTableEndpointLines) {
      lines.push_back(fmt::format("+{} more", endpoints.size() - lines.size()));
      break;
    }
    const auto& endpoint = view.EndpointAt(e);
    std::vector<std::string> addresses;
    for (const auto& address : endpoint.addresses) {
      if (address.family == family)
        addresses.push_back(address.IsHost() ? address.AddressString() : address.ToString());
    }
    lines.push_back(fmt::format("{} {}", endpoint.name, fmt::join(addresses, ",")));
  }
  return fmt::format("{}", fmt::join(lines, "\n"));
}

std::string WhyText(const PlanView& view, const plan::PortReason& item) {
  std::vector<std::string> lines;
  for (const int e : item.entries) {
    const auto& entry = view.catalog.entries[e];
    lines.push_back(fmt::format("{} ({}): {}", entry.id, catalog::StatusName(entry.status), entry.purpose));
  }
  return fmt::format("{}", fmt::join(lines, "\n"));
}

std::string AdvisoryLines(const PlanView& view) {
  std::string out;
  const auto advisory_flows = view.AdvisoryFlows();
  if (advisory_flows.empty() && view.plan.global_advisories.empty()) return out;
  out += "\nAdvisories\n";
  for (const auto& [advisory, flows] : advisory_flows) {
    const auto& a = view.catalog.advisories[advisory];
    for (const auto& line :
         core::Wrap(fmt::format("[{}] {} ({}): {}", a.id, a.title, fmt::join(flows, ", "), a.text), 100)) {
      out += "  " + line + "\n";
    }
  }
  for (const int advisory : view.plan.global_advisories) {
    const auto& a = view.catalog.advisories[advisory];
    for (const auto& line : core::Wrap(fmt::format("[{}] {} (whole plan): {}", a.id, a.title, a.text), 100)) {
      out += "  " + line + "\n";
    }
  }
  return out;
}

// What each HTTP proxy must let its clients ask for (squid.conf's http_access, render -t squid).
std::string ProxyRequestLines(const PlanView& view, bool markdown) {
  if (view.plan.proxy_requests.empty()) return {};
  std::vector<std::vector<std::string>> rows;
  for (const auto& request : view.plan.proxy_requests) {
    rows.push_back({request.id, view.EndpointAt(request.proxy).name,
                    EndpointLines(view, request.sources, request.family),
                    EndpointLines(view, request.destinations, request.family), request.ports.ToString(),
                    fmt::format("{}", fmt::join(request.methods, markdown ? ", " : "\n")),
                    fmt::format("{}", fmt::join(view.EntryIds(request.entries), markdown ? ", " : "\n")),
                    fmt::format("{}", fmt::join(request.flows, ", "))});
  }
  if (markdown) {
    return "\n## Requests through HTTP proxies\n\n" +
           core::MarkdownTable({"Request", "Proxy", "Clients", "Servers", "Ports", "Methods", "Why", "Flows"}, rows);
  }
  core::TextTable table(
      {{"REQUEST"}, {"PROXY"}, {"CLIENTS", 30}, {"SERVERS", 30}, {"PORTS"}, {"METHODS"}, {"WHY", 24}, {"FLOWS"}});
  bool first = true;
  for (auto& row : rows) {
    if (!first) table.AddSeparator();
    first = false;
    table.AddRow(std::move(row));
  }
  return "\nRequests through HTTP proxies (the proxy's own policy: render -t squid)\n\n" + table.ToString();
}

std::string PlanTable(const PlanView& view) {
  std::string out = fmt::format("Plan for {} (catalog {}, domain {}): {} flows\n\n", view.inventory.file,
                                view.catalog.name, view.inventory.domain.name, view.plan.flows.size());
  core::TextTable table({{"FLOW"}, {"FROM", 30}, {"TO", 30}, {"PROTO"}, {"PORTS", 12}, {"SERVICE"}, {"WHY", 60}});
  bool first = true;
  for (const auto& flow : view.plan.flows) {
    if (!first) table.AddSeparator();
    first = false;
    bool head = true;
    for (const auto& item : flow.content) {
      table.AddRow({head ? flow.id : "", head ? EndpointLines(view, flow.sources, flow.family) : "",
                    head ? EndpointLines(view, flow.destinations, flow.family) : "",
                    head ? std::string(catalog::ProtocolName(flow.protocol)) : "", view.PortsText(flow, item),
                    fmt::format("{}", fmt::join(view.Services(item.entries), ",")), WhyText(view, item)});
      head = false;
    }
  }
  out += table.ToString();
  out += ProxyRequestLines(view, false);
  out += AdvisoryLines(view);
  return out;
}

std::vector<std::string> ItemFields(const PlanView& view, const Flow& flow, const plan::PortReason& item) {
  return {flow.id,
          std::string(core::FamilyName(flow.family)),
          std::string(catalog::ProtocolName(flow.protocol)),
          catalog::ProtocolHasPorts(flow.protocol) ? item.ports.ToString() : "",
          fmt::format("{}", fmt::join(view.Services(item.entries), " ")),
          fmt::format("{}", fmt::join(view.EntryIds(item.entries), " ")),
          fmt::format("{}", fmt::join(view.AdvisoryIds(item.advisories), " ")),
          fmt::format("{}", fmt::join(view.Names(flow.sources, inventory::EndpointKind::kHost), " ")),
          fmt::format("{}", fmt::join(view.Names(flow.sources, inventory::EndpointKind::kClientNetwork), " ")),
          fmt::format("{}", fmt::join(view.Addresses(flow.sources, flow.family), " ")),
          fmt::format("{}", fmt::join(view.Names(flow.destinations, inventory::EndpointKind::kHost), " ")),
          fmt::format("{}", fmt::join(view.Names(flow.destinations, inventory::EndpointKind::kClientNetwork), " ")),
          fmt::format("{}", fmt::join(view.Addresses(flow.destinations, flow.family), " "))};
}

std::string PlanCsv(const PlanView& view) {
  std::string out = core::CsvRow({"flow", "family", "protocol", "ports", "services", "reasons", "advisories",
                                  "source_hosts", "source_networks", "source_addresses", "destination_hosts",
                                  "destination_networks", "destination_addresses"});
  for (const auto& flow : view.plan.flows) {
    for (const auto& item : flow.content) out += core::CsvRow(ItemFields(view, flow, item));
  }
  return out;
}

std::string PlanMarkdown(const PlanView& view) {
  std::string out = fmt::format("# Required flows: {}\n\nCatalog `{}`, domain `{}`: {} flows.\n\n", view.inventory.file,
                                view.catalog.name, view.inventory.domain.name, view.plan.flows.size());
  std::vector<std::vector<std::string>> rows;
  for (const auto& flow : view.plan.flows) {
    for (const auto& item : flow.content) {
      rows.push_back({flow.id, EndpointLines(view, flow.sources, flow.family),
                      EndpointLines(view, flow.destinations, flow.family),
                      std::string(catalog::ProtocolName(flow.protocol)), view.PortsText(flow, item),
                      fmt::format("{}", fmt::join(view.Services(item.entries), ", ")), WhyText(view, item)});
    }
  }
  out += core::MarkdownTable({"Flow", "From", "To", "Protocol", "Ports", "Service", "Why"}, rows);
  out += ProxyRequestLines(view, true);
  const auto advisory_flows = view.AdvisoryFlows();
  if (!advisory_flows.empty() || !view.plan.global_advisories.empty()) {
    out += "\n## Advisories\n\n";
    for (const auto& [advisory, flows] : advisory_flows) {
      const auto& a = view.catalog.advisories[advisory];
      out += fmt::format("- **{}** (`{}`; flows {}): {}\n", a.title, a.id, fmt::join(flows, ", "), a.text);
    }
    for (const int advisory : view.plan.global_advisories) {
      const auto& a = view.catalog.advisories[advisory];
      out += fmt::format("- **{}** (`{}`; whole plan): {}\n", a.title, a.id, a.text);
    }
  }
  return out;
}

}  // namespace

std::string RenderPlan(const catalog::Catalog& catalog, const inventory::Inventory& inventory, const plan::Plan& plan,
                       core::Format format) {
  const PlanView view{catalog, inventory, plan};
  switch (format) {
    case core::Format::kJunit:  // not offered for the plan
    case core::Format::kTable: return PlanTable(view);
    case core::Format::kJson: return PlanJson(view);
    case core::Format::kCsv: return PlanCsv(view);
    case core::Format::kMarkdown: return PlanMarkdown(view);
  }
  return {};
}

}  // namespace portolan::report
