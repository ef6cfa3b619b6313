#include "core/yaml_reader.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace portolan::core {

SourceLocation Where(const std::string& file, const YAML::Node& node) {
  const auto mark = node.Mark();
  if (mark.is_null()) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

std::optional<YAML::Node> ParseYaml(const std::string& text, const std::string& file, Diagnostics& diags) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    SourceLocation where{file, 0, 0};
    if (!e.mark.is_null()) where = {file, e.mark.line + 1, e.mark.column + 1};
    diags.Error(where, fmt::format("YAML syntax error: {}", e.msg));
    return std::nullopt;
  }
}

namespace {

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
  std::string_view best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto candidate : candidates) {
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

std::optional<int> ReadInt(const YAML::Node& node, const std::string& file, Diagnostics& diags,
                           std::string_view what, int min, int max) {
  long long value = 0;
  const bool parsed = node.IsScalar() && !node.Scalar().empty() &&
                      node.Scalar().find_first_not_of("0123456789") == std::string::npos &&
                      node.Scalar().size() <= 9 && (value = std::stoll(node.Scalar()), true);
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
    diags_.Error(Where(file_, node_), fmt::format("{}: expected a mapping of keys to values, found {}", what_,
                                                  NodeKindName(node_)));
    return;
  }
  std::set<std::string> seen;
  for (const auto& pair : node_) {
    const auto key = pair.first.Scalar();
    if (!seen.insert(key).second) {
      diags_.Error(Where(file_, pair.first), fmt::format("{}: duplicate key '{}'", what_, key));
    }
  }
}

bool MapReader::Has(std::string_view key) const {
  if (!is_map_) return false;
  for (const auto& pair : node_) {
    if (pair.first.Scalar() == key) return !pair.second.IsNull();
  }
  return false;
}

YAML::Node MapReader::Get(std::string_view key, bool required) {
  known_keys_.emplace_back(key);
  if (is_map_) {
    for (const auto& pair : node_) {
      if (pair.first.Scalar() == key && !pair.second.IsNull()) return pair.second;
    }
  }
  if (required && is_map_) {
    diags_.Error(Where(file_, node_), fmt::format("{}: missing required key '{}'", what_, key));
  }
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
  for (const auto& pair : node_) {
    const auto key = pair.first.Scalar();
    if (std::find(known_keys_.begin(), known_keys_.end(), key) != known_keys_.end()) continue;
    diags_.Error(Where(file_, pair.first),
                 fmt::format("{}: unknown key '{}'{}", what_, key, DidYouMean(key, known_keys_)));
  }
}

}  // namespace portolan::core
