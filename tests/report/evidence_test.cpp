// Evidence read back for the site report: probe, lab and audit JSON round trips (written by the
// reports, read by report/evidence), every kind of error with its exact file:line:column, the
// inventory's fingerprint, and the names the evidence uses.

#include "report/evidence.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>

#include "audit/audit.hpp"
#include "audit/formats/formats.hpp"
#include "core/atomic_file.hpp"
#include "core/line_ending.hpp"
#include "lab/topology.hpp"
#include "plan/planner.hpp"
#include "report/audit_report.hpp"
#include "report/lab_report.hpp"
#include "report/probe_report.hpp"
#include "support/test_support.hpp"

namespace portolan::report {
namespace {

constexpr std::string_view kExample = "examples/sms2003-site.yaml";
const std::string kOtherFingerprint = "sha256:" + std::string(64, 'a');

const inventory::Inventory& Example() {
  static const auto inventory = testing::InventoryFromFile(testing::SourceDir() / kExample);
  return inventory;
}

const plan::Plan& ExamplePlan() {
  static const auto plan = plan::BuildPlan(testing::Sms2003(), Example());
  return plan;
}

// The first diagnostic of the InputError that `read` throws, as "file:line:column: error: message".
std::string ErrorOf(const std::function<void()>& read) {
  try {
    read();
  } catch (const core::InputError& error) {
    return error.diagnostics().All().front().ToString();
  }
  return "(no error)";
}

std::string ProbeError(const std::string& text, const std::string& file = "probe.json") {
  return ErrorOf([&] { ReadProbeEvidence(text, file); });
}

// --- round trips ---

std::vector<probe::ProbeResult> ProbeSample() {
  std::vector<probe::ProbeResult> results(3);
  results[0].spec.target = {"10.0.0.10", 389, "corp.example", "DC01", {}};
  results[0].spec.transport = probe::Transport::kUdp;
  results[0].spec.service = probe::ServiceFor(probe::Transport::kUdp, 389);
  results[0].spec.flows = {"F01", "F07"};
  results[0].verdict = probe::Verdict::kVerified;
  results[0].detail = "DC dc01.corp.example, caf\xc3\xa9 \"quoted\"";
  results[0].rtt_ms = 1.26;
  results[1].spec.target = {"10.0.0.11", 445, "", "", {}};
  results[1].spec.service = probe::ServiceFor(probe::Transport::kTcp, 445);
  results[1].spec.flows = {"F03"};
  results[1].verdict = probe::Verdict::kFiltered;
  results[1].detail = "ICMP administratively prohibited from 10.0.0.254";
  results[1].icmp_from = "10.0.0.254";
  results[2].spec.target = {"10.0.0.12", 80, "", "", {}};
  results[2].spec.service = probe::ServiceFor(probe::Transport::kTcp, 80);
  results[2].spec.proxy = probe::ProxyEndpoint{"10.0.0.5", 3128};
  results[2].spec.http_check = probe::HttpCheck::kCcmPost;
  results[2].verdict = probe::Verdict::kProxyDenied;
  results[2].rtt_ms = 3;
  return results;
}

ProbeReportOptions ProbeOptions() {
  ProbeReportOptions options;
  options.notes = {"F23: gre has no ports to probe"};
  options.inventory_file = std::string(kExample);
  options.fingerprint = Example().fingerprint;
  options.from = "SMS01";
  return options;
}

TEST(Evidence, ProbeRoundTrip) {
  const auto results = ProbeSample();
  const auto text = RenderProbeResults(results, core::Format::kJson, ProbeOptions());
  ASSERT_EQ(text.find("{\n  \"inventory\": {\n    \"file\": \"examples/sms2003-site.yaml\",\n    \"fingerprint\": "),
            0u)
      << text;
  const auto evidence = ReadProbeEvidence(text, "probe.json");
  EXPECT_EQ(evidence.file, "probe.json");
  EXPECT_EQ(evidence.inventory_file, kExample);
  EXPECT_EQ(evidence.fingerprint, Example().fingerprint);
  EXPECT_EQ(evidence.from, "SMS01");
  EXPECT_EQ(evidence.from_where.ToString(), "probe.json:6:11");
  EXPECT_EQ(evidence.notes, ProbeOptions().notes);
  ASSERT_EQ(evidence.results.size(), results.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& read = evidence.results[i];
    const auto& made = results[i];
    EXPECT_EQ(read.target, made.spec.target.address);
    EXPECT_EQ(read.protocol, probe::TransportName(made.spec.transport));
    EXPECT_EQ(read.port, made.spec.target.port);
    EXPECT_EQ(read.service, ServiceId(made));
    EXPECT_EQ(read.proxy, made.spec.proxy ? made.spec.proxy->Authority() : "");
    EXPECT_EQ(read.verdict, probe::VerdictName(made.verdict));
    EXPECT_EQ(read.passes, probe::VerdictPasses(made.verdict));
    EXPECT_EQ(read.detail, Printable(made.detail));
    EXPECT_EQ(read.icmp_from, made.icmp_from);
    EXPECT_DOUBLE_EQ(read.rtt_ms, std::round(made.rtt_ms * 10) / 10);
    EXPECT_EQ(read.flows, made.spec.flows);
  }
  EXPECT_EQ(evidence.results[0].where.ToString(), "probe.json:8:5");
  EXPECT_EQ(evidence.results[2].service, "http CCM_POST");
  EXPECT_NO_THROW(CheckFingerprint(evidence, Example()));
  EXPECT_NO_THROW(CheckNames(evidence, Example(), ExamplePlan()));
}

TEST(Evidence, CrlfReadsTheSame) {
  const auto text = RenderProbeResults(ProbeSample(), core::Format::kJson, ProbeOptions());
  const auto lf = ReadProbeEvidence(text, "probe.json");
  const auto crlf = ReadProbeEvidence(core::WithLineEnding(text, core::LineEnding::kCrlf), "probe.json");
  ASSERT_EQ(crlf.results.size(), lf.results.size());
  EXPECT_EQ(crlf.results[1].where.ToString(), lf.results[1].where.ToString());
  EXPECT_EQ(crlf.results[1].detail, lf.results[1].detail);
  EXPECT_EQ(crlf.fingerprint, lf.fingerprint);
  // Errors are placed the same too: the CR ends a line, it is not a column.
  const std::string bad = "{\n  \"results\": [\n    {\"port\": \"x\"}\n  ]\n}\n";
  EXPECT_EQ(ProbeError(core::WithLineEnding(bad, core::LineEnding::kCrlf)), ProbeError(bad));
}

TEST(Evidence, AdHocProbeHasNoInventory) {
  const auto text = RenderProbeResults(ProbeSample(), core::Format::kJson);
  const auto evidence = ReadProbeEvidence(text, "adhoc.json");
  EXPECT_EQ(evidence.fingerprint, "");
  EXPECT_EQ(evidence.from, "");
  EXPECT_EQ(evidence.results.size(), 3u);
  const auto missing = ErrorOf([&] { CheckFingerprint(evidence, Example()); });
  EXPECT_EQ(missing.find("adhoc.json: error: has no inventory fingerprint"), 0u) << missing;
  EXPECT_NE(missing.find("make it with portolan probe -i examples/sms2003-site.yaml --from HOST -f json"),
            std::string::npos)
      << missing;
  const auto no_from = ErrorOf([&] { CheckNames(evidence, Example(), ExamplePlan()); });
  EXPECT_EQ(no_from.find("adhoc.json: error: has no \"from\""), 0u) << no_from;
}

lab::VerifyReport LabSample() {
  lab::VerifyReport report;
  report.lab = "ex";
  report.inventory = std::string(kExample);
  report.fingerprint = Example().fingerprint;
  report.policy = "the nftables network policy";
  report.topology = lab::BuildTopology(Example(), "ex");
  const auto index = [&](std::string_view name) {
    return static_cast<int>(report.topology.FindEndpoint(name) - report.topology.endpoints.data());
  };
  const auto add = [&](std::string_view from, std::string_view to, int port, bool required, probe::Verdict verdict,
                       bool pass) {
    lab::CheckResult result;
    result.check.source = index(from);
    result.check.destination = index(to);
    result.check.address = fmt::format("10.99.0.{}", port % 200);
    result.check.port = port;
    result.check.required = required;
    if (required) {
      result.check.flows = {"F02"};
    } else {
      result.check.why = "catalog port (site-to-sql-smb)";
    }
    result.probe.verdict = verdict;
    result.probe.detail = "detail " + std::to_string(port);
    result.pass = pass;
    report.results.push_back(result);
  };
  add("SMS02", "DC01", 389, true, probe::Verdict::kVerified, true);
  add("SMS02", "DC01", 22, false, probe::Verdict::kFiltered, true);
  add("SMS01", "SQL01", 1433, true, probe::Verdict::kFiltered, false);
  report.results[2].follow_through = true;
  report.results[2].check.transport = probe::Transport::kUdp;
  add("hq-desktops", "DP01", 80, true, probe::Verdict::kProxyDenied, false);
  report.results[3].check.proxy =
      lab::ProxyCheck{"P01", index("SMS01"), "10.99.0.5", 3128, probe::HttpCheck::kGet, "", probe::Verdict::kVerified};
  report.results[3].check.why = "P01 through SMS01";
  report.notes = {"F23: gre has no ports"};
  return report;
}

TEST(Evidence, LabRoundTrip) {
  const auto report = LabSample();
  const auto text = RenderLabReport(report, core::Format::kJson);
  const auto evidence = ReadLabEvidence(text, "lab.json");
  EXPECT_EQ(evidence.lab, "ex");
  EXPECT_EQ(evidence.inventory_file, kExample);
  EXPECT_EQ(evidence.fingerprint, Example().fingerprint);
  EXPECT_EQ(evidence.policy, report.policy);
  EXPECT_FALSE(evidence.passed);
  EXPECT_EQ(evidence.notes, report.notes);
  ASSERT_EQ(evidence.checks.size(), report.results.size());
  // The JSON groups checks by pair (in pair order); find each made check by its port.
  for (const auto& made : report.results) {
    const auto it = std::find_if(evidence.checks.begin(), evidence.checks.end(),
                                 [&](const LabEvidence::Check& c) { return c.port == made.check.port; });
    ASSERT_NE(it, evidence.checks.end());
    EXPECT_EQ(it->from, report.topology.endpoints[static_cast<std::size_t>(made.check.source)].name);
    EXPECT_EQ(it->to, report.topology.endpoints[static_cast<std::size_t>(made.check.destination)].name);
    EXPECT_EQ(it->address, made.check.address);
    EXPECT_EQ(it->protocol, probe::TransportName(made.check.transport));
    EXPECT_EQ(it->required, made.check.required);
    EXPECT_EQ(it->flows, made.check.required ? made.check.flows : std::vector<std::string>{});
    EXPECT_EQ(it->why, !made.check.required || made.check.proxy ? made.check.why : "");
    EXPECT_EQ(it->verdict, probe::VerdictName(made.probe.verdict));
    EXPECT_EQ(it->detail, made.probe.detail);
    EXPECT_EQ(it->pass, made.pass);
    EXPECT_EQ(it->follow_through, made.follow_through);
    EXPECT_EQ(it->via, made.check.proxy ? "SMS01" : "");
    EXPECT_EQ(it->expected, made.check.proxy ? "VERIFIED" : "");
    EXPECT_EQ(it->service, "-");
  }
  EXPECT_LT(evidence.checks.front().pair_where.line, evidence.checks.front().where.line);
  EXPECT_EQ(evidence.checks.front().pair_where.column, 5);
  EXPECT_NO_THROW(CheckFingerprint(evidence, Example()));
  EXPECT_NO_THROW(CheckNames(evidence, Example(), ExamplePlan()));
}

audit::AuditResult BrokenExampleAudit() {
  const auto text = core::ReadFile(testing::SourceDir() / "examples/broken-iptables.rules");
  std::vector<audit::Ruleset> rulesets;
  rulesets.push_back(audit::formats::ReadRuleset(text, "examples/broken-iptables.rules", "", {}));
  policy::PolicyOptions network;
  network.mode = policy::Mode::kNetwork;
  const auto policy = policy::BuildPolicy(testing::Sms2003(), Example(), ExamplePlan(), network);
  return audit::RunAudit(rulesets, policy);
}

void ExpectRule(const AuditEvidence::Rule& read, const audit::RuleRef& made) {
  EXPECT_EQ(read.file, made.where.file);
  EXPECT_EQ(read.line, made.where.line);
  EXPECT_EQ(read.column, made.where.column);
  EXPECT_EQ(read.chain, made.chain);
  EXPECT_EQ(read.text, made.text);
  EXPECT_EQ(read.policy, made.is_policy);
  EXPECT_EQ(read.unmodelled, made.unmodelled);
}

TEST(Evidence, AuditRoundTrip) {
  const auto result = BrokenExampleAudit();
  ASSERT_FALSE(result.flows.empty());
  ASSERT_FALSE(result.excess.empty());
  const AuditReportOptions options{std::string(kExample), Example().fingerprint, "the router between zones"};
  const auto text = RenderAuditReport(result, core::Format::kJson, options);
  ASSERT_EQ(text.find("{\n  \"inventory\": {\n    \"file\": \"examples/sms2003-site.yaml\",\n    \"fingerprint\": \""),
            0u)
      << text.substr(0, 300);
  EXPECT_NE(text.find("\n  },\n  \"firewall\": \"the router between zones\",\n  \"mode\": "), std::string::npos);
  const auto evidence = ReadAuditEvidence(text, "audit.json");
  EXPECT_EQ(evidence.inventory_file, kExample);
  EXPECT_EQ(evidence.fingerprint, Example().fingerprint);
  EXPECT_EQ(evidence.firewall, "the router between zones");
  EXPECT_EQ(evidence.mode, result.mode);
  EXPECT_EQ(evidence.rulesets, result.rulesets);
  EXPECT_EQ(evidence.notes, result.notes);
  EXPECT_FALSE(evidence.summary.empty());
  ASSERT_EQ(evidence.flows.size(), result.flows.size());
  for (std::size_t i = 0; i < result.flows.size(); ++i) {
    const auto& read = evidence.flows[i];
    const auto& made = result.flows[i];
    EXPECT_EQ(read.flow, made.flow_id);
    EXPECT_EQ(read.direction, DirectionName(made.direction));
    EXPECT_EQ(read.family, core::FamilyName(made.family));
    EXPECT_EQ(read.from, made.from);
    EXPECT_EQ(read.to, made.to);
    EXPECT_EQ(read.protocol, made.protocol);
    EXPECT_EQ(read.ports, made.ports);
    EXPECT_EQ(read.verdict, audit::FlowStatusName(made.status));
    EXPECT_EQ(read.depends_on, made.depends_on);
    ASSERT_EQ(read.blocked.size(), made.blocked.size());
    for (std::size_t b = 0; b < made.blocked.size(); ++b) {
      EXPECT_EQ(read.blocked[b].example, made.blocked[b].example.ToString());
      EXPECT_EQ(read.blocked[b].uncertain, made.blocked[b].uncertain);
      ExpectRule(read.blocked[b].rule, made.blocked[b].rule);
    }
    EXPECT_GT(read.where.line, i == 0 ? 0 : evidence.flows[i - 1].where.line);
  }
  ASSERT_EQ(evidence.excess.size(), result.excess.size());
  for (std::size_t i = 0; i < result.excess.size(); ++i) {
    ExpectRule(evidence.excess[i].granted_by, result.excess[i].rule);
    EXPECT_EQ(evidence.excess[i].uncertain, result.excess[i].uncertain);
    EXPECT_EQ(evidence.excess[i].direction, DirectionName(result.excess[i].direction));
    EXPECT_FALSE(evidence.excess[i].source_ports.empty());
  }
  ASSERT_EQ(evidence.never_match.size(), result.shadowed.size());
  for (std::size_t i = 0; i < result.shadowed.size(); ++i) {
    ExpectRule(evidence.never_match[i].rule, result.shadowed[i].rule);
    EXPECT_EQ(evidence.never_match[i].why, result.shadowed[i].detail);
  }
  ASSERT_EQ(evidence.unused.size(), result.unused.size());
  EXPECT_NO_THROW(CheckFingerprint(evidence, Example()));
  EXPECT_NO_THROW(CheckNames(evidence, Example(), ExamplePlan()));
  // Without a command's options the report is as before: no inventory, no firewall.
  EXPECT_EQ(RenderAuditReport(result, core::Format::kJson).find("{\n  \"mode\": "), 0u);
}

// --- errors, each with its place ---

TEST(Evidence, SyntaxErrorsSayWhere) {
  EXPECT_EQ(ProbeError("{\n  \"results\": [\n    {\"target\": x}\n  ]\n}\n"),
            "probe.json:3:16: error: not valid JSON: syntax error while parsing value - invalid literal; last read: "
            "'\"target\": x'");
  EXPECT_EQ(ProbeError(""), "probe.json:1:1: error: the file is empty: expected portolan probe output (-f json)");
  EXPECT_EQ(ProbeError(" \r\n\n"),
            "probe.json:1:1: error: the file is empty: expected portolan probe output (-f json)");
  EXPECT_EQ(ProbeError("{\"results\": [\n"),
            "probe.json:2:1: error: not valid JSON: syntax error while parsing value - unexpected end of input; "
            "expected '[', '{', or a literal");
  EXPECT_EQ(ProbeError("{\"results\": [], \"rtt\": 1e999}"),
            "probe.json:1:24: error: not valid JSON: number overflow parsing '1e999'");
  // Invalid UTF-8 in a string: the place of the byte.
  EXPECT_EQ(ProbeError("{\"results\": [\"a\xff\"]}").substr(0, 29), "probe.json:1:16: error: not v");
}

TEST(Evidence, SchemaErrorsSayWhereAndWhat) {
  const std::string head = "{\n  \"results\": [\n    {\n";
  const std::string good =
      "      \"target\": \"10.0.0.1\",\n"
      "      \"protocol\": \"tcp\",\n"
      "      \"service\": \"ldap\",\n"
      "      \"verdict\": \"VERIFIED\",\n"
      "      \"detail\": \"\",\n"
      "      \"rtt_ms\": 0.5,\n"
      "      \"flows\": []";
  const auto probe = [&](const std::string& port) {
    return head + "      \"port\": " + port + ",\n" + good + "\n    }\n  ]\n}\n";
  };
  EXPECT_NO_THROW(ReadProbeEvidence(probe("389"), "probe.json"));
  EXPECT_EQ(ProbeError(probe("\"x\"")),
            "probe.json:4:15: error: \"port\" must be a whole number from 0 to 65535, not \"x\"");
  EXPECT_EQ(ProbeError(probe("70000")),
            "probe.json:4:15: error: \"port\" must be a whole number from 0 to 65535, not 70000");
  EXPECT_EQ(ProbeError(probe("-1")), "probe.json:4:15: error: \"port\" must be a whole number from 0 to 65535, not -1");
  EXPECT_EQ(ProbeError(probe("389.5")),
            "probe.json:4:15: error: \"port\" must be a whole number from 0 to 65535, not 389.5");
  EXPECT_EQ(ProbeError(probe("18446744073709551615")),
            "probe.json:4:15: error: \"port\" must be a whole number from 0 to 65535, not 18446744073709551615");
  // A missing key: the object that lacks it.
  EXPECT_EQ(ProbeError(head + good + "\n    }\n  ]\n}\n"), "probe.json:3:5: error: this probe result has no \"port\"");
  // A choice, with a suggestion.
  auto misspelt = probe("1");
  misspelt.replace(misspelt.find("\"VERIFIED\""), 10, "\"VERIFED\"");
  const auto choice = ProbeError(misspelt);
  EXPECT_EQ(choice.find("probe.json:8:18: error: \"verdict\" must be one of VERIFIED, LISTENING, "), 0u) << choice;
  EXPECT_NE(choice.find(", not \"VERIFED\" (did you mean 'VERIFIED'?)"), std::string::npos) << choice;
  // Lists and the items in them.
  auto flows = probe("1");
  flows.replace(flows.find("[]"), 2, "[\"F01\", 7]");
  EXPECT_EQ(ProbeError(flows), "probe.json:11:24: error: each item of \"flows\" must be text, not 7");
  EXPECT_EQ(ProbeError("{\"results\": [3]}"),
            "probe.json:1:14: error: each item of \"results\" must be an object, not 3");
  EXPECT_EQ(ProbeError("{\"results\": {}}"), "probe.json:1:13: error: \"results\" must be a list, not an object");
  // A duplicate key: nlohmann keeps the last, and so does the place.
  auto twice = probe("1");
  twice.replace(twice.find("\"port\": 1"), 9, "\"port\": 1, \"port\": true");
  EXPECT_EQ(ProbeError(twice), "probe.json:4:26: error: \"port\" must be a whole number from 0 to 65535, not true");
  // A key written with escapes is the same key.
  auto escaped = probe("\"x\"");
  escaped.replace(escaped.find("\"port\""), 6, "\"p\\u006frt\"");
  EXPECT_EQ(ProbeError(escaped), "probe.json:4:20: error: \"port\" must be a whole number from 0 to 65535, not \"x\"");
  // The inventory and its fingerprint.
  EXPECT_EQ(ProbeError("{\"inventory\": {\"file\": \"a.yaml\", \"fingerprint\": \"md5:1\"}, \"results\": []}"),
            "probe.json:1:49: error: \"fingerprint\" must be \"sha256:\" and 64 lowercase hex digits, not \"md5:1\"");
  EXPECT_EQ(ProbeError("{\"inventory\": \"a.yaml\", \"results\": []}"),
            "probe.json:1:15: error: \"inventory\" must be an object, not \"a.yaml\"");
  EXPECT_EQ(ProbeError("{\"inventory\": {\"file\": \"a.yaml\"}, \"results\": []}"),
            "probe.json:1:15: error: \"inventory\" has no \"fingerprint\"");
}

TEST(Evidence, BoundsAreChecked) {
  std::string deep = "{\"results\": ";
  for (int i = 0; i < 20; ++i) deep += "[";
  EXPECT_EQ(ProbeError(deep),
            "probe.json:1:28: error: nested more than 16 deep: this is not portolan probe output (-f json), which "
            "nests far less");
  const std::string long_text = "{\"results\": [], \"from\": \"" + std::string((1u << 20) + 1, 'x') + "\"}";
  EXPECT_EQ(ProbeError(long_text),
            "probe.json:1:25: error: \"from\" is 1048577 bytes long; no text value of portolan's outputs is over "
            "1048576");
  const auto rtt = ProbeError(
      "{\"results\": [{\"target\": \"a\", \"protocol\": \"tcp\", \"port\": 1, \"service\": \"-\", \"verdict\": "
      "\"LISTENING\", \"detail\": \"\", \"rtt_ms\": -1, \"flows\": []}]}");
  EXPECT_EQ(rtt, "probe.json:1:124: error: \"rtt_ms\" must be a number from 0 to 1000000000, not -1");
}

TEST(Evidence, AnotherKindOfFileIsNamed) {
  const auto lab = RenderLabReport(LabSample(), core::Format::kJson);
  EXPECT_EQ(ProbeError(lab, "x.json"),
            "x.json:1:1: error: this is not portolan probe output (-f json): it has no \"results\" list; it looks "
            "like the output of portolan lab verify -f json");
  const auto probe = RenderProbeResults(ProbeSample(), core::Format::kJson, ProbeOptions());
  EXPECT_EQ(ErrorOf([&] { ReadAuditEvidence(probe, "x.json"); }),
            "x.json:1:1: error: this is not portolan audit output (-f json): it has no \"rulesets\" list; it looks "
            "like the output of portolan probe -f json");
  EXPECT_EQ(ErrorOf([&] { ReadLabEvidence(" {\"catalog\": \"sms2003\", \"flows\": []}", "plan.json"); }),
            "plan.json:1:2: error: this is not portolan lab verify output (-f json): it has no \"pairs\" list; it "
            "looks like the output of portolan plan -f json");
  EXPECT_EQ(ProbeError("[1, 2]"),
            "probe.json:1:1: error: this is not portolan probe output (-f json): it is a list, "
            "not an object");
  EXPECT_EQ(ProbeError("\xEF\xBB\xBF\"text\""),
            "probe.json:1:4: error: this is not portolan probe output (-f json): it is \"text\", not an object");
}

TEST(Evidence, LabAndAuditErrorsSayWhere) {
  auto lab = RenderLabReport(LabSample(), core::Format::kJson);
  lab.replace(lab.find("\"pass\": true"), 12, "\"pass\": \"yes\"");
  const auto error = ErrorOf([&] { ReadLabEvidence(lab, "lab.json"); });
  EXPECT_NE(error.find(": error: \"pass\" must be true or false, not \"yes\""), std::string::npos) << error;
  EXPECT_EQ(error.find("lab.json:"), 0u);

  const std::string audit =
      "{\"mode\": \"m\", \"rulesets\": [], \"flows\": [{\"flow\": \"F01\", \"direction\": \"forward\", \"family\": "
      "\"ipv4\", \"from\": \"a\", \"to\": \"b\", \"protocol\": \"tcp\", \"ports\": \"1\", \"verdict\": \"BLOCKED\",\n"
      "  \"blocked\": [{\"example\": \"e\", \"uncertain\": false, \"rule\": {\"file\": \"r\", \"line\": -4}}]}]}";
  EXPECT_EQ(ErrorOf([&] { ReadAuditEvidence(audit, "audit.json"); }),
            "audit.json:2:82: error: \"line\" must be a whole number from 0 to 2147483647, not -4");
}

TEST(Evidence, LoadRefusesWhatItCannotRead) {
  const auto error = ErrorOf([] { LoadProbeEvidence("/nonexistent/probe.json"); });
  EXPECT_EQ(error.find("/nonexistent/probe.json: error: "), 0u) << error;
}

// --- the fingerprint and the names ---

TEST(Evidence, AnotherInventorysResultsAreRefused) {
  const auto error = ErrorOf([] { CheckFingerprint("probe.json", "other.yaml", kOtherFingerprint, Example()); });
  EXPECT_EQ(error, fmt::format("probe.json: error: results of another inventory: made from other.yaml "
                               "(sha256:aaaaaaaa...), not examples/sms2003-site.yaml ({}...)",
                               Example().fingerprint.substr(0, 15)));
  // A copy of the inventory with CRLF line ends is the same inventory.
  const auto text = core::ReadFile(testing::SourceDir() / kExample);
  const auto copy = testing::InventoryFromText(core::WithLineEnding(text, core::LineEnding::kCrlf), "copy.yaml");
  EXPECT_NO_THROW(CheckFingerprint("probe.json", std::string(kExample), Example().fingerprint, copy));
  const auto lab_error = ErrorOf([] {
    auto report = LabSample();
    report.fingerprint.clear();
    const auto evidence = ReadLabEvidence(RenderLabReport(report, core::Format::kJson), "lab.json");
    CheckFingerprint(evidence, Example());
  });
  EXPECT_EQ(lab_error.find("lab.json: error: has no inventory fingerprint"), 0u) << lab_error;
  EXPECT_NE(lab_error.find("portolan lab verify --name LAB -f json"), std::string::npos) << lab_error;
}

TEST(Evidence, UnknownNamesAreRefused) {
  auto options = ProbeOptions();
  options.from = "SMS1";
  auto results = ProbeSample();
  results[1].spec.flows = {"F999"};
  const auto probe = ReadProbeEvidence(RenderProbeResults(results, core::Format::kJson, options), "probe.json");
  try {
    CheckNames(probe, Example(), ExamplePlan());
    FAIL() << "no error";
  } catch (const core::InputError& error) {
    const auto& all = error.diagnostics().All();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].ToString(),
              "probe.json:6:11: error: \"from\" names 'SMS1', which is no host or client network of "
              "examples/sms2003-site.yaml (did you mean 'SMS01'?)");
    EXPECT_EQ(all[1].where.ToString(), probe.results[1].where.ToString());
    EXPECT_EQ(all[1].message.find("flow 'F999' is not in the plan of examples/sms2003-site.yaml"), 0u)
        << all[1].message;
  }
  auto report = LabSample();
  report.topology.endpoints[0].name = "NOPE01";
  const auto lab = ReadLabEvidence(RenderLabReport(report, core::Format::kJson), "lab.json");
  const auto error = ErrorOf([&] { CheckNames(lab, Example(), ExamplePlan()); });
  EXPECT_NE(error.find("names 'NOPE01', which is no host or client network"), std::string::npos) << error;
}

}  // namespace
}  // namespace portolan::report
