#pragma once
// What the audit judges, cut to one firewall's view exactly as render cuts it: the plan's required
// flows as packet sets, and the domain of packets the firewall sees in each direction.

#include <functional>
#include <string>
#include <vector>

#include "audit/cube.hpp"
#include "audit/packet_set.hpp"
#include "audit/ruleset.hpp"
#include "policy/policy.hpp"

namespace portolan::audit {

struct RequiredFlow {
  std::string id;
  policy::Direction direction;
  std::vector<const policy::Rule*> rules;
  PacketSet packets;
  PacketSet replies;  // only when a stateless filter is audited
  // Cubes that hold all the packets (and replies): the cube engine tests a rule against a flow
  // too big to be cubes only where the rule's cubes touch these.
  std::vector<Cube> hull;
  std::vector<Cube> reply_hull;
};

// The required flows, each with its packets; with `replies`, also the replies of its
// connections as packets of their own (from the destination's ports to the source), which is
// what a stateless filter must let back through.
//
// A flow's rules are render's rules: in network mode one per pair of zones, so a big site has
// millions. A planned flow is every source to every destination, and render writes its rules for
// exactly the part the firewall sees; so a service of a flow carried by more than `exact_rules`
// rules is built as all its sources times all its destinations, cut to the firewall's domain
// (`domain_of`), which is the same set. The audit tests compare the two ways on every test
// inventory and mode.
std::vector<RequiredFlow> RequiredFlows(const policy::Policy& policy, bool replies,
                                        const std::function<PacketSet(policy::Direction)>& domain_of, int exact_rules);

// The packets this firewall sees and the audit judges in a direction, before the state and
// family limits.
PacketSet Domain(const policy::Policy& policy, policy::Direction direction);

// IPv6 neighbor discovery (RFC 4890: must not be dropped): a host's firewall passes it, and
// no plan lists it, so it is not counted as excess.
PacketSet Infrastructure();

// Interfaces: the audited packets cross the firewall on real interfaces, never on loopback.
PacketSet NotLoopback();

Hook HookOf(policy::Direction direction);

}  // namespace portolan::audit
