// Reading AWS security groups (describe-security-groups JSON, and portolan's own with Attach):
// a union of allows with an implicit deny, group references and prefix lists, JSON-path errors
// with line and column; audit(render aws-sg) is clean in host mode on every test inventory.

#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "audit/analysis.hpp"
#include "audit/audit.hpp"
#include "audit/formats/formats.hpp"
#include "audit/round_trip_support.hpp"
#include "core/atomic_file.hpp"
#include "plan/planner.hpp"
#include "render/render.hpp"
#include "report/audit_report.hpp"
#include "support/test_support.hpp"

namespace portolan::audit {
namespace {

PacketSet Inbound(const char* from, const char* to, int protocol, int port) {
  auto set = PacketSet::Source(*core::ParseNetwork(from)) & PacketSet::Destination(*core::ParseNetwork(to)) &
             PacketSet::Protocol(protocol) & PacketSet::State(CtState::kNew) & PacketSet::WellFormed() &
             PacketSet::InInterface(0) & PacketSet::OutInterface(0);
  if (ProtocolHasPorts(protocol)) set &= PacketSet::DestinationPorts(port, port) & PacketSet::SourcePorts(40000, 40000);
  return set;
}

std::string Errors(const std::string& text) {
  try {
    formats::ReadRuleset(text, "sg.json", "aws-sg", {});
  } catch (const core::InputError& error) {
    return error.diagnostics().ToString();
  }
  return "";
}

TEST(AuditAws, UnionOfAllowsWithImplicitDeny) {
  const std::string text = R"({"SecurityGroups": [
  {"GroupName": "a", "GroupId": "sg-1", "IpPermissions": [
    {"IpProtocol": "tcp", "FromPort": 440, "ToPort": 445, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
    {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]},
    {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [{"GroupId": "sg-9"}]}]},
  {"GroupName": "b", "IpPermissions": [
    {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "192.0.2.7/32"}]},
    {"IpProtocol": "47", "IpRanges": [{"CidrIp": "198.51.100.0/24"}]}]}
]})";
  const auto* format = formats::DetectRulesetFormat(text);
  ASSERT_TRUE(format != nullptr);
  EXPECT_EQ(format->id, "aws-sg");
  const auto ruleset = formats::ReadRuleset(text, "sg.json", "", {});
  const auto evaluation = Evaluate(ruleset);
  const auto& accepted = evaluation.hooks.at(Hook::kInput).accepted;
  EXPECT_TRUE(Inbound("10.9.9.9", "10.0.0.1", kProtocolTcp, 443).SubsetOf(accepted));
  EXPECT_FALSE(Inbound("10.9.9.9", "10.0.0.1", kProtocolTcp, 446).Intersects(accepted));
  EXPECT_FALSE(Inbound("11.9.9.9", "10.0.0.1", kProtocolTcp, 443).Intersects(accepted));
  EXPECT_TRUE(Inbound("2001:db8::5", "2001:db8:1::1", kProtocolUdp, 53).SubsetOf(accepted));
  EXPECT_FALSE(Inbound("2001:db9::5", "2001:db8:1::1", kProtocolUdp, 53).Intersects(accepted));
  EXPECT_TRUE(Inbound("192.0.2.7", "10.0.0.1", kProtocolUdp, 9999).SubsetOf(accepted));  // -1: everything
  EXPECT_TRUE(Inbound("198.51.100.3", "10.0.0.1", 47, 0).SubsetOf(accepted));
  // sg-9 is not in the file: its members are a free variable, so port 22 is uncertain, both ways.
  const auto ssh = Inbound("203.0.113.1", "10.0.0.1", kProtocolTcp, 22);
  EXPECT_TRUE(ssh.Intersects(accepted));
  EXPECT_FALSE(ssh.SubsetOf(accepted));
  // No IpPermissionsEgress: the default outbound rule, not filtered.
  EXPECT_FALSE(evaluation.hooks.at(Hook::kOutput).attached);
}

TEST(AuditAws, AttachChoosesTheHostsGroupsAndResolvesReferences) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  const auto text = core::ReadFile(testing::SourceDir() / "tests/golden/audit/aws/broken-host.sg.json");
  formats::ReadOptions options;
  options.inventory = &inventory;
  options.host = "SMS01";
  const auto ruleset = formats::ReadRuleset(text, "sg.json", "", options);
  const auto evaluation = Evaluate(ruleset);
  const auto& accepted = evaluation.hooks.at(Hook::kInput).accepted;
  // group "admins" (sg-0b2) is on ADMIN01 (10.0.0.20): a resolved reference, not a free variable
  EXPECT_TRUE(Inbound("10.0.0.20", "10.0.0.1", kProtocolTcp, 80).SubsetOf(accepted));
  EXPECT_FALSE(Inbound("10.0.0.21", "10.0.0.1", kProtocolTcp, 80).Intersects(accepted));
  EXPECT_TRUE(Inbound("10.1.127.1", "10.0.0.1", kProtocolTcp, 80).SubsetOf(accepted));
  EXPECT_FALSE(Inbound("10.1.128.1", "10.0.0.1", kProtocolTcp, 80).Intersects(accepted));
  EXPECT_TRUE(evaluation.hooks.at(Hook::kOutput).attached);
  // A host Attach does not list: no group, everything inbound denied.
  options.host = "DP01";
  const auto bare = Evaluate(formats::ReadRuleset(text, "sg.json", "", options));
  EXPECT_TRUE(bare.hooks.at(Hook::kInput).accepted.Empty());
}

TEST(AuditAws, ErrorsNameTheJsonPathWithLineAndColumn) {
  EXPECT_EQ(Errors("{\"SecurityGroups\": [\n {\"GroupName\": \"a\", \"IpPermissions\": [\n  {\"IpProtocol\": \"tcp\", "
                   "\"FromPort\": 1, \"ToPort\": 2, \"IpRanges\": [{\"CidrIp\": \"10.0.0.300/8\"}]}]}]}\n"),
            "sg.json:3:77: error: SecurityGroups[0].IpPermissions[0].IpRanges[0].CidrIp: '10.0.0.300/8' is not an "
            "IPv4 CIDR block\n");
  EXPECT_NE(Errors("{\"SecurityGroups\": [{\"GroupName\": \"a\", \"IpPermissions\": [{\"IpProtocol\": \"tcp\", "
                   "\"FromPort\": 9, \"ToPort\": 2}]}]}")
                .find("ToPort 2 is below FromPort 9"),
            std::string::npos);
  EXPECT_NE(Errors("{\"SecurityGroups\": [{\"GroupName\": \"a\"}], \"Attach\": {\"X\": [\"nope\"]}}")
                .find("Attach.X[0]: no security group 'nope'"),
            std::string::npos);
  EXPECT_NE(Errors("{\"SecurityGroups\": [\n{]}").find("sg.json:2:2: error: malformed JSON"), std::string::npos);
}

TEST(AuditAws, TcpOrUdpPortMinusOneIsRefusedAsEc2RefusesIt) {
  // EC2 answers "TCP/UDP port (-1) out of range": -1 (any) is for ICMP types and codes only, so a
  // tcp or udp permission with it is not EC2's, and reading it as all ports could pass in silence.
  EXPECT_EQ(Errors("{\"SecurityGroups\": [{\"GroupName\": \"a\", \"IpPermissions\": [\n  {\"IpProtocol\": \"tcp\", "
                   "\"FromPort\": -1, \"ToPort\": 50, \"IpRanges\": [{\"CidrIp\": \"10.0.0.0/8\"}]}]}]}"),
            "sg.json:2:37: error: SecurityGroups[0].IpPermissions[0].FromPort: -1 is not a tcp port: EC2 refuses it "
            "for tcp and udp (-1, any, is for ICMP types and codes); all ports are 0 to 65535\n");
  EXPECT_NE(Errors("{\"SecurityGroups\": [{\"GroupName\": \"a\", \"IpPermissions\": [{\"IpProtocol\": \"udp\", "
                   "\"FromPort\": 53, \"ToPort\": -1}]}]}")
                .find("IpPermissions[0].ToPort: -1 is not a udp port"),
            std::string::npos);
  // ICMP keeps -1: any type, any code.
  EXPECT_EQ(Errors("{\"SecurityGroups\": [{\"GroupName\": \"a\", \"IpPermissions\": [{\"IpProtocol\": \"icmp\", "
                   "\"FromPort\": -1, \"ToPort\": -1, \"IpRanges\": [{\"CidrIp\": \"10.0.0.0/8\"}]}]}]}"),
            "");
}

TEST(AuditAws, ReadsAUtf16ExportOfWindowsPowerShell) {
  // `aws ec2 describe-security-groups > sg.json` in Windows PowerShell 5.1: UTF-16LE with a BOM.
  const std::string utf8 =
      "{\"SecurityGroups\": [{\"GroupName\": \"web\", \"IpPermissions\": [{\"IpProtocol\": \"tcp\", \"FromPort\": 443, "
      "\"ToPort\": 443, \"IpRanges\": [{\"CidrIp\": \"0.0.0.0/0\"}]}]}]}\r\n";
  std::string utf16 = "\xFF\xFE";
  for (const char c : utf8) {
    utf16 += c;
    utf16 += '\0';
  }
  ASSERT_TRUE(formats::DetectRulesetFormat(utf16) != nullptr);
  EXPECT_EQ(formats::DetectRulesetFormat(utf16)->id, "aws-sg");
  const auto ruleset = formats::ReadRuleset(utf16, "sg.json", "", {});
  const auto in = Evaluate(ruleset).hooks.at(Hook::kInput).accepted;
  EXPECT_TRUE(Inbound("192.0.2.1", "10.0.0.5", kProtocolTcp, 443).SubsetOf(in));
  EXPECT_FALSE(Inbound("192.0.2.1", "10.0.0.5", kProtocolTcp, 80).Intersects(in));
}

TEST(AuditAws, GoldenReports) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  const std::string file = "tests/golden/audit/aws/broken-host.sg.json";
  formats::ReadOptions options;
  options.inventory = &inventory;
  options.host = "SMS01";
  std::vector<Ruleset> rulesets;
  rulesets.push_back(formats::ReadRuleset(core::ReadFile(testing::SourceDir() / file), file, "", options));
  policy::PolicyOptions host;
  host.mode = policy::Mode::kHost;
  host.host = static_cast<int>(inventory.FindEndpoint("SMS01") - inventory.endpoints.data());
  host.egress = false;
  const auto result = RunAudit(rulesets, policy::BuildPolicy(testing::Sms2003(), inventory, plan, host));
  for (const auto format : {core::Format::kTable, core::Format::kJson, core::Format::kCsv})
    testing::ExpectGolden(fmt::format("audit/aws/broken-host.{}", core::FormatExtension(format)),
                          report::RenderAuditReport(result, format));
  std::map<std::string, FlowStatus> status;
  for (const auto& flow : result.flows) status[flow.flow_id] = flow.status;
  EXPECT_EQ(status["F04"], FlowStatus::kAllowed);
  EXPECT_EQ(status["F10"], FlowStatus::kPartial);  // only 10.1.0.0/17 of hq-desktops
  EXPECT_EQ(status["F20"], FlowStatus::kPartial);  // the console gets 80, not 135 and the RPC range
  EXPECT_TRUE(result.AnyExcess());                 // RDP from anywhere, ping
}

// The groups are a union without order: a permission granted again (the default outbound rule in
// two groups and twice in one, a narrower inbound rule inside a wider one) is redundant, said in a
// note naming what it repeats, and never a rule that can never match, in any report format.
TEST(AuditAws, ARepeatedPermissionIsRedundantNotShadowed) {
  const std::string text = R"({"SecurityGroups": [
  {"GroupName": "web", "GroupId": "sg-1",
   "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}],
   "IpPermissionsEgress": [
    {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [],
     "UserIdGroupPairs": []},
    {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
  {"GroupName": "ssh", "GroupId": "sg-2",
   "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]},
                     {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}],
   "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}
]})";
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  formats::ReadOptions read;
  read.inventory = &inventory;
  std::vector<Ruleset> rulesets;
  rulesets.push_back(formats::ReadRuleset(text, "sg.json", "", read));
  // What the groups grant is unchanged: every outbound packet, tcp 22 and 80 from 10/8 inbound.
  const auto evaluation = Evaluate(rulesets.front());
  EXPECT_TRUE(Inbound("10.9.9.9", "10.0.0.1", kProtocolTcp, 22).SubsetOf(evaluation.hooks.at(Hook::kInput).accepted));
  EXPECT_TRUE(Inbound("10.1.9.9", "10.0.0.1", kProtocolTcp, 80).SubsetOf(evaluation.hooks.at(Hook::kInput).accepted));
  const auto outbound = PacketSet::WellFormed() & PacketSet::State(CtState::kNew) &
                        PacketSet::Family(core::Family::kIPv4) & PacketSet::InInterface(0) & PacketSet::OutInterface(0);
  EXPECT_TRUE(outbound.SubsetOf(evaluation.hooks.at(Hook::kOutput).accepted));

  policy::PolicyOptions host;
  host.mode = policy::Mode::kHost;
  host.host = static_cast<int>(inventory.FindEndpoint("SMS01") - inventory.endpoints.data());
  host.egress = true;
  const auto result = RunAudit(rulesets, policy::BuildPolicy(testing::Sms2003(), inventory, plan, host));
  EXPECT_TRUE(result.shadowed.empty()) << report::RenderAuditReport(result, core::Format::kTable);
  std::vector<std::string> redundant;
  for (const auto& note : result.notes)
    if (note.find("redundant") != std::string::npos) redundant.push_back(note);
  ASSERT_EQ(redundant.size(), 3u) << fmt::format("{}", fmt::join(result.notes, "\n"));
  // Inbound first, then outbound, each in file order.
  EXPECT_EQ(redundant[0],
            "sg.json:9:87: ssh: tcp 80 from 10.1.0.0/16: redundant: it is covered by web: tcp 80 from 10.0.0.0/8 "
            "(sg.json:3:87), and grants nothing more");
  EXPECT_EQ(redundant[1],
            "sg.json:7:39: web: all traffic to 0.0.0.0/0: redundant: it repeats web: all traffic to 0.0.0.0/0 "
            "(sg.json:5:39), and grants nothing more");
  EXPECT_NE(redundant[2].find("ssh: all traffic to 0.0.0.0/0: redundant: it repeats web: all traffic to 0.0.0.0/0"),
            std::string::npos);
  EXPECT_NE(report::RenderAuditReport(result, core::Format::kTable).find("RULES THAT CAN NEVER MATCH\n(none)\n"),
            std::string::npos);
  EXPECT_EQ(report::RenderAuditReport(result, core::Format::kCsv).find("never-match"), std::string::npos);
  EXPECT_NE(report::RenderAuditReport(result, core::Format::kJson).find("\"never_match\": []"), std::string::npos);
}

// audit(render aws-sg) in host mode, every endpoint, with and without --egress.
TEST(AuditAws, RenderedGroupsAreCleanOnEveryInventory) {
  int audits = 0;
  for (const auto& file : testing::RoundTripInventories()) {
    const auto inventory = testing::InventoryFromFile(file);
    const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
    for (std::size_t i = 0; i < inventory.endpoints.size(); ++i) {
      for (const bool egress : {false, true}) {
        policy::PolicyOptions options;
        options.mode = policy::Mode::kHost;
        options.host = static_cast<int>(i);
        options.egress = egress;
        const auto label = fmt::format("{} host {}{}", file.filename().string(), inventory.endpoints[i].name,
                                       egress ? " --egress" : "");
        formats::ReadOptions read;
        read.inventory = &inventory;
        read.host = inventory.endpoints[i].name;
        const auto read_back = testing::RenderedRulesets("aws-sg", inventory, plan, options, read);
        if (!read_back) continue;
        const auto& rulesets = *read_back;
        const auto result = RunAudit(rulesets, policy::BuildPolicy(testing::Sms2003(), inventory, plan, options));
        const bool clean =
            !result.AnyBlocked() && result.excess.empty() && result.shadowed.empty() && result.unused.empty();
        EXPECT_TRUE(clean) << label << "\n" << report::RenderAuditReport(result, core::Format::kTable);
        ++audits;
      }
    }
  }
  EXPECT_GT(audits, 20);
}

}  // namespace
}  // namespace portolan::audit
