// Placeholder until the dialogue is written: no dialogue means a transport-only check.

#include "probe/ldap/ldap_dialogue.hpp"

namespace portolan::probe::ldap {

std::unique_ptr<Dialogue> MakeRootDseDialogue(const ProbeTarget& /*target*/) {
  return nullptr;
}

std::unique_ptr<Dialogue> MakeNetlogonPingDialogue(const ProbeTarget& /*target*/) {
  return nullptr;
}

}  // namespace portolan::probe::ldap
