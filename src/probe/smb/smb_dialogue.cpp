// Placeholder until the dialogue is written: no dialogue means a transport-only check.

#include "probe/smb/smb_dialogue.hpp"

namespace portolan::probe::smb {

std::unique_ptr<Dialogue> MakeNegotiateDialogue(const ProbeTarget& /*target*/) {
  return nullptr;
}

}  // namespace portolan::probe::smb
