// Bytes -> inventory -> plan -> every render target, in host mode (a few endpoints), network
// mode and proxy mode (every http-proxy host: squid writes it, the others refuse), with and
// without --allow-partial. Inventories are untrusted: odd names, addresses and
// zones must never crash a platform or make it write output that names no rule.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "catalog/catalog_loader.hpp"
#include "core/diagnostics.hpp"
#include "inventory/inventory_loader.hpp"
#include "plan/planner.hpp"
#include "render/render.hpp"

namespace {

const portolan::catalog::Catalog& Sms2003() {
  static const portolan::catalog::Catalog kCatalog = portolan::catalog::LoadEmbeddedCatalog("sms2003");
  return kCatalog;
}

constexpr int kEndpointsPerInput = 3;  // host mode: bounded work per input

void RenderOnce(const portolan::inventory::Inventory& inventory, const portolan::plan::Plan& plan,
                const portolan::render::Request& request) {
  try {
    const auto outputs = portolan::render::RenderRequest(Sms2003(), inventory, plan, request);
    for (const auto& output : outputs) {
      if (output.content.empty()) std::abort();  // never silently empty
    }
  } catch (const portolan::render::RenderRefused&) {
    // What a target cannot express: an expected answer.
  } catch (const portolan::core::InputError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  portolan::core::Diagnostics diags;
  const auto inventory = portolan::inventory::ParseInventory(text, "fuzz.yaml", Sms2003(), diags);
  if (!inventory) return 0;
  const auto plan = portolan::plan::BuildPlan(Sms2003(), *inventory);
  const int endpoints = static_cast<int>(inventory->endpoints.size());
  for (const auto& target : portolan::render::Targets()) {
    for (const bool partial : {false, true}) {
      portolan::render::Request request;
      request.target = &target;
      request.allow_partial = partial;
      request.policy.mode = portolan::policy::Mode::kNetwork;
      RenderOnce(*inventory, plan, request);
      request.policy.mode = portolan::policy::Mode::kHost;
      request.policy.egress = true;
      for (int e = 0; e < endpoints && e < kEndpointsPerInput; ++e) {
        request.policy.host = e;
        RenderOnce(*inventory, plan, request);
      }
      request.policy = {};
      request.policy.mode = portolan::policy::Mode::kProxy;
      for (int e = 0, proxies = 0; e < endpoints && proxies < kEndpointsPerInput; ++e) {
        if (!inventory->endpoints[e].HasRole("http-proxy")) continue;
        ++proxies;
        request.policy.proxy = e;
        request.policy.host = e;
        RenderOnce(*inventory, plan, request);
      }
    }
  }
  return 0;
}
