#pragma once
// Contacts per second per source address, a token bucket each: a burst of up to `per_second`
// contacts, then `per_second` a second. Memory is bounded: buckets that have filled up again
// are forgotten (a new one is the same), and past `max_sources` live buckets a new source is
// refused until some fill up. Pure: the caller passes the time.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace portolan::respond {

struct SourceAddress {
  std::array<std::uint8_t, 16> bytes{};  // IPv4 uses the first 4
  bool ipv6 = false;

  bool operator==(const SourceAddress&) const = default;
};

struct SourceAddressHash {
  std::size_t operator()(const SourceAddress& address) const;
};

class SourceRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kDefaultMaxSources = 65536;

  // per_second 0: no limit.
  explicit SourceRateLimiter(double per_second, std::size_t max_sources = kDefaultMaxSources);

  // Takes a token from the source's bucket; false when it has none (the contact is dropped).
  bool Allow(const SourceAddress& source, Clock::time_point now);

  // Forgets the buckets that have filled up again; the server calls it now and then.
  void Forget(Clock::time_point now);

  std::size_t Tracked() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };
  double Refilled(const Bucket& bucket, Clock::time_point now) const;

  double per_second_;
  double capacity_;
  std::size_t max_sources_;
  std::unordered_map<SourceAddress, Bucket, SourceAddressHash> buckets_;
};

}  // namespace portolan::respond
