// nftables as `nft -j list ruleset` writes it (libnftables-json(5)): tables of family ip, ip6
// and inet with their base chains (hook, priority, policy), regular chains, named sets and
// verdict maps, and rules, each an array of match and verdict statements. Other families and
// nat chains are listed in the notes. JSON carries no line structure (nft writes one line), so
// a rule is located by the line and column where its object starts, and a structure error names
// its JSON path (nftables[12].rule.expr[3]).

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "audit/formats/formats.hpp"
#include "audit/formats/text_input.hpp"

namespace portolan::audit::formats {

namespace {

using Json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Where a JSON value starts. nlohmann::json keeps no positions for a document that parses, so a
// valid text is skimmed again to find the offset of a value by its path.

struct PathStep {
  std::string key;            // object member, or
  std::ptrdiff_t index = -1;  // array element
};
using JsonPath = std::vector<PathStep>;

std::string PathText(const JsonPath& path) {
  std::string text;
  for (const auto& step : path) {
    if (step.index >= 0) {
      text += fmt::format("[{}]", step.index);
    } else {
      if (!text.empty()) text += '.';
      text += step.key;
    }
  }
  return text;
}

JsonPath Append(JsonPath path, std::string key) {
  path.push_back({std::move(key), -1});
  return path;
}

JsonPath Append(JsonPath path, std::size_t index) {
  path.push_back({"", static_cast<std::ptrdiff_t>(index)});
  return path;
}

// Walks a text that nlohmann::json accepted.
class Skimmer {
 public:
  explicit Skimmer(std::string_view text) : text_(text) {}

  // The offset where the value at `path` starts, or of the deepest part of the path that exists.
  std::size_t OffsetOf(const JsonPath& path) {
    pos_ = 0;
    SkipBlanks();
    std::size_t found = pos_;
    for (const auto& step : path) {
      if (!Enter(step)) break;
      found = pos_;
    }
    return found;
  }

  // The offsets of the elements of the array at `path` (empty when it is not an array).
  std::vector<std::size_t> ElementOffsets(const JsonPath& path) {
    std::vector<std::size_t> offsets;
    pos_ = 0;
    SkipBlanks();
    for (const auto& step : path)
      if (!Enter(step)) return offsets;
    if (Peek() != '[') return offsets;
    ++pos_;
    SkipBlanks();
    if (Peek() == ']') return offsets;
    while (pos_ < text_.size()) {
      offsets.push_back(pos_);
      SkipValue();
      SkipBlanks();
      if (Peek() != ',') break;
      ++pos_;
      SkipBlanks();
    }
    return offsets;
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  void SkipBlanks() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  std::string ReadString() {
    std::string out;
    ++pos_;  // the opening quote
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\') ++pos_;
      if (pos_ < text_.size()) out += text_[pos_++];
    }
    ++pos_;
    return out;
  }

  void SkipValue() {
    const char c = Peek();
    if (c == '"') {
      ReadString();
      return;
    }
    if (c == '{' || c == '[') {
      int depth = 0;
      while (pos_ < text_.size()) {
        const char d = text_[pos_];
        if (d == '"') {
          ReadString();
          continue;
        }
        if (d == '{' || d == '[') ++depth;
        if (d == '}' || d == ']') --depth;
        ++pos_;
        if (depth == 0) return;
      }
      return;
    }
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '}' && text_[pos_] != ']') ++pos_;
  }

  // Moves from the start of a container to the start of its member or element; false when absent.
  bool Enter(const PathStep& step) {
    const char open = step.index >= 0 ? '[' : '{';
    if (Peek() != open) return false;
    ++pos_;
    SkipBlanks();
    for (std::ptrdiff_t i = 0; pos_ < text_.size() && Peek() != (step.index >= 0 ? ']' : '}'); ++i) {
      if (step.index >= 0) {
        if (i == step.index) return true;
      } else {
        const auto key = ReadString();
        SkipBlanks();
        ++pos_;  // ':'
        SkipBlanks();
        if (key == step.key) return true;
      }
      SkipValue();
      SkipBlanks();
      if (Peek() == ',') ++pos_;
      SkipBlanks();
    }
    return false;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// Offsets to 1-based line and column.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') starts_.push_back(i + 1);
  }
  std::pair<int, int> At(std::size_t offset) const {
    const auto it = std::upper_bound(starts_.begin(), starts_.end(), offset) - 1;
    return {static_cast<int>(it - starts_.begin()) + 1, static_cast<int>(offset - *it) + 1};
  }

 private:
  std::vector<std::size_t> starts_;
};

// A structure error: the path of the offending value and what is wrong with it.
struct Malformed {
  JsonPath path;
  std::string message;
};

// The one member of {"key": value}.
struct Member {
  std::string key;
  const Json* value;
};

Member OnlyMember(const Json& object) {
  const auto it = object.begin();
  return {it.key(), &it.value()};
}

[[noreturn]] void Fail(const JsonPath& path, std::string message) {
  throw Malformed{path, std::move(message)};
}

// ---------------------------------------------------------------------------------------------
// Printing expressions back in nft's own syntax, for the report.

std::string Print(const Json& value);

std::string PrintScalar(const Json& value) {
  if (value.is_string()) {
    const auto text = value.get<std::string>();
    if (text.empty() || text.find_first_of(" \t\"") != std::string::npos) return fmt::format("\"{}\"", text);
    return text;
  }
  if (value.is_boolean()) return value.get<bool>() ? "exists" : "missing";
  return value.dump();
}

std::string PrintVerdict(const Json& statement) {
  if (!statement.is_object() || statement.size() != 1) return statement.dump();
  const auto statement_member = OnlyMember(statement);
  const auto& key = statement_member.key;
  const auto& body = *statement_member.value;
  if ((key == "jump" || key == "goto") && body.is_object() && body.contains("target"))
    return fmt::format("{} {}", key, PrintScalar(body["target"]));
  return key;
}

std::string Print(const Json& value) {
  if (value.is_array()) {
    std::vector<std::string> parts;
    for (const auto& item : value) parts.push_back(Print(item));
    return fmt::format("{}", fmt::join(parts, ","));
  }
  if (!value.is_object()) return PrintScalar(value);
  if (value.size() != 1) return value.dump();
  const auto value_member = OnlyMember(value);
  const auto& key = value_member.key;
  const auto& body = *value_member.value;
  if (key == "payload" && body.is_object()) {
    if (body.contains("protocol") && body.contains("field"))
      return fmt::format("{} {}", PrintScalar(body["protocol"]), PrintScalar(body["field"]));
    return fmt::format("@{},{},{}", PrintScalar(body.value("base", Json("?"))), body.value("offset", Json(0)).dump(),
                       body.value("len", Json(0)).dump());
  }
  if (key == "meta" && body.is_object() && body.contains("key")) {
    const auto name = PrintScalar(body["key"]);
    static const std::set<std::string> kBare = {"iifname", "oifname", "iif", "oif", "mark"};
    return kBare.count(name) ? name : "meta " + name;
  }
  if (key == "ct" && body.is_object() && body.contains("key")) return "ct " + PrintScalar(body["key"]);
  if (key == "concat" && body.is_array()) {
    std::vector<std::string> parts;
    for (const auto& item : body) parts.push_back(Print(item));
    return fmt::format("{}", fmt::join(parts, " . "));
  }
  if (key == "prefix" && body.is_object())
    return fmt::format("{}/{}", PrintScalar(body.value("addr", Json("?"))), body.value("len", Json(0)).dump());
  if (key == "range" && body.is_array() && body.size() == 2)
    return fmt::format("{}-{}", Print(body[0]), Print(body[1]));
  if ((key == "set" || key == "map") && body.is_array()) {
    std::vector<std::string> parts;
    for (const auto& item : body) {
      if (item.is_array() && item.size() == 2)
        parts.push_back(fmt::format("{} : {}", Print(item[0]), PrintVerdict(item[1])));
      else
        parts.push_back(Print(item));
    }
    return fmt::format("{{ {} }}", fmt::join(parts, ", "));
  }
  if (key == "elem" && body.is_object() && body.contains("val")) return Print(body["val"]);
  if (key == "fib" && body.is_object()) {
    std::vector<std::string> flags;
    if (body.contains("flags")) {
      const auto& f = body["flags"];
      if (f.is_array())
        for (const auto& flag : f) flags.push_back(PrintScalar(flag));
      else
        flags.push_back(PrintScalar(f));
    }
    return fmt::format("fib {} {}", fmt::join(flags, " . "), PrintScalar(body.value("result", Json("?"))));
  }
  if (key == "&" || key == "|" || key == "^" || key == "<<" || key == ">>") {
    if (body.is_array() && body.size() == 2) return fmt::format("{} {} {}", Print(body[0]), key, Print(body[1]));
  }
  return value.dump();
}

std::string PrintMatch(const Json& match) {
  const auto op = match.value("op", std::string("=="));
  const auto left = Print(match.value("left", Json()));
  const auto right = Print(match.value("right", Json()));
  if (op == "==" || op == "in") return fmt::format("{} {}", left, right);
  return fmt::format("{} {} {}", left, op, right);
}

std::string PrintStatement(const Json& statement) {
  if (!statement.is_object() || statement.size() != 1) return statement.dump();
  const auto statement_member = OnlyMember(statement);
  const auto& key = statement_member.key;
  const auto& body = *statement_member.value;
  if (key == "match" && body.is_object()) return PrintMatch(body);
  if (key == "counter") return "counter";
  if (key == "log") {
    if (body.is_object() && body.contains("prefix"))
      return fmt::format("log prefix \"{}\"", body["prefix"].get<std::string>());
    return "log";
  }
  if (key == "vmap" && body.is_object())
    return fmt::format("{} vmap {}", Print(body.value("key", Json())), Print(body.value("data", Json())));
  if (key == "limit" && body.is_object())
    return fmt::format("limit rate {}/{}", body.value("rate", Json(0)).dump(),
                       PrintScalar(body.value("per", Json("?"))));
  if (key == "reject") {
    if (body.is_object() && body.contains("type") && body["type"] == "tcp reset") return "reject with tcp reset";
    return "reject";
  }
  static const std::set<std::string> kVerdicts = {"accept", "drop", "return", "continue", "jump", "goto", "queue"};
  if (kVerdicts.count(key)) return PrintVerdict(statement);
  if (body.is_null()) return key;
  return fmt::format("{} {}", key, body.dump());
}

// ---------------------------------------------------------------------------------------------
// The model.

// What the left side of a match reads from a packet, when the audit models it.
enum class FieldKind {
  kSource,
  kDestination,
  kSourcePort,
  kDestinationPort,
  kProtocol,
  kFamily,
  kState,
  kInInterface,
  kOutInterface,
  kIcmpType,
  kIcmpV6Type,
  kUnmodelled
};

struct Selector {
  FieldKind kind = FieldKind::kUnmodelled;
  std::optional<core::Family> family;  // addresses
  // Packets that have the field at all: `tcp dport` implies the protocol tcp, `ip saddr` IPv4,
  // for == and != alike (nft adds these dependencies itself and does not list them).
  PacketSet dependency = PacketSet::All();
  // th dport/sport: packets of protocols without ports have no such field the audit knows of; for
  // them the match is a free variable.
  bool transport_header = false;
};

constexpr int kProtocolSctp = 132;
constexpr int kProtocolUdpLite = 136;
constexpr int kProtocolDccp = 33;

PacketSet PortProtocols() {
  return PacketSet::Protocol(kProtocolTcp) | PacketSet::Protocol(kProtocolUdp) | PacketSet::Protocol(kProtocolSctp) |
         PacketSet::Protocol(kProtocolUdpLite) | PacketSet::Protocol(kProtocolDccp);
}

std::optional<int> StandardPriority(const std::string& name) {
  static const std::map<std::string, int> kNames = {{"raw", -300},    {"mangle", -150}, {"dstnat", -100}, {"filter", 0},
                                                    {"security", 50}, {"srcnat", 100},  {"out", 100}};
  const auto it = kNames.find(name);
  if (it == kNames.end()) return std::nullopt;
  return it->second;
}

std::optional<std::pair<int, int>> NftIcmpType(std::string_view name, bool v6) {
  static const std::map<std::string_view, int> kV4 = {
      {"echo-reply", 0},         {"destination-unreachable", 3}, {"source-quench", 4},        {"redirect", 5},
      {"echo-request", 8},       {"router-advertisement", 9},    {"router-solicitation", 10}, {"time-exceeded", 11},
      {"parameter-problem", 12}, {"timestamp-request", 13},      {"timestamp-reply", 14},     {"info-request", 15},
      {"info-reply", 16},        {"address-mask-request", 17},   {"address-mask-reply", 18}};
  static const std::map<std::string_view, int> kV6 = {
      {"destination-unreachable", 1},  {"packet-too-big", 2},         {"time-exceeded", 3},
      {"parameter-problem", 4},        {"echo-request", 128},         {"echo-reply", 129},
      {"mld-listener-query", 130},     {"mld-listener-report", 131},  {"mld-listener-done", 132},
      {"mld-listener-reduction", 132}, {"nd-router-solicit", 133},    {"nd-router-advert", 134},
      {"nd-neighbor-solicit", 135},    {"nd-neighbor-advert", 136},   {"nd-redirect", 137},
      {"router-renumbering", 138},     {"ind-neighbor-solicit", 141}, {"ind-neighbor-advert", 142},
      {"mld2-listener-report", 143}};
  const auto& names = v6 ? kV6 : kV4;
  const auto it = names.find(name);
  if (it == names.end()) return std::nullopt;
  return std::make_pair(it->second, -1);
}

struct NamedSet {
  const Json* elements = nullptr;  // null: empty
  JsonPath path;
  bool dynamic = false;  // timeouts or filled from the packet path: contents change at run time
  bool verdict_map = false;
  bool is_map = false;
};

struct Table {
  std::string family;  // ip, ip6, inet
  std::string name;
  std::map<std::string, NamedSet> sets;
  std::map<std::string, int> chains;  // name -> index into Ruleset::chains
};

struct Verdict {
  Action action = Action::kContinue;
  std::string target;  // jump and goto
};

class Reader {
 public:
  Reader(std::string_view text, const std::string& file) : text_(text), file_(file), lines_(text) {}

  Ruleset Read() {
    ruleset_.file = file_;
    ruleset_.format = "nftables-json";
    Json root;
    try {
      root = Json::parse(text_);
    } catch (const Json::parse_error& error) {
      const auto offset = error.byte > 0 ? std::min<std::size_t>(error.byte - 1, text_.size()) : 0;
      std::string message = error.what();
      const auto colon = message.find(": ", message.find("column"));
      if (colon != std::string::npos) message = message.substr(colon + 2);
      diagnostics_.Error(Where(offset), "malformed JSON: " + message);
      throw core::InputError(diagnostics_);
    }
    const JsonPath top = {{"nftables", -1}};
    if (!root.is_object() || !root.contains("nftables") || !root["nftables"].is_array()) {
      diagnostics_.Error(Where(0), "expected {\"nftables\": [...]} as nft -j list ruleset writes it");
      throw core::InputError(diagnostics_);
    }
    const auto& items = root["nftables"];
    offsets_ = Skimmer(text_).ElementOffsets(top);
    // Declarations first: a rule may jump to a chain or name a set that comes later.
    for (const bool rules : {false, true}) {
      for (std::size_t i = 0; i < items.size(); ++i) {
        try {
          Item(items[i], Append(top, i), i, rules);
        } catch (const Malformed& malformed) {
          Error(malformed);
        }
      }
    }
    if (diagnostics_.HasErrors()) throw core::InputError(diagnostics_);
    for (const auto& family : families_) ruleset_.families.push_back(family);
    if (ruleset_.families.empty()) {
      ruleset_.families = {core::Family::kIPv4, core::Family::kIPv6};
      ruleset_.notes.push_back(fmt::format("{}: no ip, ip6 or inet table; every packet passes", file_));
    }
    return std::move(ruleset_);
  }

 private:
  core::SourceLocation Where(std::size_t offset) const {
    const auto [line, column] = lines_.At(offset);
    return {file_, line, column};
  }

  void Error(const Malformed& malformed) {
    const auto offset = Skimmer(text_).OffsetOf(malformed.path);
    diagnostics_.Error(Where(offset), fmt::format("{}: {}", PathText(malformed.path), malformed.message));
  }

  // An element of the top-level array: {"table": ...}, {"chain": ...}, {"rule": ...}, ...
  void Item(const Json& item, const JsonPath& path, std::size_t index, bool rules) {
    if (!item.is_object() || item.size() != 1)
      Fail(path, "expected an object with one key (table, chain, set, rule, ...)");
    const auto item_member = OnlyMember(item);
    const auto& key = item_member.key;
    const auto& body = *item_member.value;
    JsonPath body_path = Append(path, key);
    // nft -j also reads commands: {"add": {"rule": ...}} is the rule itself.
    if (key == "add" || key == "create" || key == "insert") {
      if (!body.is_object() || body.size() != 1) Fail(body_path, "expected an object with one key");
      const auto inner = OnlyMember(body);
      body_path = Append(body_path, inner.key);
      return Object(inner.key, *inner.value, body_path, index, rules);
    }
    Object(key, body, body_path, index, rules);
  }

  void Object(const std::string& key, const Json& body, const JsonPath& path, std::size_t index, bool rules) {
    static const std::set<std::string> kIgnored = {"metainfo",  "flowtable",  "counter",        "quota",
                                                   "ct helper", "ct timeout", "ct expectation", "limit",
                                                   "secmark",   "synproxy",   "element"};
    if (kIgnored.count(key)) return;
    if (!body.is_object()) Fail(path, fmt::format("{} must be an object", key));
    if (key == "table") {
      if (!rules) DeclareTable(body, path);
      return;
    }
    if (key == "chain") {
      if (!rules) DeclareChain(body, path, index);
      return;
    }
    if (key == "set" || key == "map") {
      if (!rules) DeclareSet(body, path, key == "map");
      return;
    }
    if (key == "rule") {
      if (rules) ReadRule(body, path, index);
      return;
    }
    Fail(path, fmt::format("unknown object '{}' (expected table, chain, set, map or rule)", key));
  }

  static std::string String(const Json& body, const std::string& key, const JsonPath& path) {
    if (!body.contains(key) || !body[key].is_string()) Fail(Append(path, key), fmt::format("needs a string '{}'", key));
    return body[key].get<std::string>();
  }

  // nullptr for tables the audit does not model (arp, bridge, netdev): they are in the notes.
  Table* FindTable(const Json& body, const JsonPath& path) {
    const auto family = String(body, "family", path);
    const auto name = String(body, body.contains("table") ? "table" : "name", path);
    const auto it = tables_.find(family + " " + name);
    if (it != tables_.end()) return &it->second;
    if (family == "ip" || family == "ip6" || family == "inet")
      Fail(path, fmt::format("table {} {} is not declared", family, name));
    return nullptr;
  }

  void DeclareTable(const Json& body, const JsonPath& path) {
    const auto family = String(body, "family", path);
    const auto name = String(body, "name", path);
    if (family != "ip" && family != "ip6" && family != "inet") {
      if (family != "arp" && family != "bridge" && family != "netdev")
        Fail(Append(path, "family"), fmt::format("'{}' is not an nftables family", family));
      ruleset_.notes.push_back(
          fmt::format("{}: table {} {} is not audited: only ip, ip6 and inet tables are", file_, family, name));
      return;
    }
    tables_[family + " " + name] = {family, name, {}, {}};
    if (family != "ip6") families_.insert(core::Family::kIPv4);
    if (family != "ip") families_.insert(core::Family::kIPv6);
  }

  static std::optional<core::Family> TableFamily(const Table& table) {
    if (table.family == "ip") return core::Family::kIPv4;
    if (table.family == "ip6") return core::Family::kIPv6;
    return std::nullopt;
  }

  void DeclareSet(const Json& body, const JsonPath& path, bool is_map) {
    Table* table = FindTable(body, path);
    if (!table) return;
    const auto name = String(body, "name", path);
    NamedSet set;
    set.path = path;
    set.is_map = is_map;
    if (body.contains("elem")) {
      if (!body["elem"].is_array()) Fail(Append(path, "elem"), "must be an array");
      set.elements = &body["elem"];
    }
    auto has_flag = [&](const std::string& flag) {
      if (!body.contains("flags")) return false;
      const auto& flags = body["flags"];
      if (flags.is_string()) return flags == flag;
      return flags.is_array() && std::find(flags.begin(), flags.end(), Json(flag)) != flags.end();
    };
    set.dynamic = has_flag("dynamic") || has_flag("timeout") || body.contains("timeout");
    set.verdict_map = is_map && body.value("map", Json("")) == "verdict";
    table->sets[name] = std::move(set);
  }

  void DeclareChain(const Json& body, const JsonPath& path, std::size_t index) {
    Table* table = FindTable(body, path);
    if (!table) return;
    const auto name = String(body, "name", path);
    const auto full = fmt::format("{} {}/{}", table->family, table->name, name);
    if (table->chains.count(name)) Fail(path, fmt::format("chain {} is declared twice", full));
    Chain chain;
    chain.name = full;
    chain.where = Where(offsets_[index]);
    const bool base = body.contains("hook");
    if (!base) {
      table->chains[name] = static_cast<int>(ruleset_.chains.size());
      ruleset_.chains.push_back(std::move(chain));
      return;
    }
    const auto hook = String(body, "hook", path);
    const auto type = body.contains("type") ? String(body, "type", path) : std::string("filter");
    if (type == "nat") {
      skipped_chains_.insert(table->family + " " + table->name + " " + name);
      ruleset_.notes.push_back(
          fmt::format("{}: nat chain {} is not audited (no address translation is modelled)", file_, full));
      return;
    }
    if (type != "filter" && type != "route") Fail(Append(path, "type"), fmt::format("'{}' is not a chain type", type));
    const auto policy = body.contains("policy") ? String(body, "policy", path) : std::string("accept");
    if (policy != "accept" && policy != "drop")
      Fail(Append(path, "policy"), fmt::format("'{}' is not a chain policy (accept or drop)", policy));
    chain.policy = policy == "accept" ? Action::kAccept : Action::kDrop;
    int priority = 0;
    if (body.contains("prio")) {
      const auto& prio = body["prio"];
      if (prio.is_number_integer()) {
        priority = prio.get<int>();
      } else if (prio.is_string() && StandardPriority(prio.get<std::string>())) {
        priority = *StandardPriority(prio.get<std::string>());
      } else {
        Fail(Append(path, "prio"), fmt::format("'{}' is not a chain priority", Print(prio)));
      }
    }
    const int chain_index = static_cast<int>(ruleset_.chains.size());
    std::vector<Hook> hooks;
    int stage = 0;
    if (hook == "input") {
      hooks = {Hook::kInput};
    } else if (hook == "forward") {
      hooks = {Hook::kForward};
    } else if (hook == "output") {
      hooks = {Hook::kOutput};
    } else if (hook == "prerouting") {
      hooks = {Hook::kInput, Hook::kForward};
      stage = -1;
    } else if (hook == "postrouting") {
      hooks = {Hook::kForward, Hook::kOutput};
      stage = 1;
    } else if (hook == "ingress" || hook == "egress") {
      skipped_chains_.insert(table->family + " " + table->name + " " + name);
      ruleset_.notes.push_back(fmt::format("{}: {} chain {} is not audited", file_, hook, full));
      return;
    } else {
      Fail(Append(path, "hook"), fmt::format("'{}' is not a hook", hook));
    }
    chain.family = TableFamily(*table);
    chain.stage = stage;
    for (const auto h : hooks) ruleset_.attachments.push_back({h, chain_index, priority});
    table->chains[name] = chain_index;
    ruleset_.chains.push_back(std::move(chain));
  }

  // --- rules ---------------------------------------------------------------------------------

  void ReadRule(const Json& body, const JsonPath& path, std::size_t index) {
    const auto family = String(body, "family", path);
    const auto table_name = String(body, "table", path);
    const auto chain_name = String(body, "chain", path);
    if (skipped_chains_.count(family + " " + table_name + " " + chain_name)) return;
    Table* table = FindTable(body, path);
    if (!table) return;
    const auto chain_it = table->chains.find(chain_name);
    if (chain_it == table->chains.end())
      Fail(Append(path, "chain"),
           fmt::format("chain {} is not declared in table {} {}", chain_name, family, table_name));
    const int chain = chain_it->second;
    if (!body.contains("expr") || !body["expr"].is_array()) Fail(Append(path, "expr"), "a rule needs an expr array");
    const auto& statements = body["expr"];
    const auto expr_path = Append(path, "expr");

    Rule rule;
    rule.where = Where(offsets_[index]);
    rule.match = TableFamily(*table) ? PacketSet::Family(*TableFamily(*table)) : PacketSet::All();
    std::vector<std::string> texts;
    for (const auto& statement : statements) texts.push_back(PrintStatement(statement));
    rule.text = fmt::format("{}", fmt::join(texts, " "));
    if (body.contains("comment") && body["comment"].is_string())
      rule.text += fmt::format(" comment \"{}\"", body["comment"].get<std::string>());

    std::vector<Rule> out;
    bool decided = false;
    for (std::size_t s = 0; s < statements.size() && !decided; ++s) {
      const auto& statement = statements[s];
      const auto spath = Append(expr_path, s);
      if (!statement.is_object() || statement.size() != 1) Fail(spath, "a statement is an object with one key");
      const auto statement_member = OnlyMember(statement);
      const auto& key = statement_member.key;
      const auto& arg = *statement_member.value;
      const auto apath = Append(spath, key);
      if (key == "match") {
        rule.match &= Match(*table, arg, apath, rule);
        continue;
      }
      if (key == "vmap") {
        VerdictMap(*table, arg, apath, rule, out);
        decided = true;
        continue;
      }
      if (auto verdict = ReadVerdict(statement, spath)) {
        Decide(*table, rule, *verdict, spath, out);
        decided = true;
        continue;
      }
      static const std::set<std::string> kContinuing = {
          "counter", "log", "mangle",  "notrack", "ct helper", "ct timeout", "ct expectation", "set",     "map",
          "flow",    "dup", "secmark", "last",    "snat",      "dnat",       "masquerade",     "redirect"};
      if (kContinuing.count(key)) continue;
      static const std::set<std::string> kConditional = {"limit", "quota", "ct count", "connlimit", "xt", "synproxy"};
      if (kConditional.count(key)) {
        // Passes some packets and not others by what the audit cannot see (rates, counts, ...).
        const auto text = PrintStatement(statement);
        rule.match &= ruleset_.symbols.Unmodelled(text);
        rule.unmodelled.push_back(text);
        continue;
      }
      if (key == "queue" || key == "tproxy") {
        Decide(*table, rule, {Action::kContinue, "queue"}, spath, out);
        decided = true;
        continue;
      }
      Fail(apath, fmt::format("unknown statement '{}'", key));
    }
    if (!decided) {
      rule.action = Action::kContinue;
      out.push_back(std::move(rule));
    }
    for (auto& r : out) ruleset_.chains[chain].rules.push_back(std::move(r));
  }

  std::optional<Verdict> ReadVerdict(const Json& statement, const JsonPath& path) {
    if (!statement.is_object() || statement.size() != 1) Fail(path, "a verdict is an object with one key");
    const auto statement_member = OnlyMember(statement);
    const auto& key = statement_member.key;
    const auto& arg = *statement_member.value;
    if (key == "accept") return Verdict{Action::kAccept, ""};
    if (key == "drop") return Verdict{Action::kDrop, ""};
    if (key == "reject") return Verdict{Action::kReject, ""};
    if (key == "return") return Verdict{Action::kReturn, ""};
    if (key == "continue") return Verdict{Action::kContinue, ""};
    if (key == "jump" || key == "goto") {
      if (!arg.is_object() || !arg.contains("target") || !arg["target"].is_string())
        Fail(Append(path, key), "needs a target chain");
      return Verdict{key == "jump" ? Action::kJump : Action::kGoto, arg["target"].get<std::string>()};
    }
    return std::nullopt;
  }

  // The rule with its verdict; a jump or goto names a chain of the same table. A verdict from
  // userspace (queue) is a free variable: accepted for some values, dropped for the others.
  void Decide(Table& table, Rule rule, const Verdict& verdict, const JsonPath& path, std::vector<Rule>& out) {
    if (verdict.action == Action::kContinue && verdict.target == "queue") {
      const std::string text = "queue (the verdict comes from userspace)";
      Rule accepted = rule;
      accepted.match &= ruleset_.symbols.Unmodelled(text);
      accepted.action = Action::kAccept;
      accepted.unmodelled.push_back(text);
      out.push_back(std::move(accepted));
      rule.action = Action::kDrop;
      rule.unmodelled.push_back(text);
      out.push_back(std::move(rule));
      return;
    }
    rule.action = verdict.action;
    if (verdict.action == Action::kJump || verdict.action == Action::kGoto) {
      const auto it = table.chains.find(verdict.target);
      if (it == table.chains.end())
        Fail(path, fmt::format("no chain {} in table {} {}", verdict.target, table.family, table.name));
      if (ruleset_.chains[it->second].policy)
        Fail(path, fmt::format("{} to the base chain {}", ActionName(verdict.action), verdict.target));
      rule.target = it->second;
    }
    out.push_back(std::move(rule));
  }

  void VerdictMap(Table& table, const Json& arg, const JsonPath& path, const Rule& rule, std::vector<Rule>& out) {
    if (!arg.is_object() || !arg.contains("key") || !arg.contains("data")) Fail(path, "a vmap needs a key and data");
    const auto selectors = Selectors(arg["key"]);
    const auto& data = arg["data"];
    const Json* elements = nullptr;
    JsonPath elements_path;
    std::string map_name;
    if (data.is_string() && data.get<std::string>().starts_with("@")) {
      map_name = data.get<std::string>().substr(1);
      const auto it = table.sets.find(map_name);
      if (it == table.sets.end() || !it->second.verdict_map)
        Fail(Append(path, "data"), fmt::format("no verdict map {} in table {} {}", map_name, table.family, table.name));
      elements = it->second.elements;
      elements_path = Append(it->second.path, "elem");
    } else if (data.is_object() && data.contains("set") && data["set"].is_array()) {
      elements = &data["set"];
      elements_path = Append(Append(path, "data"), "set");
    } else {
      Fail(Append(path, "data"), "expected an anonymous map {\"set\": [[key, verdict], ...]} or \"@name\"");
    }
    if (!elements) return;
    for (std::size_t e = 0; e < elements->size(); ++e) {
      const auto& element = (*elements)[e];
      const auto epath = Append(elements_path, e);
      if (!element.is_array() || element.size() != 2) Fail(epath, "a map element is [key, verdict]");
      auto verdict = ReadVerdict(element[1], Append(epath, 1));
      if (!verdict) Fail(Append(epath, 1), fmt::format("'{}' is not a verdict", element[1].dump()));
      Rule part = rule;
      part.match &= Membership(selectors, element[0], Append(epath, 0), table);
      part.text = fmt::format("{} [element {} : {}]", rule.text, Print(element[0]), PrintVerdict(element[1]));
      Decide(table, std::move(part), *verdict, Append(epath, 1), out);
    }
  }

  // --- matches -------------------------------------------------------------------------------

  static Selector Field(const Json& left) {
    Selector selector;
    if (!left.is_object() || left.size() != 1) return selector;
    const auto left_member = OnlyMember(left);
    const auto& key = left_member.key;
    const auto& body = *left_member.value;
    if (key == "payload" && body.is_object() && body.contains("protocol") && body.contains("field")) {
      const auto protocol = body["protocol"].is_string() ? body["protocol"].get<std::string>() : "";
      const auto field = body["field"].is_string() ? body["field"].get<std::string>() : "";
      if (protocol == "ip" || protocol == "ip6") {
        const auto family = protocol == "ip" ? core::Family::kIPv4 : core::Family::kIPv6;
        selector.dependency = PacketSet::Family(family);
        selector.family = family;
        if (field == "saddr") selector.kind = FieldKind::kSource;
        if (field == "daddr") selector.kind = FieldKind::kDestination;
        if ((protocol == "ip" && field == "protocol") || (protocol == "ip6" && field == "nexthdr"))
          selector.kind = FieldKind::kProtocol;
        return selector;
      }
      const auto number = ParseProtocol(protocol);
      if (protocol == "th" || (number && ProtocolHasPorts(*number))) {
        selector.dependency = protocol == "th" ? PortProtocols() : PacketSet::Protocol(*number);
        selector.transport_header = protocol == "th";
        if (field == "sport") selector.kind = FieldKind::kSourcePort;
        if (field == "dport") selector.kind = FieldKind::kDestinationPort;
        return selector;
      }
      if (protocol == "icmp" || protocol == "icmpv6") {
        // nft adds meta nfproto too: icmp only in IPv4, icmpv6 only in IPv6 (nft --debug=netlink).
        selector.dependency = protocol == "icmp"
                                  ? PacketSet::Family(core::Family::kIPv4) & PacketSet::Protocol(kProtocolIcmp)
                                  : PacketSet::Family(core::Family::kIPv6) & PacketSet::Protocol(kProtocolIcmpV6);
        if (field == "type") selector.kind = protocol == "icmp" ? FieldKind::kIcmpType : FieldKind::kIcmpV6Type;
        return selector;
      }
      return selector;
    }
    if (key == "meta" && body.is_object() && body.contains("key")) {
      const auto name = body["key"].is_string() ? body["key"].get<std::string>() : "";
      if (name == "l4proto") selector.kind = FieldKind::kProtocol;
      if (name == "nfproto" || name == "protocol") selector.kind = FieldKind::kFamily;
      if (name == "iifname" || name == "iif") selector.kind = FieldKind::kInInterface;
      if (name == "oifname" || name == "oif") selector.kind = FieldKind::kOutInterface;
      return selector;
    }
    if (key == "ct" && body.is_object() && body.value("key", Json("")) == "state" && !body.contains("dir")) {
      selector.kind = FieldKind::kState;
      return selector;
    }
    return selector;
  }

  static std::vector<Selector> Selectors(const Json& left) {
    if (left.is_object() && left.size() == 1 && left.contains("concat") && left["concat"].is_array()) {
      std::vector<Selector> selectors;
      for (std::size_t i = 0; i < left["concat"].size(); ++i) selectors.push_back(Field(left["concat"][i]));
      return selectors;
    }
    return {Field(left)};
  }

  static bool Modelled(const std::vector<Selector>& selectors) {
    return std::none_of(selectors.begin(), selectors.end(),
                        [](const Selector& s) { return s.kind == FieldKind::kUnmodelled || s.transport_header; });
  }

  PacketSet Match(Table& table, const Json& match, const JsonPath& path, Rule& rule) {
    if (!match.is_object() || !match.contains("left") || !match.contains("right"))
      Fail(path, "a match needs left and right");
    const auto op = match.value("op", Json("==")).is_string() ? match.value("op", std::string("==")) : std::string("?");
    static const std::set<std::string> kOps = {"==", "!=", "<", ">", "<=", ">=", "in"};
    if (!kOps.count(op)) Fail(Append(path, "op"), fmt::format("'{}' is not a match operator", op));
    const auto selectors = Selectors(match["left"]);
    auto dependency = PacketSet::All();
    for (const auto& s : selectors) dependency &= s.dependency;
    const auto& right = match["right"];
    const auto right_path = Append(path, "right");

    // A set the ruleset fills while it runs has no fixed contents: a free variable.
    const bool dynamic_set = right.is_string() && right.get<std::string>().starts_with("@") &&
                             table.sets.count(right.get<std::string>().substr(1)) &&
                             table.sets[right.get<std::string>().substr(1)].dynamic;
    const bool negated = op == "!=";
    if (!Modelled(selectors) || dynamic_set) {
      return Unmodelled(selectors, match, op, dependency, right, right_path, table, rule, dynamic_set);
    }
    if (selectors.size() == 1 &&
        (selectors[0].kind == FieldKind::kInInterface || selectors[0].kind == FieldKind::kOutInterface)) {
      const auto text = PrintMatch(match);
      if (!(right.is_string() && right == "lo")) rule.unmodelled.push_back(text);
    }
    if (op == "<" || op == ">" || op == "<=" || op == ">=")
      return dependency & Compare(selectors, op, right, right_path);
    const auto members = Values(selectors, right, right_path, table);
    return dependency & (negated ? ~members : members);
  }

  PacketSet Unmodelled(const std::vector<Selector>& selectors, const Json& match, const std::string& op,
                       const PacketSet& dependency, const Json& right, const JsonPath& right_path, Table& table,
                       Rule& rule, bool dynamic_set) {
    const bool negated = op == "!=";
    Json positive = match;
    if (negated) positive["op"] = "==";
    auto text = PrintMatch(positive);
    if (dynamic_set) text += " (a set the ruleset fills at run time)";
    const auto variable = ruleset_.symbols.Unmodelled(text);
    rule.unmodelled.push_back(negated ? PrintMatch(match) : text);
    // th dport/sport on tcp, udp, ...: exact; on other protocols: the free variable.
    const bool th_only = !dynamic_set && selectors.size() == 1 && selectors[0].kind != FieldKind::kUnmodelled;
    if (th_only && op != "<" && op != ">" && op != "<=" && op != ">=") {
      auto exact = selectors;
      for (auto& s : exact) s.transport_header = false;
      const auto members = Values(exact, right, right_path, table);
      const auto ports = dependency & (negated ? ~members : members);
      return ports | (~PortProtocols() & (negated ? ~variable : variable));
    }
    return dependency & (negated ? ~variable : variable);
  }

  // The packets whose fields equal one of the values on the right: a value, a prefix, a range, an
  // anonymous set {"set": [...]}, a named set "@name", a list (flags), a concatenation.
  PacketSet Values(const std::vector<Selector>& selectors, const Json& right, const JsonPath& path, Table& table) {
    if (right.is_string() && right.get<std::string>().starts_with("@")) {
      const auto name = right.get<std::string>().substr(1);
      const auto it = table.sets.find(name);
      if (it == table.sets.end() || it->second.is_map)
        Fail(path, fmt::format("no set {} in table {} {}", name, table.family, table.name));
      auto set = PacketSet::None();
      if (!it->second.elements) return set;
      const auto elements_path = Append(it->second.path, "elem");
      for (std::size_t e = 0; e < it->second.elements->size(); ++e)
        set |= Membership(selectors, (*it->second.elements)[e], Append(elements_path, e), table);
      return set;
    }
    if (right.is_object() && right.size() == 1 && right.contains("set")) {
      const auto& elements = right["set"];
      if (!elements.is_array()) return Membership(selectors, elements, Append(path, "set"), table);
      auto set = PacketSet::None();
      for (std::size_t e = 0; e < elements.size(); ++e)
        set |= Membership(selectors, elements[e], Append(Append(path, "set"), e), table);
      return set;
    }
    if (right.is_array() && selectors.size() == 1) {
      auto set = PacketSet::None();
      for (std::size_t e = 0; e < right.size(); ++e) set |= Membership(selectors, right[e], Append(path, e), table);
      return set;
    }
    return Membership(selectors, right, path, table);
  }

  // One element: a value for each selector (a concatenation has one per part).
  PacketSet Membership(const std::vector<Selector>& selectors, const Json& element, const JsonPath& path,
                       Table& table) {
    if (element.is_object() && element.size() == 1 && element.contains("elem")) {
      const auto& inner = element["elem"];
      if (!inner.is_object() || !inner.contains("val")) Fail(Append(path, "elem"), "an elem needs a val");
      return Membership(selectors, inner["val"], Append(Append(path, "elem"), "val"), table);
    }
    if (selectors.size() == 1) return Value(selectors[0], element, path);
    if (!element.is_object() || !element.contains("concat") || !element["concat"].is_array() ||
        element["concat"].size() != selectors.size())
      Fail(path, fmt::format("expected a concatenation of {} values", selectors.size()));
    auto set = PacketSet::All();
    for (std::size_t i = 0; i < selectors.size(); ++i)
      set &= Value(selectors[i], element["concat"][i], Append(Append(path, "concat"), i));
    return set;
  }

  PacketSet Value(const Selector& selector, const Json& value, const JsonPath& path) {
    if (value.is_object() && value.size() == 1 && value.contains("range")) {
      const auto& range = value["range"];
      if (!range.is_array() || range.size() != 2) Fail(Append(path, "range"), "a range is [first, last]");
      return Range(selector, range[0], range[1], Append(path, "range"));
    }
    if (value.is_object() && value.size() == 1 && value.contains("prefix")) {
      const auto& prefix = value["prefix"];
      if (!selector.family || (selector.kind != FieldKind::kSource && selector.kind != FieldKind::kDestination))
        Fail(path, "a prefix needs an address on the left");
      if (!prefix.is_object() || !prefix.contains("addr") || !prefix["addr"].is_string() || !prefix.contains("len") ||
          !prefix["len"].is_number_integer())
        Fail(Append(path, "prefix"), "a prefix is {\"addr\": ..., \"len\": ...}");
      const auto network =
          ParseNetworkLenient(fmt::format("{}/{}", prefix["addr"].get<std::string>(), prefix["len"].get<long long>()));
      if (!network || network->family != *selector.family)
        Fail(Append(path, "prefix"),
             fmt::format("'{}' is not an {} network", Print(value), core::FamilyName(*selector.family)));
      return selector.kind == FieldKind::kSource ? PacketSet::Source(*network) : PacketSet::Destination(*network);
    }
    const auto text = value.is_string()           ? value.get<std::string>()
                      : value.is_number_integer() ? value.dump()
                                                  : std::string();
    if (text.empty()) Fail(path, fmt::format("'{}' is not a value for this match", value.dump()));
    switch (selector.kind) {
      case FieldKind::kSource:
      case FieldKind::kDestination: {
        const auto network = ParseNetworkLenient(text);
        if (!network || network->family != *selector.family)
          Fail(path, fmt::format("'{}' is not an {} address", text, core::FamilyName(*selector.family)));
        return selector.kind == FieldKind::kSource ? PacketSet::Source(*network) : PacketSet::Destination(*network);
      }
      case FieldKind::kSourcePort:
      case FieldKind::kDestinationPort: {
        const auto port = ParsePort(text);
        if (!port) Fail(path, fmt::format("'{}' is not a port", text));
        return selector.kind == FieldKind::kSourcePort ? PacketSet::SourcePorts(*port, *port)
                                                       : PacketSet::DestinationPorts(*port, *port);
      }
      case FieldKind::kProtocol: {
        const auto protocol = ParseProtocol(text);
        if (!protocol) Fail(path, fmt::format("'{}' is not a protocol", text));
        return PacketSet::Protocol(*protocol);
      }
      case FieldKind::kFamily: {
        if (text == "ipv4" || text == "ip" || text == "2" || text == "0x0800" || text == "2048")
          return PacketSet::Family(core::Family::kIPv4);
        if (text == "ipv6" || text == "ip6" || text == "10" || text == "0x86dd" || text == "34525")
          return PacketSet::Family(core::Family::kIPv6);
        return PacketSet::None();  // arp, ...: never an IP packet
      }
      case FieldKind::kState: {
        static const std::map<std::string, CtState> kStates = {{"new", CtState::kNew},
                                                               {"established", CtState::kEstablished},
                                                               {"related", CtState::kRelated},
                                                               {"invalid", CtState::kInvalid},
                                                               {"untracked", CtState::kUntracked}};
        const auto it = kStates.find(text);
        if (it == kStates.end()) Fail(path, fmt::format("'{}' is not a conntrack state", text));
        return PacketSet::State(it->second);
      }
      case FieldKind::kInInterface:
      case FieldKind::kOutInterface: {
        // nft's wildcard is a trailing '*' ("\*" is a literal star); the model's is iptables' '+'.
        auto name = text;
        if (name.ends_with("\\*"))
          name = name.substr(0, name.size() - 2) + "*";
        else if (name.ends_with("*"))
          name = name.substr(0, name.size() - 1) + "+";
        return selector.kind == FieldKind::kInInterface ? ruleset_.symbols.InInterface(name)
                                                        : ruleset_.symbols.OutInterface(name);
      }
      case FieldKind::kIcmpType:
      case FieldKind::kIcmpV6Type: {
        const bool v6 = selector.kind == FieldKind::kIcmpV6Type;
        if (const auto type = NftIcmpType(text, v6)) return PacketSet::IcmpType(type->first, std::nullopt);
        if (const auto set = ParseIcmpType(text, v6)) return *set;
        Fail(path, fmt::format("'{}' is not an {} type", text, v6 ? "ICMPv6" : "ICMP"));
      }
      case FieldKind::kUnmodelled: break;
    }
    Fail(path, "no value fits this match");
  }

  // A number, port, protocol or address as a 128-bit value for ranges and comparisons.
  Uint128 Number(const Selector& selector, const Json& value, const JsonPath& path) {
    const auto text = value.is_string()           ? value.get<std::string>()
                      : value.is_number_integer() ? value.dump()
                                                  : std::string();
    if (text.empty()) Fail(path, fmt::format("'{}' is not a value for this match", value.dump()));
    switch (selector.kind) {
      case FieldKind::kSource:
      case FieldKind::kDestination: {
        const auto address = core::ParseAddress(text);
        if (!address || address->family != *selector.family)
          Fail(path, fmt::format("'{}' is not an {} address", text, core::FamilyName(*selector.family)));
        return PlainAddress(*address);
      }
      case FieldKind::kSourcePort:
      case FieldKind::kDestinationPort:
        if (const auto port = ParsePort(text)) return static_cast<Uint128>(*port);
        Fail(path, fmt::format("'{}' is not a port", text));
      case FieldKind::kProtocol:
        if (const auto protocol = ParseProtocol(text)) return static_cast<Uint128>(*protocol);
        Fail(path, fmt::format("'{}' is not a protocol", text));
      default: Fail(path, "this match has no ranges");
    }
  }

  PacketSet Between(const Selector& selector, Uint128 first, Uint128 last) {
    if (first > last) return PacketSet::None();
    switch (selector.kind) {
      case FieldKind::kSource: return PacketSet::SourceRange(*selector.family, first, last);
      case FieldKind::kDestination: return PacketSet::DestinationRange(*selector.family, first, last);
      case FieldKind::kSourcePort: return PacketSet::SourcePorts(static_cast<int>(first), static_cast<int>(last));
      case FieldKind::kDestinationPort:
        return PacketSet::DestinationPorts(static_cast<int>(first), static_cast<int>(last));
      case FieldKind::kProtocol: {
        auto set = PacketSet::None();
        for (auto p = first; p <= last; ++p) set |= PacketSet::Protocol(static_cast<int>(p));
        return set;
      }
      default: return PacketSet::None();
    }
  }

  PacketSet Range(const Selector& selector, const Json& first, const Json& last, const JsonPath& path) {
    const auto a = Number(selector, first, Append(path, 0));
    const auto b = Number(selector, last, Append(path, 1));
    if (a > b) Fail(path, "a range's first value is above its last");
    return Between(selector, a, b);
  }

  Uint128 MaxOf(const Selector& selector) {
    switch (selector.kind) {
      case FieldKind::kSource:
      case FieldKind::kDestination: return *selector.family == core::Family::kIPv4 ? Uint128{0xffffffffu} : ~Uint128{0};
      case FieldKind::kProtocol: return 255;
      default: return 65535;
    }
  }

  PacketSet Compare(const std::vector<Selector>& selectors, const std::string& op, const Json& right,
                    const JsonPath& path) {
    if (selectors.size() != 1) Fail(path, "a comparison needs one field on the left");
    const auto& selector = selectors[0];
    const auto value = Number(selector, right, path);
    const auto max = MaxOf(selector);
    if (op == "<") return value == 0 ? PacketSet::None() : Between(selector, 0, value - 1);
    if (op == "<=") return Between(selector, 0, value);
    if (op == ">") return value >= max ? PacketSet::None() : Between(selector, value + 1, max);
    return Between(selector, value, max);
  }

  std::string_view text_;
  std::string file_;
  LineIndex lines_;
  Ruleset ruleset_;
  core::Diagnostics diagnostics_;
  std::vector<std::size_t> offsets_;      // where each element of the nftables array starts
  std::map<std::string, Table> tables_;   // "family name"
  std::set<std::string> skipped_chains_;  // "family table chain": nat, ingress
  std::set<core::Family> families_;
};

}  // namespace

bool LooksLikeNftablesJson(std::string_view text) {
  std::size_t i = 0;
  auto blanks = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
  };
  blanks();
  if (i >= text.size() || text[i] != '{') return false;
  ++i;
  blanks();
  return text.substr(i).starts_with("\"nftables\"");
}

Ruleset ReadNftablesJson(std::string_view text, const std::string& file, const ReadOptions& /*options*/) {
  return Reader(text, file).Read();
}

}  // namespace portolan::audit::formats
