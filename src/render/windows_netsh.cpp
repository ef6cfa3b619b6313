// Windows Firewall with Advanced Security as a batch file of `netsh advfirewall` commands: the
// same rules as the PowerShell target, for hosts or admins without the NetSecurity module.

#include <fmt/format.h>

#include "render/platforms.hpp"
#include "render/text.hpp"
#include "render/windows_common.hpp"

namespace portolan::render {

namespace {

// Room on a command line for the address lists; the rest of a rule stays well under the rest
// of kCmdLineLimit. Longer lists are split into rules named "-1", "-2" ...
constexpr std::size_t kAddressListLength = 4000;

std::string_view KeywordSpelling(policy::PortKeyword keyword) {
  return keyword == policy::PortKeyword::kRpcEndpointMapper ? "RPC-EPMap" : "RPC";
}

// Splits the addresses into comma-joined lists of at most max_length characters each.
std::vector<std::string> AddressChunks(const std::vector<std::string>& addresses, std::size_t max_length) {
  std::vector<std::string> chunks;
  for (const auto& address : addresses) {
    if (!chunks.empty() && chunks.back().size() + 1 + address.size() <= max_length) {
      chunks.back() += "," + address;
    } else {
      chunks.push_back(address);
    }
  }
  return chunks;
}

class BatchFile : public BatchWriter {
 public:
  explicit BatchFile(const policy::Policy& policy) : policy_(policy) {}

  std::string Write() {
    Line("@echo off");
    Header();
    Line("setlocal");
    std::vector<std::string> adds;
    std::vector<std::string> names;
    for (const auto& rule : policy_.rules) {
      for (const auto& part : SplitByKeyword(rule)) AddRule(part, names, adds);
    }
    Line();
    Line("REM Rules of an earlier run with these names; deleting one that is not there fails quietly.");
    for (const auto& name : names) {
      Line(fmt::format("netsh advfirewall firewall delete rule name=\"{}\" >nul 2>&1", name));
    }
    Line();
    for (const auto& add : adds) Line(add);
    DefaultDeny();
    return Finish();
  }

 private:
  void Header() {
    Comment(HeaderLines(policy_, *FindTarget("windows-netsh")));
    Line("REM");
    Comment(WindowsModelLines());
    Line("REM");
    Comment({
        fmt::format("Every rule is named {}-{}-...; running the file again deletes the rules of these", kWindowsGroup,
                    policy_.HostName()),
        "names first. Rules of an earlier run for flows that are no longer planned stay: look for these",
        "names in the output of  netsh advfirewall firewall show rule name=all",
        "Run it on the host itself, as an administrator.",
    });
  }

  void AddRule(const RulePart& part, std::vector<std::string>& names, std::vector<std::string>& adds) {
    const policy::Rule& rule = part.rule;
    const bool inbound = rule.direction == policy::Direction::kInbound;
    std::string ports;
    if (part.keyword != policy::PortKeyword::kNone) {
      ports = fmt::format(" localport={}", KeywordSpelling(part.keyword));
    } else if (const auto set = rule.Ports(); !set.Empty()) {
      ports = fmt::format(" {}={}", inbound ? "localport" : "remoteport", set.ToString());
    }
    const std::string local = fmt::format("{}", fmt::join(WindowsAddresses(LocalGroup(policy_, rule).networks), ","));
    const auto remotes = AddressChunks(WindowsAddresses(RemoteGroup(policy_, rule).networks), kAddressListLength);
    const std::string description = BatchText(PartDescription(policy_, part, KeywordSpelling(part.keyword)));
    for (std::size_t i = 0; i < remotes.size(); ++i) {
      std::string name = WindowsRuleName(policy_, rule);
      if (remotes.size() > 1) name += fmt::format("-{}", i + 1);
      name = BatchText(name);
      names.push_back(name);
      adds.push_back(fmt::format(
          "netsh advfirewall firewall add rule name=\"{}\" dir={} action=allow protocol={}{} remoteip={} localip={} "
          "profile=any description=\"{}\" || goto failed",
          name, inbound ? "in" : "out", WindowsProtocol(rule.protocol), ports, remotes[i], local, description));
    }
  }

  void DefaultDeny() {
    Line();
    if (!policy_.options.default_deny) {
      Line("REM --no-default-deny: the profiles (state, default actions) are left as they are.");
      return;
    }
    const bool egress = policy_.options.egress;
    Comment({
        fmt::format("The default deny: the firewall on in every profile, and what no rule allows blocked{}.",
                    egress ? " in both directions" : " inbound (outbound is not filtered)"),
        "Enabled allow rules of other names (built-in ones such as File and Printer Sharing, rules that",
        "programs add, rules of GPOs) widen the policy: review them in wf.msc, or list them with",
        "  netsh advfirewall firewall show rule name=all dir=in",
    });
    Line("netsh advfirewall set allprofiles state on || goto failed");
    Line(fmt::format("netsh advfirewall set allprofiles firewallpolicy blockinbound,{} || goto failed",
                     egress ? "blockoutbound" : "allowoutbound"));
  }

  const policy::Policy& policy_;
};

}  // namespace

std::vector<RenderedFile> RenderWindowsNetsh(const policy::Policy& policy, const RenderOptions& /*options*/) {
  return {{".cmd", BatchFile(policy).Write()}};
}

}  // namespace portolan::render
