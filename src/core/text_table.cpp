#include "core/text_table.hpp"

#include <algorithm>

namespace portolan::core {

namespace {

constexpr std::string_view kColumnGap = "  ";

// What `std::istringstream >> word` skips in the C locale.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Calls emit(line, refilled) for every line of text wrapped to width: the text's own lines (as
// getline splits them: no empty last line after a final '\n'; one empty line for an empty text),
// each longer one re-filled word by word with single spaces. A long line of nothing but
// whitespace has no words and so no lines; a text left with no line at all is one empty line.
// A line is a part of text unless refilled is true: then it lives in scratch until the next
// call of emit (only lines whose words were not one space apart need that).
template <typename Emit>
void ForEachWrappedLine(std::string_view text, std::size_t width, std::string& scratch, Emit emit) {
  bool any = false;
  // One re-filled line: the words between first and last of the paragraph.
  auto emit_words = [&](std::string_view words, bool single_spaced) {
    any = true;
    if (single_spaced) {
      emit(words, false);
      return;
    }
    scratch.clear();
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (!IsSpace(words[i])) {
        scratch += words[i];
      } else if (!IsSpace(words[i - 1])) {
        scratch += ' ';
      }
    }
    emit(std::string_view(scratch), true);
  };
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    const auto paragraph = text.substr(start, end - start);
    start = end + 1;
    if (width == 0 || paragraph.size() <= width) {
      emit(paragraph, false);
      any = true;
      continue;
    }
    std::size_t line_first = 0;  // the line: its first word's start, its last word's end
    std::size_t line_last = 0;
    std::size_t line_size = 0;  // as re-filled
    bool single_spaced = true;
    std::size_t i = 0;
    while (i < paragraph.size()) {
      while (i < paragraph.size() && IsSpace(paragraph[i])) ++i;
      if (i == paragraph.size()) break;
      const auto word_start = i;
      while (i < paragraph.size() && !IsSpace(paragraph[i])) ++i;
      const auto word_size = i - word_start;
      if (line_size > 0 && line_size + 1 + word_size > width) {
        emit_words(paragraph.substr(line_first, line_last - line_first), single_spaced);
        line_size = 0;
      }
      if (line_size == 0) {
        line_first = word_start;
        line_size = word_size;
        single_spaced = true;
      } else {
        single_spaced = single_spaced && word_start == line_last + 1 && paragraph[line_last] == ' ';
        line_size += 1 + word_size;
      }
      line_last = i;
    }
    if (line_size > 0) emit_words(paragraph.substr(line_first, line_last - line_first), single_spaced);
  }
  if (!any) emit(text.substr(0, 0), false);
}

}  // namespace

std::vector<std::string> Wrap(const std::string& text, std::size_t width) {
  std::vector<std::string> out;
  std::string scratch;
  ForEachWrappedLine(text, width, scratch, [&](std::string_view line, bool) { out.emplace_back(line); });
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
  std::string out;
  AppendTo(out);
  return out;
}

void TextTable::AppendTo(std::string& out) const {
  // Wrap every cell first, then size each column to its widest line. A line is kept as a part
  // of its cell, or of one buffer of all re-filled lines (a table may have hundreds of thousands
  // of rows).
  struct Line {
    const std::string* cell;  // nullptr: a part of refilled
    std::size_t offset;
    std::size_t size;
  };
  std::string refilled;
  std::vector<Line> lines;
  std::vector<std::size_t> first_line;  // per cell, row by row: its first line; then the end
  first_line.reserve(rows_.size() * columns_.size() + 1);
  lines.reserve(rows_.size() * columns_.size() * 3 / 2);  // most cells are one line
  std::vector<std::size_t> widths(columns_.size());
  for (std::size_t c = 0; c < columns_.size(); ++c) widths[c] = columns_[c].header.size();
  std::string scratch;
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      first_line.push_back(lines.size());
      const auto& cell = row[c];
      ForEachWrappedLine(cell, columns_[c].max_width, scratch, [&](std::string_view line, bool is_refilled) {
        if (is_refilled) {
          lines.push_back({nullptr, refilled.size(), line.size()});
          refilled += line;
        } else {
          lines.push_back({&cell, static_cast<std::size_t>(line.data() - cell.data()), line.size()});
        }
        widths[c] = std::max(widths[c], line.size());
      });
    }
  }
  first_line.push_back(lines.size());
  auto line_text = [&](const Line& line) {
    return std::string_view(line.cell != nullptr ? *line.cell : refilled).substr(line.offset, line.size);
  };

  // Cells padded to their column's width, the line's trailing spaces cut.
  auto emit_line = [&](auto cell_line) {
    const auto line_start = out.size();
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      if (c > 0) out += kColumnGap;
      const std::string_view cell = cell_line(c);
      out += cell;
      if (c + 1 < columns_.size()) out.append(widths[c] - cell.size(), ' ');
    }
    while (out.size() > line_start && out.back() == ' ') out.pop_back();
    out += '\n';
  };
  emit_line([&](std::size_t c) { return std::string_view(columns_[c].header); });
  std::size_t cell = 0;  // index into first_line of the row's first cell
  for (const auto& row : rows_) {
    if (row.empty()) {
      out += '\n';
      continue;
    }
    std::size_t height = 0;
    for (std::size_t c = 0; c < row.size(); ++c)
      height = std::max(height, first_line[cell + c + 1] - first_line[cell + c]);
    for (std::size_t i = 0; i < height; ++i) {
      emit_line([&](std::size_t c) {
        const auto first = first_line[cell + c];
        if (first + i >= first_line[cell + c + 1]) return std::string_view();
        return line_text(lines[first + i]);
      });
    }
    cell += row.size();
  }
}

}  // namespace portolan::core
