// iptables-save / ip6tables-save (and iptables-restore input, which is the same syntax, so
// `portolan render --target iptables` output reads here too). The filter table is modelled;
// other tables are read for syntax and listed in the notes.

#include <cctype>
#include <charconv>
#include <climits>
#include <map>
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
// The -m modules whose options the audit models; the clause of any other is one free variable.
const std::set<std::string, std::less<>> kModelledModules = {"tcp",       "udp",   "sctp",    "udplite", "multiport",
                                                             "conntrack", "state", "iprange", "set",     "comment",
                                                             "icmp",      "icmp6", "icmpv6"};

// iptables reads every number with strtoul(..., 0): "0x16" is 22 and "010" is 8. The whole text
// must be the number.
std::optional<std::uint64_t> IptablesNumber(std::string_view text, std::uint64_t max) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  int base = 10;
  if (text.size() > 1 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  } else if (text.size() > 1 && text[0] == '0') {
    base = 8;
    text.remove_prefix(1);
  }
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
  if (text.empty() || ec != std::errc() || ptr != end || value > max) return std::nullopt;
  return value;
}

// An IPv4 address as iptables reads it before it falls back to a name lookup
// (xtables_numeric_to_ipaddr): one to four numbers, the missing ones zero, so "172.16.0" is
// 172.16.0.0 and "10" is 10.0.0.0 (not inet_aton's 10.0.0.10-style fill). A mask needs all four.
std::optional<core::Network> Ipv4Numeric(std::string_view text, bool is_mask) {
  constexpr std::size_t kIptablesBuffer = 19;  // iptables copies the text into char[20]
  if (text.size() > kIptablesBuffer) return std::nullopt;
  core::Network address;
  address.family = core::Family::kIPv4;
  address.prefix_length = 32;
  std::size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    const auto dot = i < 3 ? text.find('.', start) : std::string_view::npos;
    if (dot == std::string_view::npos && i < 3 && is_mask) return std::nullopt;
    const auto part = text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    const auto byte = IptablesNumber(part, 255);
    if (!byte) return std::nullopt;
    address.bytes[i] = static_cast<std::uint8_t>(*byte);
    if (dot == std::string_view::npos) return address;  // the rest stays zero
    start = dot + 1;
  }
  return address;
}

// A contiguous mask as a prefix length; nullopt for a mask with holes.
std::optional<int> MaskPrefix(const core::Network& mask) {
  const int bits = mask.MaxPrefix();
  int prefix = 0;
  while (prefix < bits && (mask.bytes[prefix / 8] & (0x80u >> (prefix % 8)))) ++prefix;
  for (int bit = prefix; bit < bits; ++bit)
    if (mask.bytes[bit / 8] & (0x80u >> (bit % 8))) return std::nullopt;
  return prefix;
}

// One -s/-d item as iptables reads it: an address with an optional /LENGTH or /MASK, host bits
// cleared. Names (iptables would look them up) and masks with holes are not taken.
std::optional<core::Network> IptablesNetwork(std::string_view text, core::Family family) {
  const auto slash = text.find('/');
  const auto address_text = text.substr(0, slash);
  auto address = family == core::Family::kIPv4 ? Ipv4Numeric(address_text, false) : core::ParseAddress(address_text);
  if (!address || address->family != family) return std::nullopt;
  if (slash == std::string_view::npos) return address;
  const auto suffix = text.substr(slash + 1);
  std::optional<int> prefix;
  if (auto length = IptablesNumber(suffix, static_cast<std::uint64_t>(address->MaxPrefix()))) {
    prefix = static_cast<int>(*length);
  } else if (auto mask = family == core::Family::kIPv4 ? Ipv4Numeric(suffix, true) : core::ParseAddress(suffix);
             mask && mask->family == family) {
    prefix = MaskPrefix(*mask);
  }
  if (!prefix) return std::nullopt;
  address->prefix_length = *prefix;
  for (int bit = *prefix; bit < address->MaxPrefix(); ++bit)
    address->bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  return address;
}

// The family an address of a rule is written in, whichever reader would take it.
std::optional<core::Family> FamilyOfAddress(std::string_view item) {
  if (IptablesNetwork(item, core::Family::kIPv4)) return core::Family::kIPv4;
  if (IptablesNetwork(item, core::Family::kIPv6)) return core::Family::kIPv6;
  return std::nullopt;
}

std::vector<std::string_view> SplitList(std::string_view text, char separator) {
  std::vector<std::string_view> items;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find(separator, start);
    items.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return items;
    start = end + 1;
  }
}

bool IsBuiltin(const std::string& chain) {
  return chain == "INPUT" || chain == "FORWARD" || chain == "OUTPUT";
}

bool IsFamilyOption(const std::string& option) {
  return option == "-4" || option == "--ipv4" || option == "-6" || option == "--ipv6";
}

// The commands iptables-restore takes on a rule line, long names as their short ones.
std::string CommandOf(const std::string& text) {
  static const std::map<std::string, std::string, std::less<>> kCommands = {
      {"-A", "-A"}, {"--append", "-A"},  {"-I", "-I"}, {"--insert", "-I"},    {"-D", "-D"}, {"--delete", "-D"},
      {"-R", "-R"}, {"--replace", "-R"}, {"-N", "-N"}, {"--new-chain", "-N"}, {"-X", "-X"}, {"--delete-chain", "-X"},
      {"-F", "-F"}, {"--flush", "-F"},   {"-Z", "-Z"}, {"--zero", "-Z"},      {"-E", "-E"}, {"--rename-chain", "-E"},
      {"-P", "-P"}, {"--policy", "-P"}};
  const auto it = kCommands.find(text);
  return it == kCommands.end() ? "" : it->second;
}

// The file names that say IPv6 when nothing in the file does (docs/audit.md lists them).
bool NameSaysIpv6(std::string_view file) {
  const auto slash = file.rfind('/');
  std::string name(slash == std::string_view::npos ? file : file.substr(slash + 1));
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string_view n = name;
  return n == "rules.v6" || n.ends_with(".v6") || n.starts_with("ip6tables") || n.find("ipv6") != n.npos ||
         (n.ends_with(".rules") && n.substr(0, n.size() - 6).find('6') != n.npos);
}

struct PendingRule {
  Rule rule;
  std::string target_name;  // resolved at COMMIT (user chains may be declared later)
  core::SourceLocation target_where;
};

// One rule line as iptables-restore loads it: a kernel rule per source and destination address
// of its lists (so positions of -I, -D and -R count those), modelled as one Rule, or two for a
// userspace verdict.
struct RuleLine {
  std::vector<PendingRule> rules;
  int entries = 1;
  std::string spec;  // the rule specification as written, for -D by specification
};

struct ChainState {
  std::string name;
  std::optional<Action> policy;
  std::string policy_text;
  core::SourceLocation where;
  std::vector<RuleLine> lines;
};

// What a family is decided from, and the error when the file contradicts itself.
struct FamilyChoice {
  core::Family family = core::Family::kIPv4;
  std::string reason;
  std::optional<std::pair<core::SourceLocation, std::string>> error;
};

// The family of a dump: from its addresses (all of one family), else from its header, else from
// an ICMP match only one family has, else from the file's name, else IPv4. Lines marked -4 or
// -6 belong to that family whatever the file is, so they do not decide it.
FamilyChoice ChooseFamily(std::string_view text, const std::string& file) {
  struct Seen {
    core::Family family;
    std::string text;
    core::SourceLocation where;
  };
  std::optional<Seen> address;
  std::optional<Seen> header;
  std::optional<Seen> icmp;
  FamilyChoice choice;
  auto fail = [&](core::SourceLocation where, std::string message) {
    if (!choice.error) choice.error = std::make_pair(std::move(where), std::move(message));
  };
  auto name = [](core::Family family) { return family == core::Family::kIPv4 ? "IPv4" : "IPv6"; };
  int line_number = 0;
  for (const auto line : Lines(text)) {
    ++line_number;
    if (line.starts_with("#")) {
      std::optional<core::Family> says;
      if (line.find("Generated by ip6tables") != line.npos || line.find("IPv6 file") != line.npos)
        says = core::Family::kIPv6;
      else if (line.find("Generated by iptables") != line.npos || line.find("IPv4 file") != line.npos)
        says = core::Family::kIPv4;
      if (says && !header) header = Seen{*says, std::string(line), {file, line_number, 1}};
      if (says && *says != header->family)
        fail({file, line_number, 1}, fmt::format("this header says {}, but the one on line {} says {}", name(*says),
                                                 header->where.line, name(header->family)));
      continue;
    }
    std::string error;
    const auto tokens = Tokenize(line, &error);
    if (!tokens || tokens->empty() || tokens->front().text.starts_with("*") || tokens->front().text.starts_with(":"))
      continue;
    bool marked = false;
    for (const auto& token : *tokens) marked = marked || IsFamilyOption(token.text);
    if (marked) continue;
    for (std::size_t i = 0; i + 1 < tokens->size(); ++i) {
      const auto& option = (*tokens)[i].text;
      const auto& value = (*tokens)[i + 1].text;
      const core::SourceLocation where{file, line_number, (*tokens)[i + 1].column};
      if (!icmp && (option == "--icmpv6-type" || (option == "-m" && (value == "icmp6" || value == "icmpv6"))))
        icmp = Seen{core::Family::kIPv6, option == "-m" ? "-m " + value : option, where};
      if (!icmp && (option == "--icmp-type" || (option == "-m" && value == "icmp")))
        icmp = Seen{core::Family::kIPv4, option == "-m" ? "-m " + value : option, where};
      const bool range = option == "--src-range" || option == "--dst-range";
      if (!range && option != "-s" && option != "-d" && option != "--source" && option != "--destination" &&
          option != "--src" && option != "--dst")
        continue;
      for (const auto item : SplitList(value, ',')) {
        for (const auto part : range ? SplitList(item, '-') : std::vector<std::string_view>{item}) {
          const auto family = FamilyOfAddress(part);
          if (!family) continue;
          if (!address) address = Seen{*family, std::string(part), where};
          if (*family != address->family)
            fail(where, fmt::format("'{}' is an {} address, but the file's first address, '{}' on line {}, is {}: "
                                    "an iptables dump holds one family (give IPv4 and IPv6 as two files)",
                                    part, name(*family), address->text, address->where.line, name(address->family)));
        }
      }
    }
  }
  if (choice.error) return choice;
  if (address) {
    if (header && header->family != address->family)
      fail(address->where, fmt::format("'{}' is an {} address, but the header on line {} says the file is {}",
                                       address->text, name(address->family), header->where.line, name(header->family)));
    choice.family = address->family;
    choice.reason = "from its addresses";
  } else if (header) {
    choice.family = header->family;
    choice.reason = fmt::format("from its header (line {})", header->where.line);
  } else if (icmp) {
    choice.family = icmp->family;
    choice.reason = fmt::format("from its {} (line {})", icmp->text, icmp->where.line);
  } else if (NameSaysIpv6(file)) {
    choice.family = core::Family::kIPv6;
    const auto slash = file.rfind('/');
    choice.reason = fmt::format("from the file name {}", slash == std::string::npos ? file : file.substr(slash + 1));
  } else {
    choice.family = core::Family::kIPv4;
    choice.reason = "no address or header says otherwise";
  }
  return choice;
}

class Reader {
 public:
  Reader(std::string_view text, const std::string& file, const ReadOptions& options)
      : text_(text), file_(file), options_(options) {}

  Ruleset Read() {
    ruleset_.file = file_;
    ruleset_.format = "iptables";
    const auto choice = ChooseFamily(text_, file_);
    if (choice.error) {
      Error(choice.error->first, choice.error->second);
      throw core::InputError(diagnostics_);
    }
    family_ = choice.family;
    ruleset_.families = {family_};
    ruleset_.family_reason = choice.reason;
    int line_number = 0;
    for (const auto line : Lines(text_)) {
      ++line_number;
      ReadLine(line, line_number);
    }
    if (in_table_) Error({file_, line_number + 1, 1}, fmt::format("table {} has no COMMIT line", table_));
    if (!saw_table_ && !diagnostics_.HasErrors())
      Error({file_, 1, 1}, "no table in the file (an iptables dump has a line like *filter): nothing to audit");
    if (!saw_filter_) ruleset_.notes.push_back(fmt::format("{}: no filter table; every packet passes", file_));
    if (diagnostics_.HasErrors()) throw core::InputError(diagnostics_);
    return std::move(ruleset_);
  }

 private:
  void Error(core::SourceLocation where, std::string message) {
    diagnostics_.Error(std::move(where), std::move(message));
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
    const Place at{file_, line_number, line, *tokens};
    if (first.starts_with("*")) {
      if (in_table_)
        Error(at(0), fmt::format("table {} starts before table {} has its COMMIT", first.substr(1), table_));
      table_ = first.substr(1);
      in_table_ = true;
      saw_table_ = true;
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
      DeclareChain(at);
      return;
    }
    const auto command = CommandOf(first);
    if (command.empty()) {
      Error(at(0), fmt::format("'{}': expected a chain (:NAME POLICY), a command (-A, -I, -D, -R, -N, -X, -F, -Z, -E, "
                               "-P) or COMMIT",
                               first));
      return;
    }
    if (table_ != "filter") {
      if (command == "-A" || command == "-I") ++table_rules_;
      return;
    }
    RunCommand(command, at);
  }

  // Where the tokens of one line are, for diagnostics.
  struct Place {
    std::string file;
    int line_number;
    std::string_view line;
    const std::vector<Token>& tokens;
    core::SourceLocation operator()(std::size_t i) const {
      return {file, line_number, i < tokens.size() ? tokens[i].column : static_cast<int>(line.size()) + 1};
    }
  };

  void DeclareChain(const Place& at) {
    const auto& tokens = at.tokens;
    const std::string name = tokens[0].text.substr(1);
    if (name.empty()) {
      Error(at(0), "a chain declaration needs a name");
      return;
    }
    if (tokens.size() < 2) {
      Error(at(1), fmt::format("chain {} needs a policy (ACCEPT, DROP or -)", name));
      return;
    }
    const auto& policy = tokens[1].text;
    if (policy != "ACCEPT" && policy != "DROP" && policy != "-") {
      Error(at(1), fmt::format("'{}' is not a chain policy (ACCEPT, DROP or -)", policy));
      return;
    }
    if (table_ != "filter") return;
    if (IsBuiltin(name)) {
      if (policy == "-") {
        Error(at(1), fmt::format("built-in chain {} needs ACCEPT or DROP", name));
        return;
      }
      SetPolicy(BuiltinChain(name, at(0)), policy, at(0));
      return;
    }
    if (policy != "-") {
      Error(at(1), fmt::format("user chain {} cannot have a policy", name));
      return;
    }
    if (FindChain(name) >= 0) {
      Error(at(0), fmt::format("chain {} is declared twice", name));
      return;
    }
    chains_.push_back({name, std::nullopt, "", {file_, at.line_number, 0}, {}});
  }

  int FindChain(const std::string& name) const {
    for (std::size_t c = 0; c < chains_.size(); ++c)
      if (chains_[c].name == name) return static_cast<int>(c);
    return -1;
  }

  // A built-in chain exists from the start, with policy ACCEPT, whether or not the file declares it.
  int BuiltinChain(const std::string& name, core::SourceLocation where) {
    if (const int chain = FindChain(name); chain >= 0) return chain;
    where.column = 0;
    chains_.push_back({name,
                       Action::kAccept,
                       fmt::format("chain {} policy ACCEPT (built in: the file sets no policy for it)", name),
                       where,
                       {}});
    return static_cast<int>(chains_.size()) - 1;
  }

  void SetPolicy(int chain, const std::string& policy, core::SourceLocation where) {
    where.column = 0;
    chains_[chain].policy = policy == "ACCEPT" ? Action::kAccept : Action::kDrop;
    chains_[chain].policy_text.clear();
    chains_[chain].where = where;
  }

  // The chain a command names (built-in chains exist without a declaration); -1 after an error.
  int ChainArgument(const Place& at, std::size_t i, const std::string& command) {
    if (i >= at.tokens.size()) {
      Error(at(i), fmt::format("{} needs a chain name", command));
      return -1;
    }
    const auto& name = at.tokens[i].text;
    if (IsBuiltin(name)) return BuiltinChain(name, at(i));
    const int chain = FindChain(name);
    if (chain < 0)
      Error(at(i), fmt::format("chain {} is not declared (:{} - [0:0] or -N {} before the rules)", name, name, name));
    return chain;
  }

  bool NoMoreArguments(const Place& at, std::size_t i, const std::string& command) {
    if (i >= at.tokens.size()) return true;
    Error(at(i), fmt::format("'{}' after {}: it takes no more arguments", at.tokens[i].text, command));
    return false;
  }

  // A rule number: from 1, as iptables reads numbers.
  std::optional<int> RuleNumber(const Place& at, std::size_t i) {
    const auto number = i < at.tokens.size() ? IptablesNumber(at.tokens[i].text, INT_MAX) : std::nullopt;
    if (!number || *number < 1) {
      Error(at(i), fmt::format("'{}' is not a rule number (1, 2, ...)", i < at.tokens.size() ? at.tokens[i].text : ""));
      return std::nullopt;
    }
    return static_cast<int>(*number);
  }

  bool IsRuleNumberToken(const Place& at, std::size_t i) const {
    // iptables takes the word after the chain as a rule number unless it starts like an option.
    return i < at.tokens.size() && !at.tokens[i].text.starts_with("-") && at.tokens[i].text != "!";
  }

  static constexpr int kPositionTooBig = -1;
  static constexpr int kPositionInsideLine = -2;
  // The index of the line that holds kernel rule `position` (1-based) first; lines.size() right
  // after the last; kPositionInsideLine when it is the second or later kernel rule of a line.
  static int LineAt(const ChainState& chain, int position) {
    int before = 0;
    for (std::size_t k = 0; k < chain.lines.size(); ++k) {
      if (before == position - 1) return static_cast<int>(k);
      before += chain.lines[k].entries;
      if (before > position - 1) return kPositionInsideLine;
    }
    return before == position - 1 ? static_cast<int>(chain.lines.size()) : kPositionTooBig;
  }

  // The line at a position that -D or -R replaces or deletes whole; -1 after an error.
  int WholeLineAt(const Place& at, std::size_t i, const ChainState& chain, int position, const std::string& command) {
    const int k = LineAt(chain, position);
    if (k == kPositionTooBig || k == static_cast<int>(chain.lines.size())) {
      Error(at(i), fmt::format("{} {} {}: the chain has only {} rules", command, chain.name, position, Count(chain)));
      return -1;
    }
    if (k == kPositionInsideLine || chain.lines[k].entries != 1) {
      Error(at(i), fmt::format("{} {} {}: that rule is one of the {} kernel rules a line with address lists stands "
                               "for; not modelled",
                               command, chain.name, position, k >= 0 ? chain.lines[k].entries : 0));
      return -1;
    }
    return k;
  }

  static int Count(const ChainState& chain) {
    int count = 0;
    for (const auto& line : chain.lines) count += line.entries;
    return count;
  }

  bool Referenced(const std::string& name) const {
    for (const auto& chain : chains_)
      for (const auto& line : chain.lines)
        for (const auto& pending : line.rules)
          if (pending.target_name == name) return true;
    return false;
  }

  // iptables-restore runs each line as an iptables command on the table it builds; the rules'
  // order after it is the order the kernel holds.
  void RunCommand(const std::string& command, const Place& at) {
    const auto& tokens = at.tokens;
    if (command == "-N") {
      if (tokens.size() < 2) {
        Error(at(1), "-N needs a chain name");
        return;
      }
      const auto& name = tokens[1].text;
      if (IsBuiltin(name) || FindChain(name) >= 0) {
        Error(at(1), fmt::format("-N {}: the chain exists already", name));
        return;
      }
      if (name.starts_with("-") || name == "!" || kNonTerminatingTargets.count(name) || kOpaqueTargets.count(name) ||
          name == "ACCEPT" || name == "DROP" || name == "REJECT" || name == "RETURN") {
        Error(at(1), fmt::format("-N {}: not a name a user chain may have", name));
        return;
      }
      if (!NoMoreArguments(at, 2, command)) return;
      chains_.push_back({name, std::nullopt, "", {file_, at.line_number, 0}, {}});
      return;
    }
    if (command == "-P") {
      const int chain = ChainArgument(at, 1, command);
      if (chain < 0) return;
      if (!IsBuiltin(chains_[chain].name)) {
        Error(at(1), fmt::format("-P {}: only a built-in chain has a policy", chains_[chain].name));
        return;
      }
      if (tokens.size() < 3 || (tokens[2].text != "ACCEPT" && tokens[2].text != "DROP")) {
        Error(at(2), "-P needs a policy: ACCEPT or DROP");
        return;
      }
      if (!NoMoreArguments(at, 3, command)) return;
      SetPolicy(chain, tokens[2].text, at(0));
      return;
    }
    if (command == "-F" || command == "-X" || command == "-Z") {
      std::vector<int> chains;
      if (tokens.size() > 1) {
        const int chain = ChainArgument(at, 1, command);
        if (chain < 0) return;
        chains.push_back(chain);
      } else {
        for (std::size_t c = 0; c < chains_.size(); ++c)
          if (command != "-X" || !IsBuiltin(chains_[c].name)) chains.push_back(static_cast<int>(c));
      }
      // -Z CHAIN N zeroes one rule's counters: nothing the audit models.
      std::size_t end = 2;
      if (command == "-Z" && tokens.size() > 2) {
        if (!RuleNumber(at, 2)) return;
        end = 3;
      }
      if (!NoMoreArguments(at, end, command)) return;
      if (command == "-F") {
        for (const int chain : chains) chains_[chain].lines.clear();
      } else if (command == "-X") {
        DeleteChains(at, chains);
      }
      return;
    }
    if (command == "-E") {
      const int chain = ChainArgument(at, 1, command);
      if (chain < 0) return;
      if (tokens.size() < 3) {
        Error(at(2), "-E needs the chain's new name");
        return;
      }
      const auto& old_name = chains_[chain].name;
      const auto& new_name = tokens[2].text;
      if (IsBuiltin(old_name) || IsBuiltin(new_name) || FindChain(new_name) >= 0) {
        Error(at(IsBuiltin(old_name) ? 1 : 2),
              fmt::format("-E {} {}: only a user chain is renamed, to a new name", old_name, new_name));
        return;
      }
      if (!NoMoreArguments(at, 3, command)) return;
      for (auto& each : chains_)
        for (auto& line : each.lines)
          for (auto& pending : line.rules)
            if (pending.target_name == old_name) pending.target_name = new_name;
      chains_[chain].name = new_name;
      return;
    }
    RuleCommand(command, at);
  }

  void DeleteChains(const Place& at, const std::vector<int>& chains) {
    std::set<int> doomed;
    for (const int chain : chains) {
      const auto& name = chains_[chain].name;
      if (IsBuiltin(name)) {
        Error(at(1), fmt::format("-X {}: a built-in chain cannot be deleted", name));
        return;
      }
      if (!chains_[chain].lines.empty() || Referenced(name)) {
        Error(at(at.tokens.size() > 1 ? 1 : 0),
              fmt::format("-X: chain {} still {} (iptables-restore refuses this)", name,
                          chains_[chain].lines.empty() ? "has rules that jump to it" : "has rules"));
        return;
      }
      doomed.insert(chain);
    }
    std::vector<ChainState> kept;
    for (std::size_t c = 0; c < chains_.size(); ++c)
      if (!doomed.count(static_cast<int>(c))) kept.push_back(std::move(chains_[c]));
    chains_ = std::move(kept);
  }

  // -A, -I, -R and -D: commands on one rule.
  void RuleCommand(const std::string& command, const Place& at) {
    const int chain = ChainArgument(at, 1, command);
    if (chain < 0) return;
    std::size_t spec = 2;
    std::optional<int> position;
    if (command == "-I" && IsRuleNumberToken(at, 2)) {
      position = RuleNumber(at, 2);
      if (!position) return;
      spec = 3;
    }
    if (command == "-R" || (command == "-D" && IsRuleNumberToken(at, 2))) {
      position = RuleNumber(at, 2);
      if (!position) return;
      spec = 3;
    }
    auto& lines = chains_[chain].lines;
    if (command == "-D" && position) {
      if (!NoMoreArguments(at, 3, command)) return;
      const int k = WholeLineAt(at, 2, chains_[chain], *position, command);
      if (k >= 0) lines.erase(lines.begin() + k);
      return;
    }
    auto parsed = ParseRule(at, spec);
    if (!parsed) return;
    if (parsed->rules.empty()) return;  // a line for the other family (-4 / -6): iptables-restore skips it
    if (command == "-A") {
      lines.push_back(std::move(*parsed));
    } else if (command == "-I") {
      const int k = LineAt(chains_[chain], position.value_or(1));
      if (k == kPositionTooBig || k == kPositionInsideLine) {
        Error(at(2), fmt::format("-I {} {}: {}", chains_[chain].name, *position,
                                 k == kPositionTooBig
                                     ? fmt::format("the chain has only {} rules", Count(chains_[chain]))
                                     : std::string("that position is inside the kernel rules of a line with address "
                                                   "lists; not modelled")));
        return;
      }
      lines.insert(lines.begin() + k, std::move(*parsed));
    } else if (command == "-R") {
      if (parsed->entries != 1) {
        Error(at(spec), "-R: the replacement rule does not have a single source and destination address");
        return;
      }
      const int k = WholeLineAt(at, 2, chains_[chain], *position, command);
      if (k >= 0) lines[k] = std::move(*parsed);
    } else {
      DeleteBySpecification(at, chains_[chain], std::move(*parsed));
    }
  }

  // -D CHAIN RULE deletes the first rule the kernel finds equal. Equal text is the same rule; an
  // earlier rule with the same target and overlapping matches might be one the kernel finds
  // equal too, so that is refused rather than guessed.
  void DeleteBySpecification(const Place& at, ChainState& chain, RuleLine deleted) {
    const auto& target = deleted.rules.back();
    for (std::size_t k = 0; k < chain.lines.size(); ++k) {
      const auto& candidate = chain.lines[k];
      if (candidate.spec == deleted.spec) {
        chain.lines.erase(chain.lines.begin() + static_cast<std::ptrdiff_t>(k));
        return;
      }
      const auto& other = candidate.rules.back();
      if (other.rule.action == target.rule.action && other.target_name == target.target_name &&
          other.rule.match.Intersects(target.rule.match)) {
        Error(at(0), fmt::format("-D {}: the rule on line {} may be the one the kernel deletes (not modelled: "
                                 "delete by number, or write the rule as it was added)",
                                 chain.name, other.rule.where.line));
        return;
      }
    }
    Error(at(0), fmt::format("-D {}: no rule in the chain is written like this one (iptables-restore fails on it)",
                             chain.name));
  }

  void Commit() {
    if (table_ == "filter") {
      for (auto& state : chains_) {
        Chain chain;
        chain.name = state.name;
        chain.policy = state.policy;
        chain.policy_text = state.policy_text;
        chain.where = state.where;
        ruleset_.chains.push_back(std::move(chain));
      }
      for (std::size_t c = 0; c < chains_.size(); ++c) {
        for (auto& line : chains_[c].lines) {
          for (auto& pending : line.rules) {
            auto& rule = pending.rule;
            if (!pending.target_name.empty()) {
              const int target = ruleset_.FindChain(pending.target_name);
              if (target < 0 || IsBuiltin(pending.target_name)) {
                Error(pending.target_where, fmt::format("no user chain or target named {}", pending.target_name));
                continue;
              }
              rule.target = target;
            }
            ruleset_.chains[c].rules.push_back(std::move(rule));
          }
        }
      }
      chains_.clear();
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

  // A port as iptables reads it (xtables_parse_port): a number, or a service name.
  static std::optional<int> Port(std::string_view text) {
    if (auto number = IptablesNumber(text, 65535)) return static_cast<int>(*number);
    if (text.empty() || std::isdigit(static_cast<unsigned char>(text.front())) || text.front() == '+')
      return std::nullopt;
    return ParsePort(text);
  }

  // A range whose first port is above its last matches nothing: iptables does not write one, but
  // the kernel holds what it is given, and a dump shows it.
  std::optional<PacketSet> Ports(const std::string& text, bool source, bool list) {
    auto set = PacketSet::None();
    const auto items = SplitList(text, ',');
    if (!list && items.size() > 1) return std::nullopt;
    for (const auto item : items) {
      const auto colon = item.find(':');
      std::optional<int> first;
      std::optional<int> last;
      if (colon == std::string_view::npos) {
        first = last = Port(item);
      } else {
        first = colon == 0 ? std::optional<int>(0) : Port(item.substr(0, colon));
        last = colon + 1 == item.size() ? std::optional<int>(65535) : Port(item.substr(colon + 1));
      }
      if (!first || !last) return std::nullopt;
      if (*first > *last) continue;
      set |= source ? PacketSet::SourcePorts(*first, *last) : PacketSet::DestinationPorts(*first, *last);
    }
    return set;
  }

  // -s/-d: a list stands for one kernel rule per item (counted in *items).
  std::optional<PacketSet> Addresses(const std::string& text, bool source, int* items) {
    auto set = PacketSet::None();
    *items = 0;
    for (const auto item : SplitList(text, ',')) {
      const auto network = IptablesNetwork(item, family_);
      if (!network) return std::nullopt;
      set |= source ? PacketSet::Source(*network) : PacketSet::Destination(*network);
      ++*items;
    }
    return set;
  }

  // -m iprange: a range whose first address is above its last matches nothing (the kernel
  // compares first <= address <= last).
  std::optional<PacketSet> AddressRange(const std::string& text, bool source) {
    const auto dash = text.find('-');
    if (dash == std::string::npos) return std::nullopt;
    auto parse = [&](std::string_view part) {
      return family_ == core::Family::kIPv4 ? Ipv4Numeric(part, false) : core::ParseAddress(part);
    };
    const auto first = parse(std::string_view(text).substr(0, dash));
    const auto last = parse(std::string_view(text).substr(dash + 1));
    if (!first || !last || first->family != family_ || last->family != family_) return std::nullopt;
    if (PlainAddress(*first) > PlainAddress(*last)) return PacketSet::None();
    return source ? PacketSet::SourceRange(family_, PlainAddress(*first), PlainAddress(*last))
                  : PacketSet::DestinationRange(family_, PlainAddress(*first), PlainAddress(*last));
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

  // What the option handlers of one rule line share while ParseRule walks its tokens. ({} on the
  // members without a default lets RuleParse{.at = ..., .i = ...} leave them empty unwarned.)
  struct RuleParse {
    const Place& at;
    std::size_t i = 0;  // the option being read
    RuleLine parsed{};
    PendingRule pending{};
    Conjunction match{};
    std::vector<std::string> empty_because{};  // clauses that match nothing, for the report
    int sources = 1;
    int destinations = 1;
    bool negate = false;  // a "!" stands before the option being read
    bool has_target = false;
    bool has_protocol = false;
    std::string module{};          // the -m module whose options follow
    std::size_t module_start = 0;  // for unmodelled modules: where its clause began
    bool module_negated = false;

    const std::string& Option() const { return at.tokens[i].text; }
    Rule& CurrentRule() { return pending.rule; }
  };

  // What an option handler tells the driver.
  enum class Step {
    kNext,         // read on from the token at RuleParse::i
    kEnd,          // the target and its options end the rule
    kFailed,       // an error is reported: the line is no rule
    kOtherFamily,  // the line is marked -4 or -6 for the other family: iptables-restore skips it
  };

  using OptionHandler = Step (Reader::*)(RuleParse&);

  struct OptionRow {
    std::string_view spelling;
    OptionHandler read;
    // A rule-level option is read wherever it stands. Any other option spelled with "--" that
    // follows an unmodelled -m module is taken as that module's own (modules reuse names).
    bool rule_level = false;
  };

  // Every option of a rule specification the audit reads, long and short spellings alike.
  static const OptionRow* FindOption(std::string_view spelling) {
    static constexpr OptionRow kOptions[] = {
        {.spelling = "!", .read = &Reader::ReadNegation, .rule_level = true},
        {.spelling = "-4", .read = &Reader::ReadFamilyMark, .rule_level = true},
        {.spelling = "--ipv4", .read = &Reader::ReadFamilyMark, .rule_level = true},
        {.spelling = "-6", .read = &Reader::ReadFamilyMark, .rule_level = true},
        {.spelling = "--ipv6", .read = &Reader::ReadFamilyMark, .rule_level = true},
        {.spelling = "-c", .read = &Reader::SkipCounters, .rule_level = true},
        {.spelling = "--set-counters", .read = &Reader::SkipCounters, .rule_level = true},
        {.spelling = "-t", .read = &Reader::RefuseTable, .rule_level = true},
        {.spelling = "--table", .read = &Reader::RefuseTable, .rule_level = true},
        {.spelling = "-m", .read = &Reader::ReadMatchModule, .rule_level = true},
        {.spelling = "--match", .read = &Reader::ReadMatchModule, .rule_level = true},
        {.spelling = "-j", .read = &Reader::ReadJump, .rule_level = true},
        {.spelling = "--jump", .read = &Reader::ReadJump, .rule_level = true},
        {.spelling = "-g", .read = &Reader::ReadGoto, .rule_level = true},
        {.spelling = "--goto", .read = &Reader::ReadGoto, .rule_level = true},
        {.spelling = "-p", .read = &Reader::ReadProtocol},
        {.spelling = "--protocol", .read = &Reader::ReadProtocol},
        {.spelling = "-s", .read = &Reader::ReadSource},
        {.spelling = "--source", .read = &Reader::ReadSource},
        {.spelling = "--src", .read = &Reader::ReadSource},
        {.spelling = "-d", .read = &Reader::ReadDestination},
        {.spelling = "--destination", .read = &Reader::ReadDestination},
        {.spelling = "--dst", .read = &Reader::ReadDestination},
        {.spelling = "-i", .read = &Reader::ReadInInterface},
        {.spelling = "--in-interface", .read = &Reader::ReadInInterface},
        {.spelling = "-o", .read = &Reader::ReadOutInterface},
        {.spelling = "--out-interface", .read = &Reader::ReadOutInterface},
        {.spelling = "-f", .read = &Reader::ReadFragment},
        {.spelling = "--fragment", .read = &Reader::ReadFragment},
        {.spelling = "-v", .read = &Reader::SkipVerbose},
        {.spelling = "--verbose", .read = &Reader::SkipVerbose},
        {.spelling = "--sport", .read = &Reader::ReadSourcePorts},
        {.spelling = "--source-port", .read = &Reader::ReadSourcePorts},
        {.spelling = "--sports", .read = &Reader::ReadSourcePorts},
        {.spelling = "--source-ports", .read = &Reader::ReadSourcePorts},
        {.spelling = "--dport", .read = &Reader::ReadDestinationPorts},
        {.spelling = "--destination-port", .read = &Reader::ReadDestinationPorts},
        {.spelling = "--dports", .read = &Reader::ReadDestinationPorts},
        {.spelling = "--destination-ports", .read = &Reader::ReadDestinationPorts},
        {.spelling = "--ports", .read = &Reader::ReadEitherPorts},
        {.spelling = "--ctstate", .read = &Reader::ReadStates},
        {.spelling = "--state", .read = &Reader::ReadStates},
        {.spelling = "--syn", .read = &Reader::ReadSyn},
        {.spelling = "--src-range", .read = &Reader::ReadSourceRange},
        {.spelling = "--dst-range", .read = &Reader::ReadDestinationRange},
        {.spelling = "--match-set", .read = &Reader::ReadMatchSet},
        {.spelling = "--set", .read = &Reader::ReadMatchSet},
        {.spelling = "--comment", .read = &Reader::SkipComment},
        {.spelling = "--icmp-type", .read = &Reader::ReadIcmpType},
        {.spelling = "--icmpv6-type", .read = &Reader::ReadIcmpv6Type},
    };
    for (const auto& row : kOptions)
      if (row.spelling == spelling) return &row;
    return nullptr;
  }

  // The rule specification from tokens[start]: its match, action and target. A line marked for
  // the other family (-4 in ip6tables, -6 in iptables) comes back with no rules: iptables-restore
  // skips it.
  std::optional<RuleLine> ParseRule(const Place& at, std::size_t start) {
    RuleParse state{.at = at, .i = start};
    state.parsed.spec = JoinTokens(at.tokens, start, at.tokens.size());
    state.CurrentRule().where = {file_, at.line_number, 0};  // a rule is its whole line
    state.CurrentRule().text = std::string(at.line);
    state.match &= PacketSet::Family(family_);
    while (state.i < at.tokens.size()) {
      const Step step = ReadOption(state);
      if (step == Step::kFailed) return std::nullopt;
      if (step == Step::kOtherFamily) return std::move(state.parsed);
      if (step == Step::kEnd) break;
    }
    return FinishRule(state);
  }

  Step ReadOption(RuleParse& state) {
    const auto& option = state.Option();
    const OptionRow* row = FindOption(option);
    if (state.module_start != 0 && option.starts_with("--") && (row == nullptr || !row->rule_level))
      return SkipModuleOption(state);
    if (row == nullptr) return ReadUnlistedOption(state);
    return (this->*row->read)(state);
  }

  std::optional<RuleLine> FinishRule(RuleParse& state) {
    FlushModule(state, state.at.tokens.size());
    if (state.negate) {
      Error(state.at(state.at.tokens.size() - 1), "'!' at the end of the rule negates nothing");
      return std::nullopt;
    }
    Rule& rule = state.CurrentRule();
    if (!state.has_target) rule.action = Action::kContinue;
    rule.match = state.match.Build();
    if (!state.empty_because.empty()) rule.empty_because = state.empty_because.front();
    state.parsed.entries = state.sources * state.destinations;
    state.parsed.rules.push_back(std::move(state.pending));
    return std::move(state.parsed);
  }

  // --- what the option handlers share ---

  Step Fail(const RuleParse& state, std::size_t i, std::string message) {
    Error(state.at(i), std::move(message));
    return Step::kFailed;
  }

  // The token k after the option; nullptr, with the error reported, when the line ends first.
  const std::string* Value(const RuleParse& state, std::size_t k = 1) {
    if (state.i + k >= state.at.tokens.size()) {
      Fail(state, state.i, fmt::format("{} needs a value", state.Option()));
      return nullptr;
    }
    return &state.at.tokens[state.i + k].text;
  }

  // An option and its value are read: on to the next option.
  static Step NextAfterValue(RuleParse& state) {
    state.i += 2;
    return Step::kNext;
  }

  void Apply(RuleParse& state, const PacketSet& set) {
    state.match &= state.negate ? ~set : set;
    state.negate = false;
  }

  // A clause that matches nothing (and is not negated) makes the rule match nothing.
  void ApplyMaybeEmpty(RuleParse& state, const PacketSet& set, std::string why) {
    if (!state.negate && set.Empty()) state.empty_because.push_back(std::move(why));
    Apply(state, set);
  }

  // A module the audit cannot model: its whole clause becomes one free variable.
  void FlushModule(RuleParse& state, std::size_t end) {
    if (state.module_start == 0) return;
    Unmodelled(state.CurrentRule(), state.match, JoinTokens(state.at.tokens, state.module_start, end),
               state.module_negated);
    state.module_start = 0;
    state.module_negated = false;
  }

  // --- the option handlers: each reads its option at state.i, and moves state.i past it ---

  Step ReadNegation(RuleParse& state) {
    state.negate = true;
    ++state.i;
    return Step::kNext;
  }

  // -4 / -6: the line is for that family only.
  Step ReadFamilyMark(RuleParse& state) {
    const auto& option = state.Option();
    const bool v6 = option == "-6" || option == "--ipv6";
    if (v6 != (family_ == core::Family::kIPv6)) {
      ruleset_.notes.push_back(
          fmt::format("{}:{}: a rule marked {} is not part of an {} ruleset "
                      "(iptables-restore skips it)",
                      file_, state.at.line_number, option, core::FamilyName(family_)));
      return Step::kOtherFamily;
    }
    ++state.i;
    return Step::kNext;
  }

  // Counters for the kernel to start from: "-c PACKETS BYTES" or "-c PACKETS,BYTES".
  Step SkipCounters(RuleParse& state) {
    const auto* packets = Value(state);
    if (!packets) return Step::kFailed;
    const bool one_word = packets->find(',') != std::string::npos;
    if (!one_word && !Value(state, 2)) return Step::kFailed;
    state.i += one_word ? 2 : 3;
    return Step::kNext;
  }

  Step RefuseTable(RuleParse& state) {
    return Fail(state, state.i, "-t cannot be used in iptables-restore input: the table is the *TABLE line above");
  }

  Step ReadMatchModule(RuleParse& state) {
    FlushModule(state, state.i);
    const auto* name = Value(state);
    if (!name) return Step::kFailed;
    state.module = *name;
    if (!kModelledModules.count(state.module)) {
      state.module_start = state.i;
      state.module_negated = false;
    }
    return NextAfterValue(state);
  }

  Step ReadJump(RuleParse& state) { return ReadTargetOption(state, false); }
  Step ReadGoto(RuleParse& state) { return ReadTargetOption(state, true); }

  // -j / -g NAME, then the target's options (--reject-with, --log-prefix "..."), which run to the
  // end of the line.
  Step ReadTargetOption(RuleParse& state, bool is_goto) {
    FlushModule(state, state.i);
    const auto* name = Value(state);
    if (!name) return Step::kFailed;
    state.has_target = true;
    if (!ReadTarget(state, *name, is_goto)) return Step::kFailed;
    const auto& tokens = state.at.tokens;
    state.i += 2;
    while (state.i < tokens.size() && tokens[state.i].text.starts_with("--") && !tokens[state.i].quoted) {
      const bool has_value =
          state.i + 1 < tokens.size() && (tokens[state.i + 1].quoted || !tokens[state.i + 1].text.starts_with("--"));
      state.i += has_value ? 2 : 1;
    }
    if (state.i < tokens.size())
      return Fail(state, state.i, fmt::format("'{}' after the target", tokens[state.i].text));
    return Step::kEnd;
  }

  // Options of an unmodelled module, with their values, up to the next option.
  Step SkipModuleOption(RuleParse& state) {
    const auto& tokens = state.at.tokens;
    ++state.i;
    while (state.i < tokens.size() && !tokens[state.i].text.starts_with("-") && tokens[state.i].text != "!") ++state.i;
    if (state.negate) state.module_negated = !state.module_negated;
    state.negate = false;
    return Step::kNext;
  }

  Step ReadProtocol(RuleParse& state) {
    const auto* name = Value(state);
    if (!name) return Step::kFailed;
    state.has_protocol = true;
    if (*name == "all" || *name == "0") {
      if (state.negate) Apply(state, PacketSet::All());
      state.negate = false;
    } else if (auto protocol = ParseProtocol(*name)) {
      Apply(state, PacketSet::Protocol(*protocol));
    } else {
      return Fail(state, state.i + 1, fmt::format("'{}' is not a protocol name or number", *name));
    }
    return NextAfterValue(state);
  }

  Step ReadSource(RuleParse& state) { return ReadAddresses(state, true); }
  Step ReadDestination(RuleParse& state) { return ReadAddresses(state, false); }

  Step ReadAddresses(RuleParse& state, bool source) {
    const auto* text = Value(state);
    if (!text) return Step::kFailed;
    int items = 0;
    const auto set = Addresses(*text, source, &items);
    if (!set)
      return Fail(state, state.i + 1,
                  fmt::format("'{}' is not an {} address or network", *text, core::FamilyName(family_)));
    if (state.negate && items > 1)
      return Fail(state, state.i - 1, "'!' is not allowed with a list of addresses (iptables refuses it)");
    (source ? state.sources : state.destinations) = items;
    Apply(state, *set);
    return NextAfterValue(state);
  }

  Step ReadInInterface(RuleParse& state) { return ReadInterface(state, true); }
  Step ReadOutInterface(RuleParse& state) { return ReadInterface(state, false); }

  Step ReadInterface(RuleParse& state, bool in) {
    const auto* name = Value(state);
    if (!name) return Step::kFailed;
    if (*name != "lo")
      state.CurrentRule().unmodelled.push_back(
          fmt::format("{}{} {}", state.negate ? "! " : "", in ? "-i" : "-o", *name));
    Apply(state, in ? ruleset_.symbols.InInterface(*name) : ruleset_.symbols.OutInterface(*name));
    return NextAfterValue(state);
  }

  Step ReadFragment(RuleParse& state) {
    Unmodelled(state.CurrentRule(), state.match, "-f", state.negate);
    state.negate = false;
    ++state.i;
    return Step::kNext;
  }

  // How much iptables prints while it loads the rule.
  Step SkipVerbose(RuleParse& state) {
    ++state.i;
    return Step::kNext;
  }

  Step ReadSourcePorts(RuleParse& state) { return ReadPorts(state, true); }
  Step ReadDestinationPorts(RuleParse& state) { return ReadPorts(state, false); }

  // A port or range (tcp, udp, ...), or a list of them (-m multiport).
  Step ReadPorts(RuleParse& state, bool source) {
    const auto* text = Value(state);
    if (!text) return Step::kFailed;
    const bool list = state.module == "multiport";
    const auto set = Ports(*text, source, list);
    if (!set)
      return Fail(state, state.i + 1,
                  fmt::format("'{}' is not a port{}", *text, list ? " list" : " or range (first:last)"));
    ApplyMaybeEmpty(state, *set, fmt::format("its port {} {} is empty", list ? "list" : "range", *text));
    return NextAfterValue(state);
  }

  // -m multiport --ports: the source or the destination port is in the list.
  Step ReadEitherPorts(RuleParse& state) {
    const auto* text = Value(state);
    if (!text) return Step::kFailed;
    const auto source = Ports(*text, true, true);
    const auto destination = Ports(*text, false, true);
    if (!source || !destination) return Fail(state, state.i + 1, fmt::format("'{}' is not a port list", *text));
    ApplyMaybeEmpty(state, *source | *destination, fmt::format("its port list {} is empty", *text));
    return NextAfterValue(state);
  }

  Step ReadStates(RuleParse& state) {
    const auto* text = Value(state);
    if (!text) return Step::kFailed;
    const auto set = States(*text);
    if (!set)
      return Fail(state, state.i + 1,
                  fmt::format("'{}' is not a list of states (NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED)", *text));
    Apply(state, *set);
    return NextAfterValue(state);
  }

  // The audit's packets start connections, and a TCP connection starts with a SYN; later packets
  // of it are not SYN-only. So --syn is the state NEW, as the docs say.
  Step ReadSyn(RuleParse& state) {
    Apply(state, PacketSet::State(CtState::kNew));
    ++state.i;
    return Step::kNext;
  }

  Step ReadSourceRange(RuleParse& state) { return ReadAddressRange(state, true); }
  Step ReadDestinationRange(RuleParse& state) { return ReadAddressRange(state, false); }

  Step ReadAddressRange(RuleParse& state, bool source) {
    const auto* text = Value(state);
    if (!text) return Step::kFailed;
    const auto set = AddressRange(*text, source);
    if (!set)
      return Fail(state, state.i + 1,
                  fmt::format("'{}' is not an {} address range (first-last)", *text, core::FamilyName(family_)));
    ApplyMaybeEmpty(state, *set, fmt::format("its address range {} is empty", *text));
    return NextAfterValue(state);
  }

  // --match-set NAME FLAGS: exact with the --ipset contents, else a free variable.
  Step ReadMatchSet(RuleParse& state) {
    const auto& tokens = state.at.tokens;
    const std::size_t i = state.i;
    if (i + 2 >= tokens.size())
      return Fail(state, i, fmt::format("{} needs a set name and src/dst flags", tokens[i].text));
    const auto& name = tokens[i + 1].text;
    const auto& flags = tokens[i + 2].text;
    std::vector<bool> source_flags;
    for (const auto flag : SplitList(flags, ',')) {
      if (flag != "src" && flag != "dst")
        return Fail(state, i + 2, fmt::format("'{}' is not a list of src and dst", flags));
      source_flags.push_back(flag == "src");
    }
    std::string reason;
    std::optional<PacketSet> set;
    if (options_.ipsets)
      set = MatchSet(*options_.ipsets, name, source_flags, &reason);
    else
      reason = fmt::format("set {}: no ipset contents given (--ipset FILE)", name);
    if (set)
      state.match &= state.negate ? ~*set : *set;
    else
      Unmodelled(state.CurrentRule(), state.match, fmt::format("--match-set {} {} ({})", name, flags, reason),
                 state.negate);
    state.negate = false;
    state.i += 3;
    // Options of the set match that do not change membership.
    while (state.i < tokens.size() &&
           (tokens[state.i].text == "--return-nomatch" || tokens[state.i].text == "--update-counters" ||
            tokens[state.i].text == "--update-subcounters"))
      ++state.i;
    return Step::kNext;
  }

  // -m comment: a note for people.
  Step SkipComment(RuleParse& state) {
    if (!Value(state)) return Step::kFailed;
    return NextAfterValue(state);
  }

  Step ReadIcmpType(RuleParse& state) { return ReadIcmp(state, false); }
  Step ReadIcmpv6Type(RuleParse& state) { return ReadIcmp(state, true); }

  Step ReadIcmp(RuleParse& state, bool v6) {
    const auto* text = Value(state);
    if (!text) return Step::kFailed;
    const auto set = ParseIcmpType(*text, v6);
    if (!set) return Fail(state, state.i + 1, fmt::format("'{}' is not an ICMP type", *text));
    Apply(state, *set);
    return NextAfterValue(state);
  }

  // An option no row lists: one of a modelled module or protocol that the audit does not model
  // (--tcp-flags, --ctproto ...) becomes a free variable; anything else is an error.
  Step ReadUnlistedOption(RuleParse& state) {
    const auto& tokens = state.at.tokens;
    const auto& option = state.Option();
    if (option.starts_with("--") && (!state.module.empty() || state.has_protocol)) {
      std::size_t end = state.i + 1;
      while (end < tokens.size() && !tokens[end].text.starts_with("-") && tokens[end].text != "!") ++end;
      Unmodelled(state.CurrentRule(), state.match, JoinTokens(tokens, state.i, end), state.negate);
      state.negate = false;
      state.i = end;
      return Step::kNext;
    }
    if (option.starts_with("-")) return Fail(state, state.i, fmt::format("unknown option '{}'", option));
    return Fail(state, state.i, fmt::format("'{}': expected an option", option));
  }

  // -j / -g NAME: the action, or the user chain (resolved at COMMIT). A userspace verdict is two
  // rules: accepted for some value of a free variable, dropped otherwise.
  bool ReadTarget(RuleParse& state, const std::string& name, bool is_goto) {
    Rule& rule = state.CurrentRule();
    if (name == "ACCEPT") {
      rule.action = Action::kAccept;
    } else if (name == "DROP") {
      rule.action = Action::kDrop;
    } else if (name == "REJECT") {
      rule.action = Action::kReject;
    } else if (name == "RETURN") {
      rule.action = Action::kReturn;
    } else if (kNonTerminatingTargets.count(name)) {
      rule.action = Action::kContinue;
    } else if (kOpaqueTargets.count(name)) {
      Rule accepted = rule;
      auto variable = ruleset_.symbols.Unmodelled("-j " + name);
      accepted.match = state.match.Build() & variable;
      accepted.action = Action::kAccept;
      accepted.unmodelled.push_back("-j " + name + " (the verdict comes from userspace)");
      if (!state.empty_because.empty()) accepted.empty_because = state.empty_because.front();
      state.parsed.rules.push_back({accepted, "", {}});
      rule.action = Action::kDrop;
      rule.unmodelled.push_back("-j " + name + " (the verdict comes from userspace)");
    } else {
      rule.action = is_goto ? Action::kGoto : Action::kJump;
      state.pending.target_name = name;
      state.pending.target_where = state.at(state.i + 1);
    }
    if (is_goto && rule.action != Action::kGoto) {
      Error(state.at(state.i + 1), fmt::format("-g needs a user chain, not {}", name));
      return false;
    }
    return true;
  }

  std::string_view text_;
  std::string file_;
  const ReadOptions& options_;
  Ruleset ruleset_;
  core::Diagnostics diagnostics_;
  core::Family family_ = core::Family::kIPv4;
  std::string table_;
  bool in_table_ = false;
  bool saw_table_ = false;
  bool saw_filter_ = false;
  int table_rules_ = 0;
  std::vector<ChainState> chains_;  // the filter table until its COMMIT
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
