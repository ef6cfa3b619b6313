#include "respond/port_selection.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace portolan::respond {

namespace {

// Adds a flow's ports (those of `content` items kept by `keep`) to the choice.
template <typename Keep>
void AddFlow(const plan::Flow& flow, Keep keep, PortChoice& choice) {
  core::PortSet ports;
  for (const auto& reason : flow.content) {
    if (keep(reason)) ports = ports.Union(reason.ports);
  }
  if (ports.Empty()) return;
  choice.flows.push_back(flow.id);
  if (!catalog::ProtocolHasPorts(flow.protocol)) {
    choice.not_served.push_back(fmt::format("{}: {} (IP protocol {}) has no ports: not served", flow.id,
                                            catalog::ProtocolName(flow.protocol),
                                            catalog::ProtocolNumber(flow.protocol)));
    return;
  }
  auto& set = flow.protocol == catalog::Protocol::kTcp ? choice.tcp : choice.udp;
  set = set.Union(ports);
}

void Finish(PortChoice& choice) {
  for (auto* list : {&choice.flows, &choice.not_served}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
}

std::optional<PortChoice> Fail(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
  return std::nullopt;
}

}  // namespace

PortChoice PortsOfEndpoint(const plan::Plan& plan, int endpoint) {
  PortChoice choice;
  for (const auto& flow : plan.flows) {
    if (!std::binary_search(flow.destinations.begin(), flow.destinations.end(), endpoint)) continue;
    AddFlow(
        flow, [](const plan::PortReason&) { return true; }, choice);
  }
  Finish(choice);
  return choice;
}

PortChoice PortsOfRole(const plan::PlanContext& context, const plan::Plan& plan, std::string_view role) {
  const auto& entries = context.catalog().entries;
  const auto for_role = [&](const plan::PortReason& reason) {
    return std::any_of(reason.entries.begin(), reason.entries.end(), [&](int e) {
      const auto& to = entries[static_cast<std::size_t>(e)].to;
      return std::find(to.begin(), to.end(), role) != to.end();
    });
  };
  PortChoice choice;
  for (const auto& flow : plan.flows) {
    const bool into_role =
        std::any_of(flow.destinations.begin(), flow.destinations.end(), [&](int d) { return context.ActsAs(d, role); });
    if (into_role) AddFlow(flow, for_role, choice);
  }
  Finish(choice);
  return choice;
}

std::optional<PortChoice> ParsePortList(std::string_view text, std::string* error) {
  PortChoice choice;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    std::string_view item = text.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) {
      return Fail(error, fmt::format("empty item in '{}'", text));
    }
    bool udp = false;
    if (const auto slash = item.find('/'); slash != std::string_view::npos) {
      const auto protocol = item.substr(slash + 1);
      if (protocol != "tcp" && protocol != "udp") {
        return Fail(error, fmt::format("'{}': the protocol must be tcp or udp", item));
      }
      udp = protocol == "udp";
      item = item.substr(0, slash);
    }
    std::string why;
    const auto range = core::ParsePortRange(item, &why);
    if (!range) {
      return Fail(error, fmt::format("'{}': {}", item, why));
    }
    auto& set = udp ? choice.udp : choice.tcp;
    set = set.Union(core::PortSet::Of(*range));
    if (end == text.size()) break;
    start = end + 1;
  }
  return choice;
}

std::string DescribePorts(const PortChoice& ports) {
  std::vector<std::string> parts;
  if (!ports.tcp.Empty()) parts.push_back("tcp " + ports.tcp.ToString());
  if (!ports.udp.Empty()) parts.push_back("udp " + ports.udp.ToString());
  return fmt::format("{}", fmt::join(parts, " "));
}

}  // namespace portolan::respond
