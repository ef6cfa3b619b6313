#include "report/plan_report.hpp"

#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/text_table.hpp"

namespace portolan::report {

namespace {

using nlohmann::ordered_json;
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
    for (const auto& n : networks) out.push_back(n.ToString());
    return out;
  }

  std::vector<std::string> EntryIds(const std::vector<int>& entries) const {
    std::vector<std::string> out;
    for (const int e : entries) out.push_back(catalog.entries[e].id);
    return out;
  }

  std::vector<std::string> AdvisoryIds(const std::vector<int>& advisories) const {
    std::vector<std::string> out;
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

ordered_json EndpointsJson(const PlanView& view, const std::vector<int>& endpoints, core::Family family) {
  return ordered_json{{"hosts", view.Names(endpoints, inventory::EndpointKind::kHost)},
                      {"networks", view.Names(endpoints, inventory::EndpointKind::kClientNetwork)},
                      {"addresses", view.Addresses(endpoints, family)}};
}

std::string PlanJson(const PlanView& view) {
  ordered_json out;
  out["catalog"] = view.catalog.name;
  out["inventory"] = view.inventory.file;
  out["domain"] = view.inventory.domain.name;
  out["flows"] = ordered_json::array();
  for (const auto& flow : view.plan.flows) {
    ordered_json f;
    f["id"] = flow.id;
    f["family"] = core::FamilyName(flow.family);
    f["source"] = EndpointsJson(view, flow.sources, flow.family);
    f["destination"] = EndpointsJson(view, flow.destinations, flow.family);
    f["protocol"] = catalog::ProtocolName(flow.protocol);
    f["ports"] = flow.Ports().ToStrings();
    f["reasons"] = view.EntryIds(flow.Entries());
    f["services"] = ordered_json::array();
    for (const auto& item : flow.content) {
      f["services"].push_back(
          {{"ports", catalog::ProtocolHasPorts(flow.protocol) ? item.ports.ToStrings() : std::vector<std::string>{}},
           {"names", view.Services(item.entries)},
           {"reasons", view.EntryIds(item.entries)},
           {"advisories", view.AdvisoryIds(item.advisories)}});
    }
    f["advisories"] = view.AdvisoryIds(flow.Advisories());
    out["flows"].push_back(std::move(f));
  }
  out["advisories"] = ordered_json::array();
  for (const auto& [advisory, flows] : view.AdvisoryFlows()) {
    const auto& a = view.catalog.advisories[advisory];
    out["advisories"].push_back({{"id", a.id}, {"title", a.title}, {"text", a.text}, {"flows", flows}});
  }
  for (const int advisory : view.plan.global_advisories) {
    const auto& a = view.catalog.advisories[advisory];
    out["advisories"].push_back({{"id", a.id}, {"title", a.title}, {"text", a.text}, {"global", true}});
  }
  return out.dump(2) + "\n";
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
    for (const auto& line : Wrap(fmt::format("[{}] {} ({}): {}", a.id, a.title, fmt::join(flows, ", "), a.text), 100)) {
      out += "  " + line + "\n";
    }
  }
  for (const int advisory : view.plan.global_advisories) {
    const auto& a = view.catalog.advisories[advisory];
    for (const auto& line : Wrap(fmt::format("[{}] {} (whole plan): {}", a.id, a.title, a.text), 100)) {
      out += "  " + line + "\n";
    }
  }
  return out;
}

std::string PlanTable(const PlanView& view) {
  std::string out = fmt::format("Plan for {} (catalog {}, domain {}): {} flows\n\n", view.inventory.file,
                                view.catalog.name, view.inventory.domain.name, view.plan.flows.size());
  TextTable table({{"FLOW"}, {"FROM", 30}, {"TO", 30}, {"PROTO"}, {"PORTS", 12}, {"SERVICE"}, {"WHY", 60}});
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
  std::string out = CsvRow({"flow", "family", "protocol", "ports", "services", "reasons", "advisories", "source_hosts",
                            "source_networks", "source_addresses", "destination_hosts", "destination_networks",
                            "destination_addresses"});
  for (const auto& flow : view.plan.flows) {
    for (const auto& item : flow.content) out += CsvRow(ItemFields(view, flow, item));
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
  out += MarkdownTable({"Flow", "From", "To", "Protocol", "Ports", "Service", "Why"}, rows);
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
                       Format format) {
  const PlanView view{catalog, inventory, plan};
  switch (format) {
    case Format::kTable: return PlanTable(view);
    case Format::kJson: return PlanJson(view);
    case Format::kCsv: return PlanCsv(view);
    case Format::kMarkdown: return PlanMarkdown(view);
  }
  return {};
}

}  // namespace portolan::report
