// Reading Windows Firewall rules: MS-GPFAS rule strings (bare, Name=value, registry export) and
// Get-NetFirewallRule JSON; precedence (allow-bypass over block over allow, then the default),
// errors with file:line:column, CRLF line ends read as LF ones, and golden reports of a block
// beating an allow and an allow-bypass beating a block.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "audit/analysis.hpp"
#include "audit/audit.hpp"
#include "audit/formats/formats.hpp"
#include "core/atomic_file.hpp"
#include "core/line_ending.hpp"
#include "plan/planner.hpp"
#include "report/audit_report.hpp"
#include "support/test_support.hpp"

namespace portolan::audit {
namespace {

PacketSet Packet(const char* from, const char* to, int protocol, int port) {
  auto set = PacketSet::Source(*core::ParseNetwork(from)) & PacketSet::Destination(*core::ParseNetwork(to)) &
             PacketSet::Protocol(protocol) & PacketSet::State(CtState::kNew) & PacketSet::WellFormed() &
             PacketSet::InInterface(0) & PacketSet::OutInterface(0);
  if (ProtocolHasPorts(protocol)) set &= PacketSet::DestinationPorts(port, port) & PacketSet::SourcePorts(40000, 40000);
  return set;
}

Evaluation Read(const std::string& text) {
  return Evaluate(formats::ReadRuleset(text, "fw.txt", "", {}));
}

std::string Errors(const std::string& text) {
  try {
    formats::ReadRuleset(text, "fw.txt", "windows", {});
  } catch (const core::InputError& error) {
    return error.diagnostics().ToString();
  }
  return "";
}

TEST(AuditWindows, BlockBeatsAllowWhateverTheOrder) {
  const std::string text =
      "v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=80|RA4=10.0.0.0/255.0.0.0|Name=web|\n"
      "v2.10|Action=Block|Active=TRUE|Dir=In|Protocol=6|LPort=80|RA4=10.1.0.0/16|Name=no-lab|\n"
      "v2.10|Action=Allow|Active=TRUE|Dir=Out|Protocol=17|RPort=53|Name=dns|\n"
      "v2.10|Action=Block|Active=TRUE|Dir=Out|Protocol=6|RPort=25|Name=no-smtp|\n";
  ASSERT_TRUE(formats::DetectRulesetFormat(text) != nullptr);
  EXPECT_EQ(formats::DetectRulesetFormat(text)->id, "windows");
  const auto evaluation = Read(text);
  const auto& in = evaluation.hooks.at(Hook::kInput).accepted;
  EXPECT_TRUE(Packet("10.2.0.1", "10.9.0.1", kProtocolTcp, 80).SubsetOf(in));
  EXPECT_FALSE(Packet("10.1.0.1", "10.9.0.1", kProtocolTcp, 80).Intersects(in));  // the later block wins
  EXPECT_FALSE(Packet("10.2.0.1", "10.9.0.1", kProtocolTcp, 81).Intersects(in));  // default inbound: block
  const auto& out = evaluation.hooks.at(Hook::kOutput).accepted;
  EXPECT_FALSE(Packet("10.9.0.1", "192.0.2.1", kProtocolTcp, 25).Intersects(out));
  EXPECT_TRUE(Packet("10.9.0.1", "192.0.2.1", kProtocolTcp, 443).SubsetOf(out));  // default outbound: allow
}

TEST(AuditWindows, BypassBeatsBlockForAuthenticatedTraffic) {
  const std::string text =
      "v2.10|Action=Block|Active=TRUE|Dir=In|Protocol=6|LPort=445|Name=no-smb|\n"
      "v2.10|Action=ByPass|Active=TRUE|Dir=In|Protocol=6|LPort=445|RA4=10.0.0.5|Security=AuthenticateEncrypt|\n";
  const auto ruleset = formats::ReadRuleset(text, "fw.txt", "", {});
  const auto& chain = ruleset.chains[0];
  ASSERT_EQ(chain.rules.size(), 2u);
  EXPECT_EQ(chain.rules[0].where.line, 2);  // the bypass tier first
  const auto evaluation = Evaluate(ruleset);
  const auto& in = evaluation.hooks.at(Hook::kInput).accepted;
  const auto smb = Packet("10.0.0.5", "10.9.0.1", kProtocolTcp, 445);
  EXPECT_TRUE(smb.Intersects(in));  // authenticated: passes despite the block
  EXPECT_FALSE(smb.SubsetOf(in));   // unauthenticated: blocked
  EXPECT_FALSE(Packet("10.0.0.6", "10.9.0.1", kProtocolTcp, 445).Intersects(in));
}

TEST(AuditWindows, FieldsListsRangesKeywordsAndRegistryExports) {
  const std::string text =
      "Windows Registry Editor Version 5.00\n"
      "\n"
      "[HKEY_LOCAL_"
      "MACHINE\\SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\FirewallRules]\n"
      "\"{1}\"=\"v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=1000-2000|LPort=3000|RA4=192.0.2.10-192.0.2.20|"
      "\"\n"
      "two=v2.30|Action=Allow|Active=TRUE|Dir=In|Protocol=1|ICMP4=8:*|RA6=2001:db8::/32|RA4=LocalSubnet|\n"
      "v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=RPC|App=C:\\x.exe|\n"
      "v2.10|Action=Allow|Active=FALSE|Dir=In|Protocol=17|LPort=161|Name=off|\n";
  const auto ruleset = formats::ReadRuleset(text, "fw.reg", "", {});
  ASSERT_EQ(ruleset.chains[0].rules.size(), 3u);
  EXPECT_EQ(ruleset.chains[0].rules[0].where.line, 4);
  EXPECT_EQ(ruleset.chains[0].rules[0].where.column, 8);
  EXPECT_EQ(ruleset.chains[0].rules[2].unmodelled.size(), 2u);  // the RPC keyword and the program
  ASSERT_EQ(ruleset.notes.size(), 1u);                          // the inactive rule
  const auto in = Evaluate(ruleset).hooks.at(Hook::kInput).accepted;
  EXPECT_TRUE(Packet("192.0.2.15", "10.0.0.1", kProtocolTcp, 3000).SubsetOf(in));
  EXPECT_FALSE(Packet("192.0.2.21", "10.0.0.1", kProtocolTcp, 3000).SubsetOf(in));
  EXPECT_TRUE(Packet("192.0.2.21", "10.0.0.1", kProtocolTcp, 3000).Intersects(in));  // maybe the RPC rule
  EXPECT_FALSE(Packet("192.0.2.21", "10.0.0.1", kProtocolUdp, 161).Intersects(in));
}

TEST(AuditWindows, GetNetFirewallRuleJson) {
  const std::string text = R"([
  {"Name": "web", "DisplayName": "Web", "Enabled": "True", "Direction": "Inbound", "Action": "Allow",
   "Profile": "Any", "Protocol": "TCP", "LocalPort": ["80", "443"], "RemotePort": "Any",
   "LocalAddress": "Any", "RemoteAddress": ["10.0.0.0/255.0.0.0", "2001:db8::/32"]},
  {"Name": "no-lab", "Enabled": 1, "Direction": 1, "Action": 4, "Profile": 0, "Protocol": "6",
   "LocalPort": "80", "RemoteAddress": "10.1.0.0/16"},
  {"Name": "ipsec", "Enabled": true, "PrimaryStatus": 1, "CimClass": {"CimSuperClassName": "MSFT"}, "Direction": "Inbound", "Action": "Allow", "OverrideBlockRules": true,
   "Protocol": "TCP", "LocalPort": "80", "RemoteAddress": "10.1.2.3"},
  {"Name": "any", "Enabled": "True", "Direction": "Outbound", "Action": "Block", "Protocol": "Any",
   "LocalPort": "Any", "RemotePort": "Any", "IcmpType": "Any", "RemoteAddress": "192.0.2.66"},
  {"Name": "off", "Enabled": "False", "Direction": "Inbound", "Action": "Allow", "Protocol": "UDP", "LocalPort": "161"}
])";
  ASSERT_TRUE(formats::DetectRulesetFormat(text) != nullptr);
  EXPECT_EQ(formats::DetectRulesetFormat(text)->id, "windows");
  const auto ruleset = formats::ReadRuleset(text, "fw.json", "", {});
  EXPECT_EQ(ruleset.chains[0].rules.size(), 3u);
  EXPECT_EQ(ruleset.chains[0].rules[0].where.line, 7);  // the bypass tier first
  // CIM bookkeeping (PrimaryStatus, CimClass) describes; only the IPsec condition is unmodelled
  EXPECT_EQ(ruleset.chains[0].rules[0].unmodelled, std::vector<std::string>{"IPsec authentication"});
  const auto in = Evaluate(ruleset).hooks.at(Hook::kInput).accepted;
  EXPECT_TRUE(Packet("10.2.0.1", "10.9.0.1", kProtocolTcp, 443).SubsetOf(in));
  EXPECT_TRUE(Packet("2001:db8::1", "2001:db8:1::1", kProtocolTcp, 80).SubsetOf(in));
  EXPECT_FALSE(Packet("10.1.0.1", "10.9.0.1", kProtocolTcp, 80).Intersects(in));
  const auto ipsec = Packet("10.1.2.3", "10.9.0.1", kProtocolTcp, 80);
  EXPECT_TRUE(ipsec.Intersects(in) && !ipsec.SubsetOf(in));
  const auto out = Evaluate(ruleset).hooks.at(Hook::kOutput).accepted;
  EXPECT_FALSE(Packet("10.9.0.1", "192.0.2.66", kProtocolUdp, 53).Intersects(out));
  EXPECT_TRUE(Packet("10.9.0.1", "192.0.2.67", kProtocolUdp, 53).SubsetOf(out));
}

TEST(AuditWindows, ErrorsCarryLineAndColumn) {
  EXPECT_EQ(Errors("v2.10|Action=Allow|Dir=In|Protocol=6|LPort=80|RA4=10.0.0.300|\n"),
            "fw.txt:1:47: error: RA4=10.0.0.300: not an IPv4 address, subnet or range\n");
  EXPECT_NE(Errors("\nv2.10|Action=Maybe|Dir=In|\n").find("fw.txt:2:7: error: Action=Maybe"), std::string::npos);
  EXPECT_NE(Errors("v2.10|Action=Allow|Protocol=6|\n").find("fw.txt:1:1: error: the rule has no direction"),
            std::string::npos);
  EXPECT_NE(Errors("v2.10|Action=Allow|Dir=In|LPort=80|\n").find("need a protocol with ports"), std::string::npos);
  EXPECT_NE(Errors("[{\"Name\": \"x\", \"Direction\": \"Sideways\", \"Action\": \"Allow\"}]")
                .find("fw.txt:1:29: error: Dir=Sideways"),
            std::string::npos);
  EXPECT_NE(Errors("[{\"Direction\": 1,\n \"Action\": }]").find("fw.txt:2:12: error: malformed JSON"),
            std::string::npos);
  // An element of a pretty-printed export that is not a rule: at the line and column where it stands.
  EXPECT_NE(Errors("[\n  {\"Name\": \"x\", \"Direction\": \"Inbound\", \"Action\": \"Allow\"},\n  17\n]")
                .find("fw.txt:3:3: error: [1]: a rule is an object"),
            std::string::npos);
}

TEST(AuditWindows, CrlfLineEndsReadAsLfOnes) {
  // Windows' tools and editors write CRLF: the same rules, places, texts and errors as with LF.
  const std::string lf =
      "Windows Registry Editor Version 5.00\n"
      "\n"
      "\"{1}\"=\"v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=80|RA4=10.0.0.0/255.0.0.0|Name=web|\"\n"
      "v2.10|Action=Block|Active=TRUE|Dir=In|Protocol=6|LPort=80|RA4=10.1.0.0/16|Name=no-lab|\n";
  const std::string crlf = core::WithLineEnding(lf, core::LineEnding::kCrlf);
  ASSERT_NE(formats::DetectRulesetFormat(crlf), nullptr);
  EXPECT_EQ(formats::DetectRulesetFormat(crlf)->id, "windows");
  const auto with_lf = formats::ReadRuleset(lf, "fw.reg", "", {});
  const auto with_crlf = formats::ReadRuleset(crlf, "fw.reg", "", {});
  ASSERT_EQ(with_crlf.chains[0].rules.size(), 2u);
  for (std::size_t r = 0; r < 2; ++r) {
    const auto& rule = with_crlf.chains[0].rules[r];
    EXPECT_EQ(rule.where.line, with_lf.chains[0].rules[r].where.line);
    EXPECT_EQ(rule.where.column, with_lf.chains[0].rules[r].where.column);
    EXPECT_EQ(rule.text, with_lf.chains[0].rules[r].text);
    EXPECT_EQ(rule.text.find('\r'), std::string::npos) << rule.text;
  }
  EXPECT_TRUE(Evaluate(with_crlf).hooks.at(Hook::kInput).accepted == Evaluate(with_lf).hooks.at(Hook::kInput).accepted);
  // The last field of a line, just before its CR, and a pretty-printed JSON export.
  const std::string bad = "v2.10|Action=Allow|Dir=In|Protocol=6|LPort=80|RA4=10.0.0.300|\n";
  EXPECT_EQ(Errors(core::WithLineEnding(bad, core::LineEnding::kCrlf)), Errors(bad));
  const std::string json = "[\n  {\"Name\": \"x\", \"Direction\": \"Inbound\", \"Action\": \"Allow\"},\n  17\n]\n";
  EXPECT_EQ(Errors(core::WithLineEnding(json, core::LineEnding::kCrlf)), Errors(json));
  EXPECT_NE(Errors(json), "");
}

std::string DataFile(const char* name) {
  return core::ReadFile(testing::SourceDir() / "tests" / "data" / "audit" / name);
}

// UTF-16 with a byte-order mark, as reg export and Windows PowerShell 5.1's `>` write it.
std::string Utf16(std::u16string_view text, bool little_endian = true) {
  std::string bytes = little_endian ? "\xFF\xFE" : "\xFE\xFF";
  for (const char16_t unit : text) {
    const auto low = static_cast<char>(unit & 0xFF);
    const auto high = static_cast<char>(unit >> 8);
    bytes += little_endian ? low : high;
    bytes += little_endian ? high : low;
  }
  return bytes;
}

TEST(AuditWindows, ReadsTheUtf16RegExportAsRegExportWritesIt) {
  // tests/data/audit/windows-firewall-rules.reg: UTF-16LE with a BOM, CRLF, "{GUID}"="v2.31|..."
  const auto text = DataFile("windows-firewall-rules.reg");
  ASSERT_TRUE(formats::DetectRulesetFormat(text) != nullptr);
  EXPECT_EQ(formats::DetectRulesetFormat(text)->id, "windows");
  const auto ruleset = formats::ReadRuleset(text, "fw.reg", "", {});
  const auto& rules = ruleset.chains[0].rules;
  ASSERT_EQ(rules.size(), 3u);  // the block first, then the two allows; the inactive one is a note
  EXPECT_EQ(rules[0].where.line, 5);
  EXPECT_EQ(rules[0].where.column, 43);
  EXPECT_EQ(rules[1].where.line, 4);
  EXPECT_NE(rules[1].text.find("Name=Partage de fichiers et d\u2019imprimantes (SMB-Entr\u00e9e)"), std::string::npos);
  // reg export's \\ is one backslash
  EXPECT_EQ(rules[2].unmodelled, std::vector<std::string>{"App=%SystemRoot%\\system32\\snmp.exe"});
  EXPECT_EQ(ruleset.notes.size(), 1u);
  const auto in = Evaluate(ruleset).hooks.at(Hook::kInput).accepted;
  EXPECT_TRUE(Packet("10.2.0.1", "10.9.0.1", kProtocolTcp, 445).SubsetOf(in));
  EXPECT_FALSE(Packet("10.1.0.1", "10.9.0.1", kProtocolTcp, 445).Intersects(in));
  EXPECT_FALSE(Packet("10.2.0.1", "10.9.0.1", kProtocolTcp, 3389).Intersects(in));
}

TEST(AuditWindows, ColumnsOfAUtf16ExportCountCharactersOfTheDecodedText) {
  // "Entrée" is 6 characters and 7 bytes of UTF-8: RA4 starts at character 57.
  const std::u16string line = u"\"{x}\"=\"v2.31|Name=Entr\u00e9e|Action=Allow|Dir=In|Protocol=6|RA4=10.0.0.300|\"\r\n";
  const std::u16string text = u"Windows Registry Editor Version 5.00\r\n" + line;
  EXPECT_EQ(Errors(Utf16(text)), "fw.txt:2:57: error: RA4=10.0.0.300: not an IPv4 address, subnet or range\n");
  EXPECT_EQ(Errors(Utf16(text, false)), "fw.txt:2:57: error: RA4=10.0.0.300: not an IPv4 address, subnet or range\n");
  // and in JSON: the member after a name with non-ASCII characters
  const std::u16string json = u"[{\"Name\": \"Entr\u00e9e\", \"Direction\": \"Sideways\", \"Action\": \"Allow\"}]";
  EXPECT_NE(Errors(Utf16(json)).find("fw.txt:1:34: error: Dir=Sideways"), std::string::npos);
}

TEST(AuditWindows, ReadsRegQueryOutputWithBlanksInValueNames) {
  // tests/data/audit/windows-firewall-query.txt: reg query ...\FirewallRules, redirected by
  // PowerShell 5.1 (UTF-16LE with a BOM); one value name holds blanks.
  const auto text = DataFile("windows-firewall-query.txt");
  ASSERT_TRUE(formats::DetectRulesetFormat(text) != nullptr);
  EXPECT_EQ(formats::DetectRulesetFormat(text)->id, "windows");
  const auto ruleset = formats::ReadRuleset(text, "fw.txt", "", {});
  const auto& rules = ruleset.chains[0].rules;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].where.line, 4);  // the block rule
  EXPECT_EQ(rules[0].where.column, 57);
  EXPECT_EQ(rules[2].where.line, 5);  // "    SNMP Service (UDP In)    REG_SZ    v2.31|..."
  EXPECT_EQ(rules[2].where.column, 40);
  EXPECT_EQ(ruleset.notes.size(), 1u);
  const auto in = Evaluate(ruleset).hooks.at(Hook::kInput).accepted;
  EXPECT_TRUE(Packet("10.2.0.1", "10.9.0.1", kProtocolTcp, 445).SubsetOf(in));
  EXPECT_FALSE(Packet("10.1.0.1", "10.9.0.1", kProtocolTcp, 445).Intersects(in));
  // As cmd redirects it (no BOM); a value of another type is no rule string: refused at its type.
  const std::string plain =
      "\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\"
      "FirewallRules\r\n    My rule    REG_SZ    v2.31|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=22|\r\n";
  EXPECT_EQ(formats::DetectRulesetFormat(plain)->id, "windows");
  EXPECT_EQ(formats::ReadRuleset(plain, "fw.txt", "", {}).chains[0].rules.at(0).where.column, 26);
  EXPECT_NE(
      Errors(plain + "    EnableFirewall    REG_DWORD    0x0\r\n").find("fw.txt:4:23: error: expected a rule string"),
      std::string::npos);
}

TEST(AuditWindows, ReadsGetNetFirewallRuleJsonAsWindowsPowerShell51WritesIt) {
  // tests/data/audit/windows-get-netfirewallrule.json: ConvertTo-Json > (UTF-16LE with a BOM,
  // CRLF), enums as numbers: Direction 1 Inbound 2 Outbound, Action 2 Allow 4 Block, Enabled 1
  // True 2 False, Profile flags 1 Domain 2 Private 4 Public (0 Any).
  const auto text = DataFile("windows-get-netfirewallrule.json");
  ASSERT_TRUE(formats::DetectRulesetFormat(text) != nullptr);
  EXPECT_EQ(formats::DetectRulesetFormat(text)->id, "windows");
  const auto ruleset = formats::ReadRuleset(text, "fw.json", "", {});
  ASSERT_EQ(ruleset.chains[0].rules.size(), 2u);
  EXPECT_EQ(ruleset.chains[0].rules[0].where.line, 19);  // the block rule, at its object
  EXPECT_EQ(ruleset.chains[0].rules[0].where.column, 5);
  ASSERT_EQ(ruleset.chains[1].rules.size(), 1u);
  EXPECT_EQ(ruleset.chains[1].rules[0].unmodelled, std::vector<std::string>{"active profile private,public"});
  EXPECT_EQ(ruleset.notes.size(), 1u);  // Enabled 2: inactive
  const auto evaluation = Evaluate(ruleset);
  const auto& in = evaluation.hooks.at(Hook::kInput).accepted;
  EXPECT_TRUE(Packet("10.2.0.1", "10.9.0.1", kProtocolTcp, 445).SubsetOf(in));
  EXPECT_FALSE(Packet("10.1.0.1", "10.9.0.1", kProtocolTcp, 445).Intersects(in));
  EXPECT_FALSE(Packet("10.2.0.1", "10.9.0.1", kProtocolTcp, 3389).Intersects(in));
  const auto smtp = Packet("10.9.0.1", "192.0.2.1", kProtocolTcp, 587);
  const auto& out = evaluation.hooks.at(Hook::kOutput).accepted;
  EXPECT_TRUE(smtp.Intersects(out) && !smtp.SubsetOf(out));  // blocked in the private and public profiles
}

TEST(AuditWindows, GoldenReportsOfPrecedence) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  const std::string file = "tests/golden/audit/windows/precedence-host.rules";
  std::vector<Ruleset> rulesets;
  rulesets.push_back(formats::ReadRuleset(core::ReadFile(testing::SourceDir() / file), file, "", {}));
  policy::PolicyOptions host;
  host.mode = policy::Mode::kHost;
  host.host = static_cast<int>(inventory.FindEndpoint("SMS01") - inventory.endpoints.data());
  const auto result = RunAudit(rulesets, policy::BuildPolicy(testing::Sms2003(), inventory, plan, host));
  for (const auto format : {core::Format::kTable, core::Format::kJson, core::Format::kCsv})
    testing::ExpectGolden(fmt::format("audit/windows/precedence-host.{}", core::FormatExtension(format)),
                          report::RenderAuditReport(result, format));
  std::map<std::string, FlowStatus> status;
  for (const auto& flow : result.flows) status[flow.flow_id] = flow.status;
  EXPECT_EQ(status["F04"], FlowStatus::kAllowed);
  EXPECT_EQ(status["F10"], FlowStatus::kPartial);    // the block of 10.1.5.0/24 beats the allow
  EXPECT_EQ(status["F20"], FlowStatus::kUncertain);  // the bypass beats the block, for IPsec only
  EXPECT_TRUE(result.AnyExcess());                   // remote desktop from anywhere
}

}  // namespace
}  // namespace portolan::audit
