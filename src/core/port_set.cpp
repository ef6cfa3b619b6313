#include "core/port_set.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace portolan::core {

std::string PortRange::ToString() const {
  return first == last ? std::to_string(first) : fmt::format("{}-{}", first, last);
}

PortSet PortSet::Of(PortRange range) {
  PortSet set;
  set.ranges_.push_back(range);
  return set;
}

bool PortSet::Contains(int port) const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [port](const PortRange& r) { return r.first <= port && port <= r.last; });
}

std::uint32_t PortSet::Count() const {
  std::uint32_t count = 0;
  for (const auto& r : ranges_) count += static_cast<std::uint32_t>(r.last - r.first + 1);
  return count;
}

std::vector<std::string> PortSet::ToStrings() const {
  std::vector<std::string> out;
  out.reserve(ranges_.size());
  for (const auto& r : ranges_) out.push_back(r.ToString());
  return out;
}

std::string PortSet::ToString() const {
  return fmt::format("{}", fmt::join(ToStrings(), ","));
}

void PortSet::Normalize() {
  std::sort(ranges_.begin(), ranges_.end());
  std::vector<PortRange> merged;
  for (const auto& r : ranges_) {
    if (!merged.empty() && r.first <= merged.back().last + 1) {
      merged.back().last = std::max(merged.back().last, r.last);
    } else {
      merged.push_back(r);
    }
  }
  ranges_ = std::move(merged);
}

PortSet PortSet::Union(const PortSet& other) const {
  PortSet out = *this;
  out.ranges_.insert(out.ranges_.end(), other.ranges_.begin(), other.ranges_.end());
  out.Normalize();
  return out;
}

PortSet PortSet::Intersect(const PortSet& other) const {
  PortSet out;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < ranges_.size() && j < other.ranges_.size()) {
    const int first = std::max(ranges_[i].first, other.ranges_[j].first);
    const int last = std::min(ranges_[i].last, other.ranges_[j].last);
    if (first <= last) out.ranges_.push_back({first, last});
    if (ranges_[i].last < other.ranges_[j].last) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

PortSet PortSet::Subtract(const PortSet& other) const {
  PortSet out;
  for (auto r : ranges_) {
    for (const auto& cut : other.ranges_) {
      if (cut.last < r.first || cut.first > r.last) continue;
      if (cut.first > r.first) out.ranges_.push_back({r.first, cut.first - 1});
      r.first = cut.last + 1;
      if (r.first > r.last) break;
    }
    if (r.first <= r.last) out.ranges_.push_back(r);
  }
  out.Normalize();
  return out;
}

namespace {

std::optional<int> ParsePort(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<PortRange> ParsePortRange(std::string_view text, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<PortRange> {
    if (error != nullptr) *error = std::move(message);
    return std::nullopt;
  };
  const auto dash = text.find('-');
  const auto first = ParsePort(text.substr(0, dash));
  const auto last = dash == std::string_view::npos ? first : ParsePort(text.substr(dash + 1));
  if (!first || !last) {
    return fail(fmt::format("'{}' is not a port or port range (expected e.g. 389 or 1025-5000)", text));
  }
  if (*first < kMinPort || *first > kMaxPort || *last < kMinPort || *last > kMaxPort) {
    return fail(fmt::format("port '{}' is out of range (expected {}-{})", text, kMinPort, kMaxPort));
  }
  if (*first > *last) {
    return fail(fmt::format("port range '{}' is reversed (did you mean {}-{}?)", text, *last, *first));
  }
  return PortRange{*first, *last};
}

}  // namespace portolan::core
