// Placeholder until the dialogue is written: no dialogue means a transport-only check.

#include "probe/http/http_dialogue.hpp"

namespace portolan::probe::http {

std::unique_ptr<Dialogue> MakeHttpDialogue(const ProbeTarget& /*target*/) {
  return nullptr;
}

}  // namespace portolan::probe::http
