// The squid target on hand-built proxy policies: a small evaluator of the fragment's acl and
// http_access lines (first match wins, ACLs on a line ANDed) must allow exactly the policy's
// requests; names, order, comments and refusals on top.

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "render/platforms.hpp"
#include "render/render.hpp"
#include "render/target.hpp"
#include "support/test_support.hpp"

namespace portolan::render {
namespace {

const inventory::Inventory& ProxiedSite() {
  static const auto inventory =
      testing::InventoryFromFile(testing::SourceDir() / "examples" / "sms2003-proxied-site.yaml");
  return inventory;
}

int EndpointIndex(const inventory::Inventory& inventory, std::string_view name) {
  const auto* endpoint = inventory.FindEndpoint(name);
  EXPECT_NE(endpoint, nullptr) << name;
  return static_cast<int>(endpoint - inventory.endpoints.data());
}

int EntryIndex(std::string_view id) {
  const auto& entries = testing::Sms2003().entries;
  for (std::size_t e = 0; e < entries.size(); ++e) {
    if (entries[e].id == id) return static_cast<int>(e);
  }
  ADD_FAILURE() << "no catalog entry " << id;
  return 0;
}

policy::AddressGroup Group(const std::string& name, const std::vector<std::string>& networks, int endpoint) {
  policy::AddressGroup group;
  group.name = name;
  group.endpoints = {endpoint};
  group.members = name;
  for (const auto& text : networks) group.networks.push_back(*core::ParseNetwork(text));
  group.family = group.networks.front().family;
  return group;
}

policy::Rule ProxyRule(const std::string& id, int sources, int destinations, core::PortSet ports,
                       std::vector<int> entries, std::vector<std::string> methods) {
  policy::Rule rule;
  rule.name = id;
  rule.flow_id = id;
  rule.direction = policy::Direction::kForward;
  rule.sources = sources;
  rule.destinations = destinations;
  rule.items = {{std::move(ports), std::move(entries), policy::PortKeyword::kNone}};
  rule.methods = std::move(methods);
  return rule;
}

// PROXY01 of the example: hq-desktops to the MP SMS01 and to the BITS DP DP01, on port 80.
policy::Policy ExamplePolicy() {
  const auto& inventory = ProxiedSite();
  policy::Policy policy;
  policy.options.mode = policy::Mode::kProxy;
  policy.options.proxy = EndpointIndex(inventory, "PROXY01");
  policy.catalog = &testing::Sms2003();
  policy.inventory = &inventory;
  policy.groups = {Group("hq-desktops", {"10.1.0.0/16"}, EndpointIndex(inventory, "hq-desktops")),
                   Group("SMS01", {"10.0.0.1/32"}, EndpointIndex(inventory, "SMS01")),
                   Group("DP01", {"10.0.0.6/32"}, EndpointIndex(inventory, "DP01"))};
  policy.rules = {
      ProxyRule("P01", 0, 1, core::PortSet::Single(80), {EntryIndex("client-mp-http")},
                {"GET", "HEAD", "CCM_POST", "BITS_POST", "PROPFIND"}),
      ProxyRule("P02", 0, 2, core::PortSet::Single(80), {EntryIndex("client-dp-http")}, {"GET", "HEAD", "PROPFIND"})};
  return policy;
}

plan::Plan ExamplePlan() {
  plan::Plan plan;
  for (const auto& [id, flows] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"P01", {"F20", "F21"}}, {"P02", {"F20", "F22"}}}) {
    plan::ProxyRequest request;
    request.id = id;
    request.flows = flows;
    plan.proxy_requests.push_back(request);
  }
  return plan;
}

std::string RenderText(const policy::Policy& policy, const plan::Plan* plan = nullptr) {
  RenderOptions options;
  options.plan = plan;
  auto files = RenderSquid(policy, options);
  EXPECT_EQ(files.size(), 1U);
  EXPECT_EQ(files.front().suffix, ".squid.conf");
  return files.front().content;
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

// What Squid does with the fragment, for the acl types it writes, after a wrapper that has
// no http_access of its own.
struct Request {
  core::Network client;
  core::Network server;
  int port = 80;
  std::string method = "GET";
};

class Evaluator {
 public:
  explicit Evaluator(const std::string& text) {
    for (const auto& line : Lines(text)) {
      if (line.empty() || line.starts_with('#')) continue;
      const auto words = Words(line);
      if (words.front() == "acl") {
        EXPECT_GE(words.size(), 4U) << line;
        EXPECT_FALSE(acls_.contains(Key(words[1])) && acls_[Key(words[1])].type != words[2]) << line;
        auto& acl = acls_[Key(words[1])];
        acl.type = words[2];
        acl.values.insert(acl.values.end(), words.begin() + 3, words.end());
      } else if (words.front() == "http_access") {
        for (std::size_t i = 2; i < words.size(); ++i) {
          const auto name = words[i].starts_with('!') ? words[i].substr(1) : words[i];
          EXPECT_TRUE(Predefined(name) || acls_.contains(Key(name))) << "undefined ACL in: " << line;
        }
        access_.push_back(words);
      } else {
        ADD_FAILURE() << "a directive the fragment should not have: " << line;
      }
    }
  }

  // Squid: the first line whose ACLs all match decides; none matching, the opposite of the last.
  bool Allows(const Request& request) const {
    for (const auto& words : access_) {
      bool match = true;
      for (std::size_t i = 2; i < words.size() && match; ++i) {
        const bool negated = words[i].starts_with('!');
        match = Matches(negated ? words[i].substr(1) : words[i], request) != negated;
      }
      if (match) return words[1] == "allow";
    }
    return !access_.empty() && access_.back()[1] == "deny";
  }

  const std::vector<std::vector<std::string>>& access() const { return access_; }

 private:
  struct Acl {
    std::string type;
    std::vector<std::string> values;
  };

  static std::string Key(const std::string& name) {
    std::string key = name;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    return key;
  }
  static bool Predefined(const std::string& name) { return name == "all" || name == "CONNECT"; }

  bool Matches(const std::string& name, const Request& request) const {
    if (name == "all") return true;
    if (name == "CONNECT") return request.method == "CONNECT";
    const auto& acl = acls_.at(Key(name));
    for (const auto& value : acl.values) {
      if (acl.type == "src" || acl.type == "dst") {
        const auto network = core::ParseNetwork(value);
        EXPECT_TRUE(network.has_value()) << value;
        if (network && network->Contains(acl.type == "src" ? request.client : request.server)) return true;
      } else if (acl.type == "port") {
        const auto dash = value.find('-');
        const int first = std::stoi(value.substr(0, dash));
        const int last = dash == std::string::npos ? first : std::stoi(value.substr(dash + 1));
        if (request.port >= first && request.port <= last) return true;
      } else if (acl.type == "method") {
        if (value == request.method) return true;
      } else {
        ADD_FAILURE() << "unexpected acl type " << acl.type;
      }
    }
    return false;
  }

  std::map<std::string, Acl> acls_;
  std::vector<std::vector<std::string>> access_;
};

// What the policy allows, rule by rule.
bool PolicyAllows(const policy::Policy& policy, const Request& request) {
  for (const auto& rule : policy.rules) {
    const auto inside = [](const policy::AddressGroup& group, const core::Network& address) {
      return std::any_of(group.networks.begin(), group.networks.end(),
                         [&](const core::Network& network) { return network.Contains(address); });
    };
    if (inside(policy.Sources(rule), request.client) && inside(policy.Destinations(rule), request.server) &&
        rule.Ports().Contains(request.port) &&
        std::find(rule.methods.begin(), rule.methods.end(), request.method) != rule.methods.end()) {
      return true;
    }
  }
  return false;
}

core::Network Address(const char* text) {
  return *core::ParseNetwork(text);
}

TEST(SquidRender, AllowsExactlyThePolicy) {
  const auto policy = ExamplePolicy();
  const Evaluator squid(RenderText(policy));
  int allowed = 0;
  for (const char* client : {"10.1.2.3", "10.1.255.254", "10.2.16.5", "10.0.0.20"}) {
    for (const char* server : {"10.0.0.1", "10.0.0.6", "10.0.0.5", "10.2.0.1"}) {
      for (const int port : {80, 8080, 443, 3128}) {
        for (const char* method : {"GET", "HEAD", "CCM_POST", "BITS_POST", "PROPFIND", "POST", "DELETE", "CONNECT"}) {
          const Request request{Address(client), Address(server), port, method};
          const bool expected = PolicyAllows(policy, request);
          EXPECT_EQ(squid.Allows(request), expected) << client << " -> " << server << ":" << port << " " << method;
          allowed += expected ? 1 : 0;
        }
      }
    }
  }
  EXPECT_EQ(allowed, 2 * (5 + 3));  // two clients in hq-desktops, MP and DP methods
}

TEST(SquidRender, FirstMatchOrderAndEveryDirectiveCommented) {
  const auto text = RenderText(ExamplePolicy(), nullptr);
  const Evaluator squid(text);
  const auto& access = squid.access();
  ASSERT_EQ(access.size(), 5U);
  EXPECT_EQ(access[0], (std::vector<std::string>{"http_access", "deny", "CONNECT"}));
  EXPECT_EQ(access[1], (std::vector<std::string>{"http_access", "deny", "!portolan_port_80"}));
  EXPECT_EQ(access[2][1], "allow");
  EXPECT_EQ(access[3][1], "allow");
  EXPECT_EQ(access[4], (std::vector<std::string>{"http_access", "deny", "all"}));
  const auto lines = Lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty() || lines[i].starts_with('#')) continue;
    ASSERT_GT(i, 0U);
    EXPECT_TRUE(lines[i - 1].starts_with("# ")) << "no comment above: " << lines[i];
  }
}

TEST(SquidRender, CommentsNameRequestFlowsAndEntries) {
  const auto policy = ExamplePolicy();
  const auto plan = ExamplePlan();
  const auto text = RenderText(policy, &plan);
  EXPECT_NE(text.find("# P01 client-mp-http: hq-desktops -> SMS01 tcp 80, GET HEAD CCM_POST BITS_POST PROPFIND; "
                      "firewall flows F20 F21\nhttp_access allow portolan_from_hq-desktops portolan_to_SMS01 "
                      "portolan_port_80 portolan_P01_methods\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("firewall flows F20 F22\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Proxy mode, PROXY01 (10.0.0.8, clients send to port 3128, auth none)"), std::string::npos);
  EXPECT_NE(text.find("written by portolan render --target squid"), std::string::npos);
  // Without the plan, no flow ids: nothing else changes.
  const auto without = RenderText(policy);
  EXPECT_EQ(without.find("; firewall flows"), std::string::npos);
}

TEST(SquidRender, AclNamesAreValidUniqueAndNeverPredefined) {
  auto policy = ExamplePolicy();
  policy.groups[1].name = std::string(70, 'x');  // longer than Squid's 63 characters
  policy.groups[2].name = "Hq-Desktops";         // Squid compares ACL names without case
  policy.groups[0].name = "hq-desktops";
  policy.rules.push_back(policy.rules[1]);
  policy.rules.back().name = "P03";
  policy.rules.back().flow_id = "P03";
  policy.rules.back().sources = 2;  // a group on both sides: one src and one dst ACL
  policy.rules.back().destinations = 0;
  policy.rules.back().items[0].ports = core::PortSet::Single(81);
  const auto text = RenderText(policy);
  std::set<std::string> names;
  for (const auto& line : Lines(text)) {
    const auto words = Words(line);
    if (words.empty() || words[0] != "acl") continue;
    const auto& name = words[1];
    EXPECT_LE(name.size(), 63U) << name;
    EXPECT_TRUE(name.starts_with("portolan_")) << name;
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    EXPECT_TRUE(names.insert(lower).second) << "defined twice: " << name;
  }
  EXPECT_TRUE(names.contains("portolan_to_group1")) << text;
  EXPECT_TRUE(names.contains("portolan_port_81")) << text;
  EXPECT_TRUE(names.contains("portolan_ports")) << text;  // 80 and 81: the union has an ACL of its own
  const Evaluator squid(text);
  EXPECT_TRUE(squid.Allows({Address("10.0.0.6"), Address("10.1.0.1"), 81, "GET"}));
  EXPECT_FALSE(squid.Allows({Address("10.0.0.6"), Address("10.1.0.1"), 80, "GET"}));
  EXPECT_FALSE(squid.Allows({Address("10.0.0.6"), Address("10.1.0.1"), 82, "GET"}));
}

TEST(SquidRender, ANameCannotBreakOutOfItsComment) {
  auto policy = ExamplePolicy();
  policy.groups[0].members = "desktops\nhttp_access allow all\r";
  const Evaluator squid(RenderText(policy));
  EXPECT_EQ(squid.access().size(), 5U);
  EXPECT_FALSE(squid.Allows({Address("10.9.9.9"), Address("10.0.0.1"), 80, "GET"}));
}

TEST(SquidRender, WithoutDefaultDenyOnlyTheAllows) {
  auto policy = ExamplePolicy();
  policy.options.default_deny = false;
  const auto text = RenderText(policy);
  const Evaluator squid(text);
  ASSERT_EQ(squid.access().size(), 2U);
  for (const auto& words : squid.access()) EXPECT_EQ(words[1], "allow");
  EXPECT_NE(text.find("No default deny (--no-default-deny)"), std::string::npos);
}

TEST(SquidRender, NoRequestsDeniesEverything) {
  auto policy = ExamplePolicy();
  policy.rules.clear();
  const auto text = RenderText(policy);
  const Evaluator squid(text);
  ASSERT_EQ(squid.access().size(), 2U);
  EXPECT_EQ(squid.access().back(), (std::vector<std::string>{"http_access", "deny", "all"}));
  EXPECT_EQ(text.find("\nacl "), std::string::npos);
}

TEST(SquidRender, AuthenticationIsATemplateAndBypassIsNamed) {
  const auto inventory = testing::InventoryFromText(R"(catalog: sms2003
domain: { name: corp.example, rpc_dynamic_ports: 1025-5000 }
sites:
  - code: AAA
    hosts:
      - { name: SMS01, address: 10.0.0.1, roles: [site-server, site-database, management-point] }
      - name: PROXY01
        address: 10.0.0.8
        roles: [http-proxy]
        http_proxy: { port: 8080, auth: ntlm, bypass: [SMS01, 10.9.0.0/16] }
    clients:
      - { name: desktops, network: 10.1.0.0/16, proxy: PROXY01 }
)");
  auto policy = ExamplePolicy();
  policy.inventory = &inventory;
  policy.options.proxy = EndpointIndex(inventory, "PROXY01");
  const auto text = RenderText(policy);
  EXPECT_NE(text.find("auth ntlm"), std::string::npos) << text;
  EXPECT_NE(text.find("# acl portolan_authenticated proxy_auth REQUIRED\n# http_access deny !portolan_authenticated\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("(bypass list): SMS01, 10.9.0.0/16"), std::string::npos) << text;
  EXPECT_NE(text.find("clients send to port 8080"), std::string::npos) << text;
}

TEST(SquidRender, RefusesFirewallModesAndFirewallsRefuseProxyMode) {
  const auto* squid = FindTarget("squid");
  ASSERT_NE(squid, nullptr);
  EXPECT_EQ(squid->default_mode, policy::Mode::kProxy);
  for (const auto mode : {policy::Mode::kHost, policy::Mode::kNetwork}) {
    policy::Policy policy;
    policy.options.mode = mode;
    try {
      CheckCapabilities(*squid, policy, true);
      ADD_FAILURE() << "squid rendered " << policy::ModeName(mode) << " mode";
    } catch (const RenderRefused& refused) {
      EXPECT_NE(std::string(refused.what()).find("--mode proxy"), std::string::npos) << refused.what();
    }
  }
  for (const auto& target : Targets()) {
    if (target.id == "squid") continue;
    auto policy = ExamplePolicy();
    try {
      CheckCapabilities(target, policy, true);
      ADD_FAILURE() << target.id << " rendered proxy mode";
    } catch (const RenderRefused& refused) {
      ASSERT_EQ(refused.problems().size(), 1U);
      EXPECT_EQ(refused.problems().front().what, "proxy mode");
      EXPECT_NE(refused.problems().front().why.find("--target squid"), std::string::npos);
    }
  }
  auto policy = ExamplePolicy();
  EXPECT_NO_THROW(CheckCapabilities(*squid, policy, false));
}

TEST(SquidRender, ARequestWithoutMethodsIsRefused) {
  auto refused = ExamplePolicy();
  refused.rules[1].methods.clear();
  EXPECT_THROW(CheckCapabilities(*FindTarget("squid"), refused, false), RenderRefused);
  auto policy = ExamplePolicy();
  policy.rules[1].methods.clear();
  CheckCapabilities(*FindTarget("squid"), policy, true);
  ASSERT_EQ(policy.rules.size(), 1U);
  ASSERT_EQ(policy.omissions.size(), 1U);
  EXPECT_NE(policy.omissions.front().find("no HTTP method"), std::string::npos);
}

}  // namespace
}  // namespace portolan::render
