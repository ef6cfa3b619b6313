#include "audit/box_text.hpp"

#include <fmt/format.h>

#include "audit/http_methods.hpp"
#include "core/platform.hpp"

namespace portolan::audit {

namespace {

constexpr int kIPv4Bits = 32;
constexpr int kAddressBits = 128;
constexpr int kMaxPort = 65535;
constexpr int kMaxProtocol = 255;
constexpr Uint128 kMaxProtocolRunByName = 8;  // a longer run of protocol numbers reads "first-last"

void AppendNumber(std::string& out, Uint128 value) {
  const fmt::format_int digits(static_cast<unsigned long long>(value));
  out.append(digits.data(), digits.size());
}

// An address as a plain value (32 bits for IPv4).
void AppendAddress(std::string& out, core::Family family, Uint128 plain) {
  if (family == core::Family::kIPv4) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      AppendNumber(out, (plain >> shift) & 0xff);
      if (shift > 0) out += '.';
    }
    return;
  }
  std::uint8_t bytes[16];
  for (int i = 0; i < 16; ++i) bytes[i] = static_cast<std::uint8_t>(plain >> (8 * (15 - i)));
  out += core::platform::AddressText(true, bytes);
}

// A prefix as "address/length" ("address" alone for one address), any other range "first-last".
void AppendRange(std::string& out, core::Family family, const ValueRange& range, int bits) {
  const Uint128 size_minus_one = range.last - range.first;
  const bool power_of_two = ((size_minus_one + 1) & size_minus_one) == 0;
  AppendAddress(out, family, range.first);
  if (!power_of_two || (range.first & size_minus_one) != 0) {
    out += '-';
    AppendAddress(out, family, range.last);
    return;
  }
  int host_bits = 0;
  while (host_bits < bits && ((size_minus_one >> host_bits) & 1)) ++host_bits;
  if (host_bits == 0) return;
  out += '/';
  AppendNumber(out, static_cast<Uint128>(bits - host_bits));
}

// "any"; the ranges; or, when the ranges start at zero, reach the end and leave fewer holes than
// there are ranges, "any except " and the holes.
void AppendAddressRanges(std::string& out, core::Family family, const Ranges& ranges) {
  const int bits = family == core::Family::kIPv4 ? kIPv4Bits : kAddressBits;
  const Uint128 max = bits == kAddressBits ? ~Uint128{0} : (Uint128{1} << bits) - 1;
  if (ranges.size() == 1 && ranges[0].first == 0 && ranges[0].last == max) {
    out += "any";
    return;
  }
  Ranges holes;
  bool as_holes = false;
  if (!ranges.empty() && ranges.front().first == 0) {
    Uint128 next = 0;
    bool to_end = true;
    for (const auto& range : ranges) {
      if (range.first > next) holes.push_back({next, range.first - 1});
      if (range.last == max) {
        to_end = false;
        break;
      }
      next = range.last + 1;
    }
    as_holes = !to_end && holes.size() < ranges.size();
  }
  if (as_holes) out += "any except ";
  bool first = true;
  for (const auto& range : as_holes ? holes : ranges) {
    if (!first) out += ", ";
    first = false;
    AppendRange(out, family, range, bits);
  }
}

void AppendProtocolName(std::string& out, int number) {
  out += ProtocolName(number);
}

void AppendProtocols(std::string& out, const Ranges& protocols) {
  if (protocols.size() == 1 && protocols[0].first == 0 && protocols[0].last == kMaxProtocol) {
    out += "any";
    return;
  }
  // Most protocols but a few (the rest once tcp, udp, icmp ... are split off) read as what they
  // leave out: "any except tcp,udp".
  std::vector<int> missing;
  Uint128 next = 0;
  for (const auto& range : protocols) {
    for (auto p = next; p < range.first && missing.size() <= kMaxProtocolRunByName; ++p)
      missing.push_back(static_cast<int>(p));
    next = range.last + 1;
  }
  for (auto p = next; p <= kMaxProtocol && missing.size() <= kMaxProtocolRunByName; ++p)
    missing.push_back(static_cast<int>(p));
  if (missing.size() <= kMaxProtocolRunByName) {
    out += "any except ";
    for (std::size_t i = 0; i < missing.size(); ++i) {
      if (i > 0) out += ',';
      AppendProtocolName(out, missing[i]);
    }
    return;
  }
  bool first = true;
  auto separate = [&] {
    if (!first) out += ',';
    first = false;
  };
  for (const auto& range : protocols) {
    if (range.last - range.first > kMaxProtocolRunByName) {
      separate();
      AppendNumber(out, range.first);
      out += '-';
      AppendNumber(out, range.last);
      continue;
    }
    for (auto p = range.first; p <= range.last; ++p) {
      separate();
      AppendProtocolName(out, static_cast<int>(p));
    }
  }
}

bool AnyWithPorts(core::Family family, const Ranges& protocols) {
  for (const auto& range : protocols) {
    for (auto p = range.first; p <= range.last; ++p) {
      const int protocol = static_cast<int>(p);
      if (ProtocolHasPorts(protocol) || IsIcmpOf(family, protocol)) return true;
    }
  }
  return false;
}

bool OnlyIcmp(core::Family family, const Ranges& protocols) {
  if (protocols.empty()) return false;
  for (const auto& range : protocols)
    for (auto p = range.first; p <= range.last; ++p)
      if (!IsIcmpOf(family, static_cast<int>(p))) return false;
  return true;
}

// ICMP keeps type * 256 + code in the destination port field; a report names types and codes:
// "type 8", "type 3 code 4", "type 3 code 0-5", "type 1-4".
void AppendIcmp(std::string& out, const Ranges& ranges) {
  if (ranges.size() == 1 && ranges[0].first == 0 && ranges[0].last == kMaxPort) {
    out += "any";
    return;
  }
  bool first = true;
  for (const auto& range : ranges) {
    if (!first) out += ',';
    first = false;
    const int low = static_cast<int>(range.first);
    const int high = static_cast<int>(range.last);
    const int low_type = low >> 8;
    const int high_type = high >> 8;
    const int low_code = low & 0xff;
    const int high_code = high & 0xff;
    auto append = [&out](auto... values) { ((out += ' ', AppendNumber(out, static_cast<Uint128>(values))), ...); };
    out += "type";
    if (low_code == 0 && high_code == 0xff) {  // whole types
      append(low_type);
      if (high_type != low_type) {
        out += '-';
        AppendNumber(out, static_cast<Uint128>(high_type));
      }
    } else if (low_type == high_type) {
      append(low_type);
      out += " code";
      append(low_code);
      if (high_code != low_code) {
        out += '-';
        AppendNumber(out, static_cast<Uint128>(high_code));
      }
    } else {
      append(low_type);
      out += " code";
      append(low_code);
      out += " - type";
      append(high_type);
      out += " code";
      append(high_code);
    }
  }
}

void AppendPorts(std::string& out, core::Family family, const Ranges& protocols, const Ranges& ports, bool source) {
  if (!AnyWithPorts(family, protocols) || ports.empty() || (source && OnlyIcmp(family, protocols))) {
    out += '-';
    return;
  }
  if (OnlyIcmp(family, protocols)) {
    AppendIcmp(out, ports);
    return;
  }
  if (ports.size() == 1 && ports[0].first == 0 && ports[0].last == kMaxPort) {
    out += "any";
    return;
  }
  bool first = true;
  for (const auto& range : ports) {
    if (!first) out += ',';
    first = false;
    AppendNumber(out, range.first);
    if (range.first == range.last) continue;
    out += '-';
    AppendNumber(out, range.last);
  }
}

}  // namespace

template <typename Append>
BoxTexts::Part BoxTexts::Add(Append append) {
  const auto offset = buffer_.size();
  append();
  return {offset, buffer_.size() - offset};
}

void BoxTexts::Render(const Box& box, bool requests) {
  buffer_.clear();
  source_ = Add([&] { AppendAddressRanges(buffer_, box.family, box.sources); });
  destination_ = Add([&] { AppendAddressRanges(buffer_, box.family, box.destinations); });
  protocol_ = Add([&] { AppendProtocols(buffer_, box.protocols); });
  ports_ = Add([&] { AppendPorts(buffer_, box.family, box.protocols, box.destination_ports, false); });
  source_ports_ = Add([&] { AppendPorts(buffer_, box.family, box.protocols, box.source_ports, true); });
  methods_ = Add([&] {
    if (requests) buffer_ += MethodsText(box.source_ports);
  });
}

}  // namespace portolan::audit
