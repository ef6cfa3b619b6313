#pragma once
// The tds probe dialogues (registry rows in src/probe/registry.cpp).

#include <memory>

#include "probe/dialogue.hpp"

namespace portolan::probe::tds {

std::unique_ptr<Dialogue> MakePreloginDialogue(const ProbeTarget& target);

}  // namespace portolan::probe::tds
