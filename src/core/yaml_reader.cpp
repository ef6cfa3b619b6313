#include "core/yaml_reader.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

namespace portolan::core {

SourceLocation Where(const std::string& file, const YAML::Node& node) {
  const auto mark = node.Mark();
  if (mark.is_null()) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

namespace {

// Aliases share nodes, so a few bytes of YAML can stand for billions of values ("billion
// laughs"); every loader walks the values it reads, so the expansion is bounded up front.
// Without aliases a document has fewer values than bytes; the budget is generous beyond that.
constexpr std::size_t kExpandedValuesPerByte = 4;
constexpr std::size_t kMinExpandedValues = 10000;

// A first pass over the document's events, before yaml-cpp builds nodes. It records where each
// collection opens (to name the bracket a syntax error left open) and where each document
// starts: a second document is an error, and a document that starts where the previous one did
// means yaml-cpp is stuck on a token it can neither use nor skip, such as a ',' outside any
// list (yaml-cpp 0.7 then loops forever in LoadAll, and Load silently returns nothing).
class DocumentEvents : public YAML::EventHandler {
 public:
  struct Open {
    YAML::Mark mark;
    bool flow = false;
    char bracket = '[';
  };

  const std::vector<Open>& open() const { return open_; }
  const std::vector<YAML::Mark>& document_starts() const { return document_starts_; }

  void OnDocumentStart(const YAML::Mark& mark) override { document_starts_.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value style) override {
    open_.push_back({mark, style == YAML::EmitterStyle::Flow, '['});
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value style) override {
    open_.push_back({mark, style == YAML::EmitterStyle::Flow, '{'});
  }
  void OnMapEnd() override { Close(); }

 private:
  void Close() {
    if (!open_.empty()) open_.pop_back();
  }
  std::vector<Open> open_;
  std::vector<YAML::Mark> document_starts_;
};

SourceLocation At(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null()) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

// The innermost collection still open when parsing stopped; only '[' and '{' when flow_only.
std::optional<DocumentEvents::Open> InnermostOpen(const DocumentEvents& events, bool flow_only) {
  const auto& open = events.open();
  for (auto it = open.rbegin(); it != open.rend(); ++it) {
    if (it->flow || !flow_only) return *it;
  }
  return std::nullopt;
}

// Whether the indentation of a line (0-based) holds a tab.
bool IndentedWithTab(const std::string& text, int line) {
  std::size_t start = 0;
  for (int i = 0; i < line; ++i) {
    start = text.find('\n', start);
    if (start == std::string::npos) return false;
    ++start;
  }
  const auto indent_end = text.find_first_not_of(" \t", start);
  return text.find('\t', start) < std::min(indent_end, text.size());
}

// yaml-cpp's message, made into one a user can act on.
std::pair<SourceLocation, std::string> DescribeSyntaxError(const YAML::Exception& e, const DocumentEvents& events,
                                                           const std::string& text, const std::string& file) {
  SourceLocation where = At(file, e.mark);
  if (dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr) {
    // yaml-cpp's mark is wherever its scanner stopped, and its limit counts parser recursion
    // (a flow list takes two steps a level): name the innermost collection, not a number.
    if (const auto open = InnermostOpen(events, false)) where = At(file, open->mark);
    return {where, "YAML nesting too deep: lists and mappings nest here beyond what the parser allows"};
  }
  if (e.msg == YAML::ErrorMsg::END_OF_MAP_FLOW || e.msg == YAML::ErrorMsg::END_OF_SEQ_FLOW) {
    if (const auto open = InnermostOpen(events, true)) {
      const char closing = open->bracket == '[' ? ']' : '}';
      return {At(file, open->mark),
              fmt::format("YAML syntax error: this '{}' is never closed with '{}' (the parser gave up at line {}, "
                          "column {})",
                          open->bracket, closing, where.line, where.column)};
    }
  }
  if (e.msg.rfind(YAML::ErrorMsg::TAB_IN_INDENTATION, 0) == 0) {
    return {where, "YAML syntax error: a tab in the indentation; YAML indents with spaces only"};
  }
  std::string message = fmt::format("YAML syntax error: {}", e.msg);
  if (!e.mark.is_null() && IndentedWithTab(text, e.mark.line)) {
    message += " (this line is indented with a tab; YAML indents with spaces only)";
  }
  return {where, message};
}

// Runs the event pass; reports a syntax error, a stuck parser or a second document.
bool CheckDocumentEvents(const std::string& text, const std::string& file, Diagnostics& diags) {
  DocumentEvents events;
  std::istringstream stream(text);
  try {
    YAML::Parser parser(stream);
    while (parser.HandleNextDocument(events)) {
      const auto& starts = events.document_starts();
      const auto pos = static_cast<std::size_t>(starts.back().pos);
      const bool stuck = starts.size() >= 2 && starts[starts.size() - 1].pos == starts[starts.size() - 2].pos;
      if (stuck || (pos < text.size() && text[pos] == ',')) {
        diags.Error(At(file, starts.back()), pos < text.size()
                                                 ? fmt::format("YAML syntax error: unexpected '{}'", text[pos])
                                                 : std::string("YAML syntax error: unexpected end of file"));
        return false;
      }
      if (starts.size() >= 2) {
        diags.Error(At(file, starts[1]), "a second YAML document starts here; the file must hold exactly one");
        return false;
      }
    }
  } catch (const YAML::Exception& e) {
    auto [where, message] = DescribeSyntaxError(e, events, text, file);
    diags.Error(std::move(where), std::move(message));
    return false;
  }
  return true;
}

// Walks the document as its readers will, aliases expanded, until the budget runs out.
// Iterative: a document may nest as deep as yaml-cpp allows.
std::optional<YAML::Node> FirstValueOverBudget(const YAML::Node& root, std::size_t budget) {
  std::vector<YAML::Node> pending{root};
  std::size_t visited = 0;
  while (!pending.empty()) {
    const YAML::Node node = pending.back();
    pending.pop_back();
    if (++visited > budget) return node;
    if (node.IsSequence()) {
      for (const auto& item : node) pending.push_back(item);
    } else if (node.IsMap()) {
      for (const auto& pair : node) {
        pending.push_back(pair.first);
        pending.push_back(pair.second);
      }
    }
  }
  return std::nullopt;
}

// The offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF). yaml-cpp passes such bytes through, and every
// output that must be UTF-8 (JSON) would then fail far from the cause. Written by hand: none of
// our libraries exposes a validator.
std::optional<std::size_t> FirstInvalidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      ++i;
      continue;
    }
    int length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;  // the allowed range of the second byte
    if (byte >= 0xC2 && byte <= 0xDF) {
      length = 2;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
      length = 3;
      if (byte == 0xE0) low = 0xA0;
      if (byte == 0xED) high = 0x9F;
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      length = 4;
      if (byte == 0xF0) low = 0x90;
      if (byte == 0xF4) high = 0x8F;
    } else {
      return i;
    }
    if (i + static_cast<std::size_t>(length) > text.size()) return i;
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
      const unsigned char min = k == 1 ? low : 0x80;
      const unsigned char max = k == 1 ? high : 0xBF;
      if (next < min || next > max) return i;
    }
    i += static_cast<std::size_t>(length);
  }
  return std::nullopt;
}

SourceLocation LocationOfOffset(const std::string& file, std::string_view text, std::size_t offset) {
  int line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {file, line, static_cast<int>(offset - line_start) + 1};
}

}  // namespace

std::optional<YAML::Node> ParseYaml(const std::string& text, const std::string& file, Diagnostics& diags) {
  if (const auto bad = FirstInvalidUtf8(text)) {
    diags.Error(LocationOfOffset(file, text, *bad),
                fmt::format("byte 0x{:02X} is not valid UTF-8; save the file as UTF-8",
                            static_cast<unsigned char>(text[*bad])));
    return std::nullopt;
  }
  if (!CheckDocumentEvents(text, file, diags)) return std::nullopt;
  YAML::Node document;
  try {
    document = YAML::Load(text);
  } catch (const YAML::Exception& e) {  // the event pass would have thrown first; kept as a safety net
    diags.Error(At(file, e.mark), fmt::format("YAML syntax error: {}", e.msg));
    return std::nullopt;
  }
  // Only an alias ('*name') can make a document larger than its text; without one there is
  // nothing to bound (the walk costs a tenth of the parse on a large inventory).
  if (text.find('*') == std::string::npos) return document;
  const std::size_t budget = std::max(kMinExpandedValues, kExpandedValuesPerByte * text.size());
  if (const auto over = FirstValueOverBudget(document, budget)) {
    diags.Error(Where(file, *over), fmt::format("YAML aliases expand the document to more than {} values (this one is "
                                                "among them); write the values out instead of nesting aliases",
                                                budget));
    return std::nullopt;
  }
  return document;
}

namespace {

// Longer words are not typos of a key or an id, and would make the comparison costly.
constexpr std::size_t kMaxSuggestedWordLength = 64;

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string NodeKindName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return fmt::format("'{}'", node.Scalar());
    default: return "an undefined value";
  }
}

}  // namespace

std::string DidYouMean(std::string_view word, std::span<const std::string_view> candidates) {
  if (word.size() > kMaxSuggestedWordLength) return {};
  std::string_view best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto candidate : candidates) {
    const auto gap = candidate.size() > word.size() ? candidate.size() - word.size() : word.size() - candidate.size();
    if (gap >= best_distance) continue;  // the distance is at least the difference in length
    const auto distance = EditDistance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", best);
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  std::vector<std::string_view> views(candidates.begin(), candidates.end());
  return DidYouMean(word, std::span<const std::string_view>(views));
}

std::optional<std::string> ReadString(const YAML::Node& node, const std::string& file, Diagnostics& diags,
                                      std::string_view what) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    diags.Error(Where(file, node), fmt::format("{}: expected a text value, found {}", what, NodeKindName(node)));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<bool> ReadBool(const YAML::Node& node, const std::string& file, Diagnostics& diags,
                             std::string_view what) {
  bool value = false;
  if (node.IsScalar() && YAML::convert<bool>::decode(node, value)) return value;
  diags.Error(Where(file, node), fmt::format("{}: expected true or false, found {}", what, NodeKindName(node)));
  return std::nullopt;
}

std::optional<int> ReadInt(const YAML::Node& node, const std::string& file, Diagnostics& diags, std::string_view what,
                           int min, int max) {
  long long value = 0;
  const bool parsed = node.IsScalar() && !node.Scalar().empty() &&
                      node.Scalar().find_first_not_of("0123456789") == std::string::npos && node.Scalar().size() <= 9 &&
                      (value = std::stoll(node.Scalar()), true);
  if (!parsed || value < min || value > max) {
    diags.Error(Where(file, node),
                fmt::format("{}: expected a whole number from {} to {}, found {}", what, min, max, NodeKindName(node)));
    return std::nullopt;
  }
  return static_cast<int>(value);
}

std::vector<std::pair<std::string, YAML::Node>> ReadStringList(const YAML::Node& node, const std::string& file,
                                                               Diagnostics& diags, std::string_view what) {
  std::vector<std::pair<std::string, YAML::Node>> out;
  if (node.IsScalar()) {
    if (auto s = ReadString(node, file, diags, what)) out.emplace_back(*s, node);
    return out;
  }
  if (!node.IsSequence()) {
    diags.Error(Where(file, node), fmt::format("{}: expected a list, found {}", what, NodeKindName(node)));
    return out;
  }
  for (const auto& item : node) {
    if (auto s = ReadString(item, file, diags, what)) out.emplace_back(*s, item);
  }
  return out;
}

MapReader::MapReader(const YAML::Node& node, const std::string& file, Diagnostics& diags, std::string what)
    : node_(node), file_(file), diags_(diags), what_(std::move(what)) {
  is_map_ = node.IsMap();
  if (!is_map_) {
    diags_.Error(Where(file_, node_),
                 fmt::format("{}: expected a mapping of keys to values, found {}", what_, NodeKindName(node_)));
    return;
  }
  std::set<std::string> seen;
  pairs_.reserve(node_.size());
  for (const auto& pair : node_) pairs_.emplace_back(pair.first, pair.second);
  for (const auto& pair : pairs_) {
    if (!pair.first.IsScalar()) {
      diags_.Error(Where(file_, pair.first),
                   fmt::format("{}: a key must be a word, found {}", what_, NodeKindName(pair.first)));
      continue;
    }
    const auto key = pair.first.Scalar();
    if (!seen.insert(key).second) {
      diags_.Error(Where(file_, pair.first), fmt::format("{}: duplicate key '{}'", what_, key));
    }
  }
}

bool MapReader::Has(std::string_view key) const {
  if (!is_map_) return false;
  for (const auto& pair : pairs_) {
    if (pair.first.Scalar() == key) return !pair.second.IsNull();
  }
  return false;
}

YAML::Node MapReader::Get(std::string_view key, bool required) {
  known_keys_.emplace_back(key);
  if (!is_map_) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& pair : pairs_) {
    if (!pair.first.IsScalar() || pair.first.Scalar() != key) continue;
    if (!pair.second.IsNull()) return pair.second;
    if (required) diags_.Error(Where(file_, pair.first), fmt::format("{}: '{}' has no value", what_, key));
    return YAML::Node(YAML::NodeType::Undefined);
  }
  if (required) diags_.Error(Where(file_, node_), fmt::format("{}: missing required key '{}'", what_, key));
  return YAML::Node(YAML::NodeType::Undefined);
}

std::optional<std::string> MapReader::String(std::string_view key, bool required) {
  const auto node = Get(key, required);
  if (!node.IsDefined()) return std::nullopt;
  return ReadString(node, file_, diags_, fmt::format("{} '{}'", what_, key));
}

std::optional<bool> MapReader::Bool(std::string_view key) {
  const auto node = Get(key);
  if (!node.IsDefined()) return std::nullopt;
  return ReadBool(node, file_, diags_, fmt::format("{} '{}'", what_, key));
}

std::optional<int> MapReader::Int(std::string_view key, int min, int max) {
  const auto node = Get(key);
  if (!node.IsDefined()) return std::nullopt;
  return ReadInt(node, file_, diags_, fmt::format("{} '{}'", what_, key), min, max);
}

void MapReader::Finish() {
  if (!is_map_) return;
  for (const auto& pair : pairs_) {
    if (!pair.first.IsScalar()) continue;  // reported when read
    const auto key = pair.first.Scalar();
    if (std::find(known_keys_.begin(), known_keys_.end(), key) != known_keys_.end()) continue;
    diags_.Error(Where(file_, pair.first),
                 fmt::format("{}: unknown key '{}'{}", what_, key, DidYouMean(key, known_keys_)));
  }
}

}  // namespace portolan::core
