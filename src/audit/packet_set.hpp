#pragma once
// Exact symbolic sets of packets for the audit: a BDD (BuDDy) over the bits of every field a
// firewall rule can match, so that union, intersection and difference are exact, never sampled.

#include <bdd.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/cube.hpp"
#include "core/address.hpp"
#include "core/port_set.hpp"

namespace portolan::audit {

// Connection-tracking states, as iptables' conntrack and nftables' ct state name them.
enum class CtState { kNew = 0, kEstablished = 1, kRelated = 2, kInvalid = 3, kUntracked = 4 };
constexpr int kCtStateCount = 5;

// The modelled fields (packet_set.cpp gives their BDD variable order; most significant bit first
// within a field).
// Addresses are 128 bits; an IPv4 address sits in the top 32 bits and the rest are ignored.
// ICMP and ICMPv6 put type * 256 + code into the destination port field.
enum class Field {
  kFamily,
  kProtocol,
  kDestination,
  kSource,
  kDestinationPort,
  kSourcePort,
  kState,
  kInInterface,
  kOutInterface,
  kUnknown
};

constexpr int kInterfaceCodes = 64;    // interface names one ruleset can name (0: one it does not name)
constexpr int kLoopbackCode = 1;       // "lo"
constexpr int kUnknownVariables = 64;  // unmodelled matches one ruleset can carry as free variables

constexpr int kProtocolIcmp = 1;
constexpr int kProtocolTcp = 6;
constexpr int kProtocolUdp = 17;
constexpr int kProtocolIcmpV6 = 58;

bool ProtocolHasPorts(int protocol);  // tcp, udp, sctp, udplite, dccp
// The family's own ICMP (1 in IPv4, 58 in IPv6), whose type and code are in the port field; the
// other family's number is a protocol without ports there.
bool IsIcmpOf(core::Family family, int protocol);

// One packet, as the example of a set.
struct Packet {
  core::Family family = core::Family::kIPv4;
  int protocol = 0;
  Uint128 source = 0;
  Uint128 destination = 0;
  int source_port = 0;
  int destination_port = 0;

  std::string ToString() const;  // "10.0.0.1 -> 10.0.0.2 tcp 445"
};

// A product of ranges: what a box in the report is. Empty port lists mean "no ports" (protocols
// without ports).
struct Box {
  core::Family family = core::Family::kIPv4;
  Ranges protocols;
  Ranges destinations;
  Ranges sources;
  Ranges destination_ports;
  Ranges source_ports;
  // Its texts for a report: audit/box_text.hpp.
};

// A value type for a set of packets: a short list of cubes (audit/cube.hpp) while the set is
// one, as a rule's match nearly always is, and a BuDDy node once an operation would make the list
// long. Operations on BDDs are exact and canonical; the cube list is turned into its BDD when an
// operation needs one (and the BDD is kept with it). BuDDy keeps one node table per process; it is
// started once, on first use (PacketSet::Start), and this module is not thread-safe: the audit
// runs on one thread.
class PacketSet {
 public:
  PacketSet();  // the empty set
  static PacketSet None();
  static PacketSet All();

  static PacketSet Family(core::Family family);
  static PacketSet Source(const core::Network& network);  // includes the family
  static PacketSet Destination(const core::Network& network);
  static PacketSet SourceRange(core::Family family, Uint128 first, Uint128 last);  // addresses as 128-bit values
  static PacketSet DestinationRange(core::Family family, Uint128 first, Uint128 last);
  static PacketSet Protocol(int number);
  static PacketSet SourcePorts(int first, int last);
  static PacketSet DestinationPorts(int first, int last);
  static PacketSet SourcePorts(const core::PortSet& ports);
  static PacketSet DestinationPorts(const core::PortSet& ports);
  static PacketSet IcmpType(int type, std::optional<int> code);  // in the destination port field
  static PacketSet State(CtState state);
  static PacketSet InInterface(int code);
  static PacketSet OutInterface(int code);
  static PacketSet Unknown(int variable);  // a free boolean: an unmodelled match
  // Packets that exist: states in range, ports zero for protocols without ports and the
  // source port zero for ICMP. (IPv4 addresses leave the low 96 bits of their field free.)
  static PacketSet WellFormed();
  // The union of cubes (overlapping or not).
  static PacketSet FromCubes(std::vector<Cube> cubes);

  PacketSet operator&(const PacketSet& other) const;
  PacketSet operator|(const PacketSet& other) const;
  PacketSet operator-(const PacketSet& other) const;
  PacketSet operator~() const;
  PacketSet& operator&=(const PacketSet& other) { return *this = *this & other; }
  PacketSet& operator|=(const PacketSet& other) { return *this = *this | other; }
  PacketSet& operator-=(const PacketSet& other) { return *this = *this - other; }
  bool operator==(const PacketSet& other) const;

  // The first variable the set tests (in BDD order); terminals sort after every variable.
  int TopVariable() const;

  bool Empty() const;
  bool IsAll() const;
  bool Intersects(const PacketSet& other) const { return !(*this & other).Empty(); }
  bool SubsetOf(const PacketSet& other) const { return (*this - other).Empty(); }

  // Quantification over the fields an audit cannot see (interfaces and unmodelled matches):
  // packets in the set for some value of them, or for every value allowed by `given`.
  PacketSet ExistsHidden() const;
  PacketSet ForAllHidden(const PacketSet& given) const;
  // The state field projected away (packets in the set in some state).
  PacketSet ExistsState() const;

  // A concrete packet of a non-empty set (the lowest values where there is a choice).
  Packet Example() const;
  // One full assignment of every variable (hidden ones too) in a non-empty set, and the test
  // whether an assignment is in a set: how the audit finds the one rule that decided a packet.
  using Assignment = std::vector<bool>;
  Assignment AnyAssignment() const;
  bool Contains(const Assignment& assignment) const;
  static Packet PacketOf(const Assignment& assignment);
  static Assignment AssignmentOf(const Point& point);
  static Point PointOf(const Assignment& assignment);
  // The set as a list of disjoint boxes over family, protocol, addresses and ports; the
  // hidden fields and the state must have been projected away. Exact.
  std::vector<Box> Boxes() const;
  int NodeCount() const;
  // The set's cubes while it is held as cubes; null once it is a BDD.
  const std::vector<Cube>* Cubes() const { return cubes_ ? &cubes_->cubes : nullptr; }
  // The set as disjoint cubes over the visible fields and the state, which it must be limited
  // to (no hidden field), however it is held: a BDD is split along its paths.
  std::vector<Cube> ToCubes() const;
  // The same set held as a BDD (tests compare the cube algebra with it).
  PacketSet AsBdd() const { return PacketSet(Bdd()); }

  static void Start();              // idempotent; every factory calls it
  static std::size_t TableNodes();  // BuDDy's node table size, for benchmarks

 private:
  struct CubeForm {
    std::vector<Cube> cubes;  // none empty
    mutable std::optional<bdd> materialized;
  };
  explicit PacketSet(const bdd& b) : bdd_(b) {}  // BuDDy's bdd has no move
  explicit PacketSet(std::vector<Cube> cubes);
  const bdd& Bdd() const;
  static bdd Difference(const bdd& a, const bdd& b) {
    const bdd common = a & b;
    if (common == bddfalsepp) return a;
    if (common == a) return bddfalsepp;
    // BuDDy has no complement edges and its difference operator has no shortcuts, so a - b is
    // if-then-else(a & b, false, a): walks the overlap's paths and never builds a complement.
    return bdd_ite(common, bddfalsepp, a);
  }
  std::shared_ptr<const CubeForm> cubes_;  // set: the set is held as these cubes
  bdd bdd_;
};

// A match built clause by clause (a firewall rule's conditions): the factors are ANDed when it
// is built, the deepest first, so that each step only adds nodes above what is already built.
// (In clause order, a port clause after the addresses rebuilds every address node above it; at
// 100,000 rules that is a third of reading them.)
class Conjunction {
 public:
  Conjunction& operator&=(const PacketSet& factor) {
    factors_.push_back(factor);
    return *this;
  }
  PacketSet Build() const;

 private:
  std::vector<PacketSet> factors_;
};

std::string ProtocolName(int number);                // "tcp", "icmpv6", ..., or the number
Uint128 AddressValue(const core::Network& network);  // the network address in the 128-bit field layout
Uint128 PlainAddress(const core::Network& network);  // as a number: 32 bits for IPv4, 128 for IPv6
core::Network NetworkOf(core::Family family, Uint128 value, int prefix_length);

}  // namespace portolan::audit
