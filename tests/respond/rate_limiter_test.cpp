// The per-source token bucket: a burst, then the rate; sources apart; bounded memory.

#include <gtest/gtest.h>

#include "respond/rate_limiter.hpp"

namespace portolan::respond {
namespace {

using Clock = SourceRateLimiter::Clock;
using std::chrono::milliseconds;

SourceAddress V4(std::uint8_t last) {
  SourceAddress address;
  address.bytes = {10, 0, 0, last};
  return address;
}

int Allowed(SourceRateLimiter& limiter, const SourceAddress& source, int tries, Clock::time_point now) {
  int allowed = 0;
  for (int i = 0; i < tries; ++i) allowed += limiter.Allow(source, now) ? 1 : 0;
  return allowed;
}

TEST(SourceRateLimiter, ABurstThenTheRate) {
  SourceRateLimiter limiter(10);
  const auto start = Clock::now();
  EXPECT_EQ(Allowed(limiter, V4(1), 25, start), 10) << "a burst of one second's worth";
  EXPECT_EQ(Allowed(limiter, V4(1), 25, start + milliseconds(500)), 5);
  EXPECT_EQ(Allowed(limiter, V4(1), 25, start + milliseconds(600)), 1);
  EXPECT_EQ(Allowed(limiter, V4(1), 25, start + milliseconds(10'000)), 10) << "never more than the burst";
}

TEST(SourceRateLimiter, SourcesHaveBucketsOfTheirOwn) {
  SourceRateLimiter limiter(3);
  const auto now = Clock::now();
  EXPECT_EQ(Allowed(limiter, V4(1), 10, now), 3);
  EXPECT_EQ(Allowed(limiter, V4(2), 10, now), 3);
  SourceAddress v6 = V4(1);
  v6.ipv6 = true;
  EXPECT_EQ(Allowed(limiter, v6, 10, now), 3) << "the same bytes in another family are another source";
}

TEST(SourceRateLimiter, ARateBelowOneStillAllowsOne) {
  SourceRateLimiter limiter(0.5);
  const auto start = Clock::now();
  EXPECT_EQ(Allowed(limiter, V4(1), 5, start), 1);
  EXPECT_EQ(Allowed(limiter, V4(1), 5, start + milliseconds(1000)), 0);
  EXPECT_EQ(Allowed(limiter, V4(1), 5, start + milliseconds(2000)), 1);
}

TEST(SourceRateLimiter, ZeroIsNoLimit) {
  SourceRateLimiter limiter(0);
  EXPECT_EQ(Allowed(limiter, V4(1), 1000, Clock::now()), 1000);
  EXPECT_EQ(limiter.Tracked(), 0u);
}

TEST(SourceRateLimiter, MemoryIsBounded) {
  SourceRateLimiter limiter(2, 4);
  const auto start = Clock::now();
  for (std::uint8_t i = 1; i <= 4; ++i) EXPECT_TRUE(limiter.Allow(V4(i), start));
  EXPECT_FALSE(limiter.Allow(V4(5), start)) << "a fifth source while four buckets are draining";
  EXPECT_EQ(limiter.Tracked(), 4u);
  // Once the buckets have filled up again they are forgotten, and new sources fit.
  EXPECT_TRUE(limiter.Allow(V4(5), start + milliseconds(1000)));
  limiter.Forget(start + milliseconds(5000));
  EXPECT_EQ(limiter.Tracked(), 0u);
}

}  // namespace
}  // namespace portolan::respond
