// Requests through an HTTP proxy: the planner replaces a proxied flow by its two legs and the
// proxy's request, never wider; a proxy's bypass list keeps servers direct; clients of a secondary
// site with a proxy management point no longer need the parent's management point; and the
// inventory says exactly what is wrong with a proxy setting.

#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/diagnostics.hpp"
#include "plan/explain.hpp"
#include "plan/planner.hpp"
#include "policy/policy.hpp"
#include "support/test_support.hpp"

namespace portolan::plan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

inventory::Inventory Example(const std::string& name) {
  return testing::InventoryFromFile(testing::SourceDir() / name);
}

int Endpoint(const inventory::Inventory& inventory, std::string_view name) {
  const auto* e = inventory.FindEndpoint(name);
  EXPECT_NE(e, nullptr) << name;
  return e == nullptr ? -1 : static_cast<int>(e - inventory.endpoints.data());
}

// The ports the plan opens from one endpoint to another over TCP (any family).
core::PortSet TcpPorts(const Plan& plan, int from, int to) {
  core::PortSet ports;
  for (const auto& flow : plan.flows) {
    if (flow.protocol != catalog::Protocol::kTcp) continue;
    if (std::binary_search(flow.sources.begin(), flow.sources.end(), from) &&
        std::binary_search(flow.destinations.begin(), flow.destinations.end(), to)) {
      ports = ports.Union(flow.Ports());
    }
  }
  return ports;
}

TEST(ProxyPlan, ProxiedClientsReachOnlyTheirProxyAndTheProxyTheServers) {
  const auto inventory = Example("examples/sms2003-proxied-site.yaml");
  const auto& catalog = testing::Sms2003();
  const auto plan = BuildPlan(catalog, inventory);
  const int clients = Endpoint(inventory, "hq-desktops");
  const int proxy = Endpoint(inventory, "PROXY01");
  const int mp = Endpoint(inventory, "SMS01");
  const int dp = Endpoint(inventory, "DP01");
  EXPECT_FALSE(TcpPorts(plan, clients, mp).Contains(80)) << "the direct path must be gone";
  EXPECT_FALSE(TcpPorts(plan, clients, dp).Contains(80));
  EXPECT_EQ(TcpPorts(plan, clients, proxy).ToString(), "3128");
  EXPECT_EQ(TcpPorts(plan, proxy, mp).ToString(), "80");
  EXPECT_EQ(TcpPorts(plan, proxy, dp).ToString(), "80");
  // Clients that name no proxy keep their direct path.
  EXPECT_TRUE(TcpPorts(plan, Endpoint(inventory, "branch-desktops"), Endpoint(inventory, "SMS02")).Contains(80));

  ASSERT_EQ(plan.proxy_requests.size(), 2U);
  const auto& to_mp = plan.proxy_requests[0];
  EXPECT_EQ(to_mp.id, "P01");
  EXPECT_EQ(to_mp.proxy, proxy);
  EXPECT_THAT(to_mp.sources, ElementsAre(clients));
  EXPECT_THAT(to_mp.destinations, ElementsAre(mp));
  EXPECT_EQ(to_mp.ports.ToString(), "80");
  EXPECT_THAT(to_mp.methods, ElementsAre("GET", "HEAD", "CCM_POST", "BITS_POST", "PROPFIND"));
  EXPECT_EQ(to_mp.flows.size(), 2U);
  const auto& to_dp = plan.proxy_requests[1];
  EXPECT_THAT(to_dp.destinations, ElementsAre(dp));
  EXPECT_THAT(to_dp.methods, ElementsAre("GET", "HEAD", "PROPFIND"));
  EXPECT_THAT(to_dp.headers, ElementsAre("Range"));
}

TEST(ProxyPlan, BypassListKeepsServersDirectAndPortsComeFromTheProxy) {
  const auto inventory = Example("tests/data/inventories/proxy-pair.yaml");
  const auto plan = BuildPlan(testing::Sms2003(), inventory);
  const int hq = Endpoint(inventory, "hq-desktops");
  EXPECT_TRUE(TcpPorts(plan, hq, Endpoint(inventory, "DP01")).Contains(80)) << "DP01 is on PROXY01's bypass list";
  EXPECT_FALSE(TcpPorts(plan, hq, Endpoint(inventory, "SMS01")).Contains(80));
  EXPECT_EQ(TcpPorts(plan, hq, Endpoint(inventory, "PROXY01")).ToString(), "3128");
  EXPECT_EQ(TcpPorts(plan, Endpoint(inventory, "branch-desktops"), Endpoint(inventory, "PROXY02")).ToString(), "8080");
  // IPv6: the request goes through PROXY01 in both families it shares with its clients.
  bool ipv6_request = false;
  for (const auto& request : plan.proxy_requests) ipv6_request |= request.family == core::Family::kIPv6;
  EXPECT_TRUE(ipv6_request);
}

TEST(ProxyPlan, SecondarySiteClientsUseTheirProxyManagementPointOnly) {
  const auto inventory = Example("examples/sms2003-site.yaml");
  const auto plan = BuildPlan(testing::Sms2003(), inventory);
  const int warehouse = Endpoint(inventory, "warehouse");
  EXPECT_FALSE(TcpPorts(plan, warehouse, Endpoint(inventory, "SMS02")).Contains(80))
      << "CCC has a proxy management point: its clients do not talk to BBB's management point";
  EXPECT_TRUE(TcpPorts(plan, warehouse, Endpoint(inventory, "SMS03")).Contains(80));
  const auto judgement =
      JudgePair(testing::Sms2003(), inventory,
                static_cast<int>(testing::Sms2003().FindEntry("client-mp-http") - testing::Sms2003().entries.data()),
                warehouse, Endpoint(inventory, "SMS02"));
  EXPECT_FALSE(judgement.applies);
  EXPECT_THAT(judgement.why_not, HasSubstr("proxy-management-point SMS03"));

  // Without a proxy management point the parent's management point stays required.
  const auto without_pmp = testing::InventoryFromText(R"(catalog: sms2003
domain: {name: corp.example, rpc_dynamic_ports: 1025-5000}
sites:
  - code: AAA
    hosts:
      - {name: SMS01, address: 10.0.0.1, roles: [site-server, site-database, management-point]}
  - code: CCC
    parent: AAA
    type: secondary
    hosts:
      - {name: SMS03, address: 10.3.0.1, roles: [site-server]}
    clients:
      - {name: warehouse, network: 10.3.8.0/24}
)");
  const auto direct = BuildPlan(testing::Sms2003(), without_pmp);
  EXPECT_TRUE(TcpPorts(direct, Endpoint(without_pmp, "warehouse"), Endpoint(without_pmp, "SMS01")).Contains(80));
}

TEST(ProxyPlan, ExplainShowsThePathThroughTheProxy) {
  const auto inventory = Example("examples/sms2003-proxied-site.yaml");
  const auto plan = BuildPlan(testing::Sms2003(), inventory);
  const auto explanation = Explain(testing::Sms2003(), inventory, plan, Endpoint(inventory, "hq-desktops"),
                                   Endpoint(inventory, "SMS01"), PortQuery{catalog::Protocol::kTcp, 80});
  EXPECT_TRUE(explanation.flows.empty());
  ASSERT_EQ(explanation.proxied.size(), 1U);
  EXPECT_EQ(explanation.proxied.front()->id, "P01");
}

TEST(ProxyPolicy, OneRulePerRequestWithItsMethods) {
  const auto inventory = Example("examples/sms2003-proxied-site.yaml");
  const auto plan = BuildPlan(testing::Sms2003(), inventory);
  policy::PolicyOptions options;
  options.mode = policy::Mode::kProxy;
  options.proxy = Endpoint(inventory, "PROXY01");
  const auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
  ASSERT_EQ(policy.rules.size(), 2U);
  EXPECT_EQ(policy.rules[0].flow_id, "P01");
  EXPECT_EQ(policy.rules[0].direction, policy::Direction::kForward);
  EXPECT_EQ(policy.Sources(policy.rules[0]).networks.front().ToString(), "10.1.0.0/16");
  EXPECT_EQ(policy.Destinations(policy.rules[0]).networks.front().ToString(), "10.0.0.1/32");
  EXPECT_EQ(policy.rules[0].Ports().ToString(), "80");
  EXPECT_THAT(policy.rules[1].methods, ElementsAre("GET", "HEAD", "PROPFIND"));

  options.proxy = Endpoint(inventory, "SMS01");
  try {
    policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
    ADD_FAILURE() << "SMS01 is not an http-proxy";
  } catch (const core::InputError& error) {
    EXPECT_THAT(error.what(), HasSubstr("SMS01 is not one (http-proxy hosts: PROXY01)"));
  }
}

constexpr const char* kProxySite = R"(catalog: sms2003
domain: {name: corp.example, rpc_dynamic_ports: 1025-5000}
sites:
  - code: AAA
    hosts:
      - {name: SMS01, address: 10.0.0.1, roles: [site-server, site-database, management-point]}
      - {name: PROXY01, address: 10.0.0.8, roles: [http-proxy], http_proxy: {port: 8080, auth: ntlm}}
)";

TEST(ProxyInventory, SaysExactlyWhatIsWrong) {
  const auto errors = [](const std::string& extra) {
    return testing::InventoryDiagnostics(std::string(kProxySite) + extra).ToString();
  };
  EXPECT_THAT(errors("    clients:\n      - {name: lan, network: 10.1.0.0/16, proxy: SMS01}\n"),
              HasSubstr("test.yaml:9:50: error: client network 'lan': proxy 'SMS01' is not a host with the "
                        "http-proxy role (http-proxy hosts: PROXY01)"));
  EXPECT_THAT(errors("    clients:\n      - {name: lan, network: 10.1.0.0/16, proxy: PROXY1}\n"),
              HasSubstr("did you mean 'PROXY01'?"));
  EXPECT_THAT(
      errors("      - {name: P2, address: 10.0.0.9, roles: [http-proxy], http_proxy: {bypass: [NOPE]}}\n"),
      HasSubstr("http-proxy 'P2': bypass names 'NOPE', which is neither a host of the inventory nor a network"));
  EXPECT_THAT(errors("      - {name: P2, address: 10.0.0.9, roles: [http-proxy], http_proxy: {auth: kerberos}}\n"),
              HasSubstr("'auth' must be one of: none, basic, ntlm, negotiate; found 'kerberos'"));
  EXPECT_THAT(errors("      - {name: DP, address: 10.0.0.9, roles: [distribution-point], http_proxy: {port: 80}}\n"),
              HasSubstr("host 'DP' sets 'http_proxy' but does not have the http-proxy role"));
}

TEST(ProxyInventory, SettingsAreRead) {
  const auto inventory = testing::InventoryFromText(
      std::string(kProxySite) +
      "      - {name: P2, address: 10.0.0.9, roles: [http-proxy], http_proxy: {bypass: [SMS01, 10.9.0.0/16]}}\n"
      "    clients:\n      - {name: lan, network: 10.1.0.0/16, proxy: proxy01}\n");
  const auto& proxy = *inventory.FindEndpoint("PROXY01");
  ASSERT_TRUE(proxy.http_proxy);
  EXPECT_EQ(proxy.http_proxy->port, 8080);
  EXPECT_EQ(proxy.http_proxy->auth, inventory::ProxyAuth::kNtlm);
  const auto& p2 = *inventory.FindEndpoint("P2");
  EXPECT_EQ(p2.http_proxy->port, 3128) << "the catalog's default";
  const int p2_index = static_cast<int>(&p2 - inventory.endpoints.data());
  const int sms01 = static_cast<int>(inventory.FindEndpoint("SMS01") - inventory.endpoints.data());
  EXPECT_TRUE(inventory.Bypasses(p2_index, sms01));
  EXPECT_EQ(inventory.FindEndpoint("lan")->proxy, static_cast<int>(&proxy - inventory.endpoints.data()));
}

}  // namespace
}  // namespace portolan::plan
