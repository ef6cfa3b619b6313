#pragma once
// Strict reading of YAML documents: every value is checked for its type, every unknown or
// duplicate key is reported with file:line:column, and typos get a "did you mean" hint.
// yaml-cpp parses; this layer turns its nodes into diagnostics a user can act on.

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/diagnostics.hpp"

namespace portolan::core {

SourceLocation Where(const std::string& file, const YAML::Node& node);

// Parses text; on a syntax error reports it (with position) and returns nullopt.
std::optional<YAML::Node> ParseYaml(const std::string& text, const std::string& file, Diagnostics& diags);

// " (did you mean 'x'?)" when a candidate is close to word, else "".
std::string DidYouMean(std::string_view word, std::span<const std::string_view> candidates);
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

// Scalar conversions that report what was expected at the node's position.
std::optional<std::string> ReadString(const YAML::Node& node, const std::string& file, Diagnostics& diags,
                                      std::string_view what);
std::optional<bool> ReadBool(const YAML::Node& node, const std::string& file, Diagnostics& diags,
                             std::string_view what);
std::optional<int> ReadInt(const YAML::Node& node, const std::string& file, Diagnostics& diags, std::string_view what,
                           int min, int max);
// A scalar or a sequence of scalars, as strings.
std::vector<std::pair<std::string, YAML::Node>> ReadStringList(const YAML::Node& node, const std::string& file,
                                                               Diagnostics& diags, std::string_view what);

// Reads one mapping. Fields are fetched by key; Finish() reports keys that were never asked
// for (unknown keys), with a suggestion from the keys that were.
class MapReader {
 public:
  MapReader(const YAML::Node& node, const std::string& file, Diagnostics& diags, std::string what);

  bool IsMap() const { return is_map_; }
  const std::string& file() const { return file_; }
  Diagnostics& diags() { return diags_; }
  SourceLocation Location() const { return Where(file_, node_); }

  // The value node, or an undefined node when absent. Reports a missing required key.
  YAML::Node Get(std::string_view key, bool required = false);
  bool Has(std::string_view key) const;

  std::optional<std::string> String(std::string_view key, bool required = false);
  std::optional<bool> Bool(std::string_view key);
  std::optional<int> Int(std::string_view key, int min, int max);

  void Finish();

 private:
  YAML::Node node_;
  // The map's entries, read once: walking a yaml-cpp map builds nodes, and a reader asks
  // for every key it knows.
  std::vector<std::pair<YAML::Node, YAML::Node>> pairs_;
  std::string file_;
  Diagnostics& diags_;
  std::string what_;
  bool is_map_ = false;
  std::vector<std::string> known_keys_;
};

}  // namespace portolan::core
