#include "render/target.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "render/text.hpp"

namespace portolan::render {

const Target* FindTarget(std::string_view id) {
  for (const auto& target : Targets()) {
    if (target.id == id) return &target;
  }
  return nullptr;
}

namespace {

std::string RefusalMessage(const std::string& target, const std::vector<Problem>& problems) {
  std::string message = fmt::format("target {} cannot express {} part{} of this policy:", target, problems.size(),
                                    problems.size() == 1 ? "" : "s");
  for (const auto& problem : problems) message += fmt::format("\n  - {}: {}", problem.what, problem.why);
  return message;
}

// A mode or a direction the platform does not have: nothing partial can come of it.
void RefuseShape(const Target& target, const policy::Policy& policy) {
  const auto& caps = target.capabilities;
  const auto& options = policy.options;
  std::vector<Problem> problems;
  if (options.mode == policy::Mode::kHost && !caps.host_mode) {
    problems.push_back({"host mode", fmt::format("{} is a firewall between networks; use --mode network", target.id)});
  }
  if (options.mode == policy::Mode::kNetwork && !caps.network_mode) {
    problems.push_back({"network mode", fmt::format("{} filters one host's traffic; use --mode host", target.id)});
  }
  if (options.mode == policy::Mode::kHost && options.egress && !caps.egress) {
    problems.push_back({"--egress", fmt::format("{} can only open inbound ports", target.id)});
  }
  if (!problems.empty()) throw RenderRefused(std::string(target.id), std::move(problems));
}

std::optional<std::string> RuleProblem(const Capabilities& caps, const policy::Rule& rule) {
  if (rule.family == core::Family::kIPv6 && !caps.ipv6) return "IPv6 is not something this platform can filter";
  if (std::find(caps.protocols.begin(), caps.protocols.end(), rule.protocol) == caps.protocols.end()) {
    return fmt::format("protocol {} ({}) cannot be opened on this platform", catalog::ProtocolName(rule.protocol),
                       catalog::ProtocolNumber(rule.protocol));
  }
  return std::nullopt;
}

std::optional<std::string> ItemProblem(const Capabilities& caps, const policy::PortItem& item) {
  if (caps.max_expanded_range == 0) return std::nullopt;
  for (const auto& range : item.ports.Ranges()) {
    const int count = range.last - range.first + 1;
    if (count > caps.max_expanded_range) {
      return fmt::format("the range {} would need {} rules of one port each (at most {} are written)", range.ToString(),
                         count, caps.max_expanded_range);
    }
  }
  return std::nullopt;
}

}  // namespace

RenderRefused::RenderRefused(std::string target, std::vector<Problem> problems)
    : std::runtime_error(RefusalMessage(target, problems)),
      target_(std::move(target)),
      problems_(std::move(problems)) {}

void CheckCapabilities(const Target& target, policy::Policy& policy, bool allow_partial) {
  RefuseShape(target, policy);
  const auto& caps = target.capabilities;
  std::vector<Problem> problems;
  std::vector<policy::Rule> kept;
  for (auto& rule : policy.rules) {
    if (const auto why = RuleProblem(caps, rule)) {
      problems.push_back({DescribeRule(policy, rule, rule.items), *why});
      continue;
    }
    std::vector<policy::PortItem> items;
    for (auto& item : rule.items) {
      if (const auto why = ItemProblem(caps, item)) {
        problems.push_back({DescribeRule(policy, rule, {item}), *why});
      } else {
        items.push_back(std::move(item));
      }
    }
    if (items.empty()) continue;
    rule.items = std::move(items);
    kept.push_back(std::move(rule));
  }
  if (!problems.empty() && !allow_partial) throw RenderRefused(std::string(target.id), std::move(problems));
  policy.rules = std::move(kept);
  for (const auto& problem : problems) {
    policy.omissions.push_back(fmt::format("NOT RENDERED {}: {}", problem.what, problem.why));
  }
}

std::vector<RenderedFile> Render(const Target& target, policy::Policy& policy, const RenderOptions& options,
                                 bool allow_partial) {
  CheckCapabilities(target, policy, allow_partial);
  return target.render(policy, options);
}

}  // namespace portolan::render
