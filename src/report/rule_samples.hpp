#pragma once
// What a firewall platform writes for one flow: the report shows, beside each flow, the rule a
// chosen platform needs for it, in that platform's own syntax.
//
// A flow becomes many rules (one per zone pair in network mode, one per destination host in host
// mode), and a large site has thousands of flows, so rendering every platform in full (hundreds
// of megabytes for 500 sites) is not an option. Instead the sample is the first rule of the flow:
// the policy cut down to that rule and the two address groups it names, rendered, minus what the
// platform writes for the same policy without the rule (headers, default deny). What is left is
// exactly the platform's text for that rule, and the sample says how many rules the flow has.
// Platforms that need a rule per zone pair (Cisco) get the first pair's rule, narrowed from the
// policy that merges source zones rather than built from a policy with every pair.
#include <map>
#include <string>
#include <vector>

#include "plan/flow.hpp"
#include "policy/policy.hpp"
#include "render/target.hpp"

namespace portolan::report {

// Address groups in a sample list this many networks at most (`portolan render` writes them whole).
inline constexpr std::size_t kSampleGroupSize = 8;

struct RuleSample {
  std::string text;                    // the platform's lines for the flow's first rule ("" when none)
  std::string where;                   // "network firewall, zones AAA -> BBB" or "host DC01"
  int rules = 0;                       // rules the flow has on this platform in all
  bool shortened = false;              // an address group listed only its first kSampleGroupSize networks
  std::vector<std::string> omissions;  // what the platform cannot express of it
};

struct PlatformSamples {
  std::string id;                           // "nftables"
  std::string title;                        // the registry's title
  std::map<std::string, RuleSample> flows;  // by flow id
};

// The platforms the report shows when none are named: one of each family an admin runs.
std::vector<std::string> DefaultReportPlatforms();
// Plans with more flows get no rules unless platforms are named: for 500 sites the samples
// would double the page and the time it takes to write (docs/report.md).
inline constexpr std::size_t kDefaultSampledFlows = 2000;

// One PlatformSamples per target, in order. Throws std::invalid_argument for a proxy's target.
std::vector<PlatformSamples> SampleRules(const policy::PolicyIndex& index,
                                         const std::vector<const render::Target*>& targets);

}  // namespace portolan::report
