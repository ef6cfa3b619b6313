// The Windows XP SP2 / Server 2003 firewall as a batch file of `netsh firewall add portopening`
// commands: one opening per protocol and port, scoped to every source the plan needs there.

#include <map>
#include <set>

#include <fmt/format.h>

#include "render/platforms.hpp"
#include "render/text.hpp"
#include "render/windows_common.hpp"

namespace portolan::render {

namespace {

// The name shows in the Exceptions tab of the firewall's control panel, one line per opening;
// the full list of flows and entries is in the REM line above the command.
constexpr std::size_t kNameLength = 120;

// Everything the plan needs on one port: the firewall keys an opening by protocol and port, and
// a second `add portopening` for the same pair replaces the first one's scope.
struct Opening {
  std::set<std::string> rules;  // "F02-in"
  std::set<std::string> flows;  // "F02"
  std::set<int> entries;
  std::vector<core::Network> sources;
};

using OpeningKey = std::pair<catalog::Protocol, int>;

// "10.0.0.1" or "10.1.0.0/255.255.0.0": the mask form is the one every release of the
// XP SP2 firewall documents for a custom scope.
std::string LegacyAddress(const core::Network& network) {
  return network.IsHost() ? network.AddressString()
                          : fmt::format("{}/{}", network.AddressString(), network.MaskString());
}

// "portolan TCP 135 F02 F05 ad-epmap-tcp sms-epmap-tcp +2 more", cut to max_length.
std::string OpeningName(const policy::Policy& policy, const OpeningKey& key, const Opening& opening,
                        std::size_t max_length) {
  std::vector<std::string> words(opening.flows.begin(), opening.flows.end());
  for (const int e : opening.entries) words.push_back(policy.catalog->entries[e].id);
  std::string name = fmt::format("{} {} {}", kWindowsGroup, WindowsProtocol(key.first), key.second);
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::size_t left = words.size() - i - 1;
    const std::size_t reserve = left == 0 ? 0 : fmt::format(" +{} more", left).size();
    if (name.size() + 1 + words[i].size() + reserve > max_length) return name + fmt::format(" +{} more", left + 1);
    name += " " + words[i];
  }
  return name;
}

std::map<OpeningKey, Opening> Openings(const policy::Policy& policy) {
  std::map<OpeningKey, Opening> openings;
  for (const auto& rule : policy.rules) {
    for (const auto& item : rule.items) {
      for (const auto& range : item.ports.Ranges()) {
        for (int port = range.first; port <= range.last; ++port) {
          auto& opening = openings[{rule.protocol, port}];
          opening.rules.insert(rule.name);
          opening.flows.insert(rule.flow_id);
          opening.entries.insert(item.entries.begin(), item.entries.end());
          const auto& sources = policy.Sources(rule).networks;
          opening.sources.insert(opening.sources.end(), sources.begin(), sources.end());
        }
      }
    }
  }
  // The union of the sources never covers an address that none of them covers.
  for (auto& [key, opening] : openings) opening.sources = core::CollapseNetworks(std::move(opening.sources));
  return openings;
}

class BatchFile : public BatchWriter {
 public:
  explicit BatchFile(const policy::Policy& policy) : policy_(policy) {}

  std::string Write() {
    Line("@echo off");
    Header();
    Line("setlocal");
    for (const auto& [key, opening] : Openings(policy_)) AddOpening(key, opening);
    DefaultDeny();
    return Finish();
  }

 private:
  void Header() {
    Comment(HeaderLines(policy_, *FindTarget("windows-legacy")));
    Line("REM");
    Comment({
        "What this firewall cannot express, besides what is listed above as not rendered:",
        "- It opens a port on every address of this host: it cannot name the host's own addresses.",
        "- It only filters inbound traffic: it cannot restrict what this host sends.",
        "- It has no IPv6 rules and opens only TCP and UDP ports (no GRE, ESP or AH), one port at a time.",
        "- It keys an opening by protocol and port, so each opening below allows the union of the",
        "  sources of every flow on that port: exact here, since every flow ends at this host.",
        "- It is stateful: the replies of an allowed connection pass without a rule.",
        "- Other exceptions enabled on the host (File and Printer Sharing, Remote Desktop, UPnP,",
        "  programs on the exceptions list) widen the policy: review them with  netsh firewall show config",
        "Running the file again replaces each opening's scope. Openings of an earlier run for ports",
        "that are no longer planned stay: look for names starting with portolan in",
        "  netsh firewall show portopening",
        "Run it on the host itself, as an administrator. It is for Windows XP SP2 and Server 2003:",
        "on Vista and later netsh firewall is deprecated and does not reach the public profile;",
        "use --target windows-netsh or windows-ps there.",
    });
  }

  void AddOpening(const OpeningKey& key, const Opening& opening) {
    std::vector<std::string> addresses;
    for (const auto& network : opening.sources) addresses.push_back(LegacyAddress(network));
    Line();
    Comment({fmt::format("{} {}: {}; entries {}", WindowsProtocol(key.first), key.second, fmt::join(opening.rules, " "),
                         EntryIds(policy_, {opening.entries.begin(), opening.entries.end()}))});
    const std::string command = fmt::format(
        "netsh firewall add portopening protocol={} port={} name=\"{}\" mode=ENABLE scope=CUSTOM addresses={} "
        "profile=ALL || goto failed",
        WindowsProtocol(key.first), key.second, BatchText(OpeningName(policy_, key, opening, kNameLength)),
        fmt::join(addresses, ","));
    // One opening per port cannot be split into several without each replacing the last.
    if (command.size() > kCmdLineLimit) {
      throw RenderRefused(
          "windows-legacy",
          {{fmt::format("{} {} from {} networks", WindowsProtocol(key.first), key.second, addresses.size()),
            fmt::format("the scope of one opening needs a command line longer than cmd.exe accepts "
                        "({} characters)",
                        kCmdLineLimit)}});
    }
    Line(command);
  }

  void DefaultDeny() {
    Line();
    if (!policy_.options.default_deny) {
      Line("REM --no-default-deny: the operational mode is left as it is.");
      return;
    }
    Comment({
        "The default deny: the firewall on in the domain and standard profiles, exceptions honoured",
        "(without them the openings above would not apply); everything else inbound is dropped.",
    });
    Line("netsh firewall set opmode mode=ENABLE exceptions=ENABLE profile=ALL || goto failed");
  }

  const policy::Policy& policy_;
};

}  // namespace

std::vector<RenderedFile> RenderWindowsLegacy(const policy::Policy& policy, const RenderOptions& /*options*/) {
  return {{".cmd", BatchFile(policy).Write()}};
}

}  // namespace portolan::render
