#pragma once
// Streams JSON in exactly the layout of nlohmann::json::dump(2). Written by hand because a
// plan of a large hierarchy or an audit of a large ruleset would otherwise be built as a whole
// document tree first. ASCII strings are escaped here as nlohmann escapes them; any other string
// is escaped by nlohmann itself, so the two can never disagree on the bytes (or on what is
// invalid UTF-8).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portolan::core {

// A JSON string literal with its quotes (nlohmann's escaping; throws on invalid UTF-8).
std::string JsonQuoted(std::string_view text);
// The same, appended to out.
void AppendJsonQuoted(std::string& out, std::string_view text);

class JsonWriter {
 public:
  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view key);
  void String(std::string_view text);
  void Bool(bool value) { Literal(value ? "true" : "false"); }
  void Int(std::int64_t value);
  // A value already in JSON form, e.g. from JsonQuoted.
  void Literal(std::string_view json);
  void StringArray(const std::vector<std::string>& items);

  // Reserves room for a document of about this many bytes.
  void Reserve(std::size_t bytes) { out_.reserve(bytes); }
  std::string Take();  // the document, with a final newline

 private:
  void BeforeValue();
  void Open(char bracket);
  void Close(char bracket);

  std::string out_;
  std::vector<bool> has_items_;  // per open container: has it a value yet
  bool after_key_ = false;
};

}  // namespace portolan::core
