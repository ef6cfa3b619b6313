// The squid.conf reader (audit/formats/squid.cpp) and the audit of an HTTP proxy's policy: acl and
// http_access semantics as Squid 5 has them, errors with file:line:column, methods by name in the
// reports, and the golden reports of tests/golden/audit/squid/ (PORTOLAN_UPDATE_GOLDEN=1).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "audit/analysis.hpp"
#include "audit/audit.hpp"
#include "audit/box_text.hpp"
#include "audit/formats/formats.hpp"
#include "audit/http_methods.hpp"
#include "core/atomic_file.hpp"
#include "plan/planner.hpp"
#include "report/audit_report.hpp"
#include "support/test_support.hpp"

namespace portolan::audit {
namespace {

constexpr const char* kProxiedSite = "examples/sms2003-proxied-site.yaml";

Ruleset Read(const std::string& text, const std::string& file = "squid.conf") {
  return formats::ReadRuleset(text, file, "squid", {});
}

// The first error, as the command prints it; empty when the text reads.
std::string ErrorOf(const std::string& text) {
  try {
    Read(text);
  } catch (const core::InputError& error) {
    return error.diagnostics().All().front().ToString();
  }
  return "";
}

// A request: client, origin server, origin port, method.
PacketSet Request(const std::string& from, const std::string& to, int port, const std::string& method) {
  return PacketSet::Source(*core::ParseNetwork(from)) & PacketSet::Destination(*core::ParseNetwork(to)) &
         PacketSet::Protocol(kProtocolTcp) & PacketSet::DestinationPorts(port, port) & MethodSet({method}) &
         PacketSet::State(CtState::kNew);
}

// Whether the http_access lines let the request through (for every value of the free variables).
bool Allows(const Ruleset& ruleset, const PacketSet& request) {
  const auto evaluation = Evaluate(ruleset);
  return request.SubsetOf(evaluation.hooks.at(Hook::kForward).accepted);
}

bool Denies(const Ruleset& ruleset, const PacketSet& request) {
  const auto evaluation = Evaluate(ruleset);
  return !request.Intersects(evaluation.hooks.at(Hook::kForward).accepted);
}

TEST(SquidReader, FirstMatchAndAndedAcls) {
  const auto ruleset = Read(
      "acl hq src 10.1.0.0/16\n"
      "acl mp dst 10.0.0.1\n"
      "acl web port 80\n"
      "acl mp_methods method GET CCM_POST\n"
      "http_access deny CONNECT\n"
      "http_access allow hq mp web mp_methods\n"
      "http_access deny all\n");
  ASSERT_EQ(ruleset.chains.size(), 1u);
  EXPECT_EQ(ruleset.chains[0].rules.size(), 3u);
  EXPECT_EQ(ruleset.chains[0].rules[1].where.line, 6);
  EXPECT_EQ(ruleset.chains[0].rules[1].text, "http_access allow hq mp web mp_methods");
  EXPECT_TRUE(Allows(ruleset, Request("10.1.2.3/32", "10.0.0.1/32", 80, "CCM_POST")));
  EXPECT_TRUE(Denies(ruleset, Request("10.1.2.3/32", "10.0.0.1/32", 80, "POST")));
  EXPECT_TRUE(Denies(ruleset, Request("10.1.2.3/32", "10.0.0.1/32", 443, "GET")));
  EXPECT_TRUE(Denies(ruleset, Request("10.2.0.1/32", "10.0.0.1/32", 80, "GET")));
}

// No line matches: the opposite of the last line's action; no http_access line at all: deny.
TEST(SquidReader, DefaultIsTheOppositeOfTheLastLine) {
  const auto request = Request("10.1.2.3/32", "10.0.0.1/32", 80, "GET");
  EXPECT_TRUE(Allows(Read("acl other src 192.168.0.0/16\nhttp_access deny other\n"), request));
  EXPECT_TRUE(Denies(Read("acl other src 192.168.0.0/16\nhttp_access allow other\n"), request));
  const auto none = Read("acl other src 192.168.0.0/16\n");
  EXPECT_TRUE(Denies(none, request));
  EXPECT_EQ(none.chains[0].policy_text, "no http_access line: Squid denies every request");
}

TEST(SquidReader, NegationRangesAndPredefinedAcls) {
  const auto ruleset = Read(
      "acl SSL_ports port 443\n"
      "acl Safe_ports port 80 443 1025-65535 # a comment\n"
      "acl range src 10.1.0.10-10.1.0.20\n"
      "http_access deny !Safe_ports\n"
      "http_access deny CONNECT !SSL_ports\n"
      "http_access allow localhost\n"
      "http_access allow range !to_localhost\n"
      "http_access deny all\n");
  EXPECT_TRUE(Allows(ruleset, Request("127.0.0.1/32", "10.0.0.1/32", 8080, "PUT")));
  EXPECT_TRUE(Allows(ruleset, Request("::1/128", "fd00::1/128", 443, "CONNECT")));
  EXPECT_TRUE(Denies(ruleset, Request("127.0.0.1/32", "10.0.0.1/32", 8080, "CONNECT")));
  EXPECT_TRUE(Denies(ruleset, Request("127.0.0.1/32", "10.0.0.1/32", 25, "GET")));
  EXPECT_TRUE(Allows(ruleset, Request("10.1.0.15/32", "10.0.0.1/32", 80, "GET")));
  EXPECT_TRUE(Denies(ruleset, Request("10.1.0.21/32", "10.0.0.1/32", 80, "GET")));
  EXPECT_TRUE(Denies(ruleset, Request("10.1.0.15/32", "127.0.0.5/32", 80, "GET")));
}

// Lines of one name add values (Squid appends); names are looked up without regard to case;
// any-of and all-of combine other ACLs; a backslash continues a line.
TEST(SquidReader, AppendCaseAndGroups) {
  const auto ruleset = Read(
      "acl Servers dst 10.0.0.1\n"
      "acl servers dst 10.0.0.6\n"
      "acl web port 80\n"
      "acl dav method PROPFIND \\\n"
      "  MKCOL\n"
      "acl web_dav all-of web dav\n"
      "acl either any-of web_dav CONNECT\n"
      "http_access allow SERVERS either\n"
      "http_access deny all\n");
  EXPECT_TRUE(Allows(ruleset, Request("10.1.0.1/32", "10.0.0.6/32", 80, "MKCOL")));
  EXPECT_TRUE(Allows(ruleset, Request("10.1.0.1/32", "10.0.0.1/32", 443, "CONNECT")));
  EXPECT_TRUE(Denies(ruleset, Request("10.1.0.1/32", "10.0.0.1/32", 443, "PROPFIND")));
  EXPECT_TRUE(Denies(ruleset, Request("10.1.0.1/32", "10.0.0.2/32", 80, "PROPFIND")));
}

// What a request carries beyond a packet (its URL's host, the user, a header) is a free variable:
// neither allowed for sure nor denied for sure. Methods outside the table get codes of their own.
TEST(SquidReader, UnmodelledAclsAreFreeVariables) {
  const auto ruleset = Read(
      "acl sms dstdomain .corp.example\n"
      "acl upload method X_CUSTOM_UPLOAD\n"
      "acl list src \"/etc/squid/clients.txt\"\n"
      "http_access allow sms\n"
      "http_access allow upload\n"
      "http_access allow list\n"
      "http_access deny all\n");
  const auto get = Request("10.1.0.1/32", "10.0.0.1/32", 80, "GET");
  EXPECT_FALSE(Allows(ruleset, get));
  EXPECT_FALSE(Denies(ruleset, get));
  EXPECT_EQ(ruleset.chains[0].rules[0].unmodelled, std::vector<std::string>{"dstdomain sms"});
  EXPECT_EQ(ruleset.chains[0].rules[2].unmodelled, std::vector<std::string>{"src list \"/etc/squid/clients.txt\""});
  EXPECT_TRUE(Allows(ruleset, Request("10.1.0.1/32", "10.0.0.1/32", 80, "X_CUSTOM_UPLOAD")));
  ASSERT_TRUE(MethodCode("X_CUSTOM_UPLOAD"));
  EXPECT_GE(*MethodCode("X_CUSTOM_UPLOAD"), FixedMethodCount());
  EXPECT_EQ(MethodName(*MethodCode("X_CUSTOM_UPLOAD")), "X_CUSTOM_UPLOAD");
}

TEST(SquidReader, IncludeAndOtherAccessListsAreNoted) {
  const auto ruleset = Read(
      "acl hq src 10.1.0.0/16\n"
      "include /etc/squid/conf.d/*.conf\n"
      "miss_access deny all\n"
      "http_port 3128\n"
      "http_access allow hq\n");
  ASSERT_EQ(ruleset.notes.size(), 2u);
  EXPECT_EQ(ruleset.notes[0],
            "squid.conf:2:1: include /etc/squid/conf.d/*.conf: not followed; http_access lines there are not audited");
  EXPECT_EQ(ruleset.notes[1], "squid.conf:3:1: miss_access may refuse requests too: not audited");
}

TEST(SquidReader, ErrorsSayWhereAndWhat) {
  EXPECT_EQ(ErrorOf("acl hq src 10.1.0.0/16\nhttp_access allow hq sms_servers\n"),
            "squid.conf:2:22: error: ACL 'sms_servers' is not defined (Squid refuses an http_access line naming an "
            "undefined ACL)");
  EXPECT_EQ(ErrorOf("acl web prot 80\n"), "squid.conf:1:9: error: invalid ACL type 'prot'");
  EXPECT_EQ(ErrorOf("acl mp dst 10.0.0.300/32\n"),
            "squid.conf:1:12: error: '10.0.0.300/32' is not an address, A/LEN or A/MASK network, A-B range, all, "
            "ipv4 or ipv6");
  EXPECT_EQ(ErrorOf("acl web port 80\nacl web src 10.0.0.0/8\n"),
            "squid.conf:2:9: error: ACL 'web' is already defined with type 'port': a name has one type");
  EXPECT_EQ(ErrorOf("acl web port 90-80\n"),
            "squid.conf:1:14: error: '90-80' is not a port or a port range A-B (0-65535)");
  EXPECT_EQ(ErrorOf("acl web port 80\nhttp_access permit web\n"),
            "squid.conf:2:13: error: expected allow or deny after http_access, not 'permit'");
  EXPECT_EQ(ErrorOf("acl web port 80\nhttp_access allow\n"),
            "squid.conf:2:13: error: expected an ACL name after http_access allow");
  EXPECT_EQ(ErrorOf("acl web port 80\nif ${process_number} = 1\nhttp_access allow web\nendif\n"),
            "squid.conf:2:1: error: conditional configuration (if/else/endif) is not modelled: it may decide which "
            "http_access lines apply");
  EXPECT_EQ(ErrorOf("acl web port 80 \"unterminated\n"), "squid.conf:1:1: error: unterminated quote");
  EXPECT_EQ(ErrorOf("http_port 3128\n"), "squid.conf:1:1: error: no acl or http_access line: this is not a squid.conf");
  // A continued line: the column is that of the physical line.
  EXPECT_EQ(ErrorOf("acl mp dst 10.0.0.1 \\\n  10.0.0.999\n"),
            "squid.conf:2:3: error: '10.0.0.999' is not an address, A/LEN or A/MASK network, A-B range, all, ipv4 "
            "or ipv6");
}

TEST(SquidReader, DetectedFromItsLines) {
  EXPECT_EQ(formats::DetectRulesetFormat("# squid\nacl hq src 10.0.0.0/8\nhttp_access allow hq\n")->id, "squid");
  const auto debian = core::ReadFile(testing::SourceDir() / "tests/data/audit/corpus/squid/debian-12-default.conf");
  EXPECT_EQ(formats::DetectRulesetFormat(debian)->id, "squid");
  const auto iptables = core::ReadFile(testing::SourceDir() / "examples/broken-iptables.rules");
  EXPECT_NE(formats::DetectRulesetFormat(iptables)->id, "squid");
}

TEST(AuditHttpMethods, TextsNameMethods) {
  const auto codes = [](const std::vector<std::string>& names) {
    Ranges ranges;
    std::vector<int> sorted;
    for (const auto& name : names) sorted.push_back(*MethodCode(name));
    std::sort(sorted.begin(), sorted.end());
    for (const int code : sorted) ranges.push_back({static_cast<Uint128>(code), static_cast<Uint128>(code)});
    return ranges;
  };
  EXPECT_EQ(MethodsText(codes({"PUT", "DELETE"})), "PUT, DELETE");
  EXPECT_EQ(MethodsText(Ranges{{0, 65535}}), "any");
  const int connect = *MethodCode("CONNECT");
  constexpr Uint128 kLastOrdinary = kCacheManagerCodes - 1;
  EXPECT_EQ(
      MethodsText(Ranges{{0, static_cast<Uint128>(connect - 1)}, {static_cast<Uint128>(connect + 1), kLastOrdinary}}),
      "any method but CONNECT");
  EXPECT_EQ(MethodsText(Ranges{{0, static_cast<Uint128>(connect - 1)}, {static_cast<Uint128>(connect + 1), 65535}}),
            "any method but CONNECT; cache manager requests: any");
  Packet packet;
  packet.protocol = kProtocolTcp;
  packet.source = 0x0a010001;
  packet.destination = 0x0a000001;
  packet.destination_port = 80;
  packet.source_port = *MethodCode("CCM_POST");
  EXPECT_EQ(RequestText(packet), "10.1.0.1 -> 10.0.0.1:80 CCM_POST");
}

// ---- the audit of PROXY01 of the proxied example ----

policy::PolicyOptions ProxyOptions(const inventory::Inventory& inventory) {
  policy::PolicyOptions options;
  options.mode = policy::Mode::kProxy;
  options.proxy = static_cast<int>(inventory.FindEndpoint("PROXY01") - inventory.endpoints.data());
  return options;
}

struct ProxyAudit {
  inventory::Inventory inventory;
  plan::Plan plan;
  policy::Policy policy;
};

const ProxyAudit& Proxied() {
  static const ProxyAudit audit = [] {
    ProxyAudit made{testing::InventoryFromFile(testing::SourceDir() / kProxiedSite), {}, {}};
    made.plan = plan::BuildPlan(testing::Sms2003(), made.inventory);
    made.policy = policy::BuildPolicy(testing::Sms2003(), made.inventory, made.plan, ProxyOptions(made.inventory));
    return made;
  }();
  return audit;
}

AuditResult AuditFile(const std::string& relative, AuditTuning tuning = {}) {
  std::vector<Ruleset> rulesets;
  rulesets.push_back(formats::ReadRuleset(core::ReadFile(testing::SourceDir() / relative), relative, "", {}));
  return RunAudit(rulesets, Proxied().policy, tuning);
}

// The policy's requests: the management point and the BITS distribution point, on port 80, with
// their methods (the lead's planner and BuildPolicy in proxy mode).
#define REQUIRE_PROXY_REQUESTS()                                                                              \
  do {                                                                                                        \
    const auto& rules = Proxied().policy.rules;                                                               \
    if (rules.empty() || rules.front().methods.empty()) GTEST_SKIP() << "the plan has no proxy requests yet"; \
  } while (false)

TEST(SquidAudit, CorrectConfigIsClean) {
  REQUIRE_PROXY_REQUESTS();
  const auto result = AuditFile("tests/data/audit/squid/correct.conf");
  EXPECT_TRUE(result.requests);
  EXPECT_TRUE(result.AllAllowed());
  EXPECT_TRUE(result.excess.empty());
  EXPECT_TRUE(result.shadowed.empty());
  EXPECT_TRUE(result.unused.empty());
}

TEST(SquidAudit, DeniedMethodIsBlockedWithItsLine) {
  REQUIRE_PROXY_REQUESTS();
  const auto result = AuditFile("tests/data/audit/squid/denies-ccm-post.conf");
  EXPECT_FALSE(result.AllAllowed());
  bool found = false;
  for (const auto& flow : result.flows) {
    for (const auto& part : flow.blocked) {
      if (RequestText(part.example).ends_with(":80 CCM_POST")) {
        found = true;
        EXPECT_EQ(part.rule.where.line, 8);  // deny all: a rule, not the implicit default
        EXPECT_EQ(part.rule.text, "http_access deny all");
      }
    }
  }
  EXPECT_TRUE(found);
}

TEST(SquidAudit, AllowAllIsExcessByMethod) {
  REQUIRE_PROXY_REQUESTS();
  const auto result = AuditFile("tests/data/audit/squid/allow-all.conf");
  EXPECT_TRUE(result.AllAllowed());
  ASSERT_FALSE(result.excess.empty());
  BoxTexts texts;
  bool named = false;
  for (const auto& box : result.excess) {
    texts.Render(box.box, true);
    if (texts.methods().starts_with("any method but ")) named = true;
  }
  EXPECT_TRUE(named);
}

TEST(SquidAudit, DstdomainIsUncertain) {
  REQUIRE_PROXY_REQUESTS();
  const auto result = AuditFile("tests/data/audit/squid/dstdomain.conf");
  for (const auto& flow : result.flows) {
    EXPECT_EQ(flow.status, FlowStatus::kUncertain) << flow.flow_id;
    EXPECT_EQ(flow.depends_on,
              std::vector<std::string>{"dstdomain sms_sites (tests/data/audit/squid/dstdomain.conf:7)"});
  }
}

TEST(SquidAudit, DenyAllShadowsTheLinesBelow) {
  REQUIRE_PROXY_REQUESTS();
  const auto result = AuditFile("tests/data/audit/squid/deny-all-first.conf");
  ASSERT_EQ(result.shadowed.size(), 2u);
  EXPECT_EQ(result.shadowed[0].rule.where.line, 9);
  // Nothing reaches them: deny all stops every request.
  EXPECT_EQ(result.shadowed[0].detail, "no packet that reaches chain http_access at this point matches it");
  for (const auto& flow : result.flows) EXPECT_EQ(flow.status, FlowStatus::kBlocked) << flow.flow_id;
}

// A squid.conf against a firewall's policy, or a firewall's ruleset against a proxy's: refused.
TEST(SquidAudit, ModesMustMatch) {
  REQUIRE_PROXY_REQUESTS();
  const auto& proxied = Proxied();
  policy::PolicyOptions network;
  network.mode = policy::Mode::kNetwork;
  const auto firewall = policy::BuildPolicy(testing::Sms2003(), proxied.inventory, proxied.plan, network);
  std::vector<Ruleset> squid;
  squid.push_back(Read("http_access allow all\n"));
  EXPECT_THROW(RunAudit(squid, firewall), core::InputError);
  std::vector<Ruleset> iptables;
  iptables.push_back(formats::ReadRuleset(core::ReadFile(testing::SourceDir() / "examples/broken-iptables.rules"),
                                          "broken-iptables.rules", "", {}));
  EXPECT_THROW(RunAudit(iptables, proxied.policy), core::InputError);
}

std::vector<std::string> GoldenCases() {
  return {"correct", "denies-ccm-post", "missing-client-network", "allow-all", "dstdomain", "deny-all-first"};
}

// The reports, and the same with cubes and with BDDs.
TEST(SquidAudit, GoldenReports) {
  REQUIRE_PROXY_REQUESTS();
  std::vector<std::pair<std::string, std::string>> cases;
  for (const auto& name : GoldenCases()) cases.emplace_back(name, fmt::format("tests/data/audit/squid/{}.conf", name));
  cases.emplace_back("broken-example", "examples/broken-squid.conf");
  for (const auto& [name, file] : cases) {
    const auto result = AuditFile(file);
    for (const auto format : {core::Format::kTable, core::Format::kJson, core::Format::kCsv}) {
      testing::ExpectGolden(fmt::format("audit/squid/{}.{}", name, core::FormatExtension(format)),
                            report::RenderAuditReport(result, format));
    }
    AuditTuning bdd;
    bdd.engine = AuditTuning::Engine::kBdd;
    AuditTuning cubes;
    cubes.engine = AuditTuning::Engine::kCubes;
    EXPECT_EQ(report::RenderAuditReport(AuditFile(file, bdd), core::Format::kJson),
              report::RenderAuditReport(AuditFile(file, cubes), core::Format::kJson))
        << file;
  }
}

// examples/broken-squid.conf, the README's walkthrough: the uploads to the MP are denied, a BITS
// download is not, and "allow localnet" grants what nothing requires.
TEST(SquidAudit, BrokenExampleFindsEveryPlantedFault) {
  REQUIRE_PROXY_REQUESTS();
  const auto result = AuditFile("examples/broken-squid.conf");
  bool upload_denied = false;
  for (const auto& flow : result.flows) {
    for (const auto& part : flow.blocked) {
      const auto text = RequestText(part.example);
      if (text.ends_with("CCM_POST") || text.ends_with("BITS_POST")) {
        upload_denied = true;
        EXPECT_EQ(part.rule.where.line, 20) << text;
      }
    }
  }
  EXPECT_TRUE(upload_denied);
  EXPECT_TRUE(std::any_of(result.excess.begin(), result.excess.end(),
                          [](const ExcessBox& box) { return box.rule.where.line == 22; }));
}

// Debian's default squid.conf reads, and the SMS lines added to it serve every request.
TEST(SquidAudit, DebianDefaultConfiguration) {
  REQUIRE_PROXY_REQUESTS();
  const auto plain = AuditFile("tests/data/audit/corpus/squid/debian-12-default.conf");
  for (const auto& flow : plain.flows) EXPECT_EQ(flow.status, FlowStatus::kBlocked) << flow.flow_id;
  EXPECT_TRUE(std::any_of(plain.notes.begin(), plain.notes.end(), [](const std::string& note) {
    return note.find("include /etc/squid/conf.d") != std::string::npos;
  }));
  const auto sms = AuditFile("tests/data/audit/corpus/squid/debian-12-default-sms.conf");
  EXPECT_TRUE(sms.AllAllowed());
}

}  // namespace
}  // namespace portolan::audit
