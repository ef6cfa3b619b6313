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

std::string_view TransportName(Transport transport) {
  return transport == Transport::kTcp ? "tcp" : "udp";
}

const std::vector<Service>& Services() {
  using enum Transport;
  static const std::vector<Service> services = {
      {"cldap", kUdp, {389}, false, ldap::MakeNetlogonPingDialogue, "CLDAP netlogon ping (DC locator)"},
      {"ldap", kTcp, {389, 3268}, false, ldap::MakeRootDseDialogue, "LDAP rootDSE (global catalog on 3268)"},
      {"ldaps", kTcp, {636, 3269}, true, ldap::MakeRootDseDialogue, "TLS, then LDAP rootDSE"},
      {"kerberos",
       kUdp,
       {88},
       false,
       kerberos::MakeAsReqUdpDialogue,
       "Kerberos AS-REQ for a principal that cannot exist"},
      {"kerberos", kTcp, {88}, false, kerberos::MakeAsReqTcpDialogue, "Kerberos AS-REQ over TCP"},
      {"epmap", kTcp, {135}, false, dcerpc::MakeEpmDialogue, "DCE/RPC endpoint mapper bind and ept_lookup"},
      {"epmap",
       kUdp,
       {135},
       false,
       dcerpc::MakeConnectionlessEpmDialogue,
       "connectionless DCE/RPC to the endpoint mapper"},
      {"smb", kTcp, {445}, false, smb::MakeNegotiateDialogue, "SMB multi-protocol negotiate (SMB1 and SMB2)"},
      {"netbios-ssn", kTcp, {139}, false, netbios::MakeSessionRequestDialogue, "NetBIOS session request"},
      {"netbios-ns", kUdp, {137}, false, netbios::MakeNodeStatusDialogue, "NetBIOS node status"},
      {"netbios-dgm", kUdp, {138}, false, nullptr, "NetBIOS datagrams: no request/response protocol"},
      {"ms-sql-s", kTcp, {1433}, false, tds::MakePreloginDialogue, "TDS PRELOGIN"},
      {"ms-sql-m", kUdp, {1434}, false, sqlr::MakeResolutionDialogue, "SQL Server Resolution (CLNT_UCAST_EX)"},
      {"http",
       kTcp,
       {80},
       false,
       http::MakeHttpDialogue,
       "HTTP (management point, distribution point, reporting point)"},
      {"pptp", kTcp, {1723}, false, pptp::MakeStartControlDialogue, "PPTP Start-Control-Connection"},
      {"dns", kUdp, {53}, false, dns::MakeSrvQueryUdpDialogue, "DNS query for the DC locator SRV record"},
      {"dns", kTcp, {53}, false, dns::MakeSrvQueryTcpDialogue, "DNS query over TCP"},
      {"dhcp",
       kUdp,
       {67},
       false,
       dhcp::MakeInformDialogue,
       "DHCP INFORM (sent from port 68; only when asked)",
       64 * 1024,
       68,
       true},
      {"sms-remote-control",
       kTcp,
       {2701, 2702, 2703, 2704},
       false,
       nullptr,
       "SMS Remote Control: no public protocol, transport only"},
      {"sms-remote-control",
       kUdp,
       {2701, 2702, 2703, 2704},
       false,
       nullptr,
       "SMS Remote Control: no public protocol, transport only"},
      // portolan's own responder (`portolan respond`), on whatever port it stands in on.
      {"responder", kTcp, {}, false, responder::MakeTcpDialogue, "portolan responder greeting"},
      {"responder", kUdp, {}, false, responder::MakeUdpDialogue, "portolan responder greeting"},
  };
  return services;
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
