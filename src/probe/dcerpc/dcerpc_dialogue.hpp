#pragma once
// The dcerpc probe dialogues (registry rows in src/probe/registry.cpp).

#include <memory>

#include "probe/dialogue.hpp"

namespace portolan::probe::dcerpc {

std::unique_ptr<Dialogue> MakeEpmDialogue(const ProbeTarget& target);
std::unique_ptr<Dialogue> MakeConnectionlessEpmDialogue(const ProbeTarget& target);

}  // namespace portolan::probe::dcerpc
