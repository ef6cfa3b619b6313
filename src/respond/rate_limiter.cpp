#include "respond/rate_limiter.hpp"

#include <algorithm>

namespace portolan::respond {

std::size_t SourceAddressHash::operator()(const SourceAddress& address) const {
  // FNV-1a over the address bytes.
  std::uint64_t hash = 1469598103934665603ULL;
  for (const std::uint8_t byte : address.bytes) hash = (hash ^ byte) * 1099511628211ULL;
  return static_cast<std::size_t>(hash ^ (address.ipv6 ? 1U : 0U));
}

SourceRateLimiter::SourceRateLimiter(double per_second, std::size_t max_sources)
    : per_second_(per_second), capacity_(std::max(1.0, per_second)), max_sources_(max_sources) {}

double SourceRateLimiter::Refilled(const Bucket& bucket, Clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  return std::min(capacity_, bucket.tokens + std::max(0.0, elapsed) * per_second_);
}

bool SourceRateLimiter::Allow(const SourceAddress& source, Clock::time_point now) {
  if (per_second_ <= 0) return true;
  auto it = buckets_.find(source);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_sources_) Forget(now);
    if (buckets_.size() >= max_sources_) return false;  // too many sources at once: refuse, bounded
    it = buckets_.emplace(source, Bucket{capacity_, now}).first;
  }
  auto& bucket = it->second;
  bucket.tokens = Refilled(bucket, now);
  bucket.updated = now;
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

void SourceRateLimiter::Forget(Clock::time_point now) {
  std::erase_if(buckets_, [&](const auto& item) { return Refilled(item.second, now) >= capacity_; });
}

}  // namespace portolan::respond
