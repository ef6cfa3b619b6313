#include "core/format.hpp"

#include <algorithm>
#include <array>

namespace portolan::core {

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

namespace {

bool NeedsCsvQuotes(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return c == ',' || c == '"' || c == '\r' || c == '\n'; });
}

void AppendCsvField(std::string& out, std::string_view text) {
  if (!NeedsCsvQuotes(text)) {
    out += text;
    return;
  }
  out += '"';
  std::size_t from = 0;
  for (auto quote = text.find('"'); quote != std::string_view::npos; quote = text.find('"', quote + 1)) {
    out += text.substr(from, quote + 1 - from);
    out += '"';
    from = quote + 1;
  }
  out += text.substr(from);
  out += '"';
}

}  // namespace

std::string CsvField(std::string_view text) {
  std::string out;
  AppendCsvField(out, text);
  return out;
}

std::string CsvRow(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    AppendCsvField(out, fields[i]);
  }
  out += "\r\n";
  return out;
}

void AppendCsvRow(std::string& out, std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (const auto field : fields) {
    if (!first) out += ',';
    first = false;
    AppendCsvField(out, field);
  }
  out += "\r\n";
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

}  // namespace portolan::core
