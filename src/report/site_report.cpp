#include "report/site_report.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "audit/audit.hpp"
#include "core/format.hpp"
#include "probe/verdict.hpp"
#include "report/assets.hpp"
#include "report/site_picture.hpp"
#include "report/zone_numbers.hpp"

namespace portolan::report {

namespace {

// Bounds that keep a 500-site report readable and quick to open; what is left out is counted.
constexpr std::size_t kMatrixZones = 30;     // more zones: a list of zone pairs instead of a grid
constexpr std::size_t kZonePairRows = 300;   // that list's length
constexpr std::size_t kCellNames = 8;        // names in a table cell before "+N more"
constexpr std::size_t kNamedAddresses = 20;  // endpoints listed with their addresses in a flow's details
constexpr std::size_t kEvidenceRows = 2000;  // rows of one evidence table
constexpr std::size_t kOpenDetails = 200;    // flows whose details are open in the file (all, up to this)
constexpr std::size_t kLabMatrixEndpoints = 30;
constexpr std::size_t kEmbeddedCsvBytes = 4u << 20;  // a larger change request is written beside (--changes-csv)

// The verdict words of the evidence, as the audit and the probe name them.
bool Is(const std::string& verdict, audit::FlowStatus status) {
  return verdict == audit::FlowStatusName(status);
}
bool Is(const std::string& verdict, probe::Verdict probe_verdict) {
  return verdict == probe::VerdictName(probe_verdict);
}

std::string Esc(std::string_view text) {
  return core::XmlEscaped(text);
}

std::string Join(const std::vector<std::string>& items, std::string_view separator = ", ") {
  return fmt::format("{}", fmt::join(items, separator));
}

// "A, B, C +12 more": the first few names of a long list.
std::string Few(const std::vector<std::string>& names, std::size_t count = kCellNames) {
  if (names.size() <= count) return Join(names);
  return fmt::format("{} +{} more", fmt::join(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(count), ", "),
                     names.size() - count);
}

std::string Anchor(std::string_view id) {
  std::string out;
  for (const char c : id) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out;
}

// "site" for "inventories/site.yaml": the name of files made for the inventory.
std::string ReportStem(const inventory::Inventory& inventory) {
  const auto slash = inventory.file.find_last_of("/\\");
  const auto name = slash == std::string::npos ? inventory.file : inventory.file.substr(slash + 1);
  return name.substr(0, name.rfind('.'));
}

// Percent-encoding for a data: URI: letters, digits and -_.~ stay, the rest is %XX.
std::string UriEncoded(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 5 / 4);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

struct Section {
  std::string_view id;
  std::string_view title;
};
constexpr Section kSections[] = {{"summary", "Summary"},
                                 {"picture", "The site"},
                                 {"matrix", "Flows between zones"},
                                 {"flows", "Every required flow"},
                                 {"changes", "Change request"},
                                 {"evidence", "Evidence"},
                                 {"catalog", "Why: the catalog entries"}};

// Everything the sections share, computed once.
class Model {
 public:
  explicit Model(const SiteReportInput& input)
      : in(input), inventory(*input.inventory), plan(*input.plan), numbers(*input.inventory) {
    states = CombineEvidence(input);
    for (std::size_t f = 0; f < plan.flows.size(); ++f) flow_index[plan.flows[f].id] = static_cast<int>(f);
    for (std::size_t p = 0; p < in.probes.size(); ++p) {
      for (const auto& result : in.probes[p].results) {
        for (const auto& flow : result.flows) probe_results[flow].emplace_back(p, &result);
      }
    }
    if (in.lab) {
      for (const auto& check : in.lab->checks) {
        for (const auto& flow : check.flows) lab_checks[flow].push_back(&check);
      }
    }
    for (std::size_t a = 0; a < in.audits.size(); ++a) {
      for (const auto& flow : in.audits[a].flows) audit_flows[flow.flow].emplace_back(a, &flow);
    }
    const std::size_t count = zones.size();
    zone_flows.assign(count * count, {});
    std::vector<int> crossings(count * count, 0);
    for (std::size_t f = 0; f < plan.flows.size(); ++f) {
      const auto& flow = plan.flows[f];
      // A flow is a product: it goes from every zone of its sources to every zone of its destinations.
      const auto& from = from_zones.emplace_back(numbers.Distinct(flow.sources));
      const auto& to = to_zones.emplace_back(numbers.Distinct(flow.destinations));
      std::vector<std::pair<int, int>> between;  // each boundary once, whichever way the flow crosses it
      for (const int a : from) {
        for (const int b : to) {
          zone_flows[a * count + b].push_back(static_cast<int>(f));
          if (a != b) between.push_back(std::minmax(a, b));
        }
      }
      std::sort(between.begin(), between.end());
      between.erase(std::unique(between.begin(), between.end()), between.end());
      for (const auto& [a, b] : between) ++crossings[a * count + b];
    }
    for (std::size_t a = 0; a < count; ++a) {
      for (std::size_t b = a + 1; b < count; ++b) {
        if (crossings[a * count + b] > 0) links[{zones[a], zones[b]}] = crossings[a * count + b];
      }
    }
  }

  std::vector<std::string> Names(const std::vector<int>& endpoints) const {
    std::vector<std::string> names;
    names.reserve(endpoints.size());
    for (const int e : endpoints) names.push_back(inventory.endpoints[e].name);
    return names;
  }

  // The first few names of endpoints, "+N more" for the rest (without copying every name).
  std::string FewNames(const std::vector<int>& endpoints) const {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < endpoints.size() && i < kCellNames; ++i)
      names.push_back(inventory.endpoints[endpoints[i]].name);
    if (endpoints.size() > kCellNames) names.push_back(fmt::format("+{} more", endpoints.size() - kCellNames));
    return Join(names);
  }

  std::vector<std::string> EntryIds(const plan::Flow& flow) const {
    std::vector<std::string> ids;
    for (const int e : flow.Entries()) ids.push_back(in.catalog->entries[e].id);
    return ids;
  }

  std::string PortsText(const plan::Flow& flow) const {
    return catalog::ProtocolHasPorts(flow.protocol) ? flow.Ports().ToString() : "-";
  }

  const SiteReportInput& in;
  const inventory::Inventory& inventory;
  const plan::Plan& plan;
  std::vector<FlowState> states;
  std::map<std::string, int> flow_index;
  std::map<std::string, std::vector<std::pair<std::size_t, const ProbeEvidence::Result*>>> probe_results;
  std::map<std::string, std::vector<const LabEvidence::Check*>> lab_checks;
  std::map<std::string, std::vector<std::pair<std::size_t, const AuditEvidence::Flow*>>> audit_flows;
  ZoneNumbers numbers;
  const std::vector<std::string>& zones = numbers.Names();
  std::vector<std::vector<int>> from_zones;  // per flow: the zones of its sources, sorted
  std::vector<std::vector<int>> to_zones;    // per flow: the zones of its destinations, sorted
  std::vector<std::vector<int>> zone_flows;  // [from * zones + to]: flow indices

  const std::vector<int>& FlowsBetween(int from, int to) const { return zone_flows[from * zones.size() + to]; }
  ZoneLinks links;
};

std::string StateBadge(FlowState state) {
  return fmt::format("<span class=\"status status-{}\">{}</span>", FlowStateId(state), FlowStateId(state));
}

std::string SectionStart(const Section& section, std::string_view intro = {}) {
  std::string out = fmt::format("<section id=\"{}\" aria-labelledby=\"{}-title\">\n<h2 id=\"{}-title\">{}</h2>\n",
                                section.id, section.id, section.id, section.title);
  if (!intro.empty()) out += fmt::format("<p class=\"intro\">{}</p>\n", intro);
  return out;
}

std::string Head(const Model& model) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"color-scheme\" content=\"light dark\">\n"
      "<meta name=\"generator\" content=\"portolan " PORTOLAN_VERSION "\">\n";
  out += fmt::format("<title>{}: required flows and evidence</title>\n", Esc(model.inventory.file));
  out += "<style>\n";
  out += assets::ReportCss();
  out += "</style>\n</head>\n<body>\n";
  return out;
}

std::string Header(const Model& model) {
  const auto& catalog = *model.in.catalog;
  std::string out = "<header>\n";
  out += fmt::format("<h1>Firewall report for {}</h1>\n", Esc(model.inventory.file));
  out += fmt::format("<p>Domain {}: {} sites, {} hosts and client networks, {} zones. Catalog: {} ({}).</p>\n",
                     Esc(model.inventory.domain.name), model.inventory.sites.size(), model.inventory.endpoints.size(),
                     model.inventory.Zones().size(), Esc(catalog.title), Esc(catalog.source_id));
  out += fmt::format("<p class=\"meta\">Inventory fingerprint <code>{}</code>{}. Made by portolan " PORTOLAN_VERSION
                     ".</p>\n",
                     Esc(model.inventory.fingerprint),
                     model.in.generated.empty() ? "" : fmt::format(", written {}", Esc(model.in.generated)));
  out += "</header>\n<nav id=\"toc\" aria-label=\"Sections\">\n<ul>\n";
  for (const auto& section : kSections)
    out += fmt::format("<li><a href=\"#{}\">{}</a></li>\n", section.id, section.title);
  out += "</ul>\n</nav>\n<main>\n";
  return out;
}

std::string SummarySection(const Model& model) {
  std::string out = SectionStart(kSections[0]);
  std::map<FlowState, int> counts;
  for (const auto state : model.states) ++counts[state];
  out +=
      "<table class=\"summary\">\n<caption>Required flows by status</caption>\n"
      "<thead><tr><th scope=\"col\">Status</th><th scope=\"col\">Flows</th><th scope=\"col\">Meaning</th></tr>"
      "</thead>\n<tbody>\n";
  for (const auto state :
       {FlowState::kBlocked, FlowState::kPartlyBlocked, FlowState::kFailed, FlowState::kOpen, FlowState::kUncertain,
        FlowState::kPartlyChecked, FlowState::kAllowed, FlowState::kUnchecked}) {
    out += fmt::format("<tr data-summary=\"{}\"><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>\n",
                       FlowStateId(state), StateBadge(state), counts[state], FlowStateText(state));
  }
  out += fmt::format(
      "</tbody>\n<tfoot><tr><th scope=\"row\">all</th><td>{}</td><td>every flow the plan requires</td>"
      "</tr></tfoot>\n</table>\n",
      model.plan.flows.size());
  out += "<h3>Evidence read</h3>\n<ul class=\"inputs\">\n";
  for (const auto& probe : model.in.probes) {
    out += fmt::format("<li>probe from <strong>{}</strong>: <code>{}</code>, {} results</li>\n", Esc(probe.from),
                       Esc(probe.file), probe.results.size());
  }
  if (model.in.lab) {
    out +=
        fmt::format("<li>lab <strong>{}</strong>: <code>{}</code>, {} checks, {}</li>\n", Esc(model.in.lab->lab),
                    Esc(model.in.lab->file), model.in.lab->checks.size(), model.in.lab->passed ? "passed" : "FAILED");
  }
  for (const auto& audit : model.in.audits) {
    out += fmt::format("<li>audit of {}: <code>{}</code>, {} flows audited</li>\n", Esc(audit.firewall),
                       Esc(audit.file), audit.flows.size());
  }
  if (model.in.probes.empty() && !model.in.lab && model.in.audits.empty()) {
    out +=
        "<li>none: every flow is <em>unchecked</em>. Add <code>--probe</code>, <code>--lab</code> or "
        "<code>--audit</code> results (each made with <code>-f json</code>).</li>\n";
  }
  out += "</ul>\n";
  if (!model.plan.global_advisories.empty()) {
    out += "<h3>Advisories for the whole site</h3>\n<ul>\n";
    for (const int a : model.plan.global_advisories) {
      const auto& advisory = model.in.catalog->advisories[a];
      out += fmt::format("<li><a href=\"#advisory-{}\">{}</a></li>\n", Anchor(advisory.id), Esc(advisory.title));
    }
    out += "</ul>\n";
  }
  return out + "</section>\n";
}

std::string PictureSection(const Model& model) {
  std::string out = SectionStart(kSections[1]);
  out += "<figure>\n<div class=\"picture\">\n" + SitePicture(model.inventory, model.links) + "</div>\n";
  std::vector<std::string> crossings;
  for (const auto& [pair, count] : model.links)
    crossings.push_back(fmt::format("{} and {} ({} flows)", Esc(pair.first), Esc(pair.second), count));
  out += fmt::format(
      "<figcaption>A firewall stands between every two zones. The plan crosses {} zone boundaries{}{}.</figcaption>\n",
      crossings.size(), crossings.empty() ? "" : ": ", Few(crossings, 12));
  out += "</figure>\n</section>\n";
  return out;
}

std::string FlowLinks(const Model& model, const std::vector<int>& flows) {
  std::string out = "<ul class=\"flow-links\">";
  for (const int f : flows) {
    const auto& id = model.plan.flows[f].id;
    out += fmt::format("<li><a href=\"#flow-{}\">{}</a></li>", Anchor(id), Esc(id));
  }
  return out + "</ul>";
}

std::string MatrixSection(const Model& model) {
  std::string out = SectionStart(kSections[2],
                                 "Rows are the zones flows start in, columns the zones they go to. A cell counts the "
                                 "flows between the two; open it for the flows. The diagonal stays inside a zone.");
  const auto& zones = model.zones;
  const int count = static_cast<int>(zones.size());
  if (zones.size() <= kMatrixZones) {
    out +=
        "<div class=\"scroll\"><table id=\"zone-matrix\">\n<caption>Required flows from zone (row) to zone "
        "(column)</caption>\n<thead><tr><th scope=\"col\">from \\ to</th>";
    for (const auto& zone : zones) out += fmt::format("<th scope=\"col\">{}</th>", Esc(zone));
    out += "</tr></thead>\n<tbody>\n";
    for (int from = 0; from < count; ++from) {
      out += fmt::format("<tr><th scope=\"row\">{}</th>", Esc(zones[from]));
      for (int to = 0; to < count; ++to) {
        const auto& flows = model.FlowsBetween(from, to);
        if (flows.empty()) {
          out += "<td class=\"empty\">-</td>";
          continue;
        }
        out += fmt::format(
            "<td data-zones=\"{}&gt;{}\"><details><summary aria-label=\"{} flows from {} to {}\">{}</summary>{}"
            "</details></td>",
            Esc(zones[from]), Esc(zones[to]), flows.size(), Esc(zones[from]), Esc(zones[to]), flows.size(),
            FlowLinks(model, flows));
      }
      out += "</tr>\n";
    }
    out += "</tbody>\n</table></div>\n";
    return out + "</section>\n";
  }
  // Too many zones for a grid: the busiest pairs.
  std::vector<std::pair<std::pair<int, int>, std::size_t>> pairs;
  for (int from = 0; from < count; ++from) {
    for (int to = 0; to < count; ++to) {
      if (const auto& flows = model.FlowsBetween(from, to); !flows.empty()) pairs.push_back({{from, to}, flows.size()});
    }
  }
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  out += fmt::format("<p>{} zones are too many for a grid: the {} zone pairs with the most flows, of {}.</p>\n",
                     zones.size(), std::min(pairs.size(), kZonePairRows), pairs.size());
  out +=
      "<table id=\"zone-matrix\" class=\"pairs\">\n<caption>Required flows per pair of zones</caption>\n<thead><tr>"
      "<th scope=\"col\">From zone</th><th scope=\"col\">To zone</th><th scope=\"col\">Flows</th></tr></thead>\n"
      "<tbody>\n";
  for (std::size_t i = 0; i < pairs.size() && i < kZonePairRows; ++i) {
    const auto& [pair, flows] = pairs[i];
    const auto& from = zones[pair.first];
    const auto& to = zones[pair.second];
    out += fmt::format(
        "<tr><th scope=\"row\">{}</th><td>{}</td><td data-zones=\"{}&gt;{}\"><details><summary>{}</summary>{}</details>"
        "</td></tr>\n",
        Esc(from), Esc(to), Esc(from), Esc(to), flows, FlowLinks(model, model.FlowsBetween(pair.first, pair.second)));
  }
  out += "</tbody>\n</table>\n";
  return out + "</section>\n";
}

std::string FilterForm(const Model& model) {
  std::set<std::string> roles;
  for (const auto& endpoint : model.inventory.endpoints) {
    for (const auto& role : endpoint.roles) roles.insert(role);
  }
  std::string out =
      "<form id=\"filters\" role=\"search\" hidden>\n"
      "<span class=\"field\"><label for=\"filter-text\">Search</label> <input id=\"filter-text\" type=\"search\" "
      "placeholder=\"flow, host, entry, address\"></span>\n"
      "<span class=\"field\"><label for=\"filter-status\">Status</label> <select id=\"filter-status\">"
      "<option value=\"\">any</option>";
  for (const auto state :
       {FlowState::kBlocked, FlowState::kPartlyBlocked, FlowState::kFailed, FlowState::kOpen, FlowState::kUncertain,
        FlowState::kPartlyChecked, FlowState::kAllowed, FlowState::kUnchecked}) {
    out += fmt::format("<option value=\"{}\">{}</option>", FlowStateId(state), FlowStateId(state));
  }
  out +=
      "</select></span>\n<span class=\"field\"><label for=\"filter-role\">Role</label> <select id=\"filter-role\">"
      "<option value=\"\">any</option>";
  for (const auto& role : roles) out += fmt::format("<option>{}</option>", Esc(role));
  out +=
      "</select></span>\n<span class=\"field\"><label for=\"filter-host\">Host</label> <select id=\"filter-host\">"
      "<option value=\"\">any</option>";
  for (const auto& endpoint : model.inventory.endpoints) out += fmt::format("<option>{}</option>", Esc(endpoint.name));
  out +=
      "</select></span>\n<span class=\"field\"><label for=\"filter-port\">Port</label> <input id=\"filter-port\" "
      "inputmode=\"numeric\" size=\"6\" placeholder=\"445\"></span>\n"
      "<input type=\"hidden\" id=\"filter-zones\" value=\"\">\n"
      "<button type=\"reset\" id=\"filter-reset\">Clear</button>\n"
      "<output id=\"filter-count\" for=\"filter-text filter-status filter-role filter-host filter-port\" "
      "aria-live=\"polite\"></output>\n</form>\n";
  return out;
}

std::string EntryLink(const catalog::Catalog& catalog, int entry) {
  const auto& e = catalog.entries[entry];
  return fmt::format("<a href=\"#entry-{}\">{}</a>", Anchor(e.id), Esc(e.id));
}

std::string EndpointList(const Model& model, const std::vector<int>& endpoints, core::Family family) {
  std::string out;
  if (endpoints.size() > kNamedAddresses) return Esc(Join(model.Names(endpoints)));
  std::vector<std::string> items;
  for (const int e : endpoints) {
    const auto& endpoint = model.inventory.endpoints[e];
    std::vector<std::string> addresses;
    for (const auto& address : endpoint.addresses) {
      if (address.family == family) addresses.push_back(address.ToString());
    }
    items.push_back(fmt::format("{} ({})", endpoint.name, Join(addresses)));
  }
  return Esc(Join(items));
}

std::string FlowEvidence(const Model& model, const plan::Flow& flow) {
  std::string out;
  if (const auto it = model.probe_results.find(flow.id); it != model.probe_results.end()) {
    out += "<h4>Probes</h4>\n<ul class=\"evidence-list\">\n";
    for (const auto& [file, result] : it->second) {
      out += fmt::format("<li><span class=\"verdict verdict-{}\">{}</span> from {} to {} {}/{} ({}){}: {}</li>\n",
                         result->passes ? "pass" : "fail", Esc(result->verdict), Esc(model.in.probes[file].from),
                         Esc(result->target), result->port, Esc(result->protocol), Esc(result->service),
                         result->icmp_from.empty() ? "" : fmt::format(", answered by {}", Esc(result->icmp_from)),
                         Esc(result->detail));
    }
    out += "</ul>\n";
  }
  if (const auto it = model.lab_checks.find(flow.id); it != model.lab_checks.end()) {
    out += "<h4>Lab</h4>\n<ul class=\"evidence-list\">\n";
    for (const auto* check : it->second) {
      out +=
          fmt::format("<li><span class=\"verdict verdict-{}\">{}</span> {} to {} {} {}/{}: {} ({})</li>\n",
                      check->pass ? "pass" : "fail", check->pass ? "ok" : "FAIL", Esc(check->from), Esc(check->to),
                      Esc(check->address), check->port, Esc(check->protocol), Esc(check->verdict), Esc(check->detail));
    }
    out += "</ul>\n";
  }
  if (const auto it = model.audit_flows.find(flow.id); it != model.audit_flows.end()) {
    out += "<h4>Audit</h4>\n<ul class=\"evidence-list\">\n";
    for (const auto& [file, audited] : it->second) {
      out += fmt::format("<li><span class=\"verdict verdict-{}\">{}</span> {} ({}, {})",
                         Is(audited->verdict, audit::FlowStatus::kAllowed) ? "pass" : "fail", Esc(audited->verdict),
                         Esc(model.in.audits[file].firewall), Esc(audited->direction), Esc(audited->family));
      if (!audited->blocked.empty()) {
        out += "<ul>";
        for (const auto& part : audited->blocked) {
          out += fmt::format("<li>{}dropped by <code>{}:{}</code> <code>{}</code>, e.g. {}</li>",
                             part.uncertain ? "maybe " : "", Esc(part.rule.file), part.rule.line, Esc(part.rule.text),
                             Esc(part.example));
        }
        out += "</ul>";
      }
      if (!audited->depends_on.empty()) out += fmt::format(" depends on: {}", Esc(Join(audited->depends_on, "; ")));
      out += "</li>\n";
    }
    out += "</ul>\n";
  }
  if (out.empty()) out = "<p class=\"none\">No evidence about this flow was given.</p>\n";
  return out;
}

std::string FlowRules(const Model& model, const plan::Flow& flow) {
  std::string out;
  for (const auto& platform : model.in.platforms) {
    const auto it = platform.flows.find(flow.id);
    out += fmt::format("<div class=\"rule-sample\" data-platform=\"{}\">\n", Esc(platform.id));
    if (it == platform.flows.end() || (it->second.text.empty() && it->second.omissions.empty())) {
      out += fmt::format("<p>{}: no rule (the flow never leaves its host).</p>\n", Esc(platform.title));
    } else {
      const auto& sample = it->second;
      out += fmt::format("<p>{}, {}{}:</p>\n", Esc(platform.title), Esc(sample.where),
                         sample.rules > 1 ? fmt::format(" (the first of {} rules)", sample.rules) : "");
      if (!sample.omissions.empty())
        out += fmt::format("<p class=\"warn\">Cannot be expressed: {}</p>\n", Esc(Join(sample.omissions, "; ")));
      if (sample.shortened) {
        out += fmt::format(
            "<p class=\"note\">Address groups shortened here to their first {} addresses; "
            "<code>portolan render -t {}</code> writes them whole.</p>\n",
            kSampleGroupSize, Esc(platform.id));
      }
      if (!sample.text.empty()) {
        out += fmt::format("<pre class=\"rule\" data-platform=\"{}\">{}</pre>\n", Esc(platform.id), Esc(sample.text));
      }
    }
    out += "</div>\n";
  }
  return out;
}

std::string FlowDetails(const Model& model, const plan::Flow& flow, bool open) {
  const auto& catalog = *model.in.catalog;
  std::string out =
      fmt::format("<tr class=\"flow-detail\"><td colspan=\"7\"><details{}><summary>Details of {}</summary>\n",
                  open ? " open" : "", Esc(flow.id));
  out +=
      fmt::format("<dl>\n<dt>From</dt><dd>{}</dd>\n<dt>To</dt><dd>{}</dd>\n",
                  EndpointList(model, flow.sources, flow.family), EndpointList(model, flow.destinations, flow.family));
  out += "<dt>Required by</dt><dd><ul>";
  for (const auto& item : flow.content) {
    std::vector<std::string> entries;
    for (const int e : item.entries) {
      const auto& entry = catalog.entries[e];
      std::string citation;
      if (entry.section) {
        const auto* section = catalog.FindSection(*entry.section);
        citation = fmt::format(", {} \u00a7 {}", catalog.source_id, section ? section->title : *entry.section);
      }
      entries.push_back(fmt::format("{} ({}{}): {}", EntryLink(catalog, e), catalog::StatusName(entry.status),
                                    Esc(citation), Esc(entry.purpose)));
    }
    out += fmt::format("<li>{} {}: {}</li>", catalog::ProtocolName(flow.protocol),
                       catalog::ProtocolHasPorts(flow.protocol) ? Esc(item.ports.ToString()) : "", Join(entries, "; "));
  }
  out += "</ul></dd>\n";
  if (const auto advisories = flow.Advisories(); !advisories.empty()) {
    out += "<dt>Advisories</dt><dd><ul>";
    for (const int a : advisories) {
      const auto& advisory = catalog.advisories[a];
      out += fmt::format("<li><a href=\"#advisory-{}\">{}</a></li>", Anchor(advisory.id), Esc(advisory.title));
    }
    out += "</ul></dd>\n";
  }
  out += "</dl>\n";
  if (!model.in.platforms.empty()) out += "<h4>The rule</h4>\n" + FlowRules(model, flow);
  out += FlowEvidence(model, flow);
  out += "</details></td></tr>\n";
  return out;
}

std::string FlowsSection(const Model& model) {
  const auto& catalog = *model.in.catalog;
  std::string out = SectionStart(kSections[3],
                                 "Each flow is exactly as wide as the catalog entries that require it: sources, "
                                 "destinations, protocol and ports. Its status combines the evidence given.");
  out += FilterForm(model);
  if (!model.in.rules_note.empty()) out += fmt::format("<p class=\"note\">{}</p>\n", Esc(model.in.rules_note));
  if (!model.in.platforms.empty()) {
    out += "<p class=\"platform-choice\"><label for=\"platform\">Show rules for</label> <select id=\"platform\">";
    out += "<option value=\"\">every platform</option>";
    for (const auto& platform : model.in.platforms)
      out += fmt::format("<option value=\"{}\">{}</option>", Esc(platform.id), Esc(platform.title));
    out += "</select></p>\n";
  }
  out +=
      "<div class=\"scroll\"><table id=\"flow-table\">\n"
      "<caption>Required flows, with the status the evidence gives each</caption>\n"
      "<thead><tr><th scope=\"col\">Flow</th><th scope=\"col\">From</th><th scope=\"col\">To</th>"
      "<th scope=\"col\">Protocol</th><th scope=\"col\">Ports</th><th scope=\"col\">Why</th>"
      "<th scope=\"col\">Status</th></tr></thead>\n";
  const bool open = model.plan.flows.size() <= kOpenDetails;
  for (std::size_t f = 0; f < model.plan.flows.size(); ++f) {
    const auto& flow = model.plan.flows[f];
    std::set<std::string> roles;
    std::vector<std::string> hosts;
    for (const auto* list : {&flow.sources, &flow.destinations}) {
      for (const int e : *list) {
        const auto& endpoint = model.inventory.endpoints[e];
        hosts.push_back(endpoint.name);
        for (const auto& role : endpoint.roles) roles.insert(role);
      }
    }
    std::vector<std::string> ports;
    if (catalog::ProtocolHasPorts(flow.protocol)) {
      for (const auto& range : flow.Ports().ToStrings())
        ports.push_back(fmt::format("{}/{}", catalog::ProtocolName(flow.protocol), range));
    } else {
      ports.emplace_back(catalog::ProtocolName(flow.protocol));
    }
    const auto zone_names = [&](const std::vector<int>& zones) {
      std::vector<std::string> names;
      names.reserve(zones.size());
      for (const int z : zones) names.push_back(model.zones[z]);
      return Join(names, " ");
    };
    std::vector<std::string> entries;
    for (const int e : flow.Entries()) entries.push_back(EntryLink(catalog, e));
    out += fmt::format(
        "<tbody class=\"flow\" id=\"flow-{}\" data-flow=\"{}\" data-status=\"{}\" data-hosts=\"{}\" data-roles=\"{}\" "
        "data-ports=\"{}\" data-from-zones=\"{}\" data-to-zones=\"{}\">\n",
        Anchor(flow.id), Esc(flow.id), FlowStateId(model.states[f]), Esc(Join(hosts, " ")),
        Esc(Join(std::vector<std::string>(roles.begin(), roles.end()), " ")), Esc(Join(ports, " ")),
        Esc(zone_names(model.from_zones[f])), Esc(zone_names(model.to_zones[f])));
    out += fmt::format(
        "<tr class=\"flow-row\"><th scope=\"row\"><a href=\"#flow-{}\">{}</a></th><td>{}</td><td>{}</td><td>{} {}</td>"
        "<td>{}</td><td>{}</td><td>{}</td></tr>\n",
        Anchor(flow.id), Esc(flow.id), Esc(model.FewNames(flow.sources)), Esc(model.FewNames(flow.destinations)),
        catalog::ProtocolName(flow.protocol), core::FamilyName(flow.family), Esc(model.PortsText(flow)), Join(entries),
        StateBadge(model.states[f]));
    out += FlowDetails(model, flow, open);
    out += "</tbody>\n";
  }
  out += "</table></div>\n";
  if (!open) {
    out += fmt::format("<p class=\"note\">{} flows: their details are closed; open one, or search.</p>\n",
                       model.plan.flows.size());
  }
  return out + "</section>\n";
}

// One row of the change request: what a firewall at a zone's edge must let through.
struct Change {
  std::string firewall;   // the zone whose edge it is
  std::string direction;  // "inbound" or "outbound"
  const plan::Flow* flow = nullptr;
  int flow_index = 0;
  std::vector<int> sources;
  std::vector<int> destinations;
};

// Per zone (sorted), inbound before outbound: the flows that cross that zone's edge.
std::vector<Change> Changes(const Model& model) {
  std::map<std::pair<int, int>, std::vector<Change>> groups;  // (zone, 0 in / 1 out)
  for (std::size_t f = 0; f < model.plan.flows.size(); ++f) {
    const auto& flow = model.plan.flows[f];
    std::set<int> zones(model.from_zones[f].begin(), model.from_zones[f].end());
    zones.insert(model.to_zones[f].begin(), model.to_zones[f].end());
    for (const int zone : zones) {
      for (const int out : {0, 1}) {
        Change change{model.zones[zone], out == 0 ? "inbound" : "outbound", &flow, static_cast<int>(f), {}, {}};
        for (const int s : flow.sources) {
          if ((model.numbers.Of(s) == zone) == (out == 1)) change.sources.push_back(s);
        }
        for (const int d : flow.destinations) {
          if ((model.numbers.Of(d) == zone) == (out == 0)) change.destinations.push_back(d);
        }
        if (!change.sources.empty() && !change.destinations.empty()) groups[{zone, out}].push_back(std::move(change));
      }
    }
  }
  std::vector<Change> changes;
  for (auto& [key, list] : groups) {
    for (auto& change : list) changes.push_back(std::move(change));
  }
  return changes;
}

std::string Addresses(const Model& model, const std::vector<int>& endpoints, core::Family family) {
  std::vector<std::string> addresses;
  for (const int e : endpoints) {
    for (const auto& address : model.inventory.endpoints[e].addresses) {
      if (address.family == family) addresses.push_back(address.ToString());
    }
  }
  return Join(addresses, " ");
}

std::string Why(const Model& model, const plan::Flow& flow) {
  std::vector<std::string> reasons;
  for (const int e : flow.Entries()) {
    const auto& entry = model.in.catalog->entries[e];
    reasons.push_back(fmt::format("{}: {}", entry.id, entry.purpose));
  }
  return Join(reasons, "; ");
}

void AppendChangeCsv(std::string& csv, const Model& model, const Change& change) {
  const auto& flow = *change.flow;
  core::AppendCsvRow(csv, {change.firewall, change.direction, flow.id, Join(model.Names(change.sources), " "),
                           Addresses(model, change.sources, flow.family), Join(model.Names(change.destinations), " "),
                           Addresses(model, change.destinations, flow.family), catalog::ProtocolName(flow.protocol),
                           model.PortsText(flow), Why(model, flow), FlowStateId(model.states[change.flow_index])});
}

std::string ChangeCsvHeader() {
  return core::CsvRow({"firewall", "direction", "flow", "from", "from_addresses", "to", "to_addresses", "protocol",
                       "ports", "why", "status"});
}

std::string ChangesSection(const Model& model, const std::vector<Change>& changes) {
  std::string out = SectionStart(
      kSections[4],
      "What to open, per firewall and direction: for the firewall at the edge of each zone, what must come in, then "
      "what must go out. With one router between all zones, the inbound lists together are the whole request; each "
      "flow is opened once per zone pair it crosses.");
  std::string csv = ChangeCsvHeader();
  bool embedded = true;
  std::string rows;
  std::string group;
  for (const auto& change : changes) {
    const auto& flow = *change.flow;
    const std::string key = change.firewall + "/" + change.direction;
    if (key != group) {
      if (!group.empty()) rows += "</tbody>\n";
      group = key;
      rows += fmt::format(
          "<tbody class=\"change-group\"><tr><th scope=\"rowgroup\" colspan=\"7\">Firewall at the edge of zone {}: {}"
          "</th></tr>\n",
          Esc(change.firewall), change.direction);
    }
    const auto ports = fmt::format("{} {}", catalog::ProtocolName(flow.protocol), model.PortsText(flow));
    rows += fmt::format(
        "<tr class=\"change\" data-flow-ref=\"{}\"><td><a href=\"#flow-{}\">{}</a></td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        Esc(flow.id), Anchor(flow.id), Esc(flow.id), change.direction, Esc(model.FewNames(change.sources)),
        Esc(model.FewNames(change.destinations)), Esc(ports), Esc(Few(model.EntryIds(flow))),
        StateBadge(model.states[change.flow_index]));
    if (embedded) {
      AppendChangeCsv(csv, model, change);
      if (csv.size() > kEmbeddedCsvBytes) {
        embedded = false;
        csv.clear();
      }
    }
  }
  if (!group.empty()) rows += "</tbody>\n";
  if (embedded) {
    out += fmt::format(
        "<p><a id=\"changes-csv\" download=\"{}-changes.csv\" href=\"data:text/csv;charset=utf-8,{}\">Download the "
        "change request as CSV</a> ({} rows, with every address).</p>\n",
        Esc(ReportStem(model.inventory)), UriEncoded(csv), changes.size());
  } else {
    out += fmt::format(
        "<p class=\"note\">The change request has {} rows: as CSV, with every address, it is too large to carry in "
        "this page. Write it beside the report with <code>portolan report ... --changes-csv FILE</code>.</p>\n",
        changes.size());
  }
  out +=
      "<div class=\"scroll\"><table id=\"change-table\">\n<caption>Change request: per firewall, per direction"
      "</caption>\n<thead><tr><th scope=\"col\">Flow</th><th scope=\"col\">Direction</th><th scope=\"col\">From</th>"
      "<th scope=\"col\">To</th><th scope=\"col\">Ports</th><th scope=\"col\">Why</th><th scope=\"col\">Status</th>"
      "</tr></thead>\n";
  out += rows;
  out += "</table></div>\n";
  return out + "</section>\n";
}

std::string Capped(std::size_t shown, std::size_t total, const std::string& file) {
  if (shown >= total) return {};
  return fmt::format("<p class=\"note\">{} of {} rows shown; the rest are in <code>{}</code>.</p>\n", shown, total,
                     Esc(file));
}

std::string ProbeEvidenceHtml(const Model& model) {
  std::string out =
      "<section id=\"evidence-probe\" aria-labelledby=\"evidence-probe-title\">\n"
      "<h3 id=\"evidence-probe-title\">Probes</h3>\n";
  if (model.in.probes.empty()) {
    out +=
        "<p class=\"none\">No probe results given. From each host: <code>portolan probe -i site.yaml --from HOST "
        "-f json -o probe-HOST.json</code>, then <code>--probe probe-HOST.json</code>.</p>\n";
    return out + "</section>\n";
  }
  for (std::size_t p = 0; p < model.in.probes.size(); ++p) {
    const auto& probe = model.in.probes[p];
    std::map<std::string, int> verdicts;
    for (const auto& result : probe.results) ++verdicts[result.verdict];
    std::vector<std::string> counts;
    counts.reserve(verdicts.size());
    for (const auto& [verdict, count] : verdicts) counts.push_back(fmt::format("{} {}", count, verdict));
    out += fmt::format("<h4>From {} (<code>{}</code>)</h4>\n<p>{} probes: {}.</p>\n", Esc(probe.from), Esc(probe.file),
                       probe.results.size(), Esc(Join(counts)));
    out += fmt::format(
        "<div class=\"scroll\"><table class=\"evidence\">\n<caption>Probes from {}</caption>\n<thead><tr>"
        "<th scope=\"col\">Target</th><th scope=\"col\">Port</th><th scope=\"col\">Service</th>"
        "<th scope=\"col\">Verdict</th><th scope=\"col\">Answered by</th><th scope=\"col\">Flows</th>"
        "<th scope=\"col\">Detail</th></tr></thead>\n<tbody>\n",
        Esc(probe.from));
    const std::size_t shown = std::min(probe.results.size(), kEvidenceRows);
    for (std::size_t r = 0; r < shown; ++r) {
      const auto& result = probe.results[r];
      std::vector<std::string> links;
      for (const auto& flow : result.flows) {
        links.push_back(model.flow_index.count(flow) > 0
                            ? fmt::format("<a href=\"#flow-{}\">{}</a>", Anchor(flow), Esc(flow))
                            : Esc(flow));
      }
      out += fmt::format(
          "<tr><td>{}</td><td>{}/{}</td><td>{}</td><td><span class=\"verdict verdict-{}\">{}</span></td><td>{}</td>"
          "<td>{}</td><td>{}</td></tr>\n",
          Esc(result.target), result.port, Esc(result.protocol), Esc(result.service), result.passes ? "pass" : "fail",
          Esc(result.verdict),
          result.icmp_from.empty() ? (Is(result.verdict, probe::Verdict::kFiltered) ||
                                              Is(result.verdict, probe::Verdict::kListeningOrFiltered)
                                          ? "nothing"
                                          : "the target")
                                   : Esc(result.icmp_from),
          Join(links, " "), Esc(result.detail));
    }
    out += "</tbody>\n</table></div>\n" + Capped(shown, probe.results.size(), probe.file);
    for (const auto& note : probe.notes) out += fmt::format("<p class=\"note\">note: {}</p>\n", Esc(note));
  }
  return out + "</section>\n";
}

std::string LabEvidenceHtml(const Model& model) {
  std::string out =
      "<section id=\"evidence-lab\" aria-labelledby=\"evidence-lab-title\">\n"
      "<h3 id=\"evidence-lab-title\">Lab</h3>\n";
  if (!model.in.lab) {
    out +=
        "<p class=\"none\">No lab result given. As root: <code>portolan lab run -i site.yaml -f json -o "
        "lab.json</code>, then <code>--lab lab.json</code>.</p>\n";
    return out + "</section>\n";
  }
  const auto& lab = *model.in.lab;
  int required = 0;
  int required_passed = 0;
  int other = 0;
  int other_filtered = 0;
  std::vector<std::string> endpoints;
  std::map<std::pair<std::string, std::string>, std::pair<int, int>> pairs;  // good, all
  for (const auto& check : lab.checks) {
    (check.required ? required : other) += 1;
    if (check.pass) (check.required ? required_passed : other_filtered) += 1;
    for (const auto* name : {&check.from, &check.to}) {
      if (std::find(endpoints.begin(), endpoints.end(), *name) == endpoints.end()) endpoints.push_back(*name);
    }
    auto& pair = pairs[{check.from, check.to}];
    pair.second += 1;
    if (check.pass) pair.first += 1;
  }
  out += fmt::format(
      "<p>Lab <strong>{}</strong> (<code>{}</code>), router: {}. <strong>{}</strong>: {} of {} required checks passed; "
      "{} of {} checks of ports nothing requires were FILTERED.</p>\n",
      Esc(lab.lab), Esc(lab.file), Esc(lab.policy), lab.passed ? "PASS" : "FAIL", required_passed, required,
      other_filtered, other);
  if (endpoints.size() <= kLabMatrixEndpoints) {
    out +=
        "<div class=\"scroll\"><table id=\"lab-matrix\" class=\"evidence\">\n<caption>Lab checks that came out as "
        "the plan expects, of all checks, from (row) to (column)</caption>\n<thead><tr><th scope=\"col\">from \\ "
        "to</th>";
    for (const auto& name : endpoints) out += fmt::format("<th scope=\"col\">{}</th>", Esc(name));
    out += "</tr></thead>\n<tbody>\n";
    for (const auto& from : endpoints) {
      out += fmt::format("<tr><th scope=\"row\">{}</th>", Esc(from));
      for (const auto& to : endpoints) {
        const auto it = pairs.find({from, to});
        if (it == pairs.end()) {
          out += "<td class=\"empty\">-</td>";
        } else {
          const bool ok = it->second.first == it->second.second;
          out += fmt::format("<td class=\"{}\">{}/{}{}</td>", ok ? "cell-ok" : "cell-fail", it->second.first,
                             it->second.second, ok ? "" : " FAIL");
        }
      }
      out += "</tr>\n";
    }
    out += "</tbody>\n</table></div>\n";
  }
  std::vector<const LabEvidence::Check*> failed;
  for (const auto& check : lab.checks) {
    if (!check.pass) failed.push_back(&check);
  }
  if (!failed.empty()) {
    out +=
        "<div class=\"scroll\"><table class=\"evidence\">\n<caption>Lab checks that failed</caption>\n<thead><tr>"
        "<th scope=\"col\">From</th><th scope=\"col\">To</th><th scope=\"col\">Port</th><th scope=\"col\">Expected"
        "</th><th scope=\"col\">Got</th><th scope=\"col\">Flows / why</th><th scope=\"col\">Detail</th></tr></thead>"
        "\n<tbody>\n";
    const std::size_t shown = std::min(failed.size(), kEvidenceRows);
    for (std::size_t i = 0; i < shown; ++i) {
      const auto& check = *failed[i];
      out += fmt::format(
          "<tr><td>{}</td><td>{} {}</td><td>{}/{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
          Esc(check.from), Esc(check.to), Esc(check.address), check.port, Esc(check.protocol),
          !check.expected.empty() ? Esc(check.expected)
          : check.required        ? "pass"
                                  : "FILTERED",
          Esc(check.verdict), check.required ? Esc(Join(check.flows, " ")) : Esc(check.why), Esc(check.detail));
    }
    out += "</tbody>\n</table></div>\n" + Capped(shown, failed.size(), lab.file);
  }
  for (const auto& note : lab.notes) out += fmt::format("<p class=\"note\">note: {}</p>\n", Esc(note));
  return out + "</section>\n";
}

std::string RuleText(const AuditEvidence::Rule& rule) {
  if (rule.line <= 0) return fmt::format("{} ({})", rule.text, rule.chain);
  return fmt::format("{}:{}: {}", rule.file, rule.line, rule.text);
}

std::string AuditEvidenceHtml(const Model& model) {
  std::string out =
      "<section id=\"evidence-audit\" aria-labelledby=\"evidence-audit-title\">\n"
      "<h3 id=\"evidence-audit-title\">Audits</h3>\n";
  if (model.in.audits.empty()) {
    out +=
        "<p class=\"none\">No audit given. For a ruleset: <code>portolan audit -i site.yaml --ruleset FILE -f json "
        "-o audit.json</code>, then <code>--audit audit.json</code>.</p>\n";
    return out + "</section>\n";
  }
  for (const auto& audit : model.in.audits) {
    out += fmt::format("<h4>{} (<code>{}</code>)</h4>\n<p>Rulesets: {}. {}</p>\n", Esc(audit.firewall), Esc(audit.file),
                       Esc(Join(audit.rulesets)), Esc(audit.summary));
    std::vector<const AuditEvidence::Flow*> bad;
    for (const auto& flow : audit.flows) {
      if (!Is(flow.verdict, audit::FlowStatus::kAllowed)) bad.push_back(&flow);
    }
    if (!bad.empty()) {
      out += fmt::format(
          "<div class=\"scroll\"><table class=\"evidence\">\n<caption>Required flows {} does not allow</caption>\n"
          "<thead><tr><th scope=\"col\">Flow</th><th scope=\"col\">Verdict</th><th scope=\"col\">Ports</th>"
          "<th scope=\"col\">Dropped by</th><th scope=\"col\">Example</th></tr></thead>\n<tbody>\n",
          Esc(audit.firewall));
      const std::size_t shown = std::min(bad.size(), kEvidenceRows);
      for (std::size_t i = 0; i < shown; ++i) {
        const auto& flow = *bad[i];
        std::vector<std::string> rules;
        std::vector<std::string> examples;
        for (const auto& part : flow.blocked) {
          rules.push_back(RuleText(part.rule));
          examples.push_back(part.example);
        }
        if (rules.empty()) rules = flow.depends_on;
        out += fmt::format(
            "<tr><td><a href=\"#flow-{}\">{}</a> {}</td><td>{}</td><td>{} {}</td><td><code>{}</code></td><td>{}</td>"
            "</tr>\n",
            Anchor(flow.flow), Esc(flow.flow), Esc(flow.direction), Esc(flow.verdict), Esc(flow.protocol),
            Esc(flow.ports), Esc(Join(rules, "\n")), Esc(Join(examples, "; ")));
      }
      out += "</tbody>\n</table></div>\n" + Capped(shown, bad.size(), audit.file);
    }
    if (!audit.excess.empty()) {
      out +=
          "<div class=\"scroll\"><table class=\"evidence\">\n<caption>Permitted, but no flow requires it</caption>\n"
          "<thead><tr><th scope=\"col\">Direction</th><th scope=\"col\">Source</th><th scope=\"col\">Destination"
          "</th><th scope=\"col\">Protocol and ports</th><th scope=\"col\">Granted by</th></tr></thead>\n<tbody>\n";
      const std::size_t shown = std::min(audit.excess.size(), kEvidenceRows);
      for (std::size_t i = 0; i < shown; ++i) {
        const auto& box = audit.excess[i];
        out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{} {}{}</td><td><code>{}</code></td></tr>\n",
                           Esc(box.direction), Esc(box.source), Esc(box.destination), Esc(box.protocol), Esc(box.ports),
                           box.uncertain ? " (uncertain)" : "", Esc(RuleText(box.granted_by)));
      }
      out += "</tbody>\n</table></div>\n" + Capped(shown, audit.excess.size(), audit.file);
    }
    for (const auto* list : {&audit.never_match, &audit.unused}) {
      if (list->empty()) continue;
      const bool never = list == &audit.never_match;
      out += fmt::format(
          "<div class=\"scroll\"><table class=\"evidence\">\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">Rule"
          "</th><th scope=\"col\">Why</th></tr></thead>\n<tbody>\n",
          never ? "Rules that can never match (dead rules)" : "Rules that no required flow uses");
      const std::size_t shown = std::min(list->size(), kEvidenceRows);
      for (std::size_t i = 0; i < shown; ++i) {
        out += fmt::format("<tr><td><code>{}</code></td><td>{}</td></tr>\n", Esc(RuleText((*list)[i].rule)),
                           Esc((*list)[i].why));
      }
      out += "</tbody>\n</table></div>\n" + Capped(shown, list->size(), audit.file);
    }
    for (const auto& note : audit.notes) out += fmt::format("<p class=\"note\">note: {}</p>\n", Esc(note));
  }
  return out + "</section>\n";
}

std::string EvidenceSection(const Model& model) {
  return SectionStart(kSections[5]) + ProbeEvidenceHtml(model) + LabEvidenceHtml(model) + AuditEvidenceHtml(model) +
         "</section>\n";
}

std::string CatalogSection(const Model& model) {
  const auto& catalog = *model.in.catalog;
  std::string out = SectionStart(kSections[6], fmt::format("The entries of {} that the plan uses, with the words of "
                                                           "{} and where the catalog corrects them.",
                                                           Esc(catalog.title), Esc(catalog.source_id)));
  std::set<int> entries;
  std::set<int> advisories(model.plan.global_advisories.begin(), model.plan.global_advisories.end());
  for (const auto& flow : model.plan.flows) {
    for (const int e : flow.Entries()) entries.insert(e);
    for (const int a : flow.Advisories()) advisories.insert(a);
  }
  out += "<dl class=\"entries\">\n";
  for (const int e : entries) {
    const auto& entry = catalog.entries[e];
    out += fmt::format("<dt id=\"entry-{}\">{} <span class=\"entry-status\">{}</span></dt>\n<dd>", Anchor(entry.id),
                       Esc(entry.id), catalog::StatusName(entry.status));
    out += fmt::format("<p>{}</p>", Esc(entry.purpose));
    if (entry.section) {
      const auto* section = catalog.FindSection(*entry.section);
      out += fmt::format("<p>{}, section \u201c{}\u201d{}</p>", Esc(catalog.source_id),
                         Esc(section ? section->title : *entry.section),
                         entry.kb_text ? fmt::format(": <q>{}</q>", Esc(*entry.kb_text)) : "");
    }
    if (!entry.corrects.empty()) {
      std::vector<std::string> corrected;
      for (const auto& id : entry.corrects) {
        const auto* wrong = catalog.FindEntry(id);
        corrected.push_back(wrong != nullptr && wrong->kb_text ? fmt::format("{} (\u201c{}\u201d)", id, *wrong->kb_text)
                                                               : id);
      }
      out += fmt::format("<p class=\"correction\">Corrects the document: {}</p>", Esc(Join(corrected, "; ")));
    }
    if (entry.note) out += fmt::format("<p>{}</p>", Esc(*entry.note));
    if (!entry.sources.empty())
      out += fmt::format("<p class=\"sources\">Sources: {}</p>", Esc(Join(entry.sources, "; ")));
    out += "</dd>\n";
  }
  out += "</dl>\n";
  if (!advisories.empty()) {
    out += "<h3>Advisories</h3>\n<dl class=\"advisories\">\n";
    for (const int a : advisories) {
      const auto& advisory = catalog.advisories[a];
      out += fmt::format("<dt id=\"advisory-{}\">{}</dt>\n<dd><p>{}</p>{}</dd>\n", Anchor(advisory.id),
                         Esc(advisory.title), Esc(advisory.text),
                         advisory.sources.empty()
                             ? ""
                             : fmt::format("<p class=\"sources\">Sources: {}</p>", Esc(Join(advisory.sources, "; "))));
    }
    out += "</dl>\n";
  }
  return out + "</section>\n";
}

}  // namespace

std::string_view FlowStateId(FlowState state) {
  switch (state) {
    case FlowState::kBlocked: return "blocked";
    case FlowState::kPartlyBlocked: return "partly-blocked";
    case FlowState::kFailed: return "failed";
    case FlowState::kOpen: return "required-open";
    case FlowState::kUncertain: return "uncertain";
    case FlowState::kPartlyChecked: return "partly-checked";
    case FlowState::kAllowed: return "allowed";
    case FlowState::kUnchecked: return "unchecked";
  }
  return "?";
}

std::string_view FlowStateText(FlowState state) {
  switch (state) {
    case FlowState::kBlocked:
      return "an audited firewall drops all of it that passes through that firewall: the rule is in the flow's "
             "details";
    case FlowState::kPartlyBlocked:
      return "an audited firewall drops part of what passes through it (some ports, sources or destinations)";
    case FlowState::kFailed: return "a probe or the lab found it closed or answered by the wrong service";
    case FlowState::kOpen:
      return "probes or the lab proved it open between every source and destination, and no evidence says otherwise";
    case FlowState::kPartlyChecked:
      return "open where probes or the lab checked it, but some of its sources and destinations were not checked";
    case FlowState::kUncertain: return "an audit could not decide: the ruleset has matches it cannot model";
    case FlowState::kAllowed: return "an audited ruleset allows it; nothing has proved it on the wire";
    case FlowState::kUnchecked: return "no evidence about it was given";
  }
  return "?";
}

namespace {

// The endpoint an address belongs to: a host's own address, else the client network that holds it.
class AddressBook {
 public:
  explicit AddressBook(const inventory::Inventory& inventory) : inventory_(inventory) {
    for (int e = 0; e < static_cast<int>(inventory.endpoints.size()); ++e) {
      for (const auto& address : inventory.endpoints[e].addresses) {
        if (address.prefix_length == address.MaxPrefix()) hosts_.emplace(address.AddressString(), e);
      }
    }
  }

  int Find(const std::string& text) const {
    if (const auto it = hosts_.find(text); it != hosts_.end()) return it->second;
    const auto address = core::ParseAddress(text);
    if (!address) return -1;
    for (int e = 0; e < static_cast<int>(inventory_.endpoints.size()); ++e) {
      for (const auto& network : inventory_.endpoints[e].addresses) {
        if (network.Contains(*address)) return e;
      }
    }
    return -1;
  }

 private:
  const inventory::Inventory& inventory_;
  std::map<std::string, int> hosts_;
};

int EndpointNamed(const inventory::Inventory& inventory, const std::string& name) {
  const auto* endpoint = inventory.FindEndpoint(name);
  return endpoint == nullptr ? -1 : static_cast<int>(endpoint - inventory.endpoints.data());
}

struct Tally {
  int failed = 0;
  std::set<std::pair<int, int>> passed;  // (source, destination) endpoints with a passing check
  bool blocked = false;
  bool partly = false;
  bool uncertain = false;
  bool allowed = false;
};

// Whether every pair of the flow that crosses a firewall has a passing check.
bool Covered(const plan::Flow& flow, const std::set<std::pair<int, int>>& passed) {
  for (const int s : flow.sources) {
    for (const int d : flow.destinations) {
      if (s != d && passed.count({s, d}) == 0) return false;
    }
  }
  return true;
}

}  // namespace

std::vector<FlowState> CombineEvidence(const SiteReportInput& input) {
  const auto& inventory = *input.inventory;
  const AddressBook book(inventory);
  std::map<std::string, Tally> tallies;
  for (const auto& probe : input.probes) {
    const int from = EndpointNamed(inventory, probe.from);
    for (const auto& result : probe.results) {
      // Silence on UDP proves nothing either way.
      if (Is(result.verdict, probe::Verdict::kListeningOrFiltered)) continue;
      const int to = book.Find(result.target);
      for (const auto& flow : result.flows) {
        auto& tally = tallies[flow];
        if (!result.passes) {
          ++tally.failed;
        } else if (from >= 0 && to >= 0) {
          tally.passed.emplace(from, to);
        }
      }
    }
  }
  if (input.lab) {
    for (const auto& check : input.lab->checks) {
      if (!check.required) continue;
      const int from = EndpointNamed(inventory, check.from);
      const int to = EndpointNamed(inventory, check.to);
      for (const auto& flow : check.flows) {
        auto& tally = tallies[flow];
        if (!check.pass) {
          ++tally.failed;
        } else if (from >= 0 && to >= 0) {
          tally.passed.emplace(from, to);
        }
      }
    }
  }
  for (const auto& audit : input.audits) {
    for (const auto& flow : audit.flows) {
      auto& tally = tallies[flow.flow];
      if (Is(flow.verdict, audit::FlowStatus::kBlocked)) tally.blocked = true;
      if (Is(flow.verdict, audit::FlowStatus::kPartial)) tally.partly = true;
      if (Is(flow.verdict, audit::FlowStatus::kUncertain)) tally.uncertain = true;
      if (Is(flow.verdict, audit::FlowStatus::kAllowed)) tally.allowed = true;
    }
  }
  std::vector<FlowState> states;
  states.reserve(input.plan->flows.size());
  for (const auto& flow : input.plan->flows) {
    const auto it = tallies.find(flow.id);
    if (it == tallies.end()) {
      states.push_back(FlowState::kUnchecked);
      continue;
    }
    const auto& tally = it->second;
    const bool some = !tally.passed.empty();
    states.push_back(tally.blocked                         ? FlowState::kBlocked
                     : tally.partly                        ? FlowState::kPartlyBlocked
                     : tally.failed > 0                    ? FlowState::kFailed
                     : some && Covered(flow, tally.passed) ? FlowState::kOpen
                     : tally.uncertain                     ? FlowState::kUncertain
                     : some                                ? FlowState::kPartlyChecked
                     : tally.allowed                       ? FlowState::kAllowed
                                                           : FlowState::kUnchecked);
  }
  return states;
}

std::string RenderSiteReport(const SiteReportInput& input, std::string* changes_csv) {
  const Model model(input);
  const auto changes = Changes(model);
  if (changes_csv != nullptr) {
    *changes_csv = ChangeCsvHeader();
    for (const auto& change : changes) AppendChangeCsv(*changes_csv, model, change);
  }
  std::string html = Head(model) + Header(model);
  html += SummarySection(model);
  html += PictureSection(model);
  html += MatrixSection(model);
  html += FlowsSection(model);
  html += ChangesSection(model, changes);
  html += EvidenceSection(model);
  html += CatalogSection(model);
  html += "</main>\n<footer><p>Written by portolan " PORTOLAN_VERSION
          " from the inventory and the evidence named above. Nothing here was fetched from a network.</p></footer>\n";
  html += "<script>\n";
  html += assets::ReportJs();
  html += "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace portolan::report
