#pragma once
// The kerberos probe dialogues (registry rows in src/probe/registry.cpp).

#include <memory>

#include "probe/dialogue.hpp"

namespace portolan::probe::kerberos {

std::unique_ptr<Dialogue> MakeAsReqUdpDialogue(const ProbeTarget& target);
std::unique_ptr<Dialogue> MakeAsReqTcpDialogue(const ProbeTarget& target);

}  // namespace portolan::probe::kerberos
