#include "audit/audit_report.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "report/text_table.hpp"

namespace portolan::audit {

namespace {

constexpr std::size_t kRuleColumnWidth = 70;
constexpr std::size_t kWhyColumnWidth = 80;

std::string BlockedText(const FlowVerdict& flow) {
  std::vector<std::string> lines;
  for (const auto& part : flow.blocked)
    lines.push_back(fmt::format("e.g. {}: {} by {}", part.example.ToString(),
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

std::string Table(const AuditResult& result) {
  std::string out = fmt::format("portolan audit: {}\n", result.mode);
  for (const auto& ruleset : result.rulesets) out += fmt::format("ruleset: {}\n", ruleset);

  out += "\nREQUIRED FLOWS\n";
  report::TextTable flows(
      {{"FLOW"}, {"DIR"}, {"FROM", 24}, {"TO", 24}, {"PROTO"}, {"PORTS", 20}, {"VERDICT"}, {"WHY", kWhyColumnWidth}});
  for (const auto& flow : result.flows) {
    flows.AddRow({flow.flow_id, std::string(DirectionName(flow.direction)), flow.from, flow.to, flow.protocol,
                  flow.ports, std::string(FlowStatusName(flow.status)), BlockedText(flow)});
  }
  out += result.flows.empty() ? "(the plan requires no flow through this firewall)\n" : flows.ToString();

  out += "\nPERMITTED BUT NOT REQUIRED\n";
  if (result.excess.empty()) {
    out += "(nothing)\n";
  } else {
    report::TextTable excess(
        {{"DIR"}, {"SOURCE", 30}, {"DESTINATION", 30}, {"PROTO"}, {"PORTS", 20}, {"GRANTED BY", kRuleColumnWidth}});
    for (const auto& box : result.excess) {
      auto ports = box.box.DestinationPortText();
      if (box.box.SourcePortText() != "any" && box.box.SourcePortText() != "-")
        ports += " from " + box.box.SourcePortText();
      excess.AddRow(
          {std::string(DirectionName(box.direction)), box.box.SourceText(), box.box.DestinationText(),
           box.box.ProtocolText(), ports,
           box.rule.ToString() + (box.uncertain ? "\n(only for some interfaces or unmodelled matches)" : "")});
    }
    out += excess.ToString();
  }

  auto findings = [&](const std::string& title, const std::vector<RuleFinding>& list) {
    out += "\n" + title + "\n";
    if (list.empty()) {
      out += "(none)\n";
      return;
    }
    report::TextTable table({{"RULE", kRuleColumnWidth}, {"WHY", 50}});
    for (const auto& finding : list) table.AddRow({finding.rule.ToString(), finding.detail});
    out += table.ToString();
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

nlohmann::ordered_json RuleJson(const RuleRef& rule) {
  nlohmann::ordered_json json;
  json["file"] = rule.where.file;
  json["line"] = rule.where.line;
  json["chain"] = rule.chain;
  json["text"] = rule.text;
  json["policy"] = rule.is_policy;
  if (!rule.unmodelled.empty()) json["unmodelled"] = rule.unmodelled;
  return json;
}

std::string Json(const AuditResult& result) {
  nlohmann::ordered_json json;
  json["mode"] = result.mode;
  json["rulesets"] = result.rulesets;
  json["flows"] = nlohmann::ordered_json::array();
  for (const auto& flow : result.flows) {
    nlohmann::ordered_json item;
    item["flow"] = flow.flow_id;
    item["direction"] = DirectionName(flow.direction);
    item["family"] = core::FamilyName(flow.family);
    item["from"] = flow.from;
    item["to"] = flow.to;
    item["protocol"] = flow.protocol;
    item["ports"] = flow.ports;
    item["verdict"] = FlowStatusName(flow.status);
    item["blocked"] = nlohmann::ordered_json::array();
    for (const auto& part : flow.blocked) {
      nlohmann::ordered_json blocked;
      blocked["example"] = part.example.ToString();
      blocked["uncertain"] = part.uncertain;
      blocked["rule"] = RuleJson(part.rule);
      item["blocked"].push_back(std::move(blocked));
    }
    item["depends_on"] = flow.depends_on;
    json["flows"].push_back(std::move(item));
  }
  json["permitted_not_required"] = nlohmann::ordered_json::array();
  for (const auto& box : result.excess) {
    nlohmann::ordered_json item;
    item["direction"] = DirectionName(box.direction);
    item["family"] = core::FamilyName(box.box.family);
    item["source"] = box.box.SourceText();
    item["destination"] = box.box.DestinationText();
    item["protocol"] = box.box.ProtocolText();
    item["ports"] = box.box.DestinationPortText();
    item["source_ports"] = box.box.SourcePortText();
    item["granted_by"] = RuleJson(box.rule);
    item["uncertain"] = box.uncertain;
    json["permitted_not_required"].push_back(std::move(item));
  }
  auto findings = [](const std::vector<RuleFinding>& list) {
    auto array = nlohmann::ordered_json::array();
    for (const auto& finding : list) {
      nlohmann::ordered_json item;
      item["rule"] = RuleJson(finding.rule);
      item["why"] = finding.detail;
      array.push_back(std::move(item));
    }
    return array;
  };
  json["never_match"] = findings(result.shadowed);
  json["unused"] = findings(result.unused);
  json["notes"] = result.notes;
  json["summary"] = Summary(result);
  return json.dump(2) + "\n";
}

std::string Csv(const AuditResult& result) {
  std::string out = report::CsvRow(
      {"kind", "flow", "direction", "source", "destination", "protocol", "ports", "verdict", "rule", "detail"});
  for (const auto& flow : result.flows) {
    std::string rules;
    for (const auto& part : flow.blocked) rules += (rules.empty() ? "" : "; ") + part.rule.ToString();
    out +=
        report::CsvRow({"flow", flow.flow_id, std::string(DirectionName(flow.direction)), flow.from, flow.to,
                        flow.protocol, flow.ports, std::string(FlowStatusName(flow.status)), rules, BlockedText(flow)});
  }
  for (const auto& box : result.excess) {
    out += report::CsvRow({"excess", "", std::string(DirectionName(box.direction)), box.box.SourceText(),
                           box.box.DestinationText(), box.box.ProtocolText(), box.box.DestinationPortText(),
                           box.uncertain ? "UNCERTAIN" : "PERMITTED", box.rule.ToString(), ""});
  }
  for (const auto& finding : result.shadowed)
    out += report::CsvRow({"never-match", "", "", "", "", "", "", "", finding.rule.ToString(), finding.detail});
  for (const auto& finding : result.unused)
    out += report::CsvRow({"unused", "", "", "", "", "", "", "", finding.rule.ToString(), finding.detail});
  return out;
}

}  // namespace

std::string_view DirectionName(render::Direction direction) {
  switch (direction) {
    case render::Direction::kInbound: return "inbound";
    case render::Direction::kOutbound: return "outbound";
    case render::Direction::kForward: return "forward";
  }
  return "?";
}

std::string RenderAuditReport(const AuditResult& result, report::Format format) {
  switch (format) {
    case report::Format::kJson: return Json(result);
    case report::Format::kCsv: return Csv(result);
    default: return Table(result);
  }
}

}  // namespace portolan::audit
