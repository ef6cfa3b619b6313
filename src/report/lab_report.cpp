#include "report/lab_report.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/text_table.hpp"
#include "report/probe_report.hpp"

namespace portolan::report {

namespace {

using Json = nlohmann::ordered_json;
constexpr std::size_t kMatrixName = 10;  // characters of a name in the matrix's header

struct PairCount {
  int required = 0;
  int required_passed = 0;
  int other = 0;
  int other_filtered = 0;
  int proxy = 0;  // checks through an HTTP proxy
  int proxy_passed = 0;
  bool Failed() const { return required_passed < required || other_filtered < other || proxy_passed < proxy; }
};

using PairKey = std::pair<int, int>;

std::map<PairKey, PairCount> CountPairs(const lab::VerifyReport& report) {
  std::map<PairKey, PairCount> pairs;
  for (const auto& result : report.results) {
    auto& count = pairs[{result.check.source, result.check.destination}];
    if (result.check.proxy) {
      ++count.proxy;
      if (result.pass) ++count.proxy_passed;
    } else if (result.check.required) {
      ++count.required;
      if (result.pass) ++count.required_passed;
    } else {
      ++count.other;
      if (result.pass) ++count.other_filtered;
    }
  }
  return pairs;
}

PairCount Total(const std::map<PairKey, PairCount>& pairs) {
  PairCount total;
  for (const auto& [key, count] : pairs) {
    total.required += count.required;
    total.required_passed += count.required_passed;
    total.other += count.other;
    total.other_filtered += count.other_filtered;
    total.proxy += count.proxy;
    total.proxy_passed += count.proxy_passed;
  }
  return total;
}

std::string Name(const lab::VerifyReport& report, int endpoint) {
  return report.topology.endpoints[static_cast<std::size_t>(endpoint)].name;
}

std::string PortText(const lab::CheckResult& result) {
  return fmt::format("{}/{}", probe::TransportName(result.check.transport), result.check.port);
}

// "PROXY01 CCM_POST": through which proxy, asking what.
std::string ProxyText(const lab::VerifyReport& report, const lab::ProxyCheck& proxy) {
  return fmt::format("{} {}", Name(report, proxy.proxy), probe::HttpCheckName(proxy.http_check));
}

std::string Expected(const lab::CheckResult& result) {
  if (result.check.proxy) return std::string(probe::VerdictName(result.check.proxy->expected));
  if (!result.check.required) return "FILTERED";
  return result.follow_through ? "answer (RPC port)" : "pass";
}

std::string Reason(const lab::CheckResult& result) {
  if (result.check.proxy) return result.check.why;
  if (result.check.required) return fmt::format("{}", fmt::join(result.check.flows, " "));
  return result.check.why;
}

std::string Paint(bool colour, bool ok, const std::string& text) {
  if (!colour) return text;
  return (ok ? "\x1b[32m" : "\x1b[31m") + text + "\x1b[0m";
}

std::string Table(const lab::VerifyReport& report, const LabReportOptions& options) {
  const auto pairs = CountPairs(report);
  const auto total = Total(pairs);
  std::string text = fmt::format("Lab {} ({}): {} endpoints in {} zones\n", report.lab, report.inventory,
                                 report.topology.endpoints.size(), report.topology.zones.size());
  text += fmt::format("Router: {}\n", report.policy);
  if (!report.proxy_policy.empty()) text += fmt::format("Proxy policy: Squid on {}\n", report.proxy_policy);
  text += fmt::format("Host firewalls: {}; Samba: {}\n\n",
                      report.host_firewall ? "host-mode policies in every host" : "none",
                      report.samba_host ? fmt::format("the domain controller on {}", *report.samba_host) : "none");
  text += fmt::format("Required:     {} of {} checks passed\n", total.required_passed, total.required);
  text += fmt::format("Not required: {} of {} checks FILTERED\n", total.other_filtered, total.other);
  if (total.proxy > 0) {
    text +=
        fmt::format("Proxies:      {} of {} checks through the proxies as expected\n", total.proxy_passed, total.proxy);
  }
  if (const auto [answered, logged] = report.ResponderEvidence(); answered > 0) {
    text += fmt::format("Evidence:     the responders logged {} of the {} contacts they answered\n", logged, answered);
  }
  text += "\n";

  // The matrix: a cell counts the checks that came out as expected, of all checks of the pair.
  std::vector<core::TextTable::Column> columns{{"FROM \\ TO", 0}};
  for (const auto& endpoint : report.topology.endpoints) columns.push_back({endpoint.name.substr(0, kMatrixName), 0});
  core::TextTable matrix(std::move(columns));
  const int size = static_cast<int>(report.topology.endpoints.size());
  std::vector<std::pair<std::string, bool>> marks;  // cell text -> ok, for colouring after layout
  for (int s = 0; s < size; ++s) {
    std::vector<std::string> row{Name(report, s)};
    for (int d = 0; d < size; ++d) {
      const auto it = pairs.find({s, d});
      if (it == pairs.end()) {
        row.emplace_back(s == d ? "" : "-");
        continue;
      }
      const auto& count = it->second;
      const int good = count.required_passed + count.other_filtered + count.proxy_passed;
      row.push_back(
          fmt::format("{}/{}{}", good, count.required + count.other + count.proxy, count.Failed() ? " FAIL" : ""));
    }
    matrix.AddRow(std::move(row));
  }
  auto grid = matrix.ToString();
  if (options.colour) {
    std::string painted;
    std::size_t at = 0;
    while (true) {
      const auto fail = grid.find(" FAIL", at);
      if (fail == std::string::npos) break;
      painted += grid.substr(at, fail - at) + " " + Paint(true, false, "FAIL");
      at = fail + 5;
    }
    grid = painted + grid.substr(at);
  }
  text += grid;
  text += fmt::format(
      "cell: checks that came out as expected / checks (required ports that passed, other ports FILTERED{}); "
      "-: nothing to check\n",
      total.proxy > 0 ? ", requests through a proxy as expected" : "");

  const auto checks_table = [&](bool failed_only) {
    core::TextTable table({{"FROM", 0},
                           {"TO", 0},
                           {"PORT", 0},
                           {"EXPECTED", 0},
                           {"GOT", 0},
                           {"RESULT", 0},
                           {"FLOWS / WHY", 30},
                           {"DETAIL", 50}});
    for (const auto& result : report.results) {
      if (failed_only && result.pass) continue;
      table.AddRow(
          {Name(report, result.check.source),
           fmt::format("{} {}", Name(report, result.check.destination), result.check.address),
           result.check.proxy ? PortText(result) + " via " + ProxyText(report, *result.check.proxy) : PortText(result),
           Expected(result), std::string(probe::VerdictName(result.probe.verdict)), result.pass ? "ok" : "FAIL",
           Reason(result), Printable(result.probe.detail)});
    }
    return table.ToString();
  };
  if (options.all) text += "\nEvery check:\n" + checks_table(false);
  const auto failed =
      std::count_if(report.results.begin(), report.results.end(), [](const lab::CheckResult& r) { return !r.pass; });
  if (failed > 0) {
    text += fmt::format("\n{} checks FAILED:\n", failed);
    text += checks_table(true);
    const auto flows = report.FailedFlows();
    if (!flows.empty()) text += fmt::format("Required flows with a failed check: {}\n", fmt::join(flows, ", "));
  }
  for (const auto& note : report.notes) text += fmt::format("note: {}\n", note);
  text += "\n" + Paint(options.colour, failed == 0,
                       failed == 0 ? "PASS: every required flow passes and nothing else does\n"
                                   : fmt::format("FAIL: {} checks did not come out as the plan expects\n", failed));
  return text;
}

std::string JsonReport(const lab::VerifyReport& report) {
  const auto pairs = CountPairs(report);
  const auto total = Total(pairs);
  Json document;
  document["lab"] = report.lab;
  document["inventory"] = report.inventory;
  if (!report.fingerprint.empty()) document["fingerprint"] = report.fingerprint;
  document["policy"] = report.policy;
  document["host_firewall"] = report.host_firewall;
  document["samba_host"] = report.samba_host ? Json(*report.samba_host) : Json(nullptr);
  if (!report.proxy_policy.empty()) document["proxy_policy"] = report.proxy_policy;
  document["passed"] = report.Passed();
  document["summary"] = {{"required_checks", total.required},
                         {"required_passed", total.required_passed},
                         {"other_checks", total.other},
                         {"other_filtered", total.other_filtered},
                         {"failed_flows", report.FailedFlows()},
                         {"responder_answers", report.ResponderEvidence().first},
                         {"responder_logged", report.ResponderEvidence().second}};
  if (total.proxy > 0) {
    document["summary"]["proxy_checks"] = total.proxy;
    document["summary"]["proxy_passed"] = total.proxy_passed;
  }
  document["endpoints"] = Json::array();
  for (const auto& endpoint : report.topology.endpoints) {
    Json addresses = Json::array();
    for (const auto& address : endpoint.addresses) addresses.push_back(address.AddressString());
    document["endpoints"].push_back({{"name", endpoint.name},
                                     {"namespace", endpoint.namespace_name},
                                     {"zone", report.topology.zones[static_cast<std::size_t>(endpoint.zone)].name},
                                     {"addresses", addresses}});
  }
  document["pairs"] = Json::array();
  std::map<PairKey, Json> checks;
  for (const auto& result : report.results) {
    Json item;
    item["protocol"] = probe::TransportName(result.check.transport);
    item["port"] = result.check.port;
    item["address"] = result.check.address;
    item["required"] = result.check.required;
    if (result.check.required) item["flows"] = result.check.flows;
    if (!result.check.required || result.check.proxy) item["why"] = result.check.why;
    if (result.follow_through) item["follow_through"] = true;
    if (const auto& proxy = result.check.proxy) {
      item["proxy"] = {{"request", proxy->request},
                       {"via", Name(report, proxy->proxy)},
                       {"address", proxy->proxy_address},
                       {"port", proxy->proxy_port},
                       {"check", probe::HttpCheckName(proxy->http_check)},
                       {"expected", probe::VerdictName(proxy->expected)}};
      if (!proxy->path.empty()) item["proxy"]["path"] = proxy->path;
    }
    if (result.logged_by_responder) item["logged_by_responder"] = *result.logged_by_responder;
    item["service"] = ServiceId(result.probe);
    item["verdict"] = probe::VerdictName(result.probe.verdict);
    item["detail"] = Printable(result.probe.detail);
    item["pass"] = result.pass;
    checks[{result.check.source, result.check.destination}].push_back(std::move(item));
  }
  for (auto& [key, items] : checks) {
    const auto& count = pairs.at(key);
    Json pair{{"from", Name(report, key.first)},
              {"to", Name(report, key.second)},
              {"required", {{"checked", count.required}, {"passed", count.required_passed}}},
              {"not_required", {{"checked", count.other}, {"filtered", count.other_filtered}}}};
    if (count.proxy > 0) pair["through_proxy"] = {{"checked", count.proxy}, {"passed", count.proxy_passed}};
    pair["passed"] = !count.Failed();
    pair["checks"] = std::move(items);
    document["pairs"].push_back(std::move(pair));
  }
  document["notes"] = report.notes;
  return document.dump(2) + "\n";
}

std::string Csv(const lab::VerifyReport& report) {
  std::string text = core::CsvRow({"from", "to", "address", "protocol", "port", "required", "flows_or_why", "expected",
                                   "verdict", "pass", "detail"});
  for (const auto& result : report.results) {
    text += core::CsvRow({Name(report, result.check.source), Name(report, result.check.destination),
                          result.check.address, std::string(probe::TransportName(result.check.transport)),
                          std::to_string(result.check.port), result.check.required ? "yes" : "no",
                          result.check.proxy
                              ? fmt::format("{} (via {})", Reason(result), ProxyText(report, *result.check.proxy))
                              : Reason(result),
                          Expected(result), std::string(probe::VerdictName(result.probe.verdict)),
                          result.pass ? "yes" : "no", Printable(result.probe.detail)});
  }
  return text;
}

}  // namespace

std::string RenderLabReport(const lab::VerifyReport& report, core::Format format, const LabReportOptions& options) {
  switch (format) {
    case core::Format::kJson: return JsonReport(report);
    case core::Format::kCsv: return Csv(report);
    default: return Table(report, options);
  }
}

}  // namespace portolan::report
