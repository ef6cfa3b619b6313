// The Cisco targets: every ACE is one range of one rule of the plan in the ACL of the zone it
// enters from (no wider), every rule has its ACEs (no narrower), and the Cisco-specific rules hold.

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "plan/planner.hpp"
#include "render/cisco_common.hpp"
#include "render/platforms.hpp"
#include "render/render.hpp"
#include "support/test_support.hpp"

namespace portolan::render {
namespace {

struct Rendered {
  inventory::Inventory inventory;
  plan::Plan plan;
  policy::Policy policy;
  std::string text;
};

Rendered RenderNetwork(const std::string& target, const std::filesystem::path& file, bool default_deny = true) {
  Rendered r{testing::InventoryFromFile(file), {}, {}, {}};
  r.plan = plan::BuildPlan(testing::Sms2003(), r.inventory);
  policy::PolicyOptions options;
  options.mode = policy::Mode::kNetwork;
  options.default_deny = default_deny;
  r.policy = policy::BuildPolicy(testing::Sms2003(), r.inventory, r.plan, options);
  const auto files = Render(*FindTarget(target), r.policy, {}, false);
  EXPECT_EQ(files.size(), 1u);
  r.text = files.front().content;
  return r;
}

std::filesystem::path Example() {
  return testing::SourceDir() / "examples" / "sms2003-site.yaml";
}
std::filesystem::path Ipv6() {
  return testing::SourceDir() / "tests" / "data" / "inventories" / "ipv6.yaml";
}
std::filesystem::path Ras() {
  return testing::SourceDir() / "tests" / "data" / "inventories" / "ras.yaml";
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

// IOS: the lines of each ACL ("ip access-list extended X" / "ipv6 access-list X" up to the next "!").
std::map<std::string, std::vector<std::string>> IosAcls(const std::string& text) {
  std::map<std::string, std::vector<std::string>> acls;
  std::string current;
  for (const auto& line : Lines(text)) {
    const auto words = Words(line);
    if (line.rfind("ip access-list extended ", 0) == 0 || line.rfind("ipv6 access-list ", 0) == 0) {
      current = words.back();
      acls[current];
      continue;
    }
    if (line.rfind("!", 0) == 0 && line.rfind("! F", 0) != 0) current.clear();
    if (!current.empty() && line.rfind(" ", 0) == 0) acls[current].push_back(line.substr(1));
  }
  return acls;
}

// ASA: "access-list X ..." lines by ACL, without the "access-list X " prefix.
std::map<std::string, std::vector<std::string>> AsaAcls(const std::string& text) {
  std::map<std::string, std::vector<std::string>> acls;
  for (const auto& line : Lines(text)) {
    const auto words = Words(line);
    if (words.size() < 3 || words[0] != "access-list") continue;
    acls[words[1]].push_back(line.substr(std::string("access-list ").size() + words[1].size() + 1));
  }
  return acls;
}

std::string Ports(int first, int last) {
  return first == last ? fmt::format("eq {}", first) : fmt::format("range {} {}", first, last);
}

// The ACEs a rule must produce in a stateful ACL (ASA): one per port range, in the from zone.
std::multiset<std::string> ExpectedAsaAces(const policy::Policy& policy, const std::string& zone) {
  std::multiset<std::string> aces;
  for (const auto& rule : policy.rules) {
    if (rule.from_zone != zone) continue;
    const std::string head =
        fmt::format("extended permit {} object-group {} object-group {}",
                    cisco::ProtocolKeyword(cisco::Dialect::kAsa, rule.family, rule.protocol),
                    cisco::ObjectGroupName(policy, rule.sources), cisco::ObjectGroupName(policy, rule.destinations));
    const auto ports = rule.Ports();
    if (ports.Empty()) aces.insert(head);
    for (const auto& range : ports.Ranges()) aces.insert(head + " " + Ports(range.first, range.last));
  }
  return aces;
}

TEST(CiscoAsa, EveryAceIsExactlyOneRangeOfOneRuleOfItsZone) {
  for (const auto& file : {Example(), Ipv6(), Ras()}) {
    const auto r = RenderNetwork("cisco-asa", file);
    const auto acls = AsaAcls(r.text);
    ASSERT_EQ(acls.size(), r.policy.zones.size()) << file;
    for (const auto& zone : r.policy.zones) {
      const auto it = acls.find(cisco::AclName(zone));
      ASSERT_NE(it, acls.end()) << zone;
      std::multiset<std::string> permits;
      for (const auto& line : it->second) {
        if (line.rfind("extended permit ", 0) == 0) permits.insert(line);
      }
      EXPECT_EQ(permits, ExpectedAsaAces(r.policy, zone)) << file << " zone " << zone;
      ASSERT_FALSE(it->second.empty());
      EXPECT_EQ(it->second.back(), "extended deny ip any any");
    }
  }
}

TEST(CiscoAsa, EveryPermitFollowsARemarkNamingItsFlowAndEntries) {
  const auto r = RenderNetwork("cisco-asa", Example());
  for (const auto& [acl, lines] : AsaAcls(r.text)) {
    std::string remark;
    for (const auto& line : lines) {
      if (line.rfind("remark ", 0) == 0) {
        remark = line.substr(7);
        EXPECT_LE(remark.size(), cisco::kRemarkMax) << line;
      } else if (line.rfind("extended permit ", 0) == 0) {
        ASSERT_FALSE(remark.empty()) << acl << ": " << line;
        EXPECT_EQ(remark[0], 'F') << remark;
      }
    }
  }
  // F03 (SMB from the site server to its child) with its entry id, in AAA's ACL.
  EXPECT_NE(r.text.find("access-list PORTOLAN-FROM-AAA remark F03 site-to-child-smb\n"
                        "access-list PORTOLAN-FROM-AAA extended permit tcp object-group PORTOLAN-SMS01 "
                        "object-group PORTOLAN-SMS02 eq 445\n"),
            std::string::npos);
}

TEST(CiscoAsa, StatefulSoNoReturnRulesAndAhKeyword) {
  const auto r = RenderNetwork("cisco-asa", Ras());
  EXPECT_EQ(r.text.find("established"), std::string::npos);
  EXPECT_EQ(r.text.find("remark return"), std::string::npos);
  EXPECT_NE(r.text.find("extended permit gre object-group PORTOLAN-SHPSMS object-group PORTOLAN-TOPRAS\n"),
            std::string::npos);
  EXPECT_NE(r.text.find("inspect pptp"), std::string::npos);
  EXPECT_EQ(cisco::ProtocolKeyword(cisco::Dialect::kAsa, core::Family::kIPv4, catalog::Protocol::kAh), "ah");
}

TEST(CiscoAsa, Ipv6GroupsUsePrefixesInOneUnifiedAcl) {
  const auto r = RenderNetwork("cisco-asa", Ipv6());
  EXPECT_NE(r.text.find(" network-object 2001:db8:91::/64\n"), std::string::npos);
  EXPECT_NE(r.text.find(" network-object host 2001:db8:90::10\n"), std::string::npos);
  EXPECT_NE(r.text.find(" network-object 10.91.0.0 255.255.255.0\n"), std::string::npos);
  EXPECT_EQ(r.text.find("ipv6 access-list"), std::string::npos);
}

TEST(CiscoIos, ForwardAceInSourceZoneAndEstablishedReturnInDestinationZone) {
  const auto r = RenderNetwork("cisco-ios", Example());
  const auto acls = IosAcls(r.text);
  const auto has = [&](const std::string& acl, const std::string& line) {
    const auto& lines = acls.at(acl);
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  };
  const std::string forward = "permit tcp object-group PORTOLAN-SMS01 object-group PORTOLAN-SMS02 eq 445";
  const std::string back = "permit tcp object-group PORTOLAN-SMS02 eq 445 object-group PORTOLAN-SMS01 established";
  EXPECT_TRUE(has("PORTOLAN-FROM-AAA", forward));
  EXPECT_TRUE(has("PORTOLAN-FROM-BBB", back));
  EXPECT_FALSE(has("PORTOLAN-FROM-BBB", forward));
  EXPECT_FALSE(has("PORTOLAN-FROM-AAA", back));
  // UDP answers are matched by the source port, without a TCP flag.
  EXPECT_TRUE(has("PORTOLAN-FROM-AAA", "permit udp object-group PORTOLAN-DC01 eq 53 object-group PORTOLAN-group01"));
  EXPECT_NE(r.text.find("STATELESS"), std::string::npos);
}

TEST(CiscoIos, EveryRuleHasItsForwardAndReturnAcesAndNothingElseIsPermitted) {
  for (const auto& file : {Example(), Ras()}) {
    const auto r = RenderNetwork("cisco-ios", file);
    const auto acls = IosAcls(r.text);
    // Each ACE once per ACL: a return ACE that is a forward ACE too (GRE both ways) is written once.
    std::map<std::string, std::set<std::string>> expected;
    for (const auto& rule : r.policy.rules) {
      const std::string protocol = cisco::ProtocolKeyword(cisco::Dialect::kIos, rule.family, rule.protocol);
      const std::string src = "object-group " + cisco::ObjectGroupName(r.policy, rule.sources);
      const std::string dst = "object-group " + cisco::ObjectGroupName(r.policy, rule.destinations);
      const std::string flags = rule.protocol == catalog::Protocol::kTcp ? " established" : "";
      auto& out = expected[cisco::AclName(rule.from_zone)];
      auto& in = expected[cisco::AclName(rule.to_zone)];
      const auto rule_ports = rule.Ports();
      if (rule_ports.Empty()) {
        out.insert(fmt::format("permit {} {} {}", protocol, src, dst));
        in.insert(fmt::format("permit {} {} {}", protocol, dst, src));
      }
      for (const auto& range : rule_ports.Ranges()) {
        const auto ports = Ports(range.first, range.last);
        out.insert(fmt::format("permit {} {} {} {}", protocol, src, dst, ports));
        in.insert(fmt::format("permit {} {} {} {}{}", protocol, dst, ports, src, flags));
      }
    }
    ASSERT_EQ(acls.size(), expected.size()) << file;
    for (const auto& [acl, lines] : acls) {
      std::multiset<std::string> permits;
      for (const auto& line : lines) {
        if (line.rfind("permit ", 0) == 0) permits.insert(line);
      }
      EXPECT_EQ(permits, std::multiset<std::string>(expected[acl].begin(), expected[acl].end())) << file << " " << acl;
      EXPECT_EQ(lines.back(), "deny ip any any") << acl;
    }
  }
}

// PPTP needs GRE both ways: in the ACL of zone BBB the return ACE of F23 (SMS03 -> SMS02) is the
// forward ACE of F22 (SMS02 -> SMS03). It is written once, and F23's return says which ACE already
// permits it.
TEST(CiscoIos, GreInBothDirectionsIsOneAceWithANoteNotTwo) {
  const auto r = RenderNetwork("cisco-ios", Example());
  for (const auto& [acl, lines] : IosAcls(r.text)) {
    std::set<std::string> seen;
    for (const auto& line : lines) {
      if (line.rfind("permit ", 0) != 0) continue;
      EXPECT_TRUE(seen.insert(line).second) << acl << ": twice: " << line;
    }
  }
  const auto acls = IosAcls(r.text);
  const auto& from_bbb = acls.at("PORTOLAN-FROM-BBB");
  EXPECT_EQ(std::count(from_bbb.begin(), from_bbb.end(),
                       "permit gre object-group PORTOLAN-SMS02 object-group PORTOLAN-SMS03"),
            1);
  EXPECT_NE(r.text.find("(its return traffic): already permitted by F22 ras-gre-to-child above"), std::string::npos);
}

TEST(CiscoIos, Ipv6AclsListAddressesAndKeepNeighborDiscoveryBeforeTheDeny) {
  const auto r = RenderNetwork("cisco-ios", Ipv6());
  const auto acls = IosAcls(r.text);
  const auto& lan = acls.at("PORTOLAN-FROM-lan-V6");
  ASSERT_GE(lan.size(), 4u);
  EXPECT_EQ(lan[lan.size() - 4], "permit icmp any any nd-na");
  EXPECT_EQ(lan[lan.size() - 3], "permit icmp any any nd-ns");
  EXPECT_EQ(lan.back(), "deny ipv6 any any");
  for (const auto& line : lan) EXPECT_EQ(line.find("object-group"), std::string::npos) << line;
  EXPECT_NE(std::find(lan.begin(), lan.end(), "permit tcp 2001:db8:91::/64 host 2001:db8:90::10 eq 389"), lan.end());
  const auto& v6a = acls.at("PORTOLAN-FROM-V6A-V6");
  EXPECT_NE(std::find(v6a.begin(), v6a.end(), "permit tcp host 2001:db8:90::10 eq 389 2001:db8:91::/64 established"),
            v6a.end());
  EXPECT_NE(r.text.find("!  ipv6 traffic-filter PORTOLAN-FROM-lan-V6 in\n"), std::string::npos);
  // IOS IPv6 ACLs have no "gre" keyword, and AH is "ahp" in both families.
  EXPECT_EQ(cisco::ProtocolKeyword(cisco::Dialect::kIos, core::Family::kIPv6, catalog::Protocol::kGre), "47");
  EXPECT_EQ(cisco::ProtocolKeyword(cisco::Dialect::kIos, core::Family::kIPv4, catalog::Protocol::kGre), "gre");
  EXPECT_EQ(cisco::ProtocolKeyword(cisco::Dialect::kIos, core::Family::kIPv6, catalog::Protocol::kAh), "ahp");
}

TEST(Cisco, NoDefaultDenyLeavesOutTheDenyAndSaysToMerge) {
  for (const std::string target : {"cisco-ios", "cisco-asa"}) {
    const auto r = RenderNetwork(target, Ipv6(), false);
    EXPECT_EQ(r.text.find("deny ip"), std::string::npos) << target;
    EXPECT_EQ(r.text.find("deny ipv6"), std::string::npos) << target;
    EXPECT_EQ(r.text.find("nd-na"), std::string::npos) << target;
    EXPECT_NE(r.text.find("implicit deny"), std::string::npos) << target;
  }
}

TEST(Cisco, HostModeIsRefused) {
  const auto inventory = testing::InventoryFromFile(Example());
  const auto plan = plan::BuildPlan(testing::Sms2003(), inventory);
  for (const std::string target : {"cisco-ios", "cisco-asa"}) {
    policy::PolicyOptions options;
    options.mode = policy::Mode::kHost;
    options.host = 0;
    auto policy = policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
    EXPECT_THROW(Render(*FindTarget(target), policy, {}, true), RenderRefused) << target;
  }
}

TEST(Cisco, LongCommentsAreSplitIntoPartsThatKeepEveryPort) {
  const auto r = RenderNetwork("cisco-asa", Example());
  for (const auto& rule : r.policy.rules) {
    // A long prefix leaves little room: the rule must split, never lose a port or pass the limit.
    const std::string prefix(70, 'x');
    const auto parts = cisco::RemarkedParts(r.policy, rule, prefix);
    core::PortSet ports;
    for (const auto& part : parts) {
      EXPECT_LE(part.remark.size(), cisco::kRemarkMax) << part.remark;
      EXPECT_EQ(part.remark.rfind(prefix + rule.flow_id, 0), 0u) << part.remark;
      ports = ports.Union(part.rule.Ports());
    }
    EXPECT_EQ(ports, rule.Ports()) << rule.name;
  }
}

TEST(Cisco, DescriptionsAndNamesFitTheirLimits) {
  EXPECT_EQ(cisco::FitMembers("SMS01, SMS02", 200), "SMS01, SMS02");
  EXPECT_EQ(cisco::FitMembers("AAAA, BBBB, CCCC, DDDD", 16), "AAAA +3 more");
  EXPECT_LE(cisco::FitMembers("AAAA, BBBB, CCCC, DDDD", 16).size(), 16u);
  EXPECT_EQ(cisco::PortOperators(core::PortSet()), std::vector<std::string>{""});
  auto ports = core::PortSet::Single(445).Union(core::PortSet::Of({1025, 5000}));
  EXPECT_EQ(cisco::PortOperators(ports), (std::vector<std::string>{"eq 445", "range 1025 5000"}));

  policy::Policy policy;
  policy::AddressGroup group;
  group.name = std::string(80, 'g');
  policy.groups.push_back(group);
  const auto name = cisco::ObjectGroupName(policy, 0);
  EXPECT_LE(name.size(), cisco::kObjectNameMax);
  EXPECT_EQ(name, "PORTOLAN-GROUP1");
}

}  // namespace
}  // namespace portolan::render
