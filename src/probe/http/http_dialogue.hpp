#pragma once
// The http probe dialogues (registry rows in src/probe/registry.cpp).

#include <memory>

#include "probe/dialogue.hpp"

namespace portolan::probe::http {

std::unique_ptr<Dialogue> MakeHttpDialogue(const ProbeTarget& target);

}  // namespace portolan::probe::http
