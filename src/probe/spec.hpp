#pragma once
// A probe as the plan or the command line asks for it, and its result: plain values, apart from
// the engine (probe/engine.hpp) that runs them, so that reports and the lab read them without it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/port_set.hpp"
#include "probe/dialogue.hpp"
#include "probe/registry.hpp"
#include "probe/verdict.hpp"

namespace portolan::probe {

// A forward HTTP proxy that HTTP probes go through (`--proxy HOST:PORT`): the engine connects to
// it instead of the target and the request names the target in absolute form (RFC 9112 3.2.2).
struct ProxyEndpoint {
  std::string address;  // "10.0.0.5" or "2001:db8::5"
  int port = 0;
  // Basic proxy credentials, "user:password" (sent as Proxy-Authorization); empty: none.
  std::string basic_credentials = {};

  // "10.0.0.5:3128", "[2001:db8::5]:3128": how details name the proxy.
  std::string Authority() const {
    return (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" + std::to_string(port);
  }
};

// What an HTTP probe (service http) asks; one result row each.
enum class HttpCheck {
  kGet,       // GET: the MP list of a management point; otherwise GET / with Range: bytes=0-0
  kCcmPost,   // CCM_POST, empty body: does the SMS client's method pass (through a proxy)?
  kBitsPost,  // BITS_POST with BITS-Packet-Type: Ping, empty body: the BITS upload method
  kPropfind,  // PROPFIND, Depth: 0, empty body: what clients ask a distribution point
  kBitsFile,  // HEAD and two ranged GETs of ProbeSpec::http_path: can BITS download that file?
  // OPTIONS /, empty body: a safe method no SMS flow needs, so a proxy exactly as wide as the
  // plan must refuse it (the lab's check that a proxy passes nothing else).
  kOptions,
};

// "GET", "CCM_POST", "BITS_POST", "PROPFIND", "BITS": how reports name the check.
inline std::string_view HttpCheckName(HttpCheck check) {
  switch (check) {
    case HttpCheck::kGet: return "GET";
    case HttpCheck::kCcmPost: return "CCM_POST";
    case HttpCheck::kBitsPost: return "BITS_POST";
    case HttpCheck::kPropfind: return "PROPFIND";
    case HttpCheck::kBitsFile: return "BITS";
    case HttpCheck::kOptions: return "OPTIONS";
  }
  return "?";
}

struct ProbeSpec {
  ProbeTarget target;
  Transport transport = Transport::kTcp;
  const Service* service = nullptr;        // nullptr: a transport-only check
  std::vector<std::string> flows;          // the plan's flow ids this probe checks
  std::optional<core::PortSet> rpc_range;  // the dynamic RPC range, to flag endpoint mapper ports outside it
  // HTTP only (service http): the proxy to go through (nullopt: direct), what to ask, and for
  // kBitsFile the path of a static file on the server ("/SMS_DP_SMSPKGC$/LAB00001/setup.exe").
  std::optional<ProxyEndpoint> proxy = {};
  HttpCheck http_check = HttpCheck::kGet;
  std::string http_path = {};
};

struct ProbeResult {
  ProbeSpec spec;
  Verdict verdict = Verdict::kFiltered;
  std::string detail;
  double rtt_ms = 0;                      // until the verdict's evidence arrived
  std::string icmp_from;                  // the address that sent an ICMP error, when one did
  std::vector<int> advertised_tcp_ports;  // from the endpoint mapper
  // HttpCheck::kBitsFile: the bytes of the ranged answers (at most a few KiB), so that a fetch
  // through a proxy can be compared with a direct one.
  Bytes content = {};
};

}  // namespace portolan::probe
