#include "catalog/catalog.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace portolan::catalog {

namespace {

struct ProtocolRow {
  Protocol protocol;
  std::string_view name;
  int number;
  bool has_ports;
};
// IANA "Assigned Internet Protocol Numbers".
constexpr std::array kProtocols = {
    ProtocolRow{Protocol::kTcp, "tcp", 6, true},   ProtocolRow{Protocol::kUdp, "udp", 17, true},
    ProtocolRow{Protocol::kGre, "gre", 47, false}, ProtocolRow{Protocol::kEsp, "esp", 50, false},
    ProtocolRow{Protocol::kAh, "ah", 51, false},
};

const ProtocolRow& Row(Protocol protocol) {
  return *std::find_if(kProtocols.begin(), kProtocols.end(),
                       [protocol](const ProtocolRow& row) { return row.protocol == protocol; });
}

constexpr std::array<std::pair<Scope, std::string_view>, 8> kScopes = {{
    {Scope::kDomain, "domain"},
    {Scope::kSameSite, "same-site"},
    {Scope::kNearest, "nearest"},
    {Scope::kAssignedSite, "assigned-site"},
    {Scope::kParent, "parent"},
    {Scope::kChild, "child"},
    {Scope::kSiteAndDescendants, "site-and-descendants"},
    {Scope::kViaProxy, "via-proxy"},
}};

constexpr std::array<std::pair<Status, std::string_view>, 6> kStatuses = {{
    {Status::kKb, "kb"},
    {Status::kReference, "reference"},
    {Status::kErratum, "erratum"},
    {Status::kCorrection, "correction"},
    {Status::kCompletion, "completion"},
    {Status::kInference, "inference"},
}};

template <typename Table, typename Value>
std::string_view NameIn(const Table& table, Value value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "?";
}

template <typename Table>
auto ParseIn(const Table& table, std::string_view text) -> std::optional<std::decay_t<decltype(table[0].first)>> {
  for (const auto& [v, name] : table) {
    if (name == text) return v;
  }
  return std::nullopt;
}

template <typename T>
const T* FindById(const std::vector<T>& items, std::string_view id) {
  const auto it = std::find_if(items.begin(), items.end(), [id](const T& item) { return item.id == id; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

std::string_view ProtocolName(Protocol protocol) {
  return Row(protocol).name;
}
int ProtocolNumber(Protocol protocol) {
  return Row(protocol).number;
}
bool ProtocolHasPorts(Protocol protocol) {
  return Row(protocol).has_ports;
}

std::optional<Protocol> ParseProtocol(std::string_view text) {
  for (const auto& row : kProtocols) {
    if (row.name == text) return row.protocol;
  }
  return std::nullopt;
}

std::vector<std::string_view> ProtocolNames() {
  std::vector<std::string_view> names;
  names.reserve(kProtocols.size());
  for (const auto& row : kProtocols) names.push_back(row.name);
  return names;
}

std::string_view ScopeName(Scope scope) {
  return NameIn(kScopes, scope);
}
std::optional<Scope> ParseScope(std::string_view text) {
  return ParseIn(kScopes, text);
}
std::vector<std::string_view> ScopeNames() {
  std::vector<std::string_view> names;
  names.reserve(kScopes.size());
  for (const auto& [scope, name] : kScopes) names.push_back(name);
  return names;
}

std::string_view StatusName(Status status) {
  return NameIn(kStatuses, status);
}
std::optional<Status> ParseStatus(std::string_view text) {
  return ParseIn(kStatuses, text);
}
bool StatusIsDocumentLine(Status status) {
  return status == Status::kKb || status == Status::kReference || status == Status::kErratum;
}
bool StatusIsPlanned(Status status) {
  return status != Status::kReference && status != Status::kErratum;
}

std::string_view SubjectName(Subject subject) {
  switch (subject) {
    case Subject::kInitiator: return "initiator";
    case Subject::kResponder: return "responder";
    case Subject::kLink: return "link";
    case Subject::kInventory: return "inventory";
    case Subject::kDomain: return "domain";
  }
  return "?";
}

const std::vector<AttributeSpec>& KnownAttributes() {
  // Host and client-network attributes apply to either end of a flow.
  static const std::vector<AttributeSpec> kAttributes = [] {
    std::vector<AttributeSpec> list;
    for (const auto subject : {Subject::kInitiator, Subject::kResponder}) {
      list.push_back({subject, "bits", {"true", "false"}, "a distribution point that is BITS-enabled"});
      list.push_back({subject, "sql_named_pipes", {"true", "false"}, "a site database reached over named pipes"});
      list.push_back(
          {subject, "sql_custom_port", {"true", "false"}, "a site database on a port other than the default"});
      list.push_back(
          {subject, "sql_named_instance", {"true", "false"}, "a site database in a named SQL Server instance"});
      list.push_back({subject, "remote_control", {"tcp", "netbios", "none"}, "how remote control reaches this client"});
      list.push_back({subject, "dhcp", {"true", "false"}, "takes its address from DHCP"});
      list.push_back(
          {subject, "proxy_auth", {"none", "basic", "ntlm", "negotiate"}, "how an http-proxy makes clients log on"});
    }
    list.push_back(
        {Subject::kLink, "sender", {"standard", "ras", "courier"}, "the sender between a site and its parent"});
    list.push_back({Subject::kInventory, "has_wins", {"true", "false"}, "some host has the wins-server role"});
    list.push_back(
        {Subject::kInventory, "has_global_catalog", {"true", "false"}, "some host has the global-catalog role"});
    list.push_back(
        {Subject::kDomain, "schema_extended", {"true", "false"}, "the Active Directory schema is extended for SMS"});
    return list;
  }();
  return kAttributes;
}

const AttributeSpec* FindAttribute(Subject subject, std::string_view name) {
  for (const auto& spec : KnownAttributes()) {
    if (spec.subject == subject && spec.name == name) return &spec;
  }
  return nullptr;
}

const std::vector<SettingSpec>& KnownSettings() {
  static const std::vector<SettingSpec> kSettings = {
      {"sql_port", Subject::kResponder, "sql.port"},
      {"rpc_dynamic_ports", Subject::kDomain, "domain.rpc_dynamic_ports"},
      {"http_proxy_port", Subject::kResponder, "http_proxy.port"},
  };
  return kSettings;
}

std::string Condition::ToString() const {
  std::vector<std::string> parts;
  for (const auto& clause : clauses) {
    parts.push_back(fmt::format("{}.{} {} {}", SubjectName(clause.subject), clause.attribute,
                                clause.any_of.size() == 1 ? "=" : "in", fmt::join(clause.any_of, "|")));
  }
  return fmt::format("{}", fmt::join(parts, " and "));
}

const Role* Catalog::FindRole(std::string_view id) const {
  return FindById(roles, id);
}
const Section* Catalog::FindSection(std::string_view id) const {
  return FindById(sections, id);
}
const Setting* Catalog::FindSetting(std::string_view id) const {
  return FindById(settings, id);
}
const Advisory* Catalog::FindAdvisory(std::string_view id) const {
  return FindById(advisories, id);
}
const Entry* Catalog::FindEntry(std::string_view id) const {
  return FindById(entries, id);
}

std::vector<std::string> Catalog::RoleIds() const {
  std::vector<std::string> ids;
  for (const auto& role : roles) ids.push_back(role.id);
  return ids;
}

}  // namespace portolan::catalog
