#pragma once
// A set of TCP/UDP ports as sorted, disjoint, non-adjacent inclusive ranges, with the set
// operations the planner needs to merge flows without ever widening them.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portolan::core {

constexpr int kMinPort = 1;
constexpr int kMaxPort = 65535;

struct PortRange {
  int first = 0;
  int last = 0;  // inclusive

  std::string ToString() const;  // "389" or "1025-5000"
  auto operator<=>(const PortRange&) const = default;
};

class PortSet {
 public:
  PortSet() = default;
  static PortSet Of(PortRange range);
  static PortSet Single(int port) { return Of({port, port}); }

  bool Empty() const { return ranges_.empty(); }
  bool Contains(int port) const;
  std::uint32_t Count() const;
  const std::vector<PortRange>& Ranges() const& { return ranges_; }
  // On a temporary (`flow.Ports().Ranges()` in a range-for) a copy, never a dangling reference.
  std::vector<PortRange> Ranges() && { return std::move(ranges_); }
  std::vector<std::string> ToStrings() const;  // one string per range
  std::string ToString() const;                // comma-joined

  PortSet Union(const PortSet& other) const;
  PortSet Intersect(const PortSet& other) const;
  PortSet Subtract(const PortSet& other) const;
  bool Intersects(const PortSet& other) const { return !Intersect(other).Empty(); }

  auto operator<=>(const PortSet&) const = default;

 private:
  void Normalize();
  std::vector<PortRange> ranges_;
};

// "389", "1025-5000". Returns nullopt and a message on a bad or out-of-range value.
std::optional<PortRange> ParsePortRange(std::string_view text, std::string* error = nullptr);

}  // namespace portolan::core
