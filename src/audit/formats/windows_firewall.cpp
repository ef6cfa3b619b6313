// Windows Firewall (with Advanced Security): the rule strings Windows keeps in the registry and in
// GPOs (MS-GPFAS 2.2.2.19, "v2.10|Action=Allow|Dir=In|Protocol=6|LPort=445|..."), one a line, bare
// or as a registry export's "Name"="value"; or Get-NetFirewallRule joined with its port and address
// filters as ConvertTo-Json writes it. Windows does not evaluate rules in order: an allow-bypass
// rule beats a block rule, which beats an allow rule, and then the profile's default action
// (inbound Block, outbound Allow). The model is one chain per direction in that order.

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "audit/formats/formats.hpp"
#include "audit/formats/json_input.hpp"
#include "audit/formats/text_input.hpp"

namespace portolan::audit::formats {

namespace {

using Json = nlohmann::json;

constexpr int kMaxPort = 65535;
constexpr std::array<std::string_view, 3> kProfiles = {"domain", "private", "public"};
// Get-NetFirewallRule's enums when ConvertTo-Json writes them as numbers.
constexpr int kDirectionInbound = 1;
constexpr int kDirectionOutbound = 2;
constexpr int kActionAllow = 2;
constexpr int kActionBlock = 4;
constexpr int kEnabledTrue = 1;
constexpr int kEnabledFalse = 2;
constexpr int kMaxIcmpValue = 255;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::optional<int> Number(std::string_view text, int max) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  int value = 0;
  for (const char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

bool IsAny(std::string_view value) {
  return value == "*" || Lower(value) == "any";
}

// One field of a rule, as either input writes it, with the field names of the rule strings
// (JSON's LocalAddress becomes LA, of either family; its LocalPort, LPort; and so on).
struct Field {
  std::string key;
  std::string value;
  core::SourceLocation where;
};

struct RawRule {
  std::vector<Field> fields;
  core::SourceLocation where;
  std::string text;
};

enum class Tier { kBypass, kBlock, kAllow };  // the order in which Windows applies them

struct BuiltRule {
  Tier tier = Tier::kAllow;
  bool inbound = true;
  bool active = true;
  std::string name;
  Rule rule;
};

// Fields that only describe a rule, and those that restrict it in ways the audit cannot see
// (the program, the service, the interface, the user, IPsec): the latter are free variables.
// Get-NetFirewallRule piped whole into ConvertTo-Json carries its CIM bookkeeping too.
bool Descriptive(const std::string& key) {
  static const std::vector<std::string> kKeys = {"Name",
                                                 "Desc",
                                                 "EmbedCtxt",
                                                 "Edge",
                                                 "Defer",
                                                 "Platform",
                                                 "Platform2",
                                                 "Platforms",
                                                 "DisplayName",
                                                 "Description",
                                                 "Group",
                                                 "TTK",
                                                 "DisplayGroup",
                                                 "Profiles",
                                                 "PolicyStoreSource",
                                                 "PolicyStoreSourceType",
                                                 "Status",
                                                 "PrimaryStatus",
                                                 "EnforcementStatus",
                                                 "EdgeTraversalPolicy",
                                                 "LooseSourceMapping",
                                                 "LocalOnlyMapping",
                                                 "ElementName",
                                                 "InstanceID",
                                                 "Caption",
                                                 "CommonName",
                                                 "ConditionListType",
                                                 "CreationClassName",
                                                 "ExecutionStrategy",
                                                 "Mandatory",
                                                 "PolicyDecisionStrategy",
                                                 "PolicyRuleName",
                                                 "Priority",
                                                 "RuleGroup",
                                                 "RuleUsage",
                                                 "SequencedActions",
                                                 "SystemCreationClassName",
                                                 "SystemName",
                                                 "StatusCode",
                                                 "ID",
                                                 "LSM",
                                                 "PolicyKeywords",
                                                 "PolicyRoles",
                                                 "CimClass",
                                                 "CimInstanceProperties",
                                                 "CimSystemProperties",
                                                 "PSComputerName"};
  return std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end();
}

// Rules from fields: the shared semantics of both inputs. Errors go to diagnostics.
class RuleBuilder {
 public:
  RuleBuilder(Symbols& symbols, core::Diagnostics& diagnostics) : symbols_(symbols), diagnostics_(diagnostics) {}

  std::optional<BuiltRule> Build(const RawRule& raw) {
    BuiltRule built;
    built.rule.where = raw.where;
    built.rule.text = raw.text;
    const auto errors = diagnostics_.All().size();
    const auto keys = ReadKeys(raw, built);
    RequireKeys(raw);
    if (diagnostics_.All().size() != errors) return std::nullopt;
    built.tier = *keys.tier;
    built.inbound = *keys.inbound;
    built.rule.action = built.tier == Tier::kBlock ? Action::kDrop : Action::kAccept;
    built.rule.match = keys.protocol ? PacketSet::Protocol(*keys.protocol) : PacketSet::All();
    Conditions conditions;
    conditions.authenticated = built.tier == Tier::kBypass;  // a bypass admits only authenticated packets
    for (const auto& field : raw.fields) ReadCondition(field, keys.protocol, built, conditions);
    ApplyConditions(conditions, built.rule);
    if (diagnostics_.All().size() != errors) return std::nullopt;
    return built;
  }

 private:
  // What the fields that make a rule (Action, Dir, Protocol) say; unset when absent or wrong.
  struct Keys {
    std::optional<bool> inbound;
    std::optional<Tier> tier;
    std::optional<int> protocol;  // unset for any protocol too
  };

  // The conditions of a rule, gathered field by field before they narrow its match.
  struct Conditions {
    std::map<std::string, PacketSet> sides;  // per field kind: the union of its values
    std::vector<std::string> profiles;
    bool authenticated = false;
  };

  // Action, Dir, Active, Protocol and Name; errors for values they cannot have.
  Keys ReadKeys(const RawRule& raw, BuiltRule& built) {
    Keys keys;
    for (const auto& field : raw.fields) {
      const auto value = Lower(field.value);
      if (field.key == "Action") {
        keys.tier = ParseTier(field, value);
      } else if (field.key == "Dir") {
        keys.inbound = ParseDirection(field, value);
      } else if (field.key == "Active") {
        if (const auto active = ParseActive(field, value)) built.active = *active;
      } else if (field.key == "Protocol") {
        if (IsAny(value)) continue;
        keys.protocol = value == "icmpv4"   ? std::optional<int>(kProtocolIcmp)
                        : value == "icmpv6" ? std::optional<int>(kProtocolIcmpV6)
                                            : ParseProtocol(value);
        if (!keys.protocol) Error(field, "not a protocol (a number 0-255, TCP, UDP, ICMPv4, ICMPv6 or Any)");
      } else if (field.key == "Name") {
        built.name = field.value;
      }
    }
    return keys;
  }

  std::optional<Tier> ParseTier(const Field& field, const std::string& value) {
    if (value == "allow") return Tier::kAllow;
    if (value == "block") return Tier::kBlock;
    if (value == "bypass") return Tier::kBypass;
    Error(field, "Action is Allow, Block or ByPass");
    return std::nullopt;
  }

  std::optional<bool> ParseDirection(const Field& field, const std::string& value) {
    if (value == "in" || value == "inbound") return true;
    if (value == "out" || value == "outbound") return false;
    Error(field, "Dir is In or Out");
    return std::nullopt;
  }

  std::optional<bool> ParseActive(const Field& field, const std::string& value) {
    if (value == "true") return true;
    if (value == "false") return false;
    Error(field, "Active is TRUE or FALSE");
    return std::nullopt;
  }

  void RequireKeys(const RawRule& raw) {
    auto has = [&](const char* key) {
      return std::any_of(raw.fields.begin(), raw.fields.end(), [&](const Field& field) { return field.key == key; });
    };
    if (!has("Action")) Error(raw.where, "the rule has no Action");
    if (!has("Dir")) Error(raw.where, "the rule has no direction (Dir)");
  }

  // One field of the rule's conditions: ports, addresses, ICMP types, profiles, authentication;
  // a field the audit does not model becomes a free variable of the match.
  void ReadCondition(const Field& field, const std::optional<int>& protocol, BuiltRule& built, Conditions& conditions) {
    const auto& key = field.key;
    auto& rule = built.rule;
    if (key == "Action" || key == "Dir" || key == "Active" || key == "Protocol" || Descriptive(key)) return;
    if (key == "LPort" || key == "RPort" || key == "LPort2_10" || key == "RPort2_10") {
      const auto kind = key.substr(0, 5);
      if (IsAny(field.value)) {  // what a port filter shows for a rule of any protocol, too
        Unite(conditions.sides, kind, PacketSet::All());
        return;
      }
      if (!protocol || !ProtocolHasPorts(*protocol)) {
        Error(field, "ports need a protocol with ports (TCP or UDP)");
        return;
      }
      const bool local = key[0] == 'L';
      Unite(conditions.sides, kind, Port(rule, field, local == built.inbound, local));
    } else if (key == "LA" || key == "RA" || key == "LA4" || key == "RA4" || key == "LA6" || key == "RA6" ||
               key == "RA42" || key == "RA62") {
      const bool local = key[0] == 'L';
      // LA and RA (JSON) hold either family; LA4, RA42, ... one.
      static constexpr core::Family kV4 = core::Family::kIPv4;
      static constexpr core::Family kV6 = core::Family::kIPv6;
      const core::Family* family = key.size() < 3 ? nullptr : key[2] == '4' ? &kV4 : &kV6;
      // The local side is the destination inbound, the source outbound.
      Unite(conditions.sides, key.substr(0, 2), AddressSet(rule, field, local == built.inbound, local, family));
    } else if (key == "ICMP4" || key == "ICMP6" || key == "ICMP") {
      Unite(conditions.sides, "ICMP", Icmp(field));
    } else if (key == "Profile") {
      Profiles(field, conditions.profiles);
    } else if (key == "Security") {
      conditions.authenticated = true;  // Authenticate, AuthenticateEncrypt, ...: IPsec, unseen
    } else {
      AddUnmodelled(rule, fmt::format("{}={}", key, field.value));
    }
  }

  // Values of one kind are alternatives; kinds narrow the match together.
  void ApplyConditions(const Conditions& conditions, Rule& rule) {
    for (const auto& [kind, set] : conditions.sides) rule.match &= set;
    if (!conditions.profiles.empty() && conditions.profiles.size() < kProfiles.size()) {
      auto profiles = conditions.profiles;
      std::sort(profiles.begin(), profiles.end());
      AddUnmodelled(rule, fmt::format("active profile {}", fmt::join(profiles, ",")));
    }
    if (conditions.authenticated) AddUnmodelled(rule, "IPsec authentication");
  }

  // A condition the audit cannot model: a free variable of the match, reported with the rule.
  void AddUnmodelled(Rule& rule, const std::string& what) {
    rule.unmodelled.push_back(what);
    rule.match &= symbols_.Unmodelled(what);
  }

  void Error(const Field& field, const std::string& message) {
    diagnostics_.Error(field.where, fmt::format("{}={}: {}", field.key, field.value, message));
  }
  void Error(const core::SourceLocation& where, const std::string& message) { diagnostics_.Error(where, message); }

  static void Unite(std::map<std::string, PacketSet>& sides, const std::string& kind, const PacketSet& set) {
    auto [it, fresh] = sides.emplace(kind, set);
    if (!fresh) it->second |= set;
  }

  // "445", "1000-2000" ("Any" is handled by the caller); keywords (RPC, RPC-EPMap, IPHTTPS, Ply2Disc, ...) are
  // unmodelled.
  PacketSet Port(Rule& rule, const Field& field, bool destination, bool local) {
    const std::string_view value = field.value;
    const auto dash = value.find('-');
    const auto first = Number(value.substr(0, dash), kMaxPort);
    const auto last = dash == std::string_view::npos ? first : Number(value.substr(dash + 1), kMaxPort);
    if (first && last && *first <= *last)
      return destination ? PacketSet::DestinationPorts(*first, *last) : PacketSet::SourcePorts(*first, *last);
    if (value.empty() || std::isdigit(static_cast<unsigned char>(value[0]))) {
      Error(field, "not a port or port range");
      return PacketSet::None();
    }
    const auto what = fmt::format("{} port {}", local ? "local" : "remote", value);
    rule.unmodelled.push_back(what);
    return symbols_.Unmodelled(what);
  }

  // "10.0.0.1", "10.0.0.0/8", "10.0.0.0/255.0.0.0", "10.0.0.1-10.0.0.9", "Any"; keywords
  // (LocalSubnet, DNS, DHCP, WINS, DefaultGateway, Internet, Intranet, ...) are unmodelled.
  PacketSet AddressSet(Rule& rule, const Field& field, bool destination, bool local, const core::Family* family) {
    const std::string_view value = field.value;
    if (IsAny(value)) return family ? PacketSet::Family(*family) : PacketSet::All();
    const bool numeric = !value.empty() && (std::isxdigit(static_cast<unsigned char>(value[0])) || value[0] == ':');
    if (numeric && value.find('-') != std::string_view::npos) {
      const auto range = ParseAddressRange(value);
      if (range && (!family || range->first.family == *family)) {
        const auto first = PlainAddress(range->first);
        const auto last = PlainAddress(range->second);
        return destination ? PacketSet::DestinationRange(range->first.family, first, last)
                           : PacketSet::SourceRange(range->first.family, first, last);
      }
    }
    if (const auto network = ParseNetworkLenient(value); network && (!family || network->family == *family))
      return destination ? PacketSet::Destination(*network) : PacketSet::Source(*network);
    const bool keyword = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
      return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
    });
    if (!keyword) {
      Error(field,
            family ? fmt::format("not an {} address, subnet or range", *family == core::Family::kIPv4 ? "IPv4" : "IPv6")
                   : std::string("not an address, subnet or range"));
      return PacketSet::None();
    }
    const auto what = fmt::format("{} address {}", local ? "local" : "remote", value);
    rule.unmodelled.push_back(what);
    return (family ? PacketSet::Family(*family) : PacketSet::All()) & symbols_.Unmodelled(what);
  }

  // "8:*", "8:0", "8"
  PacketSet Icmp(const Field& field) {
    const std::string_view value = field.value;
    if (IsAny(value)) return PacketSet::All();
    const auto colon = value.find(':');
    const auto type = Number(value.substr(0, colon), kMaxIcmpValue);
    std::optional<int> code;
    const bool any_code = colon == std::string_view::npos || value.substr(colon + 1) == "*";
    if (!any_code) code = Number(value.substr(colon + 1), kMaxIcmpValue);
    if (!type || (!any_code && !code)) {
      Error(field, "not an ICMP type:code");
      return PacketSet::None();
    }
    return PacketSet::IcmpType(*type, code);
  }

  // "Domain", "Private", "Public", "Any", "Domain, Private"
  void Profiles(const Field& field, std::vector<std::string>& seen) {
    std::string_view rest = field.value;
    while (true) {
      const auto comma = rest.find(',');
      const auto name = Lower(Trim(rest.substr(0, comma)));
      if (name == "any" || name == "all" || name == "*") {
        seen.assign(kProfiles.begin(), kProfiles.end());
      } else if (std::find(kProfiles.begin(), kProfiles.end(), name) == kProfiles.end()) {
        Error(field, "a profile is Domain, Private, Public or Any");
      } else if (std::find(seen.begin(), seen.end(), name) == seen.end()) {
        seen.push_back(name);
      }
      if (comma == std::string_view::npos) return;
      rest.remove_prefix(comma + 1);
    }
  }

  Symbols& symbols_;
  core::Diagnostics& diagnostics_;
};

// The model: one chain per direction, its rules in the order Windows applies them.
Ruleset Assemble(Ruleset ruleset, std::vector<BuiltRule> rules) {
  ruleset.families = {core::Family::kIPv4, core::Family::kIPv6};
  std::stable_sort(rules.begin(), rules.end(), [](const BuiltRule& a, const BuiltRule& b) { return a.tier < b.tier; });
  std::vector<std::string> inactive;
  for (const bool inbound : {true, false}) {
    Chain chain;
    chain.name = inbound ? "inbound" : "outbound";
    chain.policy = inbound ? Action::kDrop : Action::kAccept;
    chain.policy_text = inbound ? "the default inbound action (Block)" : "the default outbound action (Allow)";
    chain.where = {ruleset.file, 1, 1};
    for (auto& built : rules) {
      if (built.inbound != inbound) continue;
      if (!built.active) {
        inactive.push_back(built.name.empty() ? built.rule.where.ToString() : built.name);
        continue;
      }
      chain.rules.push_back(std::move(built.rule));
    }
    ruleset.attachments.push_back({inbound ? Hook::kInput : Hook::kOutput, static_cast<int>(ruleset.chains.size()), 0});
    ruleset.chains.push_back(std::move(chain));
  }
  if (!inactive.empty())
    ruleset.notes.push_back(
        fmt::format("{}: inactive rules, not audited: {}", ruleset.file, fmt::join(inactive, ", ")));
  return ruleset;
}

// ---------------------------------------------------------------------------------------------
// Rule strings, one a line: "v2.10|Action=Allow|...|", "Name=v2.10|...", a registry export's
// "{GUID}"="v2.10|...", or reg query's "    {GUID}    REG_SZ    v2.10|...". Blank lines, comments
// (# ;), a registry export's headers and reg query's key lines are skipped.

// reg query writes a value as four blanks, its name (which may hold blanks), then each of its type
// and its data after four blanks.
constexpr std::string_view kRegQueryString = "    REG_SZ    ";
constexpr std::string_view kRegQueryType = "    REG_";

bool StartsWithVersion(std::string_view text) {
  return text.size() > 1 && (text[0] == 'v' || text[0] == 'V') && std::isdigit(static_cast<unsigned char>(text[1]));
}

// Where the rule string starts in a line, or npos for a line to skip.
std::size_t RuleStringStart(std::string_view line) {
  const auto first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos) return std::string_view::npos;
  const char c = line[first];
  const auto rest = line.substr(first);
  if (c == '#' || c == ';' || c == '[' || rest.starts_with("Windows Registry Editor") || rest.starts_with("HKEY_") ||
      rest.starts_with("End of search:"))
    return std::string_view::npos;
  if (StartsWithVersion(rest)) return first;
  constexpr std::size_t kRegQueryIndent = 4;
  if (first == kRegQueryIndent) {
    if (const auto string = line.find(kRegQueryString); string != std::string_view::npos)
      return string + kRegQueryString.size();
    // Another type of value (REG_DWORD, ...) is no rule string: the reader says so at its type.
    if (const auto type = line.find(kRegQueryType); type != std::string_view::npos) return type + kRegQueryIndent;
  }
  bool quoted = false;
  for (std::size_t i = first; i < line.size(); ++i) {
    if (line[i] == '"') quoted = !quoted;
    if (line[i] != '=' || quoted) continue;
    return i + 1 < line.size() && line[i + 1] == '"' ? i + 2 : i + 1;  // a registry export quotes the value
  }
  return first;
}

std::string RegistryUnescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '\\' || text[i + 1] == '"')) ++i;
    out += text[i];
  }
  return out;
}

bool LooksLikeRuleStrings(std::string_view text) {
  for (const auto line : Lines(text)) {
    const auto start = RuleStringStart(line);
    if (start == std::string_view::npos) continue;
    const auto rest = line.substr(start);
    return StartsWithVersion(rest) && rest.find("|Action=") != std::string_view::npos;
  }
  return false;
}

Ruleset ReadRuleStrings(std::string_view text, const std::string& file) {
  Ruleset ruleset;
  ruleset.file = file;
  ruleset.format = "windows";
  core::Diagnostics diagnostics;
  RuleBuilder builder(ruleset.symbols, diagnostics);
  std::vector<BuiltRule> rules;
  int number = 0;
  for (auto line : Lines(text)) {
    ++number;
    auto start = RuleStringStart(line);
    if (start == std::string_view::npos) continue;
    auto rule_text = line.substr(start);
    while (!rule_text.empty() && (rule_text.back() == '"' || rule_text.back() == ' ' || rule_text.back() == '\t'))
      rule_text.remove_suffix(1);
    const int column = CharacterColumn(line, start);
    const auto bar = rule_text.find('|');
    const auto version = rule_text.substr(0, bar);
    if (!StartsWithVersion(version)) {
      diagnostics.Error({file, number, column}, "expected a rule string (v2.10|Action=...|Dir=...|...)");
      continue;
    }
    // reg export writes a string value between quotes, with \\ for \ and \" for ".
    const bool registry_string = start > 0 && line[start - 1] == '"';
    auto value_of = [&](std::string_view value) {
      return registry_string ? RegistryUnescape(value) : std::string(value);
    };
    RawRule raw;
    raw.where = {file, number, column};
    raw.text = value_of(rule_text);
    std::size_t position = bar;
    while (position != std::string_view::npos && position + 1 < rule_text.size()) {
      const auto next = rule_text.find('|', position + 1);
      const auto item = rule_text.substr(position + 1, next == std::string_view::npos ? next : next - position - 1);
      const core::SourceLocation where{file, number, CharacterColumn(line, start + position + 1)};
      position = next;
      if (item.empty()) continue;
      const auto equals = item.find('=');
      if (equals == std::string_view::npos || equals == 0) {
        diagnostics.Error(where, fmt::format("'{}' is not a Name=value field", item));
        continue;
      }
      raw.fields.push_back({std::string(item.substr(0, equals)), value_of(item.substr(equals + 1)), where});
    }
    if (auto built = builder.Build(raw)) rules.push_back(std::move(*built));
  }
  if (diagnostics.HasErrors()) throw core::InputError(diagnostics);
  return Assemble(std::move(ruleset), std::move(rules));
}

// ---------------------------------------------------------------------------------------------
// Get-NetFirewallRule joined with its filters, through ConvertTo-Json: an array of objects (or
// one object) with Name, DisplayName, Enabled, Direction, Action, Profile, Protocol, LocalPort,
// RemotePort, LocalAddress, RemoteAddress, IcmpType, OverrideBlockRules; values as strings,
// arrays of strings, or the numbers ConvertTo-Json writes for enums.

std::string EnumText(const Json& value, const std::vector<std::pair<int, std::string>>& names) {
  if (value.is_boolean()) return value.get<bool>() ? "True" : "False";
  if (value.is_number_integer()) {
    for (const auto& [number, name] : names)
      if (value.get<long long>() == number) return name;
  }
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// Profile flags: 0 Any, 1 Domain, 2 Private, 4 Public.
std::string ProfileText(const Json& value) {
  if (!value.is_number_integer()) return value.is_string() ? value.get<std::string>() : value.dump();
  const auto flags = value.get<long long>();
  if (flags == 0) return "Any";
  std::vector<std::string> names;
  for (std::size_t i = 0; i < kProfiles.size(); ++i)
    if (flags & (1LL << i)) names.emplace_back(kProfiles[i]);
  return fmt::format("{}", fmt::join(names, ","));
}

// JsonLocator counts columns in bytes; a rule's name may hold any character, so columns here are
// counted in characters, as in the rule strings.
class CharacterLocator {
 public:
  CharacterLocator(std::string_view text, const std::string& file) : bytes_(text, file), lines_(Lines(text)) {}
  core::SourceLocation InCharacters(core::SourceLocation where) const {
    if (where.line >= 1 && where.line <= static_cast<int>(lines_.size()) && where.column >= 1)
      where.column = CharacterColumn(lines_[where.line - 1], static_cast<std::size_t>(where.column - 1));
    return where;
  }
  core::SourceLocation Where(const JsonPath& path) const { return InCharacters(bytes_.Where(path)); }
  core::SourceLocation AtOffset(std::size_t offset) const { return InCharacters(bytes_.AtOffset(offset)); }
  std::vector<core::SourceLocation> ElementLocations(const JsonPath& path) const {
    auto locations = bytes_.ElementLocations(path);
    for (auto& where : locations) where = InCharacters(where);
    return locations;
  }
  Json Parse(std::string_view text) const {
    try {
      return ParseJson(text, bytes_);
    } catch (const core::InputError& error) {
      core::Diagnostics diagnostics;
      for (const auto& item : error.diagnostics().All()) diagnostics.Error(InCharacters(item.where), item.message);
      throw core::InputError(diagnostics);
    }
  }

 private:
  JsonLocator bytes_;
  std::vector<std::string_view> lines_;
};

Ruleset ReadRuleJson(std::string_view text, const std::string& file) {
  Ruleset ruleset;
  ruleset.file = file;
  ruleset.format = "windows";
  core::Diagnostics diagnostics;
  const CharacterLocator locator(text, file);
  Json root = locator.Parse(text);
  const bool single = root.is_object();
  if (single) root = Json::array({root});
  if (!root.is_array()) {
    diagnostics.Error(locator.AtOffset(0), "expected an array of Get-NetFirewallRule objects");
    throw core::InputError(diagnostics);
  }
  // JSON keys -> rule string field names.
  static const std::map<std::string, std::string> kKeys = {
      {"Enabled", "Active"},          {"Direction", "Dir"},   {"Action", "Action"},     {"Profile", "Profile"},
      {"Protocol", "Protocol"},       {"LocalPort", "LPort"}, {"RemotePort", "RPort"},  {"LocalAddress", "LA"},
      {"RemoteAddress", "RA"},        {"IcmpType", "ICMP"},   {"Name", "Name"},         {"DisplayName", "DisplayName"},
      {"Description", "Description"}, {"Group", "Group"},     {"DisplayGroup", "Group"}};
  RuleBuilder builder(ruleset.symbols, diagnostics);
  std::vector<BuiltRule> rules;
  // Where each rule starts, in one pass over the text (an export holds thousands of rules).
  const auto starts = single ? std::vector<core::SourceLocation>{locator.Where({})} : locator.ElementLocations({});
  for (std::size_t i = 0; i < root.size(); ++i) {
    const JsonPath path = single ? JsonPath{} : Append({}, i);
    const auto rule_start = i < starts.size() ? starts[i] : locator.Where(path);
    const auto& object = root[i];
    if (!object.is_object()) {
      diagnostics.Error(rule_start, fmt::format("[{}]: a rule is an object", i));
      continue;
    }
    RawRule raw;
    raw.where = rule_start;
    std::vector<std::string> summary;
    bool bypass = false;
    for (const auto& [key, value] : object.items()) {
      const auto where = locator.Where(Append(path, key));
      if (key == "OverrideBlockRules") {
        bypass = value.is_boolean() ? value.get<bool>() : Lower(EnumText(value, {})) == "true";
        continue;
      }
      const auto known = kKeys.find(key);
      if (known == kKeys.end() && Descriptive(key)) continue;
      std::string name = known == kKeys.end() ? key : known->second;
      std::vector<std::string> values;
      if (value.is_array()) {
        for (const auto& element : value)
          values.push_back(element.is_string() ? element.get<std::string>() : element.dump());
      } else if (key == "Enabled") {
        values.push_back(EnumText(value, {{kEnabledTrue, "True"}, {kEnabledFalse, "False"}}));
      } else if (key == "Direction") {
        values.push_back(EnumText(value, {{kDirectionInbound, "Inbound"}, {kDirectionOutbound, "Outbound"}}));
      } else if (key == "Action") {
        values.push_back(EnumText(value, {{kActionAllow, "Allow"}, {kActionBlock, "Block"}}));
      } else if (key == "Profile") {
        values.push_back(ProfileText(value));
      } else if (value.is_null()) {
        continue;
      } else {
        values.push_back(value.is_string() ? value.get<std::string>() : value.dump());
      }
      // Fields the audit cannot model are free variables only when they restrict ("Any" does not).
      if (known == kKeys.end() &&
          std::all_of(values.begin(), values.end(), [](const std::string& v) { return IsAny(v) || v.empty(); }))
        continue;
      summary.push_back(fmt::format("{}={}", key, fmt::join(values, ",")));
      for (const auto& v : values) raw.fields.push_back({name, v, where});
    }
    if (bypass) {
      for (auto& field : raw.fields)
        if (field.key == "Action" && Lower(field.value) == "allow") field.value = "ByPass";
      summary.push_back("OverrideBlockRules=True");
    }
    raw.text = fmt::format("{}", fmt::join(summary, " "));
    if (auto built = builder.Build(raw)) rules.push_back(std::move(*built));
  }
  if (diagnostics.HasErrors()) throw core::InputError(diagnostics);
  return Assemble(std::move(ruleset), std::move(rules));
}

// JSON starts with an object, or an array of them ("[HKEY_..." opens a registry export's key).
bool StartsLikeJson(std::string_view text) {
  const auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return false;
  if (text[start] == '{') return true;
  const auto next = text.find_first_not_of(" \t\r\n", start + 1);
  return text[start] == '[' && next != std::string_view::npos && (text[next] == '{' || text[next] == ']');
}

bool LooksLikeRuleJson(std::string_view text) {
  return StartsLikeJson(text) && text.find("\"Direction\"") != std::string_view::npos &&
         text.find("\"Action\"") != std::string_view::npos;
}

}  // namespace

// reg export and PowerShell 5.1's `>` write UTF-16LE with a byte-order mark: decoded here, so lines
// and columns are those of the decoded text, in characters.
bool LooksLikeWindowsFirewall(std::string_view text) {
  const auto decoded = DecodeByteOrderMark(text);
  const std::string_view utf8 = decoded ? std::string_view(*decoded) : text;
  return LooksLikeRuleStrings(utf8) || LooksLikeRuleJson(utf8);
}

Ruleset ReadWindowsFirewall(std::string_view text, const std::string& file, const ReadOptions& /*options*/) {
  const auto decoded = DecodeByteOrderMark(text);
  const std::string_view utf8 = decoded ? std::string_view(*decoded) : text;
  if (StartsLikeJson(utf8)) return ReadRuleJson(utf8, file);
  return ReadRuleStrings(utf8, file);
}

}  // namespace portolan::audit::formats
