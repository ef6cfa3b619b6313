#pragma once
// The probe engine: runs many probes at once (Asio, C++20 coroutines, a thread per core) with
// timeouts and a number in flight that adapt to the answers (probe/timing.hpp), bounded reads,
// and turns what the network did into a verdict. TCP: connect (probe/connector.hpp), optional
// TLS, then the service's dialogue. UDP: a connected socket with IP_RECVERR, so that ICMP errors
// come back as verdicts naming the address that sent them.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probe/spec.hpp"

namespace portolan::probe {

struct EngineOptions {
  // The longest any one wait may be: a connect's adaptive timeout never exceeds it, a dialogue
  // (TLS and the service's answers) has this long after the connect, UDP tries share it.
  std::chrono::milliseconds timeout{2000};
  std::chrono::milliseconds min_timeout{100};  // the shortest adaptive connect timeout
  int retries = 1;                             // requests sent again after silence: TCP connects and UDP requests
  int concurrency = 0;                         // probes in flight; 0: adaptive (128 at first, up to 8,192)
  double rate = 0;                             // probes started per second at most; 0: no limit
  int threads = 0;                             // threads sharing the probes; 0: one per core
  std::optional<std::string> source;           // local address to send from
  bool follow_epm = true;                      // probe every TCP port the endpoint mapper advertises
  // Called from one thread only, after some probes finished (not after each when threads > 1).
  std::function<void(std::size_t done, std::size_t total)> progress;
};

// Results in the order of the specs, then the endpoint mapper follow-through probes.
// Throws std::invalid_argument for an address or source that does not parse.
std::vector<ProbeResult> RunProbes(const std::vector<ProbeSpec>& specs, const EngineOptions& options);

}  // namespace portolan::probe
