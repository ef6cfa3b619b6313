// The pf and AWS security group targets: pf's quick rules, default deny and Neighbor Discovery,
// and that the security groups, once attached, allow exactly the plan's pairs and ports.

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "plan/planner.hpp"
#include "render/platforms.hpp"
#include "render/text.hpp"
#include "support/test_support.hpp"

namespace portolan::render {
namespace {

using nlohmann::json;

std::filesystem::path Example() {
  return testing::SourceDir() / "examples" / "sms2003-site.yaml";
}
std::filesystem::path Data(const std::string& name) {
  return testing::SourceDir() / "tests" / "data" / "inventories" / (name + ".yaml");
}

struct Rendered {
  inventory::Inventory inventory;
  policy::Policy policy;
  std::string text;
};

Rendered RenderWith(const std::string& target, const std::filesystem::path& file, policy::PolicyOptions options,
                    const std::optional<std::string>& host = std::nullopt) {
  Rendered r{testing::InventoryFromFile(file), {}, {}};
  const auto plan = plan::BuildPlan(testing::Sms2003(), r.inventory);
  if (host) {
    for (int e = 0; e < static_cast<int>(r.inventory.endpoints.size()); ++e) {
      if (r.inventory.endpoints[e].name == *host) options.host = e;
    }
  }
  r.policy = policy::BuildPolicy(testing::Sms2003(), r.inventory, plan, options);
  const auto files = Render(*FindTarget(target), r.policy, {}, false);
  EXPECT_EQ(files.size(), 1u);
  r.text = files.front().content;
  return r;
}

std::vector<std::string> Lines(const std::string& text, const std::string& prefix) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) lines.push_back(line);
  }
  return lines;
}

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

// --- pf ---

TEST(Pf, HostModeQuickRulesBehindAnExplicitBlock) {
  const auto r = RenderWith("pf", Example(), {}, "DC01");
  EXPECT_TRUE(Has(r.text, "set skip on lo"));
  EXPECT_TRUE(Has(r.text, "block return all"));
  EXPECT_TRUE(Has(r.text, "table <DC01> const { 10.0.0.10 }"));
  EXPECT_TRUE(Has(r.text, "pass out quick all keep state"));
  // The block comes before every pass: with quick pass rules, it applies to what none matches.
  EXPECT_LT(r.text.find("\nblock return all\n"), r.text.find("\npass "));
  EXPECT_TRUE(Has(r.text,
                  "pass in quick inet proto tcp from <site-server> to <DC01> port 1025:5000 keep state label \"F02 "
                  "ad-rpc-dynamic ad-gc ad-gc-ssl\""));
  for (const auto& line : Lines(r.text, "pass in")) {
    EXPECT_NE(line.find(" quick "), std::string::npos) << line;
    EXPECT_NE(line.find(" to <DC01>"), std::string::npos) << line;
  }
  // IPv4-only host: no ICMPv6 rule.
  EXPECT_EQ(r.text.find("icmp6"), std::string::npos);
}

TEST(Pf, EveryRuleCarriesItsFlowInALabelWithinPfLimit) {
  for (const auto& file : {Example(), Data("ipv6"), Data("ras"), Data("netbios-rc")}) {
    policy::PolicyOptions options;
    options.mode = policy::Mode::kNetwork;
    const auto r = RenderWith("pf", file, options);
    const std::regex label(R"re(label "([^"]*)"$)re");
    std::set<std::string> flows;
    for (const auto& line : Lines(r.text, "pass quick inet")) {
      if (line.find("icmp6-type") != std::string::npos) continue;
      std::smatch match;
      ASSERT_TRUE(std::regex_search(line, match, label)) << line;
      EXPECT_LE(match[1].length(), 63) << line;
      flows.insert(match[1].str().substr(0, match[1].str().find(' ')));
    }
    std::set<std::string> expected;
    for (const auto& rule : r.policy.rules) expected.insert(rule.flow_id);
    EXPECT_EQ(flows, expected) << file;
  }
}

TEST(Pf, NetworkModeRulesHaveNoDirection) {
  policy::PolicyOptions options;
  options.mode = policy::Mode::kNetwork;
  const auto r = RenderWith("pf", Example(), options);
  EXPECT_TRUE(Lines(r.text, "pass in").empty());
  EXPECT_TRUE(Lines(r.text, "pass out").empty());
  // 24 rules; F02 (twice) and F06 (once) split where their entry ids exceed pf's 63-character label.
  EXPECT_EQ(r.policy.rules.size(), 24u);
  EXPECT_EQ(Lines(r.text, "pass quick").size(), 27u);
  EXPECT_TRUE(Has(r.text,
                  "pass quick inet proto tcp from <SMS01> to <SMS02> port 445 keep state label \"F03 "
                  "site-to-child-smb\""));
}

TEST(Pf, NoDefaultDenyLeavesOutBlockSkipAndBlanketPasses) {
  policy::PolicyOptions options;
  options.default_deny = false;
  const auto r = RenderWith("pf", Data("ipv6"), options, "SMSV6");
  EXPECT_EQ(r.text.find("block "), std::string::npos);
  EXPECT_EQ(r.text.find("set skip"), std::string::npos);
  EXPECT_EQ(r.text.find("pass out quick all"), std::string::npos);
  EXPECT_EQ(r.text.find("icmp6-type"), std::string::npos);
  EXPECT_FALSE(Lines(r.text, "pass in quick").empty());
}

TEST(Pf, EgressFiltersOutboundInsteadOfPassingIt) {
  policy::PolicyOptions options;
  options.egress = true;
  const auto r = RenderWith("pf", Example(), options, "SMS01");
  EXPECT_EQ(r.text.find("pass out quick all"), std::string::npos);
  const auto out = Lines(r.text, "pass out quick");
  ASSERT_FALSE(out.empty());
  for (const auto& line : out) {
    EXPECT_NE(line.find(" from <SMS01> "), std::string::npos) << line;
  }
}

TEST(Pf, IPv6HostAllowsNeighborDiscovery) {
  const auto r = RenderWith("pf", Data("ipv6"), {}, "SMSV6");
  EXPECT_TRUE(
      Has(r.text, "pass quick inet6 proto icmp6 icmp6-type { neighbrsol neighbradv routersol routeradv } no state"));
  EXPECT_TRUE(Has(r.text, "table <SMSV6_v6> const { 2001:db8:90::1 }"));
  EXPECT_NE(r.text.find("pass in quick inet6 proto tcp from <CONSOLEV6_v6> to <SMSV6_v6> port { 135 49152:65535 }"),
            std::string::npos);
}

TEST(Pf, PortlessProtocolsHaveNoPort) {
  policy::PolicyOptions options;
  options.mode = policy::Mode::kNetwork;
  const auto r = RenderWith("pf", Data("ras"), options);
  const auto gre = Lines(r.text, "pass quick inet proto gre");
  ASSERT_FALSE(gre.empty());
  for (const auto& line : gre) {
    EXPECT_EQ(line.find(" port "), std::string::npos) << line;
  }
}

// --- aws-sg ---

// (destination endpoint, source endpoint, protocol number) -> ports (empty PortSet = all, portless)
using Allowed = std::map<std::tuple<int, int, int>, core::PortSet>;

core::PortSet PortsOf(int from, int to) {
  return from < 0 ? core::PortSet() : core::PortSet::Of({from, to});
}

void AddAllowed(Allowed& allowed, std::tuple<int, int, int> key, const core::PortSet& ports) {
  auto [it, inserted] = allowed.emplace(key, ports);
  if (!inserted) it->second = it->second.Union(ports);
}

// What the plan's policy allows, pair by pair (a host with itself left out: it never meets a group).
Allowed FromPolicy(const policy::Policy& policy) {
  Allowed allowed;
  for (const auto& rule : policy.rules) {
    const auto ports = catalog::ProtocolHasPorts(rule.protocol) ? rule.Ports() : core::PortSet();
    for (const int d : policy.Destinations(rule).endpoints) {
      for (const int s : policy.Sources(rule).endpoints) {
        if (s != d) AddAllowed(allowed, {d, s, catalog::ProtocolNumber(rule.protocol)}, ports);
      }
    }
  }
  return allowed;
}

int ProtocolNumber(const std::string& name) {
  if (name == "tcp") return 6;
  if (name == "udp") return 17;
  return std::stoi(name);
}

// What the groups allow once attached as Attach says.
Allowed FromGroups(const json& out, const inventory::Inventory& inventory) {
  std::map<std::string, std::vector<int>> carriers;  // group name -> instances
  std::map<std::string, int> index;
  for (int e = 0; e < static_cast<int>(inventory.endpoints.size()); ++e) index[inventory.endpoints[e].name] = e;
  for (const auto& [name, groups] : out["Attach"].items()) {
    for (const auto& group : groups) carriers[group.get<std::string>()].push_back(index.at(name));
  }
  Allowed allowed;
  for (const auto& group : out["SecurityGroups"]) {
    for (const auto& permission : group["IpPermissions"]) {
      const int protocol = ProtocolNumber(permission["IpProtocol"]);
      const auto ports = permission.contains("FromPort")
                             ? PortsOf(permission["FromPort"].get<int>(), permission["ToPort"].get<int>())
                             : core::PortSet();
      std::set<int> sources;
      for (const auto& pair : permission["UserIdGroupPairs"]) {
        for (const int s : carriers.at(pair["GroupName"].get<std::string>())) sources.insert(s);
      }
      for (const auto* key : {"IpRanges", "Ipv6Ranges"}) {
        for (const auto& range : permission[key]) {
          const auto cidr = *core::ParseNetwork(range.contains("CidrIp") ? range["CidrIp"].get<std::string>()
                                                                         : range["CidrIpv6"].get<std::string>());
          for (int e = 0; e < static_cast<int>(inventory.endpoints.size()); ++e) {
            for (const auto& network : inventory.endpoints[e].addresses) {
              if (network.family == cidr.family && cidr.Contains(network)) sources.insert(e);
            }
          }
        }
      }
      for (const int d : carriers.at(group["GroupName"].get<std::string>())) {
        for (const int s : sources) {
          if (s != d) AddAllowed(allowed, {d, s, protocol}, ports);
        }
      }
    }
  }
  return allowed;
}

TEST(AwsSecurityGroups, AttachedGroupsAllowExactlyThePlan) {
  for (const auto& file : {Example(), Data("ipv6"), Data("ras"), Data("netbios-rc")}) {
    const auto r = RenderWith("aws-sg", file, {});
    const auto out = json::parse(r.text);
    EXPECT_EQ(FromGroups(out, r.inventory), FromPolicy(r.policy)) << file;
  }
}

TEST(AwsSecurityGroups, RoleGroupsOnlyWhereTheWholeRoleNeedsTheRule) {
  const auto r = RenderWith("aws-sg", Example(), {});
  const auto out = json::parse(r.text);
  // DP01 alone of the distribution points serves hq-desktops over HTTP: its own group.
  bool found = false;
  for (const auto& group : out["SecurityGroups"]) {
    if (group["GroupName"] == "portolan-distribution-point") {
      EXPECT_TRUE(group["IpPermissions"].empty());
    }
    if (group["GroupName"] != "portolan-host-DP01") continue;
    found = true;
    ASSERT_EQ(group["IpPermissions"].size(), 1u);
    EXPECT_EQ(group["IpPermissions"][0]["IpRanges"][0]["CidrIp"], "10.1.0.0/16");
  }
  EXPECT_TRUE(found);
  // A group referenced as a source exists and is attached to all its members.
  EXPECT_EQ(out["Attach"]["SMS02"][0], "portolan-site-server");
  EXPECT_EQ(out["Attach"]["SMS03"][0], "portolan-site-server");
}

TEST(AwsSecurityGroups, ProtocolsPortsAndDescriptions) {
  const auto r = RenderWith("aws-sg", Data("ras"), {});
  const auto out = json::parse(r.text);
  const std::regex allowed(R"([a-zA-Z0-9 ._\-:/()#,@\[\]+=;{}!$*]*)");
  int gre = 0;
  for (const auto& group : out["SecurityGroups"]) {
    for (const auto& permission : group["IpPermissions"]) {
      const std::string protocol = permission["IpProtocol"];
      EXPECT_EQ(permission.contains("FromPort"), protocol == "tcp" || protocol == "udp") << permission.dump();
      if (protocol == "47") ++gre;
      for (const auto* key : {"IpRanges", "Ipv6Ranges", "UserIdGroupPairs"}) {
        for (const auto& peer : permission[key]) {
          const std::string description = peer["Description"];
          EXPECT_LE(description.size(), 255u);
          EXPECT_TRUE(std::regex_match(description, allowed)) << description;
          EXPECT_EQ(description.rfind('F', 0), 0u) << description;  // starts with the flow id
        }
      }
    }
  }
  EXPECT_GT(gre, 0);
}

TEST(AwsSecurityGroups, EgressAndNotes) {
  policy::PolicyOptions options;
  options.egress = true;
  const auto r = RenderWith("aws-sg", Example(), options);
  const auto out = json::parse(r.text);
  for (const auto& group : out["SecurityGroups"]) {
    EXPECT_TRUE(group.contains("IpPermissionsEgress"));
  }
  const auto notes = out["Notes"].dump();
  EXPECT_NE(notes.find("revoke it"), std::string::npos);
  EXPECT_NE(notes.find("no deny rules"), std::string::npos);
  EXPECT_NE(notes.find("GroupId"), std::string::npos);
}

TEST(AwsSecurityGroups, OneHostAndRefusals) {
  const auto r = RenderWith("aws-sg", Example(), {}, "DC01");
  const auto out = json::parse(r.text);
  EXPECT_EQ(out["Header"][2], "Host mode, host DC01: inbound traffic");
  EXPECT_TRUE(out["Attach"].contains("DC01"));

  auto inventory = testing::InventoryFromFile(Example());
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  policy::PolicyOptions network;
  network.mode = policy::Mode::kNetwork;
  auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, network);
  EXPECT_THROW(Render(*FindTarget("aws-sg"), policy, {}, true), RenderRefused);
}

TEST(AwsSecurityGroups, OmissionsAreWarnings) {
  auto inventory = testing::InventoryFromFile(Example());
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, {});
  policy.omissions.push_back("F99 something the platform cannot do");
  const auto out = json::parse(RenderAwsSecurityGroups(policy, {}).front().content);
  ASSERT_EQ(out["Warnings"].size(), 1u);
  EXPECT_EQ(out["Warnings"][0], "F99 something the platform cannot do");
}

}  // namespace
}  // namespace portolan::render
