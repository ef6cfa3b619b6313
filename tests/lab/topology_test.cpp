// The lab's network as worked out from an inventory: names, zones, and the addresses client
// networks get.
#include "lab/topology.hpp"

#include <gtest/gtest.h>

#include "core/diagnostics.hpp"
#include "support/test_support.hpp"

namespace portolan::lab {
namespace {

TEST(LabTopology, TheExampleIsTenEndpointsInThreeZones) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "examples/sms2003-site.yaml");
  const auto topology = BuildTopology(inventory, "ex");
  EXPECT_EQ(topology.router_namespace, "pl-ex-router");
  ASSERT_EQ(topology.zones.size(), 3U);
  EXPECT_EQ(topology.zones[0].name, "AAA");
  EXPECT_EQ(topology.zones[0].switch_namespace, "pl-ex-zone0");
  EXPECT_EQ(topology.zones[0].members.size(), 6U);  // five hosts and hq-desktops
  ASSERT_EQ(topology.endpoints.size(), 10U);
  EXPECT_EQ(topology.Namespaces().size(), 14U);
  const auto* dc = topology.FindEndpoint("dc01");
  ASSERT_NE(dc, nullptr);
  EXPECT_EQ(dc->namespace_name, "pl-ex-e3-DC01");
  EXPECT_EQ(topology.AddressOf(*dc, core::Family::kIPv4), "10.0.0.10");
  EXPECT_EQ(topology.AddressOf(*dc, core::Family::kIPv6), "");
  const auto* desktops = topology.FindEndpoint("hq-desktops");
  ASSERT_NE(desktops, nullptr);
  EXPECT_TRUE(desktops->client_network);
  EXPECT_EQ(topology.AddressOf(*desktops, core::Family::kIPv4), "10.1.0.1");
  EXPECT_EQ(topology.zones[static_cast<std::size_t>(desktops->zone)].name, "AAA");
}

TEST(LabTopology, AClientNetworkAvoidsTheAddressesOfHosts) {
  const auto inventory = testing::InventoryFromText(R"(catalog: sms2003
domain: { name: corp.example }
sites:
  - code: AAA
    name: Headquarters
    hosts:
      - { name: SMS01, address: 10.9.0.1, roles: [site-server, management-point, site-database] }
      - { name: DC01, address: 10.9.0.2, roles: [global-catalog] }
    clients:
      - { name: desks, network: 10.9.0.0/24 }
      - { name: one, network: 10.8.0.7/32 }
)");
  const auto topology = BuildTopology(inventory, "t");
  EXPECT_EQ(topology.AddressOf(*topology.FindEndpoint("desks"), core::Family::kIPv4), "10.9.0.3");
  EXPECT_EQ(topology.AddressOf(*topology.FindEndpoint("one"), core::Family::kIPv4), "10.8.0.7");
}

TEST(LabTopology, AClientNetworkWithNoFreeAddressIsAnError) {
  const auto inventory = testing::InventoryFromText(R"(catalog: sms2003
domain: { name: corp.example }
sites:
  - code: AAA
    name: Headquarters
    hosts:
      - { name: SMS01, address: 10.9.0.1, roles: [site-server, management-point, site-database] }
    clients:
      - { name: desks, network: 10.9.0.1/32 }
)");
  try {
    BuildTopology(inventory, "t");
    FAIL() << "expected an error";
  } catch (const core::InputError& e) {
    EXPECT_NE(e.diagnostics().ToString().find("no free address in 10.9.0.1/32"), std::string::npos)
        << e.diagnostics().ToString();
  }
}

TEST(LabTopology, IPv6AddressesAreKept) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "tests/data/inventories/ipv6.yaml");
  const auto topology = BuildTopology(inventory, "v6");
  bool any_v6 = false;
  for (const auto& endpoint : topology.endpoints)
    any_v6 = any_v6 || !topology.AddressOf(endpoint, core::Family::kIPv6).empty();
  EXPECT_TRUE(any_v6);
}

TEST(LabNames, DefaultsAndChecks) {
  EXPECT_EQ(DefaultLabName("examples/sms2003-site.yaml"), "sms2003-site");
  EXPECT_EQ(DefaultLabName("/x/a very long inventory name.yaml"), "a-very-long-inve");
  EXPECT_EQ(DefaultLabName(".yaml"), "lab");
  EXPECT_EQ(CheckLabName("ok_name-1"), "");
  EXPECT_NE(CheckLabName(""), "");
  EXPECT_NE(CheckLabName("has space"), "");
  EXPECT_NE(CheckLabName("../etc"), "");
  EXPECT_NE(CheckLabName("seventeen-chars-x"), "");
}

}  // namespace
}  // namespace portolan::lab
