#pragma once
// Domain names in RFC 1035 wire form with compression (4.1.4), for every reader of them: DNS
// messages and the CLDAP Netlogon answer (MS-ADTS 6.3.1.9). Pointers must point backwards, so a
// chain always ends; labels and names are bounded; nothing is read outside the message.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace portolan::probe::dns {

// The bounds a reader of names applies. The DNS message parser and the Netlogon parser came with
// slightly different ones; both are kept as they were so that no verdict changes.
struct NameRules {
  std::size_t max_length;  // of the dotted name
  std::size_t max_pointers;
  // The first pointer may point into the name's own labels before it (DNS), or only before the
  // name's first byte (Netlogon). Every later pointer points before the one it came from.
  bool first_pointer_before_itself;
  std::string_view root;  // the root name as text
};

// RFC 1035 2.3.4: 255 octets on the wire, i.e. 254 characters dotted; "." for the root.
inline constexpr NameRules kMessageNames{254, std::numeric_limits<std::size_t>::max(), true, "."};
// At most 255 characters and 32 pointers; "" for the root.
inline constexpr NameRules kNetlogonNames{255, 32, false, ""};

struct NameRead {
  std::optional<std::string> name;  // dotted, as on the wire (may be unprintable)
  // Just past the name where it started (past its first pointer, if any). On failure: past the
  // first pointer once it was followed, else where the name started.
  std::size_t end = 0;
  std::string error;  // why not, when there is no name
};

// The name at `offset` of `message`.
NameRead ReadName(std::span<const std::uint8_t> message, std::size_t offset, const NameRules& rules);

}  // namespace portolan::probe::dns
