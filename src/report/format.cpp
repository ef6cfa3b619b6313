#include "report/format.hpp"

#include <array>

namespace portolan::report {

namespace {

struct FormatRow {
  Format format;
  std::string_view name;
  std::string_view extension;
};
constexpr std::array kFormats = {
    FormatRow{Format::kTable, "table", "txt"}, FormatRow{Format::kJson, "json", "json"},
    FormatRow{Format::kCsv, "csv", "csv"},     FormatRow{Format::kMarkdown, "markdown", "md"},
    FormatRow{Format::kJunit, "junit", "xml"},
};

}  // namespace

std::optional<Format> ParseFormat(std::string_view text) {
  for (const auto& row : kFormats) {
    if (row.name == text || (text == "md" && row.format == Format::kMarkdown)) return row.format;
  }
  return std::nullopt;
}

std::string_view FormatName(Format format) {
  for (const auto& row : kFormats) {
    if (row.format == format) return row.name;
  }
  return "?";
}

std::string_view FormatExtension(Format format) {
  for (const auto& row : kFormats) {
    if (row.format == format) return row.extension;
  }
  return "txt";
}

std::string XmlEscaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t') out += c;
        break;
    }
  }
  return out;
}

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string CsvRow(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += CsvField(fields[i]);
  }
  out += "\r\n";
  return out;
}

std::string MarkdownCell(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += "<br>";
    } else {
      out += c;
    }
  }
  return out;
}

std::string MarkdownTable(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows) {
  std::string out = "|";
  for (const auto& header : headers) out += " " + MarkdownCell(header) + " |";
  out += "\n|";
  for (std::size_t i = 0; i < headers.size(); ++i) out += "---|";
  out += '\n';
  for (const auto& row : rows) {
    out += "|";
    for (const auto& cell : row) out += " " + MarkdownCell(cell) + " |";
    out += '\n';
  }
  return out;
}

}  // namespace portolan::report
