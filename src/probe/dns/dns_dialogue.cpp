// Placeholder until the dialogue is written: no dialogue means a transport-only check.

#include "probe/dns/dns_dialogue.hpp"

namespace portolan::probe::dns {

std::unique_ptr<Dialogue> MakeSrvQueryUdpDialogue(const ProbeTarget& /*target*/) {
  return nullptr;
}

std::unique_ptr<Dialogue> MakeSrvQueryTcpDialogue(const ProbeTarget& /*target*/) {
  return nullptr;
}

}  // namespace portolan::probe::dns
