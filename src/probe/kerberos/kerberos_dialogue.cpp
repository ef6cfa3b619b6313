// Placeholder until the dialogue is written: no dialogue means a transport-only check.

#include "probe/kerberos/kerberos_dialogue.hpp"

namespace portolan::probe::kerberos {

std::unique_ptr<Dialogue> MakeAsReqUdpDialogue(const ProbeTarget& /*target*/) {
  return nullptr;
}

std::unique_ptr<Dialogue> MakeAsReqTcpDialogue(const ProbeTarget& /*target*/) {
  return nullptr;
}

}  // namespace portolan::probe::kerberos
