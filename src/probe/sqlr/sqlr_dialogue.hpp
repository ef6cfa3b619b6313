#pragma once
// The sqlr probe dialogues (registry rows in src/probe/registry.cpp).

#include <memory>

#include "probe/dialogue.hpp"

namespace portolan::probe::sqlr {

std::unique_ptr<Dialogue> MakeResolutionDialogue(const ProbeTarget& target);

}  // namespace portolan::probe::sqlr
