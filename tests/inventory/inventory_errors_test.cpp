// Every way an inventory can be wrong gets one exact diagnostic: file:line:column, pointing
// at the offending value (or key), and a message that says what was expected.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/diagnostics.hpp"
#include "inventory/inventory_loader.hpp"
#include "support/test_support.hpp"

namespace portolan::inventory {
namespace {

using portolan::testing::InventoryDiagnostics;

constexpr const char* kRoleList =
    "site-server, site-database, sms-provider, management-point, proxy-management-point, server-locator-point, "
    "reporting-point, distribution-point, global-catalog, advanced-client, admin-console, dns-server, wins-server, "
    "dhcp-server, ras-server, http-proxy";

// The lines of diags.ToString() (sorted by position) of one severity.
std::vector<std::string> Lines(const core::Diagnostics& diags, core::Severity severity) {
  const std::string marker = severity == core::Severity::kError ? ": error: " : ": warning: ";
  const std::string text = diags.ToString();
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t end = text.find('\n'); end != std::string::npos; start = end + 1, end = text.find('\n', start)) {
    auto line = text.substr(start, end - start);
    if (line.find(marker) != std::string::npos) out.push_back(std::move(line));
  }
  return out;
}

// The errors of an inventory, in file order, as the CLI prints them.
std::vector<std::string> Errors(const std::string& yaml) {
  return Lines(InventoryDiagnostics(yaml), core::Severity::kError);
}

std::vector<std::string> Warnings(const std::string& yaml) {
  return Lines(InventoryDiagnostics(yaml), core::Severity::kWarning);
}

std::vector<std::string> FixtureErrors(const std::string& name) {
  const auto relative = "tests/data/bad-inventories/" + name;
  const auto text = core::ReadFile(portolan::testing::SourceDir() / relative);
  return Lines(InventoryDiagnostics(text, relative), core::Severity::kError);
}

// A complete one-site inventory; tests append hosts, clients or sites to it.
constexpr const char* kOneSite = R"(catalog: sms2003
domain: {name: corp.example, rpc_dynamic_ports: 1025-5000}
sites:
  - code: AAA
    hosts:
      - {name: SMS01, address: 10.0.0.1, roles: [site-server, site-database]}
)";

TEST(InventoryErrors, TheExampleLoadsWithoutErrorsOrWarnings) {
  const auto text = core::ReadFile(portolan::testing::SourceDir() / "examples/sms2003-site.yaml");
  const auto diags = InventoryDiagnostics(text, "examples/sms2003-site.yaml");
  EXPECT_EQ(diags.ToString(), "");
  EXPECT_FALSE(diags.HasErrors());
}

TEST(InventoryErrors, TheBaseOfTheseTestsIsValid) {
  EXPECT_EQ(InventoryDiagnostics(kOneSite).ToString(), "");
}

TEST(InventoryErrors, UnknownRoleSuggestsTheNearestAndListsTheCatalogs) {
  EXPECT_EQ(
      Errors(std::string(kOneSite) + "      - {name: DC01, address: 10.0.0.2, roles: [dns-server, global-catalgo]}\n"),
      std::vector<std::string>{std::string("test.yaml:7:61: error: unknown role 'global-catalgo' (did you mean "
                                           "'global-catalog'?) (catalog sms2003 has: ") +
                               kRoleList + ")"});
}

TEST(InventoryErrors, UnknownRoleFarFromEveryRoleHasNoSuggestion) {
  EXPECT_EQ(
      Errors(std::string(kOneSite) + "      - {name: X1, address: 10.0.0.2, roles: [firewall]}\n"),
      std::vector<std::string>{std::string("test.yaml:7:47: error: unknown role 'firewall' (catalog sms2003 has: ") +
                               kRoleList + ")"});
}

TEST(InventoryErrors, BadIpv4Address) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "      - {name: DC01, address: 10.0.0.256, roles: [dns-server]}\n"),
            std::vector<std::string>{"test.yaml:7:31: error: bad address: '10.0.0.256' is not an IPv4 address "
                                     "(expected a dotted quad such as 10.0.0.1)"});
}

TEST(InventoryErrors, BadIpv6Address) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "      - {name: DC01, address: \"2001:db8::g\", roles: [dns-server]}\n"),
            std::vector<std::string>{"test.yaml:7:31: error: bad address: '2001:db8::g' is not an IPv6 address"});
}

TEST(InventoryErrors, HostAddressWithAPrefix) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "      - {name: DC01, address: 10.0.0.2/24, roles: [dns-server]}\n"),
            std::vector<std::string>{
                "test.yaml:7:31: error: bad address: '10.0.0.2/24' is a network; a host address has no /prefix"});
}

TEST(InventoryErrors, OneBadAddressInAListIsReportedAtThatItem) {
  EXPECT_EQ(Errors(std::string(kOneSite) +
                   "      - {name: DC01, addresses: [10.0.0.2, 10.0.0.3, 10.0.0.999], roles: [dns-server]}\n"),
            std::vector<std::string>{"test.yaml:7:54: error: bad address: '10.0.0.999' is not an IPv4 address "
                                     "(expected a dotted quad such as 10.0.0.1)"});
}

TEST(InventoryErrors, CidrWithHostBitsSet) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "    clients:\n      - {name: desktops, network: 10.1.0.1/16}\n"),
            std::vector<std::string>{"test.yaml:8:35: error: bad network (CIDR): '10.1.0.1/16' has host bits set "
                                     "after /16 (did you mean a network address?)"});
}

TEST(InventoryErrors, CidrWithABadPrefix) {
  EXPECT_EQ(Errors(std::string(kOneSite) +
                   "    clients:\n      - {name: desktops, networks: [10.1.0.0/33, 10.2.0.0/x, 10.3.0.0/]}\n"),
            (std::vector<std::string>{
                "test.yaml:8:37: error: bad network (CIDR): '10.1.0.0/33' has a bad prefix length (expected 0-32)",
                "test.yaml:8:50: error: bad network (CIDR): '10.2.0.0/x' has a bad prefix length (expected 0-32)",
                "test.yaml:8:62: error: bad network (CIDR): '10.3.0.0/' has a bad prefix length (expected 0-32)"}));
}

TEST(InventoryErrors, Ipv6CidrWithHostBitsOrABadPrefix) {
  EXPECT_EQ(Errors(std::string(kOneSite) +
                   "    clients:\n      - {name: v6, networks: [\"2001:db8::1/64\", \"2001:db8::/129\"]}\n"),
            (std::vector<std::string>{
                "test.yaml:8:31: error: bad network (CIDR): '2001:db8::1/64' has host bits set after /64 "
                "(did you mean a network address?)",
                "test.yaml:8:49: error: bad network (CIDR): '2001:db8::/129' has a bad prefix length "
                "(expected 0-128)"}));
}

TEST(InventoryErrors, SqlPortOutOfRange) {
  EXPECT_EQ(Errors(R"(catalog: sms2003
domain: {name: corp.example, rpc_dynamic_ports: 1025-5000}
sites:
  - code: AAA
    hosts:
      - name: SMS01
        address: 10.0.0.1
        roles: [site-server, site-database]
        sql: {port: 70000}
)"),
            std::vector<std::string>{
                "test.yaml:9:21: error: sql 'port': expected a whole number from 1 to 65535, found '70000'"});
}

TEST(InventoryErrors, RpcDynamicPortsStartingAtZero) {
  EXPECT_EQ(Errors(R"(catalog: sms2003
domain:
  name: corp.example
  rpc_dynamic_ports: 0-5
sites:
  - code: AAA
    hosts:
      - {name: SMS01, address: 10.0.0.1, roles: [site-server, site-database]}
)"),
            std::vector<std::string>{
                "test.yaml:4:22: error: domain 'rpc_dynamic_ports': port '0-5' is out of range (expected 1-65535)"});
}

TEST(InventoryErrors, RpcDynamicPortsReversed) {
  EXPECT_EQ(Errors(R"(catalog: sms2003
domain:
  name: corp.example
  rpc_dynamic_ports: [135, 5000-1025]
sites:
  - code: AAA
    hosts:
      - {name: SMS01, address: 10.0.0.1, roles: [site-server, site-database]}
)"),
            std::vector<std::string>{"test.yaml:4:28: error: domain 'rpc_dynamic_ports': port range '5000-1025' is "
                                     "reversed (did you mean 1025-5000?)"});
}

TEST(InventoryErrors, UnknownParentSuggestsTheNearestCode) {
  EXPECT_EQ(Errors(std::string(kOneSite) + R"(  - code: BBB
    parent: AAB
    hosts:
      - {name: SMS02, address: 10.0.0.2, roles: [site-server, site-database]}
)"),
            std::vector<std::string>{
                "test.yaml:8:13: error: site BBB: unknown parent 'AAB' (did you mean 'AAA'?) (sites: AAA, BBB)"});
}

TEST(InventoryErrors, UnknownParentListsAtMostTwelveSites) {
  std::string yaml = "catalog: sms2003\ndomain: {name: corp.example, rpc_dynamic_ports: 1025-5000}\nsites:\n";
  for (int i = 0; i < 20; ++i) {
    yaml += "  - code: S" + std::string(i < 10 ? "0" : "") + std::to_string(i) + "\n";
    if (i > 0) yaml += "    parent: S00\n";
    yaml += "    hosts:\n      - {name: SMS" + std::to_string(i) + ", address: 10.0.0." + std::to_string(i + 1) +
            ", roles: [site-server, site-database]}\n";
  }
  yaml +=
      "  - code: ZZZ\n    parent: QQQ\n    hosts:\n"
      "      - {name: SMSZ, address: 10.0.1.1, roles: [site-server, site-database]}\n";
  EXPECT_EQ(Errors(yaml), std::vector<std::string>{
                              "test.yaml:84:13: error: site ZZZ: unknown parent 'QQQ' (sites: S00, S01, S02, S03, S04, "
                              "S05, S06, S07, S08, S09, S10, S11, and 9 more)"});
}

TEST(InventoryErrors, SiteIsItsOwnParent) {
  EXPECT_EQ(Errors(R"(catalog: sms2003
domain: {name: corp.example, rpc_dynamic_ports: 1025-5000}
sites:
  - code: AAA
    parent: aaa
    hosts:
      - {name: SMS01, address: 10.0.0.1, roles: [site-server, site-database]}
)"),
            std::vector<std::string>{"test.yaml:5:13: error: site AAA is its own parent"});
}

TEST(InventoryErrors, CyclesInTheHierarchyAreReportedOnceEachAtAParent) {
  EXPECT_EQ(FixtureErrors("hierarchy-cycle.yaml"),
            (std::vector<std::string>{
                "tests/data/bad-inventories/hierarchy-cycle.yaml:7:13: error: the site hierarchy has a cycle: "
                "AAA -> parent BBB -> parent AAA",
                "tests/data/bad-inventories/hierarchy-cycle.yaml:19:13: error: the site hierarchy has a cycle: "
                "CCC -> parent EEE -> parent DDD -> parent CCC"}));
}

TEST(InventoryErrors, ALongChainOfSitesIsNoCycle) {
  std::string yaml = "catalog: sms2003\ndomain: {name: corp.example, rpc_dynamic_ports: 1025-5000}\nsites:\n";
  constexpr int kSites = 2000;
  for (int i = 0; i < kSites; ++i) {
    yaml += "  - {code: " + fmt::format("{:03X}", i) + (i > 0 ? ", parent: " + fmt::format("{:03X}", i - 1) : "") +
            ", hosts: [{name: H" + std::to_string(i) + ", address: 10.1." + std::to_string(i / 250) + "." +
            std::to_string(i % 250 + 1) + ", roles: [site-server, site-database]}]}\n";
  }
  const auto diags = InventoryDiagnostics(yaml);
  EXPECT_FALSE(diags.HasErrors()) << diags.ToString().substr(0, 2000);
}

TEST(InventoryErrors, DuplicateHostNameIgnoresCase) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "      - {name: sms01, address: 10.0.0.2, roles: [dns-server]}\n"),
            std::vector<std::string>{"test.yaml:7:16: error: duplicate name 'sms01' (first used at test.yaml:6:16); "
                                     "names are case-insensitive, as in NetBIOS"});
}

TEST(InventoryErrors, AClientNetworkCannotShareAHostsName) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "    clients:\n      - {name: Sms01, network: 10.1.0.0/16}\n"),
            std::vector<std::string>{"test.yaml:8:16: error: duplicate name 'Sms01' (first used at test.yaml:6:16); "
                                     "names are case-insensitive, as in NetBIOS"});
}

TEST(InventoryErrors, DuplicateAddress) {
  EXPECT_EQ(
      Errors(std::string(kOneSite) + "      - {name: DC01, address: 10.0.0.1, roles: [dns-server]}\n"),
      std::vector<std::string>{"test.yaml:7:31: error: address 10.0.0.1 is already used by SMS01 at test.yaml:6:32"});
}

TEST(InventoryErrors, DuplicateIpv6AddressWrittenDifferently) {
  EXPECT_EQ(
      Errors(std::string(kOneSite) + "      - {name: DC01, address: \"2001:db8::1\", roles: [dns-server]}\n"
                                     "      - {name: DC02, address: \"2001:DB8:0:0::1\", roles: [dns-server]}\n"),
      std::vector<std::string>{"test.yaml:8:31: error: address 2001:db8::1 is already used by DC01 at test.yaml:7:31"});
}

TEST(InventoryErrors, HostWithoutAddress) {
  EXPECT_EQ(
      Errors(std::string(kOneSite) + "      - {name: DC01, roles: [dns-server]}\n"),
      std::vector<std::string>{"test.yaml:7:9: error: host 'DC01' has no address (expected 'address: 10.0.0.1')"});
}

TEST(InventoryErrors, ClientNetworkWithoutNetwork) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "    clients:\n      - name: desktops\n"),
            std::vector<std::string>{"test.yaml:8:9: error: client network 'desktops' has no network "
                                     "(expected 'network: 10.1.0.0/16')"});
}

TEST(InventoryErrors, SecondarySiteWithADatabase) {
  EXPECT_EQ(Errors(std::string(kOneSite) + R"(  - code: BBB
    parent: AAA
    type: secondary
    hosts:
      - {name: SMS02, address: 10.0.0.2, roles: [site-server, site-database]}
)"),
            std::vector<std::string>{"test.yaml:11:63: error: secondary site BBB cannot have a site database (SMS02); "
                                     "its proxy management point uses the parent's"});
}

TEST(InventoryErrors, SecondarySiteWithoutParent) {
  EXPECT_EQ(Errors(std::string(kOneSite) + R"(  - code: BBB
    type: secondary
    hosts:
      - {name: SMS02, address: 10.0.0.2, roles: [site-server]}
)"),
            std::vector<std::string>{"test.yaml:7:5: error: secondary site BBB needs a 'parent'"});
}

TEST(InventoryErrors, SecondarySiteCannotBeAParent) {
  EXPECT_EQ(Errors(std::string(kOneSite) + R"(  - code: BBB
    parent: AAA
    type: secondary
    hosts:
      - {name: SMS02, address: 10.0.0.2, roles: [site-server]}
  - code: CCC
    parent: BBB
    hosts:
      - {name: SMS03, address: 10.0.0.3, roles: [site-server, site-database]}
)"),
            std::vector<std::string>{"test.yaml:13:13: error: site CCC cannot have secondary site BBB as its parent; "
                                     "secondary sites have no child sites"});
}

TEST(InventoryErrors, PrimarySiteWithoutDatabase) {
  EXPECT_EQ(Errors(R"(catalog: sms2003
domain: {name: corp.example, rpc_dynamic_ports: 1025-5000}
sites:
  - code: AAA
    hosts:
      - {name: SMS01, address: 10.0.0.1, roles: [site-server]}
)"),
            std::vector<std::string>{"test.yaml:4:5: error: primary site AAA has no host with the site-database role"});
}

TEST(InventoryErrors, SiteWithoutSiteServer) {
  EXPECT_EQ(Errors(R"(catalog: sms2003
domain: {name: corp.example, rpc_dynamic_ports: 1025-5000}
sites:
  - code: AAA
    hosts:
      - {name: SQL01, address: 10.0.0.5, roles: [site-database]}
)"),
            std::vector<std::string>{"test.yaml:4:5: error: site AAA has no host with the site-server role"});
}

TEST(InventoryErrors, SiteWithTwoSiteServers) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "      - {name: SMS02, address: 10.0.0.2, roles: [site-server]}\n"),
            std::vector<std::string>{"test.yaml:7:9: error: site AAA has more than one site server (SMS01 and SMS02); "
                                     "a site has exactly one"});
}

TEST(InventoryErrors, SiteWithTwoDatabases) {
  EXPECT_EQ(
      Errors(std::string(kOneSite) + "      - {name: SQL02, address: 10.0.0.2, roles: [site-database]}\n"),
      std::vector<std::string>{"test.yaml:7:9: error: site AAA has more than one site database (SMS01 and SQL02)"});
}

TEST(InventoryErrors, TabIndentationIsNamed) {
  EXPECT_EQ(FixtureErrors("tab-indentation.yaml"),
            std::vector<std::string>{"tests/data/bad-inventories/tab-indentation.yaml:4:6: error: YAML syntax error: "
                                     "illegal map value (this line is indented with a tab; YAML indents with spaces "
                                     "only)"});
}

TEST(InventoryErrors, TabWhereYamlLooksForIndentation) {
  EXPECT_EQ(Errors("catalog: sms2003\ndomain:\n  name: corp.example\n  \trpc_dynamic_ports: 1025-5000\n"),
            std::vector<std::string>{
                "test.yaml:4:3: error: YAML syntax error: a tab in the indentation; YAML indents with spaces only"});
}

TEST(InventoryErrors, ATabInsideAFlowListIsNoSyntaxErrorAndGetsNoHint) {
  EXPECT_EQ(Errors("catalog: sms2003\nsites: [1,\n\t2]\ndomain: a: b\n"),
            std::vector<std::string>{"test.yaml:4:10: error: YAML syntax error: illegal map value"});
}

TEST(InventoryErrors, UnclosedBracketIsReportedWhereItOpens) {
  EXPECT_EQ(FixtureErrors("unclosed-bracket.yaml"),
            std::vector<std::string>{"tests/data/bad-inventories/unclosed-bracket.yaml:8:16: error: YAML syntax error: "
                                     "this '[' is never closed with ']' (the parser gave up at line 9, column 16)"});
}

TEST(InventoryErrors, UnclosedBraceIsReportedWhereItOpens) {
  EXPECT_EQ(Errors("catalog: sms2003\ndomain: {name: corp.example\nsites: []\n"),
            std::vector<std::string>{"test.yaml:2:9: error: YAML syntax error: this '{' is never closed with '}' "
                                     "(the parser gave up at line 3, column 6)"});
}

TEST(InventoryErrors, BracketsInsideQuotesDoNotCount) {
  EXPECT_EQ(Errors("catalog: sms2003\ndomain: {name: \"corp[\", x: ']'\nsites: []\n"),
            std::vector<std::string>{"test.yaml:2:9: error: YAML syntax error: this '{' is never closed with '}' "
                                     "(the parser gave up at line 3, column 1)"});
}

// Found by fuzz/inventory_fuzzer: a ',' at the start of a line made yaml-cpp 0.7's LoadAll loop
// forever, allocating (jbeder/yaml-cpp#1040). The file is the fuzzer's input as it found it.
TEST(InventoryErrors, AStrayCommaIsASyntaxErrorNotAHang) {
  EXPECT_EQ(FixtureErrors("fuzz-stray-comma-hang.yaml"),
            std::vector<std::string>{
                "tests/data/bad-inventories/fuzz-stray-comma-hang.yaml:2:1: error: YAML syntax error: unexpected ','"});
  EXPECT_EQ(Errors(",catalog: sms2003\n"),
            std::vector<std::string>{"test.yaml:1:1: error: YAML syntax error: unexpected ','"});
}

// Found by fuzz/render_fuzzer: bytes that are not UTF-8 in a string made every JSON output
// throw far from the cause. The file is the fuzzer's input as it found it.
TEST(InventoryErrors, BytesThatAreNotUtf8AreAnErrorAtTheirPosition) {
  EXPECT_EQ(FixtureErrors("not-utf8.yaml"),
            std::vector<std::string>{"tests/data/bad-inventories/not-utf8.yaml:5:13: error: byte 0xFA is not valid "
                                     "UTF-8; save the file as UTF-8"});
}

TEST(InventoryErrors, UnknownKeySuggestsTheNearest) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "      - {name: DC01, adress: 10.0.0.2, roles: [dns-server]}\n"),
            (std::vector<std::string>{"test.yaml:7:9: error: host 'DC01' has no address (expected 'address: 10.0.0.1')",
                                      "test.yaml:7:22: error: host: unknown key 'adress' (did you mean 'address'?)"}));
}

TEST(InventoryErrors, UnknownTopLevelKey) {
  EXPECT_EQ(
      Errors(std::string(kOneSite) + "catalgo: sms2003\n"),
      std::vector<std::string>{"test.yaml:7:1: error: inventory: unknown key 'catalgo' (did you mean 'catalog'?)"});
}

TEST(InventoryErrors, DuplicateKeyIsReportedAtTheSecond) {
  EXPECT_EQ(Errors(std::string(kOneSite) +
                   "      - {name: DC01, address: 10.0.0.2, address: 10.0.0.3, roles: [dns-server]}\n"),
            std::vector<std::string>{"test.yaml:7:41: error: host: duplicate key 'address'"});
}

TEST(InventoryErrors, KeysMustBeWords) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "? [a, b]\n: 1\n"),
            std::vector<std::string>{"test.yaml:7:3: error: inventory: a key must be a word, found a list"});
}

TEST(InventoryErrors, RequiredKeyWithoutValue) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "      - name:\n        address: 10.0.0.2\n        roles: [dns-server]\n"),
            std::vector<std::string>{"test.yaml:7:9: error: host: 'name' has no value"});
}

TEST(InventoryErrors, MissingRequiredKeys) {
  EXPECT_EQ(Errors("catalog: sms2003\n"),
            (std::vector<std::string>{"test.yaml:1:1: error: inventory: missing required key 'domain'",
                                      "test.yaml:1:1: error: inventory: missing required key 'sites'"}));
}

TEST(InventoryErrors, BadSiteCode) {
  EXPECT_EQ(Errors(R"(catalog: sms2003
domain: {name: corp.example, rpc_dynamic_ports: 1025-5000}
sites:
  - code: A-1
    hosts:
      - {name: SMS01, address: 10.0.0.1, roles: [site-server, site-database]}
)"),
            std::vector<std::string>{"test.yaml:4:11: error: site code 'A-1' must be 3 letters or digits (e.g. AAA)"});
}

TEST(InventoryErrors, DuplicateSiteCodeIgnoresCase) {
  EXPECT_EQ(
      Errors(std::string(kOneSite) + R"(  - code: aaa
    parent: AAA
    hosts:
      - {name: SMS02, address: 10.0.0.2, roles: [site-server, site-database]}
)"),
      std::vector<std::string>{"test.yaml:7:11: error: duplicate site code 'AAA' (first used at test.yaml:4:11)"});
}

TEST(InventoryErrors, BadRemoteControlValue) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "    clients:\n      - {name: desktops, network: 10.1.0.0/16, "
                                           "remote_control: vnc}\n"),
            std::vector<std::string>{
                "test.yaml:8:64: error: 'remote_control' must be one of: tcp, netbios, none; found 'vnc'"});
}

TEST(InventoryErrors, BadSiteTypeAndSender) {
  EXPECT_EQ(
      Errors(std::string(kOneSite) + R"(  - code: BBB
    parent: AAA
    type: tertiary
    sender: pigeon
    hosts:
      - {name: SMS02, address: 10.0.0.2, roles: [site-server, site-database]}
)"),
      (std::vector<std::string>{"test.yaml:9:11: error: 'type' must be one of: primary, secondary; found 'tertiary'",
                                "test.yaml:10:13: error: 'sender' must be one of: standard, ras, courier; found "
                                "'pigeon'"}));
}

TEST(InventoryErrors, RolesAsAMapping) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "      - {name: DC01, address: 10.0.0.2, roles: {dns-server: true}}\n"),
            std::vector<std::string>{"test.yaml:7:48: error: 'roles': expected a list, found a mapping"});
}

TEST(InventoryErrors, NestedListOfRoles) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "      - {name: DC01, address: 10.0.0.2, roles: [[dns-server]]}\n"),
            std::vector<std::string>{"test.yaml:7:49: error: 'roles': expected a text value, found a list"});
}

TEST(InventoryErrors, BitsMaybe) {
  EXPECT_EQ(Errors(std::string(kOneSite) +
                   "      - {name: DP01, address: 10.0.0.2, roles: [distribution-point], bits: maybe}\n"),
            std::vector<std::string>{"test.yaml:7:76: error: host 'bits': expected true or false, found 'maybe'"});
}

TEST(InventoryErrors, WrongTypesAtTheTop) {
  EXPECT_EQ(Errors("catalog: [sms2003]\ndomain: corp.example\nsites: 5\n"),
            (std::vector<std::string>{
                "test.yaml:1:10: error: inventory 'catalog': expected a text value, found a list",
                "test.yaml:2:9: error: domain: expected a mapping of keys to values, found 'corp.example'",
                "test.yaml:3:8: error: 'sites' must be a list with at least one site"}));
}

TEST(InventoryErrors, HostsMustBeAList) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "  - {code: BBB, parent: AAA, hosts: {SMS02: 10.0.0.2}}\n"),
            (std::vector<std::string>{"test.yaml:7:5: error: site BBB has no host with the site-server role",
                                      "test.yaml:7:5: error: primary site BBB has no host with the site-database role",
                                      "test.yaml:7:37: error: 'hosts' must be a list of hosts"}));
}

TEST(InventoryErrors, ADocumentThatIsNotAMapping) {
  EXPECT_EQ(
      Errors("- catalog: sms2003\n"),
      std::vector<std::string>{"test.yaml:1:1: error: inventory: expected a mapping of keys to values, found a list"});
}

TEST(InventoryErrors, EmptyFile) {
  const std::vector<std::string> expected{
      "test.yaml:1:1: error: inventory: the file is empty; expected 'catalog', 'domain' and 'sites'"};
  EXPECT_EQ(Errors(""), expected);
  EXPECT_EQ(Errors("# nothing but a comment\n"), expected);
}

TEST(InventoryErrors, ASecondDocumentIsAnError) {
  EXPECT_EQ(Errors(std::string(kOneSite) + "---\nsites: []\n"),
            std::vector<std::string>{
                "test.yaml:7:1: error: a second YAML document starts here; the file must hold exactly one"});
}

TEST(InventoryErrors, EveryErrorOfAFileIsReported) {
  const std::string file = "tests/data/bad-inventories/many-errors.yaml";
  EXPECT_EQ(FixtureErrors("many-errors.yaml"),
            (std::vector<std::string>{
                file + ":5:22: error: domain 'rpc_dynamic_ports': port range '5000-1025' is reversed (did you mean "
                       "1025-5000?)",
                file + ":9:9: error: host 'SMS01' has no address (expected 'address: 10.0.0.1')",
                file + ":10:9: error: host: unknown key 'adress' (did you mean 'address'?)",
                file + ":13:18: error: bad address: '10.0.0.300' is not an IPv4 address (expected a dotted quad such "
                       "as 10.0.0.1)",
                file + ":14:33: error: unknown role 'dns-servr' (did you mean 'dns-server'?) (catalog sms2003 has: " +
                    kRoleList + ")",
                file + ":17:18: error: bad network (CIDR): '10.1.0.1/16' has host bits set after /16 (did you mean a "
                       "network address?)",
                file + ":18:25: error: 'remote_control' must be one of: tcp, netbios, none; found 'vnc'"}));
}

TEST(InventoryErrors, AliasBombIsRefusedBeforeItIsExpanded) {
  EXPECT_EQ(FixtureErrors("alias-bomb.yaml"),
            std::vector<std::string>{"tests/data/bad-inventories/alias-bomb.yaml:4:34: error: YAML aliases expand the "
                                     "document to more than 10000 values (this one is among them); write the values "
                                     "out instead of nesting aliases"});
}

TEST(InventoryErrors, AFewAliasesAreFine) {
  const auto diags = InventoryDiagnostics(R"(catalog: sms2003
domain: {name: corp.example, rpc_dynamic_ports: 1025-5000}
sites:
  - code: AAA
    hosts:
      - {name: SMS01, address: 10.0.0.1, roles: [site-server, site-database]}
      - {name: DC01, address: 10.0.0.2, roles: &dc [global-catalog, dns-server]}
      - {name: DC02, address: 10.0.0.3, roles: *dc}
)");
  EXPECT_EQ(diags.ToString(), "");
}

TEST(InventoryErrors, DeepNestingIsADiagnosticNotACrash) {
  const std::string deep = "catalog: sms2003\nsites: " + std::string(100000, '[') + "\n";
  EXPECT_EQ(Errors(deep), std::vector<std::string>{"test.yaml:2:257: error: YAML nesting too deep: lists and mappings "
                                                   "nest here beyond what the parser allows"});
  std::string indented = "sites:\n";
  for (int i = 1; i <= 1000; ++i) indented += std::string(static_cast<std::size_t>(i), ' ') + "- \n";
  EXPECT_EQ(Errors(indented), std::vector<std::string>{"test.yaml:499:499: error: YAML nesting too deep: lists and "
                                                       "mappings nest here beyond what the parser allows"});
}

TEST(InventoryErrors, WarningsPointAtTheValue) {
  EXPECT_EQ(Warnings(std::string(kOneSite) + "      - {name: DC01, address: 10.0.0.2, roles: []}\n"),
            std::vector<std::string>{"test.yaml:7:48: warning: host 'DC01' has no roles"});
  EXPECT_EQ(
      Warnings(std::string(kOneSite) + "      - {name: DC01, address: 10.0.0.2, roles: [dns-server, dns-server]}\n"),
      std::vector<std::string>{"test.yaml:7:61: warning: role 'dns-server' is listed twice"});
}

TEST(InventoryErrors, LoadInventoryThrowsEveryProblem) {
  try {
    LoadInventory((portolan::testing::SourceDir() / "tests/data/bad-inventories/many-errors.yaml").string(),
                  std::nullopt);
    ADD_FAILURE() << "LoadInventory accepted a bad inventory";
  } catch (const core::InputError& e) {
    EXPECT_EQ(Lines(e.diagnostics(), core::Severity::kError).size(), 7U) << e.what();
  }
}

TEST(InventoryErrors, LoadInventoryOfAMissingFileSaysSo) {
  const auto path = (portolan::testing::SourceDir() / "tests/data/bad-inventories/no-such-file.yaml").string();
  try {
    LoadInventory(path, std::nullopt);
    ADD_FAILURE() << "LoadInventory accepted a missing file";
  } catch (const core::InputError& e) {
    ASSERT_EQ(e.diagnostics().All().size(), 1U);
    EXPECT_EQ(e.diagnostics().All().front().where.file, path);
  }
}

}  // namespace
}  // namespace portolan::inventory
