// Placeholder until the dialogue is written: no dialogue means a transport-only check.

#include "probe/sqlr/sqlr_dialogue.hpp"

namespace portolan::probe::sqlr {

std::unique_ptr<Dialogue> MakeResolutionDialogue(const ProbeTarget& /*target*/) {
  return nullptr;
}

}  // namespace portolan::probe::sqlr
