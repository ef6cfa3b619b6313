#include "probe/verdict.hpp"

namespace portolan::probe {

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kVerified: return "VERIFIED";
    case Verdict::kListening: return "LISTENING";
    case Verdict::kWrongService: return "WRONG_SERVICE";
    case Verdict::kNotListening: return "NOT_LISTENING";
    case Verdict::kFiltered: return "FILTERED";
    case Verdict::kListeningOrFiltered: return "LISTENING_OR_FILTERED";
    case Verdict::kProxyDenied: return "PROXY_DENIED";
    case Verdict::kProxyAuthRequired: return "PROXY_AUTH_REQUIRED";
    case Verdict::kUpstreamFailed: return "UPSTREAM_FAILED";
    case Verdict::kRangeIgnored: return "RANGE_IGNORED";
    case Verdict::kContentRangeStripped: return "CONTENT_RANGE_STRIPPED";
    case Verdict::kNoLength: return "NO_LENGTH";
    case Verdict::kContentMismatch: return "CONTENT_MISMATCH";
  }
  return "?";
}

bool VerdictPasses(Verdict verdict) {
  return verdict == Verdict::kVerified || verdict == Verdict::kListening;
}

}  // namespace portolan::probe
