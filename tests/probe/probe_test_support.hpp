#pragma once
// Byte builders shared by the protocol tests: text as bytes, byte lists, concatenation,
// little-endian fields, and a probe target.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "probe/dialogue.hpp"

namespace portolan::probe::test_support {

inline Bytes Text(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

inline Bytes B(std::initializer_list<int> values) {
  Bytes out;
  for (const int v : values) out.push_back(static_cast<std::uint8_t>(v));
  return out;
}

inline Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

inline ProbeTarget Target(int port, std::string netbios_name = "") {
  ProbeTarget target;
  target.address = "10.0.0.10";
  target.port = port;
  target.netbios_name = std::move(netbios_name);
  return target;
}

// Little-endian fields, as SMB and DCE/RPC (NDR with little-endian drep) write them.
inline void Put16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
}
inline void Put32(Bytes& out, std::uint32_t value) {
  Put16(out, static_cast<std::uint16_t>(value));
  Put16(out, static_cast<std::uint16_t>(value >> 16));
}
inline std::uint16_t Get16(const Bytes& in, std::size_t at) {
  return static_cast<std::uint16_t>(in[at] | (in[at + 1] << 8));
}
inline std::uint32_t Get32(const Bytes& in, std::size_t at) {
  return Get16(in, at) | (static_cast<std::uint32_t>(Get16(in, at + 2)) << 16);
}

}  // namespace portolan::probe::test_support
