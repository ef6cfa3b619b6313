#pragma once
// Which ports a responder serves: what the plan says an endpoint (or a role) must accept, or a
// port list from the command line. Pure: plan and inventory in, port sets out.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/port_set.hpp"
#include "plan/context.hpp"
#include "plan/flow.hpp"

namespace portolan::respond {

struct PortChoice {
  core::PortSet tcp;
  core::PortSet udp;
  std::vector<std::string> flows;       // the plan's flows that ask for them, sorted
  std::vector<std::string> not_served;  // "F23: gre (IP protocol 47) has no ports: not served"

  bool Empty() const { return tcp.Empty() && udp.Empty(); }
};

// Every (protocol, port) of the flows whose destinations include `endpoint`.
PortChoice PortsOfEndpoint(const plan::Plan& plan, int endpoint);

// The ports that the catalog entries for `role` require of the endpoints acting as that role
// (hosts with it, or with the role it falls back to): a host's other roles are left out.
PortChoice PortsOfRole(const plan::PlanContext& context, const plan::Plan& plan, std::string_view role);

// "80/tcp,389/udp,1025-1030/tcp,53": a bare port is TCP. nullopt and `error` when it does not parse.
std::optional<PortChoice> ParsePortList(std::string_view text, std::string* error = nullptr);

// "tcp 53,88,135 udp 53,88" for a banner.
std::string DescribePorts(const PortChoice& ports);

}  // namespace portolan::respond
