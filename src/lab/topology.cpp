#include "lab/topology.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "core/diagnostics.hpp"

namespace portolan::lab {

namespace {

bool LabNameCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
}

// A readable, safe piece of a namespace name from an inventory name.
std::string Readable(std::string_view name) {
  constexpr std::size_t kMaxPiece = 24;
  std::string piece;
  for (const char c : name.substr(0, kMaxPiece)) piece += LabNameCharacter(c) || c == '.' ? c : '_';
  return piece;
}

// The address `offset` places after the start of a network (IPv4 or IPv6).
core::Network Offset(const core::Network& network, std::uint32_t offset) {
  core::Network address = network;
  const int size = network.family == core::Family::kIPv4 ? 4 : 16;
  std::uint32_t carry = offset;
  for (int i = size - 1; i >= 0 && carry != 0; --i) {
    const std::uint32_t sum = network.bytes[static_cast<std::size_t>(i)] + (carry & 0xFFU);
    address.bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(sum & 0xFFU);
    carry = (carry >> 8U) + (sum >> 8U);
  }
  address.prefix_length = address.MaxPrefix();
  return address;
}

// An address inside `network` that no host uses: the first usable one after the network's own
// address (or the address itself for a /32 or /128).
std::optional<core::Network> FreeAddress(const core::Network& network, const std::set<core::Network>& taken) {
  if (network.IsHost()) return taken.contains(network) ? std::nullopt : std::optional(network);
  const int host_bits = network.MaxPrefix() - network.prefix_length;
  constexpr std::uint32_t kTries = 1024;
  const std::uint32_t last = host_bits >= 31 ? kTries : std::min<std::uint32_t>(kTries, (1U << host_bits) - 2);
  for (std::uint32_t offset = 1; offset <= last; ++offset) {
    const auto candidate = Offset(network, offset);
    if (!taken.contains(candidate)) return candidate;
  }
  return std::nullopt;
}

}  // namespace

std::string CheckLabName(std::string_view name) {
  if (name.empty()) return "a lab name cannot be empty";
  if (name.size() > kMaxLabName) return fmt::format("'{}' is longer than {} characters", name, kMaxLabName);
  if (!std::all_of(name.begin(), name.end(), LabNameCharacter)) {
    return fmt::format("'{}' may use only letters, digits, '-' and '_'", name);
  }
  return {};
}

std::string DefaultLabName(std::string_view inventory_file) {
  auto stem = inventory_file.substr(inventory_file.find_last_of('/') + 1);
  stem = stem.substr(0, stem.find('.'));
  std::string name;
  for (const char c : stem) {
    if (name.size() == kMaxLabName) break;
    name += LabNameCharacter(c) ? c : '-';
  }
  return name.empty() ? std::string("lab") : name;
}

std::vector<std::string> Topology::Namespaces() const {
  std::vector<std::string> names{router_namespace};
  for (const auto& zone : zones) names.push_back(zone.switch_namespace);
  for (const auto& endpoint : endpoints) names.push_back(endpoint.namespace_name);
  return names;
}

const LabEndpoint* Topology::FindEndpoint(std::string_view name) const {
  const auto same = [&](const LabEndpoint& endpoint) {
    return std::equal(endpoint.name.begin(), endpoint.name.end(), name.begin(), name.end(), [](char a, char b) {
      return std::toupper(static_cast<unsigned char>(a)) == std::toupper(static_cast<unsigned char>(b));
    });
  };
  const auto it = std::find_if(endpoints.begin(), endpoints.end(), same);
  return it == endpoints.end() ? nullptr : &*it;
}

std::string Topology::AddressOf(const LabEndpoint& endpoint, core::Family family) const {
  for (const auto& address : endpoint.addresses) {
    if (address.family == family) return address.AddressString();
  }
  return {};
}

std::string RouterNamespace(std::string_view lab) {
  return fmt::format("pl-{}-router", lab);
}

Topology BuildTopology(const inventory::Inventory& inventory, std::string_view lab) {
  Topology topology;
  topology.lab = std::string(lab);
  const std::string prefix = fmt::format("pl-{}-", lab);
  topology.router_namespace = RouterNamespace(lab);
  const auto zone_names = inventory.Zones();
  for (std::size_t z = 0; z < zone_names.size(); ++z) {
    topology.zones.push_back(LabZone{zone_names[z], fmt::format("{}zone{}", prefix, z), fmt::format("z{}", z), {}});
  }

  std::set<core::Network> taken;
  for (const auto& endpoint : inventory.endpoints) {
    if (endpoint.kind == inventory::EndpointKind::kHost)
      taken.insert(endpoint.addresses.begin(), endpoint.addresses.end());
  }
  core::Diagnostics problems;
  for (std::size_t e = 0; e < inventory.endpoints.size(); ++e) {
    const auto& endpoint = inventory.endpoints[e];
    LabEndpoint member;
    member.endpoint = static_cast<int>(e);
    member.name = endpoint.name;
    member.namespace_name = fmt::format("{}e{}-{}", prefix, e, Readable(endpoint.name));
    member.client_network = endpoint.kind == inventory::EndpointKind::kClientNetwork;
    const auto& zone = inventory.ZoneOf(static_cast<int>(e));
    member.zone = static_cast<int>(std::lower_bound(zone_names.begin(), zone_names.end(), zone) - zone_names.begin());
    if (member.client_network) {
      for (const auto& network : endpoint.addresses) {
        const auto address = FreeAddress(network, taken);
        if (!address) {
          problems.Error(endpoint.where, fmt::format("client network '{}': no free address in {} for the lab",
                                                     endpoint.name, network.ToString()));
          continue;
        }
        taken.insert(*address);
        member.addresses.push_back(*address);
      }
    } else {
      member.addresses = endpoint.addresses;
    }
    auto& lab_zone = topology.zones[static_cast<std::size_t>(member.zone)];
    member.port = static_cast<int>(lab_zone.members.size());
    lab_zone.members.push_back(static_cast<int>(topology.endpoints.size()));
    topology.endpoints.push_back(std::move(member));
  }
  if (problems.HasErrors()) throw core::InputError(std::move(problems));
  return topology;
}

}  // namespace portolan::lab
