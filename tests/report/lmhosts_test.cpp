// LMHOSTS names follow KB 180094: padded with spaces to 15 characters, then \0xNN, 20
// characters between the quotes. The KB's own example lost its padding.

#include "report/lmhosts.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace portolan::report {
namespace {

TEST(Lmhosts, PadsTheNameToFifteenCharactersBeforeTheSuffix) {
  EXPECT_EQ(LmhostsName("MP_AAA", 0x1A), "\"MP_AAA         \\0x1A\"");
  const auto quoted = LmhostsName("MP_AAA", 0x1A);
  EXPECT_EQ(quoted.size(), 2 + 20u);  // the quotes, then 15 + "\0x1A"
}

TEST(Lmhosts, UppercasesAndCutsLongNames) {
  EXPECT_EQ(LmhostsName("averyveryverylongname", 0x20), "\"AVERYVERYVERYLO\\0x20\"");
}

TEST(Lmhosts, TheKbExampleLineForSiteAaa) {
  const auto inventory = testing::InventoryFromText(R"(catalog: sms2003
domain: {name: corp.example, rpc_dynamic_ports: 1025-5000}
sites:
  - code: AAA
    hosts:
      - {name: MP1, address: 10.0.0.1, roles: [site-server, site-database, management-point]}
)");
  const auto text = RenderLmhosts(inventory);
  EXPECT_NE(text.find("10.0.0.1        \"MP_AAA         \\0x1A\" #PRE\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("10.0.0.1        MP1 #PRE\r\n"), std::string::npos) << text;
}

TEST(MpScript, SecondarySiteClientsGetTheirPrimarySitesManagementPoint) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  const auto script = RenderMpScript(inventory, inventory.FindSite("CCC"), ScriptLanguage::kVbscript);
  EXPECT_NE(script.find("SetCurrentManagementPoint \"SMS02\", 0"), std::string::npos) << script;
}

}  // namespace
}  // namespace portolan::report
