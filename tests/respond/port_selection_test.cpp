// Which ports a responder serves: from the plan of the example inventory (a host, a client
// network, a role) and from a --ports list.

#include <gtest/gtest.h>

#include "plan/planner.hpp"
#include "respond/port_selection.hpp"
#include "support/test_support.hpp"

namespace portolan::respond {
namespace {

class ExamplePorts : public ::testing::Test {
 protected:
  ExamplePorts()
      : inventory_(testing::InventoryFromFile(testing::SourceDir() / "examples/sms2003-site.yaml")),
        context_(testing::Sms2003(), inventory_),
        plan_(plan::BuildPlan(testing::Sms2003(), inventory_)) {}

  PortChoice OfEndpoint(std::string_view name) {
    const auto* endpoint = inventory_.FindEndpoint(name);
    EXPECT_NE(endpoint, nullptr) << name;
    return PortsOfEndpoint(plan_, static_cast<int>(endpoint - inventory_.endpoints.data()));
  }

  inventory::Inventory inventory_;
  plan::PlanContext context_;
  plan::Plan plan_;
};

TEST_F(ExamplePorts, TheDomainControllerAcceptsItsFlows) {
  const auto ports = OfEndpoint("DC01");
  EXPECT_EQ(ports.tcp.ToString(), "53,88,135,389,636,1025-5000");  // 3268 and 3269 inside the RPC range
  EXPECT_EQ(ports.udp.ToString(), "53,67,88,135,137,389");
  EXPECT_EQ(ports.flows, (std::vector<std::string>{"F01", "F02", "F07", "F08", "F17", "F18"}));
  EXPECT_TRUE(ports.not_served.empty());
  EXPECT_EQ(DescribePorts(ports), "tcp 53,88,135,389,636,1025-5000 udp 53,67,88,135,137,389");
}

TEST_F(ExamplePorts, AClientNetworkAcceptsRemoteControlAndDhcpAnswers) {
  const auto hq = OfEndpoint("hq-desktops");
  EXPECT_EQ(hq.tcp.ToString(), "2701-2704");
  EXPECT_EQ(hq.udp.ToString(), "68,2701-2704");
  const auto branch = OfEndpoint("branch-desktops");
  EXPECT_EQ(branch.tcp.ToString(), "139");
  EXPECT_EQ(branch.udp.ToString(), "68,137-138");
}

TEST_F(ExamplePorts, GreIsListedAsNotServed) {
  const auto ports = OfEndpoint("SMS03");
  EXPECT_EQ(ports.tcp.ToString(), "80,1723");
  EXPECT_TRUE(ports.udp.Empty());
  ASSERT_EQ(ports.not_served.size(), 1u);
  EXPECT_EQ(ports.not_served[0], "F22: gre (IP protocol 47) has no ports: not served");
}

TEST(PortsByFamily, ADualStackHostServesEachFamilyItsFlows) {
  const auto inventory = testing::InventoryFromFile(testing::SourceDir() / "tests/data/inventories/ipv6.yaml");
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  const auto* host = inventory.FindEndpoint("SMSV6");
  ASSERT_NE(host, nullptr);
  const auto ports = PortsOfEndpoint(plan, static_cast<int>(host - inventory.endpoints.data()));
  // Its only console is IPv6-only: the dynamic RPC range is needed on its IPv6 address alone.
  EXPECT_TRUE(ports.Of(core::Family::kIPv6).tcp.Contains(49152));
  EXPECT_FALSE(ports.Of(core::Family::kIPv4).tcp.Contains(49152));
  EXPECT_FALSE(ports.Of(core::Family::kIPv4).tcp.Empty());
  EXPECT_EQ(ports.tcp, ports.ipv4.tcp.Union(ports.ipv6.tcp));
  EXPECT_EQ(ports.udp, ports.ipv4.udp.Union(ports.ipv6.udp));
}

TEST_F(ExamplePorts, AHostThatNothingReachesHasNoPorts) {
  EXPECT_TRUE(OfEndpoint("ADMIN01").Empty());
}

TEST_F(ExamplePorts, ARoleTakesOnlyItsOwnEntries) {
  // DC01 is also the DNS, WINS and DHCP server: those ports are not the global catalog's.
  const auto gc = PortsOfRole(context_, plan_, "global-catalog");
  EXPECT_EQ(gc.tcp.ToString(), "88,135,389,636,1025-5000");
  EXPECT_EQ(gc.udp.ToString(), "88,135,389");
  const auto dns = PortsOfRole(context_, plan_, "dns-server");
  EXPECT_EQ(dns.tcp.ToString(), "53");
  EXPECT_EQ(dns.udp.ToString(), "53");
  // The SMS Provider falls back to the site server: SMS01 acts as one.
  const auto provider = PortsOfRole(context_, plan_, "sms-provider");
  EXPECT_FALSE(provider.Empty());
  EXPECT_TRUE(provider.tcp.Contains(135));
}

TEST(ParsePortList, ProtocolsAndRanges) {
  const auto ports = ParsePortList("80/tcp,389/udp,1025-1030/tcp, 53 ,53/udp");
  ASSERT_TRUE(ports);
  EXPECT_EQ(ports->tcp.ToString(), "53,80,1025-1030");
  EXPECT_EQ(ports->udp.ToString(), "53,389");
  EXPECT_EQ(ports->ipv4.tcp, ports->tcp);
  EXPECT_EQ(ports->ipv6.udp, ports->udp);
}

TEST(ParsePortList, Errors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "empty item in ''"},
      {"80,,81", "empty item in '80,,81'"},
      {"80/sctp", "'80/sctp': the protocol must be tcp or udp"},
      {"0", "'0': "},
      {"70000/udp", "'70000': "},
      {"5000-1025", "'5000-1025': "},
      {"http", "'http': "},
  };
  for (const auto& [text, message] : cases) {
    std::string error;
    EXPECT_FALSE(ParsePortList(text, &error)) << text;
    EXPECT_EQ(error.rfind(message, 0), 0u) << text << ": " << error;
  }
}

}  // namespace
}  // namespace portolan::respond
