#include "probe/timing.hpp"

#include <algorithm>
#include <cmath>

namespace portolan::probe {

namespace {

constexpr double kAlpha = 1.0 / 8;  // RFC 6298 2.3
constexpr double kBeta = 1.0 / 4;
constexpr double kK = 4;

}  // namespace

NetworkKey NetworkOfV4(std::uint32_t address_host_order) {
  return {false, address_host_order >> 8};
}

NetworkKey NetworkOfV6(const std::array<std::uint8_t, 16>& address) {
  std::uint64_t prefix = 0;
  for (std::size_t i = 0; i < 8; ++i) prefix = (prefix << 8) | address[i];
  return {true, prefix};
}

void RttEstimate::Sample(double rtt_ms) {
  rtt_ms = std::max(0.0, rtt_ms);
  if (samples_++ == 0) {
    srtt_ = rtt_ms;
    rttvar_ = rtt_ms / 2;
    return;
  }
  rttvar_ = (1 - kBeta) * rttvar_ + kBeta * std::fabs(srtt_ - rtt_ms);
  srtt_ = (1 - kAlpha) * srtt_ + kAlpha * rtt_ms;
}

double RttEstimate::RtoMs() const {
  return srtt_ + std::max({kK * rttvar_, srtt_ / 4, Timing::kGranularityMs});
}

Timing::Timing(const TimingLimits& limits) : limits_(limits), window_(limits.window_initial) {
  limits_.window_min = std::max(1, std::min(limits_.window_min, limits_.window_initial));
  limits_.window_max = std::max(limits_.window_max, limits_.window_initial);
  if (limits_.floor > limits_.cap) limits_.floor = limits_.cap;
}

Timing::Clock::duration Timing::ConnectTimeout(const NetworkKey& network, int attempt, bool last) const {
  double ms = static_cast<double>(limits_.initial.count());
  const auto found = networks_.find(network);
  if (found != networks_.end() && !found->second.estimate.Empty()) {
    ms = found->second.estimate.RtoMs();
    if (last) ms = std::max(ms, 2 * found->second.longest_ms);
  }
  ms *= std::pow(2.0, std::clamp(attempt, 0, 16));
  ms = std::clamp(ms, static_cast<double>(limits_.floor.count()), static_cast<double>(limits_.cap.count()));
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms));
}

void Timing::OnAnswer(const NetworkKey& network, std::optional<double> rtt_ms, bool after_silence,
                      Clock::time_point now, std::optional<double> path_rtt_ms) {
  bool long_path = false;
  if (rtt_ms) {
    auto& state = networks_[network];
    state.estimate.Sample(*rtt_ms);
    state.longest_ms = std::max(state.longest_ms, *rtt_ms);
    srtt_all_ms_ = state.estimate.Srtt();
    if (path_rtt_ms) state.shortest_path_ms = std::min(state.shortest_path_ms, *path_rtt_ms);
    long_path = state.shortest_path_ms >= kLongPathMs && state.shortest_path_ms < 1e300;
  }
  if (limits_.fixed_window) return;
  if (after_silence) {
    Cut(window_ / 2, now);
    return;
  }
  if (!long_path && silent_ * 4 < window_) return;
  if (slow_start_) {
    window_ = std::min(limits_.window_max, window_ + 1);
    return;
  }
  if (++answers_since_growth_ >= window_) {
    answers_since_growth_ = 0;
    window_ = std::min(limits_.window_max, window_ + 1);
  }
}

void Timing::OnLocalError(int in_flight, Clock::time_point now) {
  if (limits_.fixed_window) return;
  Cut(in_flight / 2, now);
}

void Timing::Cut(int to, Clock::time_point now) {
  // One loss event hits every probe in flight at the time: cut once per round trip, not once per
  // probe that saw it (as TCP does once per window).
  const auto round_trip =
      std::chrono::duration<double, std::milli>(std::max(srtt_all_ms_, static_cast<double>(limits_.floor.count())));
  if (last_cut_ && now - *last_cut_ < round_trip) return;
  last_cut_ = now;
  slow_start_ = false;
  answers_since_growth_ = 0;
  window_ = std::clamp(std::min(to, window_), limits_.window_min, limits_.window_max);
}

bool Timing::WantsPathRtt(const NetworkKey& network) const {
  if (limits_.fixed_window) return false;
  const auto found = networks_.find(network);
  return found == networks_.end() || found->second.shortest_path_ms >= kLongPathMs;
}

const RttEstimate* Timing::Estimate(const NetworkKey& network) const {
  const auto found = networks_.find(network);
  return found == networks_.end() || found->second.estimate.Empty() ? nullptr : &found->second.estimate;
}

}  // namespace portolan::probe
