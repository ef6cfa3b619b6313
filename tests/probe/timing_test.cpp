#include "probe/timing.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace portolan::probe {
namespace {

using std::chrono::milliseconds;
using Clock = Timing::Clock;

double Ms(Clock::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

const NetworkKey kNet = NetworkOfV4(0x0A000001);    // 10.0.0.1
const NetworkKey kOther = NetworkOfV4(0x0A000101);  // 10.0.1.1

TEST(ProbeTiming, NetworksAreSlash24AndSlash64) {
  EXPECT_EQ(NetworkOfV4(0x0A0000FE), kNet);
  EXPECT_NE(NetworkOfV4(0x0A000101), kNet);
  std::array<std::uint8_t, 16> a{0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  auto b = a;
  b[15] = 9;
  EXPECT_EQ(NetworkOfV6(a), NetworkOfV6(b));
  b[7] = 1;
  EXPECT_NE(NetworkOfV6(a), NetworkOfV6(b));
  EXPECT_NE(NetworkOfV4(0), NetworkOfV6({}));
}

TEST(ProbeTiming, EstimateFollowsRfc6298) {
  RttEstimate estimate;
  EXPECT_TRUE(estimate.Empty());
  estimate.Sample(100);
  EXPECT_DOUBLE_EQ(estimate.Srtt(), 100);
  EXPECT_DOUBLE_EQ(estimate.Rttvar(), 50);
  EXPECT_DOUBLE_EQ(estimate.RtoMs(), 300);  // SRTT + 4 RTTVAR
  estimate.Sample(200);
  EXPECT_DOUBLE_EQ(estimate.Rttvar(), 0.75 * 50 + 0.25 * 100);
  EXPECT_DOUBLE_EQ(estimate.Srtt(), 0.875 * 100 + 0.125 * 200);
}

TEST(ProbeTiming, SteadyLongPathsKeepAMargin) {
  RttEstimate estimate;
  for (int i = 0; i < 200; ++i) estimate.Sample(600);
  EXPECT_NEAR(estimate.Rttvar(), 0, 1e-6);
  EXPECT_DOUBLE_EQ(estimate.RtoMs(), 750);  // SRTT + SRTT / 4, not SRTT alone
  RttEstimate fast;
  for (int i = 0; i < 200; ++i) fast.Sample(0.05);
  EXPECT_NEAR(fast.RtoMs(), 10.05, 1e-6);  // the clock's granularity
}

TEST(ProbeTiming, ConnectTimeoutStartsAtTheInitialAndStaysWithinBounds) {
  TimingLimits limits;
  Timing timing(limits);
  EXPECT_DOUBLE_EQ(Ms(timing.ConnectTimeout(kNet, 0, false)), 1000);
  EXPECT_DOUBLE_EQ(Ms(timing.ConnectTimeout(kNet, 1, true)), 2000);  // doubled, and the cap
  const auto now = Clock::now();
  for (int i = 0; i < 50; ++i) timing.OnAnswer(kNet, 0.05, false, now);
  EXPECT_DOUBLE_EQ(Ms(timing.ConnectTimeout(kNet, 0, false)), 100);     // the floor
  EXPECT_DOUBLE_EQ(Ms(timing.ConnectTimeout(kNet, 1, true)), 100);      // 2 x 10 ms, still the floor
  EXPECT_DOUBLE_EQ(Ms(timing.ConnectTimeout(kOther, 0, false)), 1000);  // another network: not heard from
  limits.cap = milliseconds(300);
  Timing capped(limits);
  EXPECT_DOUBLE_EQ(Ms(capped.ConnectTimeout(kNet, 0, false)), 300);
}

TEST(ProbeTiming, TheLastTryWaitsTwiceTheLongestRoundTripSeen) {
  Timing timing(TimingLimits{});
  const auto now = Clock::now();
  for (int i = 0; i < 100; ++i) timing.OnAnswer(kNet, 1, false, now);
  timing.OnAnswer(kNet, 400, false, now);  // one slow host among fast ones
  for (int i = 0; i < 100; ++i) timing.OnAnswer(kNet, 1, false, now);
  EXPECT_LT(Ms(timing.ConnectTimeout(kNet, 0, false)), 400);
  EXPECT_GE(Ms(timing.ConnectTimeout(kNet, 1, true)), 800);
}

TEST(ProbeTiming, WindowGrowsWithAnswersAndIsCutOncePerRoundTripOnLoss) {
  TimingLimits limits;
  limits.window_initial = 100;
  limits.window_max = 1000;
  limits.window_min = 10;
  Timing timing(limits);
  auto now = Clock::now();
  for (int i = 0; i < 50; ++i) timing.OnAnswer(kNet, 1, false, now);
  EXPECT_EQ(timing.Window(), 100);                // everything answers: nothing clogs the window, it stays
  for (int i = 0; i < 38; ++i) timing.Clogged();  // 38 probes wait in silence: a quarter of 150
  for (int i = 0; i < 50; ++i) timing.OnAnswer(kNet, 1, false, now);
  EXPECT_EQ(timing.Window(), 150);  // +1 an answer before any loss
  timing.OnAnswer(kNet, 1, true, now);
  EXPECT_EQ(timing.Window(), 75);
  timing.OnAnswer(kNet, 1, true, now);  // the same loss event, seen by another probe
  EXPECT_EQ(timing.Window(), 75);
  for (int i = 0; i < 75; ++i) timing.OnAnswer(kNet, 1, false, now);
  EXPECT_EQ(timing.Window(), 76);  // now +1 per window of answers
  now += milliseconds(200);
  timing.OnAnswer(kNet, 1, true, now);
  EXPECT_EQ(timing.Window(), 38);
  for (int i = 0; i < 10; ++i) {
    now += milliseconds(200);
    timing.OnAnswer(kNet, 1, true, now);
  }
  EXPECT_EQ(timing.Window(), 10);  // never below the minimum
}

TEST(ProbeTiming, SilenceAloneNeitherGrowsNorCuts) {
  TimingLimits limits;
  Timing timing(limits);
  for (int i = 0; i < 1000; ++i) timing.Clogged();
  EXPECT_EQ(timing.Window(), limits.window_initial);           // filtered ports: no answer, no change
  EXPECT_EQ(timing.Capacity(), limits.window_initial + 1000);  // but they do not hold the window
  timing.OnAnswer(kNet, 1, false, Clock::now());
  EXPECT_EQ(timing.Window(), limits.window_initial + 1);  // an answer while clogged: room for more
  for (int i = 0; i < 1000; ++i) timing.Unclogged();
  timing.OnAnswer(kNet, 1, false, Clock::now());
  EXPECT_EQ(timing.Window(), limits.window_initial + 1);
  EXPECT_EQ(timing.Capacity(), timing.Window());
  for (int i = 0; i < 100000; ++i) timing.Clogged();
  EXPECT_EQ(timing.Capacity(), limits.window_max);
}

TEST(ProbeTiming, AnswersFromALongPathGrowTheWindow) {
  TimingLimits limits;
  Timing timing(limits);
  const auto now = Clock::now();
  for (int i = 0; i < 10; ++i) timing.OnAnswer(kNet, 0.3, false, now, 0.3);  // a LAN: no growth
  EXPECT_EQ(timing.Window(), limits.window_initial);
  // Slow answers from a path the kernel measured short: this process's own delays, no growth.
  for (int i = 0; i < 10; ++i) timing.OnAnswer(kNet, 5, false, now, 0.05);
  for (int i = 0; i < 10; ++i) timing.OnAnswer(kNet, 5, false, now);
  EXPECT_EQ(timing.Window(), limits.window_initial);
  // 40 ms away by the kernel's measure: each answer adds one, refusals included.
  timing.OnAnswer(kOther, 41, false, now, 40);
  for (int i = 0; i < 9; ++i) timing.OnAnswer(kOther, 41, false, now);
  EXPECT_EQ(timing.Window(), limits.window_initial + 10);
  timing.OnAnswer(kNet, std::nullopt, false, now);  // an application's answer says nothing of the path
  EXPECT_EQ(timing.Window(), limits.window_initial + 10);
  // Once a network is known near, its handshakes need not be measured again; a far one's are.
  EXPECT_FALSE(timing.WantsPathRtt(kNet));
  EXPECT_TRUE(timing.WantsPathRtt(kOther));
  EXPECT_TRUE(timing.WantsPathRtt(NetworkOfV4(0x0B000001)));
}

TEST(ProbeTiming, LocalErrorsCutToHalfOfWhatIsInFlight) {
  TimingLimits limits;
  limits.window_initial = 4000;
  limits.window_max = 8000;
  Timing timing(limits);
  timing.OnLocalError(1000, Clock::now());
  EXPECT_EQ(timing.Window(), 500);
}

TEST(ProbeTiming, AFixedWindowNeverMoves) {
  TimingLimits limits;
  limits.window_initial = limits.window_max = 20000;
  limits.fixed_window = true;
  Timing timing(limits);
  const auto now = Clock::now();
  timing.OnAnswer(kNet, 1, false, now);
  timing.OnAnswer(kNet, 1, true, now);
  timing.OnLocalError(10, now);
  EXPECT_EQ(timing.Window(), 20000);
  // The timeouts still adapt.
  EXPECT_DOUBLE_EQ(Ms(timing.ConnectTimeout(kNet, 0, false)), 100);
}

}  // namespace
}  // namespace portolan::probe
