// nftables as `nft -j list ruleset` writes it (libnftables-json(5)): tables of family ip, ip6
// and inet with their base chains (hook, priority, policy), regular chains, named sets and
// verdict maps, and rules, each an array of match and verdict statements. Other families and
// nat chains are listed in the notes. JSON carries no line structure (nft writes one line), so
// a rule is located by the line and column where its object starts, and a structure error names
// its JSON path (nftables[12].rule.expr[3]).

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "audit/formats/formats.hpp"
#include "audit/formats/json_input.hpp"
#include "audit/formats/text_input.hpp"

namespace portolan::audit::formats {

namespace {

using Json = nlohmann::json;

// The one member of {"key": value}.
struct Member {
  std::string key;
  const Json* value;
};

Member OnlyMember(const Json& object) {
  const auto it = object.begin();
  return {it.key(), &it.value()};
}

// ---------------------------------------------------------------------------------------------
// Printing expressions back in nft's own syntax, for the report.

std::string Print(const Json& value);

std::string PrintScalar(const Json& value) {
  if (value.is_string()) {
    auto text = value.get<std::string>();
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

// A member that should be a string, as the rule's text shows it: its dump when it is anything
// else (the reader reports the structure error where it reads the member; the text must not throw
// first).
std::string TextOf(const Json& object, const char* key, const char* absent) {
  if (!object.contains(key)) return absent;
  const auto& member = object[key];
  return member.is_string() ? member.get<std::string>() : member.dump();
}

std::string PrintMatch(const Json& match) {
  const auto op = TextOf(match, "op", "==");
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
      return fmt::format("log prefix \"{}\"", TextOf(body, "prefix", ""));
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
  kIcmpCode,
  kIcmpV6Code,
  kCtDirection,
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
  // ct protocol: the protocol of the packet's connection, which is the packet's own but for a
  // related packet (an ICMP error belongs to the connection it reports on): for related packets
  // the match is a free variable.
  bool connection_protocol = false;
};

constexpr int kProtocolSctp = 132;
constexpr int kProtocolUdpLite = 136;
constexpr int kProtocolDccp = 33;

PacketSet PortProtocols() {
  return PacketSet::Protocol(kProtocolTcp) | PacketSet::Protocol(kProtocolUdp) | PacketSet::Protocol(kProtocolSctp) |
         PacketSet::Protocol(kProtocolUdpLite) | PacketSet::Protocol(kProtocolDccp);
}

// The free variable of ct direction: established and related packets go either way.
constexpr std::string_view kCtDirectionNote = " (established and related packets)";
constexpr std::string_view kCtDirectionHidden = "ct direction original (established and related packets)";

// Packets with a conntrack entry. Every ct key but state needs one: for invalid and untracked
// packets the kernel's ct expression breaks the rule (nft_ct_get_eval), for == and != alike.
PacketSet Tracked() {
  return PacketSet::State(CtState::kNew) | PacketSet::State(CtState::kEstablished) |
         PacketSet::State(CtState::kRelated);
}

// The bit of each state in nft's ct_state bitmask (nft describe ct state).
struct StateBit {
  CtState state;
  std::uint32_t bit;
  std::string_view name;
};
constexpr std::array<StateBit, kCtStateCount> kStateBits = {{{CtState::kInvalid, 0x01, "invalid"},
                                                             {CtState::kEstablished, 0x02, "established"},
                                                             {CtState::kRelated, 0x04, "related"},
                                                             {CtState::kNew, 0x08, "new"},
                                                             {CtState::kUntracked, 0x40, "untracked"}}};

// The packets whose state bit satisfies `holds`: ct state is one bit a packet, so every match on it
// (equality, a flag test, a mask) is decided state by state, as the kernel compares the register.
template <typename Predicate>
PacketSet StatesWhere(Predicate holds) {
  auto set = PacketSet::None();
  for (const auto& state : kStateBits)
    if (holds(state.bit)) set |= PacketSet::State(state.state);
  return set;
}

// A base chain's priority as a name of nft(8)'s table for ip, ip6 and inet, with an offset
// ("mangle - 5" is -155). nft -j writes numbers; names come from hand-written JSON. dstnat and
// srcnat are names on prerouting and postrouting only; out is a name of bridge tables only.
std::optional<int> NamedPriority(std::string_view text, const std::string& hook, std::string& why) {
  struct Name {
    std::string_view name;
    int value;
    std::string_view only_hook;  // empty: every hook
  };
  static constexpr std::array<Name, 6> kNames = {{{"raw", -300, ""},
                                                  {"mangle", -150, ""},
                                                  {"dstnat", -100, "prerouting"},
                                                  {"filter", 0, ""},
                                                  {"security", 50, ""},
                                                  {"srcnat", 100, "postrouting"}}};
  std::size_t i = 0;
  while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
  const auto name = text.substr(0, i);
  const auto it = std::find_if(kNames.begin(), kNames.end(), [&](const Name& n) { return n.name == name; });
  if (it == kNames.end()) {
    why = name == "out" ? "out is a priority of bridge tables" : "not a number or a standard priority name";
    return std::nullopt;
  }
  if (!it->only_hook.empty() && it->only_hook != hook) {
    why = fmt::format("{} is a priority of {} chains only", it->name, it->only_hook);
    return std::nullopt;
  }
  auto rest = text.substr(i);
  auto skip_blanks = [&] {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  };
  skip_blanks();
  if (rest.empty()) return it->value;
  const char sign = rest.front();
  rest.remove_prefix(1);
  skip_blanks();
  constexpr unsigned kMaxOffset = 1U << 30;
  unsigned offset = 0;
  const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), offset);
  if ((sign != '+' && sign != '-') || error != std::errc() || end != rest.data() + rest.size() || offset > kMaxOffset) {
    why = "expected a name with an offset, such as \"filter - 10\"";
    return std::nullopt;
  }
  return sign == '+' ? it->value + static_cast<int>(offset) : it->value - static_cast<int>(offset);
}

// 0..255, decimal or 0x hex, as nft prints integers.
std::optional<int> ParseByte(std::string_view text) {
  const int base = text.starts_with("0x") ? 16 : 10;
  if (base == 16) text.remove_prefix(2);
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 0 || value >= 256)
    return std::nullopt;
  return value;
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

// ICMP and ICMPv6 codes by nft's names (nft describe icmp code, icmpv6 code), or as numbers.
std::optional<int> NftIcmpCode(const std::string& text, bool v6) {
  static const std::map<std::string, int, std::less<>> kV4 = {
      {"net-unreachable", 0}, {"host-unreachable", 1}, {"prot-unreachable", 2}, {"port-unreachable", 3},
      {"frag-needed", 4},     {"net-prohibited", 9},   {"host-prohibited", 10}, {"admin-prohibited", 13}};
  static const std::map<std::string, int, std::less<>> kV6 = {{"no-route", 0},         {"admin-prohibited", 1},
                                                              {"addr-unreachable", 3}, {"port-unreachable", 4},
                                                              {"policy-fail", 5},      {"reject-route", 6}};
  const auto& names = v6 ? kV6 : kV4;
  if (const auto it = names.find(text); it != names.end()) return it->second;
  return ParseByte(text);
}

// A type by nft's names, or as a number.
std::optional<int> NftIcmpTypeNumber(const std::string& text, bool v6) {
  if (const auto type = NftIcmpType(text, v6)) return type->first;
  return ParseByte(text);
}

constexpr int kByteValues = 256;  // ICMP types and codes, protocols: one byte each

// ICMP packets whose code is in [first, last], of any type (the field holds type * 256 + code).
PacketSet IcmpCodes(int first, int last) {
  auto set = PacketSet::None();
  for (int type = 0; type < kByteValues; ++type)
    set |= PacketSet::DestinationPorts(type * kByteValues + first, type * kByteValues + last);
  return set;
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
  Reader(std::string_view text, const std::string& file) : text_(text), file_(file), locator_(text, file) {}

  Ruleset Read() {
    ruleset_.file = file_;
    ruleset_.format = "nftables-json";
    const Json root = ParseJson(text_, locator_);
    const JsonPath top = {{"nftables", -1}};
    if (!root.is_object() || !root.contains("nftables") || !root["nftables"].is_array()) {
      diagnostics_.Error(locator_.AtOffset(0), "expected {\"nftables\": [...]} as nft -j list ruleset writes it");
      throw core::InputError(diagnostics_);
    }
    const auto& items = root["nftables"];
    starts_ = locator_.ElementLocations(top);
    // Declarations first: a rule may jump to a chain or name a set that comes later.
    for (const bool rules : {false, true}) {
      for (std::size_t i = 0; i < items.size(); ++i) {
        try {
          Item(items[i], Append(top, i), i, rules);
        } catch (const JsonStructureError& error) {
          locator_.Report(diagnostics_, error);
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
  // Where the index-th element of the nftables array starts.
  core::SourceLocation Where(std::size_t index) const {
    return index < starts_.size() ? starts_[index] : locator_.Where(Append({{"nftables", -1}}, index));
  }

  // An element of the top-level array: {"table": ...}, {"chain": ...}, {"rule": ...}, ...
  void Item(const Json& item, const JsonPath& path, std::size_t index, bool rules) {
    if (!item.is_object() || item.size() != 1)
      FailAt(path, "expected an object with one key (table, chain, set, rule, ...)");
    const auto item_member = OnlyMember(item);
    const auto& key = item_member.key;
    const auto& body = *item_member.value;
    JsonPath body_path = Append(path, key);
    // nft -j also reads commands: {"add": {"rule": ...}} is the rule itself.
    if (key == "add" || key == "create" || key == "insert") {
      if (!body.is_object() || body.size() != 1) FailAt(body_path, "expected an object with one key");
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
    if (!body.is_object()) FailAt(path, fmt::format("{} must be an object", key));
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
    FailAt(path, fmt::format("unknown object '{}' (expected table, chain, set, map or rule)", key));
  }

  static std::string String(const Json& body, const std::string& key, const JsonPath& path) {
    if (!body.contains(key) || !body[key].is_string())
      FailAt(Append(path, key), fmt::format("needs a string '{}'", key));
    return body[key].get<std::string>();
  }

  // nullptr for tables the audit does not model (arp, bridge, netdev): they are in the notes.
  Table* FindTable(const Json& body, const JsonPath& path) {
    const auto family = String(body, "family", path);
    const auto name = String(body, body.contains("table") ? "table" : "name", path);
    const auto it = tables_.find(family + " " + name);
    if (it != tables_.end()) return &it->second;
    if (family == "ip" || family == "ip6" || family == "inet")
      FailAt(path, fmt::format("table {} {} is not declared", family, name));
    return nullptr;
  }

  void DeclareTable(const Json& body, const JsonPath& path) {
    const auto family = String(body, "family", path);
    const auto name = String(body, "name", path);
    if (family != "ip" && family != "ip6" && family != "inet") {
      if (family != "arp" && family != "bridge" && family != "netdev")
        FailAt(Append(path, "family"), fmt::format("'{}' is not an nftables family", family));
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
      if (!body["elem"].is_array()) FailAt(Append(path, "elem"), "must be an array");
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
    if (table->chains.count(name)) FailAt(path, fmt::format("chain {} is declared twice", full));
    Chain chain;
    chain.name = full;
    chain.where = Where(index);
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
    if (type != "filter" && type != "route")
      FailAt(Append(path, "type"), fmt::format("'{}' is not a chain type", type));
    const auto policy = body.contains("policy") ? String(body, "policy", path) : std::string("accept");
    if (policy != "accept" && policy != "drop")
      FailAt(Append(path, "policy"), fmt::format("'{}' is not a chain policy (accept or drop)", policy));
    chain.policy = policy == "accept" ? Action::kAccept : Action::kDrop;
    const int priority = Priority(body, hook, path);
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
      FailAt(Append(path, "hook"), fmt::format("'{}' is not a hook", hook));
    }
    chain.family = TableFamily(*table);
    chain.stage = stage;
    for (const auto h : hooks) ruleset_.attachments.push_back({h, chain_index, priority});
    table->chains[name] = chain_index;
    ruleset_.chains.push_back(std::move(chain));
  }

  // A number, as nft -j writes it (a 32-bit integer), or a name of nft(8) with an offset.
  static int Priority(const Json& body, const std::string& hook, const JsonPath& path) {
    if (!body.contains("prio")) return 0;
    const auto& prio = body["prio"];
    const auto prio_path = Append(path, "prio");
    if (prio.is_number_integer()) {
      constexpr auto kMin = std::numeric_limits<std::int32_t>::min();
      constexpr auto kMax = std::numeric_limits<std::int32_t>::max();
      const bool fits = prio.is_number_unsigned()
                            ? prio.get<std::uint64_t>() <= static_cast<std::uint64_t>(kMax)
                            : prio.get<std::int64_t>() >= kMin && prio.get<std::int64_t>() <= kMax;
      if (!fits) FailAt(prio_path, fmt::format("{} is not a 32-bit chain priority", prio.dump()));
      return static_cast<int>(prio.get<std::int64_t>());
    }
    std::string why = "not a number or a standard priority name";
    if (prio.is_string())
      if (const auto value = NamedPriority(prio.get<std::string>(), hook, why)) return *value;
    FailAt(prio_path, fmt::format("'{}' is not a chain priority on hook {}: {}",
                                  prio.is_string() ? prio.get<std::string>() : prio.dump(), hook, why));
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
      FailAt(Append(path, "chain"),
             fmt::format("chain {} is not declared in table {} {}", chain_name, family, table_name));
    const int chain = chain_it->second;
    if (!body.contains("expr") || !body["expr"].is_array()) FailAt(Append(path, "expr"), "a rule needs an expr array");
    const auto& statements = body["expr"];
    const auto expr_path = Append(path, "expr");

    Rule rule;
    rule.where = Where(index);
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
      if (!statement.is_object() || statement.size() != 1) FailAt(spath, "a statement is an object with one key");
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
      FailAt(apath, fmt::format("unknown statement '{}'", key));
    }
    if (!decided) {
      rule.action = Action::kContinue;
      out.push_back(std::move(rule));
    }
    for (auto& r : out) ruleset_.chains[chain].rules.push_back(std::move(r));
  }

  std::optional<Verdict> ReadVerdict(const Json& statement, const JsonPath& path) {
    if (!statement.is_object() || statement.size() != 1) FailAt(path, "a verdict is an object with one key");
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
        FailAt(Append(path, key), "needs a target chain");
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
        FailAt(path, fmt::format("no chain {} in table {} {}", verdict.target, table.family, table.name));
      if (ruleset_.chains[it->second].policy)
        FailAt(path, fmt::format("{} to the base chain {}", ActionName(verdict.action), verdict.target));
      rule.target = it->second;
    }
    out.push_back(std::move(rule));
  }

  void VerdictMap(Table& table, const Json& arg, const JsonPath& path, const Rule& rule, std::vector<Rule>& out) {
    if (!arg.is_object() || !arg.contains("key") || !arg.contains("data")) FailAt(path, "a vmap needs a key and data");
    const auto selectors = Selectors(arg["key"]);
    const auto& data = arg["data"];
    const Json* elements = nullptr;
    JsonPath elements_path;
    std::string map_name;
    if (data.is_string() && data.get<std::string>().starts_with("@")) {
      map_name = data.get<std::string>().substr(1);
      const auto it = table.sets.find(map_name);
      if (it == table.sets.end() || !it->second.verdict_map)
        FailAt(Append(path, "data"),
               fmt::format("no verdict map {} in table {} {}", map_name, table.family, table.name));
      elements = it->second.elements;
      elements_path = Append(it->second.path, "elem");
    } else if (data.is_object() && data.contains("set") && data["set"].is_array()) {
      elements = &data["set"];
      elements_path = Append(Append(path, "data"), "set");
    } else {
      FailAt(Append(path, "data"), "expected an anonymous map {\"set\": [[key, verdict], ...]} or \"@name\"");
    }
    if (!elements) return;
    // Each element is a rule. nft looks the key up once, so a packet meets one element at most;
    // the catch-all "*" (nft's default element) meets what no other element does.
    const auto& key = arg["key"];
    auto looked_up = PacketSet::All();  // the packets nft looks up: those that have every part
    for (const auto& s : selectors) looked_up &= s.transport_header ? PacketSet::All() : s.dependency;
    std::vector<Rule> parts;
    std::vector<Verdict> verdicts;
    std::vector<JsonPath> verdict_paths;
    std::optional<std::size_t> catch_all;
    auto matched = PacketSet::None();
    for (std::size_t e = 0; e < elements->size(); ++e) {
      const auto& element = (*elements)[e];
      const auto epath = Append(elements_path, e);
      if (!element.is_array() || element.size() != 2) FailAt(epath, "a map element is [key, verdict]");
      auto verdict = ReadVerdict(element[1], Append(epath, 1));
      if (!verdict) FailAt(Append(epath, 1), fmt::format("'{}' is not a verdict", element[1].dump()));
      Rule part = rule;
      part.text = fmt::format("{} [element {} : {}]", rule.text, Print(element[0]), PrintVerdict(element[1]));
      if (IsCatchAll(element[0])) {
        if (catch_all) FailAt(Append(epath, 0), "a map has one catch-all element \"*\"");
        catch_all = parts.size();
      } else {
        // Keys on free variables are distinct values too: a packet whose key is an earlier
        // element's is not this one's. (Exact keys of a map never overlap.)
        const auto exact = part.unmodelled.size();
        auto keys = ElementKey(selectors, key, element[0], Append(epath, 0), part);
        if (part.unmodelled.size() != exact) keys -= matched;
        matched |= keys;
        part.match &= keys;
      }
      parts.push_back(std::move(part));
      verdicts.push_back(*verdict);
      verdict_paths.push_back(Append(epath, 1));
    }
    if (catch_all) parts[*catch_all].match &= looked_up - matched;
    for (std::size_t i = 0; i < parts.size(); ++i)
      Decide(table, std::move(parts[i]), verdicts[i], verdict_paths[i], out);
  }

  // nft writes the key of a map's catch-all element as "*" (its default: what no other key is).
  static bool IsCatchAll(const Json& key) {
    if (key.is_object() && key.size() == 1 && key.contains("elem") && key["elem"].is_object() &&
        key["elem"].contains("val"))
      return IsCatchAll(key["elem"]["val"]);
    return key.is_string() && key.get<std::string>() == "*";
  }

  // The packets whose key is a map element's: a part the audit models is exact (prefixes and
  // ranges too, in a concatenation as alone); any other part (meta mark, tcp flags, a raw payload,
  // ct mark, ...) is a free variable named after the part and its value, on the packets that
  // have that field.
  PacketSet ElementKey(const std::vector<Selector>& selectors, const Json& key, const Json& element,
                       const JsonPath& path, Rule& rule) {
    if (element.is_object() && element.size() == 1 && element.contains("elem")) {
      const auto& inner = element["elem"];
      if (!inner.is_object() || !inner.contains("val")) FailAt(Append(path, "elem"), "an elem needs a val");
      return ElementKey(selectors, key, inner["val"], Append(Append(path, "elem"), "val"), rule);
    }
    if (selectors.size() == 1) return KeyPart(selectors[0], key, element, path, rule);
    if (!element.is_object() || !element.contains("concat") || !element["concat"].is_array() ||
        element["concat"].size() != selectors.size())
      FailAt(path, fmt::format("expected a concatenation of {} values", selectors.size()));
    auto set = PacketSet::All();
    for (std::size_t i = 0; i < selectors.size(); ++i)
      set &= KeyPart(selectors[i], key["concat"][i], element["concat"][i], Append(Append(path, "concat"), i), rule);
    return set;
  }

  PacketSet KeyPart(const Selector& selector, const Json& left, const Json& value, const JsonPath& path, Rule& rule) {
    const Json match = {{"op", "=="}, {"left", left}, {"right", value}};
    if (selector.kind == FieldKind::kUnmodelled) {
      const auto text = PrintMatch(match);
      rule.unmodelled.push_back(text);
      return selector.dependency & ruleset_.symbols.Unmodelled(text);
    }
    if (selector.transport_header) {  // th: exact on protocols with ports, a free variable on the others
      auto exact = selector;
      exact.transport_header = false;
      const auto text = PrintMatch(match);
      rule.unmodelled.push_back(text);
      return (selector.dependency & Value(exact, value, path)) | (~PortProtocols() & ruleset_.symbols.Unmodelled(text));
    }
    if (selector.kind == FieldKind::kInInterface || selector.kind == FieldKind::kOutInterface) {
      if (!(value.is_string() && value == "lo")) rule.unmodelled.push_back(PrintMatch(match));
    }
    if (selector.kind == FieldKind::kCtDirection)
      rule.unmodelled.push_back(PrintMatch(match) + std::string(kCtDirectionNote));
    auto exact = selector.dependency & Value(selector, value, path);
    if (selector.connection_protocol) return RelatedConnection(match, "==", selector.dependency, exact, rule);
    return exact;
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
        if (field == "code") selector.kind = protocol == "icmp" ? FieldKind::kIcmpCode : FieldKind::kIcmpV6Code;
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
    if (key == "ct" && body.is_object()) return ConntrackField(body);
    return selector;
  }

  // ct state is the packet's; l3proto and protocol are the packet's family and protocol (but for
  // related packets, see Selector); direction is original for new packets. Every other key
  // (status, mark, helper, the tuples' addresses and ports under NAT, ...) is a free variable,
  // and all of them but state need a conntrack entry.
  static Selector ConntrackField(const Json& body) {
    Selector selector;
    const auto name = body.contains("key") && body["key"].is_string() ? body["key"].get<std::string>() : "";
    const bool directed = body.contains("dir");
    if (name == "state") {
      if (!directed) selector.kind = FieldKind::kState;
      return selector;
    }
    selector.dependency = Tracked();
    if (name == "l3proto") {
      selector.kind = FieldKind::kFamily;
    } else if (name == "protocol") {
      selector.kind = FieldKind::kProtocol;
      selector.connection_protocol = true;
    } else if (name == "direction" && !directed) {
      selector.kind = FieldKind::kCtDirection;
    } else if (name.starts_with("ip ")) {
      selector.dependency &= PacketSet::Family(core::Family::kIPv4);
    } else if (name.starts_with("ip6 ")) {
      selector.dependency &= PacketSet::Family(core::Family::kIPv6);
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
      FailAt(path, "a match needs left and right");
    const auto op = match.value("op", Json("==")).is_string() ? match.value("op", std::string("==")) : std::string("?");
    // "in" is nft's implicit operator (a flag test on bitmasks, else equality); "!" its negated
    // flag test (ct state ! new: no bit of new is set).
    static const std::set<std::string> kOps = {"==", "!=", "<", ">", "<=", ">=", "in", "!"};
    if (!kOps.count(op)) FailAt(Append(path, "op"), fmt::format("'{}' is not a match operator", op));
    const auto& left = match["left"];
    const auto& right = match["right"];
    const auto right_path = Append(path, "right");
    if (const auto* mask = StateMask(left))
      return StateMatch(op, mask, Append(Append(path, "left"), "&"), right, right_path, table);
    const auto selectors = Selectors(left);
    auto dependency = PacketSet::All();
    for (const auto& s : selectors) dependency &= s.dependency;

    // A set the ruleset fills while it runs has no fixed contents: a free variable.
    const bool dynamic_set = right.is_string() && right.get<std::string>().starts_with("@") &&
                             table.sets.count(right.get<std::string>().substr(1)) &&
                             table.sets[right.get<std::string>().substr(1)].dynamic;
    const bool negated = op == "!=" || op == "!";
    if (!Modelled(selectors) || dynamic_set) {
      return Unmodelled(selectors, match, op, dependency, right, right_path, table, rule, dynamic_set);
    }
    const auto kind = selectors.size() == 1 ? selectors[0].kind : FieldKind::kUnmodelled;
    if (kind == FieldKind::kState) return StateMatch(op, nullptr, {}, right, right_path, table);
    if (kind == FieldKind::kInInterface || kind == FieldKind::kOutInterface) {
      const auto text = PrintMatch(match);
      if (!(right.is_string() && right == "lo")) rule.unmodelled.push_back(text);
    }
    if (kind == FieldKind::kCtDirection) rule.unmodelled.push_back(PrintMatch(match) + std::string(kCtDirectionNote));
    auto result = PacketSet::None();
    if (op == "<" || op == ">" || op == "<=" || op == ">=") {
      result = dependency & Compare(selectors, op, right, right_path);
    } else {
      const auto members = Values(selectors, right, right_path, table);
      result = dependency & (negated ? ~members : members);
    }
    if (std::any_of(selectors.begin(), selectors.end(), [](const Selector& s) { return s.connection_protocol; }))
      return RelatedConnection(match, op, dependency, result, rule);
    return result;
  }

  // ct protocol, for a related packet: the protocol of the connection it relates to, which an
  // ICMP error does not carry in its own header. Exact for every other packet; for related
  // packets a free variable.
  PacketSet RelatedConnection(const Json& match, const std::string& op, const PacketSet& dependency,
                              const PacketSet& exact, Rule& rule) {
    const bool negated = op == "!=" || op == "!";
    Json positive = match;
    if (negated) positive["op"] = op == "!" ? "in" : "==";
    const auto text = PrintMatch(positive) + " (for a related packet, its connection's)";
    const auto variable = ruleset_.symbols.Unmodelled(text);
    rule.unmodelled.push_back(negated ? PrintMatch(match) + " (for a related packet, its connection's)" : text);
    const auto related = PacketSet::State(CtState::kRelated);
    return (exact - related) | (related & dependency & (negated ? ~variable : variable));
  }

  // The mask of `ct state & MASK` on the left of a match, or null for any other left side.
  static const Json* StateMask(const Json& left) {
    if (!left.is_object() || left.size() != 1 || !left.contains("&")) return nullptr;
    const auto& operands = left["&"];
    if (!operands.is_array() || operands.size() != 2) return nullptr;
    const auto field = Field(operands[0]);
    if (field.kind != FieldKind::kState) return nullptr;
    return &operands[1];
  }

  // A ct state value as nft's bitmask: a name, a number, a list or an OR ({"|": [...]}) of them.
  static std::uint32_t StateValue(const Json& value, const JsonPath& path) {
    if (value.is_array() || (value.is_object() && value.size() == 1 && value.contains("|") && value["|"].is_array())) {
      const auto& parts = value.is_array() ? value : value["|"];
      const auto parts_path = value.is_array() ? path : Append(path, "|");
      std::uint32_t bits = 0;
      for (std::size_t i = 0; i < parts.size(); ++i) bits |= StateValue(parts[i], Append(parts_path, i));
      return bits;
    }
    if (value.is_number_unsigned() && value.get<std::uint64_t>() <= std::numeric_limits<std::uint32_t>::max())
      return static_cast<std::uint32_t>(value.get<std::uint64_t>());
    if (value.is_string())
      for (const auto& state : kStateBits)
        if (value.get<std::string>() == state.name) return state.bit;
    FailAt(path,
           fmt::format("'{}' is not a conntrack state", value.is_string() ? value.get<std::string>() : value.dump()));
  }

  // ct state, evaluated as the kernel compares its register: one bit a packet, masked by `mask`
  // when there is one; == and != compare the value (ct state == established|related is never
  // true), "in" and "!" test flags, a set looks the value up.
  PacketSet StateMatch(const std::string& op, const Json* mask, const JsonPath& mask_path, const Json& right,
                       const JsonPath& right_path, Table& table) {
    const std::uint32_t mask_bits = mask ? StateValue(*mask, Append(mask_path, 1)) : ~std::uint32_t{0};
    const bool negated = op == "!=" || op == "!";
    // A set, anonymous or named: the value is looked up.
    static const Json kEmpty = Json::array();
    const Json* elements = nullptr;
    JsonPath elements_path;
    if (right.is_string() && right.get<std::string>().starts_with("@")) {
      const auto name = right.get<std::string>().substr(1);
      const auto it = table.sets.find(name);
      if (it == table.sets.end() || it->second.is_map)
        FailAt(right_path, fmt::format("no set {} in table {} {}", name, table.family, table.name));
      elements = it->second.elements ? it->second.elements : &kEmpty;
      elements_path = Append(it->second.path, "elem");
    } else if (right.is_object() && right.size() == 1 && right.contains("set") && right["set"].is_array()) {
      elements = &right["set"];
      elements_path = Append(right_path, "set");
    }
    if (elements) {
      std::set<std::uint32_t> values;
      for (std::size_t e = 0; e < elements->size(); ++e) {
        const auto& element = (*elements)[e];
        const bool wrapped = element.is_object() && element.contains("elem") && element["elem"].is_object() &&
                             element["elem"].contains("val");
        values.insert(wrapped
                          ? StateValue(element["elem"]["val"], Append(Append(Append(elements_path, e), "elem"), "val"))
                          : StateValue(element, Append(elements_path, e)));
      }
      const auto members = StatesWhere([&](std::uint32_t bit) { return values.count(bit & mask_bits) > 0; });
      return negated ? ~members : members;
    }
    const auto value = StateValue(right, right_path);
    if (op == "in" || op == "!") {
      const auto members = StatesWhere([&](std::uint32_t bit) { return (bit & mask_bits & value) != 0; });
      return op == "!" ? ~members : members;
    }
    return StatesWhere([&](std::uint32_t bit) {
      const auto x = bit & mask_bits;
      if (op == "==") return x == value;
      if (op == "!=") return x != value;
      if (op == "<") return x < value;
      if (op == ">") return x > value;
      if (op == "<=") return x <= value;
      return x >= value;
    });
  }

  PacketSet Unmodelled(const std::vector<Selector>& selectors, const Json& match, const std::string& op,
                       const PacketSet& dependency, const Json& right, const JsonPath& right_path, Table& table,
                       Rule& rule, bool dynamic_set) {
    const bool negated = op == "!=" || op == "!";
    Json positive = match;
    if (negated) positive["op"] = op == "!" ? "in" : "==";
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
        FailAt(path, fmt::format("no set {} in table {} {}", name, table.family, table.name));
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
      if (!inner.is_object() || !inner.contains("val")) FailAt(Append(path, "elem"), "an elem needs a val");
      return Membership(selectors, inner["val"], Append(Append(path, "elem"), "val"), table);
    }
    if (IsCatchAll(element)) return PacketSet::All();  // a set's "*" holds every key
    if (selectors.size() == 1) return Value(selectors[0], element, path);
    if (!element.is_object() || !element.contains("concat") || !element["concat"].is_array() ||
        element["concat"].size() != selectors.size())
      FailAt(path, fmt::format("expected a concatenation of {} values", selectors.size()));
    auto set = PacketSet::All();
    for (std::size_t i = 0; i < selectors.size(); ++i)
      set &= Value(selectors[i], element["concat"][i], Append(Append(path, "concat"), i));
    return set;
  }

  // nft's wildcard is a trailing '*' ("\*" is a literal star); the model's is iptables' '+'.
  static std::string InterfacePattern(const std::string& text) {
    if (text.ends_with("\\*")) return text.substr(0, text.size() - 2) + "*";
    if (text.ends_with("*")) return text.substr(0, text.size() - 1) + "+";
    return text;
  }

  PacketSet Value(const Selector& selector, const Json& value, const JsonPath& path) {
    if (selector.kind == FieldKind::kState) {
      const auto state = StateValue(value, path);
      return StatesWhere([&](std::uint32_t bit) { return bit == state; });
    }
    if (value.is_object() && value.size() == 1 && value.contains("range")) {
      const auto& range = value["range"];
      if (!range.is_array() || range.size() != 2) FailAt(Append(path, "range"), "a range is [first, last]");
      return Range(selector, range[0], range[1], Append(path, "range"));
    }
    if (value.is_object() && value.size() == 1 && value.contains("prefix")) return Prefix(selector, value, path);
    const auto text = value.is_string()           ? value.get<std::string>()
                      : value.is_number_integer() ? value.dump()
                                                  : std::string();
    if (text.empty()) FailAt(path, fmt::format("'{}' is not a value for this match", value.dump()));
    return ScalarValue(selector, text, path);
  }

  // {"prefix": {"addr": ..., "len": ...}}: a network on the address side of the match.
  PacketSet Prefix(const Selector& selector, const Json& value, const JsonPath& path) {
    const auto& prefix = value["prefix"];
    if (!selector.family || (selector.kind != FieldKind::kSource && selector.kind != FieldKind::kDestination))
      FailAt(path, "a prefix needs an address on the left");
    if (!prefix.is_object() || !prefix.contains("addr") || !prefix["addr"].is_string() || !prefix.contains("len") ||
        !prefix["len"].is_number_integer())
      FailAt(Append(path, "prefix"), "a prefix is {\"addr\": ..., \"len\": ...}");
    const auto network =
        ParseNetworkLenient(fmt::format("{}/{}", prefix["addr"].get<std::string>(), prefix["len"].get<long long>()));
    if (!network || network->family != *selector.family)
      FailAt(Append(path, "prefix"),
             fmt::format("'{}' is not an {} network", Print(value), core::FamilyName(*selector.family)));
    return selector.kind == FieldKind::kSource ? PacketSet::Source(*network) : PacketSet::Destination(*network);
  }

  // A string or number on the right of a match, read as the selector's kind of field.
  PacketSet ScalarValue(const Selector& selector, const std::string& text, const JsonPath& path) {
    switch (selector.kind) {
      case FieldKind::kSource:
      case FieldKind::kDestination: {
        const auto network = ParseNetworkLenient(text);
        if (!network || network->family != *selector.family)
          FailAt(path, fmt::format("'{}' is not an {} address", text, core::FamilyName(*selector.family)));
        return selector.kind == FieldKind::kSource ? PacketSet::Source(*network) : PacketSet::Destination(*network);
      }
      case FieldKind::kSourcePort:
      case FieldKind::kDestinationPort: {
        const auto port = ParsePort(text);
        if (!port) FailAt(path, fmt::format("'{}' is not a port", text));
        return selector.kind == FieldKind::kSourcePort ? PacketSet::SourcePorts(*port, *port)
                                                       : PacketSet::DestinationPorts(*port, *port);
      }
      case FieldKind::kProtocol: {
        const auto protocol = ParseProtocol(text);
        if (!protocol) FailAt(path, fmt::format("'{}' is not a protocol", text));
        return PacketSet::Protocol(*protocol);
      }
      case FieldKind::kFamily: {
        if (text == "ipv4" || text == "ip" || text == "2" || text == "0x0800" || text == "2048")
          return PacketSet::Family(core::Family::kIPv4);
        if (text == "ipv6" || text == "ip6" || text == "10" || text == "0x86dd" || text == "34525")
          return PacketSet::Family(core::Family::kIPv6);
        return PacketSet::None();  // arp, ...: never an IP packet
      }
      case FieldKind::kState: break;  // Value reads it
      case FieldKind::kInInterface:
      case FieldKind::kOutInterface: {
        const auto name = InterfacePattern(text);
        return selector.kind == FieldKind::kInInterface ? ruleset_.symbols.InInterface(name)
                                                        : ruleset_.symbols.OutInterface(name);
      }
      case FieldKind::kIcmpType:
      case FieldKind::kIcmpV6Type: {
        const bool v6 = selector.kind == FieldKind::kIcmpV6Type;
        if (const auto type = NftIcmpType(text, v6)) return PacketSet::IcmpType(type->first, std::nullopt);
        if (const auto set = ParseIcmpType(text, v6)) return *set;
        FailAt(path, fmt::format("'{}' is not an {} type", text, v6 ? "ICMPv6" : "ICMP"));
      }
      case FieldKind::kIcmpCode:
      case FieldKind::kIcmpV6Code: {
        const bool v6 = selector.kind == FieldKind::kIcmpV6Code;
        if (const auto code = NftIcmpCode(text, v6)) return IcmpCodes(*code, *code);
        FailAt(path, fmt::format("'{}' is not an {} code", text, v6 ? "ICMPv6" : "ICMP"));
      }
      case FieldKind::kCtDirection: {
        // A new packet is in its connection's original direction; for the others it is hidden.
        const auto original = ruleset_.symbols.Unmodelled(std::string(kCtDirectionHidden));
        const auto later = PacketSet::State(CtState::kEstablished) | PacketSet::State(CtState::kRelated);
        if (text == "original" || text == "0") return PacketSet::State(CtState::kNew) | (later & original);
        if (text == "reply" || text == "1") return later & ~original;
        FailAt(path, fmt::format("'{}' is not a conntrack direction (original or reply)", text));
      }
      case FieldKind::kUnmodelled: break;
    }
    FailAt(path, "no value fits this match");
  }

  // A number, port, protocol or address as a 128-bit value for ranges and comparisons.
  Uint128 Number(const Selector& selector, const Json& value, const JsonPath& path) {
    const auto text = value.is_string()           ? value.get<std::string>()
                      : value.is_number_integer() ? value.dump()
                                                  : std::string();
    if (text.empty()) FailAt(path, fmt::format("'{}' is not a value for this match", value.dump()));
    switch (selector.kind) {
      case FieldKind::kSource:
      case FieldKind::kDestination: {
        const auto address = core::ParseAddress(text);
        if (!address || address->family != *selector.family)
          FailAt(path, fmt::format("'{}' is not an {} address", text, core::FamilyName(*selector.family)));
        return PlainAddress(*address);
      }
      case FieldKind::kSourcePort:
      case FieldKind::kDestinationPort:
        if (const auto port = ParsePort(text)) return static_cast<Uint128>(*port);
        FailAt(path, fmt::format("'{}' is not a port", text));
      case FieldKind::kProtocol:
        if (const auto protocol = ParseProtocol(text)) return static_cast<Uint128>(*protocol);
        FailAt(path, fmt::format("'{}' is not a protocol", text));
      case FieldKind::kIcmpType:
      case FieldKind::kIcmpV6Type:
        if (const auto type = NftIcmpTypeNumber(text, selector.kind == FieldKind::kIcmpV6Type))
          return static_cast<Uint128>(*type);
        FailAt(path, fmt::format("'{}' is not an ICMP type", text));
      case FieldKind::kIcmpCode:
      case FieldKind::kIcmpV6Code:
        if (const auto code = NftIcmpCode(text, selector.kind == FieldKind::kIcmpV6Code))
          return static_cast<Uint128>(*code);
        FailAt(path, fmt::format("'{}' is not an ICMP code", text));
      default: FailAt(path, "this match has no ranges");
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
      case FieldKind::kIcmpType:
      case FieldKind::kIcmpV6Type:
        return PacketSet::DestinationPorts(static_cast<int>(first) * kByteValues,
                                           static_cast<int>(last) * kByteValues + kByteValues - 1);
      case FieldKind::kIcmpCode:
      case FieldKind::kIcmpV6Code: return IcmpCodes(static_cast<int>(first), static_cast<int>(last));
      default: return PacketSet::None();
    }
  }

  PacketSet Range(const Selector& selector, const Json& first, const Json& last, const JsonPath& path) {
    const auto a = Number(selector, first, Append(path, 0));
    const auto b = Number(selector, last, Append(path, 1));
    if (a > b) FailAt(path, "a range's first value is above its last");
    return Between(selector, a, b);
  }

  Uint128 MaxOf(const Selector& selector) {
    switch (selector.kind) {
      case FieldKind::kSource:
      case FieldKind::kDestination: return *selector.family == core::Family::kIPv4 ? Uint128{0xffffffffu} : ~Uint128{0};
      case FieldKind::kProtocol:
      case FieldKind::kIcmpType:
      case FieldKind::kIcmpV6Type:
      case FieldKind::kIcmpCode:
      case FieldKind::kIcmpV6Code: return kByteValues - 1;
      default: return 65535;
    }
  }

  PacketSet Compare(const std::vector<Selector>& selectors, const std::string& op, const Json& right,
                    const JsonPath& path) {
    if (selectors.size() != 1) FailAt(path, "a comparison needs one field on the left");
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
  JsonLocator locator_;
  Ruleset ruleset_;
  core::Diagnostics diagnostics_;
  std::vector<core::SourceLocation> starts_;  // where each element of the nftables array starts
  std::map<std::string, Table> tables_;       // "family name"
  std::set<std::string> skipped_chains_;      // "family table chain": nat, ingress
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
