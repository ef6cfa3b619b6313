#pragma once
// Adaptive timing for the probe engine, as a scanner needs it: round-trip estimates per target
// network (RFC 6298's SRTT and RTTVAR), the connect timeout derived from them, and the number of
// probes in flight, grown while answers come back and cut on loss or on this machine's own
// errors. Pure: no sockets, and the time is always passed in, so every rule is unit-tested.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_map>

namespace portolan::probe {

struct TimingLimits {
  std::chrono::milliseconds cap{2000};      // no connect timeout is longer (--timeout)
  std::chrono::milliseconds floor{100};     // no connect timeout is shorter (--min-timeout)
  std::chrono::milliseconds initial{1000};  // a network not heard from yet (RFC 6298 2.1)
  int window_initial = 512;                 // probes in flight at the start
  int window_min = 16;                      // never fewer, whatever was lost
  int window_max = 8192;                    // never more
  bool fixed_window = false;                // --concurrency given: the window stays at window_initial
};

// The network a target is timed with: its IPv4 /24 or its IPv6 /64. Hosts of one segment share a
// path, so the first answers of a few of them time the rest.
struct NetworkKey {
  bool ipv6 = false;
  std::uint64_t prefix = 0;
  bool operator==(const NetworkKey&) const = default;
};
NetworkKey NetworkOfV4(std::uint32_t address_host_order);
NetworkKey NetworkOfV6(const std::array<std::uint8_t, 16>& address);

// RFC 6298 section 2: SRTT and RTTVAR from round-trip samples (alpha 1/8, beta 1/4).
class RttEstimate {
 public:
  void Sample(double rtt_ms);
  bool Empty() const { return samples_ == 0; }
  double Srtt() const { return srtt_; }
  double Rttvar() const { return rttvar_; }
  // The retransmission timeout before clamping: SRTT plus the largest of 4 x RTTVAR, a quarter of
  // SRTT and the clock's granularity (10 ms, the engine's deadline sweep). The quarter of SRTT
  // keeps a path with steady but long delays (RTTVAR near 0) from being cut at its mean.
  double RtoMs() const;

 private:
  double srtt_ = 0;
  double rttvar_ = 0;
  long samples_ = 0;
};

class Timing {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr double kGranularityMs = 10;
  // A network whose quickest handshake (by the kernel's measure) took this long is far away: probes wait on the path,
  // not on this machine, and more of them in flight means more answers a second.
  static constexpr double kLongPathMs = 2;

  explicit Timing(const TimingLimits& limits);

  // How long connection request `attempt` (0: the first) to a host of `network` waits for an
  // answer: the network's RTO (the initial timeout before its first answer), doubled for each
  // earlier attempt (RFC 6298 5.5), within [floor, cap]. The last attempt waits at least twice
  // the longest round trip seen on that network, so a slow host among fast ones still answers.
  Clock::duration ConnectTimeout(const NetworkKey& network, int attempt, bool last) const;

  // An answer came back (a connect accepted or refused, an ICMP error, a datagram). `rtt_ms`:
  // its round trip, when it measures the network (not an application's answer time).
  // `after_silence`: an earlier request of the same probe went unanswered, so a packet was lost
  // (or the estimate was short): the window is cut (at most once per round trip) and grows
  // slowly from then on. Otherwise the window grows by one (by one per window of answers after a
  // loss) while it is clogged (below).
  // `path_rtt_ms`: the kernel's measure of the path alone (TCP_INFO of an accepted connect),
  // which says whether the network is far away (kLongPathMs); `rtt_ms` includes this process's
  // own delays, which grow with the load it makes, and cannot say that.
  void OnAnswer(const NetworkKey& network, std::optional<double> rtt_ms, bool after_silence, Clock::time_point now,
                std::optional<double> path_rtt_ms = std::nullopt);

  // A probe has waited longer than its network's connect timeout (a dropped packet, a service
  // that accepts and is slow to answer, or never answers) and holds its place in the window;
  // Unclogged: such a probe has ended. The window grows only while at least a quarter of it is
  // held so, or with answers from a long path (below): when everything answers at once (nothing
  // in the way, near by), more probes in flight buy nothing and cost the peer's accept queue and
  // our caches.
  void Clogged() { ++silent_; }
  void Unclogged() { silent_ = std::max(0, silent_ - 1); }

  // This machine refused: no descriptor (EMFILE, ENFILE), no buffer (ENOBUFS, ENOMEM), no local
  // port (EADDRNOTAVAIL). The window drops to half of what is in flight, and grows slowly.
  void OnLocalError(int in_flight, Clock::time_point now);

  // Whether an accepted connect to `network` should report the kernel's handshake RTT: not once
  // the network is known to be near (its quickest handshake below kLongPathMs), when no later
  // sample can change what it is.
  bool WantsPathRtt(const NetworkKey& network) const;

  int Window() const { return window_; }
  // How many probes may be in flight: the window, plus the probes that clog it (they wait on
  // something other than the network: a dropped packet loads nothing), up to the maximum.
  int Capacity() const { return std::min(limits_.window_max, window_ + silent_); }
  const RttEstimate* Estimate(const NetworkKey& network) const;

 private:
  struct NetworkState {
    RttEstimate estimate;
    double longest_ms = 0;
    double shortest_path_ms = 1e300;
  };
  struct KeyHash {
    std::size_t operator()(const NetworkKey& key) const noexcept {
      return std::hash<std::uint64_t>()(key.prefix * 2 + (key.ipv6 ? 1 : 0));
    }
  };

  void Cut(int to, Clock::time_point now);

  TimingLimits limits_;
  int window_;
  int silent_ = 0;                // probes in flight that went unanswered once
  int answers_since_growth_ = 0;  // answers counted towards the next +1 once growth is linear
  bool slow_start_ = true;        // +1 per answer until the first loss, then +1 per window of answers
  std::optional<Clock::time_point> last_cut_;
  double srtt_all_ms_ = 0;  // the last SRTT sampled anywhere: how long a round trip is
  std::unordered_map<NetworkKey, NetworkState, KeyHash> networks_;
};

}  // namespace portolan::probe
