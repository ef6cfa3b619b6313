// Placeholder until the dialogue is written: no dialogue means a transport-only check.

#include "probe/dcerpc/dcerpc_dialogue.hpp"

namespace portolan::probe::dcerpc {

std::unique_ptr<Dialogue> MakeEpmDialogue(const ProbeTarget& /*target*/) {
  return nullptr;
}

std::unique_ptr<Dialogue> MakeConnectionlessEpmDialogue(const ProbeTarget& /*target*/) {
  return nullptr;
}

}  // namespace portolan::probe::dcerpc
