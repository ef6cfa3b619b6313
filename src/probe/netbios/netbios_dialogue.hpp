#pragma once
// The netbios probe dialogues (registry rows in src/probe/registry.cpp).

#include <memory>

#include "probe/dialogue.hpp"

namespace portolan::probe::netbios {

std::unique_ptr<Dialogue> MakeSessionRequestDialogue(const ProbeTarget& target);
std::unique_ptr<Dialogue> MakeNodeStatusDialogue(const ProbeTarget& target);

}  // namespace portolan::probe::netbios
