#include "report/catalog_report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/text_table.hpp"

namespace portolan::report {

namespace {

using catalog::Catalog;
using catalog::Entry;
using nlohmann::ordered_json;

std::string Joined(const std::vector<std::string>& items, std::string_view separator = ", ") {
  return fmt::format("{}", fmt::join(items, separator));
}

std::string SectionTitle(const Catalog& catalog, const std::optional<std::string>& section) {
  if (!section) return {};
  const auto* found = catalog.FindSection(*section);
  return found != nullptr ? found->title : *section;
}

std::string Citation(const Catalog& catalog, const Entry& entry) {
  if (entry.kb_text)
    return fmt::format("{} \"{}\": {}", catalog.source_id, SectionTitle(catalog, entry.section), *entry.kb_text);
  return Joined(entry.sources, "; ");
}

std::string ConditionText(const Entry& entry) {
  if (entry.condition_text) return *entry.condition_text;
  return entry.when.ToString();
}

std::string PortsCell(const Catalog& catalog, const Entry& entry) {
  if (!entry.port_setting) return entry.ports.ToString();
  const auto* setting = catalog.FindSetting(*entry.port_setting);
  return fmt::format("{} ({})", setting != nullptr ? setting->default_ports.ToString() : "?", *entry.port_setting);
}

std::vector<std::string> EntryFields(const Catalog& catalog, const Entry& entry) {
  return {entry.id,
          std::string(catalog::StatusName(entry.status)),
          Joined(entry.from),
          Joined(entry.to),
          std::string(catalog::ScopeName(entry.scope)),
          std::string(catalog::ProtocolName(entry.protocol)),
          PortsCell(catalog, entry),
          entry.service,
          entry.purpose,
          ConditionText(entry),
          Citation(catalog, entry),
          Joined(entry.corrects),
          Joined(entry.covered_by),
          Joined(entry.advisories),
          entry.note.value_or("")};
}

const std::vector<std::string> kEntryHeaders = {"id",       "status",   "from",       "to",         "scope",
                                                "protocol", "ports",    "service",    "purpose",    "condition",
                                                "citation", "corrects", "covered_by", "advisories", "note"};

ordered_json CatalogJson(const Catalog& catalog, CatalogPart part) {
  ordered_json out;
  out["catalog"] = catalog.name;
  out["title"] = catalog.title;
  out["source"] = {{"id", catalog.source_id}, {"title", catalog.source_title}};
  if (part == CatalogPart::kAll || part == CatalogPart::kRoles) {
    out["roles"] = ordered_json::array();
    for (const auto& role : catalog.roles) {
      ordered_json r{{"id", role.id}, {"name", role.name}, {"description", role.description}};
      if (role.falls_back_to) r["falls_back_to"] = *role.falls_back_to;
      out["roles"].push_back(std::move(r));
    }
  }
  if (part == CatalogPart::kAll || part == CatalogPart::kEntries) {
    out["entries"] = ordered_json::array();
    for (const auto& entry : catalog.entries) {
      ordered_json e;
      e["id"] = entry.id;
      e["status"] = catalog::StatusName(entry.status);
      e["from"] = entry.from;
      e["to"] = entry.to;
      e["scope"] = catalog::ScopeName(entry.scope);
      e["protocol"] = catalog::ProtocolName(entry.protocol);
      e["ports"] = entry.ports.ToStrings();
      if (entry.port_setting) e["port_setting"] = *entry.port_setting;
      e["service"] = entry.service;
      if (entry.iana_note) e["iana_note"] = *entry.iana_note;
      e["purpose"] = entry.purpose;
      if (!entry.when.Empty()) e["condition"] = ConditionText(entry);
      if (entry.section) {
        e["kb"] = {{"section", SectionTitle(catalog, entry.section)}, {"text", entry.kb_text.value_or("")}};
      }
      if (!entry.sources.empty()) e["sources"] = entry.sources;
      if (!entry.corrects.empty()) e["corrects"] = entry.corrects;
      if (!entry.covered_by.empty()) e["covered_by"] = entry.covered_by;
      if (!entry.advisories.empty()) e["advisories"] = entry.advisories;
      if (entry.note) e["note"] = *entry.note;
      if (!entry.unless_site_has.empty()) e["unless_site_has"] = entry.unless_site_has;
      if (entry.http) {
        e["http"] = {{"methods", entry.http->methods},
                     {"headers", entry.http->headers},
                     {"version", entry.http->version},
                     {"confidence", entry.http->confidence},
                     {"sources", entry.http->sources}};
      }
      out["entries"].push_back(std::move(e));
    }
  }
  if (part == CatalogPart::kAll || part == CatalogPart::kAdvisories) {
    out["advisories"] = ordered_json::array();
    for (const auto& advisory : catalog.advisories) {
      ordered_json a{{"id", advisory.id}, {"title", advisory.title}, {"text", advisory.text}};
      if (advisory.global) a["global"] = true;
      if (!advisory.when.Empty()) a["condition"] = advisory.when.ToString();
      if (!advisory.sources.empty()) a["sources"] = advisory.sources;
      out["advisories"].push_back(std::move(a));
    }
  }
  return out;
}

std::string RolesTable(const Catalog& catalog) {
  core::TextTable table({{"ROLE"}, {"NAME"}, {"DESCRIPTION", 70}});
  for (const auto& role : catalog.roles) {
    auto description = role.description;
    if (role.falls_back_to) description += fmt::format(" (none in a site: its {} plays it)", *role.falls_back_to);
    table.AddRow({role.id, role.name, description});
  }
  return table.ToString();
}

std::string EntriesTable(const Catalog& catalog) {
  core::TextTable table(
      {{"ENTRY"}, {"STATUS"}, {"FROM -> TO (SCOPE)", 48}, {"PROTO"}, {"PORTS", 18}, {"SERVICE"}, {"CONDITION", 36}});
  for (const auto& entry : catalog.entries) {
    table.AddRow({entry.id, std::string(catalog::StatusName(entry.status)),
                  fmt::format("{} -> {} ({})", Joined(entry.from), Joined(entry.to), catalog::ScopeName(entry.scope)),
                  std::string(catalog::ProtocolName(entry.protocol)), PortsCell(catalog, entry), entry.service,
                  entry.when.Empty() ? std::string() : ConditionText(entry)});
  }
  return table.ToString();
}

// The entries a web proxy can carry, and what it must let through for them.
std::string ProxyableTable(const Catalog& catalog) {
  core::TextTable table({{"ENTRY"}, {"METHODS", 30}, {"HEADERS", 30}, {"CONFIDENCE", 50}});
  bool any = false;
  for (const auto& entry : catalog.entries) {
    if (!entry.http) continue;
    any = true;
    table.AddRow({entry.id, Joined(entry.http->methods), Joined(entry.http->headers), entry.http->confidence});
  }
  return any ? "\nWhat a web proxy must pass (entries an HTTP proxy can carry)\n\n" + table.ToString() : std::string();
}

std::string AdvisoriesTable(const Catalog& catalog) {
  core::TextTable table({{"ADVISORY"}, {"TEXT", 90}});
  for (const auto& advisory : catalog.advisories) {
    table.AddRow({advisory.id, fmt::format("{}: {}", advisory.title, advisory.text)});
  }
  return table.ToString();
}

std::string CatalogTable(const Catalog& catalog, CatalogPart part) {
  std::string out;
  const auto counts = [&] {
    int document_lines = 0;
    int errata = 0;
    for (const auto& e : catalog.entries) {
      document_lines += catalog::StatusIsDocumentLine(e.status) ? 1 : 0;
      errata += e.status == catalog::Status::kErratum ? 1 : 0;
    }
    return std::make_pair(document_lines, errata);
  }();
  if (part == CatalogPart::kAll) {
    out += fmt::format(
        "{}: {}\nsource: {} {}\n{} roles, {} entries ({} lines of the source, {} marked as errata), {} advisories\n\n",
        catalog.name, catalog.title, catalog.source_id, catalog.source_title, catalog.roles.size(),
        catalog.entries.size(), counts.first, counts.second, catalog.advisories.size());
  }
  if (part == CatalogPart::kAll || part == CatalogPart::kRoles) out += RolesTable(catalog);
  if (part == CatalogPart::kAll) out += '\n';
  if (part == CatalogPart::kAll || part == CatalogPart::kEntries)
    out += EntriesTable(catalog) + ProxyableTable(catalog);
  if (part == CatalogPart::kAll) out += '\n';
  if (part == CatalogPart::kAll || part == CatalogPart::kAdvisories) out += AdvisoriesTable(catalog);
  return out;
}

std::string CatalogCsv(const Catalog& catalog, CatalogPart part) {
  std::string out;
  if (part == CatalogPart::kRoles) {
    out += core::CsvRow({"id", "name", "description", "falls_back_to"});
    for (const auto& role : catalog.roles) {
      out += core::CsvRow({role.id, role.name, role.description, role.falls_back_to.value_or("")});
    }
    return out;
  }
  if (part == CatalogPart::kAdvisories) {
    out += core::CsvRow({"id", "title", "text", "condition", "global", "sources"});
    for (const auto& a : catalog.advisories) {
      out += core::CsvRow(
          {a.id, a.title, a.text, a.when.ToString(), a.global ? "true" : "false", Joined(a.sources, "; ")});
    }
    return out;
  }
  out += core::CsvRow(kEntryHeaders);
  for (const auto& entry : catalog.entries) out += core::CsvRow(EntryFields(catalog, entry));
  return out;
}

std::string CatalogMarkdown(const Catalog& catalog, CatalogPart part) {
  std::string out = fmt::format("# Catalog {}: {}\n\nSource: {}, *{}*.\n\n", catalog.name, catalog.title,
                                catalog.source_id, catalog.source_title);
  if (part == CatalogPart::kAll || part == CatalogPart::kRoles) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& role : catalog.roles) {
      rows.push_back({fmt::format("`{}`", role.id), role.name, role.description,
                      role.falls_back_to ? fmt::format("`{}`", *role.falls_back_to) : ""});
    }
    out += "## Roles\n\n" + core::MarkdownTable({"Role", "Name", "Description", "Falls back to"}, rows) + "\n";
  }
  if (part == CatalogPart::kAll || part == CatalogPart::kEntries) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& entry : catalog.entries) {
      rows.push_back(
          {fmt::format("`{}`", entry.id), std::string(catalog::StatusName(entry.status)),
           fmt::format("{} → {} ({})", Joined(entry.from), Joined(entry.to), catalog::ScopeName(entry.scope)),
           fmt::format("{} {}", catalog::ProtocolName(entry.protocol), PortsCell(catalog, entry)), entry.service,
           entry.purpose, entry.when.Empty() ? "" : ConditionText(entry), Citation(catalog, entry)});
    }
    out += "## Entries\n\n" +
           core::MarkdownTable(
               {"Entry", "Status", "From → to (scope)", "Port", "Service", "Purpose", "Condition", "Citation"}, rows) +
           "\n";
    std::vector<std::vector<std::string>> proxyable;
    for (const auto& entry : catalog.entries) {
      if (!entry.http) continue;
      proxyable.push_back({fmt::format("`{}`", entry.id), Joined(entry.http->methods), Joined(entry.http->headers),
                           entry.http->confidence, Joined(entry.http->sources, "; ")});
    }
    if (!proxyable.empty()) {
      out += "## What a web proxy must pass\n\n" +
             core::MarkdownTable({"Entry", "Methods", "Headers", "Confidence", "Sources"}, proxyable) + "\n";
    }
  }
  if (part == CatalogPart::kAll || part == CatalogPart::kAdvisories) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : catalog.advisories) {
      rows.push_back({fmt::format("`{}`", a.id), a.title, a.text, Joined(a.sources, "; ")});
    }
    out += "## Advisories\n\n" + core::MarkdownTable({"Advisory", "Title", "Text", "Sources"}, rows);
  }
  return out;
}

}  // namespace

std::string RenderCatalog(const Catalog& catalog, core::Format format, CatalogPart part) {
  switch (format) {
    case core::Format::kJunit:  // not offered for the catalog
    case core::Format::kTable: return CatalogTable(catalog, part);
    case core::Format::kJson: return CatalogJson(catalog, part).dump(2) + "\n";
    case core::Format::kCsv: return CatalogCsv(catalog, part);
    case core::Format::kMarkdown: return CatalogMarkdown(catalog, part);
  }
  return {};
}

}  // namespace portolan::report
