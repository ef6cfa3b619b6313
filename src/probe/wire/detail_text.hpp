#pragma once
// Text from the wire made fit for a probe's detail line (printable ASCII, bounded), and a short
// description of bytes that are not the expected protocol ("looks like HTTP"), for every protocol.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace portolan::probe::wire {

// Printable ASCII kept, anything else as \xNN; cut at `max_chars` with "...".
std::string PrintableText(std::string_view text, std::size_t max_chars = 80);

// "48 54 54 50 ..." for the first `max_bytes` bytes.
std::string HexPrefix(std::span<const std::uint8_t> bytes, std::size_t max_bytes = 8);

// "first bytes 48 54 54 50 2f 31 2e 31 ... ('HTTP/1.1 400 Bad', looks like HTTP)": what answered
// instead, for a wrong-service verdict; the text when the bytes start with a line of text, and a
// guess when they look like a common protocol.
std::string DescribeForeignBytes(std::span<const std::uint8_t> bytes);

// Cuts a detail line to the contract's ~200 characters (and makes it printable).
std::string LimitDetail(const std::string& detail);

// A GUID or DCE UUID in its usual text form, from its 16 bytes in wire order (MS-DTYP 2.3.4.2:
// the first three fields little-endian).
std::string FormatGuid(const std::array<std::uint8_t, 16>& guid);

}  // namespace portolan::probe::wire
