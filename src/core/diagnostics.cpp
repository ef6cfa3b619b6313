#include "core/diagnostics.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace portolan::core {

std::string SourceLocation::ToString() const {
  if (line <= 0) return file;
  if (column <= 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string Diagnostic::ToString() const {
  return fmt::format("{}: {}: {}", where.ToString(), severity == Severity::kError ? "error" : "warning", message);
}

void Diagnostics::Error(SourceLocation where, std::string message) {
  items_.push_back({Severity::kError, std::move(where), std::move(message)});
}

void Diagnostics::Warning(SourceLocation where, std::string message) {
  items_.push_back({Severity::kWarning, std::move(where), std::move(message)});
}

bool Diagnostics::HasErrors() const {
  return std::any_of(items_.begin(), items_.end(), [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

std::string Diagnostics::ToString() const {
  std::vector<const Diagnostic*> sorted;
  for (const auto& item : items_) sorted.push_back(&item);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic* a, const Diagnostic* b) {
    if (a->where.file != b->where.file) return a->where.file < b->where.file;
    if (a->where.line != b->where.line) return a->where.line < b->where.line;
    return a->where.column < b->where.column;
  });
  std::string out;
  for (const auto* item : sorted) {
    out += item->ToString();
    out += '\n';
  }
  return out;
}

InputError::InputError(Diagnostics diagnostics)
    : std::runtime_error(diagnostics.ToString()), diagnostics_(std::move(diagnostics)) {}

}  // namespace portolan::core
