#pragma once
// What the JSON ruleset readers share: a path to a value (SecurityGroups[2].IpPermissions[0]),
// and the line and column where that value starts, found by skimming the text again, since
// nlohmann::json keeps no positions.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/diagnostics.hpp"

namespace portolan::audit::formats {

struct PathStep {
  std::string key;            // object member, or
  std::ptrdiff_t index = -1;  // array element
};
using JsonPath = std::vector<PathStep>;

std::string PathText(const JsonPath& path);  // "SecurityGroups[2].IpPermissions"
JsonPath Append(JsonPath path, std::string key);
JsonPath Append(JsonPath path, std::size_t index);

// A structure error in a document that parsed: the path of the offending value and what is
// wrong with it. Readers throw it (FailAt) and report it where they catch it (Report).
struct JsonStructureError {
  JsonPath path;
  std::string message;
};
[[noreturn]] void FailAt(const JsonPath& path, std::string message);

// Locates values of a text that nlohmann::json accepted.
class JsonLocator {
 public:
  JsonLocator(std::string_view text, std::string file);
  // Where the value at `path` starts, or the deepest part of the path that exists.
  core::SourceLocation Where(const JsonPath& path) const;
  core::SourceLocation AtOffset(std::size_t offset) const;
  // Where each element of the array at `path` starts, in one pass (empty when it is not an
  // array): for arrays of many elements, where Where() per element would skim the text each time.
  std::vector<core::SourceLocation> ElementLocations(const JsonPath& path) const;
  // "file:line:column: error: path: message" at the value the error names.
  void Report(core::Diagnostics& diagnostics, const JsonStructureError& error) const;

 private:
  std::string_view text_;
  std::string file_;
  std::vector<std::size_t> line_starts_;
};

// Parses; malformed JSON throws core::InputError at the line and column where it breaks.
nlohmann::json ParseJson(std::string_view text, const JsonLocator& locator);

}  // namespace portolan::audit::formats
