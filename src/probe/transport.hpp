#pragma once
// The transport a probe, a service of the registry and a responder's greeting are about: one
// enum for all of them. Its order (tcp before udp) is the order of every map and report keyed on it.

#include <string_view>

namespace portolan::probe {

enum class Transport { kTcp, kUdp };

// "tcp", "udp": as the greeting, the reports and the contact log write it.
constexpr std::string_view TransportName(Transport transport) {
  return transport == Transport::kTcp ? "tcp" : "udp";
}

}  // namespace portolan::probe
