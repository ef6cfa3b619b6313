#pragma once
// The contents of `ipset save`: the sets iptables rules match with -m set, read so that a
// --match-set becomes an exact packet set (hash:ip, hash:net, bitmap:ip, their ,port variants,
// bitmap:port, list:set).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/packet_set.hpp"
#include "core/diagnostics.hpp"

namespace portolan::audit::formats {

enum class IpsetDimension { kAddress, kPort, kOther };  // other: mac, mark, iface (not modelled)

struct IpsetPart {
  core::Family family = core::Family::kIPv4;
  Uint128 first = 0;  // addresses as plain numbers; ports as numbers
  Uint128 last = 0;
  int protocol = kProtocolTcp;    // ports: tcp unless the element says otherwise
  std::optional<PacketSet> icmp;  // ports: "icmp:echo-request"
};

struct IpsetElement {
  std::vector<IpsetPart> parts;  // one per dimension
  bool nomatch = false;
};

struct Ipset {
  std::string name;
  std::string type;  // "hash:net,port"
  core::Family family = core::Family::kIPv4;
  std::vector<IpsetDimension> dimensions;
  std::vector<IpsetElement> elements;
  std::vector<std::string> members;  // list:set
  core::SourceLocation where;
};

struct Ipsets {
  std::map<std::string, Ipset> sets;
};

// Throws core::InputError with file:line:column for every malformed line.
Ipsets ParseIpsetSave(std::string_view text, const std::string& file);

// The packets `-m set --match-set NAME FLAGS` matches (flags: one "src"/"dst" per dimension).
// nullopt with a reason when the set is unknown or of a kind the audit cannot model.
std::optional<PacketSet> MatchSet(const Ipsets& ipsets, const std::string& name, const std::vector<bool>& source_flags,
                                  std::string* reason);

}  // namespace portolan::audit::formats
