#pragma once
// The ldap probe dialogues (registry rows in src/probe/registry.cpp).

#include <memory>

#include "probe/dialogue.hpp"

namespace portolan::probe::ldap {

std::unique_ptr<Dialogue> MakeRootDseDialogue(const ProbeTarget& target);
std::unique_ptr<Dialogue> MakeNetlogonPingDialogue(const ProbeTarget& target);

}  // namespace portolan::probe::ldap
