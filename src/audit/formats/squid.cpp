// squid.conf's access controls (Squid 5): `acl NAME TYPE [flags] values...` and `http_access
// allow|deny [!]NAME ...`, one chain of first-match lines on the forward hook. A request through
// the proxy is a packet: from the client (src), to the origin server (dst), tcp, to the origin
// port (port), with its method's code in the source port field (audit/http_methods.hpp). What a
// request carries that a packet has not (its URL's host, a header, the user) is a free variable.

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "audit/formats/formats.hpp"
#include "audit/formats/text_input.hpp"
#include "audit/http_methods.hpp"

namespace portolan::audit::formats {

namespace {

constexpr int kMaxPort = 65535;

// Squid 5's ACL types (squid.conf.documented), and the older names it still takes.
constexpr std::array<std::string_view, 64> kAclTypes = {
    // addresses, ports, methods and groups: modelled
    "src", "dst", "port", "method", "any-of", "all-of",
    // the rest: free variables
    "localip", "myip", "arp", "eui64", "srcdomain", "dstdomain", "srcdom_regex", "dstdom_regex", "src_as", "dst_as",
    "peername", "peername_regex", "time", "url_regex", "urllogin", "urlpath_regex", "localport", "myport", "myportname",
    "proto", "http_status", "browser", "referer_regex", "ident", "ident_regex", "proxy_auth", "proxy_auth_regex",
    "snmp_community", "maxconn", "max_user_ip", "random", "req_mime_type", "req_header", "rep_mime_type", "rep_header",
    "external", "user_cert", "ca_cert", "ext_user", "ext_user_regex", "tag", "hier_code", "note",
    "annotate_transaction", "annotate_client", "adaptation_service", "ssl_error", "server_cert_fingerprint", "at_step",
    "ssl::server_name", "ssl::server_name_regex", "connections_encrypted", "transaction_initiator", "has",
    "squid_error", "client_connection_mark", "clientside_mark", "server_connection_mark"};

// Directives besides http_access that can refuse a request: not audited, and the notes say so.
constexpr std::array<std::string_view, 2> kOtherAccessLists = {"adapted_http_access", "miss_access"};

struct Acl {
  std::string type;
  PacketSet set;
  std::vector<std::string> unmodelled;  // what in it the audit cannot see
};

// A logical line: physical lines joined where one ends in a backslash, with where each piece
// starts, so that a token's column is that of its physical line.
struct LogicalLine {
  std::string text;
  struct Piece {
    std::size_t offset;  // in text
    int line;
  };
  std::vector<Piece> pieces;

  core::SourceLocation Where(const std::string& file, int column) const {
    const auto offset = static_cast<std::size_t>(column - 1);
    auto piece = pieces.front();
    for (const auto& next : pieces)
      if (next.offset <= offset) piece = next;
    return {file, piece.line, static_cast<int>(offset - piece.offset) + 1};
  }
};

std::vector<LogicalLine> LogicalLines(std::string_view text) {
  std::vector<LogicalLine> lines;
  bool continued = false;
  int number = 0;
  for (auto line : Lines(text)) {
    ++number;
    if (!continued) lines.emplace_back();
    auto& logical = lines.back();
    logical.pieces.push_back({logical.text.size(), number});
    continued = !line.empty() && line.back() == '\\';
    if (continued) line.remove_suffix(1);
    logical.text += line;
  }
  return lines;
}

// The line up to its comment: a '#' outside quotes, at the start of the line or of a word.
std::string_view WithoutComment(std::string_view line) {
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == '#' && !quoted && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return line.substr(0, i);
    }
  }
  return line;
}

// Squid looks ACL names up without regard to case.
std::string Key(std::string_view name) {
  std::string key(name);
  for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

bool IsHostName(std::string_view text) {
  return !text.empty() && std::isalpha(static_cast<unsigned char>(text[0])) &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
         });
}

class SquidReader {
 public:
  SquidReader(const std::string& file, Ruleset& ruleset) : file_(file), ruleset_(ruleset) { Predefine(); }

  void Read(std::string_view text) {
    for (const auto& line : LogicalLines(text)) ReadLine(line);
    if (!seen_access_ && !seen_acl_)
      diagnostics_.Error({file_, 1, 1}, "no acl or http_access line: this is not a squid.conf");
    if (diagnostics_.HasErrors()) throw core::InputError(diagnostics_);
    Finish();
  }

 private:
  // Squid's built-in ACLs (Squid 4 and later define them; a configuration may add to them).
  void Predefine() {
    auto all = PacketSet::All();
    acls_["all"] = {"src", all, {}};
    auto localhost =
        PacketSet::Source(*core::ParseNetwork("127.0.0.1/32")) | PacketSet::Source(*core::ParseNetwork("::1/128"));
    acls_["localhost"] = {"src", localhost, {}};
    auto to_localhost = PacketSet::None();
    for (const auto* network : {"127.0.0.0/8", "0.0.0.0/32", "::1/128", "::/128"})
      to_localhost |= PacketSet::Destination(*core::ParseNetwork(network));
    acls_["to_localhost"] = {"dst", to_localhost, {}};
    acls_["connect"] = {"method", AnyRequestWithMethod(*MethodCode("CONNECT")), {}};
    // cache_object:// and /squid-internal-mgr/ URLs, which no required request has: a field of its own.
    acls_["manager"] = {"url_regex", CacheManagerRequests(), {}};
  }

  void ReadLine(const LogicalLine& line) {
    std::string error;
    auto tokens = Tokenize(WithoutComment(line.text), &error);
    if (!tokens) {
      diagnostics_.Error(line.Where(file_, 1), error);
      return;
    }
    if (tokens->empty()) return;
    const auto& directive = tokens->front().text;
    if (directive == "acl") {
      seen_acl_ = true;
      ReadAcl(line, *tokens);
    } else if (directive == "http_access") {
      seen_access_ = true;
      ReadAccess(line, *tokens);
    } else if (directive == "include") {
      ruleset_.notes.push_back(fmt::format("{}: {}: not followed; http_access lines there are not audited",
                                           line.Where(file_, tokens->front().column).ToString(),
                                           JoinTokens(*tokens, 0, tokens->size())));
    } else if (directive == "if" || directive == "else" || directive == "endif") {
      Error(line, tokens->front(),
            "conditional configuration (if/else/endif) is not modelled: it may decide which "
            "http_access lines apply");
    } else if (std::find(kOtherAccessLists.begin(), kOtherAccessLists.end(), directive) != kOtherAccessLists.end()) {
      ruleset_.notes.push_back(fmt::format("{}: {} may refuse requests too: not audited",
                                           line.Where(file_, tokens->front().column).ToString(), directive));
    }
  }

  void ReadAcl(const LogicalLine& line, const std::vector<Token>& tokens) {
    if (tokens.size() < 3) {
      Error(line, tokens.back(),
            tokens.size() < 2 ? "expected an ACL name and type after acl" : "expected an ACL type");
      return;
    }
    const auto& name = tokens[1].text;
    const auto& type = tokens[2].text;
    if (std::find(kAclTypes.begin(), kAclTypes.end(), type) == kAclTypes.end()) {
      Error(line, tokens[2], fmt::format("invalid ACL type '{}'", type));
      return;
    }
    // Squid takes the manager ACL of Squid 2 and 3 configurations with a warning, and keeps its own.
    if (Key(name) == "manager" && type == "proto") {
      ruleset_.notes.push_back(fmt::format("{}: acl manager proto ...: Squid's built-in manager ACL is used instead",
                                           line.Where(file_, tokens[0].column).ToString()));
      return;
    }
    auto it = acls_.find(Key(name));
    if (it != acls_.end() && it->second.type != type) {
      Error(line, tokens[2],
            fmt::format("ACL '{}' is already defined with type '{}': a name has one type", name, it->second.type));
      return;
    }
    std::size_t first = 3;
    while (first < tokens.size() && !tokens[first].quoted && tokens[first].text.starts_with('-')) {
      const auto& flag = tokens[first].text;
      ++first;
      if (flag == "--") break;
      if (flag != "-i" && flag != "-n" && flag != "-m" && !flag.starts_with("-m=")) {
        Error(line, tokens[first - 1], fmt::format("unknown ACL flag '{}' (-i, -n, -m, --)", flag));
        return;
      }
    }
    const auto errors = diagnostics_.All().size();
    Acl values{type, PacketSet::None(), {}};
    ReadValues(line, tokens, first, name, values);
    if (diagnostics_.All().size() != errors) return;
    if (it == acls_.end()) {
      acls_.emplace(Key(name), std::move(values));
      return;
    }
    it->second.set |= values.set;
    for (auto& what : values.unmodelled)
      if (std::find(it->second.unmodelled.begin(), it->second.unmodelled.end(), what) == it->second.unmodelled.end())
        it->second.unmodelled.push_back(std::move(what));
  }

  void ReadValues(const LogicalLine& line, const std::vector<Token>& tokens, std::size_t first, const std::string& name,
                  Acl& acl) {
    const auto& type = acl.type;
    const bool modelled =
        type == "src" || type == "dst" || type == "port" || type == "method" || type == "any-of" || type == "all-of";
    if (!modelled) {
      // One free variable per ACL: its lines together are one condition the audit cannot see.
      Unmodelled(acl, fmt::format("{} {}", type, name));
      return;
    }
    auto group = type == "all-of" ? PacketSet::All() : PacketSet::None();
    for (std::size_t i = first; i < tokens.size(); ++i) {
      const auto& token = tokens[i];
      if (token.quoted) {  // values from a file the audit does not read
        Unmodelled(acl, fmt::format("{} {} \"{}\"", type, name, token.text));
        continue;
      }
      if (type == "src" || type == "dst") {
        acl.set |= Address(line, token, type == "src", name, acl);
      } else if (type == "port") {
        acl.set |= Port(line, token);
      } else if (type == "method") {
        acl.set |= Method(token.text, acl);
      } else {
        auto member = Member(line, token, acl);
        group = type == "all-of" ? group & member : group | member;
      }
    }
    // The members of one any-of or all-of line are one group; lines of one name are ORed.
    if ((type == "any-of" || type == "all-of") && tokens.size() > first) acl.set |= group;
  }

  void Unmodelled(Acl& acl, const std::string& what) {
    acl.set |= ruleset_.symbols.Unmodelled(what);
    acl.unmodelled.push_back(what);
  }

  PacketSet Address(const LogicalLine& line, const Token& token, bool source, const std::string& name, Acl& acl) {
    const auto& value = token.text;
    auto side = [source](const core::Network& network) {
      return source ? PacketSet::Source(network) : PacketSet::Destination(network);
    };
    if (value == "all") return side(*core::ParseNetwork("0.0.0.0/0")) | side(*core::ParseNetwork("::/0"));
    if (value == "ipv4") return side(*core::ParseNetwork("0.0.0.0/0"));
    if (value == "ipv6") return side(*core::ParseNetwork("::/0"));
    if (value.find('-') != std::string::npos && value.find('/') == std::string::npos) {
      if (const auto range = ParseAddressRange(value)) {
        const auto first = PlainAddress(range->first);
        const auto last = PlainAddress(range->second);
        return source ? PacketSet::SourceRange(range->first.family, first, last)
                      : PacketSet::DestinationRange(range->first.family, first, last);
      }
    }
    if (const auto network = ParseNetworkLenient(value)) return side(*network);
    if (IsHostName(value)) {
      // Squid looks the name up when it starts: the addresses it gets are not in the file.
      const auto what = fmt::format("{} {}: host name {}", source ? "src" : "dst", name, value);
      acl.unmodelled.push_back(what);
      return ruleset_.symbols.Unmodelled(what);
    }
    Error(line, token,
          fmt::format("'{}' is not an address, A/LEN or A/MASK network, A-B range, all, ipv4 or ipv6", value));
    return PacketSet::None();
  }

  PacketSet Port(const LogicalLine& line, const Token& token) {
    const std::string_view value = token.text;
    const auto dash = value.find('-');
    const auto first = ParseNumber(value.substr(0, dash), kMaxPort);
    const auto last = dash == std::string_view::npos ? first : ParseNumber(value.substr(dash + 1), kMaxPort);
    if (!first || !last || *first > *last) {
      Error(line, token, fmt::format("'{}' is not a port or a port range A-B (0-65535)", value));
      return PacketSet::None();
    }
    return PacketSet::DestinationPorts(*first, *last);
  }

  PacketSet Method(const std::string& name, Acl& acl) {
    if (const auto code = MethodCode(name)) return AnyRequestWithMethod(*code);
    // Past the codes one process can give: a free variable among the methods no name has.
    const auto what = fmt::format("method {}", name);
    acl.unmodelled.push_back(what);
    return UnnamedMethods() & ruleset_.symbols.Unmodelled(what);
  }

  PacketSet Member(const LogicalLine& line, const Token& token, Acl& acl) {
    const bool negated = token.text.starts_with('!');
    const auto name = token.text.substr(negated ? 1 : 0);
    const auto it = acls_.find(Key(name));
    if (it == acls_.end()) {
      Error(line, token, fmt::format("ACL '{}' is not defined (before this line)", name));
      return PacketSet::None();
    }
    for (const auto& what : it->second.unmodelled)
      if (std::find(acl.unmodelled.begin(), acl.unmodelled.end(), what) == acl.unmodelled.end())
        acl.unmodelled.push_back(what);
    return negated ? ~it->second.set : it->second.set;
  }

  void ReadAccess(const LogicalLine& line, const std::vector<Token>& tokens) {
    if (tokens.size() < 2 || (tokens[1].text != "allow" && tokens[1].text != "deny")) {
      Error(line, tokens.size() < 2 ? tokens[0] : tokens[1],
            fmt::format("expected allow or deny after http_access{}",
                        tokens.size() < 2 ? "" : fmt::format(", not '{}'", tokens[1].text)));
      return;
    }
    if (tokens.size() < 3) {
      Error(line, tokens[1], fmt::format("expected an ACL name after http_access {}", tokens[1].text));
      return;
    }
    Rule rule;
    rule.action = tokens[1].text == "allow" ? Action::kAccept : Action::kDrop;
    rule.where = line.Where(file_, tokens[0].column);
    rule.where.column = 0;  // one rule a line: the report names the line
    rule.text = JoinTokens(tokens, 0, tokens.size());
    Conjunction match;
    for (std::size_t i = 2; i < tokens.size(); ++i) {
      const auto& token = tokens[i];
      const bool negated = token.text.starts_with('!');
      const auto name = token.text.substr(negated ? 1 : 0);
      const auto it = acls_.find(Key(name));
      if (token.quoted || name.empty() || it == acls_.end()) {
        Error(line, token,
              name.empty() || token.quoted
                  ? std::string("expected an ACL name ([!]NAME)")
                  : fmt::format("ACL '{}' is not defined (Squid refuses an http_access line naming an undefined ACL)",
                                name));
        continue;
      }
      match &= negated ? ~it->second.set : it->second.set;
      for (const auto& what : it->second.unmodelled)
        if (std::find(rule.unmodelled.begin(), rule.unmodelled.end(), what) == rule.unmodelled.end())
          rule.unmodelled.push_back(what);
    }
    rule.match = match.Build();
    chain_.rules.push_back(std::move(rule));
  }

  // One chain on the forward hook; what no line decides gets the opposite of the last line's action.
  void Finish() {
    chain_.name = "http_access";
    if (chain_.rules.empty()) {
      chain_.policy = Action::kDrop;
      chain_.policy_text = "no http_access line: Squid denies every request";
      chain_.where = {file_, 0, 0};
    } else {
      const auto& last = chain_.rules.back();
      const bool allow = last.action == Action::kAccept;
      chain_.policy = allow ? Action::kDrop : Action::kAccept;
      chain_.policy_text = fmt::format("the implicit {} after the last http_access line (an {})",
                                       allow ? "deny" : "allow", allow ? "allow" : "deny");
      chain_.where = last.where;
    }
    ruleset_.families = {core::Family::kIPv4, core::Family::kIPv6};
    ruleset_.attachments.push_back({Hook::kForward, 0, 0});
    ruleset_.chains.push_back(std::move(chain_));
  }

  void Error(const LogicalLine& line, const Token& token, const std::string& message) {
    diagnostics_.Error(line.Where(file_, token.column), message);
  }

  const std::string& file_;
  Ruleset& ruleset_;
  core::Diagnostics diagnostics_;
  std::map<std::string, Acl> acls_;
  Chain chain_;
  bool seen_acl_ = false;
  bool seen_access_ = false;
};

}  // namespace

bool LooksLikeSquid(std::string_view text) {
  for (const auto line : Lines(text)) {
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) continue;
    const auto rest = line.substr(start);
    if (rest.starts_with("http_access ") || rest.starts_with("http_access\t") || rest.starts_with("acl ") ||
        rest.starts_with("acl\t"))
      return true;
  }
  return false;
}

Ruleset ReadSquid(std::string_view text, const std::string& file, const ReadOptions& /*options*/) {
  Ruleset ruleset;
  ruleset.file = file;
  ruleset.format = "squid";
  SquidReader reader(file, ruleset);
  reader.Read(text);
  return ruleset;
}

}  // namespace portolan::audit::formats
