// The probed services, one row each. The ports are the protocol map of KB 826852's services
// (see docs/probe.md); a port not listed here is probed as a transport-only check.

#include "probe/registry.hpp"

#include "probe/dcerpc/dcerpc_dialogue.hpp"
#include "probe/dhcp/dhcp_dialogue.hpp"
#include "probe/dns/dns_dialogue.hpp"
#include "probe/http/http_dialogue.hpp"
#include "probe/kerberos/kerberos_dialogue.hpp"
#include "probe/ldap/ldap_dialogue.hpp"
#include "probe/netbios/netbios_dialogue.hpp"
#include "probe/pptp/pptp_dialogue.hpp"
#include "probe/responder/responder_dialogue.hpp"
#include "probe/smb/smb_dialogue.hpp"
#include "probe/sqlr/sqlr_dialogue.hpp"
#include "probe/tds/tds_dialogue.hpp"

namespace portolan::probe {

const std::vector<Service>& Services() {
  using enum Transport;
  static const std::vector<Service> kServices = {
      {.id = "cldap",
       .transport = kUdp,
       .ports = {389},
       .dialogue = ldap::MakeNetlogonPingDialogue,
       .description = "CLDAP netlogon ping (DC locator)"},
      {.id = "ldap",
       .transport = kTcp,
       .ports = {389, 3268},
       .dialogue = ldap::MakeRootDseDialogue,
       .description = "LDAP rootDSE (global catalog on 3268)"},
      {.id = "ldaps",
       .transport = kTcp,
       .ports = {636, 3269},
       .tls = true,
       .dialogue = ldap::MakeRootDseDialogue,
       .description = "TLS, then LDAP rootDSE"},
      {.id = "kerberos",
       .transport = kUdp,
       .ports = {88},
       .dialogue = kerberos::MakeAsReqUdpDialogue,
       .description = "Kerberos AS-REQ for a principal that cannot exist"},
      {.id = "kerberos",
       .transport = kTcp,
       .ports = {88},
       .dialogue = kerberos::MakeAsReqTcpDialogue,
       .description = "Kerberos AS-REQ over TCP"},
      {.id = "epmap",
       .transport = kTcp,
       .ports = {135},
       .dialogue = dcerpc::MakeEpmDialogue,
       .description = "DCE/RPC endpoint mapper bind and ept_lookup"},
      {.id = "epmap",
       .transport = kUdp,
       .ports = {135},
       .dialogue = dcerpc::MakeConnectionlessEpmDialogue,
       .description = "connectionless DCE/RPC to the endpoint mapper"},
      {.id = "smb",
       .transport = kTcp,
       .ports = {445},
       .dialogue = smb::MakeNegotiateDialogue,
       .description = "SMB multi-protocol negotiate (SMB1 and SMB2)"},
      {.id = "netbios-ssn",
       .transport = kTcp,
       .ports = {139},
       .dialogue = netbios::MakeSessionRequestDialogue,
       .description = "NetBIOS session request"},
      {.id = "netbios-ns",
       .transport = kUdp,
       .ports = {137},
       .dialogue = netbios::MakeNodeStatusDialogue,
       .description = "NetBIOS node status"},
      {.id = "netbios-dgm",
       .transport = kUdp,
       .ports = {138},
       .description = "NetBIOS datagrams: no request/response protocol"},
      {.id = "ms-sql-s",
       .transport = kTcp,
       .ports = {1433},
       .dialogue = tds::MakePreloginDialogue,
       .description = "TDS PRELOGIN"},
      {.id = "ms-sql-m",
       .transport = kUdp,
       .ports = {1434},
       .dialogue = sqlr::MakeResolutionDialogue,
       .description = "SQL Server Resolution (CLNT_UCAST_EX)"},
      {.id = "http",
       .transport = kTcp,
       .ports = {80},
       .dialogue = http::MakeHttpDialogue,
       .description = "HTTP (management point, distribution point, reporting point)"},
      {.id = "pptp",
       .transport = kTcp,
       .ports = {1723},
       .dialogue = pptp::MakeStartControlDialogue,
       .description = "PPTP Start-Control-Connection"},
      {.id = "dns",
       .transport = kUdp,
       .ports = {53},
       .dialogue = dns::MakeSrvQueryUdpDialogue,
       .description = "DNS query for the DC locator SRV record"},
      {.id = "dns",
       .transport = kTcp,
       .ports = {53},
       .dialogue = dns::MakeSrvQueryTcpDialogue,
       .description = "DNS query over TCP"},
      {.id = "dhcp",
       .transport = kUdp,
       .ports = {67},
       .dialogue = dhcp::MakeInformDialogue,
       .description = "DHCP INFORM (sent from port 68; only when asked)",
       .source_port = 68,
       .only_when_asked = true},
      {.id = "sms-remote-control",
       .transport = kTcp,
       .ports = {2701, 2702, 2703, 2704},
       .description = "SMS Remote Control: no public protocol, transport only"},
      {.id = "sms-remote-control",
       .transport = kUdp,
       .ports = {2701, 2702, 2703, 2704},
       .description = "SMS Remote Control: no public protocol, transport only"},
      // portolan's own responder (`portolan respond`), on whatever port it stands in on.
      {.id = "responder",
       .transport = kTcp,
       .ports = {},
       .dialogue = responder::MakeTcpDialogue,
       .description = "portolan responder greeting"},
      {.id = "responder",
       .transport = kUdp,
       .ports = {},
       .dialogue = responder::MakeUdpDialogue,
       .description = "portolan responder greeting"},
  };
  return kServices;
}

const Service* FindService(std::string_view id) {
  for (const auto& service : Services()) {
    if (service.id == id) return &service;
  }
  return nullptr;
}

const Service* ServiceFor(Transport transport, int port) {
  for (const auto& service : Services()) {
    if (service.transport != transport) continue;
    for (const int p : service.ports) {
      if (p == port) return &service;
    }
  }
  return nullptr;
}

}  // namespace portolan::probe
