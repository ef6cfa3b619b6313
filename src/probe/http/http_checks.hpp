#pragma once
// Which HTTP checks a probe of a web server makes (one ProbeSpec each), and how a BITS check
// through a proxy is judged against the same check made directly. Used by `portolan probe` for
// ad hoc targets and meant for the plan's specs as well (probe/plan_specs.*).

#include <optional>
#include <string>
#include <vector>

#include "probe/spec.hpp"

namespace portolan::probe::http {

inline constexpr char kDistributionPointRole[] = "distribution-point";

struct HttpCheckOptions {
  std::optional<ProxyEndpoint> proxy;  // through this proxy; nullopt: direct
  std::string bits_file;               // the BITS download check of this file's path; empty: none
};

// A probe the http dialogue runs: service http over TCP.
bool IsHttp(const ProbeSpec& spec);

// The checks one HTTP spec becomes, each with options.proxy:
// - GET: the MP list for a management point (role "management-point"), else / with a range;
//   left out for a target that is not a management point when bits_file is given;
// - through a proxy: CCM_POST, BITS_POST and PROPFIND for a management point, PROPFIND for a
//   distribution point (role "distribution-point"): the methods SMS clients use;
// - the BITS download check of bits_file, when given.
// A spec that is not HTTP comes back alone, unchanged.
std::vector<ProbeSpec> ExpandHttpChecks(const ProbeSpec& spec, const HttpCheckOptions& options);

// A BITS check through a proxy (through_proxy.content: the bytes of its ranged answers) and the
// same check made directly: a verified check whose bytes differ becomes CONTENT_MISMATCH; a
// failing one says whether the origin fails the same way directly (then the server, not the
// proxy, is at fault); when the direct check could not be made, the detail says so.
void CompareWithDirect(ProbeResult& through_proxy, const ProbeResult& direct);

}  // namespace portolan::probe::http
