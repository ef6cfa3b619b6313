#include "audit/formats/ipset.hpp"

#include <fmt/format.h>

#include "audit/formats/text_input.hpp"

namespace portolan::audit::formats {

namespace {

constexpr int kMaxListDepth = 8;  // list:set inside list:set is refused by the kernel; be generous

std::vector<std::string_view> SplitOn(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::optional<IpsetPart> AddressPart(std::string_view text, core::Family family) {
  IpsetPart part;
  part.family = family;
  if (auto range = ParseAddressRange(text)) {
    part.family = range->first.family;
    part.first = PlainAddress(range->first);
    part.last = PlainAddress(range->second);
  } else if (auto network = ParseNetworkLenient(text)) {
    part.family = network->family;
    const int host_bits = network->MaxPrefix() - network->prefix_length;
    part.first = PlainAddress(*network);
    part.last = part.first | (host_bits >= 128 ? ~Uint128{0} : (Uint128{1} << host_bits) - 1);
  } else {
    return std::nullopt;
  }
  if (part.family != family) return std::nullopt;
  return part;
}

std::optional<IpsetPart> PortPart(std::string_view text, core::Family family) {
  IpsetPart part;
  const auto colon = text.find(':');
  if (colon != std::string_view::npos) {
    const auto protocol = text.substr(0, colon);
    const auto value = text.substr(colon + 1);
    if (protocol == "icmp" || protocol == "icmpv6") {
      part.protocol = protocol == "icmp" ? kProtocolIcmp : kProtocolIcmpV6;
      part.icmp = ParseIcmpType(value, protocol == "icmpv6");
      if (!part.icmp) return std::nullopt;
      return part;
    }
    const auto number = ParseProtocol(protocol);
    if (!number) return std::nullopt;
    part.protocol = *number;
    text = value;
  }
  (void)family;
  const auto dash = text.find('-');
  const auto first = ParsePort(text.substr(0, dash));
  const auto last = dash == std::string_view::npos ? first : ParsePort(text.substr(dash + 1));
  if (!first || !last || *first > *last) return std::nullopt;
  part.first = static_cast<Uint128>(*first);
  part.last = static_cast<Uint128>(*last);
  return part;
}

PacketSet PartSet(const IpsetPart& part, IpsetDimension dimension, bool source) {
  if (dimension == IpsetDimension::kAddress) {
    return source ? PacketSet::SourceRange(part.family, part.first, part.last)
                  : PacketSet::DestinationRange(part.family, part.first, part.last);
  }
  const auto protocol = PacketSet::Protocol(part.protocol);
  if (part.icmp) return protocol & *part.icmp;
  const int first = static_cast<int>(part.first);
  const int last = static_cast<int>(part.last);
  return protocol & (source ? PacketSet::SourcePorts(first, last) : PacketSet::DestinationPorts(first, last));
}

std::optional<PacketSet> MatchSetAt(const Ipsets& ipsets, const std::string& name,
                                    const std::vector<bool>& source_flags, std::string* reason, int depth) {
  const auto it = ipsets.sets.find(name);
  if (it == ipsets.sets.end()) {
    *reason = fmt::format("set {} is not in the ipset contents (give them with --ipset FILE)", name);
    return std::nullopt;
  }
  const auto& set = it->second;
  if (!set.members.empty() || set.type == "list:set") {
    if (depth >= kMaxListDepth) {
      *reason = fmt::format("list:set {} nests too deep", name);
      return std::nullopt;
    }
    auto result = PacketSet::None();
    for (const auto& member : set.members) {
      auto member_set = MatchSetAt(ipsets, member, source_flags, reason, depth + 1);
      if (!member_set) return std::nullopt;
      result |= *member_set;
    }
    return result;
  }
  for (const auto dimension : set.dimensions) {
    if (dimension == IpsetDimension::kOther) {
      *reason = fmt::format("set {} is of type {}, which the audit does not model", name, set.type);
      return std::nullopt;
    }
  }
  if (source_flags.size() < set.dimensions.size()) {
    *reason =
        fmt::format("set {} has {} dimensions, the match names {}", name, set.dimensions.size(), source_flags.size());
    return std::nullopt;
  }
  auto matched = PacketSet::None();
  auto excluded = PacketSet::None();
  for (const auto& element : set.elements) {
    auto element_set = PacketSet::Family(set.family);
    for (std::size_t d = 0; d < set.dimensions.size(); ++d)
      element_set &= PartSet(element.parts[d], set.dimensions[d], source_flags[d]);
    (element.nomatch ? excluded : matched) |= element_set;
  }
  return matched - excluded;
}

// One line of ipset save output, and where its tokens are for diagnostics.
struct SaveLine {
  const std::string& file;
  int number;
  std::string_view text;
  const std::vector<Token>& tokens;

  core::SourceLocation At(std::size_t i) const {
    return {file, number, i < tokens.size() ? tokens[i].column : static_cast<int>(text.size()) + 1};
  }
};

std::vector<IpsetDimension> Dimensions(std::string_view type_dimensions) {
  std::vector<IpsetDimension> dimensions;
  for (const auto dimension : SplitOn(type_dimensions, ',')) {
    dimensions.push_back(dimension == "ip" || dimension == "net" ? IpsetDimension::kAddress
                         : dimension == "port"                   ? IpsetDimension::kPort
                                                                 : IpsetDimension::kOther);
  }
  return dimensions;
}

// create NAME TYPE [family inet|inet6] [...]
void CreateSet(const SaveLine& line, Ipsets& ipsets, core::Diagnostics& diagnostics) {
  const auto& tokens = line.tokens;
  const auto& name = tokens[1].text;
  Ipset set;
  set.name = name;
  set.type = tokens[2].text;
  set.where = {line.file, line.number, 1};
  const auto colon = set.type.find(':');
  if (colon == std::string::npos) {
    diagnostics.Error(line.At(2), fmt::format("'{}' is not an ipset type (hash:ip, hash:net,port, ...)", set.type));
    return;
  }
  if (set.type != "list:set") set.dimensions = Dimensions(std::string_view(set.type).substr(colon + 1));
  for (std::size_t i = 3; i + 1 < tokens.size(); ++i) {
    if (tokens[i].text == "family")
      set.family = tokens[i + 1].text == "inet6" ? core::Family::kIPv6 : core::Family::kIPv4;
  }
  if (ipsets.sets.count(name)) {
    diagnostics.Error(line.At(1), fmt::format("set {} is created twice", name));
    return;
  }
  ipsets.sets.emplace(name, std::move(set));
}

// The member of an add line, one part per dimension of the set; nullopt after an error.
std::optional<IpsetElement> Element(const SaveLine& line, const Ipset& set, core::Diagnostics& diagnostics) {
  const auto& tokens = line.tokens;
  const auto& member = tokens[2].text;
  IpsetElement element;
  for (std::size_t i = 3; i < tokens.size(); ++i)
    if (tokens[i].text == "nomatch") element.nomatch = true;
  const auto parts = SplitOn(member, ',');
  if (parts.size() != set.dimensions.size()) {
    diagnostics.Error(line.At(2), fmt::format("'{}' has {} parts; a {} member has {}", member, parts.size(), set.type,
                                              set.dimensions.size()));
    return std::nullopt;
  }
  for (std::size_t d = 0; d < parts.size(); ++d) {
    std::optional<IpsetPart> part;
    switch (set.dimensions[d]) {
      case IpsetDimension::kAddress: part = AddressPart(parts[d], set.family); break;
      case IpsetDimension::kPort: part = PortPart(parts[d], set.family); break;
      case IpsetDimension::kOther: part = IpsetPart{}; break;
    }
    if (!part) {
      diagnostics.Error(line.At(2), fmt::format("'{}' is not a valid {} member of {} (family {})", parts[d], set.type,
                                                set.name, core::FamilyName(set.family)));
      return std::nullopt;
    }
    element.parts.push_back(*part);
  }
  return element;
}

// add NAME MEMBER [nomatch] [...]
void AddMember(const SaveLine& line, Ipsets& ipsets, core::Diagnostics& diagnostics) {
  const auto& name = line.tokens[1].text;
  auto it = ipsets.sets.find(name);
  if (it == ipsets.sets.end()) {
    diagnostics.Error(line.At(1), fmt::format("set {} is not created before this line", name));
    return;
  }
  auto& set = it->second;
  if (set.type == "list:set") {
    set.members.push_back(line.tokens[2].text);
    return;
  }
  if (auto element = Element(line, set, diagnostics)) set.elements.push_back(std::move(*element));
}

}  // namespace

Ipsets ParseIpsetSave(std::string_view text, const std::string& file) {
  Ipsets ipsets;
  core::Diagnostics diagnostics;
  int line_number = 0;
  for (const auto line : Lines(text)) {
    ++line_number;
    std::string error;
    const auto tokens = Tokenize(line, &error);
    if (!tokens) {
      diagnostics.Error({file, line_number, 1}, error);
      continue;
    }
    if (tokens->empty() || tokens->front().text.starts_with("#")) continue;
    const SaveLine save_line{file, line_number, line, *tokens};
    const auto& verb = tokens->front().text;
    if (tokens->size() < 3) {
      diagnostics.Error(save_line.At(tokens->size()),
                        fmt::format("'{}' needs a set name and a {}", verb, verb == "create" ? "type" : "member"));
    } else if (verb == "create") {
      CreateSet(save_line, ipsets, diagnostics);
    } else if (verb == "add") {
      AddMember(save_line, ipsets, diagnostics);
    } else {
      diagnostics.Error(save_line.At(0), fmt::format("'{}': expected create or add (the output of ipset save)", verb));
    }
  }
  if (diagnostics.HasErrors()) throw core::InputError(diagnostics);
  return ipsets;
}

std::optional<PacketSet> MatchSet(const Ipsets& ipsets, const std::string& name, const std::vector<bool>& source_flags,
                                  std::string* reason) {
  return MatchSetAt(ipsets, name, source_flags, reason, 0);
}

}  // namespace portolan::audit::formats
