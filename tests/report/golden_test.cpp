// Golden files for every output of the plan, catalog, lmhosts and mp-script commands.
// A change in output is a reviewed diff: rerun with PORTOLAN_UPDATE_GOLDEN=1 to rewrite.

#include <filesystem>

#include <gtest/gtest.h>

#include "plan/planner.hpp"
#include "report/catalog_report.hpp"
#include "report/lmhosts.hpp"
#include "report/plan_report.hpp"
#include "support/test_support.hpp"

namespace portolan::report {
namespace {

constexpr core::Format kAllFormats[] = {core::Format::kTable, core::Format::kJson, core::Format::kCsv,
                                        core::Format::kMarkdown};

struct Case {
  std::string name;
  std::filesystem::path file;
};

std::vector<Case> Cases() {
  std::vector<Case> cases{{"example", testing::SourceDir() / "examples" / "sms2003-site.yaml"}};
  for (const auto& entry :
       std::filesystem::directory_iterator(testing::SourceDir() / "tests" / "data" / "inventories")) {
    cases.push_back({entry.path().stem().string(), entry.path()});
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

class PlanGolden : public ::testing::TestWithParam<Case> {};

TEST_P(PlanGolden, EveryFormat) {
  const auto inventory = testing::InventoryFromFile(GetParam().file);
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  for (const auto format : kAllFormats) {
    SCOPED_TRACE(std::string(core::FormatName(format)));
    testing::ExpectGolden(
        std::filesystem::path("plan") / (GetParam().name + "." + std::string(core::FormatExtension(format))),
        RenderPlan(testing::Sms2003(), inventory, plan, format));
  }
}

TEST_P(PlanGolden, SameInputSameBytes) {
  const auto inventory = testing::InventoryFromFile(GetParam().file);
  const auto first =
      RenderPlan(testing::Sms2003(), inventory, plan::BuildPlan(testing::Sms2003(), inventory), core::Format::kJson);
  const auto second =
      RenderPlan(testing::Sms2003(), inventory, plan::BuildPlan(testing::Sms2003(), inventory), core::Format::kJson);
  EXPECT_EQ(first, second);
}

TEST_P(PlanGolden, Lmhosts) {
  testing::ExpectGolden(std::filesystem::path("lmhosts") / (GetParam().name + ".txt"),
                        RenderLmhosts(testing::InventoryFromFile(GetParam().file)));
}

INSTANTIATE_TEST_SUITE_P(Inventories, PlanGolden, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           auto name = param_info.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(CatalogGolden, EveryFormatAndPart) {
  for (const auto format : kAllFormats) {
    SCOPED_TRACE(std::string(core::FormatName(format)));
    testing::ExpectGolden(std::filesystem::path("catalog") / ("sms2003." + std::string(core::FormatExtension(format))),
                          RenderCatalog(testing::Sms2003(), format, CatalogPart::kAll));
  }
  testing::ExpectGolden("catalog/sms2003-roles.csv",
                        RenderCatalog(testing::Sms2003(), core::Format::kCsv, CatalogPart::kRoles));
  testing::ExpectGolden("catalog/sms2003-advisories.txt",
                        RenderCatalog(testing::Sms2003(), core::Format::kTable, CatalogPart::kAdvisories));
}

TEST(MpScriptGolden, PrimaryAndSecondarySites) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  testing::ExpectGolden("mp-script/AAA.vbs",
                        RenderMpScript(inventory, inventory.FindSite("AAA"), ScriptLanguage::kVbscript));
  testing::ExpectGolden("mp-script/CCC.ps1",
                        RenderMpScript(inventory, inventory.FindSite("CCC"), ScriptLanguage::kPowerShell));
}

}  // namespace
}  // namespace portolan::report
