// iptables-save / ip6tables-save (and iptables-restore input, which is the same syntax, so
// `portolan render --target iptables` output reads here too). The filter table is modelled;
// other tables are read for syntax and listed in the notes.

#include <set>

#include <fmt/format.h>

#include "audit/formats/formats.hpp"
#include "audit/formats/text_input.hpp"

namespace portolan::audit::formats {

namespace {

// Targets that let the packet continue to the next rule.
const std::set<std::string, std::less<>> kNonTerminatingTargets = {
    "LOG",       "NFLOG", "ULOG",   "MARK",    "CONNMARK", "CT",      "TRACE",    "AUDIT",       "CLASSIFY",
    "DSCP",      "TOS",   "TCPMSS", "SET",     "TEE",      "NOTRACK", "CHECKSUM", "SECMARK",     "CONNSECMARK",
    "IDLETIMER", "LED",   "HMARK",  "RATEEST", "TTL",      "HL",      "ECN",      "TCPOPTSTRIP", "SYNPROXY"};
// Targets that decide, but in a way the audit cannot know (userspace, or address rewriting in
// the filter table would be an error anyway).
const std::set<std::string, std::less<>> kOpaqueTargets = {"QUEUE", "NFQUEUE", "TPROXY"};

bool IsBuiltin(const std::string& chain) {
  return chain == "INPUT" || chain == "FORWARD" || chain == "OUTPUT";
}

struct PendingRule {
  int chain = -1;
  Rule rule;
  std::string target_name;  // resolved at COMMIT (user chains may be declared later)
  core::SourceLocation target_where;
};

class Reader {
 public:
  Reader(std::string_view text, const std::string& file, const ReadOptions& options)
      : text_(text), file_(file), options_(options) {}

  Ruleset Read() {
    ruleset_.file = file_;
    ruleset_.format = "iptables-save";
    family_ = DetectFamily();
    ruleset_.families = {family_};
    int line_number = 0;
    for (const auto line : Lines(text_)) {
      ++line_number;
      ReadLine(line, line_number);
    }
    if (in_table_) Error({file_, line_number + 1, 1}, fmt::format("table {} has no COMMIT line", table_));
    if (!saw_filter_) ruleset_.notes.push_back(fmt::format("{}: no filter table; every packet passes", file_));
    if (diagnostics_.HasErrors()) throw core::InputError(diagnostics_);
    return std::move(ruleset_);
  }

 private:
  void Error(core::SourceLocation where, std::string message) {
    diagnostics_.Error(std::move(where), std::move(message));
  }

  core::Family DetectFamily() {
    if (text_.find("ip6tables-save") != std::string_view::npos || text_.find("IPv6 file") != std::string_view::npos)
      return core::Family::kIPv6;
    if (text_.find("iptables-save") != std::string_view::npos || text_.find("IPv4 file") != std::string_view::npos)
      return core::Family::kIPv4;
    // No header: the first address or ICMP protocol in a rule tells.
    for (const auto line : Lines(text_)) {
      if (!line.starts_with("-A")) continue;
      std::string error;
      const auto tokens = Tokenize(line, &error);
      if (!tokens) continue;
      for (std::size_t i = 0; i + 1 < tokens->size(); ++i) {
        const auto& option = (*tokens)[i].text;
        const auto& value = (*tokens)[i + 1].text;
        if (option == "-s" || option == "-d" || option == "--source" || option == "--destination") {
          if (auto network = ParseNetworkLenient(value.substr(0, value.find(',')))) return network->family;
        }
        if ((option == "-p" || option == "--protocol") && (value == "ipv6-icmp" || value == "icmpv6"))
          return core::Family::kIPv6;
        if ((option == "-p" || option == "--protocol") && value == "icmp") return core::Family::kIPv4;
      }
    }
    return core::Family::kIPv4;
  }

  void ReadLine(std::string_view line, int line_number) {
    std::string error;
    auto tokens = Tokenize(line, &error);
    if (!tokens) {
      Error({file_, line_number, 1}, error);
      return;
    }
    if (tokens->empty() || tokens->front().text.starts_with("#")) return;
    // iptables-save -c writes "[packets:bytes]" before a rule.
    if (tokens->front().text.starts_with("[") && tokens->front().text.ends_with("]")) tokens->erase(tokens->begin());
    if (tokens->empty()) return;
    const auto& first = tokens->front().text;
    auto at = [&](std::size_t i) {
      return core::SourceLocation{file_, line_number,
                                  i < tokens->size() ? (*tokens)[i].column : static_cast<int>(line.size()) + 1};
    };
    if (first.starts_with("*")) {
      if (in_table_)
        Error(at(0), fmt::format("table {} starts before table {} has its COMMIT", first.substr(1), table_));
      table_ = first.substr(1);
      in_table_ = true;
      table_rules_ = 0;
      if (table_ == "filter") {
        if (saw_filter_) Error(at(0), "a second filter table in one file");
        saw_filter_ = true;
      }
      return;
    }
    if (!in_table_) {
      Error(at(0), fmt::format("'{}' outside a table: expected a line like *filter", first));
      return;
    }
    if (first == "COMMIT") {
      Commit();
      return;
    }
    if (first.starts_with(":")) {
      DeclareChain(*tokens, line, line_number);
      return;
    }
    if (first == "-A" || first == "--append") {
      if (tokens->size() < 2) {
        Error(at(1), "-A needs a chain name");
        return;
      }
      ++table_rules_;
      if (table_ != "filter") return;
      AppendRule(*tokens, line, line_number);
      return;
    }
    Error(at(0), fmt::format("'{}': expected a chain (:NAME POLICY), a rule (-A CHAIN ...) or COMMIT", first));
  }

  void DeclareChain(const std::vector<Token>& tokens, std::string_view line, int line_number) {
    const std::string name = tokens[0].text.substr(1);
    core::SourceLocation where{file_, line_number, tokens[0].column};
    if (name.empty()) {
      Error(where, "a chain declaration needs a name");
      return;
    }
    if (tokens.size() < 2) {
      Error({file_, line_number, static_cast<int>(line.size()) + 1},
            fmt::format("chain {} needs a policy (ACCEPT, DROP or -)", name));
      return;
    }
    const auto& policy = tokens[1].text;
    if (policy != "ACCEPT" && policy != "DROP" && policy != "-") {
      Error({file_, line_number, tokens[1].column},
            fmt::format("'{}' is not a chain policy (ACCEPT, DROP or -)", policy));
      return;
    }
    if (table_ != "filter") return;
    if (ruleset_.FindChain(name) >= 0) {
      Error(where, fmt::format("chain {} is declared twice", name));
      return;
    }
    Chain chain;
    chain.name = name;
    chain.where = {file_, line_number, 0};
    if (policy != "-") {
      if (!IsBuiltin(name)) {
        Error({file_, line_number, tokens[1].column}, fmt::format("user chain {} cannot have a policy", name));
        return;
      }
      chain.policy = policy == "ACCEPT" ? Action::kAccept : Action::kDrop;
    } else if (IsBuiltin(name)) {
      Error({file_, line_number, tokens[1].column}, fmt::format("built-in chain {} needs ACCEPT or DROP", name));
      return;
    }
    ruleset_.chains.push_back(std::move(chain));
  }

  void Commit() {
    if (table_ == "filter") {
      for (auto& pending : pending_) {
        auto& rule = pending.rule;
        if (!pending.target_name.empty()) {
          const int target = ruleset_.FindChain(pending.target_name);
          if (target < 0 || IsBuiltin(pending.target_name)) {
            Error(pending.target_where, fmt::format("no user chain or target named {}", pending.target_name));
            continue;
          }
          rule.target = target;
        }
        ruleset_.chains[pending.chain].rules.push_back(std::move(rule));
      }
      pending_.clear();
      for (const auto* name : {"INPUT", "FORWARD", "OUTPUT"}) {
        const int chain = ruleset_.FindChain(name);
        if (chain < 0) continue;
        const Hook hook = std::string_view(name) == "INPUT"     ? Hook::kInput
                          : std::string_view(name) == "FORWARD" ? Hook::kForward
                                                                : Hook::kOutput;
        ruleset_.attachments.push_back({hook, chain, 0});
      }
    } else if (table_rules_ > 0) {
      ruleset_.notes.push_back(
          fmt::format("{}: table {} ({} rules) is not audited: only the filter table is", file_, table_, table_rules_));
    }
    in_table_ = false;
  }

  // One match clause that the audit cannot model: a free variable, reported with the rule.
  void Unmodelled(Rule& rule, Conjunction& match, const std::string& text, bool negated) {
    auto variable = ruleset_.symbols.Unmodelled(text);
    match &= negated ? ~variable : variable;
    rule.unmodelled.push_back(negated ? "! " + text : text);
  }

  std::optional<PacketSet> Ports(const std::string& text, bool source, bool list) {
    auto set = PacketSet::None();
    std::size_t start = 0;
    while (start <= text.size()) {
      auto end = text.find(',', start);
      if (end == std::string::npos) end = text.size();
      const auto item = std::string_view(text).substr(start, end - start);
      if (!list && end != text.size()) return std::nullopt;
      const auto colon = item.find(':');
      std::optional<int> first;
      std::optional<int> last;
      if (colon == std::string_view::npos) {
        first = last = ParsePort(item);
      } else {
        first = colon == 0 ? std::optional<int>(0) : ParsePort(item.substr(0, colon));
        last = colon + 1 == item.size() ? std::optional<int>(65535) : ParsePort(item.substr(colon + 1));
      }
      if (!first || !last || *first > *last) return std::nullopt;
      set |= source ? PacketSet::SourcePorts(*first, *last) : PacketSet::DestinationPorts(*first, *last);
      start = end + 1;
    }
    return set;
  }

  std::optional<PacketSet> Addresses(const std::string& text, bool source) {
    auto set = PacketSet::None();
    std::size_t start = 0;
    while (start <= text.size()) {
      auto end = text.find(',', start);
      if (end == std::string::npos) end = text.size();
      const auto network = ParseNetworkLenient(std::string_view(text).substr(start, end - start));
      if (!network || network->family != family_) return std::nullopt;
      set |= source ? PacketSet::Source(*network) : PacketSet::Destination(*network);
      start = end + 1;
    }
    return set;
  }

  std::optional<PacketSet> States(const std::string& text) {
    auto set = PacketSet::None();
    std::size_t start = 0;
    while (start <= text.size()) {
      auto end = text.find(',', start);
      if (end == std::string::npos) end = text.size();
      const auto state = std::string_view(text).substr(start, end - start);
      if (state == "NEW")
        set |= PacketSet::State(CtState::kNew);
      else if (state == "ESTABLISHED")
        set |= PacketSet::State(CtState::kEstablished);
      else if (state == "RELATED")
        set |= PacketSet::State(CtState::kRelated);
      else if (state == "INVALID")
        set |= PacketSet::State(CtState::kInvalid);
      else if (state == "UNTRACKED")
        set |= PacketSet::State(CtState::kUntracked);
      else if (state == "SNAT" || state == "DNAT") {
        // Virtual states of NATed connections: no NAT is modelled, so they never hold.
      } else {
        return std::nullopt;
      }
      start = end + 1;
    }
    return set;
  }

  void AppendRule(const std::vector<Token>& tokens, std::string_view line, int line_number) {
    auto at = [&](std::size_t i) {
      return core::SourceLocation{file_, line_number,
                                  i < tokens.size() ? tokens[i].column : static_cast<int>(line.size()) + 1};
    };
    const std::string chain_name = tokens[1].text;
    const int chain = ruleset_.FindChain(chain_name);
    if (chain < 0) {
      Error(at(1), fmt::format("chain {} is not declared (:{} ... before the rules)", chain_name, chain_name));
      return;
    }
    PendingRule pending;
    pending.chain = chain;
    Rule& rule = pending.rule;
    rule.where = {file_, line_number, 0};  // a rule is its whole line
    rule.text = std::string(line);
    Conjunction match;
    match &= PacketSet::Family(family_);
    bool negate = false;
    bool has_target = false;
    std::string module;            // the -m module whose options follow
    std::size_t module_start = 0;  // for unmodelled modules: where its clause began
    bool module_negated = false;
    bool failed = false;
    auto fail = [&](std::size_t i, std::string message) {
      Error(at(i), std::move(message));
      failed = true;
    };
    auto apply = [&](const PacketSet& set) {
      match &= negate ? ~set : set;
      negate = false;
    };
    // A module the audit cannot model: its whole clause becomes one free variable.
    auto flush_module = [&](std::size_t end) {
      if (module_start == 0) return;
      Unmodelled(rule, match, JoinTokens(tokens, module_start, end), module_negated);
      module_start = 0;
      module_negated = false;
    };
    static const std::set<std::string, std::less<>> kModelledModules = {
        "tcp",     "udp", "sctp",    "udplite", "multiport", "conntrack", "state",
        "iprange", "set", "comment", "icmp",    "icmp6",     "icmpv6"};

    std::size_t i = 2;
    while (i < tokens.size() && !failed) {
      const auto& option = tokens[i].text;
      auto value = [&](std::size_t k = 1) -> const std::string* {
        if (i + k >= tokens.size()) {
          fail(i, fmt::format("{} needs a value", option));
          return nullptr;
        }
        return &tokens[i + k].text;
      };
      if (option == "!") {
        negate = true;
        ++i;
        continue;
      }
      if (option == "-m" || option == "--match") {
        flush_module(i);
        const auto* name = value();
        if (!name) break;
        module = *name;
        if (!kModelledModules.count(module)) {
          module_start = i;
          module_negated = false;
        }
        i += 2;
        continue;
      }
      if (option == "-j" || option == "--jump" || option == "-g" || option == "--goto") {
        flush_module(i);
        const auto* name = value();
        if (!name) break;
        has_target = true;
        const bool is_goto = option == "-g" || option == "--goto";
        if (*name == "ACCEPT") {
          rule.action = Action::kAccept;
        } else if (*name == "DROP") {
          rule.action = Action::kDrop;
        } else if (*name == "REJECT") {
          rule.action = Action::kReject;
        } else if (*name == "RETURN") {
          rule.action = Action::kReturn;
        } else if (kNonTerminatingTargets.count(*name)) {
          rule.action = Action::kContinue;
        } else if (kOpaqueTargets.count(*name)) {
          // Userspace decides: accepted for some value of a free variable, dropped otherwise.
          Rule accepted = rule;
          auto variable = ruleset_.symbols.Unmodelled("-j " + *name);
          accepted.match = match.Build() & variable;
          accepted.action = Action::kAccept;
          accepted.unmodelled.push_back("-j " + *name + " (the verdict comes from userspace)");
          pending_.push_back({chain, accepted, "", {}});
          rule.action = Action::kDrop;
          rule.unmodelled.push_back("-j " + *name + " (the verdict comes from userspace)");
        } else {
          rule.action = is_goto ? Action::kGoto : Action::kJump;
          pending.target_name = *name;
          pending.target_where = at(i + 1);
        }
        if (is_goto && rule.action != Action::kGoto) {
          fail(i + 1, fmt::format("-g needs a user chain, not {}", *name));
          break;
        }
        // Target options (--reject-with, --log-prefix "...") run to the end of the line.
        i += 2;
        while (i < tokens.size() && tokens[i].text.starts_with("--")) {
          i += (i + 1 < tokens.size() && !tokens[i + 1].text.starts_with("--")) ? 2 : 1;
        }
        if (i < tokens.size()) fail(i, fmt::format("'{}' after the target", tokens[i].text));
        break;
      }
      if (module_start != 0 && option.starts_with("--")) {
        // Options of an unmodelled module, with their values, up to the next option.
        ++i;
        while (i < tokens.size() && !tokens[i].text.starts_with("-") && tokens[i].text != "!") ++i;
        if (negate) module_negated = !module_negated;
        negate = false;
        continue;
      }
      if (option == "-p" || option == "--protocol") {
        const auto* name = value();
        if (!name) break;
        if (*name == "all" || *name == "0") {
          if (negate) apply(PacketSet::All());
          negate = false;
        } else if (auto protocol = ParseProtocol(*name)) {
          apply(PacketSet::Protocol(*protocol));
        } else {
          fail(i + 1, fmt::format("'{}' is not a protocol name or number", *name));
        }
        i += 2;
        continue;
      }
      if (option == "-s" || option == "--source" || option == "-d" || option == "--destination") {
        const auto* text = value();
        if (!text) break;
        const bool source = option == "-s" || option == "--source";
        if (auto set = Addresses(*text, source)) {
          apply(*set);
        } else {
          fail(i + 1, fmt::format("'{}' is not an {} address or network", *text, core::FamilyName(family_)));
        }
        i += 2;
        continue;
      }
      if (option == "-i" || option == "--in-interface" || option == "-o" || option == "--out-interface") {
        const auto* name = value();
        if (!name) break;
        const bool in = option == "-i" || option == "--in-interface";
        if (*name != "lo")
          rule.unmodelled.push_back(fmt::format("{}{} {}", negate ? "! " : "", in ? "-i" : "-o", *name));
        apply(in ? ruleset_.symbols.InInterface(*name) : ruleset_.symbols.OutInterface(*name));
        i += 2;
        continue;
      }
      if (option == "-f" || option == "--fragment") {
        Unmodelled(rule, match, "-f", negate);
        negate = false;
        ++i;
        continue;
      }
      if (option == "--sport" || option == "--source-port" || option == "--dport" || option == "--destination-port" ||
          option == "--sports" || option == "--source-ports" || option == "--dports" ||
          option == "--destination-ports") {
        const auto* text = value();
        if (!text) break;
        const bool source = option.starts_with("--s");
        const bool list = module == "multiport";
        if (auto set = Ports(*text, source, list)) {
          apply(*set);
        } else {
          fail(i + 1, fmt::format("'{}' is not a port{}", *text, list ? " list" : " or range (first:last)"));
        }
        i += 2;
        continue;
      }
      if (option == "--ports") {
        const auto* text = value();
        if (!text) break;
        auto source = Ports(*text, true, true);
        auto destination = Ports(*text, false, true);
        if (source && destination) {
          apply(*source | *destination);
        } else {
          fail(i + 1, fmt::format("'{}' is not a port list", *text));
        }
        i += 2;
        continue;
      }
      if (option == "--ctstate" || option == "--state") {
        const auto* text = value();
        if (!text) break;
        if (auto set = States(*text)) {
          apply(*set);
        } else {
          fail(i + 1,
               fmt::format("'{}' is not a list of states (NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED)", *text));
        }
        i += 2;
        continue;
      }
      if (option == "--syn") {
        // The audit's packets start connections, and a TCP connection starts with a SYN; later
        // packets of it are not SYN-only. So --syn is the state NEW, as the docs say.
        apply(PacketSet::State(CtState::kNew));
        ++i;
        continue;
      }
      if (option == "--src-range" || option == "--dst-range") {
        const auto* text = value();
        if (!text) break;
        const auto range = ParseAddressRange(*text);
        if (!range || range->first.family != family_) {
          fail(i + 1, fmt::format("'{}' is not an {} address range (first-last)", *text, core::FamilyName(family_)));
        } else {
          const auto first = PlainAddress(range->first);
          const auto last = PlainAddress(range->second);
          apply(option == "--src-range" ? PacketSet::SourceRange(family_, first, last)
                                        : PacketSet::DestinationRange(family_, first, last));
        }
        i += 2;
        continue;
      }
      if (option == "--match-set" || option == "--set") {
        const auto* name = value();
        const auto* flags = name ? value(2) : nullptr;
        if (!flags) break;
        std::vector<bool> source_flags;
        bool flags_ok = true;
        std::size_t start = 0;
        while (start <= flags->size()) {
          auto end = flags->find(',', start);
          if (end == std::string::npos) end = flags->size();
          const auto flag = flags->substr(start, end - start);
          if (flag != "src" && flag != "dst") flags_ok = false;
          source_flags.push_back(flag == "src");
          start = end + 1;
        }
        if (!flags_ok) {
          fail(i + 2, fmt::format("'{}' is not a list of src and dst", *flags));
          break;
        }
        std::string reason;
        std::optional<PacketSet> set;
        if (options_.ipsets)
          set = MatchSet(*options_.ipsets, *name, source_flags, &reason);
        else
          reason = fmt::format("set {}: no ipset contents given (--ipset FILE)", *name);
        if (set) {
          apply(*set);
        } else {
          Unmodelled(rule, match, fmt::format("--match-set {} {} ({})", *name, *flags, reason), negate);
          negate = false;
        }
        i += 3;
        // Options of the set match that do not change membership.
        while (i < tokens.size() && (tokens[i].text == "--return-nomatch" || tokens[i].text == "--update-counters" ||
                                     tokens[i].text == "--update-subcounters"))
          ++i;
        continue;
      }
      if (option == "--comment") {
        if (!value()) break;
        i += 2;
        continue;
      }
      if (option == "--icmp-type" || option == "--icmpv6-type") {
        const auto* text = value();
        if (!text) break;
        if (auto set = ParseIcmpType(*text, option == "--icmpv6-type")) {
          apply(*set);
        } else {
          fail(i + 1, fmt::format("'{}' is not an ICMP type", *text));
        }
        i += 2;
        continue;
      }
      if (option.starts_with("-")) {
        // An option of a modelled module the audit does not model (--tcp-flags, --ctproto ...).
        std::size_t end = i + 1;
        while (end < tokens.size() && !tokens[end].text.starts_with("-") && tokens[end].text != "!") ++end;
        Unmodelled(rule, match, JoinTokens(tokens, i, end), negate);
        negate = false;
        i = end;
        continue;
      }
      fail(i, fmt::format("'{}': expected an option", option));
    }
    if (failed) return;
    flush_module(tokens.size());
    if (negate) {
      Error(at(tokens.size() - 1), "'!' at the end of the rule negates nothing");
      return;
    }
    if (!has_target) rule.action = Action::kContinue;
    rule.match = match.Build();
    pending_.push_back(std::move(pending));
  }

  std::string_view text_;
  std::string file_;
  const ReadOptions& options_;
  Ruleset ruleset_;
  core::Diagnostics diagnostics_;
  core::Family family_ = core::Family::kIPv4;
  std::string table_;
  bool in_table_ = false;
  bool saw_filter_ = false;
  int table_rules_ = 0;
  std::vector<PendingRule> pending_;
};

}  // namespace

bool LooksLikeIptablesSave(std::string_view text) {
  for (const auto line : Lines(text)) {
    if (line.empty() || line.starts_with("#")) continue;
    return line.starts_with("*");
  }
  return false;
}

Ruleset ReadIptablesSave(std::string_view text, const std::string& file, const ReadOptions& options) {
  return Reader(text, file, options).Read();
}

}  // namespace portolan::audit::formats
