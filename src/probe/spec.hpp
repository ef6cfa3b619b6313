#pragma once
// A probe as the plan or the command line asks for it, and its result: plain values, apart from
// the engine (probe/engine.hpp) that runs them, so that reports and the lab read them without it.

#include <optional>
#include <string>
#include <vector>

#include "core/port_set.hpp"
#include "probe/dialogue.hpp"
#include "probe/registry.hpp"
#include "probe/verdict.hpp"

namespace portolan::probe {

struct ProbeSpec {
  ProbeTarget target;
  Transport transport = Transport::kTcp;
  const Service* service = nullptr;        // nullptr: a transport-only check
  std::vector<std::string> flows;          // the plan's flow ids this probe checks
  std::optional<core::PortSet> rpc_range;  // the dynamic RPC range, to flag endpoint mapper ports outside it
};

struct ProbeResult {
  ProbeSpec spec;
  Verdict verdict = Verdict::kFiltered;
  std::string detail;
  double rtt_ms = 0;                      // until the verdict's evidence arrived
  std::string icmp_from;                  // the address that sent an ICMP error, when one did
  std::vector<int> advertised_tcp_ports;  // from the endpoint mapper
};

}  // namespace portolan::probe
