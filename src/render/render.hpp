#pragma once
// Rendering a whole request: in host mode one output per endpoint (or one for the whole
// inventory where the platform works that way), in network mode one for the firewall, in proxy
// mode one per http-proxy host.
// Everything is rendered in memory first, so a refusal leaves nothing half-written.

#include <string>
#include <vector>

#include "policy/policy.hpp"
#include "render/target.hpp"

namespace portolan::render {

struct Request {
  const Target* target = nullptr;
  policy::PolicyOptions policy;  // policy.host unset in host mode: every endpoint; proxy likewise
  RenderOptions render;
  bool allow_partial = false;
};

struct Output {
  std::string file_name;  // stem + the platform's suffix: "SMS01.nft", "network.iptables.rules"
  std::string content;
  std::string stem;  // "SMS01", "network", "all-hosts"
  int rules = 0;
  std::vector<std::string> omissions;
};

// Throws RenderRefused (with every problem of every endpoint) or core::InputError.
std::vector<Output> RenderRequest(const catalog::Catalog& catalog, const inventory::Inventory& inventory,
                                  const plan::Plan& plan, const Request& request);

}  // namespace portolan::render
