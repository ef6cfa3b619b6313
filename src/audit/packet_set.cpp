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

bdd VarSet(std::initializer_list<Field> fields) {
  std::vector<int> vars;
  for (const auto field : fields) {
    const auto layout = Layout(field);
    for (int i = 0; i < layout.width; ++i) vars.push_back(layout.first + i);
  }
  return bdd_makesetpp(vars.data(), static_cast<int>(vars.size()));
}

const bdd& HiddenVars() {
  static const bdd kVars = VarSet({Field::kInInterface, Field::kOutInterface, Field::kUnknown});
  return kVars;
}

const bdd& StateVars() {
  static const bdd kVars = VarSet({Field::kState});
  return kVars;
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
void CubeRanges(const Pattern& pattern, int width, Ranges& out) {
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

Ranges Merged(Ranges ranges) {
  std::sort(ranges.begin(), ranges.end());
  Ranges merged;
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
  Ranges values;
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

bool IsIcmpOf(core::Family family, int protocol) {
  return protocol == (family == core::Family::kIPv4 ? kProtocolIcmp : kProtocolIcmpV6);
}

std::string Packet::ToString() const {
  const auto name = ProtocolName(protocol);
  const auto ends = fmt::format("{} -> {}", AddressText(family, source), AddressText(family, destination));
  if (ProtocolHasPorts(protocol))
    return fmt::format("{} {} {} (source port {})", ends, name, destination_port, source_port);
  if (IsIcmpOf(family, protocol))
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

PacketSet::PacketSet() : cubes_(std::make_shared<const CubeForm>()) {
  Start();
}

PacketSet::PacketSet(std::vector<Cube> cubes) {
  Start();
  auto form = std::make_shared<CubeForm>();
  form->cubes = std::move(cubes);
  cubes_ = std::move(form);
}

PacketSet PacketSet::None() {
  return PacketSet();
}
PacketSet PacketSet::All() {
  return PacketSet(std::vector<Cube>{Cube{}});
}

PacketSet PacketSet::FromCubes(std::vector<Cube> cubes) {
  std::erase_if(cubes, [](const Cube& cube) { return IsEmpty(cube); });
  return PacketSet(std::move(cubes));
}

namespace {

Cube FamilyCube(core::Family family) {
  Cube cube;
  cube.families = family == core::Family::kIPv6 ? 0b10 : 0b01;
  return cube;
}

// The 128-bit values of a prefix: the first prefix_length bits fixed, the rest free.
ValueRange PrefixRange(Uint128 value, int prefix_length) {
  const Uint128 free = prefix_length >= kAddressBits ? 0 : (~Uint128{0} >> prefix_length);
  return {value & ~free, value | free};
}

ValueRange FamilyRange(core::Family family, Uint128 first, Uint128 last) {
  const Uint128 low_fill = family == core::Family::kIPv4 ? (Uint128{1} << (kAddressBits - kIPv4Bits)) - 1 : 0;
  return {Shifted(family, first), Shifted(family, last) | low_fill};
}

PacketSet OneCube(const Cube& cube) {
  return PacketSet::FromCubes({cube});
}

}  // namespace

PacketSet PacketSet::Family(core::Family family) {
  return OneCube(FamilyCube(family));
}

PacketSet PacketSet::Source(const core::Network& network) {
  auto cube = FamilyCube(network.family);
  cube.sources = {PrefixRange(AddressValue(network), network.prefix_length)};
  return OneCube(cube);
}

PacketSet PacketSet::Destination(const core::Network& network) {
  auto cube = FamilyCube(network.family);
  cube.destinations = {PrefixRange(AddressValue(network), network.prefix_length)};
  return OneCube(cube);
}

PacketSet PacketSet::SourceRange(core::Family family, Uint128 first, Uint128 last) {
  auto cube = FamilyCube(family);
  cube.sources = {FamilyRange(family, first, last)};
  return OneCube(cube);
}

PacketSet PacketSet::DestinationRange(core::Family family, Uint128 first, Uint128 last) {
  auto cube = FamilyCube(family);
  cube.destinations = {FamilyRange(family, first, last)};
  return OneCube(cube);
}

PacketSet PacketSet::Protocol(int number) {
  Cube cube;
  cube.protocols = {{static_cast<Uint128>(number), static_cast<Uint128>(number)}};
  return OneCube(cube);
}

PacketSet PacketSet::SourcePorts(int first, int last) {
  Cube cube;
  cube.source_ports = {{static_cast<Uint128>(first), static_cast<Uint128>(last)}};
  return OneCube(cube);
}

PacketSet PacketSet::DestinationPorts(int first, int last) {
  Cube cube;
  cube.destination_ports = {{static_cast<Uint128>(first), static_cast<Uint128>(last)}};
  return OneCube(cube);
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
  Cube cube;
  cube.states = static_cast<std::uint8_t>(1u << static_cast<int>(state));
  return OneCube(cube);
}

PacketSet PacketSet::InInterface(int code) {
  Cube cube;
  cube.in_interfaces = std::uint64_t{1} << code;
  return OneCube(cube);
}

PacketSet PacketSet::OutInterface(int code) {
  Cube cube;
  cube.out_interfaces = std::uint64_t{1} << code;
  return OneCube(cube);
}

PacketSet PacketSet::Unknown(int variable) {
  Cube cube;
  cube.unknown_true = std::uint64_t{1} << variable;
  return OneCube(cube);
}

PacketSet PacketSet::WellFormed() {
  Start();
  // An IPv4 address is the top 32 bits of its field; the 96 bits below are left free (not fixed
  // at zero), so that no set carries 192 extra nodes on every path. Every reader of a set
  // (examples, boxes) looks at the top 32 bits only.
  static const PacketSet kWellFormed = [] {
    const std::uint8_t states = (1u << kCtStateCount) - 1;
    Ranges with_ports;
    for (const int protocol : {kProtocolTcp, kProtocolUdp, 33, 132, 136})
      with_ports = UnionRanges(with_ports, {{static_cast<Uint128>(protocol), static_cast<Uint128>(protocol)}});
    Cube ports;
    ports.states = states;
    ports.protocols = with_ports;
    std::vector<Cube> cubes{ports};
    // A family's own ICMP has a type and code (in the port field); the other family's ICMP
    // protocol number is just another protocol there, as the kernel sees it (an IPv4 packet of
    // protocol 58 is not ICMPv6, and no icmp-type match reads it).
    for (const auto& [family, icmp] :
         {std::pair{core::Family::kIPv4, kProtocolIcmp}, std::pair{core::Family::kIPv6, kProtocolIcmpV6}}) {
      const auto mask = static_cast<std::uint8_t>(family == core::Family::kIPv4 ? 0b01 : 0b10);
      const Ranges own = {{static_cast<Uint128>(icmp), static_cast<Uint128>(icmp)}};
      Cube icmp_cube;
      icmp_cube.families = mask;
      icmp_cube.states = states;
      icmp_cube.protocols = own;
      icmp_cube.source_ports = {{0, 0}};
      Cube other;
      other.families = mask;
      other.states = states;
      other.protocols = SubtractRanges(SubtractRanges({{0, kMaxProtocolValue}}, with_ports), own);
      other.destination_ports = {{0, 0}};
      other.source_ports = {{0, 0}};
      cubes.push_back(std::move(icmp_cube));
      cubes.push_back(std::move(other));
    }
    return FromCubes(cubes);
  }();
  return kWellFormed;
}

namespace {

// Results of operations on cubes stay cubes up to this many; beyond, they become a BDD.
constexpr std::size_t kMaxCubes = 64;

bdd RangesBdd(Field field, const Ranges& ranges, Uint128 max) {
  if (ranges.size() == 1 && ranges.front().first == 0 && ranges.front().last == max) return bddtruepp;
  bdd result = bddfalsepp;
  for (const auto& range : ranges) result |= FieldRange(field, range.first, range.last);
  return result;
}

bdd MaskBdd(Field field, std::uint64_t mask, int values) {
  const std::uint64_t all = values >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << values) - 1;
  if ((mask & all) == all) return bddtruepp;
  const int width = Width(field);
  bdd result = bddfalsepp;
  for (int value = 0; value < values; ++value)
    if (mask >> value & 1) result |= FieldEquals(field, static_cast<Uint128>(value), width);
  return result;
}

// A cube's BDD, built from the deepest field up so that each step only adds nodes above.
bdd CubeBdd(const Cube& cube) {
  bdd result = RangesBdd(Field::kSourcePort, cube.source_ports, kMaxPortValue);
  result = RangesBdd(Field::kDestinationPort, cube.destination_ports, kMaxPortValue) & result;
  result = RangesBdd(Field::kSource, cube.sources, kMaxAddressValue) & result;
  result = RangesBdd(Field::kDestination, cube.destinations, kMaxAddressValue) & result;
  result = RangesBdd(Field::kProtocol, cube.protocols, kMaxProtocolValue) & result;
  result = MaskBdd(Field::kFamily, cube.families, 2) & result;
  result = MaskBdd(Field::kState, cube.states, 1 << kStateBits) & result;
  const int unknown = Layout(Field::kUnknown).first;
  for (int i = kUnknownVariables - 1; i >= 0; --i) {
    if (cube.unknown_true >> i & 1) result = bdd_ithvarpp(unknown + i) & result;
    if (cube.unknown_false >> i & 1) result = bdd_nithvarpp(unknown + i) & result;
  }
  result = MaskBdd(Field::kOutInterface, cube.out_interfaces, kInterfaceCodes) & result;
  result = MaskBdd(Field::kInInterface, cube.in_interfaces, kInterfaceCodes) & result;
  return result;
}

// Adds a cube to a union, merged into one already there where the union is a cube.
void AddCube(std::vector<Cube>& cubes, const Cube& cube) {
  for (auto& existing : cubes)
    if (TryMerge(existing, cube)) return;
  cubes.push_back(cube);
}

}  // namespace

const bdd& PacketSet::Bdd() const {
  if (!cubes_) return bdd_;
  if (!cubes_->materialized) {
    bdd result = bddfalsepp;
    for (const auto& cube : cubes_->cubes) result |= CubeBdd(cube);
    cubes_->materialized = result;
  }
  return *cubes_->materialized;
}

PacketSet PacketSet::operator&(const PacketSet& other) const {
  if (cubes_ && other.cubes_ && cubes_->cubes.size() * other.cubes_->cubes.size() <= kMaxCubes * 4) {
    std::vector<Cube> result;
    for (const auto& a : cubes_->cubes) {
      for (const auto& b : other.cubes_->cubes) {
        Cube common = a;
        if (IntersectInPlace(common, b)) AddCube(result, common);
      }
    }
    if (result.size() <= kMaxCubes) return PacketSet(std::move(result));
  }
  return PacketSet(Bdd() & other.Bdd());
}

PacketSet PacketSet::operator|(const PacketSet& other) const {
  if (cubes_ && other.cubes_ && cubes_->cubes.size() + other.cubes_->cubes.size() <= kMaxCubes * 2) {
    auto result = cubes_->cubes;
    for (const auto& cube : other.cubes_->cubes) AddCube(result, cube);
    if (result.size() <= kMaxCubes) return PacketSet(std::move(result));
  }
  return PacketSet(Bdd() | other.Bdd());
}

PacketSet PacketSet::operator-(const PacketSet& other) const {
  if (cubes_ && other.cubes_) {
    std::vector<Cube> rest = cubes_->cubes;
    std::vector<Cube> next;
    bool small = true;
    for (const auto& b : other.cubes_->cubes) {
      next.clear();
      for (const auto& a : rest) Subtract(a, b, next);
      rest.swap(next);
      if (rest.size() > kMaxCubes * 4) {
        small = false;
        break;
      }
    }
    if (small) {
      std::vector<Cube> result;
      for (const auto& cube : rest) AddCube(result, cube);
      if (result.size() <= kMaxCubes) return PacketSet(std::move(result));
    }
  }
  return PacketSet(Difference(Bdd(), other.Bdd()));
}

PacketSet PacketSet::operator~() const {
  return All() - *this;
}

bool PacketSet::operator==(const PacketSet& other) const {
  if (cubes_ && other.cubes_ && cubes_->cubes == other.cubes_->cubes) return true;
  return Bdd() == other.Bdd();
}

int PacketSet::TopVariable() const {
  return NodeVar(Bdd());
}

PacketSet Conjunction::Build() const {
  // Factors held as cubes are ANDed as cubes, with no BDD to build.
  if (std::all_of(factors_.begin(), factors_.end(), [](const PacketSet& f) { return f.Cubes() != nullptr; })) {
    auto result = PacketSet::All();
    for (const auto& factor : factors_) result &= factor;
    return result;
  }
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
  if (cubes_) return cubes_->cubes.empty();
  return bdd_ == bddfalsepp;
}
bool PacketSet::IsAll() const {
  return Bdd() == bddtruepp;
}

PacketSet PacketSet::ExistsHidden() const {
  if (cubes_) {
    std::vector<Cube> result;
    for (auto cube : cubes_->cubes) {
      cube.in_interfaces = cube.out_interfaces = ~std::uint64_t{0};
      cube.unknown_true = cube.unknown_false = 0;
      AddCube(result, cube);
    }
    return PacketSet(std::move(result));
  }
  return PacketSet(bdd_exist(bdd_, HiddenVars()));
}

PacketSet PacketSet::ForAllHidden(const PacketSet& given) const {
  return PacketSet(bdd_forall(bdd_imp(given.Bdd(), Bdd()), HiddenVars()));
}

PacketSet PacketSet::ExistsState() const {
  if (cubes_) {
    std::vector<Cube> result;
    for (auto cube : cubes_->cubes) {
      cube.states = 0xff;
      AddCube(result, cube);
    }
    return PacketSet(std::move(result));
  }
  return PacketSet(bdd_exist(bdd_, StateVars()));
}

int PacketSet::NodeCount() const {
  return bdd_nodecount(Bdd());
}

PacketSet::Assignment PacketSet::AnyAssignment() const {
  Assignment bits(kVariableCount, false);
  if (Empty()) return bits;
  bdd node = bdd_satone(Bdd());
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
  bdd node = Bdd();
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

PacketSet::Assignment PacketSet::AssignmentOf(const Point& point) {
  Assignment bits(kVariableCount, false);
  auto put = [&bits](Field field, Uint128 value) {
    const auto layout = Layout(field);
    for (int i = 0; i < layout.width; ++i) bits[layout.first + i] = (value >> (layout.width - 1 - i)) & 1;
  };
  put(Field::kInInterface, static_cast<Uint128>(point.in_interface));
  put(Field::kOutInterface, static_cast<Uint128>(point.out_interface));
  for (int i = 0; i < kUnknownVariables; ++i) bits[Layout(Field::kUnknown).first + i] = (point.unknown >> i) & 1;
  put(Field::kState, static_cast<Uint128>(point.state));
  put(Field::kFamily, static_cast<Uint128>(point.family));
  put(Field::kProtocol, point.protocol);
  put(Field::kDestination, point.destination);
  put(Field::kSource, point.source);
  put(Field::kDestinationPort, point.destination_port);
  put(Field::kSourcePort, point.source_port);
  return bits;
}

Point PacketSet::PointOf(const Assignment& bits) {
  Point point;
  point.in_interface = static_cast<int>(FieldValue(bits, Field::kInInterface));
  point.out_interface = static_cast<int>(FieldValue(bits, Field::kOutInterface));
  for (int i = 0; i < kUnknownVariables; ++i)
    if (bits[Layout(Field::kUnknown).first + i]) point.unknown |= std::uint64_t{1} << i;
  point.state = static_cast<int>(FieldValue(bits, Field::kState));
  point.family = static_cast<int>(FieldValue(bits, Field::kFamily));
  point.protocol = FieldValue(bits, Field::kProtocol);
  point.destination = FieldValue(bits, Field::kDestination);
  point.source = FieldValue(bits, Field::kSource);
  point.destination_port = FieldValue(bits, Field::kDestinationPort);
  point.source_port = FieldValue(bits, Field::kSourcePort);
  return point;
}

std::vector<Cube> PacketSet::ToCubes() const {
  const auto visible = ExistsHidden();
  std::vector<Cube> out;
  if (visible.cubes_) {
    std::vector<Cube> pieces;
    std::vector<Cube> next;
    for (const auto& cube : visible.cubes_->cubes) {
      pieces.assign(1, cube);
      for (std::size_t i = 0, n = out.size(); i < n && !pieces.empty(); ++i) {
        next.clear();
        for (const auto& piece : pieces) Subtract(piece, out[i], next);
        pieces.swap(next);
      }
      out.insert(out.end(), pieces.begin(), pieces.end());
    }
    return out;
  }
  auto mask_of = [](const Ranges& values) {
    unsigned mask = 0;
    for (const auto& range : values)
      for (auto v = range.first; v <= range.last; ++v) mask |= 1u << static_cast<int>(v);
    return static_cast<std::uint8_t>(mask);
  };
  for (auto& by_state : SplitField(visible.bdd_, Field::kState)) {
    for (auto& by_family : SplitField(by_state.rest, Field::kFamily)) {
      for (auto& by_protocol : SplitField(by_family.rest, Field::kProtocol)) {
        for (auto& by_destination : SplitField(by_protocol.rest, Field::kDestination)) {
          for (auto& by_source : SplitField(by_destination.rest, Field::kSource)) {
            for (auto& by_port : SplitField(by_source.rest, Field::kDestinationPort)) {
              for (auto& by_source_port : SplitField(by_port.rest, Field::kSourcePort)) {
                Cube cube;
                cube.states = mask_of(by_state.values);
                cube.families = mask_of(by_family.values);
                cube.protocols = by_protocol.values;
                cube.destinations = by_destination.values;
                cube.sources = by_source.values;
                cube.destination_ports = by_port.values;
                cube.source_ports = by_source_port.values;
                out.push_back(std::move(cube));
              }
            }
          }
        }
      }
    }
  }
  return out;
}

Packet PacketSet::Example() const {
  return PacketOf(AnyAssignment());
}

std::vector<Box> PacketSet::Boxes() const {
  std::vector<Box> boxes;
  const auto visible = ExistsHidden().ExistsState();
  for (auto& by_family : SplitField(visible.Bdd(), Field::kFamily)) {
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
