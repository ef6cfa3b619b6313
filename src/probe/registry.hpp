#pragma once
// The one table of probed services: transport, default ports, TLS, and the dialogue that proves
// the real service answered (none for transport-only checks). Adding a protocol = one folder
// under src/probe/ + one row in registry.cpp + tests.

#include <cstddef>
#include <string_view>
#include <vector>

#include "probe/dialogue.hpp"
#include "probe/transport.hpp"

namespace portolan::probe {

struct Service {
  std::string_view id;  // "ldap", "cldap", "kerberos", "smb", ...
  Transport transport = Transport::kTcp;
  std::vector<int> ports;              // the ports this service is probed on by default
  bool tls = false;                    // a TLS handshake first (LDAPS, global catalog over SSL)
  DialogueFactory dialogue = nullptr;  // nullptr: transport only (no protocol answer is possible)
  std::string_view description;
  std::size_t max_answer = 64 * 1024;  // bytes read at most
  int source_port = 0;                 // a fixed local port the protocol needs (DHCP: 68); 0: any
  bool only_when_asked = false;        // not probed from the plan unless asked (DHCP)
};

const std::vector<Service>& Services();
const Service* FindService(std::string_view id);
const Service* ServiceFor(Transport transport, int port);  // the default service of a port

}  // namespace portolan::probe
