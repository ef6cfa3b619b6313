// The audit's two engines agree: wherever the cube engine (AuditTuning::Engine::kCubes) takes a
// ruleset, its report is byte for byte the BDD engine's, the reference. Checked on every ruleset
// the tests hold, on every rendered policy a reader reads back, and on random iptables-save
// rulesets; a random ruleset on which they differ is shrunk to the fewest rules that still differ.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "audit/cube_analysis.hpp"
#include "audit/formats/formats.hpp"
#include "audit/round_trip_support.hpp"
#include "core/atomic_file.hpp"
#include "plan/planner.hpp"
#include "render/render.hpp"
#include "report/audit_report.hpp"
#include "support/test_support.hpp"

namespace portolan::audit {
namespace {

// ---- comparing the engines ----

// kOverBudget: the cube engine gave up past its budget (AuditTuning::cube_budget), where the
// BDDs are the faster engine; kDeclined: it does not take the ruleset at all.
enum class Agreement { kSame, kDeclined, kOverBudget, kDifferent };

struct Comparison {
  Agreement agreement = Agreement::kSame;
  std::string difference;  // the first lines where the JSON reports differ
};

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The first differing line of the two reports and the two after it, side by side.
std::string FirstDifference(const std::string& bdd, const std::string& cubes) {
  const auto a = SplitLines(bdd);
  const auto b = SplitLines(cubes);
  std::size_t first = 0;
  while (first < a.size() && first < b.size() && a[first] == b[first]) ++first;
  constexpr std::size_t kShown = 3;
  std::string text;
  for (std::size_t i = first; i < first + kShown && (i < a.size() || i < b.size()); ++i) {
    text += fmt::format("  JSON line {}\n    bdd:   {}\n    cubes: {}\n", i + 1, i < a.size() ? a[i] : "(end)",
                        i < b.size() ? b[i] : "(end)");
  }
  return text;
}

// What the reports the engines agreed on contained, so that a test can tell it compared reports
// with every kind of finding, not empty ones.
struct Findings {
  std::map<FlowStatus, int> flows;
  int excess = 0;
  int uncertain_excess = 0;
  int shadowed = 0;
  int unused = 0;

  void Add(const AuditResult& result) {
    for (const auto& flow : result.flows) ++flows[flow.status];
    for (const auto& box : result.excess) ++(box.uncertain ? uncertain_excess : excess);
    shadowed += static_cast<int>(result.shadowed.size());
    unused += static_cast<int>(result.unused.size());
  }
  void ExpectEveryKind(std::string_view what) const {
    for (const auto status : {FlowStatus::kAllowed, FlowStatus::kBlocked, FlowStatus::kPartial, FlowStatus::kUncertain})
      EXPECT_GT(flows.count(status) ? flows.at(status) : 0, 0) << what << ": no flow " << FlowStatusName(status);
    EXPECT_GT(excess, 0) << what;
    EXPECT_GT(uncertain_excess, 0) << what;
    EXPECT_GT(shadowed, 0) << what;
    EXPECT_GT(unused, 0) << what;
  }
};

Comparison CompareEngines(const std::vector<Ruleset>& rulesets, const policy::Policy& policy,
                          Findings* findings = nullptr) {
  AuditTuning tuning;
  tuning.engine = AuditTuning::Engine::kCubes;
  std::string cubes;
  try {
    cubes = report::RenderAuditReport(RunAudit(rulesets, policy, tuning), core::Format::kJson);
  } catch (const CubesDoNotFit& error) {
    const bool budget = std::string_view(error.what()).starts_with("over its budget");
    return {budget ? Agreement::kOverBudget : Agreement::kDeclined, error.what()};
  }
  tuning.engine = AuditTuning::Engine::kBdd;
  const auto reference = RunAudit(rulesets, policy, tuning);
  const auto bdd = report::RenderAuditReport(reference, core::Format::kJson);
  if (bdd == cubes) {
    if (findings != nullptr) findings->Add(reference);
    return {};
  }
  return {Agreement::kDifferent, FirstDifference(bdd, cubes)};
}

// How many audits the cube engine took (and agreed or not) and how many it declined.
struct Tally {
  int same = 0;
  int different = 0;
  int declined = 0;
  int over_budget = 0;  // counted in declined too

  void Count(Agreement agreement) {
    if (agreement == Agreement::kSame) ++same;
    if (agreement == Agreement::kDifferent) ++different;
    if (agreement == Agreement::kDeclined || agreement == Agreement::kOverBudget) ++declined;
    if (agreement == Agreement::kOverBudget) ++over_budget;
  }
  int Handled() const { return same + different; }
  int Total() const { return Handled() + declined; }
  std::string ToString(std::string_view what) const {
    return fmt::format(
        "{}: the cube engine took {} of {} audits ({} the same as the BDDs, {} different), declined {} ({} over its "
        "budget)",
        what, Handled(), Total(), same, different, declined, over_budget);
  }
  // Printed with the test's output, and kept in the XML report.
  void Report(std::string_view what, std::string_view key) const {
    fmt::print(stderr, "{}\n", ToString(what));
    ::testing::Test::RecordProperty(fmt::format("{}_handled", key), Handled());
    ::testing::Test::RecordProperty(fmt::format("{}_declined", key), declined);
  }
};

// The policy options the audit tests use for an inventory: network mode (all zones, the first two
// zones, the edge of the first zone) and host mode for every endpoint, inbound and with egress.
struct LabelledOptions {
  std::string label;
  policy::PolicyOptions options;
};

std::vector<LabelledOptions> NetworkOptions(const inventory::Inventory& inventory) {
  std::vector<LabelledOptions> all;
  policy::PolicyOptions network;
  network.mode = policy::Mode::kNetwork;
  all.push_back({"network", network});
  const auto zones = inventory.Zones();
  if (zones.size() >= 2) {
    auto between = network;
    between.zones = {zones[0], zones[1]};
    all.push_back({fmt::format("network --zones {},{}", zones[0], zones[1]), between});
    auto edge = network;
    edge.edge = zones[0];
    all.push_back({fmt::format("network --edge {}", zones[0]), edge});
  }
  return all;
}

LabelledOptions HostOptions(const inventory::Inventory& inventory, std::size_t endpoint, bool egress) {
  policy::PolicyOptions host;
  host.mode = policy::Mode::kHost;
  host.host = static_cast<int>(endpoint);
  host.egress = egress;
  return {fmt::format("host {}{}", inventory.endpoints[endpoint].name, egress ? " --egress" : ""), host};
}

std::vector<LabelledOptions> EveryMode(const inventory::Inventory& inventory) {
  auto all = NetworkOptions(inventory);
  for (std::size_t i = 0; i < inventory.endpoints.size(); ++i)
    for (const bool egress : {false, true}) all.push_back(HostOptions(inventory, i, egress));
  return all;
}

// An inventory with its plan, loaded once.
struct Site {
  std::string name;
  inventory::Inventory inventory;
  plan::Plan plan;

  explicit Site(const std::filesystem::path& file)
      : name(file.filename().string()),
        inventory(testing::InventoryFromFile(file)),
        plan(plan::BuildPlan(testing::Sms2003(), inventory)) {}
  Site(std::string label, const std::string& yaml)
      : name(std::move(label)),
        inventory(testing::InventoryFromText(yaml, name)),
        plan(plan::BuildPlan(testing::Sms2003(), inventory)) {}

  policy::Policy Policy(const policy::PolicyOptions& options) const {
    return policy::BuildPolicy(testing::Sms2003(), inventory, plan, options);
  }
};

// ---- every ruleset the tests hold ----

// A ruleset file of the tests, read as the audit reads it (--host in host mode, for AWS's Attach).
struct FixedInput {
  std::string file;  // relative to the source tree, or a name for text given inline
  std::string text;
  std::string format;  // the reader's id, for the floors below
  const formats::Ipsets* ipsets = nullptr;
};

std::vector<Ruleset> ReadFixed(const FixedInput& input, const Site& site, const policy::PolicyOptions& options) {
  formats::ReadOptions read;
  read.inventory = &site.inventory;
  read.ipsets = input.ipsets;
  if (options.host) read.host = site.inventory.endpoints[*options.host].name;
  std::vector<Ruleset> rulesets;
  rulesets.push_back(formats::ReadRuleset(input.text, input.file, "", read));
  return rulesets;
}

FixedInput FromFile(const std::string& file) {
  FixedInput input{file, core::ReadFile(testing::SourceDir() / file), "", nullptr};
  const auto* format = formats::DetectRulesetFormat(input.text);
  if (format != nullptr) input.format = std::string(format->id);
  return input;
}

// The text of a here-document of a shell script (`cat > "$WORK/NAME" <<'EOF'` ... `EOF`).
std::string HereDocument(const std::string& script, const std::string& name) {
  const auto start = script.find(fmt::format("cat > \"$WORK/{}\" <<'EOF'\n", name));
  if (start == std::string::npos) return {};
  const auto body = script.find('\n', start) + 1;
  const auto end = script.find("\nEOF\n", body);
  if (end == std::string::npos) return {};
  return script.substr(body, end + 1 - body);
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// Compares the engines on one ruleset in every mode of a site; counts by reader.
void CompareInEveryMode(const FixedInput& input, const Site& site, std::map<std::string, Tally>& tallies) {
  for (const auto& [label, options] : EveryMode(site.inventory)) {
    const auto rulesets = ReadFixed(input, site, options);
    const auto comparison = CompareEngines(rulesets, site.Policy(options));
    tallies[input.format].Count(comparison.agreement);
    if (comparison.agreement == Agreement::kOverBudget)
      fmt::print(stderr, "{} against {}, {}: the cube engine is {}\n", input.file, site.name, label,
                 comparison.difference);
    if (comparison.agreement == Agreement::kDifferent)
      ADD_FAILURE() << input.file << " against " << site.name << ", " << label << ":\n" << comparison.difference;
  }
}

TEST(AuditEngines, AgreeOnEveryRulesetOfTheTests) {
  std::map<std::string, Tally> tallies;  // by format
  const auto inventories = testing::SourceDir() / "tests" / "data" / "inventories";
  const Site example(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  const Site bits(inventories / "bits-mixed.yaml");
  const Site remote_sql(inventories / "remote-sql.yaml");
  const Site netbios(inventories / "netbios-rc.yaml");

  // The golden cases (audit_golden_test.cpp, aws_test.cpp, windows_test.cpp), in every mode of
  // their inventory, and the nftables dumps of tests/data/audit against the example site.
  CompareInEveryMode(FromFile("examples/broken-iptables.rules"), example, tallies);
  CompareInEveryMode(FromFile("tests/golden/audit/cisco-ios/broken-network.cfg"), bits, tallies);
  CompareInEveryMode(FromFile("tests/golden/audit/cisco-asa/broken-network.cfg"), remote_sql, tallies);
  CompareInEveryMode(FromFile("tests/golden/audit/nftables/broken-network.nft.json"), netbios, tallies);
  CompareInEveryMode(FromFile("tests/golden/audit/aws/broken-host.sg.json"), example, tallies);
  CompareInEveryMode(FromFile("tests/golden/audit/windows/precedence-host.rules"), example, tallies);
  CompareInEveryMode(FromFile("tests/data/audit/nftables-rich.json"), example, tallies);
  CompareInEveryMode(FromFile("tests/data/audit/nftables-ct-icmp.json"), example, tallies);

  // The kernel oracle's iptables and ip6tables rulesets (tests/audit/kernel_oracle_test.sh loads
  // them into a router namespace), against its site, as that script writes it.
  const auto script = core::ReadFile(testing::SourceDir() / "tests" / "audit" / "kernel_oracle_test.sh");
  const auto site_yaml = HereDocument(script, "site.yaml");
  ASSERT_FALSE(site_yaml.empty());
  const Site oracle("oracle-site.yaml", site_yaml);
  auto site6_yaml = Replace(site_yaml, "oracle.example", "oracle6.example");
  site6_yaml = Replace(site6_yaml, "10.9.1.5", "\"2001:db8:9:1::5\"");
  site6_yaml = Replace(site6_yaml, "10.1.200.1", "\"2001:db8:1:c8::1\"");
  site6_yaml = Replace(site6_yaml, "10.1.0.0/17", "\"2001:db8:1::/60\"");
  const Site oracle6("oracle-site6.yaml", site6_yaml);
  const auto ipsets = formats::ParseIpsetSave(HereDocument(script, "sets.ipset"), "sets.ipset");
  for (const auto& [name, site] :
       std::vector<std::pair<std::string, const Site*>>{{"fw.rules", &oracle}, {"fw6.rules", &oracle6}}) {
    FixedInput input{name, HereDocument(script, name), "iptables", &ipsets};
    ASSERT_FALSE(input.text.empty()) << name;
    CompareInEveryMode(input, *site, tallies);
  }

  int handled = 0;
  int total = 0;
  for (const auto& [format, tally] : tallies) {
    tally.Report(fmt::format("the tests' rulesets, {}", format), format);
    handled += tally.Handled();
    total += tally.Total();
  }
  // Every case of the tests fits the cube engine (Cisco ACLs with their implicit deny, nftables
  // with several base chains on a hook included): the comparison above is not empty. The
  // exceptions are over its budget, where the BDDs are much faster: nftables-rich.json between
  // all zones of the example site, between two and at the edge of one (12 s with cubes, 0.1 s
  // with BDDs).
  int over_budget = 0;
  for (const auto& [format, tally] : tallies) {
    EXPECT_EQ(tally.declined, tally.over_budget) << format;
    over_budget += tally.over_budget;
  }
  EXPECT_LE(over_budget, 3);
  EXPECT_GT(tallies["iptables"].Handled(), 40);
  EXPECT_GT(tallies["nftables-json"].Handled(), 60);
  EXPECT_EQ(handled + over_budget, total);
}

// ---- every rendered policy a reader reads back ----

TEST(AuditEngines, AgreeOnEveryRenderedPolicy) {
  std::map<std::string, Tally> tallies;  // by target
  for (const auto& file : testing::RoundTripInventories()) {
    const Site site(file);
    for (const auto& target : render::Targets()) {
      if (formats::FindRulesetFormat(target.id) == nullptr) continue;  // no reader (nft text, Windows scripts)
      const std::string id(target.id);
      for (const auto& [label, options] : EveryMode(site.inventory)) {
        formats::ReadOptions read;
        read.inventory = &site.inventory;
        if (options.host) read.host = site.inventory.endpoints[*options.host].name;
        const auto rulesets = testing::RenderedRulesets(id, site.inventory, site.plan, options, read);
        if (!rulesets) continue;  // the target cannot express this policy
        const auto comparison = CompareEngines(*rulesets, site.Policy(options));
        tallies[id].Count(comparison.agreement);
        if (comparison.agreement == Agreement::kDifferent)
          ADD_FAILURE() << "render -t " << id << " of " << site.name << ", " << label << ":\n" << comparison.difference;
      }
    }
  }
  for (const auto& [id, tally] : tallies) tally.Report(fmt::format("rendered {}", id), id);
  // Every rendered policy fits the cube engine: it takes all.
  for (const auto& [id, tally] : tallies) EXPECT_EQ(tally.declined, 0) << id;
  EXPECT_GT(tallies["iptables"].Handled(), 50);
  EXPECT_GT(tallies["aws-sg"].Handled(), 20);
}

// ---- random iptables-save rulesets ----

// Addresses a random ruleset names: the inventory's, wider and narrower prefixes around them,
// and a few from outside; and the addresses iprange ranges are cut around.
struct AddressPool {
  core::Family family = core::Family::kIPv4;
  std::vector<std::string> networks;  // "192.0.2.10/32"
  std::vector<core::Network> hosts;
};

core::Network Widened(core::Network network, int prefix) {
  network.prefix_length = prefix;
  for (int bit = prefix; bit < network.MaxPrefix(); ++bit)
    network.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  return network;
}

// The address of a network with its last byte set (a host within it, for a /24 or wider).
core::Network WithLastByte(core::Network network, unsigned value) {
  network.prefix_length = network.MaxPrefix();
  network.bytes[network.MaxPrefix() / 8 - 1] = static_cast<std::uint8_t>(value);
  return network;
}

AddressPool PoolOf(const inventory::Inventory& inventory, core::Family family) {
  AddressPool pool;
  pool.family = family;
  const bool v4 = family == core::Family::kIPv4;
  auto add = [&pool](const core::Network& network) {
    const auto text = network.ToString();
    if (std::find(pool.networks.begin(), pool.networks.end(), text) == pool.networks.end())
      pool.networks.push_back(text);
  };
  for (const auto& endpoint : inventory.endpoints) {
    for (const auto& network : endpoint.addresses) {
      if (network.family != family) continue;
      if (network.IsHost()) {
        add(network);
        add(Widened(network, v4 ? 24 : 64));
        add(Widened(network, v4 ? 16 : 48));
        pool.hosts.push_back(network);
        continue;
      }
      add(network);
      auto half = network;
      half.prefix_length = network.prefix_length + 1;
      add(half);
      half.bytes[network.prefix_length / 8] |= static_cast<std::uint8_t>(0x80u >> (network.prefix_length % 8));
      add(half);
      const auto inside = WithLastByte(network, network.bytes[network.MaxPrefix() / 8 - 1] | 5u);
      add(inside);
      add(Widened(network, std::max(network.prefix_length - 8, 8)));
      pool.hosts.push_back(inside);
    }
  }
  const std::vector<std::string> outside =
      v4 ? std::vector<std::string>{"198.51.100.7/32", "203.0.113.0/24", "10.0.0.0/8", "0.0.0.0/0"}
         : std::vector<std::string>{"2001:db8:ffff::1/128", "fd00::/8", "2001:db8::/32", "::/0"};
  for (const auto& text : outside) pool.networks.push_back(text);
  return pool;
}

constexpr std::array<std::string_view, 4> kUserChains = {"WEB", "ADMIN", "BLOCKLIST", "SVC"};

// One random filter table in iptables-save's form: policies, 1-4 user chains (jumps and gotos
// only to later chains: no loops), 5-60 rules over the pool's addresses with every match the
// reader models and a few it does not, repeated and shadowed rules, chains ending in catch-alls.
class RandomIptables {
 public:
  RandomIptables(std::uint32_t seed, const AddressPool& pool) : rng_(seed), pool_(pool) {}

  std::string Ruleset() {
    const bool v4 = pool_.family == core::Family::kIPv4;
    const auto users = 1 + Pick(kUserChains.size());
    std::vector<std::string> chains = {"INPUT", "FORWARD", "OUTPUT"};
    for (std::size_t u = 0; u < users; ++u) chains.emplace_back(kUserChains[u]);
    std::vector<std::vector<std::string>> rules(chains.size());
    std::vector<std::vector<std::string>> matches(chains.size());  // of earlier rules, to repeat
    const auto count = 5 + Pick(56);
    for (std::size_t n = 0; n < count; ++n) {
      const auto chain = Chance(60) ? Pick(3) : 3 + Pick(users);
      std::string match;
      if (!matches[chain].empty() && Chance(8)) {
        match = OneOf(matches[chain]);  // a repeat: never matches when the earlier rule decides
      } else if (!matches[chain].empty() && Chance(6)) {
        // Narrower than an earlier rule: shadowed when the earlier one decides.
        const auto& earlier = OneOf(matches[chain]);
        match = earlier.find("-s ") == std::string::npos ? "-s " + OneOf(pool_.networks) + " " + earlier : earlier;
      } else {
        match = Matches(chains[chain], v4);
      }
      matches[chain].push_back(match);
      const auto target = Target(chain, users, v4);
      rules[chain].push_back(match.empty() ? fmt::format("-A {} {}", chains[chain], target)
                                           : fmt::format("-A {} {} {}", chains[chain], match, target));
    }
    for (std::size_t chain = 0; chain < chains.size(); ++chain) {
      const bool user = chain >= 3;
      if (Chance(user ? 50 : 15)) {
        const std::vector<std::string> ends = {"-j DROP", "-j ACCEPT", user ? "-j RETURN" : "-j REJECT"};
        rules[chain].push_back(fmt::format("-A {} {}", chains[chain], OneOf(ends)));
      }
    }
    std::string text = fmt::format("# Generated by {}-save v1.8.9\n", v4 ? "iptables" : "ip6tables");
    if (Chance(10)) text += "*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n";
    text += "*filter\n";
    for (std::size_t chain = 0; chain < chains.size(); ++chain)
      text += fmt::format(":{} {} [0:0]\n", chains[chain], chain >= 3 ? "-" : Chance(60) ? "DROP" : "ACCEPT");
    for (const auto& lines : rules)
      for (const auto& line : lines) text += line + "\n";
    return text + "COMMIT\n";
  }

 private:
  std::size_t Pick(std::size_t n) { return rng_() % n; }
  bool Chance(unsigned percent) { return rng_() % 100 < percent; }
  template <typename T>
  const T& OneOf(const std::vector<T>& items) {
    return items[Pick(items.size())];
  }
  std::string Not(unsigned percent) { return Chance(percent) ? "! " : ""; }

  std::string Port() {
    static const std::vector<std::string> ports = {"53",  "67",  "80",  "88",   "135",  "137",  "138",  "139",  "389",
                                                   "443", "445", "636", "1433", "2701", "3268", "3389", "5000", "8080"};
    return Chance(85) ? OneOf(ports) : std::to_string(1 + Pick(65535));
  }
  std::string PortRange() {
    static const std::vector<std::string> ranges = {"1025:5000",   "5000:5100", "1:1024",
                                                    "49152:65535", "135:139",   "1024:65535"};
    if (Chance(80)) return OneOf(ranges);
    auto a = 1 + Pick(65535);
    auto b = 1 + Pick(65535);
    if (a > b) std::swap(a, b);
    return fmt::format("{}:{}", a, b);
  }
  std::string PortList() {
    std::vector<std::string> items;
    const auto n = 2 + Pick(4);
    for (std::size_t i = 0; i < n; ++i) items.push_back(Chance(75) ? Port() : PortRange());
    return fmt::format("{}", fmt::join(items, ","));
  }

  std::string Ports(const std::string& protocol) {
    switch (Pick(8)) {
      case 0:
      case 1: return fmt::format("-m {} {}--dport {}", protocol, Not(10), Port());
      case 2: return fmt::format("-m {} {}--dport {}", protocol, Not(10), PortRange());
      case 3: return fmt::format("-m {} --sport {}", protocol, Chance(50) ? Port() : PortRange());
      case 4: return fmt::format("-m {} --sport {} --dport {}", protocol, PortRange(), Port());
      case 5:
        if (protocol == "tcp") return fmt::format("-m tcp --dport {} --tcp-flags FIN,SYN,RST,ACK SYN", Port());
        return fmt::format("-m udp --dport {}", Port());
      default: return fmt::format("-m multiport {}--{} {}", Not(5), Chance(85) ? "dports" : "sports", PortList());
    }
  }

  std::string Range() {
    const auto& host = OneOf(pool_.hosts);
    auto a = static_cast<unsigned>(Pick(256));
    auto b = static_cast<unsigned>(Pick(256));
    if (a > b) std::swap(a, b);
    return fmt::format("{}-{}", WithLastByte(host, a).AddressString(), WithLastByte(host, b).AddressString());
  }

  // One network, negated or not; or a list (iptables-restore's input, never negated).
  std::string Address(std::string_view option) {
    if (Chance(8)) return fmt::format("{} {},{}", option, OneOf(pool_.networks), OneOf(pool_.networks));
    return fmt::format("{}{} {}", Not(15), option, OneOf(pool_.networks));
  }

  std::string Matches(const std::string& chain, bool v4) {
    static const std::vector<std::string> interfaces = {"eth0", "eth1", "lo", "eth+"};
    static const std::vector<std::string> states = {"NEW", "ESTABLISHED", "RELATED,ESTABLISHED", "INVALID",
                                                    "NEW,RELATED"};
    static const std::vector<std::string> unmodelled = {
        "-m limit --limit 5/sec --limit-burst 10", "-m string --string \"x\" --algo bm --to 65535",
        "-m recent --rcheck --seconds 60 --name r --rsource", "-m time --timestart 08:00:00 --timestop 18:00:00"};
    std::vector<std::string> parts;
    if (Chance(40)) parts.push_back(Address("-s"));
    if (Chance(40)) parts.push_back(Address("-d"));
    if (chain != "OUTPUT" && Chance(12)) parts.push_back(fmt::format("{}-i {}", Not(20), OneOf(interfaces)));
    if (chain != "INPUT" && Chance(10)) parts.push_back(fmt::format("{}-o {}", Not(20), OneOf(interfaces)));
    const auto protocol = Pick(10);
    if (protocol < 6) {
      const std::string name = protocol < 4 ? "tcp" : "udp";
      const bool negated = Chance(4);
      parts.push_back(fmt::format("{}-p {}", negated ? "! " : "", name));
      if (!negated && (Chance(65) || parts.size() == 1)) parts.push_back(Ports(name));
    } else if (protocol == 6) {
      parts.push_back(v4 ? "-p icmp" : "-p ipv6-icmp");
      static const std::vector<std::string> types4 = {"8", "0", "3/3", "echo-request", "11"};
      static const std::vector<std::string> types6 = {"128", "129", "1/4", "echo-request", "135"};
      if (Chance(50))
        parts.push_back(v4 ? fmt::format("-m icmp {}--icmp-type {}", Not(10), OneOf(types4))
                           : fmt::format("-m icmp6 {}--icmpv6-type {}", Not(10), OneOf(types6)));
    } else if (Chance(10)) {
      parts.push_back(Chance(50) ? "-p gre" : "-p esp");
    }
    if (Chance(25)) parts.push_back(fmt::format("-m conntrack {}--ctstate {}", Not(15), OneOf(states)));
    if (Chance(4)) parts.push_back(fmt::format("-m state --state {}", OneOf(states)));
    if (Chance(8))
      parts.push_back(fmt::format("-m iprange {}--{}-range {}", Not(10), Chance(50) ? "src" : "dst", Range()));
    if (Chance(8)) parts.push_back(OneOf(unmodelled));
    if (Chance(8)) parts.push_back(fmt::format("-m comment --comment \"rule {}\"", Pick(100)));
    return fmt::format("{}", fmt::join(parts, " "));
  }

  // chain: its index (0-2 the base chains, 3+ user chains); jumps and gotos only go forward.
  std::string Target(std::size_t chain, std::size_t users, bool v4) {
    const auto first_user = chain < 3 ? 3 : chain + 1;
    const bool can_call = first_user < 3 + users;
    auto callee = [&] { return std::string(kUserChains[first_user - 3 + Pick(3 + users - first_user)]); };
    const auto r = Pick(100);
    if (r < 35) return "-j ACCEPT";
    if (r < 55) return "-j DROP";
    if (r < 63)
      return v4 ? "-j REJECT --reject-with icmp-port-unreachable" : "-j REJECT --reject-with icmp6-port-unreachable";
    if (r < 70) return chain >= 3 || Chance(30) ? "-j RETURN" : "-j DROP";
    if (r < 83) return can_call ? "-j " + callee() : "-j ACCEPT";
    if (r < 91) return can_call ? "-g " + callee() : "-j DROP";
    if (r < 97) return "-j LOG --log-prefix \"seen \"";
    return "-j NFQUEUE --queue-num 1";
  }

  std::mt19937 rng_;
  const AddressPool& pool_;
};

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

std::vector<Ruleset> ReadTexts(const std::vector<std::string>& texts) {
  std::vector<Ruleset> rulesets;
  for (std::size_t i = 0; i < texts.size(); ++i)
    rulesets.push_back(formats::ReadRuleset(texts[i], fmt::format("random-{}.rules", i), "iptables", {}));
  return rulesets;
}

// Drops rules one at a time while the engines still differ: the smallest reproducer to report.
std::vector<std::string> Shrink(std::vector<std::string> texts, const policy::Policy& policy) {
  auto differs = [&policy](const std::vector<std::string>& candidate) {
    return CompareEngines(ReadTexts(candidate), policy).agreement == Agreement::kDifferent;
  };
  for (bool progress = true; progress;) {
    progress = false;
    for (auto& text : texts) {
      auto lines = SplitLines(text);
      for (std::size_t i = 0; i < lines.size();) {
        if (!lines[i].starts_with("-A ")) {
          ++i;
          continue;
        }
        auto fewer = lines;
        fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(i));
        const auto saved = text;
        text = JoinLines(fewer);
        if (differs(texts)) {
          lines = std::move(fewer);
          progress = true;
        } else {
          text = saved;
          ++i;
        }
      }
    }
  }
  return texts;
}

std::string Table(const std::vector<Ruleset>& rulesets, const policy::Policy& policy, AuditTuning::Engine engine) {
  AuditTuning tuning;
  tuning.engine = engine;
  return report::RenderAuditReport(RunAudit(rulesets, policy, tuning), core::Format::kTable);
}

// Policies of a site, built once per mode.
class Policies {
 public:
  explicit Policies(const Site& site) : site_(site) {}
  const policy::Policy& Get(const LabelledOptions& options) {
    auto it = cache_.find(options.label);
    if (it == cache_.end()) it = cache_.emplace(options.label, site_.Policy(options.options)).first;
    return it->second;
  }

 private:
  const Site& site_;
  std::map<std::string, policy::Policy> cache_;
};

// Audits random rulesets in host mode (inbound, and with egress, on random hosts) and in a random
// network mode; every difference is shrunk and printed (the first few in full).
class RandomComparison {
 public:
  void Run(const std::vector<std::string>& texts, const Site& site, Policies& policies, std::uint32_t seed) {
    std::mt19937 pick(seed ^ 0x5eedu);
    const auto& endpoints = site.inventory.endpoints;
    const auto networks = NetworkOptions(site.inventory);
    const std::vector<LabelledOptions> modes = {HostOptions(site.inventory, pick() % endpoints.size(), false),
                                                HostOptions(site.inventory, pick() % endpoints.size(), true),
                                                networks[pick() % networks.size()]};
    const auto rulesets = ReadTexts(texts);
    for (const auto& mode : modes) {
      const auto& policy = policies.Get(mode);
      const auto comparison = CompareEngines(rulesets, policy, &findings);
      tally.Count(comparison.agreement);
      if (comparison.agreement != Agreement::kDifferent) continue;
      constexpr int kShownInFull = 3;
      if (tally.different > kShownInFull) {
        ADD_FAILURE() << "seed " << seed << ", " << site.name << ", " << mode.label << ": the engines differ";
        continue;
      }
      const auto smallest = Shrink(texts, policy);
      std::string shown;
      for (const auto& text : smallest) shown += text;
      const auto shrunk = ReadTexts(smallest);
      ADD_FAILURE() << "seed " << seed << ", " << site.name << ", " << mode.label
                    << ": the engines differ; the fewest rules that still differ:\n"
                    << shown << CompareEngines(shrunk, policy).difference << "BDDs:\n"
                    << Table(shrunk, policy, AuditTuning::Engine::kBdd) << "cubes:\n"
                    << Table(shrunk, policy, AuditTuning::Engine::kCubes);
    }
  }

  Tally tally;
  Findings findings;
};

TEST(AuditEngines, AgreeOnRandomIptablesRulesets) {
  const auto inventories = testing::SourceDir() / "tests" / "data" / "inventories";
  const Site one_site(inventories / "one-site.yaml");
  const Site ras(inventories / "ras.yaml");
  Policies one_site_policies(one_site);
  Policies ras_policies(ras);
  const auto one_site_pool = PoolOf(one_site.inventory, core::Family::kIPv4);
  const auto ras_pool = PoolOf(ras.inventory, core::Family::kIPv4);
  constexpr std::uint32_t kRulesets = 300;
  RandomComparison comparison;
  for (std::uint32_t seed = 1; seed <= kRulesets; ++seed) {
    const bool small = seed % 2 == 0;
    RandomIptables random(seed, small ? one_site_pool : ras_pool);
    comparison.Run({random.Ruleset()}, small ? one_site : ras, small ? one_site_policies : ras_policies, seed);
  }
  comparison.tally.Report("random iptables-save rulesets", "random_iptables");
  comparison.findings.ExpectEveryKind("random iptables-save rulesets");
  EXPECT_EQ(comparison.tally.different, 0);
  // The cube engine must take nearly all of them, or this test compares little.
  EXPECT_GT(comparison.tally.Handled() * 100, comparison.tally.Total() * 80);
}

// Two rulesets at once, an iptables one for IPv4 and an ip6tables one for IPv6, against a
// dual-stack inventory.
TEST(AuditEngines, AgreeOnRandomDualStackRulesets) {
  const Site dual(testing::SourceDir() / "tests" / "data" / "inventories" / "ipv6.yaml");
  Policies policies(dual);
  const auto pool4 = PoolOf(dual.inventory, core::Family::kIPv4);
  const auto pool6 = PoolOf(dual.inventory, core::Family::kIPv6);
  constexpr std::uint32_t kPairs = 60;
  RandomComparison comparison;
  for (std::uint32_t seed = 1; seed <= kPairs; ++seed) {
    RandomIptables random4(10'000 + seed, pool4);
    RandomIptables random6(20'000 + seed, pool6);
    comparison.Run({random4.Ruleset(), random6.Ruleset()}, dual, policies, seed);
  }
  comparison.tally.Report("random iptables-save and ip6tables-save pairs", "random_dual_stack");
  comparison.findings.ExpectEveryKind("random iptables-save and ip6tables-save pairs");
  EXPECT_EQ(comparison.tally.different, 0);
  EXPECT_GT(comparison.tally.Handled() * 100, comparison.tally.Total() * 80);
}

// ---- the engine is chosen by cost ----

// Matches the audit cannot model (rate limits, recent lists, time windows) are free variables; a
// wide rule on one after others splits each piece before it in two, so the cube engine's pieces
// grow exponentially with such rules (this file took over two minutes before the budget; the
// BDDs, a few seconds). The default engine must give up on cubes within its budget and return the
// BDDs' report, and the BDD engine must stay fast on it.
TEST(AuditEngines, SwitchToBddsPastTheCubeBudget) {
  const Site example(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  const auto input = FromFile("tests/data/audit/unmodelled-matches.rules");
  ASSERT_EQ(input.format, "iptables");
  const auto options = NetworkOptions(example.inventory).front().options;
  const auto rulesets = ReadFixed(input, example, options);
  const auto policy = example.Policy(options);

  const auto started = std::chrono::steady_clock::now();
  const auto automatic = RunAudit(rulesets, policy);
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_TRUE(automatic.engine.starts_with("bdd (the cube engine gave up: over its budget")) << automatic.engine;
  EXPECT_LT(seconds, 20.0) << "the budget must bound the time (about 3 s here; 20 s allows for a loaded CI host)";

  AuditTuning bdd;
  bdd.engine = AuditTuning::Engine::kBdd;
  const auto reference = RunAudit(rulesets, policy, bdd);
  EXPECT_EQ(reference.engine, "bdd");
  EXPECT_EQ(report::RenderAuditReport(automatic, core::Format::kJson),
            report::RenderAuditReport(reference, core::Format::kJson));
  EXPECT_FALSE(reference.flows.empty());

  // --engine cubes alone refuses it, naming the budget.
  AuditTuning cubes;
  cubes.engine = AuditTuning::Engine::kCubes;
  EXPECT_THROW(RunAudit(rulesets, policy, cubes), CubesDoNotFit);
}

// The budget is what decides: the same ordinary ruleset is the cube engine's under the default
// budget and the BDDs' under a tiny one, with the same report.
TEST(AuditEngines, BudgetDecidesTheEngineNotTheReport) {
  const Site example(testing::SourceDir() / "examples" / "sms2003-site.yaml");
  const auto input = FromFile("examples/broken-iptables.rules");
  const auto options = NetworkOptions(example.inventory).front().options;
  const auto rulesets = ReadFixed(input, example, options);
  const auto policy = example.Policy(options);
  const auto roomy = RunAudit(rulesets, policy);
  EXPECT_EQ(roomy.engine, "cubes");
  AuditTuning tight;
  tight.cube_budget = 10;
  const auto fallen = RunAudit(rulesets, policy, tight);
  EXPECT_EQ(fallen.engine, "bdd (the cube engine gave up: over its budget of 10 cubes)");
  EXPECT_EQ(report::RenderAuditReport(roomy, core::Format::kJson),
            report::RenderAuditReport(fallen, core::Format::kJson));
}

}  // namespace
}  // namespace portolan::audit
