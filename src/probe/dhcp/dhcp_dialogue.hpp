#pragma once
// The DHCP probe dialogue (registry row "dhcp" in src/probe/registry.cpp): a DHCPINFORM, only
// when the user asks for it, sent from UDP port 68.

#include <memory>

#include "probe/dialogue.hpp"

namespace portolan::probe::dhcp {

std::unique_ptr<Dialogue> MakeInformDialogue(const ProbeTarget& target);

}  // namespace portolan::probe::dhcp
