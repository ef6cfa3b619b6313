#pragma once
// The smb probe dialogues (registry rows in src/probe/registry.cpp).

#include <memory>

#include "probe/dialogue.hpp"

namespace portolan::probe::smb {

std::unique_ptr<Dialogue> MakeNegotiateDialogue(const ProbeTarget& target);

}  // namespace portolan::probe::smb
