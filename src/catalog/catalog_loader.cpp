#include "catalog/catalog_loader.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "catalog/embedded.hpp"
#include "core/atomic_file.hpp"
#include "core/yaml_reader.hpp"

namespace portolan::catalog {

namespace {

using core::Diagnostics;
using core::MapReader;
using core::Where;

// Reads one catalog document; knows the format, not its meaning.
class CatalogParser {
 public:
  CatalogParser(const std::string& origin, Diagnostics& diags) : file_(origin), diags_(diags) {}

  std::optional<Catalog> Parse(const YAML::Node& root) {
    MapReader top(root, file_, diags_, "catalog");
    if (!top.IsMap()) return std::nullopt;
    catalog_.origin = file_;
    catalog_.name = top.String("catalog", true).value_or("");
    catalog_.title = top.String("title", true).value_or("");
    catalog_.client_role = top.String("client_role", true).value_or("");
    ReadSource(top.Get("source", true));
    ForEach(top.Get("roles", true), "roles", [this](const YAML::Node& n) { ReadRole(n); });
    ForEach(top.Get("sections", true), "sections", [this](const YAML::Node& n) { ReadSection(n); });
    ForEach(top.Get("settings"), "settings", [this](const YAML::Node& n) { ReadSetting(n); });
    ForEach(top.Get("advisories"), "advisories", [this](const YAML::Node& n) { ReadAdvisory(n); });
    ForEach(top.Get("entries", true), "entries", [this](const YAML::Node& n) { ReadEntry(n); });
    top.Finish();
    CheckReferences(top.Location());
    if (diags_.HasErrors()) return std::nullopt;
    return std::move(catalog_);
  }

 private:
  template <typename Fn>
  void ForEach(const YAML::Node& node, std::string_view what, Fn&& fn) {
    if (!node.IsDefined()) return;
    if (!node.IsSequence()) {
      diags_.Error(Where(file_, node), fmt::format("'{}' must be a list", what));
      return;
    }
    for (const auto& item : node) fn(item);
  }

  std::vector<std::string> Strings(MapReader& map, std::string_view key, bool required = false) {
    std::vector<std::string> out;
    const auto node = map.Get(key, required);
    if (!node.IsDefined()) return out;
    for (auto& [value, item] : core::ReadStringList(node, file_, diags_, fmt::format("'{}'", key))) {
      out.push_back(value);
    }
    return out;
  }

  void ReadSource(const YAML::Node& node) {
    if (!node.IsDefined()) return;
    MapReader map(node, file_, diags_, "source");
    catalog_.source_id = map.String("id", true).value_or("");
    catalog_.source_title = map.String("title", true).value_or("");
    map.Finish();
  }

  void ReadRole(const YAML::Node& node) {
    MapReader map(node, file_, diags_, "role");
    Role role;
    role.where = map.Location();
    role.id = map.String("id", true).value_or("");
    role.name = map.String("name", true).value_or("");
    role.description = map.String("description").value_or("");
    role.falls_back_to = map.String("falls_back_to");
    map.Finish();
    catalog_.roles.push_back(std::move(role));
  }

  void ReadSection(const YAML::Node& node) {
    MapReader map(node, file_, diags_, "section");
    Section section;
    section.where = map.Location();
    section.id = map.String("id", true).value_or("");
    section.title = map.String("title", true).value_or("");
    map.Finish();
    catalog_.sections.push_back(std::move(section));
  }

  void ReadSetting(const YAML::Node& node) {
    MapReader map(node, file_, diags_, "setting");
    Setting setting;
    setting.where = map.Location();
    setting.id = map.String("id", true).value_or("");
    const auto spec = std::find_if(KnownSettings().begin(), KnownSettings().end(),
                                   [&](const SettingSpec& s) { return s.id == setting.id; });
    if (!setting.id.empty() && spec == KnownSettings().end()) {
      std::vector<std::string> known;
      for (const auto& s : KnownSettings()) known.emplace_back(s.id);
      diags_.Error(setting.where, fmt::format("unknown setting '{}'{}; the planner knows: {}", setting.id,
                                              core::DidYouMean(setting.id, known), fmt::join(known, ", ")));
    } else if (spec != KnownSettings().end()) {
      setting.subject = spec->subject;
    }
    const auto default_node = map.Get("default", true);
    if (default_node.IsDefined()) setting.default_ports = ReadPorts(default_node);
    setting.description = map.String("description").value_or("");
    setting.sources = Strings(map, "sources");
    map.Finish();
    catalog_.settings.push_back(std::move(setting));
  }

  core::PortSet ReadPorts(const YAML::Node& node) {
    core::PortSet ports;
    for (const auto& [text, item] : core::ReadStringList(node, file_, diags_, "'ports'")) {
      std::string error;
      if (auto range = core::ParsePortRange(text, &error)) {
        ports = ports.Union(core::PortSet::Of(*range));
      } else {
        diags_.Error(Where(file_, item), error);
      }
    }
    return ports;
  }

  Condition ReadCondition(const YAML::Node& node) {
    Condition condition;
    MapReader map(node, file_, diags_, "'when'");
    if (!map.IsMap()) return condition;
    for (const auto subject :
         {Subject::kInitiator, Subject::kResponder, Subject::kLink, Subject::kInventory, Subject::kDomain}) {
      const auto subject_node = map.Get(SubjectName(subject));
      if (!subject_node.IsDefined()) continue;
      if (!subject_node.IsMap()) {
        diags_.Error(Where(file_, subject_node),
                     fmt::format("'when.{}' must map attributes to values", SubjectName(subject)));
        continue;
      }
      for (const auto& pair : subject_node) {
        Clause clause;
        clause.subject = subject;
        clause.attribute = pair.first.Scalar();
        clause.where = Where(file_, pair.first);
        const auto* spec = FindAttribute(subject, clause.attribute);
        if (spec == nullptr) {
          std::vector<std::string> known;
          for (const auto& a : KnownAttributes()) {
            if (a.subject == subject) known.emplace_back(a.name);
          }
          diags_.Error(clause.where, fmt::format("unknown {} attribute '{}'{}; known: {}", SubjectName(subject),
                                                 clause.attribute, core::DidYouMean(clause.attribute, known),
                                                 fmt::join(known, ", ")));
          continue;
        }
        for (auto& [value, item] : core::ReadStringList(pair.second, file_, diags_, clause.attribute)) {
          if (std::find(spec->values.begin(), spec->values.end(), value) == spec->values.end()) {
            diags_.Error(Where(file_, item), fmt::format("'{}' is not a value of {}.{} (expected one of: {})", value,
                                                         SubjectName(subject), clause.attribute,
                                                         fmt::join(spec->values, ", ")));
            continue;
          }
          clause.any_of.push_back(value);
        }
        if (!clause.any_of.empty()) condition.clauses.push_back(std::move(clause));
      }
    }
    map.Finish();
    return condition;
  }

  void ReadAdvisory(const YAML::Node& node) {
    MapReader map(node, file_, diags_, "advisory");
    Advisory advisory;
    advisory.where = map.Location();
    advisory.id = map.String("id", true).value_or("");
    advisory.title = map.String("title", true).value_or("");
    advisory.text = map.String("text", true).value_or("");
    advisory.section = map.String("section");
    advisory.sources = Strings(map, "sources");
    advisory.global = map.Bool("global").value_or(false);
    if (const auto when = map.Get("when"); when.IsDefined()) advisory.when = ReadCondition(when);
    map.Finish();
    catalog_.advisories.push_back(std::move(advisory));
  }

  void ReadEntry(const YAML::Node& node) {
    MapReader map(node, file_, diags_, "entry");
    Entry entry;
    entry.where = map.Location();
    entry.id = map.String("id", true).value_or("");
    if (const auto status = map.String("status", true)) {
      if (auto parsed = ParseStatus(*status)) {
        entry.status = *parsed;
      } else {
        diags_.Error(Where(file_, map.Get("status")),
                     fmt::format("unknown status '{}' (expected kb, reference, erratum, correction, completion "
                                 "or inference)",
                                 *status));
      }
    }
    entry.section = map.String("section");
    entry.kb_text = map.String("kb");
    entry.from = Strings(map, "from", true);
    entry.to = Strings(map, "to", true);
    if (const auto scope = map.String("scope", true)) {
      if (auto parsed = ParseScope(*scope)) {
        entry.scope = *parsed;
      } else {
        diags_.Error(Where(file_, map.Get("scope")),
                     fmt::format("unknown scope '{}'{} (expected one of: {})", *scope,
                                 core::DidYouMean(*scope, ScopeNames()), fmt::join(ScopeNames(), ", ")));
      }
    }
    const auto protocol_node = map.Get("protocol", true);
    if (const auto protocol = map.String("protocol", true)) {
      if (auto parsed = ParseProtocol(*protocol)) {
        entry.protocol = *parsed;
      } else {
        diags_.Error(Where(file_, protocol_node),
                     fmt::format("unknown protocol '{}' (expected one of: {})", *protocol,
                                 fmt::join(ProtocolNames(), ", ")));
      }
    }
    const auto ports_node = map.Get("ports");
    if (ports_node.IsDefined()) entry.ports = ReadPorts(ports_node);
    entry.port_setting = map.String("port_setting");
    entry.service = map.String("service").value_or("");
    entry.iana_note = map.String("iana_note");
    entry.purpose = map.String("purpose", true).value_or("");
    if (const auto when = map.Get("when"); when.IsDefined()) entry.when = ReadCondition(when);
    entry.condition_text = map.String("condition");
    entry.advisories = Strings(map, "advisories");
    entry.sources = Strings(map, "sources");
    entry.corrects = Strings(map, "corrects");
    entry.covered_by = Strings(map, "covered_by");
    entry.note = map.String("note");
    map.Finish();

    const bool has_ports = ProtocolHasPorts(entry.protocol);
    if (has_ports && entry.ports.Empty() && !entry.port_setting) {
      diags_.Error(entry.where, fmt::format("entry '{}': protocol {} needs 'ports' or 'port_setting'", entry.id,
                                            ProtocolName(entry.protocol)));
    }
    if (!has_ports && (!entry.ports.Empty() || entry.port_setting)) {
      diags_.Error(entry.where, fmt::format("entry '{}': protocol {} has no ports", entry.id,
                                            ProtocolName(entry.protocol)));
    }
    if (!entry.ports.Empty() && entry.port_setting) {
      diags_.Error(entry.where, fmt::format("entry '{}': give 'ports' or 'port_setting', not both", entry.id));
    }
    catalog_.entries.push_back(std::move(entry));
  }

  void CheckUniqueIds(std::string_view kind, const auto& items) {
    std::map<std::string, core::SourceLocation> seen;
    for (const auto& item : items) {
      if (item.id.empty()) continue;
      const auto [it, inserted] = seen.emplace(item.id, item.where);
      if (!inserted) {
        diags_.Error(item.where, fmt::format("duplicate {} id '{}' (first defined at {})", kind, item.id,
                                             it->second.ToString()));
      }
    }
  }

  void CheckRole(const std::string& role, const core::SourceLocation& where, std::string_view context) {
    if (role == kAnyRole || catalog_.FindRole(role) != nullptr) return;
    diags_.Error(where, fmt::format("{}: unknown role '{}'{}", context, role,
                                    core::DidYouMean(role, catalog_.RoleIds())));
  }

  void CheckEntryIds(const Entry& entry, const std::vector<std::string>& ids, std::string_view key) {
    for (const auto& id : ids) {
      if (catalog_.FindEntry(id) == nullptr) {
        diags_.Error(entry.where, fmt::format("entry '{}': '{}' names unknown entry '{}'", entry.id, key, id));
      }
    }
  }

  void CheckReferences(const core::SourceLocation& top) {
    CheckUniqueIds("role", catalog_.roles);
    CheckUniqueIds("section", catalog_.sections);
    CheckUniqueIds("setting", catalog_.settings);
    CheckUniqueIds("advisory", catalog_.advisories);
    CheckUniqueIds("entry", catalog_.entries);
    if (!catalog_.client_role.empty()) CheckRole(catalog_.client_role, top, "client_role");
    for (const auto& role : catalog_.roles) {
      if (role.falls_back_to) CheckRole(*role.falls_back_to, role.where, fmt::format("role '{}' falls_back_to", role.id));
    }
    for (const auto& advisory : catalog_.advisories) {
      if (advisory.section && catalog_.FindSection(*advisory.section) == nullptr) {
        diags_.Error(advisory.where,
                     fmt::format("advisory '{}': unknown section '{}'", advisory.id, *advisory.section));
      }
    }
    for (const auto& entry : catalog_.entries) CheckEntry(entry);
  }

  void CheckEntry(const Entry& entry) {
    const auto context = fmt::format("entry '{}'", entry.id);
    for (const auto& role : entry.from) CheckRole(role, entry.where, context);
    for (const auto& role : entry.to) CheckRole(role, entry.where, context);
    if (entry.section && catalog_.FindSection(*entry.section) == nullptr) {
      diags_.Error(entry.where, fmt::format("{}: unknown section '{}'", context, *entry.section));
    }
    if (StatusIsDocumentLine(entry.status) && (!entry.section || !entry.kb_text)) {
      diags_.Error(entry.where, fmt::format("{}: a {} line needs its citation: 'section' and the document's "
                                            "words in 'kb'",
                                            context, StatusName(entry.status)));
    }
    if ((entry.status == Status::kCorrection || entry.status == Status::kCompletion) && entry.sources.empty()) {
      diags_.Error(entry.where, fmt::format("{}: a {} needs 'sources' (the primary sources it rests on)", context,
                                            StatusName(entry.status)));
    }
    if (entry.status == Status::kInference && !entry.note) {
      diags_.Error(entry.where, fmt::format("{}: an inference needs a 'note' with its reasoning", context));
    }
    if (!StatusIsPlanned(entry.status) && entry.covered_by.empty()) {
      diags_.Error(entry.where, fmt::format("{}: a {} line needs 'covered_by': the entries that plan it instead",
                                            context, StatusName(entry.status)));
    }
    if (entry.status == Status::kCorrection && entry.corrects.empty()) {
      diags_.Error(entry.where, fmt::format("{}: a correction needs 'corrects': the erratum it replaces", context));
    }
    CheckEntryIds(entry, entry.corrects, "corrects");
    CheckEntryIds(entry, entry.covered_by, "covered_by");
    for (const auto& id : entry.corrects) {
      const auto* target = catalog_.FindEntry(id);
      if (target != nullptr && !StatusIsDocumentLine(target->status)) {
        diags_.Error(entry.where, fmt::format("{}: corrects '{}', which is not a line of the document", context, id));
      }
    }
    for (const auto& id : entry.covered_by) {
      const auto* target = catalog_.FindEntry(id);
      if (target != nullptr && !StatusIsPlanned(target->status)) {
        diags_.Error(entry.where, fmt::format("{}: covered_by '{}', which is itself not planned", context, id));
      }
    }
    for (const auto& id : entry.advisories) {
      if (catalog_.FindAdvisory(id) == nullptr) {
        diags_.Error(entry.where, fmt::format("{}: unknown advisory '{}'", context, id));
      }
    }
    if (entry.port_setting && catalog_.FindSetting(*entry.port_setting) == nullptr) {
      diags_.Error(entry.where, fmt::format("{}: port_setting '{}' is not declared under 'settings'", context,
                                            *entry.port_setting));
    }
  }

  std::string file_;
  Diagnostics& diags_;
  Catalog catalog_;
};

}  // namespace

std::optional<Catalog> ParseCatalog(const std::string& text, const std::string& origin, Diagnostics& diags) {
  const auto root = core::ParseYaml(text, origin, diags);
  if (!root) return std::nullopt;
  return CatalogParser(origin, diags).Parse(*root);
}

Catalog LoadCatalogFile(const std::string& path) {
  Diagnostics diags;
  std::string text;
  try {
    text = core::ReadFile(path);
  } catch (const std::exception& e) {
    diags.Error({path, 0, 0}, e.what());
    throw core::InputError(std::move(diags));
  }
  auto catalog = ParseCatalog(text, path, diags);
  if (!catalog) throw core::InputError(std::move(diags));
  return std::move(*catalog);
}

Catalog LoadEmbeddedCatalog(const std::string& name) {
  Diagnostics diags;
  std::vector<std::string> names;
  for (const auto& embedded : EmbeddedCatalogs()) {
    if (embedded.name == name) {
      auto catalog = ParseCatalog(std::string(embedded.text), fmt::format("catalogs/{}.yaml", name), diags);
      if (!catalog) throw core::InputError(std::move(diags));
      return std::move(*catalog);
    }
    names.emplace_back(embedded.name);
  }
  diags.Error({"", 0, 0}, fmt::format("no built-in catalog named '{}'{} (built in: {}; or give --catalog FILE)",
                                      name, core::DidYouMean(name, names), fmt::join(names, ", ")));
  throw core::InputError(std::move(diags));
}

}  // namespace portolan::catalog
