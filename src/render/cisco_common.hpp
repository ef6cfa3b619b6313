#pragma once
// The layer the Cisco targets (cisco-ios, cisco-asa) share: one ACL per zone applied inbound on
// the interface facing it, object-group names and members, port operators, remarks that fit.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.hpp"

// A namespace of its own: these helpers are linked next to every other platform's.
namespace portolan::render::cisco {

enum class Dialect { kIos, kAsa };

// IOS and ASA both cut an ACL remark at 100 characters.
inline constexpr std::size_t kRemarkMax = 100;
// Object-group descriptions: 200 characters on ASA and IOS.
inline constexpr std::size_t kDescriptionMax = 200;
// ASA object names: at most 64 characters (objects and groups share one name space).
inline constexpr std::size_t kObjectNameMax = 64;

// "PORTOLAN-FROM-AAA": the ACL applied inbound on the interface that faces zone AAA.
std::string AclName(std::string_view zone);

// Every object-group name carries this prefix, so it cannot merge with a group the device
// already has (re-entering an existing group's name appends to its members).
std::string ObjectGroupName(const policy::Policy& policy, int group);

// "SMS01, SQL01 +3 more" within max_length: a description never pretends to be complete.
std::string FitMembers(const std::string& members, std::size_t max_length);

// The ACL keyword of a protocol: IOS "ahp" (IPv6: "ahp", GRE by number "47"), ASA "ah".
std::string ProtocolKeyword(Dialect dialect, core::Family family, catalog::Protocol protocol);

// "eq 445" or "range 1025 5000", one per range of the set; a single "" for no ports.
std::vector<std::string> PortOperators(const core::PortSet& ports);

// An IPv6 address as an ACE operand of an IOS IPv6 ACL, which takes no object-groups:
// "host 2001:db8::1", "2001:db8:91::/64".
std::string Ipv6Operand(const core::Network& network);

// The parts a rule is written as, each with the remark that names its flow and entries.
struct RemarkedPart {
  policy::Rule rule;   // the part: a subset of the rule's items
  std::string remark;  // prefix + flow id + entry ids, within kRemarkMax
};
std::vector<RemarkedPart> RemarkedParts(const policy::Policy& policy, const policy::Rule& rule,
                                        std::string_view prefix);

// The zones in the order of policy.zones, with the rules whose traffic enters the firewall from
// each: forward rules leaving the zone, and (stateless) the return traffic of rules entering it.
struct ZoneRules {
  std::string zone;
  std::vector<const policy::Rule*> outgoing;  // rule.from_zone == zone
  std::vector<const policy::Rule*> incoming;  // rule.to_zone == zone
};
std::vector<ZoneRules> RulesByZone(const policy::Policy& policy);

// Lines every Cisco output states after the common header: how the ACLs are laid out and
// what to watch for when pasting them.
std::vector<std::string> LayoutLines(const policy::Policy& policy, Dialect dialect);

}  // namespace portolan::render::cisco
