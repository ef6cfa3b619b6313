#pragma once
// The dns probe dialogues (registry rows in src/probe/registry.cpp).

#include <memory>

#include "probe/dialogue.hpp"

namespace portolan::probe::dns {

std::unique_ptr<Dialogue> MakeSrvQueryUdpDialogue(const ProbeTarget& target);
std::unique_ptr<Dialogue> MakeSrvQueryTcpDialogue(const ProbeTarget& target);

}  // namespace portolan::probe::dns
