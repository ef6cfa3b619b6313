#include "report/explain_report.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/text_table.hpp"

namespace portolan::report {

namespace {

std::string PortText(const plan::PortQuery& port) {
  if (!catalog::ProtocolHasPorts(port.protocol)) return std::string(catalog::ProtocolName(port.protocol));
  return fmt::format("{}/{}", port.port, catalog::ProtocolName(port.protocol));
}

std::string Citation(const catalog::Catalog& catalog, const catalog::Entry& entry) {
  if (entry.section) {
    const auto* section = catalog.FindSection(*entry.section);
    return fmt::format("{}, \"{}\": {}", catalog.source_id, section != nullptr ? section->title : *entry.section,
                       entry.kb_text.value_or(""));
  }
  return fmt::format("{}", fmt::join(entry.sources, "; "));
}

// The requests from -> to that an HTTP proxy carries: the path, and the flows of each leg.
std::string ProxiedText(const catalog::Catalog& catalog, const inventory::Inventory& inventory, const plan::Plan& plan,
                        const plan::Explanation& explanation) {
  std::string out;
  const auto& from = inventory.endpoints[explanation.from];
  const auto& to = inventory.endpoints[explanation.to];
  for (const auto* request : explanation.proxied) {
    const auto& proxy = inventory.endpoints[request->proxy];
    out += fmt::format("{} -> {}: {}/tcp goes through the HTTP proxy {} (request {}):\n", from.name, to.name,
                       request->ports.ToString(), proxy.name, request->id);
    for (const auto& id : request->flows) {
      const auto it =
          std::find_if(plan.flows.begin(), plan.flows.end(), [&](const plan::Flow& f) { return f.id == id; });
      if (it == plan.flows.end()) continue;
      const bool client_leg = std::binary_search(it->destinations.begin(), it->destinations.end(), request->proxy);
      if (client_leg && !std::binary_search(it->sources.begin(), it->sources.end(), explanation.from)) continue;
      if (!client_leg && !std::binary_search(it->destinations.begin(), it->destinations.end(), explanation.to))
        continue;
      out += fmt::format("  {} -> {} on {}/tcp (flow {})\n", client_leg ? from.name : proxy.name,
                         client_leg ? proxy.name : to.name, it->Ports().ToString(), id);
    }
    std::vector<std::string> entries;
    for (const int e : request->entries) entries.push_back(catalog.entries[e].id);
    out += fmt::format("  methods {}; for {}\n", fmt::join(request->methods, ", "), fmt::join(entries, ", "));
  }
  return out;
}

}  // namespace

std::string RenderExplanation(const catalog::Catalog& catalog, const inventory::Inventory& inventory,
                              const plan::Plan& plan, const plan::Explanation& explanation, core::Format format) {
  const auto& from = inventory.endpoints[explanation.from];
  const auto& to = inventory.endpoints[explanation.to];
  if (format == core::Format::kJson) {
    nlohmann::ordered_json out;
    out["from"] = from.name;
    out["to"] = to.name;
    if (explanation.port) out["port"] = PortText(*explanation.port);
    out["required"] = !explanation.flows.empty();
    out["flows"] = nlohmann::ordered_json::array();
    for (const auto* flow : explanation.flows) {
      nlohmann::ordered_json f{
          {"id", flow->id}, {"protocol", catalog::ProtocolName(flow->protocol)}, {"ports", flow->Ports().ToStrings()}};
      f["reasons"] = nlohmann::ordered_json::array();
      for (const auto& item : flow->content) {
        for (const int e : item.entries) {
          const auto& entry = catalog.entries[e];
          f["reasons"].push_back({{"entry", entry.id},
                                  {"ports", item.ports.ToStrings()},
                                  {"status", catalog::StatusName(entry.status)},
                                  {"purpose", entry.purpose},
                                  {"citation", Citation(catalog, entry)}});
        }
      }
      out["flows"].push_back(std::move(f));
    }
    out["through_proxy"] = nlohmann::ordered_json::array();
    for (const auto* request : explanation.proxied) {
      std::vector<std::string> entries;
      for (const int e : request->entries) entries.push_back(catalog.entries[e].id);
      out["through_proxy"].push_back({{"request", request->id},
                                      {"proxy", inventory.endpoints[request->proxy].name},
                                      {"ports", request->ports.ToStrings()},
                                      {"methods", request->methods},
                                      {"entries", entries},
                                      {"flows", request->flows}});
    }
    out["not_applied"] = nlohmann::ordered_json::array();
    for (const auto& miss : explanation.not_applied) {
      out["not_applied"].push_back({{"entry", catalog.entries[miss.entry].id}, {"why_not", miss.why_not}});
    }
    return out.dump(2) + "\n";
  }

  std::string out;
  const auto what = explanation.port ? PortText(*explanation.port) : std::string("anything");
  out += ProxiedText(catalog, inventory, plan, explanation);
  if (explanation.flows.empty() && !explanation.proxied.empty()) return out;
  if (!out.empty()) out += "\n";
  if (explanation.flows.empty()) {
    out += fmt::format("Nothing requires {} from {} to {}.\n", what, from.name, to.name);
    if (!explanation.not_applied.empty()) {
      out += "\nCatalog entries for that port, and why they do not apply here:\n";
      for (const auto& miss : explanation.not_applied) {
        const auto& entry = catalog.entries[miss.entry];
        for (const auto& line : core::Wrap(fmt::format("{}: {}", entry.id, miss.why_not), 96))
          out += "  " + line + "\n";
      }
    }
    return out;
  }
  out += fmt::format("{} -> {}: {} required by {} flow{}\n\n", from.name, to.name, what, explanation.flows.size(),
                     explanation.flows.size() == 1 ? "" : "s");
  core::TextTable table({{"FLOW"}, {"PROTO"}, {"PORTS"}, {"ENTRY"}, {"WHY", 48}, {"SOURCE", 48}});
  for (const auto* flow : explanation.flows) {
    for (const auto& item : flow->content) {
      if (explanation.port && catalog::ProtocolHasPorts(flow->protocol) &&
          !item.ports.Contains(explanation.port->port)) {
        continue;
      }
      for (const int e : item.entries) {
        const auto& entry = catalog.entries[e];
        table.AddRow({flow->id, std::string(catalog::ProtocolName(flow->protocol)),
                      catalog::ProtocolHasPorts(flow->protocol) ? item.ports.ToString() : "-",
                      fmt::format("{} ({})", entry.id, catalog::StatusName(entry.status)), entry.purpose,
                      Citation(catalog, entry)});
      }
    }
  }
  return out + table.ToString();
}

}  // namespace portolan::report
