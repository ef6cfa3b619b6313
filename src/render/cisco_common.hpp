#pragma once
// Shared by the Cisco targets (cisco-ios, cisco-asa).

namespace portolan::render {}  // namespace portolan::render
