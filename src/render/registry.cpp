// The one table of render targets, in the order of importance to the users.

#include "render/platforms.hpp"
#include "render/target.hpp"

namespace portolan::render {

namespace {

using catalog::Protocol;

Capabilities HostOnly(Capabilities caps) {
  caps.network_mode = false;
  return caps;
}

}  // namespace

const std::vector<Target>& Targets() {
  static const std::vector<Target> targets = {
      {"windows-ps", "Windows Firewall with Advanced Security, PowerShell (New-NetFirewallRule)", policy::Mode::kHost,
       HostOnly({}), "network mode (it is a host firewall)", RenderWindowsPowerShell},
      {"windows-netsh", "Windows Firewall with Advanced Security, netsh advfirewall", policy::Mode::kHost, HostOnly({}),
       "network mode (it is a host firewall)", RenderWindowsNetsh},
      {"windows-legacy", "Windows XP SP2 / Server 2003 firewall, netsh firewall", policy::Mode::kHost,
       [] {
         Capabilities caps;
         caps.network_mode = false;
         caps.egress = false;
         caps.ipv6 = false;
         caps.protocols = {Protocol::kTcp, Protocol::kUdp};
         caps.max_expanded_range = 64;
         return caps;
       }(),
       "network mode, outbound rules (--egress), IPv6, GRE/ESP/AH, port ranges wider than 64 ports (one "
       "portopening per port)",
       RenderWindowsLegacy},
      {"iptables",
       "iptables-restore / ip6tables-restore",
       policy::Mode::kHost,
       {},
       "nothing the plan needs",
       RenderIptables},
      {"nftables", "nftables (nft -f)", policy::Mode::kHost, {}, "nothing the plan needs", RenderNftables},
      {"cisco-ios", "Cisco IOS / IOS-XE extended ACLs (stateless)", policy::Mode::kNetwork,
       [] {
         Capabilities caps;
         caps.host_mode = false;
         caps.stateful = false;
         caps.zone_pairs = true;
         return caps;
       }(),
       "host mode (it filters between interfaces); it is stateless, so return traffic gets rules of its own",
       RenderCiscoIos},
      {"cisco-asa", "Cisco ASA access-lists", policy::Mode::kNetwork,
       [] {
         Capabilities caps;
         caps.host_mode = false;
         caps.zone_pairs = true;
         return caps;
       }(),
       "host mode (it filters between interfaces)", RenderCiscoAsa},
      {"pf", "OpenBSD/FreeBSD pf (pf.conf)", policy::Mode::kHost, {}, "nothing the plan needs", RenderPf},
      {"aws-sg", "AWS security groups (IpPermissions JSON)", policy::Mode::kHost,
       [] {
         Capabilities caps;
         caps.network_mode = false;
         caps.whole_inventory = true;
         return caps;
       }(),
       "network mode (security groups attach to instances); deny rules (a security group only allows)",
       RenderAwsSecurityGroups},
  };
  return targets;
}

}  // namespace portolan::render
