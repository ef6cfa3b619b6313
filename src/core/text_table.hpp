#pragma once
// A plain-text table for terminals: columns sized to their content, long cells wrapped at
// word boundaries to a column's maximum width, multi-line cells kept together.

#include <string>
#include <vector>

namespace portolan::core {

class TextTable {
 public:
  struct Column {
    std::string header;
    std::size_t max_width = 0;  // 0: no limit
  };

  explicit TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}
  void AddRow(std::vector<std::string> cells);  // a cell may hold '\n'
  void AddSeparator();                          // a blank line between groups of rows
  std::string ToString() const;
  void AppendTo(std::string& out) const;  // the same text, appended

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;  // an empty row is a separator
};

// Words wrapped to lines of at most width characters (a longer word stands alone).
std::vector<std::string> Wrap(const std::string& text, std::size_t width);

}  // namespace portolan::core
