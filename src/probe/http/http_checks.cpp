#include "probe/http/http_checks.hpp"

#include <algorithm>

#include "probe/http/http_dialogue.hpp"

namespace portolan::probe::http {

namespace {

constexpr char kManagementPointRole[] = "management-point";
constexpr char kProxyManagementPointRole[] = "proxy-management-point";

bool HasRole(const ProbeSpec& spec, std::string_view role) {
  return std::find(spec.target.roles.begin(), spec.target.roles.end(), role) != spec.target.roles.end();
}

bool BitsFailure(Verdict verdict) {
  return verdict == Verdict::kRangeIgnored || verdict == Verdict::kContentRangeStripped ||
         verdict == Verdict::kNoLength;
}

}  // namespace

bool IsHttp(const ProbeSpec& spec) {
  return spec.service != nullptr && spec.transport == Transport::kTcp && spec.service->dialogue == MakeHttpDialogue;
}

std::vector<ProbeSpec> ExpandHttpChecks(const ProbeSpec& spec, const HttpCheckOptions& options) {
  if (!IsHttp(spec)) return {spec};
  // A proxy management point is a management point (in a secondary site): it answers the same.
  const bool management_point = HasRole(spec, kManagementPointRole) || HasRole(spec, kProxyManagementPointRole);
  std::vector<HttpCheck> checks;
  if (management_point || options.bits_file.empty()) checks.push_back(HttpCheck::kGet);
  if (options.proxy && management_point) {
    checks.insert(checks.end(), {HttpCheck::kCcmPost, HttpCheck::kBitsPost, HttpCheck::kPropfind});
  } else if (options.proxy && HasRole(spec, kDistributionPointRole)) {
    checks.push_back(HttpCheck::kPropfind);
  }
  if (!options.bits_file.empty()) checks.push_back(HttpCheck::kBitsFile);
  std::vector<ProbeSpec> specs;
  for (const HttpCheck check : checks) {
    ProbeSpec one = spec;
    one.proxy = options.proxy;
    one.http_check = check;
    one.http_path = check == HttpCheck::kBitsFile ? options.bits_file : std::string();
    specs.push_back(std::move(one));
  }
  return specs;
}

void CompareWithDirect(ProbeResult& through_proxy, const ProbeResult& direct) {
  const std::string direct_verdict(VerdictName(direct.verdict));
  if (through_proxy.verdict == Verdict::kVerified) {
    if (direct.verdict != Verdict::kVerified) {
      through_proxy.detail += "; no direct fetch to compare the bytes with (direct: " + direct_verdict + ")";
    } else if (direct.content == through_proxy.content) {
      through_proxy.detail += "; the same bytes as a direct fetch";
    } else {
      through_proxy.verdict = Verdict::kContentMismatch;
      through_proxy.detail += "; but OTHER bytes than a direct fetch of the same ranges: the proxy alters the file";
    }
    return;
  }
  if (!BitsFailure(through_proxy.verdict)) return;
  if (direct.verdict == through_proxy.verdict) {
    through_proxy.detail += "; the origin does the same directly: the server is at fault, not (only) the proxy";
  } else if (direct.verdict == Verdict::kVerified) {
    through_proxy.detail += "; directly BITS can download: the proxy is at fault";
  } else {
    through_proxy.detail += "; direct: " + direct_verdict;
  }
}

}  // namespace portolan::probe::http
