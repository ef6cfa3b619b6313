// `portolan catalog lint` on small catalogs with one kind of mistake each (tests/data/bad-catalogs):
// every mistake gets one exact diagnostic at the value that is wrong.

#include "catalog/catalog_lint.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "catalog/catalog_loader.hpp"
#include "catalog/embedded.hpp"
#include "core/atomic_file.hpp"
#include "support/test_support.hpp"

namespace portolan::catalog {
namespace {

// Every diagnostic, sorted by position, one string each.
std::vector<std::string> Lines(const core::Diagnostics& diags) {
  const std::string text = diags.ToString();
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t end = text.find('\n'); end != std::string::npos; start = end + 1, end = text.find('\n', start)) {
    out.push_back(text.substr(start, end - start));
  }
  return out;
}

std::string FixturePath(const std::string& name) {
  return "tests/data/bad-catalogs/" + name;
}

std::vector<std::string> LintFixture(const std::string& name) {
  const auto relative = FixturePath(name);
  return Lines(LintCatalogText(core::ReadFile(portolan::testing::SourceDir() / relative), relative));
}

TEST(CatalogLint, TheBuiltInCatalogHasNoErrorsAndNoWarnings) {
  const auto path = portolan::testing::SourceDir() / "catalogs/sms2003.yaml";
  const auto diags = LintCatalogText(core::ReadFile(path), "catalogs/sms2003.yaml");
  EXPECT_EQ(diags.ToString(), "");
  EXPECT_TRUE(diags.All().empty());
}

TEST(CatalogLint, EveryEmbeddedCatalogLintsClean) {
  ASSERT_FALSE(EmbeddedCatalogs().empty());
  for (const auto& embedded : EmbeddedCatalogs()) {
    EXPECT_EQ(LintCatalogText(std::string(embedded.text), std::string(embedded.name)).ToString(), "")
        << "catalog " << embedded.name;
  }
}

TEST(CatalogLint, TheBaseOfTheFixturesIsClean) {
  EXPECT_EQ(LintFixture("clean.yaml"), std::vector<std::string>{});
  core::Diagnostics diags;
  const auto catalog =
      ParseCatalog(core::ReadFile(portolan::testing::SourceDir() / FixturePath("clean.yaml")), "clean.yaml", diags);
  ASSERT_TRUE(catalog.has_value()) << diags.ToString();
  EXPECT_EQ(catalog->entries.size(), 4U);
}

TEST(CatalogLint, UnknownRolesEverywhereARoleIsNamed) {
  const auto file = FixturePath("unknown-roles.yaml");
  EXPECT_EQ(LintFixture("unknown-roles.yaml"),
            (std::vector<std::string>{
                file + ":5:14: error: client_role: unknown role 'clients' (did you mean 'client'?)",
                file + ":14:20: error: role 'proxy' falls_back_to: unknown role 'sever' (did you mean 'server'?)",
                file + ":25:20: error: entry 'web': unknown role 'clnt' (did you mean 'client'?)",
                file + ":26:9: error: entry 'web': unknown role 'servr' (did you mean 'server'?)",
                file + ":35:9: error: entry 'dns': unknown role 'resolver'"}));
}

TEST(CatalogLint, DuplicateEntryIgnoresRoleOrderAndUnplannedLines) {
  EXPECT_EQ(LintFixture("duplicate-entry.yaml"),
            std::vector<std::string>{FixturePath("duplicate-entry.yaml") +
                                     ":26:5: error: entry 'web-again' duplicates entry 'web' (line 16): same roles, "
                                     "scope, protocol, ports and condition"});
}

TEST(CatalogLint, OverlapsUnlessConditionProtocolOrScopeKeepsEntriesApart) {
  const auto file = FixturePath("overlapping-entries.yaml");
  // 'control-netbios' is exclusive with 'control' by condition, but not with 'control-range';
  // 'control-udp' is another protocol; 'same-site' and 'to-parent' are exclusive by scope.
  EXPECT_EQ(LintFixture("overlapping-entries.yaml"),
            (std::vector<std::string>{
                file + ":27:5: error: entry 'control-range' overlaps entry 'control' (line 16): both can require tcp "
                       "2701 between the same roles; merge them, or make their roles, scopes or conditions exclusive",
                file + ":36:5: error: entry 'control-netbios' overlaps entry 'control-range' (line 27): both can "
                       "require tcp 2701 between the same roles; merge them, or make their roles, scopes or "
                       "conditions exclusive"}));
}

TEST(CatalogLint, EachStatusAsksForItsCitation) {
  const auto file = FixturePath("citations.yaml");
  EXPECT_EQ(LintFixture("citations.yaml"),
            (std::vector<std::string>{
                file + ":16:13: error: entry 'no-section': a kb line needs its citation: 'section' and the "
                       "document's words in 'kb'",
                file + ":25:13: error: entry 'no-words': a kb line needs its citation: 'section' and the document's "
                       "words in 'kb'",
                file + ":34:13: error: entry 'wrong-line': an erratum line needs 'covered_by': the entries that plan "
                       "it instead",
                file + ":44:13: error: entry 'fixed-line': a correction needs 'sources' (the primary sources it "
                       "rests on)",
                file + ":44:13: error: entry 'fixed-line': a correction needs 'corrects': the erratum it replaces",
                file + ":52:13: error: entry 'added': a completion needs 'sources' (the primary sources it rests on)",
                file + ":61:13: error: entry 'guessed': an inference needs a 'note' with its reasoning",
                file + ":71:16: error: entry 'bad-links': corrects 'guessed', which is not a line of the document",
                file + ":71:25: error: entry 'bad-links': 'corrects' names unknown entry 'nowhere'",
                file + ":88:18: error: entry 'reference-line': covered_by 'wrong-line', which is itself not planned",
                file + ":88:30: error: entry 'reference-line': 'covered_by' names unknown entry 'ghost'"}));
}

TEST(CatalogLint, UnknownSectionsAdvisoriesAndSettings) {
  const auto file = FixturePath("unknown-references.yaml");
  EXPECT_EQ(LintFixture("unknown-references.yaml"),
            (std::vector<std::string>{
                file + ":15:9: error: unknown setting 'rpc_dynamic_port' (did you mean 'rpc_dynamic_ports'?); the "
                       "planner knows: sql_port, rpc_dynamic_ports, http_proxy_port",
                file + ":21:14: error: advisory 'dynamic-range': unknown section 'mian' (did you mean 'main'?)",
                file + ":27:14: error: entry 'epmap': unknown section 'appendix'",
                file + ":35:18: error: entry 'epmap': unknown advisory 'dynamic-rang' (did you mean 'dynamic-range'?)",
                file + ":35:32: error: entry 'epmap': unknown advisory 'firewall-tips'",
                file + ":43:19: error: entry 'rpc': port_setting 'sql_port' is not declared under 'settings'"}));
}

TEST(CatalogLint, UnknownConditionAttributesSubjectsAndValues) {
  const auto file = FixturePath("conditions.yaml");
  EXPECT_EQ(LintFixture("conditions.yaml"),
            (std::vector<std::string>{
                file + ":23:9: error: unknown responder attribute 'bitz' (did you mean 'bits'?); known: bits, "
                       "sql_named_pipes, sql_custom_port, sql_named_instance, remote_control, dhcp, proxy_auth",
                file + ":24:25: error: 'telnet' is not a value of responder.remote_control (expected one of: tcp, "
                       "netbios, none)",
                file + ":26:23: error: 'carrier-pigeon' is not a value of link.sender (expected one of: standard, "
                       "ras, courier)",
                file + ":27:7: error: 'when': unknown subject 'weather' (expected one of: initiator, responder, link, "
                       "inventory, domain)",
                file + ":37:23: error: 'when.initiator' must map attributes to values"}));
}

TEST(CatalogLint, ScopesProtocolsStatusesAndPorts) {
  const auto file = FixturePath("vocabulary.yaml");
  EXPECT_EQ(LintFixture("vocabulary.yaml"),
            (std::vector<std::string>{
                file + ":23:12: error: unknown scope 'galaxy' (expected one of: domain, same-site, nearest, "
                       "assigned-site, parent, child, site-and-descendants, via-proxy)",
                file + ":33:15: error: unknown protocol 'icmp' (expected one of: tcp, udp, gre, esp, ah)",
                file + ":42:12: error: entry 'gre-with-ports': protocol gre has no ports",
                file + ":50:15: error: entry 'tcp-without-ports': protocol tcp needs 'ports' or 'port_setting'",
                file + ":60:19: error: entry 'both': give 'ports' or 'port_setting', not both",
                file + ":63:13: error: unknown status 'hearsay' (expected kb, reference, erratum, correction, "
                       "completion or inference)",
                file + ":65:9: error: entry 'rumour': 'to' names no role",
                file + ":68:13: error: port '0' is out of range (expected 1-65535)",
                file + ":68:16: error: port '70000' is out of range (expected 1-65535)",
                file + ":68:23: error: port range '20-10' is reversed (did you mean 10-20?)"}));
}

TEST(CatalogLint, DuplicateIdsWithinEachKind) {
  const auto file = FixturePath("duplicate-ids.yaml");
  EXPECT_EQ(LintFixture("duplicate-ids.yaml"),
            (std::vector<std::string>{
                file + ":10:5: error: duplicate role id 'server' (first defined at " + file + ":8:5)",
                file + ":14:5: error: duplicate section id 'main' (first defined at " + file + ":13:5)",
                file + ":18:5: error: duplicate advisory id 'note' (first defined at " + file + ":17:5)",
                file + ":31:5: error: duplicate entry id 'main' (first defined at " + file + ":21:5)"}));
}

TEST(CatalogLint, UnusedAdvisoriesAndSectionsAreWarnings) {
  const auto file = FixturePath("unused.yaml");
  const auto diags = LintCatalogText(core::ReadFile(portolan::testing::SourceDir() / file), file);
  EXPECT_FALSE(diags.HasErrors());
  EXPECT_EQ(Lines(diags),
            (std::vector<std::string>{
                file + ":13:5: warning: section 'appendix' is cited by no entry or advisory",
                file + ":16:5: warning: advisory 'orphan' is attached to no entry and is not global; it is never "
                       "shown"}));
}

TEST(CatalogLint, MissingRequiredKeysAreReportedOnce) {
  EXPECT_EQ(Lines(LintCatalogText(R"(catalog: mini
title: Missing keys
source: {id: KB1, title: The source document}
client_role: client
roles: [{id: client, name: Client}]
sections: [{id: main, title: Main}]
entries:
  - id: nothing
    status: inference
    note: x
    from: client
    to: client
    scope: domain
    purpose: no protocol
)",
                                  "c.yaml")),
            std::vector<std::string>{"c.yaml:8:5: error: entry: missing required key 'protocol'"});
}

TEST(CatalogLint, SyntaxErrorsAndEmptyFiles) {
  EXPECT_EQ(Lines(LintCatalogText("catalog: mini\nroles: [{id: a, name: A}\n", "c.yaml")),
            std::vector<std::string>{"c.yaml:2:8: error: YAML syntax error: this '[' is never closed with ']' (the "
                                     "parser gave up at line 3, column 1)"});
  EXPECT_EQ(Lines(LintCatalogText("", "c.yaml")),
            std::vector<std::string>{
                "c.yaml:1:1: error: catalog: the file is empty; expected 'catalog', 'title', 'roles' and 'entries'"});
  EXPECT_EQ(Lines(LintCatalogText("- catalog\n", "c.yaml")),
            std::vector<std::string>{"c.yaml:1:1: error: catalog: expected a mapping of keys to values, found a list"});
}

TEST(CatalogLint, LoadCatalogFileThrowsEveryProblem) {
  const auto path = (portolan::testing::SourceDir() / FixturePath("citations.yaml")).string();
  try {
    LoadCatalogFile(path);
    ADD_FAILURE() << "a catalog with errors loaded";
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.diagnostics().All().size(), 11U) << e.what();
  }
}

TEST(CatalogLint, UnknownEmbeddedCatalogSuggestsOne) {
  try {
    LoadEmbeddedCatalog("sms2030");
    ADD_FAILURE() << "an unknown embedded catalog loaded";
  } catch (const core::InputError& e) {
    ASSERT_EQ(e.diagnostics().All().size(), 1U);
    EXPECT_NE(e.diagnostics().All().front().message.find("(did you mean 'sms2003'?)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace portolan::catalog
