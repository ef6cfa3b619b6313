#pragma once
// Exact symbolic sets of packets for the audit: a BDD (BuDDy) over the bits of every field a
// firewall rule can match, so that union, intersection and difference are exact, never sampled.

#include <bdd.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/port_set.hpp"

namespace portolan::audit {

__extension__ typedef unsigned __int128 Uint128;  // addresses; GCC and clang have it

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

struct ValueRange {
  Uint128 first = 0;
  Uint128 last = 0;
  auto operator<=>(const ValueRange&) const = default;
};

// A product of ranges: what a box in the report is. Empty port lists mean "no ports" (protocols
// without ports).
struct Box {
  core::Family family = core::Family::kIPv4;
  std::vector<ValueRange> protocols;
  std::vector<ValueRange> destinations;
  std::vector<ValueRange> sources;
  std::vector<ValueRange> destination_ports;
  std::vector<ValueRange> source_ports;
  // Its texts for a report: audit/box_text.hpp.
};

// A value type around a BuDDy node. BuDDy keeps one node table per process; it is started once,
// on first use (PacketSet::Start), and this module is not thread-safe: the audit runs on one thread.
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

  PacketSet operator&(const PacketSet& other) const { return PacketSet(bdd_ & other.bdd_); }
  PacketSet operator|(const PacketSet& other) const { return PacketSet(bdd_ | other.bdd_); }
  // BuDDy has no complement edges and its difference operator has no shortcuts, so a - b is
  // computed as a & !(a & b), as one if-then-else: every step walks only the overlap's paths.
  PacketSet operator-(const PacketSet& other) const { return PacketSet(Difference(bdd_, other.bdd_)); }
  PacketSet operator~() const { return PacketSet(bdd_not(bdd_)); }
  PacketSet& operator&=(const PacketSet& other) {
    bdd_ &= other.bdd_;
    return *this;
  }
  PacketSet& operator|=(const PacketSet& other) {
    bdd_ |= other.bdd_;
    return *this;
  }
  PacketSet& operator-=(const PacketSet& other) {
    bdd_ = Difference(bdd_, other.bdd_);
    return *this;
  }
  bool operator==(const PacketSet& other) const { return bdd_ == other.bdd_; }

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
  // The set as a list of disjoint boxes over family, protocol, addresses and ports; the
  // hidden fields and the state must have been projected away. Exact.
  std::vector<Box> Boxes() const;
  int NodeCount() const;

  static void Start();              // idempotent; every factory calls it
  static std::size_t TableNodes();  // BuDDy's node table size, for benchmarks

 private:
  explicit PacketSet(bdd b) : bdd_(std::move(b)) {}
  static bdd Difference(const bdd& a, const bdd& b) {
    const bdd common = a & b;
    if (common == bddfalsepp) return a;
    if (common == a) return bddfalsepp;
    // if-then-else(common, false, a): walks common's paths and never builds its complement.
    return bdd_ite(common, bddfalsepp, a);
  }
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
