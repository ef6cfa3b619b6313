// TODO(render): not written yet.

#include "render/platforms.hpp"
#include "render/text.hpp"

namespace portolan::render {

std::vector<RenderedFile> RenderWindowsPowerShell(const Policy& policy, const RenderOptions& /*options*/) {
  return {{".txt", "not yet\n" + std::to_string(policy.rules.size())}};
}

}  // namespace portolan::render
