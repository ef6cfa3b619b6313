#include "report/text_table.hpp"

#include <algorithm>
#include <sstream>

namespace portolan::report {

namespace {

constexpr std::string_view kColumnGap = "  ";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  if (out.empty()) out.emplace_back();
  return out;
}

}  // namespace

std::vector<std::string> Wrap(const std::string& text, std::size_t width) {
  std::vector<std::string> out;
  for (const auto& paragraph : Lines(text)) {
    if (width == 0 || paragraph.size() <= width) {
      out.push_back(paragraph);
      continue;
    }
    std::istringstream words(paragraph);
    std::string word;
    std::string line;
    while (words >> word) {
      if (!line.empty() && line.size() + 1 + word.size() > width) {
        out.push_back(line);
        line.clear();
      }
      line += line.empty() ? word : " " + word;
    }
    if (!line.empty()) out.push_back(line);
  }
  if (out.empty()) out.emplace_back();
  return out;
}

void TextTable::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

void TextTable::AddSeparator() {
  rows_.emplace_back();
}

std::string TextTable::ToString() const {
  // Wrap every cell first, then size each column to its widest line.
  std::vector<std::vector<std::vector<std::string>>> wrapped;
  std::vector<std::size_t> widths(columns_.size());
  for (std::size_t c = 0; c < columns_.size(); ++c) widths[c] = columns_[c].header.size();
  for (const auto& row : rows_) {
    auto& cells = wrapped.emplace_back();
    for (std::size_t c = 0; c < row.size(); ++c) {
      cells.push_back(Wrap(row[c], columns_[c].max_width));
      for (const auto& line : cells.back()) widths[c] = std::max(widths[c], line.size());
    }
  }
  std::string out;
  auto emit_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) line += kColumnGap;
      line += cells[c];
      if (c + 1 < cells.size()) line.append(widths[c] - cells[c].size(), ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  std::vector<std::string> header;
  for (const auto& column : columns_) header.push_back(column.header);
  emit_line(header);
  for (const auto& cells : wrapped) {
    if (cells.empty()) {
      out += '\n';
      continue;
    }
    std::size_t height = 0;
    for (const auto& cell : cells) height = std::max(height, cell.size());
    for (std::size_t i = 0; i < height; ++i) {
      std::vector<std::string> line;
      for (const auto& cell : cells) line.push_back(i < cell.size() ? cell[i] : std::string());
      emit_line(line);
    }
  }
  return out;
}

}  // namespace portolan::report
