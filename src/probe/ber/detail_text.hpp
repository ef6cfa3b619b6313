#pragma once
// Text from the wire made fit for a probe's detail line (printable ASCII, bounded), and a short
// description of bytes that are not the expected protocol ("looks like HTTP").

#include <cstddef>
#include <string>
#include <string_view>

#include "probe/ber/ber.hpp"

namespace portolan::probe::ber {

// Printable ASCII kept, anything else as \xNN; cut at `max_chars` with "...".
std::string PrintableText(std::string_view text, std::size_t max_chars = 80);

// "first byte 0x48 ('H', looks like HTTP)": for a wrong-service verdict.
std::string DescribeForeignBytes(ByteView bytes);

// Cuts a detail line to the contract's ~200 characters.
std::string LimitDetail(std::string detail);

}  // namespace portolan::probe::ber
