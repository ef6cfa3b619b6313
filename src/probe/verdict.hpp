#pragma once
// The verdicts of a probe, and their names as every output prints them (docs/probe.md maps the
// first six onto PortQry's and nmap's words; the others are the HTTP probe's, through a proxy and
// for BITS downloads).

#include <string_view>

namespace portolan::probe {

enum class Verdict {
  kVerified,             // the expected protocol answered
  kListening,            // a socket accepted or a datagram came back; no protocol check applies
  kWrongService,         // something answered that is not the expected protocol
  kNotListening,         // TCP reset, or ICMP port unreachable
  kFiltered,             // no answer, or an ICMP error other than port unreachable
  kListeningOrFiltered,  // UDP silence where no protocol answer is possible
  // HTTP through a proxy (--proxy): who answered, when it was not the origin.
  kProxyDenied,        // the proxy refused the request itself (Squid's ERR_ACCESS_DENIED page, ...)
  kProxyAuthRequired,  // the proxy wants credentials first (407, Proxy-Authenticate)
  kUpstreamFailed,     // the proxy could not reach the origin (502, 503, 504)
  // HTTP, a BITS download (--bits-file): what BITS would stop on.
  kRangeIgnored,          // 200 and the whole body to a ranged GET
  kContentRangeStripped,  // 206 without the right Content-Range (BG_E_INSUFFICIENT_RANGE_SUPPORT)
  kNoLength,              // HEAD without Content-Length (BG_E_MISSING_FILE_SIZE)
  kContentMismatch,       // through the proxy, other bytes than a direct fetch of the same range
};
std::string_view VerdictName(Verdict verdict);  // "VERIFIED", "LISTENING_OR_FILTERED", ...
bool VerdictPasses(Verdict verdict);            // VERIFIED or LISTENING

}  // namespace portolan::probe
