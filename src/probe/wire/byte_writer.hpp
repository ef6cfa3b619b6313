#pragma once
// Integers written to a byte buffer in the order the protocol says, for every codec that builds a
// request: big-endian (network order: NetBIOS, DNS, PPTP, TDS, DHCP, Kerberos over TCP) or
// little-endian (SMB, NDR), named at each call.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace portolan::probe::wire {

using Buffer = std::vector<std::uint8_t>;

namespace detail {

template <std::size_t kSize>
void PutBigEndian(Buffer& out, std::uint64_t value) {
  for (std::size_t i = kSize; i-- > 0;) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

template <std::size_t kSize>
void PutLittleEndian(Buffer& out, std::uint64_t value) {
  for (std::size_t i = 0; i < kSize; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

}  // namespace detail

inline void PutU16Be(Buffer& out, std::uint16_t value) {
  detail::PutBigEndian<2>(out, value);
}
inline void PutU24Be(Buffer& out, std::uint32_t value) {
  detail::PutBigEndian<3>(out, value);
}
inline void PutU32Be(Buffer& out, std::uint32_t value) {
  detail::PutBigEndian<4>(out, value);
}
inline void PutU16Le(Buffer& out, std::uint16_t value) {
  detail::PutLittleEndian<2>(out, value);
}
inline void PutU32Le(Buffer& out, std::uint32_t value) {
  detail::PutLittleEndian<4>(out, value);
}
inline void PutU64Le(Buffer& out, std::uint64_t value) {
  detail::PutLittleEndian<8>(out, value);
}

inline void PutZeros(Buffer& out, std::size_t count) {
  out.insert(out.end(), count, 0);
}
inline void PutBytes(Buffer& out, std::span<const std::uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// A length or offset written in place once what it counts is known. `at` must lie inside `out`.
inline void SetU16Le(Buffer& out, std::size_t at, std::uint16_t value) {
  for (std::size_t i = 0; i < 2; ++i) out.at(at + i) = static_cast<std::uint8_t>(value >> (8 * i));
}
inline void SetU32Le(Buffer& out, std::size_t at, std::uint32_t value) {
  for (std::size_t i = 0; i < 4; ++i) out.at(at + i) = static_cast<std::uint8_t>(value >> (8 * i));
}

}  // namespace portolan::probe::wire
