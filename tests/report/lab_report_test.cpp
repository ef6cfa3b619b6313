// The lab report in every format, on a small made-up verify result with one failure of each
// kind: a required port that was blocked, and a port nobody requires that got through.
#include "report/lab_report.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace portolan::report {
namespace {

lab::VerifyReport Sample() {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples/sms2003-site.yaml");
  lab::VerifyReport report;
  report.lab = "ex";
  report.inventory = "examples/sms2003-site.yaml";
  report.fingerprint = "sha256:" + std::string(64, '0');  // a stand-in: the golden outlives edits of the example
  report.policy = "the nftables network policy rendered from examples/sms2003-site.yaml";
  report.topology = lab::BuildTopology(inventory, "ex");
  const auto index = [&](std::string_view name) {
    return static_cast<int>(report.topology.FindEndpoint(name) - report.topology.endpoints.data());
  };
  const auto add = [&](std::string_view from, std::string_view to, int port, bool required, probe::Verdict verdict,
                       const std::string& detail, bool pass) {
    lab::CheckResult result;
    result.check.source = index(from);
    result.check.destination = index(to);
    result.check.address =
        report.topology.AddressOf(report.topology.endpoints[static_cast<std::size_t>(index(to))], core::Family::kIPv4);
    result.check.port = port;
    result.check.required = required;
    if (required) {
      result.check.flows = {"F02"};
    } else {
      result.check.why = "catalog port (site-to-sql-smb)";
    }
    result.probe.verdict = verdict;
    result.probe.detail = detail;
    result.pass = pass;
    report.results.push_back(result);
  };
  add("SMS02", "DC01", 389, true, probe::Verdict::kVerified, "portolan responder (token t, host DC01, port 389/tcp)",
      true);
  add("SMS02", "DC01", 636, true, probe::Verdict::kFiltered, "no answer to the connection request within 1 s", false);
  add("SMS02", "DC01", 445, false, probe::Verdict::kNotListening, "connection refused (TCP reset)", false);
  add("SMS02", "DC01", 22, false, probe::Verdict::kFiltered, "no answer to the connection request within 1 s", true);
  add("SMS01", "SQL01", 1433, true, probe::Verdict::kVerified, "portolan responder (token t, host SQL01)", true);
  report.results[0].logged_by_responder = true;
  report.results[4].logged_by_responder = false;
  report.notes = {"F23: gre (IP protocol 47) has no ports; the lab does not check it"};
  return report;
}

TEST(LabReport, EveryFormat) {
  const auto report = Sample();
  EXPECT_FALSE(report.Passed());
  EXPECT_EQ(report.FailedFlows(), std::vector<std::string>{"F02"});
  testing::ExpectGolden("lab/report.txt", RenderLabReport(report, core::Format::kTable));
  testing::ExpectGolden("lab/report-all.txt", RenderLabReport(report, core::Format::kTable, {.all = true}));
  testing::ExpectGolden("lab/report.json", RenderLabReport(report, core::Format::kJson));
  testing::ExpectGolden("lab/report.csv", RenderLabReport(report, core::Format::kCsv));
}

TEST(LabReport, APassingLabSaysSo) {
  auto report = Sample();
  std::erase_if(report.results, [](const lab::CheckResult& result) { return !result.pass; });
  EXPECT_TRUE(report.Passed());
  const auto text = RenderLabReport(report, core::Format::kTable);
  EXPECT_NE(text.find("PASS: every required flow passes and nothing else does"), std::string::npos);
  EXPECT_EQ(text.find("FAILED"), std::string::npos);
}

}  // namespace
}  // namespace portolan::report
