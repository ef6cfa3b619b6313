// The Windows Firewall targets: RPC keywords in rules of their own, no block rule, the default
// deny as the profiles' action, the GPO session on every cmdlet, batch-safe text, and one
// legacy port opening per protocol and port whose scope is the union of its flows' sources.

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "plan/planner.hpp"
#include "render/render.hpp"
#include "render/text.hpp"
#include "render/windows_common.hpp"
#include "support/test_support.hpp"

namespace portolan::render {
namespace {

const inventory::Inventory& Example() {
  static const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  return inventory;
}

const plan::Plan& ExamplePlan() {
  static const auto plan = plan::BuildPlan(testing::Sms2003(), Example());
  return plan;
}

int EndpointIndex(const std::string& name) {
  const auto& endpoints = Example().endpoints;
  for (int e = 0; e < static_cast<int>(endpoints.size()); ++e) {
    if (endpoints[e].name == name) return e;
  }
  ADD_FAILURE() << "no endpoint " << name;
  return 0;
}

policy::PolicyOptions HostOptions(const std::string& host) {
  policy::PolicyOptions options;
  options.host = EndpointIndex(host);
  return options;
}

policy::Policy HostPolicy(const policy::PolicyOptions& options) {
  return policy::BuildPolicy(testing::Sms2003(), Example(), ExamplePlan(), options);
}

std::string RenderHost(const std::string& target, const policy::PolicyOptions& options,
                       const RenderOptions& render = {}, bool allow_partial = false) {
  auto policy = HostPolicy(options);
  const auto files = Render(*FindTarget(target), policy, render, allow_partial);
  EXPECT_EQ(files.size(), 1u);
  return files.front().content;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> LinesStartingWith(const std::string& text, std::string_view prefix) {
  std::vector<std::string> found;
  for (const auto& line : Lines(text)) {
    if (line.starts_with(prefix)) found.push_back(line);
  }
  return found;
}

std::string LineNamed(const std::string& text, const std::string& name) {
  for (const auto& line : Lines(text)) {
    if (line.find(name) != std::string::npos && !line.starts_with("#") && !line.starts_with("REM")) return line;
  }
  ADD_FAILURE() << "no line with " << name;
  return {};
}

bool Has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The value of " -Param value" up to the next parameter or pipe.
std::string PsParameter(const std::string& line, const std::string& parameter) {
  const auto start = line.find(" -" + parameter + " ");
  if (start == std::string::npos) return {};
  const auto value = start + parameter.size() + 3;
  const auto end = std::min(line.find(" -", value), line.find(" |", value));
  return line.substr(value, end - value);
}

TEST(WindowsPowerShell, RpcKeywordsGetRulesOfTheirOwnAndNumbersLeaveThemOut) {
  const auto script = RenderHost("windows-ps", HostOptions("DC01"));
  const auto epmap = LineNamed(script, "'portolan-DC01-F02-in-epmap'");
  EXPECT_EQ(PsParameter(epmap, "LocalPort"), "RPCEPMap");
  EXPECT_EQ(PsParameter(epmap, "Protocol"), "TCP");
  EXPECT_TRUE(Has(epmap, "ad-epmap-tcp"));
  const auto rpc = LineNamed(script, "'portolan-DC01-F02-in-rpc'");
  EXPECT_EQ(PsParameter(rpc, "LocalPort"), "RPC");
  EXPECT_TRUE(Has(rpc, "ad-rpc-dynamic"));
  // The numbered rule of the same flow keeps the other ports, without 135 or the dynamic range.
  const auto numbers = LineNamed(script, "'portolan-DC01-F02-in'");
  EXPECT_EQ(PsParameter(numbers, "LocalPort"), "'88','389','636','3268-3269'");
  EXPECT_EQ(PsParameter(numbers, "RemoteAddress"), "'10.0.0.1','10.2.0.1','10.3.0.1'");
  EXPECT_EQ(PsParameter(numbers, "LocalAddress"), "'10.0.0.10'");
  EXPECT_EQ(PsParameter(numbers, "Group"), "'portolan'");
  EXPECT_EQ(PsParameter(numbers, "Profile"), "Any");
}

TEST(WindowsPowerShell, EveryRuleAllowsExactlyItsPolicyRule) {
  for (const auto& endpoint : Example().endpoints) {
    auto options = HostOptions(endpoint.name);
    options.egress = true;
    const auto policy = HostPolicy(options);
    const auto script = RenderHost("windows-ps", options);
    std::size_t parts = 0;
    for (const auto& rule : policy.rules) {
      for (const auto& part : SplitByKeyword(rule)) {
        ++parts;
        const auto line = LineNamed(script, "'" + WindowsRuleName(policy, part.rule) + "'");
        std::vector<std::string> remote;
        for (const auto& address : WindowsAddresses(RemoteGroup(policy, rule).networks))
          remote.push_back("'" + address + "'");
        EXPECT_EQ(PsParameter(line, "RemoteAddress"), fmt::format("{}", fmt::join(remote, ","))) << line;
        EXPECT_EQ(PsParameter(line, "Direction"),
                  rule.direction == policy::Direction::kInbound ? "Inbound" : "Outbound");
        EXPECT_TRUE(Has(line, RuleComment(policy, part.rule).substr(rule.flow_id.size() + 1))) << line;
      }
    }
    EXPECT_EQ(LinesStartingWith(script, "New-NetFirewallRule").size(), parts) << endpoint.name;
    EXPECT_FALSE(Has(script, "-Action Block")) << "a block rule would beat every allow rule";
  }
}

TEST(WindowsPowerShell, OutboundRulesNameRemotePortsByNumber) {
  auto options = HostOptions("SMS03");
  options.egress = true;
  const auto script = RenderHost("windows-ps", options);
  const auto out = LineNamed(script, "'portolan-SMS03-F02-out'");
  EXPECT_EQ(PsParameter(out, "RemotePort"), "'88','135','389','636','1025-5000'");
  EXPECT_EQ(PsParameter(out, "LocalPort"), "");
  EXPECT_FALSE(Has(out, "RPC"));
  EXPECT_TRUE(Has(script, "-DefaultInboundAction Block -DefaultOutboundAction Block"));
  // GRE by its protocol number, without ports.
  const auto gre = LineNamed(script, "'portolan-SMS03-F22-in'");
  EXPECT_EQ(PsParameter(gre, "Protocol"), "47");
  EXPECT_FALSE(Has(gre, "Port"));
}

TEST(WindowsPowerShell, DefaultDenyIsTheProfilesActionAndCanBeLeftOut) {
  const auto script = RenderHost("windows-ps", HostOptions("SMS01"));
  const auto profiles = LinesStartingWith(script, "Set-NetFirewallProfile");
  ASSERT_EQ(profiles.size(), 1u);
  EXPECT_TRUE(Has(profiles[0], "-Enabled True"));
  EXPECT_TRUE(Has(profiles[0], "-DefaultInboundAction Block -DefaultOutboundAction Allow"));
  EXPECT_FALSE(Has(profiles[0], "AllowLocalFirewallRules")) << "only in a GPO";
  EXPECT_TRUE(Has(script, "#   Get-NetFirewallRule -PolicyStore ActiveStore -Enabled True -Action Allow"));

  auto options = HostOptions("SMS01");
  options.default_deny = false;
  const auto inserted = RenderHost("windows-ps", options);
  EXPECT_TRUE(LinesStartingWith(inserted, "Set-NetFirewallProfile").empty());
  EXPECT_TRUE(Has(inserted, "# No default deny (--no-default-deny)"));
}

TEST(WindowsPowerShell, GpoSessionOnEveryCmdletAndSavedAtTheEnd) {
  RenderOptions render;
  render.gpo = "corp.example\\O'Brien firewall";
  const auto script = RenderHost("windows-ps", HostOptions("SMS02"), render);
  EXPECT_TRUE(Has(script, "$gpo = Open-NetGPO -PolicyStore 'corp.example\\O''Brien firewall'\r\n"));
  for (const auto& line : Lines(script)) {
    if (line.starts_with("#") || line.starts_with("$gpo") || line.starts_with("    Where-Object")) continue;
    if (line.find("NetFirewall") != std::string::npos) {
      EXPECT_TRUE(Has(line, "-GPOSession $gpo")) << line;
    }
  }
  const auto lines = Lines(script);
  EXPECT_EQ(lines.back(), "Save-NetGPO -GPOSession $gpo");
  EXPECT_TRUE(Has(script, "-AllowLocalFirewallRules False -GPOSession $gpo"));
}

TEST(WindowsPowerShell, RemovesOnlyThisHostsEarlierRulesFirst) {
  const auto script = RenderHost("windows-ps", HostOptions("SMS01"));
  const auto remove = script.find("Remove-NetFirewallRule");
  ASSERT_NE(remove, std::string::npos);
  EXPECT_LT(remove, script.find("\nNew-NetFirewallRule"));
  EXPECT_TRUE(Has(script, "$_.Name.StartsWith('portolan-SMS01-')"));
}

TEST(WindowsNetsh, KeywordsDefaultDenyAndDeleteBeforeAdd) {
  const auto batch = RenderHost("windows-netsh", HostOptions("DC01"));
  EXPECT_NE(batch.find("\r\n"), std::string::npos) << "cmd.exe wants CRLF line ends";
  const auto epmap = LineNamed(batch, "add rule name=\"portolan-DC01-F02-in-epmap\"");
  EXPECT_TRUE(Has(epmap,
                  " dir=in action=allow protocol=TCP localport=RPC-EPMap remoteip=10.0.0.1,10.2.0.1,10.3.0.1 "
                  "localip=10.0.0.10 profile=any description=\""));
  EXPECT_TRUE(Has(LineNamed(batch, "add rule name=\"portolan-DC01-F02-in-rpc\""), " localport=RPC "));
  EXPECT_TRUE(Has(LineNamed(batch, "add rule name=\"portolan-DC01-F02-in\""), " localport=88,389,636,3268-3269 "));
  const auto adds = LinesStartingWith(batch, "netsh advfirewall firewall add rule");
  const auto deletes = LinesStartingWith(batch, "netsh advfirewall firewall delete rule");
  EXPECT_EQ(adds.size(), deletes.size());
  EXPECT_LT(batch.find("delete rule"), batch.find("add rule"));
  EXPECT_TRUE(Has(batch, "netsh advfirewall set allprofiles state on || goto failed\r\n"));
  EXPECT_TRUE(
      Has(batch, "netsh advfirewall set allprofiles firewallpolicy blockinbound,allowoutbound || goto failed\r\n"));
  EXPECT_LT(batch.find("add rule"), batch.find("set allprofiles")) << "allow first, then deny";
  EXPECT_FALSE(Has(batch, "action=block"));
}

TEST(WindowsNetsh, BatchTextDoublesPercentAndDefusesSpecialCharacters) {
  EXPECT_EQ(BatchText("100% \"x\" a&b|c<d>e^"), "100%% 'x' a_b_c_d_e_");
  EXPECT_EQ(BatchText("caf\xc3\xa9"), "caf??");
}

TEST(WindowsLegacy, OneOpeningPerPortWithTheUnionOfItsSources) {
  const auto batch = RenderHost("windows-legacy", HostOptions("DC01"), {}, true);
  const auto openings = LinesStartingWith(batch, "netsh firewall add portopening");
  std::set<std::string> keys;
  const std::regex key(R"(protocol=(\w+) port=(\d+) )");
  for (const auto& line : openings) {
    std::smatch match;
    ASSERT_TRUE(std::regex_search(line, match, key)) << line;
    EXPECT_TRUE(keys.insert(match[1].str() + " " + match[2].str()).second) << "a second opening replaces the first";
    EXPECT_TRUE(Has(line, " mode=ENABLE scope=CUSTOM addresses=")) << line;
    EXPECT_TRUE(Has(line, " profile=ALL || goto failed")) << line;
  }
  // TCP 389 serves F02 (the site servers) and F08 (the clients): both sets of sources.
  const auto ldap = LineNamed(batch, "protocol=TCP port=389 ");
  EXPECT_TRUE(Has(ldap, "name=\"portolan TCP 389 F02 F08 ad-ldap-tcp client-ldap\""));
  EXPECT_TRUE(Has(ldap,
                  "addresses=10.0.0.1,10.1.0.0/255.255.0.0,10.2.0.1,10.2.16.0/255.255.240.0,10.3.0.1,"
                  "10.3.8.0/255.255.255.0 "));
  // The dynamic RPC range cannot be opened port by port: a visible warning, not an opening.
  EXPECT_TRUE(Has(batch, "REM WARNING: NOT RENDERED F02-in tcp 1025-3267,3270-5000"));
  EXPECT_FALSE(Has(batch, "port=1025 "));
  EXPECT_TRUE(Has(batch, "netsh firewall set opmode mode=ENABLE exceptions=ENABLE profile=ALL || goto failed\r\n"));
  EXPECT_TRUE(Has(batch, "REM - It opens a port on every address of this host"));
}

TEST(WindowsLegacy, RefusesWithoutAllowPartialAndEgressAlways) {
  EXPECT_THROW(RenderHost("windows-legacy", HostOptions("DC01")), RenderRefused);
  auto options = HostOptions("SMS01");
  options.egress = true;
  EXPECT_THROW(RenderHost("windows-legacy", options, {}, true), RenderRefused);
}

TEST(WindowsLegacy, GreIsAWarningAndNoDefaultDenyLeavesTheModeAlone) {
  auto options = HostOptions("SMS03");
  options.default_deny = false;
  const auto batch = RenderHost("windows-legacy", options, {}, true);
  EXPECT_TRUE(Has(batch, "REM WARNING: NOT RENDERED F22-in gre from SMS02 to SMS03"));
  EXPECT_FALSE(Has(batch, "set opmode"));
  EXPECT_TRUE(Has(LineNamed(batch, "protocol=TCP port=1723 "), "addresses=10.2.0.1 "));
}

TEST(WindowsLegacy, OpeningNamesAreCutWithACount) {
  const auto batch = RenderHost("windows-legacy", HostOptions("SMS01"), {}, true);
  const std::regex name(R"#(name="([^"]*)")#");
  for (const auto& line : LinesStartingWith(batch, "netsh firewall add portopening")) {
    std::smatch match;
    ASSERT_TRUE(std::regex_search(line, match, name));
    EXPECT_LE(match[1].str().size(), 120u) << line;
    EXPECT_TRUE(match[1].str().starts_with("portolan ")) << line;
  }
}

}  // namespace
}  // namespace portolan::render
