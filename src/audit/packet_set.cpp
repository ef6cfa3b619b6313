#include "audit/packet_set.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>

#include <fmt/format.h>

namespace portolan::audit {

namespace {

struct FieldLayout {
  int first = 0;
  int width = 0;
};

constexpr int kAddressBits = 128;
constexpr int kIPv4Bits = 32;
constexpr int kInterfaceBits = 6;  // 2^6 == kInterfaceCodes
constexpr int kStateBits = 3;

// Variable order: the hidden fields (interfaces, unmodelled matches) and the state first, then
// family, protocol, destination, source and ports. Addresses before ports keeps the BDD of a rule
// a short path. The fields every audited set is quantified over or restricted by sit at the top,
// where BuDDy's quantification stops as soon as it is below the last quantified variable and a
// restriction adds a node or two instead of rebuilding every path. Boxes() walks the visible
// fields in this order.
constexpr std::array<Field, 10> kOrder = {
    Field::kInInterface, Field::kOutInterface, Field::kUnknown, Field::kState,           Field::kFamily,
    Field::kProtocol,    Field::kDestination,  Field::kSource,  Field::kDestinationPort, Field::kSourcePort};

constexpr int Width(Field field) {
  switch (field) {
    case Field::kFamily: return 1;
    case Field::kProtocol: return 8;
    case Field::kDestination:
    case Field::kSource: return kAddressBits;
    case Field::kDestinationPort:
    case Field::kSourcePort: return 16;
    case Field::kState: return kStateBits;
    case Field::kInInterface:
    case Field::kOutInterface: return kInterfaceBits;
    case Field::kUnknown: return kUnknownVariables;
  }
  return 0;
}

constexpr FieldLayout Layout(Field field) {
  int first = 0;
  for (const auto f : kOrder) {
    if (f == field) break;
    first += Width(f);
  }
  return {first, Width(field)};
}

constexpr int kVariableCount = [] {
  int count = 0;
  for (const auto f : kOrder) count += Width(f);
  return count;
}();

// BuDDy's sizes: a first node table of 2M nodes (40 MB), grown by up to 4M nodes at a time.
constexpr int kInitialNodes = 2'000'000;
constexpr int kCacheSize = 200'000;
constexpr int kMaxIncrease = 4'000'000;
constexpr int kCacheRatio = 8;

void OnBddError(int code) {
  std::fprintf(stderr, "portolan: internal error in the BDD library: %s\n", bdd_errstring(code));
  std::abort();
}

bdd Var(int index, bool value) {
  return value ? bdd_ithvarpp(index) : bdd_nithvarpp(index);
}

// The field's value (width bits, most significant first) as a BDD, `value` given right-aligned;
// only the first bits_to_match bits are tested. Built from the last tested bit upwards, so that
// each step adds exactly one node (top-down would build and drop a growing chain at every step).
bdd FieldEquals(Field field, Uint128 value, int bits_to_match) {
  const auto layout = Layout(field);
  bdd result = bddtruepp;
  for (int i = bits_to_match - 1; i >= 0; --i) {
    const bool bit = (value >> (layout.width - 1 - i)) & 1;
    result = Var(layout.first + i, bit) & result;
  }
  return result;
}

// first <= field <= last, built from the least significant bit upwards.
bdd FieldRange(Field field, Uint128 first, Uint128 last) {
  const auto layout = Layout(field);
  bdd at_least = bddtruepp;
  bdd at_most = bddtruepp;
  for (int i = layout.width - 1; i >= 0; --i) {
    const int shift = layout.width - 1 - i;
    const bdd x = bdd_ithvarpp(layout.first + i);
    at_least = ((first >> shift) & 1) ? (x & at_least) : (x | at_least);
    at_most = ((last >> shift) & 1) ? (bdd_not(x) | at_most) : (bdd_not(x) & at_most);
  }
  return at_least & at_most;
}

Uint128 Shifted(core::Family family, Uint128 value) {
  return family == core::Family::kIPv4 ? value << (kAddressBits - kIPv4Bits) : value;
}

bdd FamilyBdd(core::Family family) {
  return Var(Layout(Field::kFamily).first, family == core::Family::kIPv6);
}

bdd VarSet(std::initializer_list<Field> fields) {
  std::vector<int> vars;
  for (const auto field : fields) {
    const auto layout = Layout(field);
    for (int i = 0; i < layout.width; ++i) vars.push_back(layout.first + i);
  }
  return bdd_makesetpp(vars.data(), static_cast<int>(vars.size()));
}

const bdd& HiddenVars() {
  static const bdd vars = VarSet({Field::kInInterface, Field::kOutInterface, Field::kUnknown});
  return vars;
}

const bdd& StateVars() {
  static const bdd vars = VarSet({Field::kState});
  return vars;
}

bool IsTerminal(const bdd& node) {
  return node == bddtruepp || node == bddfalsepp;
}

// The variable a node tests; terminals sort after every variable.
int NodeVar(const bdd& node) {
  return IsTerminal(node) ? kVariableCount : bdd_var(node);
}

using Pattern = std::vector<signed char>;  // per bit of a field: 0, 1, or -1 (either)

constexpr std::size_t kMaxRangesPerCube = 1 << 16;

// The values of a field a cube stands for, as ranges: the trailing free bits make one block,
// each free bit above the last fixed one doubles the blocks.
// Only the first `width` bits count (an IPv4 address is the top 32 bits of its field).
void CubeRanges(const Pattern& pattern, int width, std::vector<ValueRange>& out) {
  int last_fixed = -1;
  for (int i = 0; i < width; ++i)
    if (pattern[i] >= 0) last_fixed = i;
  const int block_bits = width - 1 - last_fixed;
  const Uint128 block = block_bits >= 128 ? ~Uint128{0} : ((Uint128{1} << block_bits) - 1);
  std::vector<Uint128> starts = {0};
  for (int i = 0; i <= last_fixed; ++i) {
    const Uint128 bit = Uint128{1} << (width - 1 - i);
    if (pattern[i] == 1) {
      for (auto& start : starts) start |= bit;
    } else if (pattern[i] < 0 && starts.size() < kMaxRangesPerCube) {
      const auto count = starts.size();
      for (std::size_t k = 0; k < count; ++k) starts.push_back(starts[k] | bit);
    }
  }
  for (const auto start : starts) out.push_back({start, start | block});
}

std::vector<ValueRange> Merged(std::vector<ValueRange> ranges) {
  std::sort(ranges.begin(), ranges.end());
  std::vector<ValueRange> merged;
  for (const auto& range : ranges) {
    if (!merged.empty() && merged.back().last != ~Uint128{0} && range.first <= merged.back().last + 1) {
      merged.back().last = std::max(merged.back().last, range.last);
    } else {
      merged.push_back(range);
    }
  }
  return merged;
}

// Splits a BDD at the end of a field: every distinct node below the field, with the values of
// the field that lead to it.
struct Split {
  bdd rest;
  std::vector<ValueRange> values;
};

void WalkField(const bdd& node, int var, const FieldLayout& layout, int significant, Pattern& pattern,
               std::map<int, Split>& out) {
  if (node == bddfalsepp) return;
  const int end = layout.first + layout.width;
  if (var == end) {
    auto& split = out[node.id()];
    split.rest = node;
    CubeRanges(pattern, significant, split.values);
    return;
  }
  const int index = var - layout.first;
  if (NodeVar(node) > var) {
    pattern[index] = -1;
    WalkField(node, var + 1, layout, significant, pattern, out);
    return;
  }
  pattern[index] = 0;
  WalkField(bdd_low(node), var + 1, layout, significant, pattern, out);
  pattern[index] = 1;
  WalkField(bdd_high(node), var + 1, layout, significant, pattern, out);
  pattern[index] = -1;
}

std::vector<Split> SplitField(const bdd& node, Field field, int significant = 0) {
  const auto layout = Layout(field);
  Pattern pattern(layout.width, -1);
  std::map<int, Split> splits;
  WalkField(node, layout.first, layout, significant > 0 ? significant : layout.width, pattern, splits);
  std::vector<Split> out;
  for (auto& [id, split] : splits) {
    split.values = Merged(std::move(split.values));
    out.push_back(std::move(split));
  }
  // Stable output: by the first value of each part.
  std::sort(out.begin(), out.end(), [](const Split& a, const Split& b) { return a.values < b.values; });
  return out;
}

Uint128 FieldValue(const std::vector<bool>& bits, Field field) {
  const auto layout = Layout(field);
  Uint128 value = 0;
  for (int i = 0; i < layout.width; ++i) value = (value << 1) | (bits[layout.first + i] ? 1 : 0);
  return value;
}

// A plain address value (32 bits for IPv4) as text.
std::string AddressText(core::Family family, Uint128 plain) {
  const Uint128 value = family == core::Family::kIPv4 ? plain << (kAddressBits - kIPv4Bits) : plain;
  core::Network network;
  network.family = family;
  for (int i = 0; i < 16; ++i) network.bytes[i] = static_cast<std::uint8_t>(value >> (8 * (15 - i)));
  network.prefix_length = network.MaxPrefix();
  return network.AddressString();
}

}  // namespace

std::string ProtocolName(int number) {
  switch (number) {
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 47: return "gre";
    case 50: return "esp";
    case 51: return "ah";
    case 58: return "icmpv6";
    case 132: return "sctp";
    case 33: return "dccp";
    case 136: return "udplite";
    default: return std::to_string(number);
  }
}

bool ProtocolHasPorts(int protocol) {
  return protocol == kProtocolTcp || protocol == kProtocolUdp || protocol == 132 || protocol == 136 || protocol == 33;
}

std::string Packet::ToString() const {
  const auto name = ProtocolName(protocol);
  const auto ends = fmt::format("{} -> {}", AddressText(family, source), AddressText(family, destination));
  if (ProtocolHasPorts(protocol))
    return fmt::format("{} {} {} (source port {})", ends, name, destination_port, source_port);
  if (protocol == kProtocolIcmp || protocol == kProtocolIcmpV6)
    return fmt::format("{} {} type {} code {}", ends, name, destination_port >> 8, destination_port & 0xff);
  return fmt::format("{} {}", ends, name);
}

void PacketSet::Start() {
  if (bdd_isrunning()) return;
  bdd_init(kInitialNodes, kCacheSize);
  bdd_error_hook(OnBddError);
  bdd_gbc_hook(nullptr);  // BuDDy prints every garbage collection otherwise
  bdd_setmaxincrease(kMaxIncrease);
  bdd_setcacheratio(kCacheRatio);
  bdd_setvarnum(kVariableCount);
}

std::size_t PacketSet::TableNodes() {
  return bdd_isrunning() ? static_cast<std::size_t>(bdd_getallocnum()) : 0;
}

PacketSet::PacketSet() {
  Start();
}
PacketSet PacketSet::None() {
  Start();
  return PacketSet(bddfalsepp);
}
PacketSet PacketSet::All() {
  Start();
  return PacketSet(bddtruepp);
}

PacketSet PacketSet::Family(core::Family family) {
  Start();
  return PacketSet(FamilyBdd(family));
}

Uint128 AddressValue(const core::Network& network) {
  Uint128 value = 0;
  for (int i = 0; i < 16; ++i) value = (value << 8) | network.bytes[i];
  return value;
}

Uint128 PlainAddress(const core::Network& network) {
  return network.family == core::Family::kIPv4 ? AddressValue(network) >> (kAddressBits - kIPv4Bits)
                                               : AddressValue(network);
}

core::Network NetworkOf(core::Family family, Uint128 value, int prefix_length) {
  core::Network network;
  network.family = family;
  for (int i = 0; i < 16; ++i) network.bytes[i] = static_cast<std::uint8_t>(value >> (8 * (15 - i)));
  network.prefix_length = prefix_length;
  return network;
}

PacketSet PacketSet::Source(const core::Network& network) {
  Start();
  return PacketSet(FamilyBdd(network.family) &
                   FieldEquals(Field::kSource, AddressValue(network), network.prefix_length));
}

PacketSet PacketSet::Destination(const core::Network& network) {
  Start();
  return PacketSet(FamilyBdd(network.family) &
                   FieldEquals(Field::kDestination, AddressValue(network), network.prefix_length));
}

PacketSet PacketSet::SourceRange(core::Family family, Uint128 first, Uint128 last) {
  Start();
  const Uint128 low_fill = family == core::Family::kIPv4 ? (Uint128{1} << (kAddressBits - kIPv4Bits)) - 1 : 0;
  return PacketSet(FamilyBdd(family) &
                   FieldRange(Field::kSource, Shifted(family, first), Shifted(family, last) | low_fill));
}

PacketSet PacketSet::DestinationRange(core::Family family, Uint128 first, Uint128 last) {
  Start();
  const Uint128 low_fill = family == core::Family::kIPv4 ? (Uint128{1} << (kAddressBits - kIPv4Bits)) - 1 : 0;
  return PacketSet(FamilyBdd(family) &
                   FieldRange(Field::kDestination, Shifted(family, first), Shifted(family, last) | low_fill));
}

PacketSet PacketSet::Protocol(int number) {
  Start();
  return PacketSet(FieldEquals(Field::kProtocol, static_cast<Uint128>(number), 8));
}

PacketSet PacketSet::SourcePorts(int first, int last) {
  Start();
  return PacketSet(FieldRange(Field::kSourcePort, first, last));
}

PacketSet PacketSet::DestinationPorts(int first, int last) {
  Start();
  return PacketSet(FieldRange(Field::kDestinationPort, first, last));
}

PacketSet PacketSet::SourcePorts(const core::PortSet& ports) {
  auto set = None();
  for (const auto& range : ports.Ranges()) set |= SourcePorts(range.first, range.last);
  return set;
}

PacketSet PacketSet::DestinationPorts(const core::PortSet& ports) {
  auto set = None();
  for (const auto& range : ports.Ranges()) set |= DestinationPorts(range.first, range.last);
  return set;
}

PacketSet PacketSet::IcmpType(int type, std::optional<int> code) {
  if (code) return DestinationPorts(type * 256 + *code, type * 256 + *code);
  return DestinationPorts(type * 256, type * 256 + 255);
}

PacketSet PacketSet::State(CtState state) {
  Start();
  return PacketSet(FieldEquals(Field::kState, static_cast<Uint128>(state), kStateBits));
}

PacketSet PacketSet::InInterface(int code) {
  Start();
  return PacketSet(FieldEquals(Field::kInInterface, static_cast<Uint128>(code), kInterfaceBits));
}

PacketSet PacketSet::OutInterface(int code) {
  Start();
  return PacketSet(FieldEquals(Field::kOutInterface, static_cast<Uint128>(code), kInterfaceBits));
}

PacketSet PacketSet::Unknown(int variable) {
  Start();
  return PacketSet(bdd_ithvarpp(Layout(Field::kUnknown).first + variable));
}

PacketSet PacketSet::WellFormed() {
  Start();
  static const PacketSet well_formed = [] {
    // An IPv4 address is the top 32 bits of its field; the 96 bits below are left free (not
    // fixed at zero), so that no set carries 192 extra nodes on every path. Every reader of a
    // set (examples, boxes) looks at the top 32 bits only.
    const bdd families = bddtruepp;
    const bdd states = FieldRange(Field::kState, 0, kCtStateCount - 1);
    bdd with_ports = bddfalsepp;
    for (const int protocol : {kProtocolTcp, kProtocolUdp, 132, 136, 33})
      with_ports |= FieldEquals(Field::kProtocol, protocol, 8);
    const bdd icmp =
        FieldEquals(Field::kProtocol, kProtocolIcmp, 8) | FieldEquals(Field::kProtocol, kProtocolIcmpV6, 8);
    const bdd no_source_port = FieldEquals(Field::kSourcePort, 0, 16);
    const bdd no_ports = no_source_port & FieldEquals(Field::kDestinationPort, 0, 16);
    const bdd ports = with_ports | (icmp & no_source_port) | (bdd_not(with_ports) & bdd_not(icmp) & no_ports);
    return PacketSet(families & states & ports);
  }();
  return well_formed;
}

int PacketSet::TopVariable() const {
  return NodeVar(bdd_);
}

PacketSet Conjunction::Build() const {
  std::vector<const PacketSet*> order;
  order.reserve(factors_.size());
  for (const auto& factor : factors_) order.push_back(&factor);
  std::stable_sort(order.begin(), order.end(),
                   [](const PacketSet* a, const PacketSet* b) { return a->TopVariable() > b->TopVariable(); });
  auto result = PacketSet::All();
  for (const auto* factor : order) result &= *factor;
  return result;
}

bool PacketSet::Empty() const {
  return bdd_ == bddfalsepp;
}
bool PacketSet::IsAll() const {
  return bdd_ == bddtruepp;
}

PacketSet PacketSet::ExistsHidden() const {
  return PacketSet(bdd_exist(bdd_, HiddenVars()));
}

PacketSet PacketSet::ForAllHidden(const PacketSet& given) const {
  return PacketSet(bdd_forall(bdd_imp(given.bdd_, bdd_), HiddenVars()));
}

PacketSet PacketSet::ExistsState() const {
  return PacketSet(bdd_exist(bdd_, StateVars()));
}

int PacketSet::NodeCount() const {
  return bdd_nodecount(bdd_);
}

PacketSet::Assignment PacketSet::AnyAssignment() const {
  Assignment bits(kVariableCount, false);
  if (Empty()) return bits;
  bdd node = bdd_satone(bdd_);
  while (!IsTerminal(node)) {
    const int var = bdd_var(node);
    if (bdd_low(node) == bddfalsepp) {
      bits[var] = true;
      node = bdd_high(node);
    } else {
      node = bdd_low(node);
    }
  }
  return bits;
}

bool PacketSet::Contains(const Assignment& assignment) const {
  bdd node = bdd_;
  while (!IsTerminal(node)) node = assignment[bdd_var(node)] ? bdd_high(node) : bdd_low(node);
  return node == bddtruepp;
}

Packet PacketSet::PacketOf(const Assignment& bits) {
  Packet packet;
  packet.family = bits[Layout(Field::kFamily).first] ? core::Family::kIPv6 : core::Family::kIPv4;
  packet.protocol = static_cast<int>(FieldValue(bits, Field::kProtocol));
  const int shift = packet.family == core::Family::kIPv4 ? kAddressBits - kIPv4Bits : 0;
  packet.source = FieldValue(bits, Field::kSource) >> shift;
  packet.destination = FieldValue(bits, Field::kDestination) >> shift;
  packet.source_port = static_cast<int>(FieldValue(bits, Field::kSourcePort));
  packet.destination_port = static_cast<int>(FieldValue(bits, Field::kDestinationPort));
  return packet;
}

Packet PacketSet::Example() const {
  return PacketOf(AnyAssignment());
}

std::vector<Box> PacketSet::Boxes() const {
  std::vector<Box> boxes;
  const auto visible = ExistsHidden().ExistsState();
  for (auto& by_family : SplitField(visible.bdd_, Field::kFamily)) {
    for (const auto& family_range : by_family.values) {
      for (int f = static_cast<int>(family_range.first); f <= static_cast<int>(family_range.last); ++f) {
        const auto family = f == 0 ? core::Family::kIPv4 : core::Family::kIPv6;
        const int bits = family == core::Family::kIPv4 ? kIPv4Bits : kAddressBits;
        for (auto& by_protocol : SplitField(by_family.rest, Field::kProtocol)) {
          for (auto& by_destination : SplitField(by_protocol.rest, Field::kDestination, bits)) {
            for (auto& by_source : SplitField(by_destination.rest, Field::kSource, bits)) {
              for (auto& by_port : SplitField(by_source.rest, Field::kDestinationPort)) {
                for (auto& by_source_port : SplitField(by_port.rest, Field::kSourcePort)) {
                  Box box;
                  box.family = family;
                  box.protocols = by_protocol.values;
                  box.destinations = by_destination.values;
                  box.sources = by_source.values;
                  box.destination_ports = by_port.values;
                  box.source_ports = by_source_port.values;
                  boxes.push_back(std::move(box));
                }
              }
            }
          }
        }
      }
    }
  }
  return boxes;
}

}  // namespace portolan::audit
