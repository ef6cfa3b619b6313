// The site report's parts that decide something: the status each flow gets from the evidence
// (strongest evidence first, "open" only where every pair was checked), and the rule each
// platform shows for a flow (lines of the platform's real output, not a paraphrase).

#include <gtest/gtest.h>

#include "plan/planner.hpp"
#include "render/render.hpp"
#include "report/site_report.hpp"
#include "support/test_support.hpp"

namespace portolan::report {
namespace {

class SiteReport : public ::testing::Test {
 protected:
  SiteReport()
      : inventory_(testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml")),
        plan_(plan::BuildPlan(testing::Sms2003(), inventory_)) {
    input_.catalog = &testing::Sms2003();
    input_.inventory = &inventory_;
    input_.plan = &plan_;
  }

  const plan::Flow& Flow(const std::string& id) const {
    for (const auto& flow : plan_.flows) {
      if (flow.id == id) return flow;
    }
    throw std::runtime_error("no flow " + id);
  }

  FlowState StateOf(const std::string& id) const {
    const auto states = CombineEvidence(input_);
    for (std::size_t f = 0; f < plan_.flows.size(); ++f) {
      if (plan_.flows[f].id == id) return states[f];
    }
    throw std::runtime_error("no flow " + id);
  }

  // A passing (or failing) probe of the flow's first port from one endpoint to another.
  void Probe(const std::string& from, const std::string& to, const std::string& flow, bool passes,
             const std::string& verdict = "") {
    auto& evidence = ProbeFrom(from);
    ProbeEvidence::Result result;
    result.target = inventory_.FindEndpoint(to)->addresses.front().AddressString();
    result.protocol = "tcp";
    result.port = Flow(flow).Ports().Ranges().front().first;
    result.passes = passes;
    result.verdict = !verdict.empty() ? verdict : passes ? "VERIFIED" : "FILTERED";
    result.flows = {flow};
    evidence.results.push_back(result);
  }

  ProbeEvidence& ProbeFrom(const std::string& from) {
    for (auto& probe : input_.probes) {
      if (probe.from == from) return probe;
    }
    auto& probe = input_.probes.emplace_back();
    probe.from = from;
    return probe;
  }

  void Audit(const std::string& flow, const std::string& verdict) {
    if (input_.audits.empty()) input_.audits.emplace_back();
    AuditEvidence::Flow audited;
    audited.flow = flow;
    audited.verdict = verdict;
    input_.audits.front().flows.push_back(audited);
  }

  inventory::Inventory inventory_;
  plan::Plan plan_;
  SiteReportInput input_;
};

// F01: SMS01, SMS02 and SMS03 to DC01 (Kerberos, CLDAP, the endpoint mapper over UDP).
TEST_F(SiteReport, OpenOnlyWhenEveryPairPassed) {
  ASSERT_EQ(Flow("F01").sources.size(), 3u);
  EXPECT_EQ(StateOf("F01"), FlowState::kUnchecked);
  Probe("SMS01", "DC01", "F01", true);
  EXPECT_EQ(StateOf("F01"), FlowState::kPartlyChecked);
  Probe("SMS02", "DC01", "F01", true);
  EXPECT_EQ(StateOf("F01"), FlowState::kPartlyChecked);
  Probe("SMS03", "DC01", "F01", true);
  EXPECT_EQ(StateOf("F01"), FlowState::kOpen);
}

TEST_F(SiteReport, ALaterFailureWinsOverPasses) {
  for (const auto* from : {"SMS01", "SMS02", "SMS03"}) Probe(from, "DC01", "F01", true);
  Probe("SMS02", "DC01", "F01", false);
  EXPECT_EQ(StateOf("F01"), FlowState::kFailed);
}

TEST_F(SiteReport, UdpSilenceProvesNothing) {
  Probe("SMS01", "DC01", "F01", false, "LISTENING_OR_FILTERED");
  EXPECT_EQ(StateOf("F01"), FlowState::kUnchecked);
}

TEST_F(SiteReport, TheAuditsBlockWinsOverProbes) {
  for (const auto* from : {"SMS01", "SMS02", "SMS03"}) Probe(from, "DC01", "F01", true);
  Audit("F01", "BLOCKED");
  EXPECT_EQ(StateOf("F01"), FlowState::kBlocked);
}

TEST_F(SiteReport, AuditVerdictsAlone) {
  Audit("F01", "PARTIAL");
  Audit("F02", "UNCERTAIN");
  Audit("F03", "ALLOWED");
  Audit("F04", "NOT-AUDITED");
  EXPECT_EQ(StateOf("F01"), FlowState::kPartlyBlocked);
  EXPECT_EQ(StateOf("F02"), FlowState::kUncertain);
  EXPECT_EQ(StateOf("F03"), FlowState::kAllowed);
  EXPECT_EQ(StateOf("F04"), FlowState::kUnchecked);
}

TEST_F(SiteReport, TheLabsRequiredChecksCount) {
  LabEvidence lab;
  for (const auto* from : {"SMS01", "SMS02", "SMS03"}) {
    LabEvidence::Check check;
    check.from = from;
    check.to = "DC01";
    check.required = true;
    check.pass = true;
    check.flows = {"F01"};
    lab.checks.push_back(check);
  }
  LabEvidence::Check other;  // a port nothing requires says nothing about F02
  other.from = "SMS01";
  other.to = "DC01";
  other.pass = false;
  lab.checks.push_back(other);
  input_.lab = lab;
  EXPECT_EQ(StateOf("F01"), FlowState::kOpen);
  EXPECT_EQ(StateOf("F02"), FlowState::kUnchecked);
}

// Every line of a sample is a line of the platform's own output for the same policy.
void ExpectLinesOf(const std::string& sample, const std::string& whole) {
  std::size_t start = 0;
  while (start < sample.size()) {
    const auto end = sample.find('\n', start);
    const auto line = sample.substr(start, end - start);
    start = end + 1;
    if (line == "..." || line.rfind("# ", 0) == 0 || line.empty()) continue;  // a gap, or a count of rules
    EXPECT_NE(whole.find(line), std::string::npos) << "not in the platform's output: " << line;
  }
}

TEST_F(SiteReport, SamplesAreThePlatformsOwnLines) {
  const policy::PolicyIndex index(testing::Sms2003(), inventory_, plan_);
  const auto* nftables = render::FindTarget("nftables");
  const auto* windows = render::FindTarget("windows-ps");
  const auto samples = SampleRules(index, {nftables, windows});
  ASSERT_EQ(samples.size(), 2u);

  render::Request network{nftables, {}, {}, false};
  network.policy.mode = policy::Mode::kNetwork;
  const auto whole = render::RenderRequest(testing::Sms2003(), inventory_, plan_, network).front().content;
  const auto& f07 = samples[0].flows.at("F07");
  EXPECT_NE(f07.text.find("udp dport { 67, 389 }"), std::string::npos) << f07.text;
  EXPECT_NE(f07.text.find("F07"), std::string::npos);
  EXPECT_EQ(f07.rules, 1);  // sources of every zone merged: one rule into zone AAA
  for (const auto& [flow, sample] : samples[0].flows) {
    SCOPED_TRACE(flow);
    ExpectLinesOf(sample.text, whole);
  }

  const auto& dc01 = Flow("F07");
  render::Request host{windows, {}, {}, false};
  host.policy.mode = policy::Mode::kHost;
  host.policy.host = dc01.destinations.front();
  const auto dc01_script = render::RenderRequest(testing::Sms2003(), inventory_, plan_, host).front().content;
  const auto& windows_f07 = samples[1].flows.at("F07");
  EXPECT_NE(windows_f07.text.find("New-NetFirewallRule"), std::string::npos) << windows_f07.text;
  ExpectLinesOf(windows_f07.text, dc01_script);
}

TEST_F(SiteReport, ZonePairPlatformsGetThePairsRule) {
  const policy::PolicyIndex index(testing::Sms2003(), inventory_, plan_);
  const auto samples = SampleRules(index, {render::FindTarget("cisco-asa")});
  const auto& f07 = samples.front().flows.at("F07");
  EXPECT_NE(f07.text.find("permit udp"), std::string::npos) << f07.text;
  EXPECT_NE(f07.where.find("from zone BBB to zone AAA"), std::string::npos) << f07.where;
  EXPECT_EQ(f07.rules, 2);  // BBB -> AAA and CCC -> AAA
}

TEST_F(SiteReport, ThePageHasEveryFlowOnce) {
  const auto html = RenderSiteReport(input_);
  for (const auto& flow : plan_.flows) {
    const auto marker = "data-flow=\"" + flow.id + "\"";
    const auto first = html.find(marker);
    ASSERT_NE(first, std::string::npos) << flow.id;
    EXPECT_EQ(html.find(marker, first + 1), std::string::npos) << flow.id;
  }
}

}  // namespace
}  // namespace portolan::report
