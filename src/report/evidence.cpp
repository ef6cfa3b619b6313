#include "report/evidence.hpp"

#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>
#include <span>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "audit/audit.hpp"
#include "core/atomic_file.hpp"
#include "core/yaml_reader.hpp"
#include "probe/transport.hpp"
#include "probe/verdict.hpp"
#include "report/probe_report.hpp"

namespace portolan::report {

namespace {

using Json = nlohmann::json;

// portolan's outputs nest six deep at most (audit: flows, blocked, rule, unmodelled); deeper input
// is refused before nlohmann builds it.
constexpr int kMaxDepth = 16;
constexpr std::size_t kMaxText = std::size_t{1} << 20;  // one text value: far above any rule or detail line
constexpr std::size_t kQuotedLength = 40;               // characters of a wrong value quoted in a message
constexpr std::size_t kMaxMessageLength = 200;          // of nlohmann's syntax error text
constexpr std::size_t kMaxNameErrors = 20;              // unknown names listed at most
constexpr int kMaxPort = 65535;
constexpr double kMaxRttMs = 1e9;
constexpr std::string_view kFingerprintPrefix = "sha256:";
constexpr std::size_t kFingerprintDigits = 64;
constexpr std::size_t kShortDigits = 8;  // of a fingerprint in a message
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

[[noreturn]] void Throw(core::SourceLocation where, std::string message) {
  core::Diagnostics diagnostics;
  diagnostics.Error(std::move(where), std::move(message));
  throw core::InputError(std::move(diagnostics));
}

// Where values are in the text. nlohmann keeps no position of the values it parses (only a syntax
// error's byte offset), so the positions of items, and of a value an error is about, are found by
// scanning the text again. By then nlohmann has parsed it, so it is valid JSON nested at most
// kMaxDepth deep, and the scan can be simple; a scan crosses only the values on its way.
class TextMap {
 public:
  explicit TextMap(std::string_view text) : text_(text) {}

  std::size_t Root() const { return SkipSpace(text_.starts_with(kByteOrderMark) ? kByteOrderMark.size() : 0); }

  // The value of `key` in the object at `at`: its last (nlohmann keeps the last of duplicates).
  std::size_t Member(std::size_t at, std::string_view key) const {
    if (at >= text_.size() || text_[at] != '{') return std::string_view::npos;
    std::size_t found = std::string_view::npos;
    std::size_t i = SkipSpace(at + 1);
    while (i < text_.size() && text_[i] == '"') {
      const auto key_end = SkipString(i);
      const auto name = text_.substr(i, key_end - i);
      i = SkipSpace(key_end);
      if (i >= text_.size() || text_[i] != ':') break;
      i = SkipSpace(i + 1);
      if (KeyIs(name, key)) found = i;
      i = SkipSpace(SkipValue(i));
      if (i >= text_.size() || text_[i] != ',') break;
      i = SkipSpace(i + 1);
    }
    return found;
  }

  // The items of the array at `at` (index: only up to that item).
  std::vector<std::size_t> Items(std::size_t at, std::size_t index = std::numeric_limits<std::size_t>::max()) const {
    std::vector<std::size_t> items;
    if (at >= text_.size() || text_[at] != '[') return items;
    std::size_t i = SkipSpace(at + 1);
    while (i < text_.size() && text_[i] != ']' && items.size() <= index) {
      items.push_back(i);
      i = SkipSpace(SkipValue(i));
      if (i >= text_.size() || text_[i] != ',') break;
      i = SkipSpace(i + 1);
    }
    return items;
  }

  // 1-based line and column (in bytes, as nlohmann counts). Positions are mostly asked in text
  // order, so the count of lines goes on from the last one asked.
  core::SourceLocation Where(const std::string& file, std::size_t offset) {
    offset = std::min(offset, text_.size());
    if (offset < cursor_) {
      cursor_ = 0;
      line_ = 1;
      line_start_ = 0;
    }
    for (; cursor_ < offset; ++cursor_) {
      if (text_[cursor_] != '\n') continue;
      ++line_;
      line_start_ = cursor_ + 1;
    }
    return {file, line_, static_cast<int>(offset - line_start_ + 1)};
  }

 private:
  std::size_t SkipSpace(std::size_t at) const {
    while (at < text_.size() && (text_[at] == ' ' || text_[at] == '\t' || text_[at] == '\r' || text_[at] == '\n')) ++at;
    return at;
  }

  // From the opening quote to just past the closing one.
  std::size_t SkipString(std::size_t at) const {
    for (std::size_t i = at + 1; i < text_.size(); ++i) {
      if (text_[i] == '\\') {
        ++i;
      } else if (text_[i] == '"') {
        return i + 1;
      }
    }
    return text_.size();
  }

  std::size_t SkipValue(std::size_t at) const {
    if (at >= text_.size()) return at;
    if (text_[at] == '"') return SkipString(at);
    if (text_[at] == '{' || text_[at] == '[') {
      int depth = 0;
      for (std::size_t i = at; i < text_.size();) {
        const char c = text_[i];
        if (c == '"') {
          i = SkipString(i);
          continue;
        }
        if (c == '{' || c == '[') ++depth;
        if ((c == '}' || c == ']') && --depth == 0) return i + 1;
        ++i;
      }
      return text_.size();
    }
    while (at < text_.size() && std::string_view(",}] \t\r\n").find(text_[at]) == std::string_view::npos) ++at;
    return at;
  }

  // Whether a quoted key, as written, is `key` (escapes decoded by nlohmann).
  static bool KeyIs(std::string_view quoted, std::string_view key) {
    if (quoted.size() < 2) return false;
    if (quoted.find('\\') == std::string_view::npos) return quoted.substr(1, quoted.size() - 2) == key;
    const auto decoded = Json::parse(quoted, nullptr, false);
    return decoded.is_string() && decoded.get_ref<const std::string&>() == key;
  }

  std::string_view text_;
  std::size_t cursor_ = 0;
  int line_ = 1;
  std::size_t line_start_ = 0;
};

// One step from a value to a value inside it: a key, or (key empty) an index.
struct Step {
  std::string_view key;
  std::size_t index = 0;
};

// A value of the document; where it is (the offset of it or of a value around it, then the steps
// from there); and its name in messages ("\"port\"", "this probe result").
struct Value {
  const Json* json = nullptr;
  std::size_t base = 0;
  std::vector<Step> steps;
  std::string name;
};

// What kind of output a file must be: in words, and a list only that kind has at its top.
struct Kind {
  std::string_view output;
  std::string_view marker;
};
constexpr Kind kProbe{"portolan probe output (-f json)", "results"};
constexpr Kind kLab{"portolan lab verify output (-f json)", "pairs"};
constexpr Kind kAudit{"portolan audit output (-f json)", "rulesets"};

// The portolan command whose JSON output this looks like, or "".
std::string_view LooksLike(const Json& root) {
  if (root.contains("results")) return "portolan probe -f json";
  if (root.contains("pairs") && root.contains("lab")) return "portolan lab verify -f json";
  if (root.contains("rulesets")) return "portolan audit -f json";
  if (root.contains("catalog") && root.contains("flows")) return "portolan plan -f json";
  return {};
}

std::string Describe(const Json& value) {
  switch (value.type()) {
    case Json::value_t::string: {
      auto text = Printable(value.get_ref<const std::string&>());
      if (text.size() > kQuotedLength) text = text.substr(0, kQuotedLength) + "...";
      return "\"" + text + "\"";
    }
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "a list";
    case Json::value_t::null: return "null";
    default: return value.dump();
  }
}

// The offset of the first opening bracket deeper than kMaxDepth, if any.
std::optional<std::size_t> TooDeep(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return i;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return std::nullopt;
}

// The first number too large for a double (nlohmann refuses it without saying where).
std::size_t FirstHugeNumber(std::string_view text) {
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) continue;
    const auto end = text.find_first_not_of("0123456789+-.eE", i);
    const std::string number(text.substr(i, end - i));
    if (!std::isfinite(std::strtod(number.c_str(), nullptr))) return i;
    if (end == std::string_view::npos) break;
    i = end - 1;
  }
  return 0;
}

// nlohmann's words for a syntax error, without its prefix and position (ours replaces them).
std::string SyntaxErrorText(const std::string& what) {
  auto text = what;
  if (const auto at = text.find("parse error"); at != std::string::npos) {
    if (const auto colon = text.find(": ", at); colon != std::string::npos) text = text.substr(colon + 2);
  } else if (text.starts_with("[json.exception")) {
    if (const auto end = text.find("] "); end != std::string::npos) text = text.substr(end + 2);
  }
  text = Printable(text);
  if (text.size() > kMaxMessageLength) text = text.substr(0, kMaxMessageLength) + "...";
  return text;
}

// Reads one evidence file's document: checks bound it, positions name its values, and every
// problem ends the reading with file:line:column and what was expected.
class Reader {
 public:
  Reader(std::string_view text, const std::string& file, const Kind& kind) : file_(file), map_(text) {
    if (text.size() > kMaxEvidenceBytes)
      Throw({file_, 1, 1},
            fmt::format("{} MiB; evidence files over {} MiB are refused", text.size() >> 20, kMaxEvidenceBytes >> 20));
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
      Throw({file_, 1, 1}, fmt::format("the file is empty: expected {}", kind.output));
    if (const auto deep = TooDeep(text)) {
      Throw(map_.Where(file_, *deep),
            fmt::format("nested more than {} deep: this is not {}, which nests far less", kMaxDepth, kind.output));
    }
    try {
      document_ = Json::parse(text.begin(), text.end());
    } catch (const Json::parse_error& error) {
      const std::size_t offset = error.byte > 0 ? error.byte - 1 : 0;
      Throw(map_.Where(file_, offset), "not valid JSON: " + SyntaxErrorText(error.what()));
    } catch (const Json::exception& error) {
      Throw(map_.Where(file_, FirstHugeNumber(text)), "not valid JSON: " + SyntaxErrorText(error.what()));
    }
    const auto root = Root();
    if (!document_.is_object())
      Fail(root, fmt::format("this is not {}: it is {}, not an object", kind.output, Describe(document_)));
    if (!document_.contains(kind.marker)) {
      const auto like = LooksLike(document_);
      Fail(root, fmt::format("this is not {}: it has no \"{}\" list{}", kind.output, kind.marker,
                             like.empty() ? "" : fmt::format("; it looks like the output of {}", like)));
    }
  }

  Value Root() const { return {&document_, map_.Root(), {}, "the file"}; }

  [[noreturn]] void Fail(const Value& value, const std::string& message) { Throw(Where(value), message); }

  core::SourceLocation Where(const Value& value) { return map_.Where(file_, Offset(value)); }

  std::optional<Value> Find(const Value& object, std::string_view key) {
    if (!object.json->is_object())
      Fail(object, fmt::format("{} must be an object, not {}", object.name, Describe(*object.json)));
    const auto it = object.json->find(key);
    if (it == object.json->end()) return std::nullopt;
    auto steps = object.steps;
    steps.push_back({key});
    return Value{&*it, object.base, std::move(steps), fmt::format("\"{}\"", key)};
  }

  Value Get(const Value& object, std::string_view key) {
    auto value = Find(object, key);
    if (!value) Fail(object, fmt::format("{} has no \"{}\"", object.name, key));
    return std::move(*value);
  }

  std::string Text(const Value& value) {
    if (!value.json->is_string())
      Fail(value, fmt::format("{} must be text, not {}", value.name, Describe(*value.json)));
    const auto& text = value.json->get_ref<const std::string&>();
    if (text.size() > kMaxText)
      Fail(value, fmt::format("{} is {} bytes long; no text value of portolan's outputs is over {}", value.name,
                              text.size(), kMaxText));
    return text;
  }

  // The index of the value among the choices.
  std::size_t Choice(const Value& value, std::span<const std::string_view> choices) {
    const auto text = value.json->is_string() ? value.json->get_ref<const std::string&>() : std::string();
    for (std::size_t i = 0; i < choices.size(); ++i) {
      if (value.json->is_string() && choices[i] == text) return i;
    }
    Fail(value, fmt::format("{} must be one of {}, not {}{}", value.name, fmt::join(choices, ", "),
                            Describe(*value.json), core::DidYouMean(text, choices)));
  }

  int Whole(const Value& value, int min, int max) {
    const auto& json = *value.json;
    const bool fits = (json.is_number_unsigned() && json.get<std::uint64_t>() <= static_cast<std::uint64_t>(max)) ||
                      (json.is_number_integer() && !json.is_number_unsigned() && json.get<std::int64_t>() <= max);
    if (!fits || json.get<std::int64_t>() < min)
      Fail(value, fmt::format("{} must be a whole number from {} to {}, not {}", value.name, min, max, Describe(json)));
    return static_cast<int>(json.get<std::int64_t>());
  }

  double Number(const Value& value, double min, double max) {
    const auto& json = *value.json;
    if (!json.is_number() || !(json.get<double>() >= min && json.get<double>() <= max))
      Fail(value, fmt::format("{} must be a number from {} to {}, not {}", value.name, min, max, Describe(json)));
    return json.get<double>();
  }

  bool Flag(const Value& value) {
    if (!value.json->is_boolean())
      Fail(value, fmt::format("{} must be true or false, not {}", value.name, Describe(*value.json)));
    return value.json->get<bool>();
  }

  std::string Fingerprint(const Value& value) {
    auto text = Text(value);
    const bool valid = text.size() == kFingerprintPrefix.size() + kFingerprintDigits &&
                       text.starts_with(kFingerprintPrefix) &&
                       text.find_first_not_of("0123456789abcdef", kFingerprintPrefix.size()) == std::string::npos;
    if (!valid) {
      Fail(value, fmt::format("{} must be \"{}\" and {} lowercase hex digits, not {}", value.name, kFingerprintPrefix,
                              kFingerprintDigits, Describe(*value.json)));
    }
    return text;
  }

  std::vector<std::string> Texts(const Value& list) {
    std::vector<std::string> texts;
    ForEachItem(list, [&](const Value& item) {
      if (!item.json->is_string())
        Fail(item, fmt::format("each item of {} must be text, not {}", list.name, Describe(*item.json)));
      texts.push_back(Text(item));
    });
    return texts;
  }

  // Calls each(item) for every item of a list of objects; `what` names an item in messages.
  template <typename Each>
  void ForEach(const Value& list, std::string_view what, Each each) {
    ForEachItem(list, [&](Value item) {
      if (!item.json->is_object())
        Fail(item, fmt::format("each item of {} must be an object, not {}", list.name, Describe(*item.json)));
      item.name = what;
      each(item);
    });
  }

 private:
  std::size_t Offset(const Value& value) const {
    std::size_t at = value.base;
    for (const auto& step : value.steps) {
      const auto next = step.key.empty() ? ItemOffset(at, step.index) : map_.Member(at, step.key);
      if (next == std::string_view::npos) return at;  // cannot happen in valid JSON; the nearest known place
      at = next;
    }
    return at;
  }

  std::size_t ItemOffset(std::size_t at, std::size_t index) const {
    const auto items = map_.Items(at, index);
    return index < items.size() ? items[index] : std::string_view::npos;
  }

  // Each item, with its offset found in one pass over the list.
  template <typename Each>
  void ForEachItem(const Value& list, Each each) {
    if (!list.json->is_array()) Fail(list, fmt::format("{} must be a list, not {}", list.name, Describe(*list.json)));
    const auto at = Offset(list);
    const auto offsets = map_.Items(at);
    for (std::size_t i = 0; i < list.json->size(); ++i) {
      Value item{&(*list.json)[i], at, {{{}, i}}, list.name};
      if (offsets.size() == list.json->size()) item = {&(*list.json)[i], offsets[i], {}, list.name};
      each(std::move(item));
    }
  }

  std::string file_;
  TextMap map_;
  Json document_;
};

// Every name of an enum whose values run from 0 to `last`, in order.
template <typename Enum, typename NameOf>
std::vector<std::string_view> AllNames(Enum last, NameOf name_of) {
  std::vector<std::string_view> all;
  for (int i = 0; i <= static_cast<int>(last); ++i) all.push_back(name_of(static_cast<Enum>(i)));
  return all;
}

const std::vector<std::string_view>& VerdictNames() {
  static const auto kNames = AllNames(probe::Verdict::kContentMismatch, probe::VerdictName);
  return kNames;
}

const std::vector<std::string_view>& FlowStatusNames() {
  static const auto kNames = AllNames(audit::FlowStatus::kNotAudited, audit::FlowStatusName);
  return kNames;
}

constexpr std::array<std::string_view, 2> kProtocols{probe::TransportName(probe::Transport::kTcp),
                                                     probe::TransportName(probe::Transport::kUdp)};
constexpr std::array<std::string_view, 3> kDirections{"inbound", "outbound", "forward"};
constexpr std::array<std::string_view, 2> kFamilies{"ipv4", "ipv6"};

std::string ReadChoice(Reader& reader, const Value& value, std::span<const std::string_view> choices) {
  return std::string(choices[reader.Choice(value, choices)]);
}

// "inventory": {"file": ..., "fingerprint": ...}, when there is one.
void ReadInventoryRef(Reader& reader, const Value& root, std::string& file, std::string& fingerprint) {
  const auto inventory = reader.Find(root, "inventory");
  if (!inventory) return;
  file = reader.Text(reader.Get(*inventory, "file"));
  fingerprint = reader.Fingerprint(reader.Get(*inventory, "fingerprint"));
}

std::vector<std::string> OptionalTexts(Reader& reader, const Value& object, std::string_view key) {
  const auto list = reader.Find(object, key);
  return list ? reader.Texts(*list) : std::vector<std::string>{};
}

std::string OptionalText(Reader& reader, const Value& object, std::string_view key) {
  const auto text = reader.Find(object, key);
  return text ? reader.Text(*text) : std::string();
}

ProbeEvidence::Result ReadProbeResult(Reader& reader, const Value& item) {
  ProbeEvidence::Result result;
  result.where = reader.Where(item);
  result.target = reader.Text(reader.Get(item, "target"));
  result.protocol = ReadChoice(reader, reader.Get(item, "protocol"), kProtocols);
  result.port = reader.Whole(reader.Get(item, "port"), 0, kMaxPort);
  result.service = reader.Text(reader.Get(item, "service"));
  result.proxy = OptionalText(reader, item, "proxy");
  const auto verdict = reader.Choice(reader.Get(item, "verdict"), VerdictNames());
  result.verdict = VerdictNames()[verdict];
  result.passes = probe::VerdictPasses(static_cast<probe::Verdict>(verdict));
  result.detail = reader.Text(reader.Get(item, "detail"));
  result.rtt_ms = reader.Number(reader.Get(item, "rtt_ms"), 0, kMaxRttMs);
  result.flows = reader.Texts(reader.Get(item, "flows"));
  result.icmp_from = OptionalText(reader, item, "icmp_from");
  return result;
}

LabEvidence::Check ReadLabCheck(Reader& reader, const Value& item) {
  LabEvidence::Check check;
  check.where = reader.Where(item);
  check.protocol = ReadChoice(reader, reader.Get(item, "protocol"), kProtocols);
  check.port = reader.Whole(reader.Get(item, "port"), 0, kMaxPort);
  check.address = reader.Text(reader.Get(item, "address"));
  check.required = reader.Flag(reader.Get(item, "required"));
  check.flows = OptionalTexts(reader, item, "flows");
  check.why = OptionalText(reader, item, "why");
  if (const auto follow = reader.Find(item, "follow_through")) check.follow_through = reader.Flag(*follow);
  if (const auto proxy = reader.Find(item, "proxy")) {
    check.via = reader.Text(reader.Get(*proxy, "via"));
    check.expected = ReadChoice(reader, reader.Get(*proxy, "expected"), VerdictNames());
  }
  check.service = reader.Text(reader.Get(item, "service"));
  check.verdict = ReadChoice(reader, reader.Get(item, "verdict"), VerdictNames());
  check.detail = reader.Text(reader.Get(item, "detail"));
  check.pass = reader.Flag(reader.Get(item, "pass"));
  return check;
}

AuditEvidence::Rule ReadRule(Reader& reader, const Value& object) {
  constexpr int kMaxLine = std::numeric_limits<int>::max();
  AuditEvidence::Rule rule;
  rule.file = reader.Text(reader.Get(object, "file"));
  rule.line = reader.Whole(reader.Get(object, "line"), 0, kMaxLine);
  if (const auto column = reader.Find(object, "column")) rule.column = reader.Whole(*column, 0, kMaxLine);
  rule.chain = reader.Text(reader.Get(object, "chain"));
  rule.text = reader.Text(reader.Get(object, "text"));
  rule.policy = reader.Flag(reader.Get(object, "policy"));
  rule.unmodelled = OptionalTexts(reader, object, "unmodelled");
  return rule;
}

AuditEvidence::Flow ReadAuditFlow(Reader& reader, const Value& item) {
  AuditEvidence::Flow flow;
  flow.where = reader.Where(item);
  flow.flow = reader.Text(reader.Get(item, "flow"));
  flow.direction = ReadChoice(reader, reader.Get(item, "direction"), kDirections);
  flow.family = ReadChoice(reader, reader.Get(item, "family"), kFamilies);
  flow.from = reader.Text(reader.Get(item, "from"));
  flow.to = reader.Text(reader.Get(item, "to"));
  flow.protocol = reader.Text(reader.Get(item, "protocol"));
  flow.ports = reader.Text(reader.Get(item, "ports"));
  flow.methods = OptionalTexts(reader, item, "methods");
  flow.verdict = ReadChoice(reader, reader.Get(item, "verdict"), FlowStatusNames());
  reader.ForEach(reader.Get(item, "blocked"), "this blocked part", [&](const Value& part) {
    AuditEvidence::Blocked blocked;
    blocked.example = reader.Text(reader.Get(part, "example"));
    blocked.uncertain = reader.Flag(reader.Get(part, "uncertain"));
    blocked.rule = ReadRule(reader, reader.Get(part, "rule"));
    flow.blocked.push_back(std::move(blocked));
  });
  flow.depends_on = reader.Texts(reader.Get(item, "depends_on"));
  return flow;
}

AuditEvidence::Excess ReadExcess(Reader& reader, const Value& item) {
  AuditEvidence::Excess excess;
  excess.direction = ReadChoice(reader, reader.Get(item, "direction"), kDirections);
  excess.family = ReadChoice(reader, reader.Get(item, "family"), kFamilies);
  excess.source = reader.Text(reader.Get(item, "source"));
  excess.destination = reader.Text(reader.Get(item, "destination"));
  excess.protocol = reader.Text(reader.Get(item, "protocol"));
  excess.ports = reader.Text(reader.Get(item, "ports"));
  excess.source_ports = OptionalText(reader, item, "source_ports");
  excess.methods = OptionalText(reader, item, "methods");
  excess.granted_by = ReadRule(reader, reader.Get(item, "granted_by"));
  excess.uncertain = reader.Flag(reader.Get(item, "uncertain"));
  return excess;
}

std::vector<AuditEvidence::Finding> ReadFindings(Reader& reader, const Value& root, std::string_view key) {
  std::vector<AuditEvidence::Finding> findings;
  reader.ForEach(reader.Get(root, key), "this finding", [&](const Value& item) {
    findings.push_back({ReadRule(reader, reader.Get(item, "rule")), reader.Text(reader.Get(item, "why"))});
  });
  return findings;
}

std::string ReadEvidenceFile(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (!error && size > kMaxEvidenceBytes) {
    Throw({path, 0, 0},
          fmt::format("{} MiB; evidence files over {} MiB are refused", size >> 20, kMaxEvidenceBytes >> 20));
  }
  try {
    return core::ReadFile(path);
  } catch (const std::exception& e) {
    Throw({path, 0, 0}, e.what());
  }
}

// "sha256:1234abcd..."
std::string ShortFingerprint(const std::string& fingerprint) {
  return fingerprint.substr(0, kFingerprintPrefix.size() + kShortDigits) + "...";
}

// Checks the names evidence uses against the inventory and the plan, and lists the unknown ones,
// each once and kMaxNameErrors at most.
class NameCheck {
 public:
  NameCheck(const inventory::Inventory& inventory, const plan::Plan& plan) : inventory_(inventory) {
    for (const auto& flow : plan.flows) flows_.push_back(flow.id);
    for (const auto& request : plan.proxy_requests) flows_.push_back(request.id);
    known_flows_.insert(flows_.begin(), flows_.end());
  }

  void Endpoint(const std::string& name, std::string_view key, const core::SourceLocation& where) {
    if (inventory_.FindEndpoint(name) != nullptr || !reported_.insert(name).second) return;
    std::vector<std::string> names;
    for (const auto& endpoint : inventory_.endpoints) names.push_back(endpoint.name);
    Add(where, fmt::format("\"{}\" names '{}', which is no host or client network of {}{}", key, Printable(name),
                           inventory_.file, core::DidYouMean(name, names)));
  }

  void Flows(const std::vector<std::string>& flows, const core::SourceLocation& where) {
    for (const auto& flow : flows) {
      if (known_flows_.contains(flow) || !reported_.insert(flow).second) continue;
      Add(where, fmt::format("flow '{}' is not in the plan of {}{}: was the file made with another catalog?",
                             Printable(flow), inventory_.file, core::DidYouMean(flow, flows_)));
    }
  }

  void Finish() {
    if (unlisted_ > 0)
      diagnostics_.Error(diagnostics_.All().back().where, fmt::format("and {} more unknown names", unlisted_));
    if (diagnostics_.HasErrors()) throw core::InputError(std::move(diagnostics_));
  }

 private:
  void Add(const core::SourceLocation& where, std::string message) {
    if (diagnostics_.All().size() >= kMaxNameErrors) {
      ++unlisted_;
      return;
    }
    diagnostics_.Error(where, std::move(message));
  }

  const inventory::Inventory& inventory_;
  std::vector<std::string> flows_;
  std::set<std::string, std::less<>> known_flows_;
  std::set<std::string> reported_;
  core::Diagnostics diagnostics_;
  std::size_t unlisted_ = 0;
};

}  // namespace

ProbeEvidence ReadProbeEvidence(std::string_view text, const std::string& file) {
  Reader reader(text, file, kProbe);
  const auto root = reader.Root();
  ProbeEvidence evidence;
  evidence.file = file;
  ReadInventoryRef(reader, root, evidence.inventory_file, evidence.fingerprint);
  if (const auto from = reader.Find(root, "from")) {
    evidence.from_where = reader.Where(*from);
    evidence.from = reader.Text(*from);
  }
  reader.ForEach(reader.Get(root, "results"), "this probe result",
                 [&](const Value& item) { evidence.results.push_back(ReadProbeResult(reader, item)); });
  evidence.notes = OptionalTexts(reader, root, "notes");
  return evidence;
}

LabEvidence ReadLabEvidence(std::string_view text, const std::string& file) {
  Reader reader(text, file, kLab);
  const auto root = reader.Root();
  LabEvidence evidence;
  evidence.file = file;
  evidence.lab = reader.Text(reader.Get(root, "lab"));
  evidence.inventory_file = reader.Text(reader.Get(root, "inventory"));
  if (const auto fingerprint = reader.Find(root, "fingerprint"))
    evidence.fingerprint = reader.Fingerprint(*fingerprint);
  evidence.policy = reader.Text(reader.Get(root, "policy"));
  evidence.passed = reader.Flag(reader.Get(root, "passed"));
  reader.ForEach(reader.Get(root, "pairs"), "this pair", [&](const Value& pair) {
    const auto pair_where = reader.Where(pair);
    const auto from = reader.Text(reader.Get(pair, "from"));
    const auto to = reader.Text(reader.Get(pair, "to"));
    reader.ForEach(reader.Get(pair, "checks"), "this check", [&](const Value& item) {
      auto check = ReadLabCheck(reader, item);
      check.from = from;
      check.to = to;
      check.pair_where = pair_where;
      evidence.checks.push_back(std::move(check));
    });
  });
  evidence.notes = OptionalTexts(reader, root, "notes");
  return evidence;
}

AuditEvidence ReadAuditEvidence(std::string_view text, const std::string& file) {
  Reader reader(text, file, kAudit);
  const auto root = reader.Root();
  AuditEvidence evidence;
  evidence.file = file;
  ReadInventoryRef(reader, root, evidence.inventory_file, evidence.fingerprint);
  evidence.firewall = OptionalText(reader, root, "firewall");
  evidence.mode = reader.Text(reader.Get(root, "mode"));
  evidence.rulesets = reader.Texts(reader.Get(root, "rulesets"));
  reader.ForEach(reader.Get(root, "flows"), "this flow",
                 [&](const Value& item) { evidence.flows.push_back(ReadAuditFlow(reader, item)); });
  reader.ForEach(reader.Get(root, "permitted_not_required"), "this permitted box",
                 [&](const Value& item) { evidence.excess.push_back(ReadExcess(reader, item)); });
  evidence.never_match = ReadFindings(reader, root, "never_match");
  evidence.unused = ReadFindings(reader, root, "unused");
  evidence.notes = OptionalTexts(reader, root, "notes");
  evidence.summary = reader.Text(reader.Get(root, "summary"));
  return evidence;
}

ProbeEvidence LoadProbeEvidence(const std::string& path) {
  return ReadProbeEvidence(ReadEvidenceFile(path), path);
}

LabEvidence LoadLabEvidence(const std::string& path) {
  return ReadLabEvidence(ReadEvidenceFile(path), path);
}

AuditEvidence LoadAuditEvidence(const std::string& path) {
  return ReadAuditEvidence(ReadEvidenceFile(path), path);
}

void CheckFingerprint(const std::string& file, const std::string& made_from_file,
                      const std::string& made_from_fingerprint, const inventory::Inventory& inventory,
                      std::string_view remedy) {
  if (made_from_fingerprint.empty()) {
    Throw({file, 0, 0}, fmt::format("has no inventory fingerprint, so it cannot be matched to {} (an ad hoc probe, "
                                    "or made by an older portolan){}",
                                    inventory.file, remedy.empty() ? "" : fmt::format(": make it with {}", remedy)));
  }
  if (made_from_fingerprint == inventory.fingerprint) return;
  Throw({file, 0, 0},
        fmt::format("results of another inventory: made from {} ({}), not {} ({})",
                    made_from_file.empty() ? "an unnamed inventory" : made_from_file,
                    ShortFingerprint(made_from_fingerprint), inventory.file, ShortFingerprint(inventory.fingerprint)));
}

void CheckFingerprint(const ProbeEvidence& evidence, const inventory::Inventory& inventory) {
  CheckFingerprint(evidence.file, evidence.inventory_file, evidence.fingerprint, inventory,
                   fmt::format("portolan probe -i {} --from HOST -f json -o FILE", inventory.file));
}

void CheckFingerprint(const LabEvidence& evidence, const inventory::Inventory& inventory) {
  CheckFingerprint(evidence.file, evidence.inventory_file, evidence.fingerprint, inventory,
                   "portolan lab verify --name LAB -f json -o FILE");
}

void CheckFingerprint(const AuditEvidence& evidence, const inventory::Inventory& inventory) {
  CheckFingerprint(evidence.file, evidence.inventory_file, evidence.fingerprint, inventory,
                   fmt::format("portolan audit -i {} --ruleset RULES -f json -o FILE", inventory.file));
}

void CheckNames(const ProbeEvidence& evidence, const inventory::Inventory& inventory, const plan::Plan& plan) {
  if (evidence.from.empty()) {
    Throw({evidence.file, 0, 0},
          fmt::format("has no \"from\": it is not a probe of {}'s planned flows; make it with portolan probe -i {} "
                      "--from HOST -f json -o FILE",
                      inventory.file, inventory.file));
  }
  NameCheck check(inventory, plan);
  check.Endpoint(evidence.from, "from", evidence.from_where);
  for (const auto& result : evidence.results) check.Flows(result.flows, result.where);
  check.Finish();
}

void CheckNames(const LabEvidence& evidence, const inventory::Inventory& inventory, const plan::Plan& plan) {
  NameCheck check(inventory, plan);
  for (const auto& item : evidence.checks) {
    check.Endpoint(item.from, "from", item.pair_where);
    check.Endpoint(item.to, "to", item.pair_where);
    if (!item.via.empty()) check.Endpoint(item.via, "via", item.where);
    check.Flows(item.flows, item.where);
  }
  check.Finish();
}

void CheckNames(const AuditEvidence& evidence, const inventory::Inventory& inventory, const plan::Plan& plan) {
  NameCheck check(inventory, plan);
  for (const auto& flow : evidence.flows) check.Flows({flow.flow}, flow.where);
  check.Finish();
}

}  // namespace portolan::report
