#pragma once
// Output formats shared by every command, and the small escaping rules each one needs.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portolan::core {

enum class Format { kTable, kJson, kCsv, kMarkdown, kJunit };

std::optional<Format> ParseFormat(std::string_view text);
std::string_view FormatName(Format format);
std::string_view FormatExtension(Format format);  // "txt", "json", "csv", "md", "xml"

// XML character data or attribute value: & < > " ' escaped, control characters dropped.
std::string XmlEscaped(std::string_view text);

// RFC 4180: quote a field when it holds a comma, quote or line break; double inner quotes.
std::string CsvField(std::string_view text);
std::string CsvRow(const std::vector<std::string>& fields);  // ends with \r\n as RFC 4180 says
// The same row appended to out, for reports of many rows.
void AppendCsvRow(std::string& out, std::initializer_list<std::string_view> fields);
// A Markdown table cell: pipes escaped, line breaks as <br>.
std::string MarkdownCell(std::string_view text);
// A whole Markdown table; cells are escaped here.
std::string MarkdownTable(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows);

}  // namespace portolan::core
