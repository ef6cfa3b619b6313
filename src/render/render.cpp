#include "render/render.hpp"

#include <fmt/format.h>

namespace portolan::render {

namespace {

void Append(std::vector<Output>& outputs, const std::string& stem, const policy::Policy& policy,
            std::vector<RenderedFile> files) {
  for (auto& file : files) {
    outputs.push_back(
        {stem + file.suffix, std::move(file.content), stem, static_cast<int>(policy.rules.size()), policy.omissions});
  }
}

}  // namespace

std::vector<Output> RenderRequest(const catalog::Catalog& catalog, const inventory::Inventory& inventory,
                                  const plan::Plan& plan, const Request& request) {
  const Target& target = *request.target;
  const policy::PolicyIndex index(catalog, inventory, plan);
  Request adjusted = request;
  adjusted.policy.merge_source_zones = !target.capabilities.zone_pairs;
  adjusted.render.plan = &plan;
  std::vector<Output> outputs;
  const auto mode = request.policy.mode;
  // Host mode without a host: every endpoint; proxy mode without a proxy: every http-proxy host.
  const bool per_endpoint =
      (mode == policy::Mode::kHost && !request.policy.host && !target.capabilities.whole_inventory) ||
      (mode == policy::Mode::kProxy && !request.policy.proxy);
  if (!per_endpoint) {
    auto policy = policy::BuildPolicy(index, adjusted.policy);
    const std::string stem = mode == policy::Mode::kNetwork ? "network"
                             : mode == policy::Mode::kProxy ? inventory.endpoints[*request.policy.proxy].name
                             : request.policy.host          ? policy.HostName()
                                                            : "all-hosts";
    Append(outputs, stem, policy, Render(target, policy, adjusted.render, request.allow_partial));
    return outputs;
  }
  // A mode the target lacks is refused once, not once per endpoint.
  policy::Policy shape;
  shape.options = adjusted.policy;
  CheckCapabilities(target, shape, false);
  std::vector<Problem> problems;
  for (int e = 0; e < static_cast<int>(inventory.endpoints.size()); ++e) {
    auto options = adjusted.policy;
    if (mode == policy::Mode::kProxy) {
      if (!inventory.endpoints[e].HasRole("http-proxy")) continue;
      options.proxy = e;
    } else {
      options.host = e;
    }
    auto policy = policy::BuildPolicy(index, options);
    try {
      Append(outputs, inventory.endpoints[e].name, policy,
             Render(target, policy, adjusted.render, request.allow_partial));
    } catch (const RenderRefused& refused) {
      for (const auto& problem : refused.problems()) {
        problems.push_back({fmt::format("{}: {}", inventory.endpoints[e].name, problem.what), problem.why});
      }
    }
  }
  if (!problems.empty()) throw RenderRefused(std::string(target.id), std::move(problems));
  return outputs;
}

}  // namespace portolan::render
