// Strings -> ParsePortRange, ParseAddress, ParseNetwork and the PortSet algebra.
// Each input line is parsed as all three; lines that are port ranges are dealt alternately into
// two sets, A and B, whose union, intersection and difference must agree with each other.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "core/port_set.hpp"

namespace {

using portolan::core::Network;
using portolan::core::PortSet;

[[noreturn]] void Fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "fuzz invariant violated: %s (input '%.*s')\n", what, static_cast<int>(input.size()),
               input.data());
  std::abort();
}

void Check(bool condition, const char* what, std::string_view input) {
  if (!condition) Fail(what, input);
}

// Sorted, disjoint, not adjacent, within 1-65535.
void CheckNormal(const PortSet& set, std::string_view input) {
  int previous_last = -1;
  for (const auto& range : set.Ranges()) {
    Check(range.first >= portolan::core::kMinPort && range.last <= portolan::core::kMaxPort, "range out of bounds",
          input);
    Check(range.first <= range.last, "reversed range in a set", input);
    Check(previous_last < 0 || range.first > previous_last + 1, "ranges not merged or not sorted", input);
    previous_last = range.last;
  }
}

void CheckNetwork(const Network& network, std::string_view input) {
  Check(network.prefix_length >= 0 && network.prefix_length <= network.MaxPrefix(), "bad prefix length", input);
  Check(network.Contains(network), "a network does not contain itself", input);
  const auto again = portolan::core::ParseNetwork(network.ToString());
  Check(again.has_value() && *again == network, "ToString does not parse back to the same network", input);
  const auto host = portolan::core::ParseAddress(network.AddressString());
  Check(host.has_value() && network.Contains(*host), "a network does not contain its own address", input);
}

void CheckLine(std::string_view line, PortSet& a, PortSet& b, bool& to_a) {
  std::string error;
  if (const auto range = portolan::core::ParsePortRange(line, &error)) {
    Check(range->first >= portolan::core::kMinPort && range->last <= portolan::core::kMaxPort &&
              range->first <= range->last,
          "ParsePortRange accepted a bad range", line);
    const auto again = portolan::core::ParsePortRange(range->ToString());
    Check(again.has_value() && *again == *range, "PortRange::ToString does not parse back", line);
    (to_a ? a : b) = (to_a ? a : b).Union(PortSet::Of(*range));
    to_a = !to_a;
  } else {
    Check(!error.empty(), "ParsePortRange failed without a message", line);
  }

  portolan::core::ParseFailure failure;
  if (const auto address = portolan::core::ParseAddress(line, &failure)) {
    Check(address->IsHost(), "ParseAddress returned a network", line);
    CheckNetwork(*address, line);
  } else {
    Check(!failure.message.empty(), "ParseAddress failed without a message", line);
  }
  failure = {};
  if (const auto network = portolan::core::ParseNetwork(line, &failure)) {
    CheckNetwork(*network, line);
  } else {
    Check(!failure.message.empty(), "ParseNetwork failed without a message", line);
  }
}

PortSet FromString(const std::string& text, std::string_view input) {
  PortSet set;
  if (text.empty()) return set;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    const auto length = comma == std::string::npos ? std::string::npos : comma - start;
    const auto item = std::string_view(text).substr(start, length);
    const auto range = portolan::core::ParsePortRange(item);
    Check(range.has_value(), "PortSet::ToString does not parse back", input);
    set = set.Union(PortSet::Of(*range));
    if (comma == std::string::npos) return set;
    start = comma + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  PortSet a;
  PortSet b;
  bool to_a = true;
  std::size_t start = 0;
  while (start <= input.size()) {
    const auto end = input.find('\n', start);
    CheckLine(input.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start), a, b, to_a);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }

  const auto both = a.Union(b);
  const auto shared = a.Intersect(b);
  const auto only_a = a.Subtract(b);
  for (const PortSet* set : std::initializer_list<const PortSet*>{&a, &b, &both, &shared, &only_a}) {
    CheckNormal(*set, input);
  }
  Check(both == b.Union(a), "union is not commutative", input);
  Check(shared == b.Intersect(a), "intersection is not commutative", input);
  Check(only_a.Union(shared) == a, "(A - B) + (A & B) is not A", input);
  Check(only_a.Intersect(b).Empty(), "(A - B) & B is not empty", input);
  Check(both.Count() == a.Count() + b.Count() - shared.Count(), "|A + B| is not |A| + |B| - |A & B|", input);
  Check(a.Intersects(b) == !shared.Empty(), "Intersects disagrees with Intersect", input);
  Check(FromString(both.ToString(), input) == both, "PortSet::ToString does not parse back", input);
  for (const auto& range : both.Ranges()) {
    for (const int port : {range.first, range.last, range.first - 1, range.last + 1}) {
      Check(both.Contains(port) == (a.Contains(port) || b.Contains(port)), "Contains disagrees with Union", input);
      Check(shared.Contains(port) == (a.Contains(port) && b.Contains(port)), "Contains disagrees with Intersect",
            input);
      Check(only_a.Contains(port) == (a.Contains(port) && !b.Contains(port)), "Contains disagrees with Subtract",
            input);
    }
  }
  return 0;
}
