#pragma once
// The six verdicts of a probe, and their names as every output prints them (docs/probe.md maps
// them onto PortQry's and nmap's words).

#include <string_view>

namespace portolan::probe {

enum class Verdict {
  kVerified,             // the expected protocol answered
  kListening,            // a socket accepted or a datagram came back; no protocol check applies
  kWrongService,         // something answered that is not the expected protocol
  kNotListening,         // TCP reset, or ICMP port unreachable
  kFiltered,             // no answer, or an ICMP error other than port unreachable
  kListeningOrFiltered,  // UDP silence where no protocol answer is possible
};
std::string_view VerdictName(Verdict verdict);  // "VERIFIED", "LISTENING_OR_FILTERED", ...
bool VerdictPasses(Verdict verdict);            // VERIFIED or LISTENING

}  // namespace portolan::probe
