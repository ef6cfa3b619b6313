#include "report/probe_report.hpp"

#include <cmath>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/text_table.hpp"
#include "probe/transport.hpp"

namespace portolan::report {

std::string Printable(std::string_view text) {
  std::string out;
  for (const char c : text) out += (c >= 0x20 && c < 0x7F) ? c : '?';
  return out;
}

std::string ServiceId(const probe::ProbeResult& result) {
  if (result.spec.service == nullptr) return "-";
  std::string id(result.spec.service->id);
  if (result.spec.http_check != probe::HttpCheck::kGet)
    id += " " + std::string(probe::HttpCheckName(result.spec.http_check));
  return id;
}

namespace {

std::string Rtt(const probe::ProbeResult& result) {
  return fmt::format("{:.1f}", result.rtt_ms);
}

std::string Colour(probe::Verdict verdict, const std::string& text) {
  switch (verdict) {
    case probe::Verdict::kVerified: return "\x1b[32m" + text + "\x1b[0m";
    case probe::Verdict::kListening: return "\x1b[36m" + text + "\x1b[0m";
    case probe::Verdict::kListeningOrFiltered: return "\x1b[33m" + text + "\x1b[0m";
    default: return "\x1b[31m" + text + "\x1b[0m";
  }
}

std::string Table(const std::vector<probe::ProbeResult>& results, const ProbeReportOptions& options) {
  core::TextTable table({{"TARGET"}, {"PORT"}, {"SERVICE"}, {"VERDICT"}, {"MS"}, {"FLOWS", 16}, {"DETAIL", 70}});
  std::map<std::string, int> counts;
  for (const auto& result : results) {
    const std::string verdict(probe::VerdictName(result.verdict));
    ++counts[verdict];
    table.AddRow({result.spec.target.address,
                  fmt::format("{}/{}", result.spec.target.port, probe::TransportName(result.spec.transport)),
                  ServiceId(result), verdict, Rtt(result), fmt::format("{}", fmt::join(result.spec.flows, " ")),
                  Printable(result.detail)});
  }
  std::string text = table.ToString();
  if (options.colour) {
    // Colour the verdict words after layout, so that escape codes do not disturb the columns.
    for (const auto verdict :
         {probe::Verdict::kListeningOrFiltered, probe::Verdict::kNotListening, probe::Verdict::kWrongService,
          probe::Verdict::kVerified, probe::Verdict::kListening, probe::Verdict::kFiltered,
          probe::Verdict::kProxyDenied, probe::Verdict::kProxyAuthRequired, probe::Verdict::kUpstreamFailed,
          probe::Verdict::kRangeIgnored, probe::Verdict::kContentRangeStripped, probe::Verdict::kNoLength,
          probe::Verdict::kContentMismatch}) {
      const std::string word = fmt::format(" {} ", probe::VerdictName(verdict));
      for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
        const auto coloured = " " + Colour(verdict, std::string(probe::VerdictName(verdict))) + " ";
        text.replace(at, word.size(), coloured);
        at += coloured.size() - 1;
      }
    }
  }
  std::vector<std::string> summary;
  summary.reserve(counts.size());
  for (const auto& [verdict, count] : counts) summary.push_back(fmt::format("{} {}", count, verdict));
  text += fmt::format("\n{} probes: {}\n", results.size(), fmt::join(summary, ", "));
  for (const auto& note : options.notes) text += fmt::format("note: {}\n", note);
  return text;
}

std::string Json(const std::vector<probe::ProbeResult>& results, const ProbeReportOptions& options) {
  nlohmann::ordered_json document;
  if (!options.inventory_file.empty()) {
    document["inventory"] = {{"file", options.inventory_file}, {"fingerprint", options.fingerprint}};
    document["from"] = options.from;
  }
  document["results"] = nlohmann::ordered_json::array();
  for (const auto& result : results) {
    nlohmann::ordered_json item;
    item["target"] = result.spec.target.address;
    item["protocol"] = probe::TransportName(result.spec.transport);
    item["port"] = result.spec.target.port;
    item["service"] = ServiceId(result);
    if (result.spec.proxy) item["proxy"] = result.spec.proxy->Authority();
    item["verdict"] = probe::VerdictName(result.verdict);
    item["detail"] = Printable(result.detail);
    item["rtt_ms"] = std::round(result.rtt_ms * 10) / 10;
    item["flows"] = result.spec.flows;
    if (!result.icmp_from.empty()) item["icmp_from"] = result.icmp_from;
    if (!result.advertised_tcp_ports.empty()) item["advertised_tcp_ports"] = result.advertised_tcp_ports;
    document["results"].push_back(std::move(item));
  }
  if (!options.notes.empty()) document["notes"] = options.notes;
  return document.dump(2) + "\n";
}

std::string Csv(const std::vector<probe::ProbeResult>& results) {
  std::string text = core::CsvRow({"target", "protocol", "port", "service", "verdict", "detail", "rtt_ms", "flows"});
  for (const auto& result : results) {
    text += core::CsvRow({result.spec.target.address, std::string(probe::TransportName(result.spec.transport)),
                          std::to_string(result.spec.target.port), ServiceId(result),
                          std::string(probe::VerdictName(result.verdict)), Printable(result.detail), Rtt(result),
                          fmt::format("{}", fmt::join(result.spec.flows, " "))});
  }
  return text;
}

// One test case per flow and port (a probe without flows is its own case).
std::string Junit(const std::vector<probe::ProbeResult>& results) {
  std::string cases;
  int tests = 0;
  int failures = 0;
  for (const auto& result : results) {
    std::vector<std::string> flows = result.spec.flows;
    if (flows.empty()) flows.push_back(result.spec.target.address);
    for (const auto& flow : flows) {
      ++tests;
      const std::string name = fmt::format("{} {}/{} {}", result.spec.target.address, result.spec.target.port,
                                           probe::TransportName(result.spec.transport), ServiceId(result));
      cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\">\n", core::XmlEscaped(flow),
                           core::XmlEscaped(name), result.rtt_ms / 1000.0);
      const std::string verdict(probe::VerdictName(result.verdict));
      if (probe::VerdictPasses(result.verdict)) {
        cases +=
            fmt::format("      <system-out>{}: {}</system-out>\n", verdict, core::XmlEscaped(Printable(result.detail)));
      } else {
        ++failures;
        cases += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", verdict, verdict,
                             core::XmlEscaped(Printable(result.detail)));
      }
      cases += "    </testcase>\n";
    }
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"{}\" failures=\"{}\">\n"
      "  <testsuite name=\"portolan probe\" tests=\"{}\" failures=\"{}\">\n{}  </testsuite>\n</testsuites>\n",
      tests, failures, tests, failures, cases);
}

}  // namespace

std::string RenderProbeResults(const std::vector<probe::ProbeResult>& results, core::Format format,
                               const ProbeReportOptions& options) {
  switch (format) {
    case core::Format::kJson: return Json(results, options);
    case core::Format::kCsv: return Csv(results);
    case core::Format::kJunit: return Junit(results);
    case core::Format::kTable:
    case core::Format::kMarkdown: return Table(results, options);
  }
  return Table(results, options);
}

}  // namespace portolan::report
