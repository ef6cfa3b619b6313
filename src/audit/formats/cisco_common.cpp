#include "audit/formats/cisco_common.hpp"

#include <algorithm>
#include <bit>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace portolan::audit::formats::cisco {

namespace {

// A non-contiguous wildcard is a union of networks, one per value of its stray bits: a few are
// fine, more would be a wildcard nobody writes on purpose.
constexpr int kMaxStrayWildcardBits = 10;

constexpr int kMaxIcmpValue = 255;

constexpr std::string_view kZoneAclPrefix = "PORTOLAN-FROM-";
constexpr std::string_view kIpv6AclSuffix = "-V6";
// render --edge Z: every zone but Z is one, named so.
constexpr std::string_view kOutsideZone = "outside";
// The header of portolan render's Cisco output (which may hold no ACL at all).
constexpr std::string_view kPortolanHeader = "written by portolan render --target cisco-";

// ASA: the interfaces without an inbound ACL (they pass packets by security level).
std::vector<const Interface*> UnfilteredInterfaces(const std::vector<const Binding*>& inbound,
                                                   const Interfaces& interfaces) {
  std::vector<const Interface*> unfiltered;
  if (!interfaces.security_levels) return unfiltered;
  for (const auto& interface : interfaces.list)
    if (std::none_of(inbound.begin(), inbound.end(), [&](const Binding* b) { return b->interface == interface.name; }))
      unfiltered.push_back(&interface);
  return unfiltered;
}

std::uint32_t Ipv4Bits(const core::Network& address) {
  std::uint32_t bits = 0;
  for (int i = 0; i < 4; ++i) bits = (bits << 8) | address.bytes[i];
  return bits;
}

core::Network Ipv4Network(std::uint32_t bits, int prefix) {
  core::Network network;
  network.family = core::Family::kIPv4;
  for (int i = 0; i < 4; ++i) network.bytes[i] = static_cast<std::uint8_t>(bits >> (24 - 8 * i));
  network.prefix_length = prefix;
  return network;
}

}  // namespace

PacketSet Side(const core::Network& network, bool source) {
  return source ? PacketSet::Source(network) : PacketSet::Destination(network);
}

PacketSet Side(const std::pair<core::Network, core::Network>& range, bool source) {
  const auto first = PlainAddress(range.first);
  const auto last = PlainAddress(range.second);
  return source ? PacketSet::SourceRange(range.first.family, first, last)
                : PacketSet::DestinationRange(range.first.family, first, last);
}

std::optional<int> ParsePort(std::string_view text) {
  // The names IOS and ASA print in their configurations (where they differ from /etc/services,
  // Cisco's meaning: ASA's kerberos is 750, IOS's netbios-ss is 139).
  static const std::map<std::string_view, int> kNames = {{"aol", 5190},
                                                         {"bgp", 179},
                                                         {"biff", 512},
                                                         {"bootpc", 68},
                                                         {"bootps", 67},
                                                         {"chargen", 19},
                                                         {"cifs", 3020},
                                                         {"citrix-ica", 1494},
                                                         {"cmd", 514},
                                                         {"ctiqbe", 2748},
                                                         {"daytime", 13},
                                                         {"discard", 9},
                                                         {"dnsix", 195},
                                                         {"domain", 53},
                                                         {"echo", 7},
                                                         {"exec", 512},
                                                         {"finger", 79},
                                                         {"ftp", 21},
                                                         {"ftp-data", 20},
                                                         {"gopher", 70},
                                                         {"h323", 1720},
                                                         {"hostname", 101},
                                                         {"http", 80},
                                                         {"https", 443},
                                                         {"ident", 113},
                                                         {"imap4", 143},
                                                         {"irc", 194},
                                                         {"isakmp", 500},
                                                         {"kerberos", 750},
                                                         {"klogin", 543},
                                                         {"kshell", 544},
                                                         {"ldap", 389},
                                                         {"ldaps", 636},
                                                         {"login", 513},
                                                         {"lotusnotes", 1352},
                                                         {"lpd", 515},
                                                         {"mobile-ip", 434},
                                                         {"msrpc", 135},
                                                         {"nameserver", 42},
                                                         {"netbios-dgm", 138},
                                                         {"netbios-ns", 137},
                                                         {"netbios-ss", 139},
                                                         {"netbios-ssn", 139},
                                                         {"nfs", 2049},
                                                         {"nntp", 119},
                                                         {"non500-isakmp", 4500},
                                                         {"ntp", 123},
                                                         {"onep-plain", 15001},
                                                         {"pcanywhere-data", 5631},
                                                         {"pcanywhere-status", 5632},
                                                         {"pim-auto-rp", 496},
                                                         {"pop2", 109},
                                                         {"pop3", 110},
                                                         {"pptp", 1723},
                                                         {"radius", 1645},
                                                         {"radius-acct", 1646},
                                                         {"rip", 520},
                                                         {"rsh", 514},
                                                         {"rtsp", 554},
                                                         {"secureid-udp", 5510},
                                                         {"sip", 5060},
                                                         {"smtp", 25},
                                                         {"snmp", 161},
                                                         {"snmptrap", 162},
                                                         {"sqlnet", 1521},
                                                         {"ssh", 22},
                                                         {"sunrpc", 111},
                                                         {"syslog", 514},
                                                         {"tacacs", 49},
                                                         {"talk", 517},
                                                         {"telnet", 23},
                                                         {"tftp", 69},
                                                         {"time", 37},
                                                         {"uucp", 540},
                                                         {"vxlan", 4789},
                                                         {"who", 513},
                                                         {"whois", 43},
                                                         {"www", 80},
                                                         {"xdmcp", 177}};
  const auto it = kNames.find(text);
  if (it != kNames.end()) return it->second;
  return ParseNumber(text, 65535);
}

std::optional<PacketSet> ParsePortOperator(const std::vector<Token>& tokens, std::size_t& i, bool source,
                                           bool multiple_eq, std::string* error) {
  error->clear();
  if (i >= tokens.size()) return std::nullopt;
  const auto& op = tokens[i].text;
  if (op != "eq" && op != "neq" && op != "lt" && op != "gt" && op != "range") return std::nullopt;
  auto port_at = [&](std::size_t k) -> std::optional<int> {
    if (k >= tokens.size()) return std::nullopt;
    return ParsePort(tokens[k].text);
  };
  auto ports = [&](int first, int last) {
    return source ? PacketSet::SourcePorts(first, last) : PacketSet::DestinationPorts(first, last);
  };
  constexpr int kMaxPort = 65535;
  if (op == "range") {
    const auto first = port_at(i + 1);
    const auto last = port_at(i + 2);
    if (!first || !last || *first > *last) {
      *error = "range needs two ports, the first not above the second";
      return std::nullopt;
    }
    i += 3;
    return ports(*first, *last);
  }
  const auto port = port_at(i + 1);
  if (!port) {
    *error = fmt::format("{} needs a port (a number or a name such as www, domain, netbios-ssn)", op);
    return std::nullopt;
  }
  i += 2;
  if (op == "lt") return *port == 0 ? PacketSet::None() : ports(0, *port - 1);
  if (op == "gt") return *port == kMaxPort ? PacketSet::None() : ports(*port + 1, kMaxPort);
  if (op == "neq") return ports(0, kMaxPort) - ports(*port, *port);
  auto set = ports(*port, *port);
  while (multiple_eq && i < tokens.size()) {
    const auto more = ParsePort(tokens[i].text);
    if (!more) break;
    set |= ports(*more, *more);
    ++i;
  }
  return set;
}

std::optional<PacketSet> IcmpTypeName(std::string_view text, bool v6) {
  // The names IOS, NX-OS, IOS-XR and the ASA print (a name with a code matches that code only).
  static const IcmpNames kV4 = {{"echo-reply", {0, -1}},
                                {"unreachable", {3, -1}},
                                {"net-unreachable", {3, 0}},
                                {"host-unreachable", {3, 1}},
                                {"protocol-unreachable", {3, 2}},
                                {"port-unreachable", {3, 3}},
                                {"packet-too-big", {3, 4}},
                                {"source-route-failed", {3, 5}},
                                {"network-unknown", {3, 6}},
                                {"host-unknown", {3, 7}},
                                {"host-isolated", {3, 8}},
                                {"dod-net-prohibited", {3, 9}},
                                {"dod-host-prohibited", {3, 10}},
                                {"net-tos-unreachable", {3, 11}},
                                {"host-tos-unreachable", {3, 12}},
                                {"administratively-prohibited", {3, 13}},
                                {"host-precedence-unreachable", {3, 14}},
                                {"precedence-unreachable", {3, 15}},
                                {"source-quench", {4, -1}},
                                {"redirect", {5, -1}},
                                {"net-redirect", {5, 0}},
                                {"host-redirect", {5, 1}},
                                {"net-tos-redirect", {5, 2}},
                                {"host-tos-redirect", {5, 3}},
                                {"alternate-address", {6, -1}},
                                {"echo", {8, -1}},
                                {"router-advertisement", {9, -1}},
                                {"router-solicitation", {10, -1}},
                                {"time-exceeded", {11, -1}},
                                {"ttl-exceeded", {11, 0}},
                                {"reassembly-timeout", {11, 1}},
                                {"parameter-problem", {12, -1}},
                                {"general-parameter-problem", {12, 0}},
                                {"option-missing", {12, 1}},
                                {"no-room-for-option", {12, 2}},
                                {"timestamp-request", {13, -1}},
                                {"timestamp-reply", {14, -1}},
                                {"information-request", {15, -1}},
                                {"information-reply", {16, -1}},
                                {"mask-request", {17, -1}},
                                {"mask-reply", {18, -1}},
                                {"traceroute", {30, -1}},
                                {"conversion-error", {31, -1}},
                                {"mobile-redirect", {32, -1}}};
  static const IcmpNames kV6 = {{"unreachable", {1, -1}},
                                {"destination-unreachable", {1, -1}},
                                {"no-route", {1, 0}},
                                {"no-admin", {1, 1}},
                                {"beyond-scope", {1, 2}},
                                {"address-unreachable", {1, 3}},
                                {"port-unreachable", {1, 4}},
                                {"packet-too-big", {2, -1}},
                                {"time-exceeded", {3, -1}},
                                {"hop-limit", {3, 0}},
                                {"reassembly-timeout", {3, 1}},
                                {"parameter-problem", {4, -1}},
                                {"header", {4, 0}},
                                {"next-header", {4, 1}},
                                {"parameter-option", {4, 2}},
                                {"echo-request", {128, -1}},
                                {"echo", {128, -1}},
                                {"echo-reply", {129, -1}},
                                {"mld-query", {130, -1}},
                                {"mld-report", {131, -1}},
                                {"mld-reduction", {132, -1}},
                                {"router-solicitation", {133, -1}},
                                {"router-advertisement", {134, -1}},
                                {"nd-ns", {135, -1}},
                                {"nd-na", {136, -1}},
                                {"redirect", {137, -1}},
                                {"router-renumbering", {138, -1}},
                                {"renum-command", {138, 0}},
                                {"renum-result", {138, 1}},
                                {"renum-seq-number", {138, 255}},
                                {"dhaad-request", {144, -1}},
                                {"dhaad-reply", {145, -1}},
                                {"mpd-solicitation", {146, -1}},
                                {"mpd-advertisement", {147, -1}}};
  return IcmpTypeByName(v6 ? kV6 : kV4, text);
}

std::optional<PacketSet> IcmpTypeOperand(const std::vector<Token>& tokens, std::size_t& i, bool v6) {
  if (i >= tokens.size()) return std::nullopt;
  if (auto type = IcmpTypeName(tokens[i].text, v6)) {
    ++i;
    return type;
  }
  const auto type = ParseNumber(tokens[i].text, kMaxIcmpValue);
  if (!type) return std::nullopt;
  ++i;
  std::optional<int> code;
  if (i < tokens.size()) {
    code = ParseNumber(tokens[i].text, kMaxIcmpValue);
    if (code) ++i;
  }
  return PacketSet::IcmpType(*type, code);
}

std::optional<PacketSet> MaskedAddress(std::string_view address, std::string_view mask, bool wildcard, bool source) {
  const auto base = core::ParseAddress(address);
  const auto mask_address = core::ParseAddress(mask);
  if (!base || !mask_address || base->family != core::Family::kIPv4 || mask_address->family != core::Family::kIPv4)
    return std::nullopt;
  const std::uint32_t free_bits = wildcard ? Ipv4Bits(*mask_address) : ~Ipv4Bits(*mask_address);
  if (!wildcard) {
    // A netmask is contiguous ones.
    const int prefix = std::countl_one(~free_bits);
    if (prefix < 32 && (~free_bits << prefix) != 0) return std::nullopt;
  }
  // The low run of free bits is a prefix; the free bits above it are enumerated.
  const int low = std::countr_one(free_bits);
  const std::uint32_t stray = low == 32 ? 0 : free_bits & ~((1ull << low) - 1);
  const int stray_count = std::popcount(stray);
  if (stray_count > kMaxStrayWildcardBits) return std::nullopt;
  const std::uint32_t fixed = Ipv4Bits(*base) & ~free_bits;
  auto set = PacketSet::None();
  std::vector<int> positions;
  for (int bit = 0; bit < 32; ++bit)
    if (stray & (1u << bit)) positions.push_back(bit);
  for (std::uint32_t combination = 0; combination < (1u << stray_count); ++combination) {
    std::uint32_t value = fixed;
    for (int k = 0; k < stray_count; ++k)
      if (combination & (1u << k)) value |= 1u << positions[k];
    set |= Side(Ipv4Network(value, 32 - low), source);
  }
  return set;
}

std::optional<Action> ParseAction(std::string_view text) {
  if (text == "permit") return Action::kAccept;
  if (text == "deny") return Action::kDrop;
  return std::nullopt;
}

Acl& AclSet::Get(const std::string& name, const PacketSet& family, const core::SourceLocation& where) {
  auto it = acls_.find(name);
  if (it != acls_.end()) {
    it->second.family |= family;
    return it->second;
  }
  Chain chain;
  chain.name = "ACL " + name;
  chain.policy = Action::kDrop;
  chain.policy_text = fmt::format("the implicit deny at the end of ACL {}", name);
  chain.where = {where.file, where.line, 0};
  ruleset_.chains.push_back(std::move(chain));
  order_.push_back(name);
  return acls_.emplace(name, Acl{static_cast<int>(ruleset_.chains.size()) - 1, family, where}).first->second;
}

const Acl* AclSet::Find(const std::string& name) const {
  const auto it = acls_.find(name);
  return it == acls_.end() ? nullptr : &it->second;
}

void AclSet::AddRule(const std::string& name, Rule rule) {
  ruleset_.chains[acls_.at(name).chain].rules.push_back(std::move(rule));
}

void AclSet::DropUnbound(const std::set<std::string>& bound) {
  std::vector<Chain> kept;
  for (const auto& name : order_) {
    auto& acl = acls_.at(name);
    if (!bound.count(name)) {
      acl.chain = -1;
      continue;
    }
    kept.push_back(std::move(ruleset_.chains[acl.chain]));
    acl.chain = static_cast<int>(kept.size()) - 1;
  }
  ruleset_.chains = std::move(kept);
}

int AclSet::SecurityLevelChain(const Interface& from, const Interfaces& interfaces) {
  Chain chain;
  chain.name = fmt::format("security levels: interface {} without an inbound ACL", from.name);
  chain.policy = Action::kDrop;
  chain.where = from.where;
  if (from.management_only) {
    chain.policy_text = fmt::format("interface {} is management-only: it passes no through traffic", from.name);
  } else {
    chain.policy_text = fmt::format(
        "interface {} (security-level {}) has no inbound ACL: a packet from it passes only to a lower security "
        "level{}",
        from.name, from.security_level, interfaces.same_security_inter ? " or the same one" : "");
    auto known = PacketSet::None();
    auto to_networks = PacketSet::None();
    auto routed = PacketSet::None();
    std::vector<std::string> names;
    for (const auto& to : interfaces.list) {
      auto networks = PacketSet::None();
      for (const auto& network : to.networks) networks |= Side(network, false);
      known |= networks;
      const bool same = to.name == from.name;
      const bool passes = to.security_level < from.security_level ||
                          (to.security_level == from.security_level &&
                           (same ? interfaces.same_security_intra : interfaces.same_security_inter));
      if (to.management_only || !passes) continue;
      to_networks |= networks;
      routed |= ruleset_.symbols.OutInterface(to.name);
      names.push_back(fmt::format("{} ({})", to.name, to.security_level));
    }
    if (!names.empty()) {
      const auto text =
          fmt::format("interface {} (security-level {}) to {}", from.name, from.security_level, fmt::join(names, ", "));
      Rule rule;
      rule.action = Action::kAccept;
      rule.where = from.where;
      rule.match = to_networks;
      rule.text = text;
      if (!rule.match.Empty()) chain.rules.push_back(rule);
      // A destination on none of the interfaces' networks is routed out of one of them.
      rule.match = routed - known;
      rule.text = fmt::format("{}: a destination routed out of one of them", text);
      rule.unmodelled.push_back(fmt::format("the interface a packet leaves on: {}", fmt::join(names, ", ")));
      chain.rules.push_back(std::move(rule));
    }
  }
  ruleset_.chains.push_back(std::move(chain));
  return static_cast<int>(ruleset_.chains.size()) - 1;
}

void AclSet::Attach(const std::vector<Binding>& given, const Interfaces& interfaces, const ReadOptions& options) {
  auto bindings = DefinedBindings(given);
  std::set<std::string> synthetic;  // the ACLs bound by portolan's naming
  if (options.inventory) synthetic = BindZoneAcls(*options.inventory, bindings);
  ChooseFamilies(KeepAttachedAcls(bindings, interfaces), interfaces);
  int priority = 0;
  for (const bool inbound : {true, false}) AttachSide(inbound, bindings, synthetic, interfaces, priority);
}

std::vector<Binding> AclSet::DefinedBindings(const std::vector<Binding>& given) {
  std::vector<Binding> bindings;
  for (const auto& binding : given) {
    if (!Find(binding.acl)) {
      // IOS and ASA accept a binding of a missing ACL, and then filter nothing on it.
      ruleset_.notes.push_back(fmt::format("{}: {} names ACL {}, which is not defined: that interface filters nothing",
                                           binding.where.ToString(), binding.text, binding.acl));
      continue;
    }
    bindings.push_back(binding);
  }
  return bindings;
}

// portolan's naming: PORTOLAN-FROM-<zone> filters what enters from that zone; with --edge, the
// zone "outside" is every endpoint in none of the other zones named so.
std::set<std::string> AclSet::BindZoneAcls(const inventory::Inventory& inventory, std::vector<Binding>& bindings) {
  const auto bound = BoundAcls(bindings);
  const auto zones = inventory.Zones();
  std::vector<std::pair<std::string, std::string>> named;  // ACL, zone
  std::set<std::string> named_zones;
  for (const auto& name : order_) {
    if (bound.count(name) || !name.starts_with(kZoneAclPrefix)) continue;
    auto zone = name.substr(kZoneAclPrefix.size());
    if (zone.ends_with(kIpv6AclSuffix) && !acls_.at(name).family.Intersects(PacketSet::Family(core::Family::kIPv4)))
      zone.resize(zone.size() - kIpv6AclSuffix.size());
    const bool known = std::find(zones.begin(), zones.end(), zone) != zones.end();
    if (!known && zone != kOutsideZone) continue;
    named.emplace_back(name, zone);
    if (known) named_zones.insert(zone);
  }
  std::set<std::string> synthetic;
  for (const auto& [name, zone] : named) {
    bindings.push_back(ZoneBinding(inventory, name, zone, named_zones));
    synthetic.insert(name);
  }
  return synthetic;
}

// ACL `name` bound inbound on the interface facing `zone`, whose networks are the addresses of
// the zone's endpoints.
Binding AclSet::ZoneBinding(const inventory::Inventory& inventory, const std::string& name, const std::string& zone,
                            const std::set<std::string>& named_zones) const {
  Binding binding;
  binding.acl = name;
  binding.interface = fmt::format("<interface facing {}>", zone);
  for (std::size_t e = 0; e < inventory.endpoints.size(); ++e) {
    const auto& endpoint_zone = inventory.ZoneOf(static_cast<int>(e));
    const bool member = zone == kOutsideZone ? !named_zones.count(endpoint_zone) : endpoint_zone == zone;
    if (member)
      for (const auto& network : inventory.endpoints[e].addresses) binding.home.push_back(network);
  }
  binding.where = acls_.at(name).where;
  binding.text = fmt::format("ACL {} applied inbound on the interface facing zone {} (portolan's naming)", name, zone);
  return binding;
}

std::set<std::string> AclSet::BoundAcls(const std::vector<Binding>& bindings) {
  std::set<std::string> bound;
  for (const auto& binding : bindings) bound.insert(binding.acl);
  return bound;
}

// Keeps the ACLs that are audited (the bound ones; every one of a bare list of ACLs), and returns
// the families they filter.
PacketSet AclSet::KeepAttachedAcls(const std::vector<Binding>& bindings, const Interfaces& interfaces) {
  const auto bound = BoundAcls(bindings);
  auto families = PacketSet::None();
  for (const auto& name : order_) {
    if (bound.count(name)) families |= acls_.at(name).family;
  }
  if (bindings.empty() && interfaces.list.empty()) {
    // A bare list of ACLs: each is audited as the filter of every forwarded packet.
    int priority = 0;
    for (const auto& name : order_) {
      const auto& acl = acls_.at(name);
      ruleset_.attachments.push_back({Hook::kForward, acl.chain, priority++});
      families |= acl.family;
      ruleset_.notes.push_back(
          fmt::format("{}: ACL {} is applied to no interface: audited as the filter of every forwarded packet",
                      acl.where.ToString(), name));
    }
    return families;
  }
  for (const auto& name : order_) {
    if (!bound.count(name))
      ruleset_.notes.push_back(
          fmt::format("{}: ACL {} is applied to no interface: not audited", acls_.at(name).where.ToString(), name));
  }
  DropUnbound(bound);
  return families;
}

// The ruleset's families: those of the audited ACLs (every one under security levels), without
// IPv6 when no interface has an IPv6 address.
void AclSet::ChooseFamilies(PacketSet families, const Interfaces& interfaces) {
  if (interfaces.security_levels) families |= PacketSet::All();
  const auto has_ipv6 = [&] {
    for (const auto& interface : interfaces.list)
      for (const auto& network : interface.networks)
        if (network.family == core::Family::kIPv6) return true;
    return false;
  };
  if (!interfaces.list.empty() && !has_ipv6() && families.Intersects(PacketSet::Family(core::Family::kIPv6))) {
    families -= PacketSet::Family(core::Family::kIPv6);
    ruleset_.notes.push_back(fmt::format("{}: no interface has an IPv6 address: IPv6 is not audited", ruleset_.file));
  }
  ruleset_.families.clear();
  for (const auto family : {core::Family::kIPv4, core::Family::kIPv6})
    if (families.Intersects(PacketSet::Family(family))) ruleset_.families.push_back(family);
  if (ruleset_.families.empty()) {
    ruleset_.families.push_back(core::Family::kIPv4);
    ruleset_.notes.push_back(fmt::format("{}: no {} ACL: every packet passes", ruleset_.file, kind_));
  }
}

// The chain of the ACLs applied inbound (outbound), attached to the forward hook; none when no
// ACL is applied that way.
void AclSet::AttachSide(bool inbound, const std::vector<Binding>& bindings, const std::set<std::string>& synthetic,
                        const Interfaces& interfaces, int& priority) {
  std::vector<const Binding*> side;
  for (const auto& binding : bindings)
    if (binding.inbound == inbound) side.push_back(&binding);
  // ASA: an interface without an inbound ACL passes packets by security level.
  const auto unfiltered = inbound ? UnfilteredInterfaces(side, interfaces) : std::vector<const Interface*>{};
  if (side.empty() && unfiltered.empty()) return;
  Chain chain;
  chain.name = inbound ? "ACLs applied inbound" : "ACLs applied outbound";
  chain.policy = Action::kAccept;
  chain.policy_text = inbound ? "no ACL is applied inbound on the interface the packet enters: it passes"
                              : "no ACL is applied outbound on the interface the packet leaves: it passes";
  chain.where = {ruleset_.file, 0, 0};
  auto homes = AddHomeRules(inbound, side, chain);
  std::vector<Elsewhere> elsewhere;
  for (const auto* binding : side) {
    const auto& acl = acls_.at(binding->acl);
    elsewhere.push_back({acl.chain, binding->interface, acl.family, binding->where, binding->text});
  }
  for (const auto* interface : unfiltered)
    elsewhere.push_back(AddSecurityLevelRule(inbound, *interface, interfaces, homes, chain));
  AddElsewhereRules(inbound, elsewhere, !unfiltered.empty(), homes, chain);
  AddZoneCatchRules(side, synthetic, homes, chain);
  ruleset_.chains.push_back(std::move(chain));
  ruleset_.attachments.push_back({Hook::kForward, static_cast<int>(ruleset_.chains.size()) - 1, priority++});
}

// A packet from (to) an interface's own networks enters (leaves) on it: a jump to its ACL.
// Returns all those networks.
PacketSet AclSet::AddHomeRules(bool inbound, const std::vector<const Binding*>& side, Chain& chain) const {
  auto homes = PacketSet::None();
  for (const auto* binding : side) {
    const auto& acl = acls_.at(binding->acl);
    auto home = PacketSet::None();
    for (const auto& network : binding->home) home |= Side(network, inbound);
    homes |= home;
    Rule rule;
    rule.match = home & acl.family;
    if (rule.match.Empty()) continue;
    rule.action = Action::kJump;
    rule.target = acl.chain;
    rule.where = binding->where;
    rule.text = binding->text;
    chain.rules.push_back(std::move(rule));
  }
  return homes;
}

// ASA: a packet from the networks of an interface without an inbound ACL goes to the chain of its
// security level (and its networks join `homes`). Returns the way in for packets from elsewhere.
AclSet::Elsewhere AclSet::AddSecurityLevelRule(bool inbound, const Interface& interface, const Interfaces& interfaces,
                                               PacketSet& homes, Chain& chain) {
  Rule rule;
  rule.match = PacketSet::None();
  for (const auto& network : interface.networks) rule.match |= Side(network, inbound);
  homes |= rule.match;
  rule.action = Action::kJump;
  rule.target = SecurityLevelChain(interface, interfaces);
  rule.where = interface.where;
  rule.text =
      fmt::format("interface {} (security-level {}): no access-group in", interface.name, interface.security_level);
  Elsewhere entry{rule.target, interface.name, PacketSet::All(), rule.where, rule.text};
  if (!rule.match.Empty()) chain.rules.push_back(std::move(rule));
  return entry;
}

// A packet from (to) anywhere else may come in (go out) on any of the interfaces: which one is a
// hidden variable, so what depends on it is reported as uncertain.
void AclSet::AddElsewhereRules(bool inbound, const std::vector<Elsewhere>& elsewhere, bool security_levels,
                               const PacketSet& homes, Chain& chain) {
  for (std::size_t k = 0; k < elsewhere.size(); ++k) {
    const auto& entry = elsewhere[k];
    Rule rule;
    const auto interface =
        inbound ? ruleset_.symbols.InInterface(entry.interface) : ruleset_.symbols.OutInterface(entry.interface);
    rule.match = entry.family - homes;
    // An ASA passes through traffic only between its named interfaces: what entered on none of
    // the others entered on the last.
    const bool last_named = security_levels && k + 1 == elsewhere.size();
    if (!last_named) rule.match &= interface;
    rule.action = Action::kJump;
    rule.target = entry.target;
    rule.where = entry.where;
    rule.text = fmt::format("{} {} {} (a packet {} none of its networks)", entry.text,
                            inbound ? "entering on" : "leaving on", entry.interface, inbound ? "from" : "to");
    rule.unmodelled.push_back(
        fmt::format("the interface a packet {} {}", inbound ? "enters on:" : "leaves on:", entry.interface));
    chain.rules.push_back(std::move(rule));
  }
}

// portolan's layout binds an ACL to every zone's interface: packets from elsewhere enter on one of
// them too (on the first, when they name none).
void AclSet::AddZoneCatchRules(const std::vector<const Binding*>& side, const std::set<std::string>& synthetic,
                               const PacketSet& homes, Chain& chain) const {
  auto caught = PacketSet::None();
  for (const auto* binding : side) {
    if (!synthetic.count(binding->acl)) continue;
    const auto& acl = acls_.at(binding->acl);
    Rule rule;
    rule.match = acl.family - homes - caught;
    if (rule.match.Empty()) continue;
    caught |= rule.match;
    rule.action = Action::kJump;
    rule.target = acl.chain;
    rule.where = binding->where;
    rule.text = fmt::format("{} (a packet from outside every zone, on no other zone's interface)", binding->text);
    chain.rules.push_back(std::move(rule));
  }
}

ConfigReader::ConfigReader(std::string_view text, const std::string& file, const ReadOptions& options,
                           std::string_view kind, std::string_view comment_starts)
    : file_(file), options_(options), acls_(ruleset_, kind), text_(text), comment_starts_(comment_starts), kind_(kind) {
  ruleset_.file = file_;
  recognised_ = text.find(kPortolanHeader) != std::string_view::npos;
}

Ruleset ConfigReader::ReadConfig() {
  int line_number = 0;
  for (const auto line : Lines(text_)) {
    ++line_number;
    std::string error;
    const auto tokens = Tokenize(line, &error);
    if (!tokens) {
      diagnostics_.Error({file_, line_number, 1}, error);
      continue;
    }
    if (tokens->empty()) continue;
    const auto& first = tokens->front().text;
    if (!first.empty() && comment_starts_.find(first.front()) != std::string_view::npos) {
      // A lone "!" separates the blocks of a configuration.
      if (first == "!" && tokens->size() == 1) recognised_ = true;
      continue;
    }
    line_ = line;
    line_number_ = line_number;
    Line(*tokens, line.front() == ' ' || line.front() == '\t');
  }
  if (!recognised_ && !diagnostics_.HasErrors()) {
    // Nothing here is Cisco: auditing it as a configuration without ACLs would pass every packet.
    diagnostics_.Error({file_, 1, 1}, fmt::format("not a Cisco {} configuration: no {} in it", kind_, Statements()));
    throw core::InputError(diagnostics_);
  }
  Finish();
  acls_.Attach(Bindings(), ReadInterfaces(), options_);
  if (diagnostics_.HasErrors()) throw core::InputError(diagnostics_);
  return std::move(ruleset_);
}

core::SourceLocation ConfigReader::At(const std::vector<Token>& tokens, std::size_t i) const {
  return {file_, line_number_, i < tokens.size() ? tokens[i].column : static_cast<int>(line_.size()) + 1};
}

void ConfigReader::Fail(const std::vector<Token>& tokens, std::size_t i, std::string message) {
  diagnostics_.Error(At(tokens, i), std::move(message));
}

std::string_view ConfigReader::Word(const std::vector<Token>& tokens, std::size_t i) {
  return i < tokens.size() ? std::string_view(tokens[i].text) : std::string_view();
}

Rule ConfigReader::NewRule() const {
  Rule rule;
  rule.where = {file_, line_number_, 0};
  rule.text = std::string(line_.substr(line_.find_first_not_of(" \t")));
  return rule;
}

PacketSet ConfigReader::Unmodelled(Rule& rule, const std::string& text) {
  rule.unmodelled.push_back(text);
  return ruleset_.symbols.Unmodelled(text);
}

ConfigReader::PortOperand ConfigReader::ReadPortOperator(const std::vector<Token>& tokens, std::size_t& i, bool source,
                                                         bool multiple_eq, bool ports, PacketSet& match) {
  std::string error;
  if (auto port = ParsePortOperator(tokens, i, source, multiple_eq, &error)) {
    if (!ports) {
      Fail(tokens, i - 2, "port operators need tcp, udp or sctp");
      return PortOperand::kFailed;
    }
    match &= *port;
    return PortOperand::kRead;
  }
  if (error.empty()) return PortOperand::kNone;
  Fail(tokens, i, error);
  return PortOperand::kFailed;
}

}  // namespace portolan::audit::formats::cisco
