// iptables-restore and ip6tables-restore: one file per family for the filter table. An address
// group of several networks becomes a user chain of its own (one rule per network), so a rule
// costs sources + destinations lines instead of sources x destinations; multiport carries at
// most 15 ports per line. Comments (-m comment, kept by the kernel) name flow and entries.

#include <fmt/format.h>

#include "render/platforms.hpp"
#include "render/text.hpp"

namespace portolan::render {

namespace {

constexpr std::size_t kMaxComment = 256;  // XT_MAX_COMMENT_LEN, with its terminating NUL
constexpr int kMultiportSlots = 15;       // XT_MULTI_PORTS; a range takes two slots

std::string Quote(std::string_view text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

std::string NetworkText(const core::Network& network) {
  return network.ToString();
}

// Port matches of at most kMultiportSlots slots each: "--dport 445", "-m multiport --dports 88,135".
std::vector<std::string> PortMatches(const policy::Rule& rule) {
  if (!catalog::ProtocolHasPorts(rule.protocol)) return {""};
  const auto ports = rule.Ports();
  if (ports.Ranges().size() == 1) {
    const auto& range = ports.Ranges().front();
    return {range.first == range.last ? fmt::format(" --dport {}", range.first)
                                      : fmt::format(" --dport {}:{}", range.first, range.last)};
  }
  std::vector<std::string> matches;
  std::vector<std::string> chunk;
  int slots = 0;
  const auto flush = [&] {
    if (!chunk.empty()) matches.push_back(fmt::format(" -m multiport --dports {}", fmt::join(chunk, ",")));
    chunk.clear();
    slots = 0;
  };
  for (const auto& range : ports.Ranges()) {
    const int need = range.first == range.last ? 1 : 2;
    if (slots + need > kMultiportSlots) flush();
    chunk.push_back(range.first == range.last ? std::to_string(range.first)
                                              : fmt::format("{}:{}", range.first, range.last));
    slots += need;
  }
  flush();
  return matches;
}

std::string_view BuiltinChain(policy::Direction direction) {
  switch (direction) {
    case policy::Direction::kInbound: return "INPUT";
    case policy::Direction::kOutbound: return "OUTPUT";
    case policy::Direction::kForward: return "FORWARD";
  }
  return "FORWARD";
}

class Writer {
 public:
  Writer(const policy::Policy& policy, core::Family family) : policy_(policy), family_(family) {}

  std::string Write() {
    const auto& options = policy_.options;
    const bool deny = options.default_deny;
    const bool host = options.mode == policy::Mode::kHost;
    std::vector<std::pair<policy::Direction, bool>> chains;  // (direction, filtered)
    if (host) {
      chains = {{policy::Direction::kInbound, true},
                {policy::Direction::kForward, false},
                {policy::Direction::kOutbound, options.egress}};
    } else {
      chains = {{policy::Direction::kForward, true}};
    }
    for (const auto& [direction, filtered] : chains) {
      if (filtered) WriteChain(direction);
    }

    std::string out = CommentBlock(HeaderLines(policy_, *FindTarget("iptables")), "# ");
    out += fmt::format("# {} file: load with {}-restore FILE (check first with {}-restore --test FILE).\n",
                       family_ == core::Family::kIPv4 ? "IPv4" : "IPv6", Tool(), Tool());
    out += "# It replaces the whole filter table of this family.\n";
    if (!host) out += "# The firewall's own INPUT and OUTPUT are left open: this policy is about what it forwards.\n";
    if (!policy_.HasFamily(family_)) {
      out += fmt::format("# The plan requires no {} traffic here.\n", core::FamilyName(family_));
    }
    out += "*filter\n";
    const auto policy_of = [&](policy::Direction direction) {
      if (!deny) return "ACCEPT";
      if (direction == policy::Direction::kInbound) return host ? "DROP" : "ACCEPT";
      if (direction == policy::Direction::kForward) return "DROP";
      return host && options.egress ? "DROP" : "ACCEPT";
    };
    for (const auto direction :
         {policy::Direction::kInbound, policy::Direction::kForward, policy::Direction::kOutbound}) {
      out += fmt::format(":{} {} [0:0]\n", BuiltinChain(direction), policy_of(direction));
    }
    for (const auto& chain : user_chains_) out += fmt::format(":{} - [0:0]\n", chain);
    out += lines_;
    if (deny && host) {
      out += fmt::format("-A FORWARD -m comment --comment {} -j DROP\n",
                         Quote("portolan default deny: a host forwards nothing"));
    }
    // User chain bodies come after every built-in chain's rules, so the file reads top-down.
    for (const auto& line : later_) out += line + "\n";
    out += "COMMIT\n";
    return out;
  }

 private:
  std::string Tool() const { return family_ == core::Family::kIPv4 ? "iptables" : "ip6tables"; }

  void WriteChain(policy::Direction direction) {
    const auto chain = BuiltinChain(direction);
    Add(fmt::format("-A {} -m conntrack --ctstate ESTABLISHED,RELATED -m comment --comment {} -j ACCEPT", chain,
                    Quote("return traffic of allowed connections")));
    Add(fmt::format("-A {} -m conntrack --ctstate INVALID -j DROP", chain));
    if (direction != policy::Direction::kForward) {
      Add(fmt::format("-A {} {} lo -m comment --comment {} -j ACCEPT", chain,
                      direction == policy::Direction::kInbound ? "-i" : "-o", Quote("the host's own loopback")));
      if (family_ == core::Family::kIPv6) {
        for (const auto* type :
             {"neighbour-solicitation", "neighbour-advertisement", "router-solicitation", "router-advertisement"}) {
          Add(fmt::format("-A {} -p ipv6-icmp --icmpv6-type {} -m comment --comment {} -j ACCEPT", chain, type,
                          Quote("IPv6 neighbor discovery (RFC 4890)")));
        }
      }
    }
    for (const auto& whole : policy_.rules) {
      if (whole.direction != direction || whole.family != family_) continue;
      for (const auto& rule : SplitForComment(policy_, whole, kMaxComment - 1)) WriteRule(chain, rule);
    }
    if (policy_.options.default_deny) {
      Add(fmt::format("-A {} -m comment --comment {} -j DROP", chain,
                      Quote("portolan default deny: nothing else is required")));
    }
  }

  // A side with one network is matched inline; a side with several gets a chain that tries
  // each network. With both sides plural, the source chain goes to the destination chain:
  // -g makes a miss there return straight to the built-in chain.
  void WriteRule(std::string_view chain, const policy::Rule& rule) {
    const auto& sources = policy_.Sources(rule).networks;
    const auto& destinations = policy_.Destinations(rule).networks;
    const auto comment = Quote(FitComment(policy_, rule, kMaxComment - 1));
    const std::string protocol = fmt::format(" -p {}", catalog::ProtocolName(rule.protocol));
    std::string inline_match;
    if (sources.size() == 1) inline_match += " -s " + NetworkText(sources.front());
    if (destinations.size() == 1) inline_match += " -d " + NetworkText(destinations.front());

    std::string target = "ACCEPT";
    if (sources.size() > 1 || destinations.size() > 1) {
      const std::string base = fmt::format("PL-{:03}", ++chain_count_);
      std::string destination_chain;
      if (destinations.size() > 1) {
        destination_chain = base + "-D";
        user_chains_.push_back(destination_chain);
        for (const auto& network : destinations) {
          AddLater(fmt::format("-A {} -d {} -j ACCEPT", destination_chain, NetworkText(network)));
        }
      }
      if (sources.size() > 1) {
        const std::string source_chain = base + "-S";
        user_chains_.push_back(source_chain);
        for (const auto& network : sources) {
          AddLater(destination_chain.empty()
                       ? fmt::format("-A {} -s {} -j ACCEPT", source_chain, NetworkText(network))
                       : fmt::format("-A {} -s {} -g {}", source_chain, NetworkText(network), destination_chain));
        }
        target = source_chain;
      } else {
        target = destination_chain;
      }
    }
    for (const auto& ports : PortMatches(rule)) {
      Add(fmt::format("-A {}{}{}{} -m comment --comment {} -j {}", chain, inline_match, protocol, ports, comment,
                      target));
    }
  }

  void Add(const std::string& line) { lines_ += line + "\n"; }
  void AddLater(std::string line) { later_.push_back(std::move(line)); }

  const policy::Policy& policy_;
  core::Family family_;
  std::string lines_;
  std::vector<std::string> later_;
  std::vector<std::string> user_chains_;
  int chain_count_ = 0;
};

}  // namespace

std::vector<RenderedFile> RenderIptables(const policy::Policy& policy, const RenderOptions& /*options*/) {
  std::vector<RenderedFile> files;
  for (const auto family : {core::Family::kIPv4, core::Family::kIPv6}) {
    if (policy.options.family && *policy.options.family != family) continue;
    files.push_back(
        {family == core::Family::kIPv4 ? ".iptables.rules" : ".ip6tables.rules", Writer(policy, family).Write()});
  }
  return files;
}

}  // namespace portolan::render
