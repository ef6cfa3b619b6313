// What lab verify checks: every required flow between every pair, and the ports nothing
// requires wherever a firewall stands between the two ends.
#include "lab/checks.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "plan/planner.hpp"
#include "support/test_support.hpp"

namespace portolan::lab {
namespace {

struct Example {
  inventory::Inventory inventory = testing::InventoryFromFile(testing::SourceDir() / "examples/sms2003-site.yaml");
  plan::Plan plan = plan::BuildPlan(testing::Sms2003(), inventory);
  Topology topology = BuildTopology(inventory, "ex");

  int Index(std::string_view name) const {
    return static_cast<int>(topology.FindEndpoint(name) - topology.endpoints.data());
  }
};

std::vector<Check> Between(const CheckList& list, int source, int destination, bool required) {
  std::vector<Check> found;
  std::copy_if(list.checks.begin(), list.checks.end(), std::back_inserter(found), [&](const Check& check) {
    return check.source == source && check.destination == destination && check.required == required;
  });
  return found;
}

bool Has(const std::vector<Check>& checks, probe::Transport transport, int port) {
  return std::any_of(checks.begin(), checks.end(),
                     [&](const Check& check) { return check.transport == transport && check.port == port; });
}

TEST(LabChecks, RequiredPortsBetweenSiteServerAndDomainController) {
  const Example example;
  const auto list = BuildChecks(testing::Sms2003(), example.plan, example.topology, {});
  const auto required = Between(list, example.Index("SMS01"), example.Index("DC01"), true);
  EXPECT_TRUE(Has(required, probe::Transport::kTcp, 389));
  EXPECT_TRUE(Has(required, probe::Transport::kUdp, 389));
  EXPECT_TRUE(Has(required, probe::Transport::kUdp, 88));
  // The RPC range 1025-5000 (minus 3268-3269) is checked at its edges and inside.
  EXPECT_TRUE(Has(required, probe::Transport::kTcp, 1025));
  EXPECT_TRUE(Has(required, probe::Transport::kTcp, 5000));
  EXPECT_FALSE(Has(required, probe::Transport::kTcp, 445));
  for (const auto& check : required) {
    EXPECT_EQ(check.address, "10.0.0.10");
    EXPECT_FALSE(check.flows.empty());
  }
}

TEST(LabChecks, AcrossZonesWhatNobodyRequiresMustBeFiltered) {
  const Example example;
  const auto list = BuildChecks(testing::Sms2003(), example.plan, example.topology, {});
  // SMS02 (zone BBB) to DC01 (zone AAA): a firewall between them.
  const auto other = Between(list, example.Index("SMS02"), example.Index("DC01"), false);
  EXPECT_TRUE(Has(other, probe::Transport::kTcp, 445));   // a catalog port the pair does not need
  EXPECT_TRUE(Has(other, probe::Transport::kTcp, 1024));  // just below the RPC range
  EXPECT_TRUE(Has(other, probe::Transport::kTcp, 5001));  // just above it
  EXPECT_TRUE(Has(other, probe::Transport::kTcp, 22));    // the sample
  EXPECT_FALSE(Has(other, probe::Transport::kTcp, 389));  // required
}

TEST(LabChecks, InsideAZoneOnlyHostFirewallsFilter) {
  const Example example;
  const int sms01 = example.Index("SMS01");
  const int sql01 = example.Index("SQL01");
  const int desktops = example.Index("hq-desktops");
  const auto open = BuildChecks(testing::Sms2003(), example.plan, example.topology, {});
  EXPECT_FALSE(Between(open, sms01, sql01, true).empty());
  EXPECT_TRUE(Between(open, sms01, sql01, false).empty());
  const auto guarded = BuildChecks(testing::Sms2003(), example.plan, example.topology, {.host_firewall = true});
  EXPECT_FALSE(Between(guarded, sms01, sql01, false).empty());
  EXPECT_TRUE(Between(guarded, sms01, desktops, false).empty());  // a client network has no host firewall
}

// Every port of every planned flow between two lab endpoints is checked (long ranges at their
// edges), and no port a pair requires is ever expected to be filtered.
TEST(LabChecks, EveryFlowIsCheckedAndNothingRequiredIsExpectedFiltered) {
  for (const auto* file : {"examples/sms2003-site.yaml", "tests/data/inventories/ipv6.yaml",
                           "tests/data/inventories/ras.yaml", "tests/data/inventories/remote-sql.yaml"}) {
    SCOPED_TRACE(file);
    const auto inventory = testing::InventoryFromFile(testing::SourceDir() / file);
    const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
    const auto topology = BuildTopology(inventory, "t");
    const auto list = BuildChecks(testing::Sms2003(), plan, topology, {.host_firewall = true});
    std::set<std::tuple<int, int, probe::Transport, int>> required;
    std::set<std::string> flows_checked;
    for (const auto& check : list.checks) {
      if (!check.required) continue;
      required.insert({check.source, check.destination, check.transport, check.port});
      flows_checked.insert(check.flows.begin(), check.flows.end());
    }
    for (const auto& check : list.checks) {
      if (check.required) continue;
      EXPECT_FALSE(required.contains({check.source, check.destination, check.transport, check.port}))
          << check.port << " is required and expected filtered";
      // Nor any port inside a required range of the pair.
      for (const auto& flow : plan.flows) {
        const bool pair = std::binary_search(flow.sources.begin(), flow.sources.end(), check.source) &&
                          std::binary_search(flow.destinations.begin(), flow.destinations.end(), check.destination);
        const bool same_protocol =
            (flow.protocol == catalog::Protocol::kTcp) == (check.transport == probe::Transport::kTcp);
        if (pair && same_protocol && catalog::ProtocolHasPorts(flow.protocol)) {
          EXPECT_FALSE(flow.Ports().Contains(check.port)) << flow.id << " requires " << check.port;
        }
      }
    }
    for (const auto& flow : plan.flows) {
      if (!catalog::ProtocolHasPorts(flow.protocol)) continue;
      const bool self_only = flow.sources == flow.destinations && flow.sources.size() == 1;
      if (!self_only) {
        EXPECT_TRUE(flows_checked.contains(flow.id)) << flow.id << " is never checked";
      }
    }
  }
}

TEST(LabChecks, LongRangesAreCheckedAtTheirEdgesAndInside) {
  EXPECT_EQ(PortsToCheck(80, 80), std::vector<int>{80});
  EXPECT_EQ(PortsToCheck(2701, 2704), (std::vector<int>{2701, 2702, 2703, 2704}));
  EXPECT_EQ(PortsToCheck(1025, 5000), (std::vector<int>{1025, 2350, 3675, 5000}));
}

// Through the proxy: what each request needs must pass, and what none asks for must be refused.
TEST(LabChecks, ThroughTheProxyWhatEachRequestNeedsAndNothingElse) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples/sms2003-proxied-site.yaml");
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  const auto topology = BuildTopology(inventory, "px");
  const auto checks = BuildProxyChecks(inventory, plan, topology);
  const auto index = [&](std::string_view name) {
    return static_cast<int>(topology.FindEndpoint(name) - topology.endpoints.data());
  };
  const auto find = [&](std::string_view to, probe::HttpCheck what, int port) -> const Check* {
    const auto it = std::find_if(checks.begin(), checks.end(), [&](const Check& check) {
      return check.destination == index(to) && check.proxy && check.proxy->http_check == what && check.port == port;
    });
    return it == checks.end() ? nullptr : &*it;
  };
  ASSERT_FALSE(checks.empty());
  for (const auto& check : checks) {
    EXPECT_EQ(check.source, index("hq-desktops"));
    ASSERT_TRUE(check.proxy);
    EXPECT_EQ(check.proxy->proxy, index("PROXY01"));
    EXPECT_EQ(check.proxy->proxy_address, "10.0.0.8");
    EXPECT_EQ(check.proxy->proxy_port, 3128);
    EXPECT_EQ(check.required, check.proxy->expected == probe::Verdict::kVerified);
  }
  const auto* mp_list = find("SMS01", probe::HttpCheck::kGet, 80);
  ASSERT_NE(mp_list, nullptr);
  EXPECT_EQ(mp_list->proxy->expected, probe::Verdict::kVerified);
  EXPECT_EQ(mp_list->proxy->request, "P01");
  EXPECT_EQ(mp_list->flows, std::vector<std::string>{"P01"});
  for (const auto method : {probe::HttpCheck::kCcmPost, probe::HttpCheck::kBitsPost, probe::HttpCheck::kPropfind}) {
    const auto* passes = find("SMS01", method, 80);
    ASSERT_NE(passes, nullptr);
    EXPECT_EQ(passes->proxy->expected, probe::Verdict::kVerified);
  }
  const auto* bits = find("DP01", probe::HttpCheck::kBitsFile, 80);
  ASSERT_NE(bits, nullptr);
  EXPECT_EQ(bits->proxy->expected, probe::Verdict::kVerified);
  EXPECT_EQ(bits->proxy->path, kBitsTestPath);
  EXPECT_EQ(bits->proxy->request, "P02");
  // Refused: a method DP01's request lacks, a port no request names, a server none names.
  const auto* ccm_post = find("DP01", probe::HttpCheck::kCcmPost, 80);
  ASSERT_NE(ccm_post, nullptr);
  EXPECT_EQ(ccm_post->proxy->expected, probe::Verdict::kProxyDenied);
  EXPECT_FALSE(ccm_post->required);
  const auto* other_port = find("SMS01", probe::HttpCheck::kGet, kProxyOtherPort);
  ASSERT_NE(other_port, nullptr);
  EXPECT_EQ(other_port->proxy->expected, probe::Verdict::kProxyDenied);
  const auto other_server = std::find_if(checks.begin(), checks.end(), [&](const Check& check) {
    return check.destination != index("SMS01") && check.destination != index("DP01");
  });
  ASSERT_NE(other_server, checks.end());
  EXPECT_EQ(other_server->proxy->expected, probe::Verdict::kProxyDenied);
  EXPECT_EQ(other_server->port, 80);
}

}  // namespace
}  // namespace portolan::lab
