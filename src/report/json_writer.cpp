#include "report/json_writer.hpp"

#include <nlohmann/json.hpp>

namespace portolan::report {

namespace {
constexpr std::size_t kIndent = 2;  // as dump(2)
}

std::string JsonQuoted(std::string_view text) {
  return nlohmann::json(std::string(text)).dump();
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (has_items_.empty()) return;
  out_ += has_items_.back() ? ",\n" : "\n";
  has_items_.back() = true;
  out_.append(kIndent * has_items_.size(), ' ');
}

void JsonWriter::Open(char bracket) {
  BeforeValue();
  out_ += bracket;
  has_items_.push_back(false);
}

void JsonWriter::Close(char bracket) {
  const bool had_items = has_items_.back();
  has_items_.pop_back();
  if (had_items) {
    out_ += '\n';
    out_.append(kIndent * has_items_.size(), ' ');
  }
  out_ += bracket;
}

void JsonWriter::Key(std::string_view key) {
  BeforeValue();
  out_ += JsonQuoted(key);
  out_ += ": ";
  after_key_ = true;
}

void JsonWriter::Literal(std::string_view json) {
  BeforeValue();
  out_ += json;
}

void JsonWriter::StringArray(const std::vector<std::string>& items) {
  BeginArray();
  for (const auto& item : items) String(item);
  EndArray();
}

std::string JsonWriter::Take() {
  out_ += '\n';
  return std::move(out_);
}

}  // namespace portolan::report
