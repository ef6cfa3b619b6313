#pragma once
// The render function of every platform, each defined in its own file; registry.cpp lists them.

#include <vector>

#include "policy/policy.hpp"
#include "render/target.hpp"

namespace portolan::render {

std::vector<RenderedFile> RenderWindowsPowerShell(const policy::Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderWindowsNetsh(const policy::Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderWindowsLegacy(const policy::Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderIptables(const policy::Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderNftables(const policy::Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderCiscoIos(const policy::Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderCiscoAsa(const policy::Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderPf(const policy::Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderAwsSecurityGroups(const policy::Policy& policy, const RenderOptions& options);
std::vector<RenderedFile> RenderSquid(const policy::Policy& policy, const RenderOptions& options);

}  // namespace portolan::render
