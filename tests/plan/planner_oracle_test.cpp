// The planner builds flows set-wise; JudgePair decides one (entry, initiator, responder) at a
// time with its own reading of the scopes. Both must describe exactly the same packets, with
// the same reasons and advisories, and the planner's flows must never overlap.

#include <filesystem>
#include <map>
#include <tuple>

#include <gtest/gtest.h>

#include "plan/explain.hpp"
#include "plan/flow_merge.hpp"
#include "plan/oracle.hpp"
#include "plan/planner.hpp"
#include "support/test_support.hpp"

namespace portolan::plan {
namespace {

TEST(PlannerOracle, ExampleMatchesPairwiseJudgement) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  ExpectPlanMatchesPairwise(testing::Sms2003(), inventory);
}

TEST(PlannerOracle, ProxiedExampleMatchesPairwiseJudgement) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-proxied-site.yaml");
  ExpectPlanMatchesPairwise(testing::Sms2003(), inventory);
}

TEST(PlannerOracle, EveryTestInventoryMatchesPairwiseJudgement) {
  int checked = 0;
  for (const auto& file :
       std::filesystem::directory_iterator(testing::SourceDir() / "tests" / "data" / "inventories")) {
    SCOPED_TRACE(file.path().filename().string());
    ExpectPlanMatchesPairwise(testing::Sms2003(), testing::InventoryFromFile(file.path()));
    ++checked;
  }
  EXPECT_GE(checked, 7);
}

}  // namespace
}  // namespace portolan::plan
