// The planner against the pair-by-pair oracle on many generated hierarchies: secondary
// sites, RAS and courier senders, IPv6 and dual stack, BITS and SMB distribution points,
// named pipes, custom SQL ports, named instances, NetBIOS remote control, hosts with many
// roles, inventories without WINS or a global catalog.

#include <gtest/gtest.h>

#include "generator/inventory_generator.hpp"
#include "plan/oracle.hpp"
#include "plan/planner.hpp"
#include "support/test_support.hpp"

namespace portolan::plan {
namespace {

constexpr int kSeeds = 120;  // about a second in all on the CI machine

TEST(GeneratedOracle, PlannerMatchesPairwiseJudgementOnGeneratedInventories) {
  int flows = 0;
  for (int seed = 1; seed <= kSeeds; ++seed) {
    bench::GeneratorOptions options;
    options.seed = static_cast<std::uint64_t>(seed);
    options.sites = 1 + seed % 9;
    options.hosts = options.sites + seed % 23;
    options.client_networks = seed % 7;
    options.secondary_fraction = (seed % 4) / 3.0;
    options.ras_fraction = (seed % 5) / 4.0;
    options.ipv6_fraction = (seed % 3) / 4.0;
    const auto yaml = bench::GenerateInventoryYaml(options);
    SCOPED_TRACE(::testing::Message() << "seed " << seed << "\n" << yaml);
    const auto inventory = testing::InventoryFromText(yaml, "generated.yaml");
    if (::testing::Test::HasFailure()) return;
    ExpectPlanMatchesPairwise(testing::Sms2003(), inventory);
    if (::testing::Test::HasFailure()) return;  // one seed's report is enough to debug
    flows += static_cast<int>(BuildPlan(testing::Sms2003(), inventory).flows.size());
  }
  EXPECT_GT(flows, kSeeds);  // the generated inventories are not trivially empty
}

}  // namespace
}  // namespace portolan::plan
