#include "catalog/catalog_loader.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "catalog/embedded.hpp"
#include "core/atomic_file.hpp"
#include "core/yaml_reader.hpp"

namespace portolan::catalog {

namespace {

using core::Diagnostics;
using core::MapReader;
using core::SourceLocation;
using core::Where;

// Where the values of one item (an entry, a role, an advisory) were written, by key and value,
// so that a reference checked later is reported at the value rather than at the item.
class ValueLocations {
 public:
  void Add(std::string_view key, const std::string& value, SourceLocation where) {
    locations_.emplace(std::make_pair(std::string(key), value), std::move(where));
  }
  SourceLocation At(std::string_view key, const std::string& value, const SourceLocation& fallback) const {
    const auto it = locations_.find(std::make_pair(std::string(key), value));
    return it == locations_.end() ? fallback : it->second;
  }

 private:
  std::map<std::pair<std::string, std::string>, SourceLocation> locations_;
};

constexpr std::array kSubjects = {Subject::kInitiator, Subject::kResponder, Subject::kLink, Subject::kInventory,
                                  Subject::kDomain};

// What the checks after reading need to know about an entry beyond the Entry itself.
struct EntryFacts {
  ValueLocations values;
  bool status_known = false;
  SourceLocation status_where;
};

std::string_view Article(std::string_view word) {
  return !word.empty() && std::string_view("aeiou").find(word.front()) != std::string_view::npos ? "an" : "a";
}

// Reads one catalog document; knows the format, not its meaning.
class CatalogParser {
 public:
  CatalogParser(const std::string& origin, Diagnostics& diags) : file_(origin), diags_(diags) {}

  std::optional<Catalog> Parse(const YAML::Node& root) {
    if (root.IsNull()) {
      diags_.Error({file_, 1, 1}, "catalog: the file is empty; expected 'catalog', 'title', 'roles' and 'entries'");
      return std::nullopt;
    }
    MapReader top(root, file_, diags_, "catalog");
    if (!top.IsMap()) return std::nullopt;
    catalog_.origin = file_;
    catalog_.name = top.String("catalog", true).value_or("");
    catalog_.title = top.String("title", true).value_or("");
    catalog_.client_role = top.String("client_role", true).value_or("");
    const auto client_role_where = top.Has("client_role") ? Where(file_, top.Get("client_role")) : top.Location();
    ReadSource(top.Get("source", true));
    ForEach(top.Get("roles", true), "roles", [this](const YAML::Node& n) { ReadRole(n); });
    ForEach(top.Get("sections", true), "sections", [this](const YAML::Node& n) { ReadSection(n); });
    ForEach(top.Get("settings"), "settings", [this](const YAML::Node& n) { ReadSetting(n); });
    ForEach(top.Get("advisories"), "advisories", [this](const YAML::Node& n) { ReadAdvisory(n); });
    ForEach(top.Get("entries", true), "entries", [this](const YAML::Node& n) { ReadEntry(n); });
    top.Finish();
    CheckReferences(client_role_where);
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

  std::vector<std::string> Strings(MapReader& map, std::string_view key, bool required = false,
                                   ValueLocations* locations = nullptr) {
    std::vector<std::string> out;
    const auto node = map.Get(key, required);
    if (!node.IsDefined()) return out;
    for (auto& [value, item] : core::ReadStringList(node, file_, diags_, fmt::format("'{}'", key))) {
      if (locations != nullptr) locations->Add(key, value, Where(file_, item));
      out.push_back(value);
    }
    return out;
  }

  // An optional text value, its location recorded.
  std::optional<std::string> Text(MapReader& map, std::string_view key, ValueLocations& locations) {
    auto value = map.String(key);
    if (value) locations.Add(key, *value, Where(file_, map.Get(key)));
    return value;
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
    ValueLocations locations;
    role.falls_back_to = Text(map, "falls_back_to", locations);
    map.Finish();
    catalog_.roles.push_back(std::move(role));
    role_values_.push_back(std::move(locations));
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
    const auto id_where = map.Has("id") ? Where(file_, map.Get("id")) : setting.where;
    const auto spec = std::find_if(KnownSettings().begin(), KnownSettings().end(),
                                   [&](const SettingSpec& s) { return s.id == setting.id; });
    if (!setting.id.empty() && spec == KnownSettings().end()) {
      std::vector<std::string> known;
      for (const auto& s : KnownSettings()) known.emplace_back(s.id);
      diags_.Error(id_where, fmt::format("unknown setting '{}'{}; the planner knows: {}", setting.id,
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
    for (const auto subject : kSubjects) {
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
          diags_.Error(clause.where,
                       fmt::format("unknown {} attribute '{}'{}; known: {}", SubjectName(subject), clause.attribute,
                                   core::DidYouMean(clause.attribute, known), fmt::join(known, ", ")));
          continue;
        }
        for (auto& [value, item] : core::ReadStringList(pair.second, file_, diags_, clause.attribute)) {
          if (std::find(spec->values.begin(), spec->values.end(), value) == spec->values.end()) {
            diags_.Error(Where(file_, item),
                         fmt::format("'{}' is not a value of {}.{} (expected one of: {})", value, SubjectName(subject),
                                     clause.attribute, fmt::join(spec->values, ", ")));
            continue;
          }
          clause.any_of.push_back(value);
        }
        if (!clause.any_of.empty()) condition.clauses.push_back(std::move(clause));
      }
    }
    // Not map.Finish(): an unknown key here is a subject, and the message lists them.
    std::vector<std::string> subjects;
    subjects.reserve(kSubjects.size());
    for (const auto subject : kSubjects) subjects.emplace_back(SubjectName(subject));
    for (const auto& pair : node) {
      if (!pair.first.IsScalar() ||
          std::find(subjects.begin(), subjects.end(), pair.first.Scalar()) != subjects.end()) {
        continue;
      }
      diags_.Error(Where(file_, pair.first),
                   fmt::format("'when': unknown subject '{}'{} (expected one of: {})", pair.first.Scalar(),
                               core::DidYouMean(pair.first.Scalar(), subjects), fmt::join(subjects, ", ")));
    }
    return condition;
  }

  void ReadAdvisory(const YAML::Node& node) {
    MapReader map(node, file_, diags_, "advisory");
    Advisory advisory;
    advisory.where = map.Location();
    advisory.id = map.String("id", true).value_or("");
    advisory.title = map.String("title", true).value_or("");
    advisory.text = map.String("text", true).value_or("");
    ValueLocations locations;
    advisory.section = Text(map, "section", locations);
    advisory.sources = Strings(map, "sources");
    advisory.global = map.Bool("global").value_or(false);
    if (const auto when = map.Get("when"); when.IsDefined()) advisory.when = ReadCondition(when);
    map.Finish();
    catalog_.advisories.push_back(std::move(advisory));
    advisory_values_.push_back(std::move(locations));
  }

  void ReadEntry(const YAML::Node& node) {
    MapReader map(node, file_, diags_, "entry");
    Entry entry;
    EntryFacts facts;
    entry.where = map.Location();
    entry.id = map.String("id", true).value_or("");
    if (const auto status = map.String("status", true)) {
      facts.status_where = Where(file_, map.Get("status"));
      if (auto parsed = ParseStatus(*status)) {
        entry.status = *parsed;
        facts.status_known = true;
      } else {
        diags_.Error(facts.status_where,
                     fmt::format("unknown status '{}' (expected kb, reference, erratum, correction, completion "
                                 "or inference)",
                                 *status));
      }
    }
    entry.section = Text(map, "section", facts.values);
    entry.kb_text = map.String("kb");
    entry.from = Strings(map, "from", true, &facts.values);
    entry.to = Strings(map, "to", true, &facts.values);
    for (const auto key : {"from", "to"}) {
      const auto roles = map.Get(key);
      if (roles.IsSequence() && roles.size() == 0) {
        diags_.Error(Where(file_, roles), fmt::format("entry '{}': '{}' names no role", entry.id, key));
      }
    }
    if (const auto scope = map.String("scope", true)) {
      if (auto parsed = ParseScope(*scope)) {
        entry.scope = *parsed;
      } else {
        diags_.Error(Where(file_, map.Get("scope")),
                     fmt::format("unknown scope '{}'{} (expected one of: {})", *scope,
                                 core::DidYouMean(*scope, ScopeNames()), fmt::join(ScopeNames(), ", ")));
      }
    }
    bool protocol_known = false;
    SourceLocation protocol_where = entry.where;
    if (const auto protocol = map.String("protocol", true)) {
      protocol_where = Where(file_, map.Get("protocol"));
      if (auto parsed = ParseProtocol(*protocol)) {
        entry.protocol = *parsed;
        protocol_known = true;
      } else {
        diags_.Error(protocol_where, fmt::format("unknown protocol '{}' (expected one of: {})", *protocol,
                                                 fmt::join(ProtocolNames(), ", ")));
      }
    }
    const auto ports_node = map.Get("ports");
    if (ports_node.IsDefined()) entry.ports = ReadPorts(ports_node);
    entry.port_setting = Text(map, "port_setting", facts.values);
    entry.service = map.String("service").value_or("");
    entry.iana_note = map.String("iana_note");
    entry.purpose = map.String("purpose", true).value_or("");
    if (const auto when = map.Get("when"); when.IsDefined()) entry.when = ReadCondition(when);
    entry.condition_text = map.String("condition");
    entry.advisories = Strings(map, "advisories", false, &facts.values);
    entry.sources = Strings(map, "sources");
    entry.corrects = Strings(map, "corrects", false, &facts.values);
    entry.covered_by = Strings(map, "covered_by", false, &facts.values);
    entry.note = map.String("note");
    entry.unless_site_has = Strings(map, "unless_site_has", false, &facts.values);
    if (const auto http = map.Get("http"); http.IsDefined()) entry.http = ReadHttp(http);
    map.Finish();

    if (protocol_known) {
      const bool has_ports = ProtocolHasPorts(entry.protocol);
      if (has_ports && entry.ports.Empty() && !entry.port_setting && !ports_node.IsDefined()) {
        diags_.Error(protocol_where, fmt::format("entry '{}': protocol {} needs 'ports' or 'port_setting'", entry.id,
                                                 ProtocolName(entry.protocol)));
      }
      if (!has_ports && (ports_node.IsDefined() || entry.port_setting)) {
        const auto where = ports_node.IsDefined() ? Where(file_, ports_node)
                                                  : facts.values.At("port_setting", *entry.port_setting, entry.where);
        diags_.Error(where,
                     fmt::format("entry '{}': protocol {} has no ports", entry.id, ProtocolName(entry.protocol)));
      }
    }
    if (ports_node.IsDefined() && entry.port_setting) {
      diags_.Error(facts.values.At("port_setting", *entry.port_setting, entry.where),
                   fmt::format("entry '{}': give 'ports' or 'port_setting', not both", entry.id));
    }
    catalog_.entries.push_back(std::move(entry));
    entry_facts_.push_back(std::move(facts));
  }

  // What a web proxy must let through for an entry's requests.
  HttpNeeds ReadHttp(const YAML::Node& node) {
    MapReader map(node, file_, diags_, "http");
    HttpNeeds http;
    http.where = map.Location();
    http.methods = Strings(map, "methods", true);
    http.headers = Strings(map, "headers");
    http.version = map.String("version").value_or("HTTP/1.1");
    http.confidence = map.String("confidence", true).value_or("");
    http.sources = Strings(map, "sources", true);
    map.Finish();
    for (const auto& method : http.methods) {
      // RFC 9110 5.6.2: a method is a token; Squid and the audit match it case-sensitively.
      const bool token = !method.empty() && std::all_of(method.begin(), method.end(), [](unsigned char c) {
        return std::isupper(c) || std::isdigit(c) || c == '_' || c == '-';
      });
      if (!token) {
        diags_.Error(http.where, fmt::format("http: method '{}' must be an upper-case token (GET, CCM_POST)", method));
      }
    }
    return http;
  }

  void CheckUniqueIds(std::string_view kind, const auto& items) {
    std::map<std::string, core::SourceLocation> seen;
    for (const auto& item : items) {
      if (item.id.empty()) continue;
      const auto [it, inserted] = seen.emplace(item.id, item.where);
      if (!inserted) {
        diags_.Error(item.where,
                     fmt::format("duplicate {} id '{}' (first defined at {})", kind, item.id, it->second.ToString()));
      }
    }
  }

  void CheckRole(const std::string& role, const SourceLocation& where, std::string_view context) {
    if (role == kAnyRole || catalog_.FindRole(role) != nullptr) return;
    diags_.Error(where,
                 fmt::format("{}: unknown role '{}'{}", context, role, core::DidYouMean(role, catalog_.RoleIds())));
  }

  void CheckReferences(const SourceLocation& client_role_where) {
    CheckUniqueIds("role", catalog_.roles);
    CheckUniqueIds("section", catalog_.sections);
    CheckUniqueIds("setting", catalog_.settings);
    CheckUniqueIds("advisory", catalog_.advisories);
    CheckUniqueIds("entry", catalog_.entries);
    if (!catalog_.client_role.empty()) CheckRole(catalog_.client_role, client_role_where, "client_role");
    for (std::size_t i = 0; i < catalog_.roles.size(); ++i) {
      const auto& role = catalog_.roles[i];
      if (!role.falls_back_to) continue;
      CheckRole(*role.falls_back_to, role_values_[i].At("falls_back_to", *role.falls_back_to, role.where),
                fmt::format("role '{}' falls_back_to", role.id));
    }
    for (std::size_t i = 0; i < catalog_.advisories.size(); ++i) {
      const auto& advisory = catalog_.advisories[i];
      if (advisory.section && catalog_.FindSection(*advisory.section) == nullptr) {
        diags_.Error(advisory_values_[i].At("section", *advisory.section, advisory.where),
                     fmt::format("advisory '{}': unknown section '{}'{}", advisory.id, *advisory.section,
                                 core::DidYouMean(*advisory.section, SectionIds())));
      }
    }
    for (std::size_t i = 0; i < catalog_.entries.size(); ++i) CheckEntry(catalog_.entries[i], entry_facts_[i]);
  }

  std::vector<std::string> SectionIds() const {
    std::vector<std::string> ids;
    for (const auto& section : catalog_.sections) ids.push_back(section.id);
    return ids;
  }

  std::vector<std::string> AdvisoryIds() const {
    std::vector<std::string> ids;
    for (const auto& advisory : catalog_.advisories) ids.push_back(advisory.id);
    return ids;
  }

  void CheckEntry(const Entry& entry, const EntryFacts& facts) {
    const auto context = fmt::format("entry '{}'", entry.id);
    const auto at = [&](std::string_view key, const std::string& value) {
      return facts.values.At(key, value, entry.where);
    };
    for (const auto& role : entry.from) CheckRole(role, at("from", role), context);
    for (const auto& role : entry.to) CheckRole(role, at("to", role), context);
    for (const auto& role : entry.unless_site_has) CheckRole(role, at("unless_site_has", role), context);
    if (entry.http && entry.protocol != Protocol::kTcp) {
      diags_.Error(entry.http->where, fmt::format("{}: 'http' needs protocol tcp", context));
    }
    if (entry.section && catalog_.FindSection(*entry.section) == nullptr) {
      diags_.Error(at("section", *entry.section), fmt::format("{}: unknown section '{}'{}", context, *entry.section,
                                                              core::DidYouMean(*entry.section, SectionIds())));
    }
    if (facts.status_known) CheckStatus(entry, facts, context);
    for (const auto& id : entry.corrects) {
      const auto* target = catalog_.FindEntry(id);
      if (target == nullptr) {
        diags_.Error(at("corrects", id), fmt::format("{}: 'corrects' names unknown entry '{}'", context, id));
      } else if (!StatusIsDocumentLine(target->status)) {
        diags_.Error(at("corrects", id),
                     fmt::format("{}: corrects '{}', which is not a line of the document", context, id));
      }
    }
    for (const auto& id : entry.covered_by) {
      const auto* target = catalog_.FindEntry(id);
      if (target == nullptr) {
        diags_.Error(at("covered_by", id), fmt::format("{}: 'covered_by' names unknown entry '{}'", context, id));
      } else if (!StatusIsPlanned(target->status)) {
        diags_.Error(at("covered_by", id),
                     fmt::format("{}: covered_by '{}', which is itself not planned", context, id));
      }
    }
    for (const auto& id : entry.advisories) {
      if (catalog_.FindAdvisory(id) == nullptr) {
        diags_.Error(at("advisories", id),
                     fmt::format("{}: unknown advisory '{}'{}", context, id, core::DidYouMean(id, AdvisoryIds())));
      }
    }
    if (entry.port_setting && catalog_.FindSetting(*entry.port_setting) == nullptr) {
      diags_.Error(at("port_setting", *entry.port_setting),
                   fmt::format("{}: port_setting '{}' is not declared under 'settings'", context, *entry.port_setting));
    }
  }

  // What an entry's status asks of it; reported at the status, which is what asks.
  void CheckStatus(const Entry& entry, const EntryFacts& facts, const std::string& context) {
    const auto status = StatusName(entry.status);
    if (StatusIsDocumentLine(entry.status) && (!entry.section || !entry.kb_text)) {
      diags_.Error(facts.status_where,
                   fmt::format("{}: {} {} line needs its citation: 'section' and the document's words in 'kb'", context,
                               Article(status), status));
    }
    if ((entry.status == Status::kCorrection || entry.status == Status::kCompletion) && entry.sources.empty()) {
      diags_.Error(facts.status_where, fmt::format("{}: {} {} needs 'sources' (the primary sources it rests on)",
                                                   context, Article(status), status));
    }
    if (entry.status == Status::kInference && !entry.note) {
      diags_.Error(facts.status_where, fmt::format("{}: an inference needs a 'note' with its reasoning", context));
    }
    if (!StatusIsPlanned(entry.status) && entry.covered_by.empty()) {
      diags_.Error(facts.status_where,
                   fmt::format("{}: {} {} line needs 'covered_by': the entries that plan it instead", context,
                               Article(status), status));
    }
    if (entry.status == Status::kCorrection && entry.corrects.empty()) {
      diags_.Error(facts.status_where,
                   fmt::format("{}: a correction needs 'corrects': the erratum it replaces", context));
    }
  }

  std::string file_;
  Diagnostics& diags_;
  Catalog catalog_;
  std::vector<EntryFacts> entry_facts_;          // parallel to catalog_.entries
  std::vector<ValueLocations> role_values_;      // parallel to catalog_.roles
  std::vector<ValueLocations> advisory_values_;  // parallel to catalog_.advisories
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
  diags.Error({"", 0, 0}, fmt::format("no built-in catalog named '{}'{} (built in: {}; or give --catalog FILE)", name,
                                      core::DidYouMean(name, names), fmt::join(names, ", ")));
  throw core::InputError(std::move(diags));
}

}  // namespace portolan::catalog
