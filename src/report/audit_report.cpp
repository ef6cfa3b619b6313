#include "report/audit_report.hpp"

#include <fmt/format.h>

#include "audit/box_text.hpp"
#include "audit/http_methods.hpp"
#include "core/json_writer.hpp"
#include "core/text_table.hpp"

namespace portolan::report {

namespace {

using audit::AuditResult;
using audit::BoxTexts;
using audit::ExcessBox;
using audit::FlowStatus;
using audit::FlowStatusName;
using audit::FlowVerdict;
using audit::RuleFinding;
using audit::RuleRef;

constexpr std::size_t kRuleColumnWidth = 70;
constexpr std::size_t kWhyColumnWidth = 80;

// An example packet; a proxy's request with its method by name.
std::string ExampleText(const audit::Packet& example, bool requests) {
  return requests ? audit::RequestText(example) : example.ToString();
}

std::string BlockedText(const FlowVerdict& flow, bool requests) {
  std::vector<std::string> lines;
  for (const auto& part : flow.blocked)
    lines.push_back(fmt::format("e.g. {}: {} by {}", ExampleText(part.example, requests),
                                part.uncertain ? "may be dropped" : "dropped", part.rule.ToString()));
  if (!flow.depends_on.empty()) lines.push_back(fmt::format("depends on: {}", fmt::join(flow.depends_on, "; ")));
  return fmt::format("{}", fmt::join(lines, "\n"));
}

std::string Summary(const AuditResult& result) {
  std::map<FlowStatus, int> counts;
  for (const auto& flow : result.flows) ++counts[flow.status];
  std::vector<std::string> parts;
  for (const auto status : {FlowStatus::kAllowed, FlowStatus::kBlocked, FlowStatus::kPartial, FlowStatus::kUncertain,
                            FlowStatus::kNotAudited}) {
    if (counts[status] > 0) parts.push_back(fmt::format("{} {}", counts[status], FlowStatusName(status)));
  }
  return fmt::format(
      "{} required flows ({}); {} permitted-but-not-required boxes; {} rules that can never match; "
      "{} rules no required flow uses",
      result.flows.size(), parts.empty() ? "none" : fmt::format("{}", fmt::join(parts, ", ")), result.excess.size(),
      result.shadowed.size(), result.unused.size());
}

// Generous averages per finding, to grow the report's buffer once or not at all.
constexpr std::size_t kTableBytesPerFinding = 320;
constexpr std::size_t kJsonBytesPerFinding = 512;
constexpr std::size_t kCsvBytesPerFinding = 256;

std::size_t FindingCount(const AuditResult& result) {
  return result.flows.size() + result.excess.size() + result.shadowed.size() + result.unused.size() + 1;
}

std::string Table(const AuditResult& result) {
  std::string out;
  out.reserve(kTableBytesPerFinding * FindingCount(result));
  out += fmt::format("portolan audit: {}\n", result.mode);
  for (const auto& ruleset : result.rulesets) out += fmt::format("ruleset: {}\n", ruleset);

  out += "\nREQUIRED FLOWS\n";
  // A proxy's requests have a column of their own for their methods.
  std::vector<core::TextTable::Column> flow_columns = {{"FLOW"},   {"DIR"},   {"FROM", 24},
                                                       {"TO", 24}, {"PROTO"}, {"PORTS", 20}};
  if (result.requests) flow_columns.push_back({"METHODS", 24});
  flow_columns.insert(flow_columns.end(), {{"VERDICT"}, {"WHY", kWhyColumnWidth}});
  core::TextTable flows(flow_columns);
  for (const auto& flow : result.flows) {
    std::vector<std::string> row = {
        flow.flow_id, std::string(DirectionName(flow.direction)), flow.from, flow.to, flow.protocol, flow.ports};
    if (result.requests) row.push_back(fmt::format("{}", fmt::join(flow.methods, ", ")));
    row.insert(row.end(), {std::string(FlowStatusName(flow.status)), BlockedText(flow, result.requests)});
    flows.AddRow(std::move(row));
  }
  if (result.flows.empty()) {
    out += "(the plan requires no flow through this firewall)\n";
  } else {
    flows.AppendTo(out);
  }

  out += "\nPERMITTED BUT NOT REQUIRED\n";
  if (result.excess.empty()) {
    out += "(nothing)\n";
  } else {
    std::vector<core::TextTable::Column> columns = {
        {"DIR"}, {"SOURCE", 30}, {"DESTINATION", 30}, {"PROTO"}, {"PORTS", 20}};
    if (result.requests) columns.push_back({"METHODS", 24});
    columns.push_back({"GRANTED BY", kRuleColumnWidth});
    core::TextTable excess(columns);
    BoxTexts texts;
    for (const auto& box : result.excess) {
      texts.Render(box.box, result.requests);
      std::string ports(texts.ports());
      if (!result.requests && texts.source_ports() != "any" && texts.source_ports() != "-") {
        ports += " from ";
        ports += texts.source_ports();
      }
      std::vector<std::string> row = {std::string(DirectionName(box.direction)), std::string(texts.source()),
                                      std::string(texts.destination()), std::string(texts.protocol()),
                                      std::move(ports)};
      if (result.requests) row.emplace_back(texts.methods());
      row.push_back(box.rule.ToString() + (box.uncertain ? "\n(only for some interfaces or unmodelled matches)" : ""));
      excess.AddRow(std::move(row));
    }
    excess.AppendTo(out);
  }

  auto findings = [&](const std::string& title, const std::vector<RuleFinding>& list) {
    out += "\n" + title + "\n";
    if (list.empty()) {
      out += "(none)\n";
      return;
    }
    core::TextTable table({{"RULE", kRuleColumnWidth}, {"WHY", 50}});
    for (const auto& finding : list) table.AddRow({finding.rule.ToString(), finding.detail});
    table.AppendTo(out);
  };
  findings("RULES THAT CAN NEVER MATCH", result.shadowed);
  findings("RULES NO REQUIRED FLOW USES", result.unused);

  if (!result.notes.empty()) {
    out += "\n";
    for (const auto& note : result.notes) out += fmt::format("note: {}\n", note);
  }
  out += "\n" + Summary(result) + "\n";
  return out;
}

void WriteRule(core::JsonWriter& json, const RuleRef& rule) {
  json.BeginObject();
  json.Key("file");
  json.String(rule.where.file);
  json.Key("line");
  json.Int(rule.where.line);
  if (rule.where.column > 0) {  // readers that locate rules within a line (nft -j writes one line)
    json.Key("column");
    json.Int(rule.where.column);
  }
  json.Key("chain");
  json.String(rule.chain);
  json.Key("text");
  json.String(rule.text);
  json.Key("policy");
  json.Bool(rule.is_policy);
  if (!rule.unmodelled.empty()) {
    json.Key("unmodelled");
    json.StringArray(rule.unmodelled);
  }
  json.EndObject();
}

void WriteFlow(core::JsonWriter& json, const FlowVerdict& flow, bool requests) {
  json.BeginObject();
  json.Key("flow");
  json.String(flow.flow_id);
  json.Key("direction");
  json.String(DirectionName(flow.direction));
  json.Key("family");
  json.String(core::FamilyName(flow.family));
  json.Key("from");
  json.String(flow.from);
  json.Key("to");
  json.String(flow.to);
  json.Key("protocol");
  json.String(flow.protocol);
  json.Key("ports");
  json.String(flow.ports);
  if (requests) {
    json.Key("methods");
    json.StringArray(flow.methods);
  }
  json.Key("verdict");
  json.String(FlowStatusName(flow.status));
  json.Key("blocked");
  json.BeginArray();
  for (const auto& part : flow.blocked) {
    json.BeginObject();
    json.Key("example");
    json.String(ExampleText(part.example, requests));
    json.Key("uncertain");
    json.Bool(part.uncertain);
    json.Key("rule");
    WriteRule(json, part.rule);
    json.EndObject();
  }
  json.EndArray();
  json.Key("depends_on");
  json.StringArray(flow.depends_on);
  json.EndObject();
}

void WriteExcess(core::JsonWriter& json, const ExcessBox& box, BoxTexts& texts, bool requests) {
  texts.Render(box.box, requests);
  json.BeginObject();
  json.Key("direction");
  json.String(DirectionName(box.direction));
  json.Key("family");
  json.String(core::FamilyName(box.box.family));
  json.Key("source");
  json.String(texts.source());
  json.Key("destination");
  json.String(texts.destination());
  json.Key("protocol");
  json.String(texts.protocol());
  json.Key("ports");
  json.String(texts.ports());
  if (requests) {
    json.Key("methods");
    json.String(texts.methods());
  } else {
    json.Key("source_ports");
    json.String(texts.source_ports());
  }
  json.Key("granted_by");
  WriteRule(json, box.rule);
  json.Key("uncertain");
  json.Bool(box.uncertain);
  json.EndObject();
}

void WriteFindings(core::JsonWriter& json, const std::vector<RuleFinding>& list) {
  json.BeginArray();
  for (const auto& finding : list) {
    json.BeginObject();
    json.Key("rule");
    WriteRule(json, finding.rule);
    json.Key("why");
    json.String(finding.detail);
    json.EndObject();
  }
  json.EndArray();
}

// Streamed rather than built as a document: a large ruleset's report holds hundreds of
// thousands of objects. The layout is nlohmann's dump(2), as the goldens hold it.
std::string Json(const AuditResult& result, const AuditReportOptions& options) {
  core::JsonWriter json;
  json.Reserve(kJsonBytesPerFinding * FindingCount(result));
  json.BeginObject();
  if (!options.inventory_file.empty()) {
    json.Key("inventory");
    json.BeginObject();
    json.Key("file");
    json.String(options.inventory_file);
    json.Key("fingerprint");
    json.String(options.fingerprint);
    json.EndObject();
  }
  if (!options.firewall.empty()) {
    json.Key("firewall");
    json.String(options.firewall);
  }
  json.Key("mode");
  json.String(result.mode);
  json.Key("rulesets");
  json.StringArray(result.rulesets);
  json.Key("flows");
  json.BeginArray();
  for (const auto& flow : result.flows) WriteFlow(json, flow, result.requests);
  json.EndArray();
  json.Key("permitted_not_required");
  json.BeginArray();
  BoxTexts texts;
  for (const auto& box : result.excess) WriteExcess(json, box, texts, result.requests);
  json.EndArray();
  json.Key("never_match");
  WriteFindings(json, result.shadowed);
  json.Key("unused");
  WriteFindings(json, result.unused);
  json.Key("notes");
  json.StringArray(result.notes);
  json.Key("summary");
  json.String(Summary(result));
  json.EndObject();
  return json.Take();
}

std::string Csv(const AuditResult& result) {
  std::string out;
  out.reserve(kCsvBytesPerFinding * FindingCount(result));
  core::AppendCsvRow(
      out, {"kind", "flow", "direction", "source", "destination", "protocol", "ports", "verdict", "rule", "detail"});
  for (const auto& flow : result.flows) {
    std::string rules;
    for (const auto& part : flow.blocked) rules += (rules.empty() ? "" : "; ") + part.rule.ToString();
    // A proxy's requests: the methods join the ports ("80 methods GET, HEAD").
    const auto ports =
        result.requests ? fmt::format("{} methods {}", flow.ports, fmt::join(flow.methods, ", ")) : flow.ports;
    core::AppendCsvRow(out, {"flow", flow.flow_id, DirectionName(flow.direction), flow.from, flow.to, flow.protocol,
                             ports, FlowStatusName(flow.status), rules, BlockedText(flow, result.requests)});
  }
  BoxTexts texts;
  for (const auto& box : result.excess) {
    texts.Render(box.box, result.requests);
    const auto ports =
        result.requests ? fmt::format("{} methods {}", texts.ports(), texts.methods()) : std::string(texts.ports());
    core::AppendCsvRow(
        out, {"excess", "", DirectionName(box.direction), texts.source(), texts.destination(), texts.protocol(), ports,
              box.uncertain ? "UNCERTAIN" : "PERMITTED", box.rule.ToString(), ""});
  }
  for (const auto& finding : result.shadowed)
    core::AppendCsvRow(out, {"never-match", "", "", "", "", "", "", "", finding.rule.ToString(), finding.detail});
  for (const auto& finding : result.unused)
    core::AppendCsvRow(out, {"unused", "", "", "", "", "", "", "", finding.rule.ToString(), finding.detail});
  return out;
}

}  // namespace

std::string_view DirectionName(policy::Direction direction) {
  switch (direction) {
    case policy::Direction::kInbound: return "inbound";
    case policy::Direction::kOutbound: return "outbound";
    case policy::Direction::kForward: return "forward";
  }
  return "?";
}

std::string RenderAuditReport(const AuditResult& result, core::Format format, const AuditReportOptions& options) {
  switch (format) {
    case core::Format::kJson: return Json(result, options);
    case core::Format::kCsv: return Csv(result);
    default: return Table(result);
  }
}

}  // namespace portolan::report
