// The oracle itself must be able to fail: these tests break a correct plan on purpose.

#include "plan/oracle.hpp"

#include <map>
#include <tuple>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "plan/explain.hpp"
#include "plan/flow_merge.hpp"
#include "plan/planner.hpp"
#include "support/test_support.hpp"

namespace portolan::plan {

namespace {

using Key = std::tuple<int, int, core::Family, catalog::Protocol>;  // source, destination, family, protocol

std::string Describe(const inventory::Inventory& inventory, const catalog::Catalog& catalog, const Key& key,
                     const Content& content) {
  const auto& [s, d, family, protocol] = key;
  std::string out = fmt::format("{} -> {} {} {}:", inventory.endpoints[s].name, inventory.endpoints[d].name,
                                core::FamilyName(family), catalog::ProtocolName(protocol));
  for (const auto& item : content) {
    std::vector<std::string> ids;
    for (const int e : item.entries) ids.push_back(catalog.entries[e].id);
    std::vector<std::string> advisories;
    for (const int a : item.advisories) advisories.push_back(catalog.advisories[a].id);
    out += fmt::format(" [{} by {} adv {}]", item.ports.ToString(), fmt::join(ids, "+"), fmt::join(advisories, "+"));
  }
  return out;
}

std::map<Key, Content> ExpandPlan(const Plan& plan, std::vector<std::string>& overlaps) {
  std::map<Key, Content> actual;
  for (const auto& flow : plan.flows) {
    for (const int s : flow.sources) {
      for (const int d : flow.destinations) {
        if (s == d) continue;  // self pairs ride along inside flows and never count
        auto& content = actual[Key{s, d, flow.family, flow.protocol}];
        for (const auto& item : flow.content) {
          for (const auto& existing : content) {
            if (existing.ports.Intersects(item.ports)) overlaps.push_back(flow.id);
          }
          content.push_back(item);
        }
      }
    }
  }
  for (auto& [key, content] : actual) {
    Content normalized;
    MergeContent(normalized, content);
    content = std::move(normalized);
  }
  return actual;
}

std::map<Key, Content> PairwiseRequirements(const catalog::Catalog& catalog, const inventory::Inventory& inventory) {
  std::map<Key, Content> expected;
  const int count = static_cast<int>(inventory.endpoints.size());
  for (int e = 0; e < static_cast<int>(catalog.entries.size()); ++e) {
    if (!catalog::StatusIsPlanned(catalog.entries[e].status)) continue;
    for (int s = 0; s < count; ++s) {
      for (int d = 0; d < count; ++d) {
        const auto judgement = JudgePair(catalog, inventory, e, s, d);
        if (!judgement.applies) continue;
        for (const auto family : judgement.families) {
          AddToContent(expected[Key{s, d, family, catalog.entries[e].protocol}],
                       {judgement.ports, {e}, judgement.advisories});
        }
      }
    }
  }
  return expected;
}

}  // namespace

void ExpectPlanMatchesPairwise(const catalog::Catalog& catalog, const inventory::Inventory& inventory) {
  ExpectPlanMatches(catalog, inventory, BuildPlan(catalog, inventory));
}

void ExpectPlanMatches(const catalog::Catalog& catalog, const inventory::Inventory& inventory, const Plan& plan) {
  std::vector<std::string> overlaps;
  const auto actual = ExpandPlan(plan, overlaps);
  EXPECT_TRUE(overlaps.empty()) << "flows overlap (first: " << (overlaps.empty() ? "" : overlaps.front()) << ")";
  const auto expected = PairwiseRequirements(catalog, inventory);
  int reported = 0;
  constexpr int kMaxReported = 10;
  for (const auto& [key, content] : expected) {
    const auto it = actual.find(key);
    if (it == actual.end() || it->second != content) {
      if (reported++ < kMaxReported) {
        ADD_FAILURE() << "required:  " << Describe(inventory, catalog, key, content) << "\nplanned:   "
                      << (it == actual.end() ? std::string("nothing") : Describe(inventory, catalog, key, it->second));
      }
    }
  }
  for (const auto& [key, content] : actual) {
    if (expected.count(key) == 0 && reported++ < kMaxReported) {
      ADD_FAILURE() << "planned but not required: " << Describe(inventory, catalog, key, content);
    }
  }
}

namespace {

// Runs the oracle on a broken plan and returns what it reported (EXPECT_NONFATAL_FAILURE
// wants exactly one failure; a broken flow may break several pairs).
std::string OracleFailures(const inventory::Inventory& inventory, const Plan& plan) {
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    ExpectPlanMatches(testing::Sms2003(), inventory, plan);
  }
  std::string out;
  for (int i = 0; i < results.size(); ++i) out += results.GetTestPartResult(i).message() + std::string("\n");
  return out;
}

Plan ExamplePlan(inventory::Inventory& inventory) {
  inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  return BuildPlan(testing::Sms2003(), inventory);
}

TEST(Oracle, CatchesAWidenedFlow) {
  inventory::Inventory inventory;
  auto plan = ExamplePlan(inventory);
  plan.flows.front().content.front().ports =
      plan.flows.front().content.front().ports.Union(core::PortSet::Single(9999));
  EXPECT_THAT(OracleFailures(inventory, plan), ::testing::HasSubstr("planned:"));
}

TEST(Oracle, CatchesAMissingFlow) {
  inventory::Inventory inventory;
  auto plan = ExamplePlan(inventory);
  plan.flows.pop_back();
  EXPECT_THAT(OracleFailures(inventory, plan), ::testing::HasSubstr("planned:   nothing"));
}

TEST(Oracle, CatchesAnExtraSource) {
  inventory::Inventory inventory;
  auto plan = ExamplePlan(inventory);
  auto& flow = plan.flows.front();
  for (int e = 0; e < static_cast<int>(inventory.endpoints.size()); ++e) {
    if (!std::binary_search(flow.sources.begin(), flow.sources.end(), e) &&
        !std::binary_search(flow.destinations.begin(), flow.destinations.end(), e)) {
      flow.sources = SetUnion(flow.sources, {e});
      break;
    }
  }
  EXPECT_THAT(OracleFailures(inventory, plan), ::testing::HasSubstr("planned"));
}

TEST(Oracle, CatchesOverlappingFlows) {
  inventory::Inventory inventory;
  auto plan = ExamplePlan(inventory);
  plan.flows.push_back(plan.flows.front());
  EXPECT_THAT(OracleFailures(inventory, plan), ::testing::HasSubstr("flows overlap"));
}

TEST(Oracle, CatchesAWrongReason) {
  inventory::Inventory inventory;
  auto plan = ExamplePlan(inventory);
  auto& item = plan.flows.front().content.front();
  item.entries = {static_cast<int>(testing::Sms2003().entries.size()) - 1};
  EXPECT_THAT(OracleFailures(inventory, plan), ::testing::HasSubstr("required:"));
}

}  // namespace
}  // namespace portolan::plan
