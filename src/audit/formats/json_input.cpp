#include "audit/formats/json_input.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace portolan::audit::formats {

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

[[noreturn]] void FailAt(const JsonPath& path, std::string message) {
  throw JsonStructureError{path, std::move(message)};
}

JsonPath Append(JsonPath path, std::string key) {
  path.push_back({std::move(key), -1});
  return path;
}

JsonPath Append(JsonPath path, std::size_t index) {
  path.push_back({"", static_cast<std::ptrdiff_t>(index)});
  return path;
}

namespace {

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

}  // namespace

JsonLocator::JsonLocator(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') line_starts_.push_back(i + 1);
}

core::SourceLocation JsonLocator::AtOffset(std::size_t offset) const {
  const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - 1;
  return {file_, static_cast<int>(it - line_starts_.begin()) + 1, static_cast<int>(offset - *it) + 1};
}

core::SourceLocation JsonLocator::Where(const JsonPath& path) const {
  return AtOffset(Skimmer(text_).OffsetOf(path));
}

std::vector<core::SourceLocation> JsonLocator::ElementLocations(const JsonPath& path) const {
  std::vector<core::SourceLocation> locations;
  for (const auto offset : Skimmer(text_).ElementOffsets(path)) locations.push_back(AtOffset(offset));
  return locations;
}

void JsonLocator::Report(core::Diagnostics& diagnostics, const JsonStructureError& error) const {
  // An error of the whole document has no path to name.
  const auto path = PathText(error.path);
  diagnostics.Error(Where(error.path), path.empty() ? error.message : fmt::format("{}: {}", path, error.message));
}

nlohmann::json ParseJson(std::string_view text, const JsonLocator& locator) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    const auto offset = error.byte > 0 ? std::min<std::size_t>(error.byte - 1, text.size()) : 0;
    std::string message = error.what();
    const auto colon = message.find(": ", message.find("column"));
    if (colon != std::string::npos) message = message.substr(colon + 2);
    core::Diagnostics diagnostics;
    diagnostics.Error(locator.AtOffset(offset), "malformed JSON: " + message);
    throw core::InputError(diagnostics);
  }
}

}  // namespace portolan::audit::formats
