// Probes from the plan: a client that sends its web requests through an HTTP proxy is probed
// through that proxy (the MP list and the methods SMS clients use, to every server of the
// request), never directly; its client leg gets no transport-only probe of its own.

#include "probe/plan_specs.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plan/planner.hpp"
#include "support/test_support.hpp"

namespace portolan::probe {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

// Each spec as "10.0.0.1:80 GET via 10.0.0.8:3128".
std::vector<std::string> Rows(const PlanProbes& probes) {
  std::vector<std::string> rows;
  for (const auto& spec : probes.specs) {
    rows.push_back(spec.target.address + ":" + std::to_string(spec.target.port) + " " +
                   std::string(HttpCheckName(spec.http_check)) +
                   (spec.proxy ? " via " + spec.proxy->Authority() : std::string()));
  }
  return rows;
}

PlanProbes From(const inventory::Inventory& inventory, const std::string& name) {
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  const int from = static_cast<int>(inventory.FindEndpoint(name) - inventory.endpoints.data());
  return SpecsFromPlan(testing::Sms2003(), inventory, plan, from, {});
}

TEST(PlanSpecs, ProxiedRequestsGoThroughTheProxyWithEveryCheck) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-proxied-site.yaml");
  const auto probes = From(inventory, "hq-desktops");
  std::vector<std::string> http;
  for (const auto& row : Rows(probes)) {
    if (row.find(":80 ") != std::string::npos || row.find(":3128") != std::string::npos) http.push_back(row);
  }
  EXPECT_THAT(http,
              UnorderedElementsAre("10.0.0.1:80 GET via 10.0.0.8:3128", "10.0.0.1:80 CCM_POST via 10.0.0.8:3128",
                                   "10.0.0.1:80 BITS_POST via 10.0.0.8:3128", "10.0.0.1:80 PROPFIND via 10.0.0.8:3128",
                                   "10.0.0.6:80 GET via 10.0.0.8:3128", "10.0.0.6:80 PROPFIND via 10.0.0.8:3128"));
  for (const auto& spec : probes.specs) {
    if (!spec.proxy) continue;
    EXPECT_EQ(spec.service, FindService("http"));
    EXPECT_THAT(spec.flows, ElementsAre("F11", spec.target.address == "10.0.0.1" ? "P01" : "P02"));
  }
}

TEST(PlanSpecs, ClientsWithoutAProxyAreProbedDirectly) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-proxied-site.yaml");
  const auto rows = Rows(From(inventory, "branch-desktops"));
  EXPECT_NE(std::find(rows.begin(), rows.end(), "10.2.0.1:80 GET"), rows.end());
  EXPECT_TRUE(std::none_of(rows.begin(), rows.end(),
                           [](const std::string& row) { return row.find(" via ") != std::string::npos; }));
}

}  // namespace
}  // namespace portolan::probe
