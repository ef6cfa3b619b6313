#pragma once
// The pptp probe dialogues (registry rows in src/probe/registry.cpp).

#include <memory>

#include "probe/dialogue.hpp"

namespace portolan::probe::pptp {

std::unique_ptr<Dialogue> MakeStartControlDialogue(const ProbeTarget& target);

}  // namespace portolan::probe::pptp
