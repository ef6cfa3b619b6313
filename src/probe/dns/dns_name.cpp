// One decoder of compressed domain names, shared by the DNS and CLDAP probes: a hostile answer
// (pointer loops, forward pointers, labels past the end, names without end) fails here, once.

#include "probe/dns/dns_name.hpp"

#include <fmt/format.h>

#include "probe/wire/byte_reader.hpp"

namespace portolan::probe::dns {

namespace {

constexpr std::uint8_t kPointerBits = 0xC0;  // RFC 1035 4.1.4: the two high bits of a pointer

NameRead Fail(NameRead read, std::string why) {
  read.name.reset();
  read.error = std::move(why);
  return read;
}

}  // namespace

NameRead ReadName(std::span<const std::uint8_t> message, std::size_t offset, const NameRules& rules) {
  NameRead read;
  read.end = offset;
  std::string name;
  wire::ByteReader reader(message);
  reader.Seek(offset);
  std::size_t floor = offset;  // a pointer must point before here
  std::size_t pointers = 0;
  bool jumped = false;
  while (true) {
    const std::size_t position = reader.Offset();
    const std::uint8_t length = reader.U8();
    if (!reader.Ok()) return Fail(std::move(read), "name runs past the end of the value");
    if ((length & kPointerBits) == kPointerBits) {
      const std::uint8_t low = reader.U8();
      if (!reader.Ok()) return Fail(std::move(read), "name pointer runs past the end of the value");
      const std::size_t target = (static_cast<std::size_t>(length & ~kPointerBits) << 8) | low;
      if (!jumped && rules.first_pointer_before_itself) floor = position;
      if (target >= floor)
        return Fail(std::move(read), fmt::format("name pointer to {} does not point backwards", target));
      if (++pointers > rules.max_pointers) return Fail(std::move(read), "too many name pointers");
      if (!jumped) read.end = position + 2;
      jumped = true;
      floor = target;
      reader.Seek(target);
      continue;
    }
    if ((length & kPointerBits) != 0) return Fail(std::move(read), fmt::format("reserved label type 0x{:02x}", length));
    if (length == 0) {
      if (!jumped) read.end = position + 1;
      read.name = name.empty() ? std::string(rules.root) : std::move(name);
      return read;
    }
    const auto label = reader.Take(length);
    if (!reader.Ok()) return Fail(std::move(read), "label runs past the end of the value");
    if (!name.empty()) name += '.';
    name.append(reinterpret_cast<const char*>(label.data()), label.size());
    if (name.size() > rules.max_length)
      return Fail(std::move(read), fmt::format("name longer than {} octets", rules.max_length));
  }
}

}  // namespace portolan::probe::dns
