// The one table of render targets, in the order of importance to the users.

#include "render/platforms.hpp"
#include "render/target.hpp"

namespace portolan::render {

using catalog::Protocol;

const std::vector<Target>& Targets() {
  static const std::vector<Target> kTargets = {
      {.id = "windows-ps",
       .title = "Windows Firewall with Advanced Security, PowerShell (New-NetFirewallRule)",
       .default_mode = policy::Mode::kHost,
       .capabilities = {.network_mode = false},
       .cannot = "network mode (it is a host firewall)",
       .render = RenderWindowsPowerShell,
       .line_ending = core::LineEnding::kCrlf},
      {.id = "windows-netsh",
       .title = "Windows Firewall with Advanced Security, netsh advfirewall",
       .default_mode = policy::Mode::kHost,
       .capabilities = {.network_mode = false},
       .cannot = "network mode (it is a host firewall)",
       .render = RenderWindowsNetsh,
       .line_ending = core::LineEnding::kCrlf},  // cmd's goto misbehaves with LF alone
      {.id = "windows-legacy",
       .title = "Windows XP SP2 / Server 2003 firewall, netsh firewall",
       .default_mode = policy::Mode::kHost,
       .capabilities = {.network_mode = false,
                        .egress = false,
                        .ipv6 = false,
                        .protocols = {Protocol::kTcp, Protocol::kUdp},
                        .max_expanded_range = 64},
       .cannot = "network mode, outbound rules (--egress), IPv6, GRE/ESP/AH, port ranges wider than 64 ports (one "
                 "portopening per port)",
       .render = RenderWindowsLegacy,
       .line_ending = core::LineEnding::kCrlf},
      {.id = "iptables",
       .title = "iptables-restore / ip6tables-restore",
       .default_mode = policy::Mode::kHost,
       .capabilities = {},
       .cannot = "nothing the plan needs",
       .render = RenderIptables},
      {.id = "nftables",
       .title = "nftables (nft -f)",
       .default_mode = policy::Mode::kHost,
       .capabilities = {},
       .cannot = "nothing the plan needs",
       .render = RenderNftables},
      {.id = "cisco-ios",
       .title = "Cisco IOS / IOS-XE extended ACLs (stateless)",
       .default_mode = policy::Mode::kNetwork,
       .capabilities = {.host_mode = false, .stateful = false, .zone_pairs = true},
       .cannot = "host mode (it filters between interfaces); it is stateless, so return traffic gets rules of its own",
       .render = RenderCiscoIos},
      {.id = "cisco-asa",
       .title = "Cisco ASA access-lists",
       .default_mode = policy::Mode::kNetwork,
       .capabilities = {.host_mode = false, .zone_pairs = true},
       .cannot = "host mode (it filters between interfaces)",
       .render = RenderCiscoAsa},
      {.id = "pf",
       .title = "OpenBSD/FreeBSD pf (pf.conf)",
       .default_mode = policy::Mode::kHost,
       .capabilities = {},
       .cannot = "nothing the plan needs",
       .render = RenderPf},
      {.id = "aws-sg",
       .title = "AWS security groups (IpPermissions JSON)",
       .default_mode = policy::Mode::kHost,
       .capabilities = {.network_mode = false, .whole_inventory = true},
       .cannot = "network mode (security groups attach to instances); deny rules (a security group only allows)",
       .render = RenderAwsSecurityGroups},
      {.id = "squid",
       .title = "Squid web proxy access rules (squid.conf acl and http_access)",
       .default_mode = policy::Mode::kProxy,
       .capabilities = {.host_mode = false, .network_mode = false, .protocols = {Protocol::kTcp}, .proxy_mode = true},
       .cannot = "host and network mode (it is a web proxy's policy, not a firewall's: --mode proxy); anything but "
                 "HTTP requests",
       .render = RenderSquid},
  };
  return kTargets;
}

}  // namespace portolan::render
