#include "audit/audit.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "audit/cube_analysis.hpp"
#include "audit/cube_boxes.hpp"

namespace portolan::audit {

namespace {

// A required flow shows how to find why it is blocked; a few examples are enough to act on.
constexpr int kMaxBlockedExamples = 3;

constexpr int kIcmpV6RouterSolicitation = 133;
constexpr int kIcmpV6NeighborAdvertisement = 136;

PacketSet Sources(const std::vector<core::Network>& networks) {
  auto set = PacketSet::None();
  for (const auto& network : networks) set |= PacketSet::Source(network);
  return set;
}

PacketSet Destinations(const std::vector<core::Network>& networks) {
  auto set = PacketSet::None();
  for (const auto& network : networks) set |= PacketSet::Destination(network);
  return set;
}

// IPv6 neighbor discovery (RFC 4890: must not be dropped): a host's firewall passes it, and
// no plan lists it, so it is not counted as excess.
PacketSet Infrastructure() {
  return PacketSet::Family(core::Family::kIPv6) & PacketSet::Protocol(kProtocolIcmpV6) &
         PacketSet::DestinationPorts(kIcmpV6RouterSolicitation * 256, kIcmpV6NeighborAdvertisement * 256 + 255);
}

// Interfaces: the audited packets cross the firewall on real interfaces, never on loopback.
PacketSet NotLoopback() {
  return ~PacketSet::InInterface(kLoopbackCode) & ~PacketSet::OutInterface(kLoopbackCode);
}

Hook HookOf(policy::Direction direction) {
  switch (direction) {
    case policy::Direction::kInbound: return Hook::kInput;
    case policy::Direction::kOutbound: return Hook::kOutput;
    case policy::Direction::kForward: return Hook::kForward;
  }
  return Hook::kForward;
}

std::vector<core::Network> EndpointNetworks(const inventory::Inventory& inventory, const std::vector<int>& endpoints) {
  std::vector<core::Network> networks;
  for (const int endpoint : endpoints)
    for (const auto& network : inventory.endpoints[endpoint].addresses) networks.push_back(network);
  return networks;
}

std::vector<int> ZoneMembers(const inventory::Inventory& inventory, const std::string& zone, bool outside) {
  std::vector<int> members;
  for (std::size_t i = 0; i < inventory.endpoints.size(); ++i) {
    const bool in_zone = inventory.ZoneOf(static_cast<int>(i)) == zone;
    if (in_zone != outside) members.push_back(static_cast<int>(i));
  }
  return members;
}

// The packets this firewall sees and the audit judges, before the state and family limits.
PacketSet Domain(const policy::Policy& policy, policy::Direction direction) {
  const auto& inventory = *policy.inventory;
  const auto& options = policy.options;
  if (direction != policy::Direction::kForward) {
    std::vector<core::Network> host;
    for (const auto family : {core::Family::kIPv4, core::Family::kIPv6})
      for (const auto& network : policy.HostNetworks(family)) host.push_back(network);
    if (direction == policy::Direction::kInbound) return Destinations(host) - Sources(host);
    return Sources(host) - Destinations(host);
  }
  if (options.edge) {
    const auto inside = EndpointNetworks(inventory, ZoneMembers(inventory, *options.edge, false));
    const auto src = Sources(inside);
    const auto dst = Destinations(inside);
    return (src - dst) | (dst - src);
  }
  const auto zones = options.zones.empty() ? inventory.Zones() : options.zones;
  std::vector<std::pair<PacketSet, PacketSet>> ends;
  for (const auto& zone : zones) {
    const auto networks = EndpointNetworks(inventory, ZoneMembers(inventory, zone, false));
    ends.emplace_back(Sources(networks), Destinations(networks));
  }
  auto internal = PacketSet::None();
  for (const auto& [src, dst] : ends) internal |= src & dst;
  if (options.zones.empty()) return ~internal;  // everything that crosses zones, or comes from elsewhere
  auto between = PacketSet::None();
  for (std::size_t a = 0; a < ends.size(); ++a)
    for (std::size_t b = 0; b < ends.size(); ++b)
      if (a != b) between |= ends[a].first & ends[b].second;
  return between;
}

std::string Members(const policy::Policy& policy, const std::vector<const policy::Rule*>& rules, bool sources) {
  std::vector<std::string_view> names;
  std::set<int> seen;  // a flow's rules repeat the same groups; big groups must not cost n^2
  std::set<int> groups;
  for (const auto* rule : rules) {
    if (!groups.insert(sources ? rule->sources : rule->destinations).second) continue;
    const auto& group = sources ? policy.Sources(*rule) : policy.Destinations(*rule);
    for (const int endpoint : group.endpoints)
      if (seen.insert(endpoint).second) names.push_back(policy.inventory->endpoints[endpoint].name);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

// The address groups of a policy as packet sets, each built once: a big site's flows share
// groups of thousands of networks.
class GroupSets {
 public:
  explicit GroupSets(const policy::Policy& policy)
      : policy_(policy), sources_(policy.groups.size()), destinations_(policy.groups.size()) {}

  const PacketSet& Sources(int group) { return Get(sources_, group, true); }
  const PacketSet& Destinations(int group) { return Get(destinations_, group, false); }

 private:
  const PacketSet& Get(std::vector<std::optional<PacketSet>>& cache, int group, bool source) {
    auto& slot = cache[group];
    if (!slot) {
      const auto& networks = policy_.groups[group].networks;
      slot = source ? audit::Sources(networks) : audit::Destinations(networks);
    }
    return *slot;
  }

  const policy::Policy& policy_;
  std::vector<std::optional<PacketSet>> sources_;
  std::vector<std::optional<PacketSet>> destinations_;
};

PacketSet ServiceSet(const policy::Rule& rule, bool replies) {
  auto set = PacketSet::Protocol(catalog::ProtocolNumber(rule.protocol));
  if (catalog::ProtocolHasPorts(rule.protocol))
    set &= replies ? PacketSet::SourcePorts(rule.Ports()) : PacketSet::DestinationPorts(rule.Ports());
  return set;
}

struct RequiredFlow {
  std::string id;
  policy::Direction direction;
  std::vector<const policy::Rule*> rules;
  PacketSet packets;
  PacketSet replies;  // only when a stateless filter is audited
  // Cubes that hold all the packets (and replies): the cube engine tests a rule against a flow
  // too big to be cubes only where the rule's cubes touch these.
  std::vector<Cube> hull;
  std::vector<Cube> reply_hull;
};

// A service of a flow (protocol and ports) with the address groups of the rules that carry it.
struct ServiceRules {
  const policy::Rule* first = nullptr;
  std::set<std::pair<int, int>> pairs;  // (source group, destination group)
  std::set<int> sources;
  std::set<int> destinations;
};

// The required flows, each with its packets; with `replies`, also the replies of its
// connections as packets of their own (from the destination's ports to the source), which is
// what a stateless filter must let back through.
//
// A flow's rules are render's rules: in network mode one per pair of zones, so a big site has
// millions. A planned flow is every source to every destination, and render writes its rules for
// exactly the part the firewall sees; so a service of a flow carried by more than `exact_rules`
// rules is built as all its sources times all its destinations, cut to the firewall's domain
// (`domain_of`), which is the same set. The audit tests compare the two ways on every test
// inventory and mode.
std::vector<RequiredFlow> RequiredFlows(const policy::Policy& policy, bool replies,
                                        const std::function<PacketSet(policy::Direction)>& domain_of, int exact_rules) {
  GroupSets groups(policy);
  std::vector<RequiredFlow> flows;
  std::vector<std::map<std::string, ServiceRules>> services;
  std::map<std::pair<std::string, policy::Direction>, std::size_t> index;
  for (const auto& rule : policy.rules) {
    const auto key = std::make_pair(rule.flow_id, rule.direction);
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, flows.size()).first;
      flows.push_back({rule.flow_id, rule.direction, {}, PacketSet::None(), PacketSet::None(), {}, {}});
      services.emplace_back();
    }
    flows[it->second].rules.push_back(&rule);
    const auto service_key = fmt::format("{}/{}", catalog::ProtocolNumber(rule.protocol), rule.Ports().ToString());
    auto& service = services[it->second][service_key];
    if (!service.first) service.first = &rule;
    service.pairs.emplace(rule.sources, rule.destinations);
    service.sources.insert(rule.sources);
    service.destinations.insert(rule.destinations);
  }
  auto union_of = [&groups](const std::set<int>& ids, bool source) {
    auto set = PacketSet::None();
    for (const int id : ids) set |= source ? groups.Sources(id) : groups.Destinations(id);
    return set;
  };
  auto add_hull = [](std::vector<Cube>& hull, const PacketSet& cover) {
    if (const auto* cubes = cover.Cubes())
      hull.insert(hull.end(), cubes->begin(), cubes->end());
    else
      hull.emplace_back();  // everything
  };
  for (std::size_t f = 0; f < flows.size(); ++f) {
    auto& flow = flows[f];
    for (const auto& [key, service] : services[f]) {
      const auto& rule = *service.first;
      if (static_cast<int>(service.pairs.size()) <= exact_rules) {
        for (const auto& [source, destination] : service.pairs) {
          const auto packets = groups.Sources(source) & groups.Destinations(destination) & ServiceSet(rule, false);
          flow.packets |= packets;
          add_hull(flow.hull, packets);
          if (replies) {
            const auto back = groups.Sources(destination) & groups.Destinations(source) & ServiceSet(rule, true);
            flow.replies |= back;
            add_hull(flow.reply_hull, back);
          }
        }
        continue;
      }
      const auto sources = union_of(service.sources, true);
      const auto destinations = union_of(service.destinations, false);
      add_hull(flow.hull, sources & destinations & ServiceSet(rule, false));
      if (replies)
        add_hull(flow.reply_hull,
                 union_of(service.destinations, true) & union_of(service.sources, false) & ServiceSet(rule, true));
      flow.packets |= sources & destinations & domain_of(flow.direction) & ServiceSet(rule, false);
      if (replies) {
        // The replies come back through the same firewall the other way: between zones, the
        // domain is the same both ways; a host's inbound domain is its outbound one reversed.
        const auto back = flow.direction == policy::Direction::kInbound    ? policy::Direction::kOutbound
                          : flow.direction == policy::Direction::kOutbound ? policy::Direction::kInbound
                                                                           : policy::Direction::kForward;
        flow.replies |= union_of(service.destinations, true) & union_of(service.sources, false) & domain_of(back) &
                        ServiceSet(rule, true);
      }
    }
  }
  return flows;
}

// One ruleset with its evaluation, by BDDs or by cubes.
struct Evaluated {
  const Ruleset* ruleset;
  Evaluation evaluation;
  PacketSet families;
  std::optional<CubeEvaluation> cubes;
};

// What a flow's verdict is judged against: the hook's sets (within the flow's packets at least)
// and how to find the rule that dropped a packet.
struct VerdictView {
  PacketSet possible;
  PacketSet definite;
  std::vector<PacketSet> accepted;  // per ruleset
  std::function<std::pair<RuleRef, PacketSet>(std::size_t, const PacketSet::Assignment&)> deciding_drop;
  std::function<std::vector<std::string>()> depends_on;
};

// What the shadowing report needs of one ruleset's evaluation, from either engine.
struct RuleFacts {
  std::vector<bool> entered;               // per chain: some rule reached on some hook
  std::vector<std::vector<bool>> reached;  // per chain, per rule, on some hook
  std::vector<std::vector<bool>> hit;
  std::function<bool(int, int, const PacketSet&)> hit_intersects;
};

RuleRef RefOf(const Ruleset& ruleset, int chain, int rule) {
  const auto& r = ruleset.chains[chain].rules[rule];
  return {r.where, ruleset.chains[chain].name, r.text, false, r.unmodelled};
}

RuleRef PolicyRef(const Ruleset& ruleset, int chain) {
  const auto& c = ruleset.chains[chain];
  const auto policy = c.policy ? std::string(ActionName(*c.policy)) : std::string("accept");
  std::string upper;
  for (const char ch : policy) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return {c.where,
          c.name,
          c.policy_text.empty() ? fmt::format("chain {} policy {}", c.name, upper) : c.policy_text,
          true,
          {}};
}

RuleRef UnfilteredRef(const Ruleset& ruleset, Hook hook) {
  return {{ruleset.file, 0, 0},
          "",
          fmt::format("no chain filters the {} hook: everything passes", HookName(hook)),
          true,
          {}};
}

class Auditor {
 public:
  Auditor(const std::vector<Ruleset>& rulesets, const policy::Policy& policy, const AuditTuning& tuning, bool cubes)
      : policy_(policy), tuning_(tuning), use_cubes_(cubes) {
    std::set<core::Family> seen;
    for (const auto& ruleset : rulesets) {
      auto families = PacketSet::None();
      for (const auto family : ruleset.families) {
        if (!seen.insert(family).second) {
          core::Diagnostics diagnostics;
          diagnostics.Error(
              {ruleset.file, 0, 0},
              fmt::format("a second ruleset for {}: give at most one per address family", core::FamilyName(family)));
          throw core::InputError(diagnostics);
        }
        families |= PacketSet::Family(family);
      }
      if (use_cubes_)
        evaluated_.push_back({&ruleset, {}, families, EvaluateCubes(ruleset)});
      else
        evaluated_.push_back({&ruleset, Evaluate(ruleset), families, std::nullopt});
      covered_ |= families;
    }
  }

  AuditResult Run() {
    result_.mode = ModeText();
    for (const auto& e : evaluated_) {
      std::vector<std::string> families;
      for (const auto family : e.ruleset->families) families.emplace_back(core::FamilyName(family));
      if (families.size() == 1 && !e.ruleset->family_reason.empty()) families[0] += ": " + e.ruleset->family_reason;
      result_.rulesets.push_back(
          fmt::format("{} ({}, {})", e.ruleset->file, e.ruleset->format, fmt::join(families, ", ")));
      for (const auto& note : e.ruleset->notes) result_.notes.push_back(note);
    }
    for (const auto family : {core::Family::kIPv4, core::Family::kIPv6}) {
      if (!covered_.Intersects(PacketSet::Family(family)) && policy_.HasFamily(family))
        result_.notes.push_back(
            fmt::format("{}: no ruleset given; its flows are not audited", core::FamilyName(family)));
    }
    bool any_stateless = false;
    for (const auto& e : evaluated_) any_stateless = any_stateless || e.ruleset->stateless;
    const auto domain_of = [this](policy::Direction direction) { return DomainOf(direction); };
    const auto flows = RequiredFlows(policy_, any_stateless, domain_of, tuning_.exact_flow_rules);
    std::vector<policy::Direction> directions;
    if (policy_.options.mode == policy::Mode::kNetwork) {
      directions = {policy::Direction::kForward};
    } else {
      directions = {policy::Direction::kInbound};
      if (policy_.options.egress) directions.push_back(policy::Direction::kOutbound);
    }
    for (const auto direction : directions) {
      if (use_cubes_)
        AuditDirectionCubes(direction, flows);
      else
        AuditDirection(direction, flows);
    }
    for (const auto& e : evaluated_) FindShadowed(e, use_cubes_ ? CubeFacts(e) : BddFacts(e));
    return std::move(result_);
  }

 private:
  std::string ModeText() const {
    const auto& options = policy_.options;
    if (options.mode == policy::Mode::kHost)
      return fmt::format("host {} ({})", policy_.HostName(), options.egress ? "inbound and outbound" : "inbound");
    if (options.edge) return fmt::format("network, edge of zone {}", *options.edge);
    if (!options.zones.empty()) return fmt::format("network, between zones {}", fmt::join(options.zones, ", "));
    return "network, between all zones";
  }

  // The packets the firewall sees in a direction, built once (a big site's zones make it costly).
  const PacketSet& DomainOf(policy::Direction direction) {
    auto it = domains_.find(direction);
    if (it == domains_.end()) it = domains_.emplace(direction, Domain(policy_, direction)).first;
    return it->second;
  }

  void AuditDirection(policy::Direction direction, const std::vector<RequiredFlow>& flows) {
    const Hook hook = HookOf(direction);
    const auto given = NotLoopback();
    const auto well_formed_new = PacketSet::WellFormed() & PacketSet::State(CtState::kNew) & covered_;
    const auto domain = DomainOf(direction) & well_formed_new;
    auto accepted = PacketSet::None();
    for (const auto& e : evaluated_) accepted |= e.evaluation.hooks.at(hook).accepted & e.families;
    const auto possible = (accepted & given).ExistsHidden();
    const auto definite = accepted.ForAllHidden(given);

    auto required = PacketSet::None();
    auto stateless = PacketSet::None();
    for (const auto& e : evaluated_)
      if (e.ruleset->stateless) stateless |= e.families;
    VerdictView view;
    view.possible = possible;
    view.definite = definite;
    for (const auto& e : evaluated_) view.accepted.push_back(e.evaluation.hooks.at(hook).accepted);
    view.deciding_drop = [&](std::size_t index, const PacketSet::Assignment& assignment) {
      const auto& e = evaluated_[index];
      return DecidingDrop(*e.ruleset, e.evaluation.hooks.at(hook), assignment, hook);
    };
    for (const auto& flow : flows) {
      if (flow.direction != direction) continue;
      const auto packets = flow.packets & PacketSet::WellFormed() & PacketSet::State(CtState::kNew);
      const auto audited = packets & covered_;
      view.depends_on = [&] { return DependsOn(audited, hook); };
      result_.flows.push_back(Verdict(flow, audited, view, given));
      required |= packets;
      // A stateless filter sees replies as new packets: they are return traffic, not excess.
      if (!stateless.Empty())
        required |= flow.replies & stateless & PacketSet::WellFormed() & PacketSet::State(CtState::kNew);
    }

    const auto excess = (possible & domain) - required - Infrastructure();
    const auto excess_given = excess & given;
    const auto judged = domain - Infrastructure();
    const auto judged_given = judged & given;
    for (const auto& e : evaluated_) {
      const auto& hook_eval = e.evaluation.hooks.at(hook);
      const auto& ruleset = *e.ruleset;
      if (!hook_eval.attached) {
        AddExcess(direction, excess & e.families, UnfilteredRef(ruleset, hook), definite);
        continue;
      }
      // Several base chains on the hook (nftables): a packet passes all of them, so an accept
      // rule in one and the policy of another both let it through. It is traced to the rule,
      // and to one policy only when no rule accepts it.
      int attached = 0;
      for (const auto& attachment : ruleset.attachments) attached += attachment.hook == hook ? 1 : 0;
      auto traced = PacketSet::None();
      if (attached > 1) {
        for (std::size_t c = 0; c < ruleset.chains.size(); ++c)
          for (std::size_t r = 0; r < ruleset.chains[c].rules.size(); ++r)
            if (ruleset.chains[c].rules[r].action == Action::kAccept) traced |= hook_eval.hit[c][r];
      }
      for (std::size_t c = 0; c < ruleset.chains.size(); ++c) {
        const auto& chain = ruleset.chains[c];
        for (std::size_t r = 0; r < chain.rules.size(); ++r) {
          if (chain.rules[r].action != Action::kAccept) continue;
          const auto& hit = hook_eval.hit[c][r];
          if (hit.Empty()) continue;
          const auto ref = [&] { return RefOf(ruleset, static_cast<int>(c), static_cast<int>(r)); };
          bool grants = false;
          if (!excess.Empty()) {
            const auto granted = hit & excess_given & e.families;
            grants = !granted.Empty();
            if (grants) AddExcess(direction, granted.ExistsHidden(), ref(), definite);
          }
          // Unused: it accepts judged packets, none of them required. The excess is judged, so a
          // rule that grants excess serves something; and with no required packet in its hit
          // at all (the required set is small: a cheap test), nothing it serves is required.
          bool unused = false;
          if (!hit.Intersects(required)) {
            unused = grants || hit.Intersects(judged_given);
          } else {
            const auto serves = hit & judged_given;
            unused = !serves.Empty() && !serves.Intersects(required);
          }
          if (unused) {
            result_.unused.push_back({ref(), fmt::format("accepts {} traffic that no required flow needs",
                                                         policy::Direction::kForward == direction   ? "forwarded"
                                                         : direction == policy::Direction::kInbound ? "inbound"
                                                                                                    : "outbound")});
          }
        }
        const bool accepts = !chain.policy || *chain.policy == Action::kAccept;
        if (accepts && !excess.Empty()) {
          // A ruleset grants packets of its own families only: others pass it by, and their own
          // ruleset decides them.
          const auto granted = (hook_eval.policy_decided[c] & excess_given & e.families) - traced;
          if (!granted.Empty())
            AddExcess(direction, granted.ExistsHidden(), PolicyRef(ruleset, static_cast<int>(c)), definite);
          if (attached > 1) traced |= hook_eval.policy_decided[c];
        }
      }
    }
  }

  // ---- the cube engine: the same audit, computed rule by rule within small regions ----

  // A set as cubes with an index over them, and what is too big to be cubes as a BDD (`big`,
  // the required packets of a large site's flows).
  struct IndexedCubes {
    std::vector<Cube> cubes;
    CubeIndex index;
    PacketSet big;
    std::vector<Cube> hull;  // cubes that hold all of `big`
    CubeIndex hull_index;
    explicit IndexedCubes(std::vector<Cube> list, PacketSet rest = PacketSet::None(),
                          std::vector<Cube> rest_hull = {Cube{}})
        : cubes(std::move(list)), big(std::move(rest)), hull(std::move(rest_hull)) {
      for (std::size_t i = 0; i < cubes.size(); ++i) index.Add(static_cast<CubeId>(i), cubes[i]);
      for (std::size_t i = 0; i < hull.size(); ++i) hull_index.Add(static_cast<CubeId>(i), hull[i]);
    }
    // Whether `cube` may meet `big`: it touches its hull (a cheap test before the BDD's).
    bool MayMeetBig(const Cube& cube) const {
      if (big.Empty()) return false;
      bool found = false;
      hull_index.ForEachCandidate(cube, [&](CubeId id) { found = found || audit::Overlaps(cube, hull[id]); });
      return found;
    }
    bool Overlaps(const Cube& cube) const {
      bool found = false;
      index.ForEachCandidate(cube, [&](CubeId id) { found = found || audit::Overlaps(cube, cubes[id]); });
      return found || (MayMeetBig(cube) && PacketSet::FromCubes({cube}).Intersects(big));
    }
    // The parts of `cube` within the set (the set's cubes must be disjoint, and `big` hold no
    // hidden field).
    void Within(const Cube& cube, std::vector<Cube>& out) const {
      Cube common;
      const auto before = out.size();
      index.ForEachCandidate(cube, [&](CubeId id) {
        if (Intersect(cube, cubes[id], common)) out.push_back(common);
      });
      CubeBudget::Charge(out.size() - before + 1);
      if (MayMeetBig(cube)) {
        for (auto& part : (PacketSet::FromCubes({cube}) & big).ToCubes()) out.push_back(std::move(part));
      }
    }
    // The parts of `cube` outside the set.
    void Outside(const Cube& cube, std::vector<Cube>& out) const {
      std::vector<Cube> pieces{cube};
      std::vector<Cube> next;
      index.ForEachCandidate(cube, [&](CubeId id) {
        next.clear();
        for (const auto& piece : pieces) Subtract(piece, cubes[id], next);
        CubeBudget::Charge(next.size());
        pieces.swap(next);
      });
      if (std::any_of(pieces.begin(), pieces.end(), [this](const Cube& piece) { return MayMeetBig(piece); })) {
        const auto rest = PacketSet::FromCubes(pieces);
        if (rest.Intersects(big)) pieces = (rest - big).ToCubes();
      }
      out.insert(out.end(), pieces.begin(), pieces.end());
    }
  };

  static Cube WithoutHidden(Cube cube) {
    cube.in_interfaces = cube.out_interfaces = ~std::uint64_t{0};
    cube.unknown_true = cube.unknown_false = 0;
    return cube;
  }

  // Whether every value of the hidden fields that `given` allows is in the cube's.
  static bool HiddenCovers(const Cube& cube, const Cube& given) {
    return (given.in_interfaces & ~cube.in_interfaces) == 0 && (given.out_interfaces & ~cube.out_interfaces) == 0 &&
           (cube.unknown_true & ~given.unknown_true) == 0 && (cube.unknown_false & ~given.unknown_false) == 0;
  }

  // What excess a set of cubes accepted by ruleset `e` grants: the visible parts of those that
  // pass `given`, of e's own families (others pass it by: their own ruleset decides them), within
  // the domain, less the required packets and the infrastructure. `partial` tells whether some of
  // it passes only for some values of the hidden fields (then AddExcessCubes judges it exactly).
  std::vector<Cube> Granted(const Evaluated& e, Hook hook, const std::vector<Cube>& accepted, const Cube& given,
                            const IndexedCubes& domain, const IndexedCubes& required,
                            const IndexedCubes& infrastructure, bool several_chains, bool& partial) const {
    std::vector<Cube> within;
    std::vector<Cube> candidates;
    Cube passing;
    partial = false;
    const auto own = FamilyMask(*e.ruleset);
    for (const auto& cube : accepted) {
      if ((cube.families & own) == 0 || !Intersect(cube, given, passing)) continue;
      if (!HiddenCovers(cube, given)) partial = true;
      auto visible = WithoutHidden(cube);
      visible.families &= own;
      if (several_chains)
        candidates.push_back(std::move(visible));
      else
        domain.Within(visible, within);
    }
    if (several_chains) {
      // What one of several base chains accepts, a later one may drop: only what the hook
      // accepts for some allowed hidden value is granted, and AddExcessCubes judges the rest.
      partial = true;
      for (auto& piece : e.cubes->AcceptedWithin(hook, candidates)) {
        if (!Intersect(piece, given, passing)) continue;
        auto visible = WithoutHidden(std::move(piece));
        visible.families &= own;
        if (visible.families != 0) domain.Within(visible, within);
      }
    }
    std::vector<Cube> needed_not;
    for (const auto& cube : within) required.Outside(cube, needed_not);
    std::vector<Cube> granted;
    for (const auto& cube : needed_not) infrastructure.Outside(cube, granted);
    return granted;
  }

  static std::uint8_t FamilyMask(const Ruleset& ruleset) {
    std::uint8_t mask = 0;
    for (const auto family : ruleset.families) mask |= family == core::Family::kIPv6 ? 0b10 : 0b01;
    return mask;
  }

  void AddBoxes(policy::Direction direction, const std::vector<Cube>& cubes, const RuleRef& ref, bool uncertain) {
    for (auto& box : CubeBoxes(cubes)) result_.excess.push_back({direction, std::move(box), ref, uncertain});
  }

  // As AddExcess: the granted packets every allowed value of the hidden fields lets through,
  // then the rest as uncertain. Those are found within the granted region: the region with the
  // allowed hidden values, less every accepted cube there, is what some value does not let
  // through.
  void AddExcessCubes(policy::Direction direction, Hook hook, std::vector<Cube> granted, bool partial,
                      const RuleRef& ref, const Cube& given) {
    if (granted.empty()) return;
    if (!partial) {
      AddBoxes(direction, std::move(granted), ref, false);
      return;
    }
    std::vector<Cube> accepted;
    for (const auto& other : evaluated_) {
      const auto mask = FamilyMask(*other.ruleset);
      for (auto& cube : other.cubes->AcceptedWithin(hook, granted)) {
        cube.families &= mask;
        if (cube.families != 0) accepted.push_back(std::move(cube));
      }
    }
    const IndexedCubes accepted_index(std::move(accepted));
    std::vector<Cube> missing;
    for (auto cube : granted) {
      cube.in_interfaces = given.in_interfaces;
      cube.out_interfaces = given.out_interfaces;
      cube.unknown_true = given.unknown_true;
      cube.unknown_false = given.unknown_false;
      accepted_index.Outside(cube, missing);
    }
    for (auto& cube : missing) cube = WithoutHidden(std::move(cube));
    const IndexedCubes not_always(std::move(missing));
    std::vector<Cube> sure;
    std::vector<Cube> unsure;
    for (const auto& cube : granted) {
      not_always.Outside(cube, sure);
      not_always.Within(cube, unsure);
    }
    AddBoxes(direction, std::move(sure), ref, false);
    AddBoxes(direction, std::move(unsure), ref, true);
  }

  std::vector<Cube> CubesOf(const std::vector<CubeId>& ids, const CubeEvaluation& cubes) const {
    std::vector<Cube> out;
    out.reserve(ids.size());
    for (const auto id : ids) out.push_back(cubes[id]);
    return out;
  }

  void AuditDirectionCubes(policy::Direction direction, const std::vector<RequiredFlow>& flows) {
    const Hook hook = HookOf(direction);
    const auto given = NotLoopback();
    if (given.Cubes() == nullptr || given.Cubes()->size() != 1) throw CubesDoNotFit("given");
    const Cube given_cube = given.Cubes()->front();
    const auto well_formed_new = PacketSet::WellFormed() & PacketSet::State(CtState::kNew) & covered_;
    const IndexedCubes domain((DomainOf(direction) & well_formed_new).ToCubes());
    const IndexedCubes infrastructure(Infrastructure().ToCubes());

    auto stateless = PacketSet::None();
    for (const auto& e : evaluated_)
      if (e.ruleset->stateless) stateless |= e.families;
    std::vector<Cube> required_list;
    auto required_big = PacketSet::None();  // flows too big to be cubes
    std::vector<Cube> required_hull;
    auto require = [&](const PacketSet& packets, const std::vector<Cube>& hull) {
      if (packets.Cubes() == nullptr) {
        required_big |= packets;
        required_hull.insert(required_hull.end(), hull.begin(), hull.end());
        return;
      }
      const auto cubes = packets.ToCubes();
      required_list.insert(required_list.end(), cubes.begin(), cubes.end());
    };
    for (const auto& flow : flows) {
      if (flow.direction != direction) continue;
      const auto packets = flow.packets & PacketSet::WellFormed() & PacketSet::State(CtState::kNew);
      result_.flows.push_back(VerdictCubes(flow, packets & covered_, hook, given));
      require(packets, flow.hull);
      if (!stateless.Empty())
        require(flow.replies & stateless & PacketSet::WellFormed() & PacketSet::State(CtState::kNew), flow.reply_hull);
    }
    const IndexedCubes required(std::move(required_list), required_big, std::move(required_hull));

    for (const auto& e : evaluated_) {
      const auto& cubes = *e.cubes;
      const auto& hook_eval = cubes.hooks.at(hook);
      const auto& ruleset = *e.ruleset;
      if (!hook_eval.attached) {
        // Everything passes: the excess is all the judged packets of the ruleset's families.
        std::vector<Cube> of_families;
        for (const auto& cube : (e.families & PacketSet::WellFormed()).ToCubes()) domain.Within(cube, of_families);
        bool partial = false;
        auto granted = Granted(e, hook, of_families, given_cube, IndexedCubes(std::vector<Cube>{Cube{}}), required,
                               infrastructure, false, partial);
        AddExcessCubes(direction, hook, std::move(granted), partial, UnfilteredRef(ruleset, hook), given_cube);
        continue;
      }
      // Several base chains on the hook (nftables): as AuditDirection, an excess packet is traced
      // to the rules that accept it, and to one accepting policy only when no rule does.
      int attached = 0;
      for (const auto& attachment : ruleset.attachments) attached += attachment.hook == hook ? 1 : 0;
      const bool several = attached > 1;
      std::vector<Cube> traced_hits;
      if (several) {
        for (std::size_t c = 0; c < ruleset.chains.size(); ++c)
          for (std::size_t r = 0; r < ruleset.chains[c].rules.size(); ++r)
            if (ruleset.chains[c].rules[r].action == Action::kAccept)
              for (const auto id : hook_eval.hit[c][r]) traced_hits.push_back(cubes[id]);
      }
      const IndexedCubes traced(std::move(traced_hits));
      std::vector<const CubeSet*> traced_policies;
      for (std::size_t c = 0; c < ruleset.chains.size(); ++c) {
        const auto& chain = ruleset.chains[c];
        for (std::size_t r = 0; r < chain.rules.size(); ++r) {
          if (chain.rules[r].action != Action::kAccept) continue;
          const auto& hit_ids = hook_eval.hit[c][r];
          if (hit_ids.empty()) continue;
          const auto hit = CubesOf(hit_ids, cubes);
          const auto ref = [&] { return RefOf(ruleset, static_cast<int>(c), static_cast<int>(r)); };
          bool partial = false;
          auto granted = Granted(e, hook, hit, given_cube, domain, required, infrastructure, several, partial);
          const bool grants = !granted.empty();
          if (grants) AddExcessCubes(direction, hook, std::move(granted), partial, ref(), given_cube);
          // Unused: as AuditDirection.
          bool hits_required = false;
          for (const auto& cube : hit) hits_required = hits_required || required.Overlaps(cube);
          std::vector<Cube> serves;  // hit & given & (domain - infrastructure)
          if (!hits_required && grants) {
            result_.unused.push_back({ref(), UnusedText(direction)});
            continue;
          }
          Cube passing;
          std::vector<Cube> judged;
          for (const auto& cube : hit)
            if (Intersect(cube, given_cube, passing)) domain.Within(passing, judged);
          for (const auto& cube : judged) infrastructure.Outside(cube, serves);
          bool unused = false;
          if (!hits_required) {
            unused = !serves.empty();
          } else {
            bool serves_required = false;
            for (const auto& cube : serves) serves_required = serves_required || required.Overlaps(cube);
            unused = !serves.empty() && !serves_required;
          }
          if (unused) result_.unused.push_back({ref(), UnusedText(direction)});
        }
        const bool accepts = !chain.policy || *chain.policy == Action::kAccept;
        const auto& decided = hook_eval.policy_decided[c];
        if (accepts && !decided.Empty()) {
          std::vector<Cube> region;
          Cube passing;
          for (const auto& cube : domain.cubes)
            if (Intersect(cube, given_cube, passing)) region.push_back(passing);
          auto pieces = cubes.Within(decided, region);
          if (several) {
            std::vector<Cube> untraced;
            for (const auto& piece : pieces) traced.Outside(piece, untraced);
            for (const auto* earlier : traced_policies) {
              std::vector<Cube> rest;
              for (const auto& piece : untraced) {
                std::vector<Cube> left{piece};
                std::vector<Cube> next;
                for (const auto& cut : cubes.Within(*earlier, {piece})) {
                  next.clear();
                  for (const auto& part : left) Subtract(part, cut, next);
                  left.swap(next);
                }
                rest.insert(rest.end(), left.begin(), left.end());
              }
              untraced.swap(rest);
            }
            pieces.swap(untraced);
            traced_policies.push_back(&decided);
          }
          bool partial = false;
          auto granted = Granted(e, hook, pieces, given_cube, domain, required, infrastructure, several, partial);
          AddExcessCubes(direction, hook, std::move(granted), partial, PolicyRef(ruleset, static_cast<int>(c)),
                         given_cube);
        }
      }
    }
  }

  static std::string UnusedText(policy::Direction direction) {
    return fmt::format("accepts {} traffic that no required flow needs",
                       policy::Direction::kForward == direction   ? "forwarded"
                       : direction == policy::Direction::kInbound ? "inbound"
                                                                  : "outbound");
  }

  // A hook's accepted packets as BDDs, built once: what the flows too big to be judged within
  // their own region are judged against.
  const VerdictView& WholeHook(Hook hook, const PacketSet& given) {
    auto it = whole_hooks_.find(hook);
    if (it != whole_hooks_.end()) return it->second;
    VerdictView view;
    auto accepted = PacketSet::None();
    for (const auto& e : evaluated_) {
      const auto& all = WholeSet(e, e.cubes->hooks.at(hook).accepted);
      view.accepted.push_back(all);
      accepted |= all & e.families;
    }
    view.possible = (accepted & given).ExistsHidden();
    view.definite = accepted.ForAllHidden(given);
    return whole_hooks_.emplace(hook, std::move(view)).first->second;
  }

  // A set of the cube engine as one BDD (fall-offs as input less stops), built once.
  const PacketSet& WholeSet(const Evaluated& e, const CubeSet& set) {
    auto it = whole_sets_.find(&set);
    if (it != whole_sets_.end()) return it->second;
    const auto& cubes = *e.cubes;
    auto whole = PacketSet::FromCubes(CubesOf(set.cubes, cubes)).AsBdd();
    for (const int index : set.fall_offs) {
      const auto& invocation = cubes.invocations[index];
      whole |= PacketSet::FromCubes(CubesOf(invocation.input, cubes)).AsBdd() -
               PacketSet::FromCubes(CubesOf(invocation.stops, cubes)).AsBdd();
    }
    return whole_sets_.emplace(&set, std::move(whole)).first->second;
  }

  FlowVerdict VerdictCubes(const RequiredFlow& flow, const PacketSet& packets, Hook hook, const PacketSet& given) {
    // A flow is judged within a region that holds it: its own cubes, or, for a flow too big to
    // be cubes, its hull (a few products of its sources, destinations and services).
    const bool hulled = packets.Cubes() == nullptr;
    const auto region = hulled ? flow.hull : packets.ToCubes();
    VerdictView view;
    // Many big flows against a small ruleset (a large site's plan): the hook's sets as BDDs, built
    // once, cost less than a region per flow.
    std::size_t accepted_cubes = 0;
    for (const auto& e : evaluated_) accepted_cubes += e.cubes->hooks.at(hook).accepted.cubes.size();
    if (hulled && accepted_cubes <= kWholeHookCubes) {
      const auto& all = WholeHook(hook, given);
      view.accepted = all.accepted;
      view.possible = all.possible;
      view.definite = all.definite;
    } else {
      auto accepted = PacketSet::None();
      for (const auto& e : evaluated_) {
        const auto& cubes = *e.cubes;
        auto within = PacketSet::FromCubes(cubes.AcceptedWithin(hook, region));
        view.accepted.push_back(within);
        accepted |= within & e.families;
      }
      view.possible = (accepted & given).ExistsHidden();
      view.definite = accepted.ForAllHidden(given);
    }
    view.deciding_drop = [&](std::size_t index, const PacketSet::Assignment& assignment) {
      return DecidingDropCubes(evaluated_[index], hook, PacketSet::PointOf(assignment), region);
    };
    view.depends_on = [&] {
      std::vector<std::string> texts;
      for (const auto& e : evaluated_) {
        const auto& cubes = *e.cubes;
        const auto& hook_eval = cubes.hooks.at(hook);
        for (std::size_t c = 0; c < e.ruleset->chains.size(); ++c) {
          const auto& chain = e.ruleset->chains[c];
          for (std::size_t r = 0; r < chain.rules.size(); ++r) {
            const auto& rule = chain.rules[r];
            if (rule.unmodelled.empty()) continue;
            const auto within = cubes.Within(hook_eval.hit[c][r], region);
            if (within.empty() || (hulled && !PacketSet::FromCubes(within).Intersects(packets))) continue;
            for (const auto& text : rule.unmodelled) {
              const auto item = fmt::format("{} ({})", text, rule.where.ToString());
              if (std::find(texts.begin(), texts.end(), item) == texts.end()) texts.push_back(item);
            }
          }
        }
      }
      return texts;
    };
    return Verdict(flow, packets, view, given);
  }

  // As DecidingDrop, on the cubes; the set it returns is cut to the flow's region.
  std::pair<RuleRef, PacketSet> DecidingDropCubes(const Evaluated& e, Hook hook, const Point& point,
                                                  const std::vector<Cube>& region) {
    const auto& ruleset = *e.ruleset;
    const auto& cubes = *e.cubes;
    const auto& hook_eval = cubes.hooks.at(hook);
    for (std::size_t c = 0; c < ruleset.chains.size(); ++c) {
      const auto& chain = ruleset.chains[c];
      for (std::size_t r = 0; r < chain.rules.size(); ++r) {
        const auto action = chain.rules[r].action;
        if (action != Action::kDrop && action != Action::kReject) continue;
        const auto& hit = hook_eval.hit[c][r];
        if (cubes.Contains(hit, point))
          return {RefOf(ruleset, static_cast<int>(c), static_cast<int>(r)),
                  PacketSet::FromCubes(cubes.Within(hit, region))};
      }
      const auto& decided = hook_eval.policy_decided[c];
      if (chain.policy && *chain.policy != Action::kAccept && cubes.Contains(decided, point))
        return {PolicyRef(ruleset, static_cast<int>(c)), PacketSet::FromCubes(cubes.Within(decided, region))};
    }
    return {UnfilteredRef(ruleset, hook), PacketSet::All()};
  }

  void AddExcess(policy::Direction direction, const PacketSet& granted, const RuleRef& ref, const PacketSet& definite) {
    if (granted.Empty()) return;
    const auto sure = granted & definite;
    for (auto& box : sure.Boxes()) result_.excess.push_back({direction, std::move(box), ref, false});
    if (sure == granted) return;  // the common case: no verdict depends on what the audit cannot see
    for (auto& box : (granted - sure).Boxes()) result_.excess.push_back({direction, std::move(box), ref, true});
  }

  FlowVerdict Verdict(const RequiredFlow& flow, const PacketSet& packets, const VerdictView& view,
                      const PacketSet& given) {
    const auto& possible = view.possible;
    const auto& definite = view.definite;
    const auto& first = *flow.rules.front();
    FlowVerdict verdict;
    verdict.flow_id = flow.id;
    verdict.direction = flow.direction;
    verdict.family = first.family;
    verdict.protocol = std::string(catalog::ProtocolName(first.protocol));
    auto ports = core::PortSet();
    for (const auto* rule : flow.rules) ports = ports.Union(rule->Ports());
    verdict.ports = catalog::ProtocolHasPorts(first.protocol) ? ports.ToString() : "-";
    verdict.from = Members(policy_, flow.rules, true);
    verdict.to = Members(policy_, flow.rules, false);
    if (packets.Empty()) {
      verdict.status = FlowStatus::kNotAudited;
      return verdict;
    }
    auto blocked = packets - possible;
    const auto uncertain = (packets & possible) - definite;
    if (blocked.Empty() && uncertain.Empty()) {
      verdict.status = FlowStatus::kAllowed;
    } else if (!packets.Intersects(possible)) {
      verdict.status = FlowStatus::kBlocked;
    } else {
      verdict.status = blocked.Empty() ? FlowStatus::kUncertain : FlowStatus::kPartial;
    }
    // Explain: an example packet for each dropping rule, in turn, until the blocked part is covered.
    const bool explaining_uncertain = blocked.Empty();
    if (explaining_uncertain) blocked = uncertain;
    for (std::size_t index = 0; index < evaluated_.size(); ++index) {
      const auto& e = evaluated_[index];
      for (int n = 0; n < kMaxBlockedExamples && !blocked.Empty(); ++n) {
        const auto candidates = (blocked & given & e.families) - view.accepted[index];
        if (candidates.Empty()) break;
        const auto assignment = candidates.AnyAssignment();
        auto [ref, decided] = view.deciding_drop(index, assignment);
        verdict.blocked.push_back({PacketSet::PacketOf(assignment), ref, explaining_uncertain});
        blocked -= (decided & given & blocked).ExistsHidden();
      }
    }
    if (!uncertain.Empty()) verdict.depends_on = view.depends_on();
    return verdict;
  }

  // The rule (or policy) that dropped one concrete packet, and everything it drops.
  std::pair<RuleRef, PacketSet> DecidingDrop(const Ruleset& ruleset, const HookEvaluation& hook_eval,
                                             const PacketSet::Assignment& packet, Hook hook) {
    for (std::size_t c = 0; c < ruleset.chains.size(); ++c) {
      const auto& chain = ruleset.chains[c];
      for (std::size_t r = 0; r < chain.rules.size(); ++r) {
        const auto action = chain.rules[r].action;
        if (action != Action::kDrop && action != Action::kReject) continue;
        const auto& hit = hook_eval.hit[c][r];
        if (hit.Contains(packet)) return {RefOf(ruleset, static_cast<int>(c), static_cast<int>(r)), hit};
      }
      if (chain.policy && *chain.policy != Action::kAccept && hook_eval.policy_decided[c].Contains(packet))
        return {PolicyRef(ruleset, static_cast<int>(c)), hook_eval.policy_decided[c]};
    }
    return {UnfilteredRef(ruleset, hook), PacketSet::All()};
  }

  std::vector<std::string> DependsOn(const PacketSet& packets, Hook hook) {
    std::vector<std::string> texts;
    for (const auto& e : evaluated_) {
      const auto& hook_eval = e.evaluation.hooks.at(hook);
      for (std::size_t c = 0; c < e.ruleset->chains.size(); ++c) {
        const auto& chain = e.ruleset->chains[c];
        for (std::size_t r = 0; r < chain.rules.size(); ++r) {
          const auto& rule = chain.rules[r];
          if (rule.unmodelled.empty() || !hook_eval.hit[c][r].Intersects(packets)) continue;
          for (const auto& text : rule.unmodelled) {
            const auto item = fmt::format("{} ({})", text, rule.where.ToString());
            if (std::find(texts.begin(), texts.end(), item) == texts.end()) texts.push_back(item);
          }
        }
      }
    }
    return texts;
  }

  // The flags of RuleFacts from either engine's hooks; `has_hit(hook_eval, c, r)`.
  template <typename Hooks, typename HasHit>
  static RuleFacts Flags(const Ruleset& ruleset, const Hooks& hooks, HasHit has_hit) {
    RuleFacts facts;
    facts.entered.assign(ruleset.chains.size(), false);
    facts.reached.resize(ruleset.chains.size());
    facts.hit.resize(ruleset.chains.size());
    for (std::size_t c = 0; c < ruleset.chains.size(); ++c) {
      facts.reached[c].assign(ruleset.chains[c].rules.size(), false);
      facts.hit[c].assign(ruleset.chains[c].rules.size(), false);
      for (const auto& [hook, hook_eval] : hooks) {
        for (std::size_t r = 0; r < ruleset.chains[c].rules.size(); ++r) {
          if (hook_eval.reached[c][r]) facts.entered[c] = facts.reached[c][r] = true;
          if (has_hit(hook_eval, c, r)) facts.hit[c][r] = true;
        }
      }
    }
    return facts;
  }

  RuleFacts BddFacts(const Evaluated& e) const {
    auto facts = Flags(
        *e.ruleset, e.evaluation.hooks,
        [](const HookEvaluation& hook_eval, std::size_t c, std::size_t r) { return !hook_eval.hit[c][r].Empty(); });
    facts.hit_intersects = [&e](int c, int r, const PacketSet& match) {
      for (const auto& [hook, hook_eval] : e.evaluation.hooks)
        if (hook_eval.hit[c][r].Intersects(match)) return true;
      return false;
    };
    return facts;
  }

  RuleFacts CubeFacts(const Evaluated& e) const {
    const auto& cubes = *e.cubes;
    auto facts = Flags(*e.ruleset, cubes.hooks, [](const CubeHookEvaluation& hook_eval, std::size_t c, std::size_t r) {
      return !hook_eval.hit[c][r].empty();
    });
    facts.hit_intersects = [&cubes](int c, int r, const PacketSet& match) {
      const auto* match_cubes = match.Cubes();
      if (match_cubes == nullptr) throw CubesDoNotFit("a rule held as a BDD");
      for (const auto& [hook, hook_eval] : cubes.hooks)
        for (const auto id : hook_eval.hit[c][r])
          for (const auto& cube : *match_cubes)
            if (Overlaps(cubes[id], cube)) return true;
      return false;
    };
    return facts;
  }

  void FindShadowed(const Evaluated& e, const RuleFacts& facts) {
    const auto& ruleset = *e.ruleset;
    const auto universe = PacketSet::WellFormed() & e.families;
    for (std::size_t c = 0; c < ruleset.chains.size(); ++c) {
      const auto& chain = ruleset.chains[c];
      if (!facts.entered[c]) {
        if (!chain.rules.empty()) {
          result_.shadowed.push_back(
              {{chain.where, chain.name, fmt::format("chain {} ({} rules)", chain.name, chain.rules.size()), false, {}},
               "no packet ever enters this chain: no hook and no reachable rule leads to it"});
        }
        continue;
      }
      for (std::size_t r = 0; r < chain.rules.size(); ++r) {
        if (facts.hit[c][r]) continue;
        const bool reached = facts.reached[c][r];
        const auto& rule = chain.rules[r];
        const auto ref = RefOf(ruleset, static_cast<int>(c), static_cast<int>(r));
        if ((rule.match & universe).Empty()) {
          result_.shadowed.push_back({ref, rule.empty_because.empty()
                                               ? std::string("matches no packet at all")
                                               : "matches no packet at all: " + rule.empty_because});
          continue;
        }
        std::vector<std::string> covering;
        for (std::size_t earlier = 0; earlier < r; ++earlier) {
          if (chain.rules[earlier].action == Action::kContinue) continue;
          if (!facts.hit_intersects(static_cast<int>(c), static_cast<int>(earlier), rule.match)) continue;
          // line, or line:column where a format has several rules on one line (nft -j).
          const auto& at = chain.rules[earlier].where;
          auto position = at.column > 0 ? fmt::format("{}:{}", at.line, at.column) : std::to_string(at.line);
          if (std::find(covering.begin(), covering.end(), position) == covering.end())
            covering.push_back(std::move(position));
        }
        if (!reached || covering.empty()) {
          result_.shadowed.push_back(
              {ref, fmt::format("no packet that reaches chain {} at this point matches it", chain.name)});
        } else {
          result_.shadowed.push_back(
              {ref, covering.size() == 1
                        ? fmt::format("shadowed by the rule on line {}", covering.front())
                        : fmt::format("shadowed by the union of the rules on lines {}", fmt::join(covering, ", "))});
        }
      }
    }
  }

  const policy::Policy& policy_;
  AuditTuning tuning_;
  bool use_cubes_ = false;
  // Up to this many accepted cubes on a hook, flows too big to be cubes are judged against the
  // hook's sets as BDDs (built once); beyond, each within its hull.
  static constexpr std::size_t kWholeHookCubes = 20'000;
  std::map<Hook, VerdictView> whole_hooks_;
  std::map<const CubeSet*, PacketSet> whole_sets_;
  std::map<policy::Direction, PacketSet> domains_;
  std::vector<Evaluated> evaluated_;
  PacketSet covered_;
  AuditResult result_;
};

}  // namespace

std::string_view FlowStatusName(FlowStatus status) {
  switch (status) {
    case FlowStatus::kAllowed: return "ALLOWED";
    case FlowStatus::kBlocked: return "BLOCKED";
    case FlowStatus::kPartial: return "PARTIAL";
    case FlowStatus::kUncertain: return "UNCERTAIN";
    case FlowStatus::kNotAudited: return "NOT-AUDITED";
  }
  return "?";
}

std::string RuleRef::ToString() const {
  if (where.line <= 0) return text;
  return fmt::format("{}: {}", where.ToString(), text);
}

bool AuditResult::AnyBlocked() const {
  return std::any_of(flows.begin(), flows.end(), [](const FlowVerdict& flow) {
    return flow.status == FlowStatus::kBlocked || flow.status == FlowStatus::kPartial ||
           flow.status == FlowStatus::kUncertain;
  });
}

namespace {

// The cube engine's budget for these rulesets (AuditTuning::cube_budget).
std::uint64_t CubeBudgetFor(const std::vector<Ruleset>& rulesets, const AuditTuning& tuning) {
  if (tuning.cube_budget != 0) return tuning.cube_budget;
  std::uint64_t rules = 0;
  for (const auto& ruleset : rulesets)
    for (const auto& chain : ruleset.chains) rules += chain.rules.size();
  return AuditTuning::kCubeBudgetBase + AuditTuning::kCubeBudgetPerRule * rules;
}

}  // namespace

bool AuditResult::AllAllowed() const {
  return std::all_of(flows.begin(), flows.end(),
                     [](const FlowVerdict& flow) { return flow.status == FlowStatus::kAllowed; });
}

AuditResult RunAudit(const std::vector<Ruleset>& rulesets, const policy::Policy& policy, const AuditTuning& tuning) {
  std::string gave_up;
  if (tuning.engine != AuditTuning::Engine::kBdd) {
    try {
      const CubeBudget budget(CubeBudgetFor(rulesets, tuning));
      auto result = Auditor(rulesets, policy, tuning, true).Run();
      result.engine = "cubes";
      return result;
    } catch (const CubesDoNotFit& error) {
      if (tuning.engine == AuditTuning::Engine::kCubes) throw;
      gave_up = error.what();
    }
  }
  auto result = Auditor(rulesets, policy, tuning, false).Run();
  result.engine = gave_up.empty() ? "bdd" : fmt::format("bdd (the cube engine gave up: {})", gave_up);
  return result;
}

}  // namespace portolan::audit
