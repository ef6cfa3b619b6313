// Probe results in every output format: golden files for the schema scripts rely on, and the
// escaping that keeps server-supplied text from breaking a format.

#include "report/probe_report.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace portolan::report {
namespace {

std::vector<probe::ProbeResult> Sample() {
  std::vector<probe::ProbeResult> results(4);
  results[0].spec.target = {"10.0.0.10", 389, "corp.example", "DC01", {}};
  results[0].spec.transport = probe::Transport::kUdp;
  results[0].spec.service = probe::ServiceFor(probe::Transport::kUdp, 389);
  results[0].spec.flows = {"F01", "F07"};
  results[0].verdict = probe::Verdict::kVerified;
  results[0].detail = "DC dc01.corp.example (CORP\\DC01), domain corp.example, DC site HQ, client site HQ";
  results[0].rtt_ms = 1.234;
  results[1].spec.target = {"10.0.0.10", 445, "", "", {}};
  results[1].spec.service = probe::ServiceFor(probe::Transport::kTcp, 445);
  results[1].spec.flows = {"F03"};
  results[1].verdict = probe::Verdict::kFiltered;
  results[1].detail = "ICMP administratively prohibited (type 3 code 13) from 10.0.0.254";
  results[1].icmp_from = "10.0.0.254";
  results[1].rtt_ms = 0.5;
  results[2].spec.target = {"10.0.0.10", 135, "", "", {}};
  results[2].spec.service = probe::ServiceFor(probe::Transport::kTcp, 135);
  results[2].verdict = probe::Verdict::kVerified;
  results[2].detail = "EPM bound; 3 endpoints, TCP ports 49152,49153";
  results[2].advertised_tcp_ports = {49152, 49153};
  results[3].spec.target = {"10.0.0.10", 138, "", "", {}};
  results[3].spec.transport = probe::Transport::kUdp;
  results[3].spec.service = probe::ServiceFor(probe::Transport::kUdp, 138);
  results[3].verdict = probe::Verdict::kListeningOrFiltered;
  results[3].detail = "no answer <&> \"quoted\", a comma\x01 and \xC3\xA9";  // server text is untrusted
  results[3].rtt_ms = 2000;
  return results;
}

TEST(ProbeReport, EveryFormat) {
  ProbeReportOptions options;
  options.notes = {"F23: gre (IP protocol 47) has no ports to probe"};
  // Probes from an inventory: the JSON names it (a stand-in fingerprint) and the endpoint.
  options.inventory_file = "examples/sms2003-site.yaml";
  options.fingerprint = "sha256:" + std::string(64, '0');
  options.from = "SMS01";
  for (const auto& [format, name] :
       {std::pair{core::Format::kTable, "report.txt"}, std::pair{core::Format::kJson, "report.json"},
        std::pair{core::Format::kCsv, "report.csv"}, std::pair{core::Format::kJunit, "report.xml"}}) {
    testing::ExpectGolden(std::filesystem::path("probe") / name, RenderProbeResults(Sample(), format, options));
  }
}

TEST(ProbeReport, JunitHasACasePerFlowAndPort) {
  const auto xml = RenderProbeResults(Sample(), core::Format::kJunit);
  // F01 and F07 for the first probe, one case each for the three probes without or with one flow.
  EXPECT_NE(xml.find("<testsuites tests=\"5\" failures=\"2\">"), std::string::npos) << xml;
  EXPECT_NE(xml.find("&lt;&amp;&gt; &quot;quoted&quot;"), std::string::npos) << xml;
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
}

TEST(ProbeReport, ServerTextIsMadePrintable) {
  const auto json = RenderProbeResults(Sample(), core::Format::kJson);
  EXPECT_NE(json.find("a comma? and ??"), std::string::npos) << json;
  ProbeReportOptions coloured;
  coloured.colour = true;
  const auto colour = RenderProbeResults(Sample(), core::Format::kTable, coloured);
  EXPECT_NE(colour.find("\x1b[32mVERIFIED\x1b[0m"), std::string::npos);
  EXPECT_EQ(RenderProbeResults(Sample(), core::Format::kTable).find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace portolan::report
