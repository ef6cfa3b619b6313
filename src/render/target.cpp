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

bool HasMode(const Capabilities& caps, policy::Mode mode) {
  switch (mode) {
    case policy::Mode::kHost: return caps.host_mode;
    case policy::Mode::kNetwork: return caps.network_mode;
    case policy::Mode::kProxy: return caps.proxy_mode;
  }
  return false;
}

// "squid": the targets that render a mode, for the message that sends the user there.
std::string TargetsWithMode(policy::Mode mode) {
  std::vector<std::string_view> ids;
  for (const auto& target : Targets()) {
    if (HasMode(target.capabilities, mode)) ids.push_back(target.id);
  }
  return fmt::format("{}", fmt::join(ids, ", "));
}

std::string WhyNotMode(const Target& target, policy::Mode mode) {
  const auto& caps = target.capabilities;
  if (mode == policy::Mode::kProxy) {
    return fmt::format(
        "{} writes firewall rules (the legs of proxied requests, client -> proxy and proxy -> server, are in host "
        "and network mode); what a web proxy itself allows is --target {}",
        target.id, TargetsWithMode(mode));
  }
  if (!caps.host_mode && !caps.network_mode) {
    return fmt::format(
        "{} configures a web proxy, not a firewall: use --mode proxy (the requests an http-proxy host "
        "carries)",
        target.id);
  }
  if (mode == policy::Mode::kHost)
    return fmt::format("{} is a firewall between networks; use --mode network", target.id);
  return fmt::format("{} filters one host's traffic; use --mode host", target.id);
}

// A mode or a direction the platform does not have: nothing partial can come of it.
void RefuseShape(const Target& target, const policy::Policy& policy) {
  const auto& caps = target.capabilities;
  const auto& options = policy.options;
  std::vector<Problem> problems;
  if (!HasMode(caps, options.mode)) {
    problems.push_back({fmt::format("{} mode", policy::ModeName(options.mode)), WhyNotMode(target, options.mode)});
  }
  if (options.mode == policy::Mode::kHost && options.egress && !caps.egress) {
    problems.push_back({"--egress", fmt::format("{} can only open inbound ports", target.id)});
  }
  if (!problems.empty()) throw RenderRefused(std::string(target.id), std::move(problems));
}

std::optional<std::string> RuleProblem(const Capabilities& caps, policy::Mode mode, const policy::Rule& rule) {
  // An allow without a method list would pass every method, wider than the plan.
  if (mode == policy::Mode::kProxy && rule.methods.empty()) return "the plan names no HTTP method for this request";
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
    if (const auto why = RuleProblem(caps, policy.options.mode, rule)) {
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
  auto files = target.render(policy, options);
  for (auto& file : files) file.content = core::WithLineEnding(std::move(file.content), target.line_ending);
  return files;
}

}  // namespace portolan::render
