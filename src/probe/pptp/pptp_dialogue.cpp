// Placeholder until the dialogue is written: no dialogue means a transport-only check.

#include "probe/pptp/pptp_dialogue.hpp"

namespace portolan::probe::pptp {

std::unique_ptr<Dialogue> MakeStartControlDialogue(const ProbeTarget& /*target*/) {
  return nullptr;
}

}  // namespace portolan::probe::pptp
