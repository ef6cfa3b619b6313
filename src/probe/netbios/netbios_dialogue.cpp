// Placeholder until the dialogue is written: no dialogue means a transport-only check.

#include "probe/netbios/netbios_dialogue.hpp"

namespace portolan::probe::netbios {

std::unique_ptr<Dialogue> MakeSessionRequestDialogue(const ProbeTarget& /*target*/) {
  return nullptr;
}

std::unique_ptr<Dialogue> MakeNodeStatusDialogue(const ProbeTarget& /*target*/) {
  return nullptr;
}

}  // namespace portolan::probe::netbios
