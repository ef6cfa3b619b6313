#include "render/text.hpp"

#include <set>

#include <fmt/format.h>

namespace portolan::render {

std::string ProtocolAndPorts(catalog::Protocol protocol, const core::PortSet& ports) {
  if (!catalog::ProtocolHasPorts(protocol) || ports.Empty()) return std::string(catalog::ProtocolName(protocol));
  return fmt::format("{} {}", catalog::ProtocolName(protocol), ports.ToString());
}

std::string DescribeRule(const policy::Policy& policy, const policy::Rule& rule,
                         const std::vector<policy::PortItem>& items) {
  core::PortSet ports;
  for (const auto& item : items) ports = ports.Union(item.ports);
  return fmt::format("{} {} from {} to {}", rule.name, ProtocolAndPorts(rule.protocol, ports),
                     policy.Sources(rule).members, policy.Destinations(rule).members);
}

std::string EntryIds(const policy::Policy& policy, const std::vector<int>& entries) {
  std::vector<std::string_view> ids;
  ids.reserve(entries.size());
  for (const int e : entries) ids.push_back(policy.catalog->entries[e].id);
  return fmt::format("{}", fmt::join(ids, " "));
}

std::string RuleComment(const policy::Policy& policy, const policy::Rule& rule) {
  return fmt::format("{} {}", rule.flow_id, EntryIds(policy, rule.Entries()));
}

std::string FitComment(const policy::Policy& policy, const policy::Rule& rule, std::size_t max_length) {
  const auto entries = rule.Entries();
  std::string comment = rule.flow_id;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string id = " " + policy.catalog->entries[entries[i]].id;
    const std::size_t left = entries.size() - i - 1;
    const std::string more = left == 0 ? "" : fmt::format(" +{} more", left + 1);
    // Room for this id and, if more follow, for the "+N more" that may replace them.
    const std::size_t reserve = left == 0 ? 0 : fmt::format(" +{} more", left).size();
    if (comment.size() + id.size() + reserve > max_length) return comment + more;
    comment += id;
  }
  return comment;
}

std::vector<policy::Rule> SplitForComment(const policy::Policy& policy, const policy::Rule& rule,
                                          std::size_t max_length) {
  if (RuleComment(policy, rule).size() <= max_length) return {rule};
  std::vector<policy::Rule> parts;
  for (const auto& item : rule.items) {
    policy::Rule candidate = parts.empty() ? rule : parts.back();
    if (!parts.empty()) {
      candidate.items.push_back(item);
      if (RuleComment(policy, candidate).size() <= max_length) {
        parts.back() = std::move(candidate);
        continue;
      }
    }
    policy::Rule part = rule;
    part.items = {item};
    parts.push_back(std::move(part));
  }
  for (std::size_t i = 0; i < parts.size(); ++i) parts[i].name = fmt::format("{}-{}", rule.name, i + 1);
  return parts;
}

std::vector<int> UsedGroups(const policy::Policy& policy) {
  std::vector<int> used;
  std::set<int> seen;
  for (const auto& rule : policy.rules) {
    for (const int g : {rule.sources, rule.destinations}) {
      if (seen.insert(g).second) used.push_back(g);
    }
  }
  return used;
}

std::vector<std::string> HeaderLines(const policy::Policy& policy, const Target& target) {
  const auto& options = policy.options;
  std::vector<std::string> lines;
  lines.push_back(fmt::format("{}, written by portolan render --target {}", target.title, target.id));
  lines.push_back(fmt::format("Inventory {} (catalog {}, domain {})", policy.inventory->file, policy.catalog->name,
                              policy.inventory->domain.name));
  if (options.mode == policy::Mode::kHost) {
    const std::string who = options.host ? fmt::format("host {}", policy.HostName()) : std::string("every host");
    lines.push_back(
        fmt::format("Host mode, {}: {}", who, options.egress ? "inbound and outbound traffic" : "inbound traffic"));
  } else {
    lines.push_back(
        fmt::format("Network mode: flows that cross between zones {}",
                    policy.zones.empty() ? std::string("(none)") : fmt::format("{}", fmt::join(policy.zones, ", "))));
  }
  lines.push_back(fmt::format("{} rules from the plan; each names its flow and the catalog entries that require it.",
                              policy.rules.size()));
  lines.push_back(options.default_deny
                      ? "Everything the plan does not require is denied."
                      : "No default deny (--no-default-deny): insert these rules into a policy that has one.");
  for (const auto& omission : policy.omissions) lines.push_back("WARNING: " + omission);
  return lines;
}

std::string CommentBlock(const std::vector<std::string>& lines, std::string_view marker) {
  std::string block;
  for (const auto& line : lines) block += fmt::format("{}{}\n", marker, line);
  return block;
}

}  // namespace portolan::render
