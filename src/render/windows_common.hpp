#pragma once
// Shared by the Windows Firewall targets (windows-ps, windows-netsh, windows-legacy).

namespace portolan::render {}  // namespace portolan::render
