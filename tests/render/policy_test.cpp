// The policy is exactly as wide as the plan: pair by pair, the rules of every host's policy,
// of the network policy and of the whole-inventory policy permit the same ports as the flows,
// minus only what never crosses that firewall. And the central capability check refuses, or
// with --allow-partial removes and reports, what a target cannot express.

#include "policy/policy.hpp"

#include <filesystem>
#include <map>
#include <tuple>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "plan/planner.hpp"
#include "render/target.hpp"
#include "support/test_support.hpp"

namespace portolan::render {
namespace {

// (source, destination, family, protocol) -> ports; portless protocols use port 0.
using PairKey = std::tuple<int, int, core::Family, catalog::Protocol>;
using PairPorts = std::map<PairKey, core::PortSet>;

void AddPorts(PairPorts& pairs, const PairKey& key, const core::PortSet& ports) {
  pairs[key] = pairs[key].Union(ports.Empty() ? plan::kNoPorts : ports);
}

// What the plan requires, seen through a filter that says which pairs this firewall sees.
template <typename Sees>
PairPorts FromPlan(const plan::Plan& plan, Sees sees) {
  PairPorts pairs;
  for (const auto& flow : plan.flows) {
    for (const int s : flow.sources) {
      for (const int d : flow.destinations) {
        if (s == d || !sees(s, d)) continue;
        AddPorts(pairs, {s, d, flow.family, flow.protocol}, flow.Ports());
      }
    }
  }
  return pairs;
}

PairPorts FromPolicy(const policy::Policy& policy, bool skip_self) {
  PairPorts pairs;
  for (const auto& rule : policy.rules) {
    for (const int s : policy.Sources(rule).endpoints) {
      for (const int d : policy.Destinations(rule).endpoints) {
        if (skip_self && s == d) continue;
        AddPorts(pairs, {s, d, rule.family, rule.protocol}, rule.Ports());
      }
    }
  }
  return pairs;
}

void ExpectGroupsAreTheirMembers(const policy::Policy& policy) {
  for (const auto& group : policy.groups) {
    std::vector<core::Network> networks;
    for (const int e : group.endpoints) {
      for (const auto& network : policy.inventory->endpoints[e].addresses) {
        if (network.family == group.family) networks.push_back(network);
      }
    }
    EXPECT_EQ(group.networks, core::CollapseNetworks(networks)) << group.name;
  }
}

std::vector<std::filesystem::path> InventoryFiles() {
  std::vector<std::filesystem::path> files{testing::SourceDir() / "examples" / "sms2003-site.yaml"};
  for (const auto& entry :
       std::filesystem::directory_iterator(testing::SourceDir() / "tests" / "data" / "inventories")) {
    files.push_back(entry.path());
  }
  return files;
}

TEST(Policy, HostModeIsExactlyTheHostsFlows) {
  for (const auto& file : InventoryFiles()) {
    SCOPED_TRACE(file.string());
    const auto inventory = testing::InventoryFromFile(file);
    const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
    for (int h = 0; h < static_cast<int>(inventory.endpoints.size()); ++h) {
      SCOPED_TRACE(inventory.endpoints[h].name);
      policy::PolicyOptions options;
      options.host = h;
      options.egress = true;
      const auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
      EXPECT_EQ(FromPolicy(policy, false), FromPlan(plan, [&](int s, int d) { return s == h || d == h; }));
      ExpectGroupsAreTheirMembers(policy);
      for (const auto& rule : policy.rules) {
        const auto& own =
            rule.direction == policy::Direction::kInbound ? policy.Destinations(rule) : policy.Sources(rule);
        EXPECT_EQ(own.endpoints, std::vector<int>{h}) << rule.name;
      }
      options.egress = false;
      const auto inbound = policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
      EXPECT_EQ(FromPolicy(inbound, false), FromPlan(plan, [&](int, int d) { return d == h; }));
    }
  }
}

TEST(Policy, NetworkModeIsExactlyTheFlowsBetweenZones) {
  for (const auto& file : InventoryFiles()) {
    SCOPED_TRACE(file.string());
    const auto inventory = testing::InventoryFromFile(file);
    const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
    for (const bool merge : {false, true}) {
      SCOPED_TRACE(merge ? "merged source zones" : "zone pairs");
      policy::PolicyOptions options;
      options.mode = policy::Mode::kNetwork;
      options.merge_source_zones = merge;
      const auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
      EXPECT_EQ(FromPolicy(policy, false),
                FromPlan(plan, [&](int s, int d) { return inventory.ZoneOf(s) != inventory.ZoneOf(d); }));
      ExpectGroupsAreTheirMembers(policy);
      for (const auto& rule : policy.rules) {
        for (const int s : policy.Sources(rule).endpoints) {
          if (!merge) {
            EXPECT_EQ(inventory.ZoneOf(s), rule.from_zone);
          }
          for (const int d : policy.Destinations(rule).endpoints) {
            EXPECT_NE(inventory.ZoneOf(s), inventory.ZoneOf(d)) << rule.name << " covers a pair inside one zone";
          }
        }
        if (merge) {
          EXPECT_TRUE(rule.from_zone.empty());
        }
      }
    }
  }
}

TEST(Policy, ZonesOptionKeepsOnlyFlowsBetweenThoseZones) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  policy::PolicyOptions options;
  options.mode = policy::Mode::kNetwork;
  options.zones = {"AAA", "CCC"};
  const auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
  EXPECT_EQ(FromPolicy(policy, false), FromPlan(plan, [&](int s, int d) {
              const auto& from = inventory.ZoneOf(s);
              const auto& to = inventory.ZoneOf(d);
              return from != to && (from == "AAA" || from == "CCC") && (to == "AAA" || to == "CCC");
            }));
  EXPECT_FALSE(policy.rules.empty());
  options.zones = {"AAA", "XYZ"};
  EXPECT_THROW(policy::BuildPolicy(testing::Sms2003(), inventory, plan, options), core::InputError);
}

TEST(Policy, EdgeIsEveryFlowInOrOutOfOneZone) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  for (const bool merge : {false, true}) {
    policy::PolicyOptions options;
    options.mode = policy::Mode::kNetwork;
    options.edge = "BBB";
    options.merge_source_zones = merge;
    const auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
    EXPECT_EQ(FromPolicy(policy, false), FromPlan(plan, [&](int s, int d) {
                return (inventory.ZoneOf(s) == "BBB") != (inventory.ZoneOf(d) == "BBB");
              }));
    EXPECT_EQ(policy.zones, (std::vector<std::string>{"BBB", policy::kOutsideZone}));
  }
  policy::PolicyOptions bad;
  bad.mode = policy::Mode::kNetwork;
  bad.edge = "BB";
  EXPECT_THROW(policy::BuildPolicy(testing::Sms2003(), inventory, plan, bad), core::InputError);
  bad.edge = "BBB";
  bad.zones = {"AAA"};
  EXPECT_THROW(policy::BuildPolicy(testing::Sms2003(), inventory, plan, bad), core::InputError);
}

TEST(Policy, WholeInventoryIsThePlan) {
  for (const auto& file : InventoryFiles()) {
    SCOPED_TRACE(file.string());
    const auto inventory = testing::InventoryFromFile(file);
    const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
    const auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, {});
    EXPECT_EQ(FromPolicy(policy, true), FromPlan(plan, [](int, int) { return true; }));
  }
}

TEST(Policy, EndpointZoneOverridesItsSite) {
  const auto inventory = testing::InventoryFromText(R"(catalog: sms2003
domain: { name: z.example }
sites:
  - code: AAA
    zone: core
    hosts:
      - { name: SMS01, address: 10.0.0.1, roles: [site-server, site-database, management-point] }
      - { name: DC01, address: 10.0.0.10, roles: [global-catalog, dns-server], zone: dc }
    clients:
      - { name: lan, network: 10.1.0.0/16 }
)");
  EXPECT_EQ(inventory.ZoneOf(0), "core");
  EXPECT_EQ(inventory.ZoneOf(1), "dc");
  EXPECT_EQ(inventory.ZoneOf(2), "core");
  EXPECT_EQ(inventory.Zones(), (std::vector<std::string>{"core", "dc"}));
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  policy::PolicyOptions options;
  options.mode = policy::Mode::kNetwork;
  const auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
  ASSERT_FALSE(policy.rules.empty());
  for (const auto& rule : policy.rules) {
    EXPECT_TRUE(rule.to_zone == "dc" || rule.from_zone == "dc") << rule.name;  // only DC01 is elsewhere
  }
}

TEST(Policy, BadZoneNameIsAnError) {
  const auto diags = testing::InventoryDiagnostics(R"(catalog: sms2003
domain: { name: z.example }
sites:
  - code: AAA
    zone: "two words"
    hosts:
      - { name: SMS01, address: 10.0.0.1, roles: [site-server] }
)");
  ASSERT_TRUE(diags.HasErrors());
  EXPECT_NE(diags.ToString().find("test.yaml:5:11"), std::string::npos) << diags.ToString();
  EXPECT_NE(diags.ToString().find("zone 'two words' must be"), std::string::npos) << diags.ToString();
}

TEST(Policy, GroupsAreNamedByRoleWhereExact) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  policy::PolicyOptions options;
  options.host = static_cast<int>(inventory.FindEndpoint("DC01") - inventory.endpoints.data());
  const auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
  std::vector<std::string> names;
  for (const auto& group : policy.groups) names.push_back(group.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "site-server"), names.end())
      << fmt::format("{}", fmt::join(names, " "));
  EXPECT_NE(std::find(names.begin(), names.end(), "DC01"), names.end());
}

// The central check, with a target declared here so the test does not depend on a platform.
std::vector<RenderedFile> CountRules(const policy::Policy& policy, const RenderOptions&) {
  return {{".txt", std::to_string(policy.rules.size())}};
}

TEST(CheckCapabilities, RefusesOrReportsWhatATargetCannotExpress) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  Capabilities caps;
  caps.protocols = {catalog::Protocol::kTcp, catalog::Protocol::kUdp};
  caps.max_expanded_range = 10;
  const Target narrow{"narrow", "test target", policy::Mode::kNetwork, caps, "GRE, ranges", CountRules};
  policy::PolicyOptions options;
  options.mode = policy::Mode::kNetwork;

  auto refused = policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
  try {
    CheckCapabilities(narrow, refused, false);
    FAIL() << "a policy with GRE and the RPC range was not refused";
  } catch (const RenderRefused& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("protocol gre (47) cannot be opened"), std::string::npos) << what;
    EXPECT_NE(what.find("the range 1025-3267 would need 2243 rules"), std::string::npos) << what;
  }

  auto partial = policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
  const auto before = partial.rules.size();
  CheckCapabilities(narrow, partial, true);
  EXPECT_LT(partial.rules.size(), before);
  ASSERT_FALSE(partial.omissions.empty());
  for (const auto& rule : partial.rules) {
    EXPECT_NE(rule.protocol, catalog::Protocol::kGre);
    const auto ports = rule.Ports();
    for (const auto& range : ports.Ranges()) EXPECT_LE(range.last - range.first + 1, 10);
  }
  // What stays is untouched: the F02 rule keeps its single ports after losing the range item.
  const auto f02 = std::find_if(partial.rules.begin(), partial.rules.end(),
                                [](const policy::Rule& rule) { return rule.flow_id == "F02"; });
  ASSERT_NE(f02, partial.rules.end());
  EXPECT_TRUE(f02->Ports().Contains(88));
  EXPECT_TRUE(f02->Ports().Contains(3268));
  EXPECT_FALSE(f02->Ports().Contains(1025));

  caps.host_mode = false;
  const Target network_only{"routers", "test target", policy::Mode::kNetwork, caps, "host mode", CountRules};
  auto host = policy::BuildPolicy(testing::Sms2003(), inventory, plan, {});
  EXPECT_THROW(CheckCapabilities(network_only, host, true), RenderRefused);
}

}  // namespace
}  // namespace portolan::render
