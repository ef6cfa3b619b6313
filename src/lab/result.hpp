#pragma once
// What lab verify found: every check with the probe's verdict and whether it is what the plan
// expects. Pure data, shared by the lab and the reports.
#include <optional>
#include <string>
#include <vector>

#include "lab/checks.hpp"
#include "lab/topology.hpp"
#include "probe/spec.hpp"

namespace portolan::lab {

// One check's outcome.
struct CheckResult {
  Check check;
  probe::ProbeResult probe;
  bool pass = false;
  bool follow_through = false;  // a port the endpoint mapper handed out, probed after it
  // A responder answered it: whether the destination's responder logged the contact too.
  std::optional<bool> logged_by_responder;
};

struct VerifyReport {
  std::string lab;
  std::string inventory;
  std::string fingerprint;  // of the lab's copy of the inventory (inventory::Inventory::fingerprint)
  std::string policy;       // what the router loaded
  bool host_firewall = false;
  std::optional<std::string> samba_host;
  std::string proxy_policy;  // what Squid loaded on the http-proxy hosts, in words ("": none)
  Topology topology;
  std::vector<CheckResult> results;
  std::vector<std::string> notes;

  bool Passed() const;
  // Checks a responder answered, and how many of them its contact log shows (evidence from the
  // destination's side).
  std::pair<int, int> ResponderEvidence() const;
  std::vector<std::string> FailedFlows() const;  // the required flows with a failed check, sorted
};

}  // namespace portolan::lab
