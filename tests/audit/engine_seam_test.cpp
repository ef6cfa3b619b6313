// The audit's engine seam (audit/engine.hpp): both engines meet it, they judge every required flow
// alike through it, and the cube engine's giving up is a value at its boundary (WithinCubeBudget),
// while every other error still ends the audit.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "audit/audit.hpp"
#include "audit/bdd_engine.hpp"
#include "audit/cube_engine.hpp"
#include "audit/engine.hpp"
#include "audit/formats/formats.hpp"
#include "audit/required_flows.hpp"
#include "plan/planner.hpp"
#include "support/test_support.hpp"

namespace portolan::audit {
namespace {

static_assert(AuditEngine<BddEngine>);
static_assert(AuditEngine<CubeEngine>);

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Ruleset BrokenExample() {
  const auto path = testing::SourceDir() / "examples" / "broken-iptables.rules";
  return formats::ReadRuleset(ReadText(path), path.string(), "iptables", {});
}

TEST(EngineSeam, GivingUpIsAValueWithItsReason) {
  const auto ruleset = BrokenExample();
  const auto evaluate = [&] { return EvaluateCubes(ruleset).cubes.size(); };
  DoesNotFit why;
  EXPECT_FALSE(WithinCubeBudget(10, evaluate, why).has_value());
  EXPECT_EQ(why.reason, "over its budget of 10 cubes");

  DoesNotFit none;
  const auto cubes = WithinCubeBudget(AuditTuning::kCubeBudgetBase, evaluate, none);
  ASSERT_TRUE(cubes.has_value());
  EXPECT_GT(*cubes, 0U);
  EXPECT_EQ(none.reason, "");
}

TEST(EngineSeam, OtherErrorsStillEndTheAudit) {
  const auto loop = formats::ReadRuleset(
      "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:LOOP - [0:0]\n"
      "-A INPUT -j LOOP\n-A LOOP -j LOOP\nCOMMIT\n",
      "loop.rules", "iptables", {});
  DoesNotFit why;
  EXPECT_THROW(WithinCubeBudget(
                   AuditTuning::kCubeBudgetBase, [&] { return EvaluateCubes(loop).cubes.size(); }, why),
               core::InputError);
}

// What the audit's logic asks of an engine for each flow (audit.cpp's Verdict): its blocked and
// its uncertain packets. The engines hold the hook's sets differently (whole BDDs, or cubes cut
// to the flow's region) and must answer alike.
template <typename Engine>
std::vector<std::pair<PacketSet, PacketSet>> JudgeFlows(const Ruleset& ruleset, const policy::Policy& policy) {
  const std::vector<AuditedRuleset> rulesets{{&ruleset, PacketSet::Family(core::Family::kIPv4)}};
  Engine engine;
  engine.Add(rulesets.front());
  const auto domain_of = [&policy](policy::Direction direction) { return Domain(policy, direction); };
  const auto flows = RequiredFlows(policy, false, domain_of, AuditTuning{}.exact_flow_rules);
  DirectionSets sets;
  sets.hook = Hook::kForward;
  sets.given = NotLoopback();
  sets.domain = Domain(policy, policy::Direction::kForward) &
                (PacketSet::WellFormed() & PacketSet::State(CtState::kNew) & rulesets.front().families);
  sets.infrastructure = Infrastructure();
  auto direction = engine.Begin(sets);
  std::vector<std::pair<PacketSet, PacketSet>> judged;
  for (const auto& flow : flows) {
    const auto packets =
        flow.packets & PacketSet::WellFormed() & PacketSet::State(CtState::kNew) & rulesets.front().families;
    const auto view = direction.Flow(flow, packets);
    const auto& verdict_sets = view.Sets();
    judged.emplace_back(packets - verdict_sets.possible, (packets & verdict_sets.possible) - verdict_sets.definite);
  }
  return judged;
}

TEST(EngineSeam, EnginesJudgeEveryFlowAlike) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  policy::PolicyOptions options;
  options.mode = policy::Mode::kNetwork;
  const auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
  const auto ruleset = BrokenExample();

  const auto bdd = JudgeFlows<BddEngine>(ruleset, policy);
  const auto cubes = JudgeFlows<CubeEngine>(ruleset, policy);
  ASSERT_EQ(bdd.size(), cubes.size());
  ASSERT_FALSE(bdd.empty());
  int blocked = 0;
  for (std::size_t i = 0; i < bdd.size(); ++i) {
    EXPECT_TRUE(bdd[i].first == cubes[i].first) << "flow " << i << ": blocked packets differ";
    EXPECT_TRUE(bdd[i].second == cubes[i].second) << "flow " << i << ": uncertain packets differ";
    blocked += bdd[i].first.Empty() ? 0 : 1;
  }
  EXPECT_GT(blocked, 0) << "the broken example blocks some flow: the comparison must see one";
}

}  // namespace
}  // namespace portolan::audit
