// The audit report with names and rule texts no golden holds: quotes, backslashes, control
// characters and non-ASCII bytes must come out as valid JSON and CSV that read back the same.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "report/audit_report.hpp"

namespace portolan::audit {
namespace {

const std::string kHostile = "say \"hi\" C:\\fw\t\x01\x1f caf\xc3\xa9, \xe2\x82\xac\nnext line";

RuleRef HostileRule(int line) {
  RuleRef rule;
  rule.where = {"odd \"file\".rules", line, 1};
  rule.chain = "IN\\PUT";
  rule.text = "-A INPUT -m comment --comment \"" + kHostile + "\" -j ACCEPT";
  rule.unmodelled = {"-m string \"" + kHostile + "\""};
  return rule;
}

AuditResult HostileResult() {
  AuditResult result;
  result.mode = "host " + kHostile;
  result.rulesets = {kHostile + " (iptables, ipv4)"};
  FlowVerdict flow;
  flow.flow_id = "F01";
  flow.protocol = "tcp";
  flow.ports = "445";
  flow.from = kHostile;
  flow.to = "DC01";
  flow.status = FlowStatus::kBlocked;
  BlockedPart blocked;
  blocked.example.protocol = kProtocolTcp;
  blocked.example.destination_port = 445;
  blocked.rule = HostileRule(3);
  flow.blocked.push_back(blocked);
  flow.depends_on = {kHostile};
  result.flows.push_back(flow);
  ExcessBox excess;
  excess.box.protocols = {{kProtocolTcp, kProtocolTcp}};
  excess.box.destinations = {{0x0a000001, 0x0a000001}};
  excess.box.sources = {{0, 0xffffffff}};
  excess.box.destination_ports = {{80, 80}};
  excess.box.source_ports = {{0, 65535}};
  excess.rule = HostileRule(4);
  excess.uncertain = true;
  result.excess.push_back(excess);
  result.shadowed.push_back({HostileRule(5), kHostile});
  result.unused.push_back({HostileRule(6), kHostile});
  result.notes = {kHostile};
  return result;
}

TEST(AuditReport, JsonEscapesEveryStringAndReadsBack) {
  const auto text = report::RenderAuditReport(HostileResult(), core::Format::kJson);
  const auto json = nlohmann::ordered_json::parse(text);
  EXPECT_EQ(json.dump(2) + "\n", text);  // the layout of nlohmann's dump(2), byte for byte
  EXPECT_EQ(json["mode"], "host " + kHostile);
  EXPECT_EQ(json["rulesets"][0], kHostile + " (iptables, ipv4)");
  EXPECT_EQ(json["flows"][0]["from"], kHostile);
  EXPECT_EQ(json["flows"][0]["depends_on"][0], kHostile);
  EXPECT_EQ(json["flows"][0]["blocked"][0]["rule"]["file"], "odd \"file\".rules");
  EXPECT_EQ(json["flows"][0]["blocked"][0]["rule"]["line"], 3);
  EXPECT_EQ(json["flows"][0]["blocked"][0]["rule"]["chain"], "IN\\PUT");
  const auto& granted = json["permitted_not_required"][0]["granted_by"];
  EXPECT_EQ(granted["text"], HostileRule(4).text);
  EXPECT_EQ(granted["unmodelled"][0], HostileRule(4).unmodelled[0]);
  EXPECT_EQ(json["permitted_not_required"][0]["destination"], "10.0.0.1");
  EXPECT_EQ(json["permitted_not_required"][0]["source"], "any");
  EXPECT_EQ(json["permitted_not_required"][0]["uncertain"], true);
  EXPECT_EQ(json["never_match"][0]["why"], kHostile);
  EXPECT_EQ(json["unused"][0]["rule"]["line"], 6);
  EXPECT_EQ(json["notes"][0], kHostile);
  // Control characters as JSON escapes, non-ASCII bytes as they are.
  EXPECT_NE(text.find("\\t\\u0001\\u001f caf\xc3\xa9, \xe2\x82\xac\\nnext line"), std::string::npos);
}

TEST(AuditReport, JsonRefusesInvalidUtf8) {
  auto result = HostileResult();
  result.unused[0].detail = "cut \xc3";
  EXPECT_THROW(report::RenderAuditReport(result, core::Format::kJson), nlohmann::json::exception);
}

TEST(AuditReport, CsvQuotesEveryFieldThatNeedsIt) {
  const auto text = report::RenderAuditReport(HostileResult(), core::Format::kCsv);
  std::string quoted = "\"";
  for (const char c : kHostile) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  quoted += "\"";
  EXPECT_NE(text.find(" -j ACCEPT\"," + quoted + "\r\n"), std::string::npos) << text;  // a finding's detail, last
  EXPECT_NE(text.find("\r\nunused,,,,,,,,\"odd \"\"file\"\".rules:6:1: "), std::string::npos) << text;
  EXPECT_NE(text.find("\r\nexcess,,forward,any,10.0.0.1,tcp,80,UNCERTAIN,"), std::string::npos) << text;
}

TEST(AuditReport, TableKeepsTheTextAsItIs) {
  const auto text = report::RenderAuditReport(HostileResult(), core::Format::kTable);
  EXPECT_NE(text.find("caf\xc3\xa9,"), std::string::npos);
  EXPECT_NE(text.find("note: " + kHostile + "\n"), std::string::npos);
  EXPECT_NE(text.find("1 required flows (1 BLOCKED); 1 permitted-but-not-required boxes;"), std::string::npos);
}

}  // namespace
}  // namespace portolan::audit
