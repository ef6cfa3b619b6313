#include "inventory/inventory.hpp"

#include <strings.h>
#include <algorithm>

namespace portolan::inventory {

std::string_view SenderName(Sender sender) {
  switch (sender) {
    case Sender::kStandard: return "standard";
    case Sender::kRas: return "ras";
    case Sender::kCourier: return "courier";
  }
  return "?";
}

std::string_view RemoteControlName(RemoteControl remote_control) {
  switch (remote_control) {
    case RemoteControl::kNone: return "none";
    case RemoteControl::kTcp: return "tcp";
    case RemoteControl::kNetbios: return "netbios";
  }
  return "?";
}

std::string_view ProxyAuthName(ProxyAuth auth) {
  switch (auth) {
    case ProxyAuth::kNone: return "none";
    case ProxyAuth::kBasic: return "basic";
    case ProxyAuth::kNtlm: return "ntlm";
    case ProxyAuth::kNegotiate: return "negotiate";
  }
  return "?";
}

bool Endpoint::HasRole(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Endpoint::HasFamily(core::Family family) const {
  return std::any_of(addresses.begin(), addresses.end(),
                     [family](const core::Network& n) { return n.family == family; });
}

const Endpoint* Inventory::FindEndpoint(std::string_view name) const {
  for (const auto& endpoint : endpoints) {
    if (endpoint.name.size() == name.size() && strncasecmp(endpoint.name.data(), name.data(), name.size()) == 0) {
      return &endpoint;
    }
  }
  return nullptr;
}

int Inventory::FindSite(std::string_view code) const {
  for (std::size_t i = 0; i < sites.size(); ++i) {
    if (strcasecmp(sites[i].code.c_str(), std::string(code).c_str()) == 0) return static_cast<int>(i);
  }
  return -1;
}

bool Inventory::HasRole(std::string_view role) const {
  return std::any_of(endpoints.begin(), endpoints.end(), [role](const Endpoint& e) { return e.HasRole(role); });
}

bool Inventory::Bypasses(int proxy, int destination) const {
  const auto& settings = endpoints[proxy].http_proxy;
  if (!settings) return false;
  const auto& target = endpoints[destination];
  for (const auto& name : settings->bypass_hosts) {
    if (name.size() == target.name.size() && strncasecmp(name.data(), target.name.data(), name.size()) == 0)
      return true;
  }
  if (target.addresses.empty() || settings->bypass_networks.empty()) return false;
  return std::all_of(target.addresses.begin(), target.addresses.end(), [&](const core::Network& address) {
    return std::any_of(settings->bypass_networks.begin(), settings->bypass_networks.end(),
                       [&](const core::Network& network) { return network.Contains(address); });
  });
}

int Inventory::AssignedSite(int site) const {
  int current = site;
  // The loader rejects cycles, so this walk ends at the central site.
  while (current >= 0 && sites[current].type != SiteType::kPrimary) current = sites[current].parent;
  return current;
}

}  // namespace portolan::inventory

namespace portolan::inventory {

const std::string& Inventory::ZoneOf(int endpoint) const {
  const auto& e = endpoints[endpoint];
  return e.zone ? *e.zone : sites[e.site].zone;
}

std::vector<std::string> Inventory::Zones() const {
  std::vector<std::string> zones;
  zones.reserve(endpoints.size());
  for (int e = 0; e < static_cast<int>(endpoints.size()); ++e) zones.push_back(ZoneOf(e));
  std::sort(zones.begin(), zones.end());
  zones.erase(std::unique(zones.begin(), zones.end()), zones.end());
  return zones;
}

}  // namespace portolan::inventory
