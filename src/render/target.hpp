#pragma once
// A render target: one firewall platform, what it can express, and the function that writes
// its configuration from a policy. Every platform lives in its own file under src/render/;
// registry.cpp is the one table that lists them, and CheckCapabilities is the one place that
// refuses what a platform cannot express.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.hpp"
#include "core/line_ending.hpp"
#include "plan/flow.hpp"
#include "policy/policy.hpp"

namespace portolan::render {

struct Capabilities {
  bool host_mode = true;
  bool network_mode = true;
  bool egress = true;  // outbound rules in host mode
  bool ipv6 = true;
  std::vector<catalog::Protocol> protocols{catalog::Protocol::kTcp, catalog::Protocol::kUdp, catalog::Protocol::kGre,
                                           catalog::Protocol::kEsp, catalog::Protocol::kAh};
  // 0: port ranges are native. N > 0: every port needs a rule of its own, so a range is written
  // port by port up to N ports and refused beyond.
  int max_expanded_range = 0;
  bool stateful = true;
  bool whole_inventory = false;  // host mode renders every endpoint into one output (security groups)
  // Network mode needs a rule per (source zone, destination zone): ACLs bound to the interface
  // that faces the source zone. Otherwise rules merge source zones (PolicyOptions).
  bool zone_pairs = false;
  // Proxy mode: the requests one http-proxy host carries (a web proxy's own policy, such as
  // squid.conf's http_access), not firewall rules.
  bool proxy_mode = false;
};

struct RenderOptions {
  std::optional<std::string> gpo;  // Windows: write into this GPO ("domain\name") through -GPOSession
  // The plan the policy was built from, for what a rule does not carry itself (the firewall
  // flows behind a proxy request, named in comments); may be null.
  const plan::Plan* plan = nullptr;
};

struct RenderedFile {
  std::string suffix;  // appended to the stem ("SMS01" or "network"): ".nft", ".iptables.rules"
  std::string content;
};

using RenderFunction = std::vector<RenderedFile> (*)(const policy::Policy& policy, const RenderOptions& options);

struct Target {
  std::string_view id;
  std::string_view title;
  policy::Mode default_mode;
  Capabilities capabilities;
  std::string_view cannot;  // what it cannot express, in words, for --help
  RenderFunction render;    // writes "\n" line ends
  // What the platform's own tools read, on whatever host portolan runs: CRLF for the Windows
  // scripts, LF for the rest. Render applies it to every file, so stdout, -o and --out agree.
  core::LineEnding line_ending = core::LineEnding::kLf;
};

const std::vector<Target>& Targets();  // the registry, in the order of importance
const Target* FindTarget(std::string_view id);

// A part of the policy the target cannot express.
struct Problem {
  std::string what;  // "F06-in tcp 1723 from SMS03 to SMS02"
  std::string why;   // "GRE is not a protocol netsh firewall can open"
};

// Checks the policy against the target's capabilities. With allow_partial, what cannot be
// expressed is removed from the policy and listed in policy.omissions (every platform writes
// those as warnings); without it, any problem throws RenderRefused and nothing is rendered.
// A mode or direction the target does not support is always refused.
void CheckCapabilities(const Target& target, policy::Policy& policy, bool allow_partial);

class RenderRefused : public std::runtime_error {
 public:
  RenderRefused(std::string target, std::vector<Problem> problems);
  const std::vector<Problem>& problems() const { return problems_; }
  const std::string& target() const { return target_; }

 private:
  std::string target_;
  std::vector<Problem> problems_;
};

// Renders with the capability check first; file suffixes and line endings are the target's.
std::vector<RenderedFile> Render(const Target& target, policy::Policy& policy, const RenderOptions& options,
                                 bool allow_partial);

}  // namespace portolan::render
