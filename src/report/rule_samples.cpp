#include "report/rule_samples.hpp"

#include <algorithm>
#include <cctype>
#include <future>
#include <optional>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "render/render.hpp"
#include "report/zone_numbers.hpp"

namespace portolan::report {

namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

// The lines of `full` that a longest common subsequence with `base` leaves out, in order; a
// line "..." marks where the kept runs were apart. The renders are a few dozen lines each.
std::string Added(const std::vector<std::string>& full, const std::vector<std::string>& base) {
  const std::size_t n = full.size();
  const std::size_t m = base.size();
  std::vector<std::vector<int>> common(n + 1, std::vector<int>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      common[i][j] = full[i] == base[j] ? common[i + 1][j + 1] + 1 : std::max(common[i + 1][j], common[i][j + 1]);
    }
  }
  // A line that differs from one of the base only in its digits is the renderer's count of rules.
  const auto letters = [](const std::string& line) {
    std::string out;
    for (const char c : line) {
      if (!std::isdigit(static_cast<unsigned char>(c))) out += c;
    }
    return out;
  };
  std::set<std::string> counted;
  for (const auto& line : base) counted.insert(letters(line));
  std::vector<std::pair<std::size_t, const std::string*>> kept;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < n) {
    if (j < m && full[i] == base[j]) {
      ++i;
      ++j;
    } else if (j < m && common[i][j + 1] >= common[i + 1][j]) {
      ++j;
    } else {
      if (!full[i].empty() && counted.count(letters(full[i])) == 0) kept.emplace_back(i, &full[i]);
      ++i;
    }
  }
  std::string text;
  for (std::size_t k = 0; k < kept.size(); ++k) {
    if (k > 0 && kept[k].first != kept[k - 1].first + 1) text += "...\n";
    text += *kept[k].second + "\n";
  }
  return text;
}

std::string RenderText(const render::Target& target, const policy::Policy& policy) {
  std::string text;
  for (const auto& file : target.render(policy, {})) text += file.content;
  return text;
}

// A group of a sample keeps its first networks only: the rule line names the group either way,
// and a 500-site group would fill the page (and the time) with addresses.
policy::AddressGroup Shortened(const policy::AddressGroup& group) {
  policy::AddressGroup copy;
  copy.name = group.name;
  copy.family = group.family;
  copy.members = group.members;
  const auto endpoints = std::min(group.endpoints.size(), kSampleGroupSize);
  copy.endpoints.assign(group.endpoints.begin(), group.endpoints.begin() + static_cast<std::ptrdiff_t>(endpoints));
  const auto networks = std::min(group.networks.size(), kSampleGroupSize);
  copy.networks.assign(group.networks.begin(), group.networks.begin() + static_cast<std::ptrdiff_t>(networks));
  return copy;
}

bool IsShortened(const policy::AddressGroup& group) {
  return group.networks.size() > kSampleGroupSize || group.endpoints.size() > kSampleGroupSize;
}

// The policy cut down to one rule and the address groups it names; without the rule and its
// groups when `rule` is null (what the platform writes around any rule of these zones).
policy::Policy CutDown(const policy::Policy& whole, const policy::Rule& rule, const policy::AddressGroup& sources,
                       const policy::AddressGroup& destinations, bool with_rule) {
  policy::Policy cut;
  cut.options = whole.options;
  cut.catalog = whole.catalog;
  cut.inventory = whole.inventory;
  for (const auto& zone : {rule.from_zone, rule.to_zone}) {
    if (!zone.empty() && std::find(cut.zones.begin(), cut.zones.end(), zone) == cut.zones.end())
      cut.zones.push_back(zone);
  }
  std::sort(cut.zones.begin(), cut.zones.end());
  if (!with_rule) return cut;
  cut.groups.push_back(Shortened(sources));
  auto copy = rule;
  copy.sources = 0;
  copy.destinations = 0;
  if (destinations.name != sources.name) {
    cut.groups.push_back(Shortened(destinations));
    copy.destinations = 1;
  }
  cut.rules.push_back(std::move(copy));
  return cut;
}

// Renders samples of one platform, remembering what it writes around a rule per zone pair.
class Sampler {
 public:
  explicit Sampler(const render::Target& target) : target_(target) {}

  RuleSample Sample(const policy::Policy& whole, const policy::Rule& rule, const policy::AddressGroup& sources,
                    const policy::AddressGroup& destinations) {
    RuleSample sample;
    sample.shortened = IsShortened(sources) || IsShortened(destinations);
    auto cut = CutDown(whole, rule, sources, destinations, true);
    try {
      render::CheckCapabilities(target_, cut, true);
    } catch (const render::RenderRefused& refused) {
      for (const auto& problem : refused.problems()) sample.omissions.push_back(problem.why);
      return sample;
    }
    sample.omissions = std::move(cut.omissions);
    cut.omissions.clear();
    if (cut.rules.empty()) return sample;
    const auto key = rule.from_zone + "\n" + rule.to_zone;
    auto base = bases_.find(key);
    if (base == bases_.end()) {
      base = bases_.emplace(key, Lines(RenderText(target_, CutDown(whole, rule, sources, destinations, false)))).first;
    }
    sample.text = Added(Lines(RenderText(target_, cut)), base->second);
    return sample;
  }

 private:
  const render::Target& target_;
  std::map<std::string, std::vector<std::string>> bases_;
};

std::string Where(const policy::Policy& policy, const policy::Rule& rule) {
  if (policy.options.mode == policy::Mode::kHost) return fmt::format("the firewall of {}", policy.HostName());
  if (rule.from_zone.empty()) return fmt::format("the firewall between zones, into zone {}", rule.to_zone);
  return fmt::format("the firewall between zones, from zone {} to zone {}", rule.from_zone, rule.to_zone);
}

// A rule of the policy that merges source zones, narrowed to its first source zone: the rule a
// platform that binds rules to interfaces needs (one per zone pair). Building that policy whole
// would make one rule per flow and zone pair (over a million for 500 sites) to show one.
struct ZonePairRule {
  policy::Rule rule;
  policy::AddressGroup sources;
  int pairs = 0;  // zone pairs the merged rule stands for
};

// The zones a merged rule's sources sit in, other than its destination zone, sorted.
std::vector<int> SourceZones(const policy::Policy& merged, const policy::Rule& rule, const ZoneNumbers& numbers) {
  auto zones = numbers.Distinct(merged.Sources(rule).endpoints);
  zones.erase(std::remove(zones.begin(), zones.end(), numbers.Number(rule.to_zone)), zones.end());
  return zones;
}

ZonePairRule FirstZonePair(const policy::Policy& merged, const policy::Rule& rule, const ZoneNumbers& numbers) {
  const auto& inventory = *merged.inventory;
  const auto& group = merged.Sources(rule);
  const auto zones = SourceZones(merged, rule, numbers);
  ZonePairRule pair{rule, group, static_cast<int>(zones.size())};
  if (zones.empty()) return pair;
  const int first = zones.front();
  pair.rule.from_zone = numbers.Name(first);
  pair.sources.endpoints.clear();
  std::vector<core::Network> networks;
  for (const int e : group.endpoints) {
    if (numbers.Of(e) != first) continue;
    pair.sources.endpoints.push_back(e);
    for (const auto& address : inventory.endpoints[e].addresses) {
      if (address.family == group.family) networks.push_back(address);
    }
  }
  pair.sources.networks = core::CollapseNetworks(std::move(networks));
  if (pair.pairs > 1) pair.sources.name = group.name + "-" + numbers.Name(first);
  return pair;
}

void SampleNetwork(const policy::Policy& merged, const ZoneNumbers& numbers, const render::Target& target,
                   PlatformSamples& samples) {
  Sampler sampler(target);
  std::map<std::string, const policy::Rule*> first;
  std::map<std::string, int> counts;
  for (const auto& rule : merged.rules) {
    if (first.emplace(rule.flow_id, &rule).second) counts[rule.flow_id] = 0;
    counts[rule.flow_id] +=
        target.capabilities.zone_pairs ? static_cast<int>(SourceZones(merged, rule, numbers).size()) : 1;
  }
  for (const auto& [flow, rule] : first) {
    RuleSample sample;
    if (target.capabilities.zone_pairs) {
      const auto pair = FirstZonePair(merged, *rule, numbers);
      sample = sampler.Sample(merged, pair.rule, pair.sources, merged.Destinations(*rule));
      sample.where = Where(merged, pair.rule);
    } else {
      sample = sampler.Sample(merged, *rule, merged.Sources(*rule), merged.Destinations(*rule));
      sample.where = Where(merged, *rule);
    }
    sample.rules = counts[flow];
    samples.flows[flow] = std::move(sample);
  }
}

void SampleHosts(const std::vector<std::pair<const plan::Flow*, const policy::Policy*>>& host_policies,
                 const render::Target& target, PlatformSamples& samples) {
  Sampler sampler(target);
  for (const auto& [flow, policy] : host_policies) {
    const auto& id = flow->id;
    const auto rule = std::find_if(policy->rules.begin(), policy->rules.end(),
                                   [&id](const policy::Rule& r) { return r.flow_id == id; });
    if (rule == policy->rules.end()) continue;  // a host's pair with itself crosses no firewall
    auto sample = sampler.Sample(*policy, *rule, policy->Sources(*rule), policy->Destinations(*rule));
    sample.rules = static_cast<int>(flow->destinations.size());
    sample.where = Where(*policy, *rule);
    samples.flows[flow->id] = std::move(sample);
  }
}

}  // namespace

std::vector<std::string> DefaultReportPlatforms() {
  return {"nftables", "iptables", "cisco-asa", "cisco-ios", "pf", "windows-ps"};
}

std::vector<PlatformSamples> SampleRules(const policy::PolicyIndex& index,
                                         const std::vector<const render::Target*>& targets) {
  for (const auto* target : targets) {
    if (target->capabilities.proxy_mode) {
      throw std::invalid_argument(fmt::format("{} writes a proxy's access rules, not firewall rules", target->id));
    }
  }
  // The report is about firewalls between zones: a platform that can be one shows that rule; a
  // host firewall (Windows) shows the rule on the flow's first destination. The policies each
  // kind needs are built once and shared: the network policy that merges source zones, and the
  // host policy of each flow's first destination.
  const auto network = [](const render::Target* target) { return target->capabilities.network_mode; };
  const ZoneNumbers numbers(index.inventory());
  // The two kinds of policy are built at the same time (each takes about a second for 500 sites).
  auto merged_build = std::async(std::launch::async, [&]() -> std::optional<policy::Policy> {
    if (std::none_of(targets.begin(), targets.end(), network)) return std::nullopt;
    policy::PolicyOptions options;
    options.mode = policy::Mode::kNetwork;
    options.merge_source_zones = true;
    return policy::BuildPolicy(index, options);
  });
  std::map<int, policy::Policy> hosts;
  std::vector<std::pair<const plan::Flow*, const policy::Policy*>> host_policies;
  if (!std::all_of(targets.begin(), targets.end(), network)) {
    for (const auto& flow : index.plan().flows) {
      if (flow.destinations.empty()) continue;
      const int host = flow.destinations.front();
      auto it = hosts.find(host);
      if (it == hosts.end()) {
        policy::PolicyOptions options;
        options.mode = policy::Mode::kHost;
        options.host = host;
        it = hosts.emplace(host, policy::BuildPolicy(index, options)).first;
      }
      host_policies.emplace_back(&flow, &it->second);
    }
  }
  const auto merged = merged_build.get();
  // The platforms are independent of each other: each renders in a thread of its own, reading
  // the shared policies only.
  std::vector<PlatformSamples> all(targets.size());
  std::vector<std::future<void>> running;
  for (std::size_t t = 0; t < targets.size(); ++t) {
    running.push_back(std::async(std::launch::async, [&, t] {
      const auto& target = *targets[t];
      auto& samples = all[t];
      samples.id = target.id;
      samples.title = target.title;
      if (network(&target)) {
        SampleNetwork(*merged, numbers, target, samples);
      } else {
        SampleHosts(host_policies, target, samples);
      }
    }));
  }
  for (auto& thread : running) thread.get();  // rethrows what a thread threw
  return all;
}

}  // namespace portolan::report
