#pragma once
// The catalog: a product's port requirements as data (roles, the source document's sections,
// entries, advisories, settings), loaded from YAML such as catalogs/sms2003.yaml.
// The vocabulary the entries may use (scopes, condition attributes, settings) is fixed here,
// because the planner has to understand it; everything else is data.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/port_set.hpp"

namespace portolan::catalog {

enum class Protocol { kTcp, kUdp, kGre, kEsp, kAh };

std::string_view ProtocolName(Protocol protocol);
int ProtocolNumber(Protocol protocol);
bool ProtocolHasPorts(Protocol protocol);
std::optional<Protocol> ParseProtocol(std::string_view text);
std::vector<std::string_view> ProtocolNames();

// How an entry's initiators are paired with its responders across the site hierarchy.
enum class Scope {
  kDomain,              // every responder of the inventory
  kSameSite,            // responders in the initiator's site
  kNearest,             // the initiator's site, else the nearest ancestor site that has the role
  kAssignedSite,        // the initiator's primary site: its own, or a secondary site's parent
  kParent,              // responders in the parent of the initiator's site
  kChild,               // responders in each child of the initiator's site
  kSiteAndDescendants,  // the initiator's site and every site below it
  // Planned only as a leg of a request an HTTP proxy carries (the planner adds these for the
  // proxied flows of Entry::http entries): client -> its proxy, proxy -> the origin server.
  kViaProxy
};

std::string_view ScopeName(Scope scope);
std::optional<Scope> ParseScope(std::string_view text);
std::vector<std::string_view> ScopeNames();

// Where an entry stands relative to the source document.
enum class Status {
  kKb,          // a line of the source document, correct, planned as written
  kReference,   // a line of the source document, correct, planned through other entries
  kErratum,     // a line of the source document that is wrong: kept for the record, never planned
  kCorrection,  // replaces an erratum, from a primary source
  kCompletion,  // something the document leaves out, from a primary source
  kInference    // beyond the document's literal words, with the reasoning written down
};

std::string_view StatusName(Status status);
std::optional<Status> ParseStatus(std::string_view text);
bool StatusIsDocumentLine(Status status);  // kb, reference, erratum
bool StatusIsPlanned(Status status);       // everything but reference and erratum

enum class Subject { kInitiator, kResponder, kLink, kInventory, kDomain };
std::string_view SubjectName(Subject subject);

// One attribute the planner knows how to compute, with the values it can take.
struct AttributeSpec {
  Subject subject;
  std::string_view name;
  std::vector<std::string_view> values;
  std::string_view meaning;
};
const std::vector<AttributeSpec>& KnownAttributes();
const AttributeSpec* FindAttribute(Subject subject, std::string_view name);

struct Clause {
  Subject subject = Subject::kInitiator;
  std::string attribute;
  std::vector<std::string> any_of;  // the clause holds when the attribute has one of these values
  core::SourceLocation where;
};

// A conjunction of clauses; empty means "always".
struct Condition {
  std::vector<Clause> clauses;
  bool Empty() const { return clauses.empty(); }
  std::string ToString() const;  // "responder.bits = false and link.sender = ras"
};

// Named port values that an inventory can set; the catalog gives their defaults.
struct Setting {
  std::string id;   // "sql_port", "rpc_dynamic_ports"
  Subject subject;  // whose value it is: kResponder or kDomain
  core::PortSet default_ports;
  std::string description;
  std::vector<std::string> sources;
  core::SourceLocation where;
};
struct SettingSpec {
  std::string_view id;
  Subject subject;
  std::string_view inventory_key;  // where an inventory sets it
};
const std::vector<SettingSpec>& KnownSettings();

// The role every host and client network of an inventory has, for entries such as DNS.
inline constexpr std::string_view kAnyRole = "any";

struct Role {
  std::string id;
  std::string name;
  std::string description;
  std::optional<std::string> falls_back_to;  // a site without this role uses that role's hosts
  core::SourceLocation where;
};

struct Section {
  std::string id;
  std::string title;  // the heading as the document prints it
  core::SourceLocation where;
};

struct Advisory {
  std::string id;
  std::string title;
  std::string text;
  std::vector<std::string> sources;
  std::optional<std::string> section;  // where the document says it, if it does
  Condition when;
  bool global = false;  // applies to the whole plan rather than to particular flows
  core::SourceLocation where;
};

// What an HTTP flow needs of a web proxy that carries it. An entry that has this block is a
// flow a forward HTTP proxy can carry (only plain HTTP requests can; SMB, RPC, LDAP cannot).
struct HttpNeeds {
  std::vector<std::string> methods;  // request methods the proxy must pass, in the catalog's order
  std::vector<std::string> headers;  // request header fields it must pass unchanged
  std::string version;               // "HTTP/1.1"
  std::string confidence;            // how sure the catalog is of the lists, in words
  std::vector<std::string> sources;  // where the lists come from
  core::SourceLocation where;
};

struct Entry {
  std::string id;
  Status status = Status::kKb;
  std::optional<std::string> section;  // required for document lines
  std::optional<std::string> kb_text;  // the document's words for this line
  std::vector<std::string> from;       // initiator roles
  std::vector<std::string> to;         // responder roles
  Scope scope = Scope::kDomain;
  Protocol protocol = Protocol::kTcp;
  core::PortSet ports;                      // empty when port_setting is used or the protocol has none
  std::optional<std::string> port_setting;  // a Setting id
  std::string service;                      // IANA service name where one exists
  std::optional<std::string> iana_note;     // where the registry's name and the product's use differ
  std::string purpose;
  Condition when;
  std::optional<std::string> condition_text;  // the condition in the document's words
  std::vector<std::string> advisories;
  std::vector<std::string> sources;
  std::vector<std::string> corrects;    // ids of the document lines this entry corrects or completes
  std::vector<std::string> covered_by;  // for reference and erratum lines: the entries that plan it
  std::optional<std::string> note;
  std::optional<HttpNeeds> http;  // set: a web proxy can carry this flow
  // Initiators in a site that has a member of one of these roles do not use this entry (clients
  // of a secondary site with a proxy management point talk to it, not to the parent's MP).
  std::vector<std::string> unless_site_has;
  core::SourceLocation where;
};

struct Catalog {
  std::string name;
  std::string title;
  std::string source_id;
  std::string source_title;
  std::string client_role;  // the role every client network of an inventory takes
  std::string origin;       // file name or "embedded:NAME"
  std::vector<Role> roles;
  std::vector<Section> sections;
  std::vector<Setting> settings;
  std::vector<Advisory> advisories;
  std::vector<Entry> entries;

  const Role* FindRole(std::string_view id) const;
  const Section* FindSection(std::string_view id) const;
  const Setting* FindSetting(std::string_view id) const;
  const Advisory* FindAdvisory(std::string_view id) const;
  const Entry* FindEntry(std::string_view id) const;
  std::vector<std::string> RoleIds() const;
};

}  // namespace portolan::catalog
