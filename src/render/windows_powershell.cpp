// Windows Firewall with Advanced Security as a PowerShell script: one New-NetFirewallRule per
// rule (and per RPC keyword), the default deny as the profiles' default action, optionally in a GPO.

#include <fmt/format.h>

#include "render/platforms.hpp"
#include "render/text.hpp"
#include "render/windows_common.hpp"

namespace portolan::render {

namespace {

// No documented limit; long enough for a flow and several entry ids, short enough for the
// rule list of the Windows Firewall console.
constexpr std::size_t kDisplayNameLength = 200;

// A single-quoted PowerShell string: nothing inside is expanded, a quote is doubled.
std::string Quote(std::string_view text) {
  std::string quoted = "'";
  for (const char c : AsciiOnly(text)) {
    if (c == '\'') quoted += '\'';
    quoted += c;
  }
  return quoted + "'";
}

std::string QuotedList(const std::vector<std::string>& values) {
  std::vector<std::string> quoted;
  quoted.reserve(values.size());
  for (const auto& value : values) quoted.push_back(Quote(value));
  return fmt::format("{}", fmt::join(quoted, ","));
}

std::string_view KeywordSpelling(policy::PortKeyword keyword) {
  return keyword == policy::PortKeyword::kRpcEndpointMapper ? "RPCEPMap" : "RPC";
}

class Script {
 public:
  Script(const policy::Policy& policy, const RenderOptions& options)
      : policy_(policy), gpo_(options.gpo), store_(options.gpo ? " -GPOSession $gpo" : "") {}

  std::string Write() {
    Header();
    Open();
    RemoveEarlierRules();
    for (const auto& rule : policy_.rules) {
      for (const auto& part : SplitByKeyword(rule)) AddRule(part);
    }
    DefaultDeny();
    Close();
    return text_;
  }

 private:
  void Line(const std::string& line = "") { text_ += line + "\n"; }

  void Header() {
    text_ += CommentBlock(HeaderLines(policy_, *FindTarget("windows-ps")), "# ");
    Line("#");
    text_ += CommentBlock(WindowsModelLines(), "# ");
    Line("#");
    Line(fmt::format("# Every rule is in group '{}' and named '{}-{}-...'; running the script again", kWindowsGroup,
                     kWindowsGroup, AsciiOnly(policy_.HostName())));
    Line("# first removes the rules an earlier run wrote for this host, so it can be re-run.");
    if (gpo_) {
      Line(fmt::format("# Written into the GPO {} (Open-NetGPO / Save-NetGPO). Each rule names this host's",
                       Quote(*gpo_)));
      Line("# own addresses (-LocalAddress), so it matches only on this host even if the GPO applies to more.");
    } else {
      Line("# Written into the local store of the host it runs on (run it on that host, as an administrator).");
    }
  }

  void Open() {
    Line();
    Line("$ErrorActionPreference = 'Stop'");
    if (gpo_) Line(fmt::format("$gpo = Open-NetGPO -PolicyStore {}", Quote(*gpo_)));
  }

  void RemoveEarlierRules() {
    const std::string prefix = fmt::format("{}-{}-", kWindowsGroup, policy_.HostName());
    Line();
    Line("# Rules of an earlier run for this host (an empty group is not an error).");
    Line(fmt::format("$earlier = @(Get-NetFirewallRule -Group {}{} -ErrorAction SilentlyContinue |",
                     Quote(kWindowsGroup), store_));
    Line(fmt::format("    Where-Object {{ $_.Name.StartsWith({}) }})", Quote(prefix)));
    Line(fmt::format("if ($earlier.Count -gt 0) {{ Remove-NetFirewallRule -Name $earlier.Name{} }}", store_));
    Line();
  }

  void AddRule(const RulePart& part) {
    const policy::Rule& rule = part.rule;
    const bool inbound = rule.direction == policy::Direction::kInbound;
    std::string line = fmt::format(
        "New-NetFirewallRule -Name {} -DisplayName {} -Description {} -Group {} -Direction {} -Action Allow -Protocol "
        "{}",
        Quote(WindowsRuleName(policy_, rule)), Quote(PartTitle(policy_, part, kDisplayNameLength)),
        Quote(PartDescription(policy_, part, KeywordSpelling(part.keyword))), Quote(kWindowsGroup),
        inbound ? "Inbound" : "Outbound", WindowsProtocol(rule.protocol));
    if (part.keyword != policy::PortKeyword::kNone) {
      line += fmt::format(" -LocalPort {}", KeywordSpelling(part.keyword));
    } else if (const auto ports = rule.Ports(); !ports.Empty()) {
      line += fmt::format(" -{} {}", inbound ? "LocalPort" : "RemotePort", QuotedList(ports.ToStrings()));
    }
    line += fmt::format(" -RemoteAddress {} -LocalAddress {} -Profile Any{} | Out-Null",
                        QuotedList(WindowsAddresses(RemoteGroup(policy_, rule).networks)),
                        QuotedList(WindowsAddresses(LocalGroup(policy_, rule).networks)), store_);
    Line(line);
  }

  void DefaultDeny() {
    Line();
    if (!policy_.options.default_deny) {
      Line("# --no-default-deny: the profiles (state, default actions) are left as they are.");
      return;
    }
    const bool egress = policy_.options.egress;
    Line("# The default deny: the firewall on in every profile, inbound rules honoured, and what no");
    Line(fmt::format("# rule allows blocked{}.",
                     egress ? " in both directions" : " inbound (outbound is not filtered)"));
    std::string line = fmt::format(
        "Set-NetFirewallProfile -Profile Domain,Private,Public -Enabled True -AllowInboundRules True "
        "-DefaultInboundAction Block -DefaultOutboundAction {}",
        egress ? "Block" : "Allow");
    if (gpo_) {
      Line("# Enabled allow rules outside this group widen the policy. In the GPO, local rules are");
      Line("# ignored (-AllowLocalFirewallRules False), built-in ones such as File and Printer Sharing or");
      Line("# Core Networking (DHCP, IPv6 neighbour discovery) included: add what the hosts still need");
      Line("# to the GPO. Rules of other groups in the GPO itself still apply; list them with:");
      Line(fmt::format("#   Get-NetFirewallRule -GPOSession $gpo | Where-Object {{ $_.Group -ne {} }}",
                       Quote(kWindowsGroup)));
      line += " -AllowLocalFirewallRules False";
    } else {
      // The active store adds the rules of GPOs, which can only be changed in the GPO.
      const auto others = [&](std::string_view store) {
        return fmt::format("Get-NetFirewallRule{} -Enabled True -Action Allow{} | Where-Object {{ $_.Group -ne {} }}",
                           store, egress ? "" : " -Direction Inbound", Quote(kWindowsGroup));
      };
      Line("# Enabled allow rules outside this group (built-in ones such as File and Printer Sharing,");
      Line("# rules that programs add, rules of GPOs) widen the policy. List them:");
      Line(fmt::format("#   {} | Format-Table Name, DisplayName, DisplayGroup", others(" -PolicyStore ActiveStore")));
      Line("# and, once checked (Core Networking carries DHCP and IPv6 neighbour discovery), disable the");
      Line("# local ones:");
      Line(fmt::format("#   {} | Disable-NetFirewallRule", others("")));
    }
    Line(line + store_);
  }

  void Close() {
    if (gpo_) Line("Save-NetGPO -GPOSession $gpo");
  }

  const policy::Policy& policy_;
  const std::optional<std::string>& gpo_;
  const std::string store_;  // " -GPOSession $gpo" or nothing
  std::string text_;
};

}  // namespace

std::vector<RenderedFile> RenderWindowsPowerShell(const policy::Policy& policy, const RenderOptions& options) {
  return {{".ps1", Script(policy, options).Write()}};
}

}  // namespace portolan::render
