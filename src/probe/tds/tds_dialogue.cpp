// Placeholder until the dialogue is written: no dialogue means a transport-only check.

#include "probe/tds/tds_dialogue.hpp"

namespace portolan::probe::tds {

std::unique_ptr<Dialogue> MakePreloginDialogue(const ProbeTarget& /*target*/) {
  return nullptr;
}

}  // namespace portolan::probe::tds
