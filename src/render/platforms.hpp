#pragma once
// The render function of every platform, each defined in its own file; registry.cpp lists them.

#include <vector>

#include "render/policy.hpp"
#include "render/target.hpp"

namespace portolan::render {

std::vector<RenderedFile> RenderWindowsPowerShell(const Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderWindowsNetsh(const Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderWindowsLegacy(const Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderIptables(const Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderNftables(const Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderCiscoIos(const Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderCiscoAsa(const Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderPf(const Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderAwsSecurityGroups(const Policy& policy, const RenderOptions& options);

}  // namespace portolan::render
