#include "audit/audit.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "audit/bdd_engine.hpp"
#include "audit/cube_engine.hpp"
#include "audit/engine.hpp"
#include "audit/required_flows.hpp"

namespace portolan::audit {

namespace {

// A required flow shows how to find why it is blocked; a few examples are enough to act on.
constexpr int kMaxBlockedExamples = 3;

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

std::string UnusedText(policy::Direction direction, bool requests) {
  if (requests) return "allows requests that no required request needs";
  return fmt::format("accepts {} traffic that no required flow needs",
                     policy::Direction::kForward == direction   ? "forwarded"
                     : direction == policy::Direction::kInbound ? "inbound"
                                                                : "outbound");
}

std::string ModeText(const policy::Policy& policy) {
  const auto& options = policy.options;
  if (options.mode == policy::Mode::kProxy)
    return fmt::format("proxy {} (the HTTP requests it carries)",
                       options.proxy ? policy.inventory->endpoints[*options.proxy].name : std::string("?"));
  if (options.mode == policy::Mode::kHost)
    return fmt::format("host {} ({})", policy.HostName(), options.egress ? "inbound and outbound" : "inbound");
  if (options.edge) return fmt::format("network, edge of zone {}", *options.edge);
  if (!options.zones.empty()) return fmt::format("network, between zones {}", fmt::join(options.zones, ", "));
  return "network, between all zones";
}

// The directions a firewall of this mode filters.
std::vector<policy::Direction> AuditedDirections(const policy::Policy& policy) {
  if (policy.options.mode != policy::Mode::kHost) return {policy::Direction::kForward};
  std::vector<policy::Direction> directions{policy::Direction::kInbound};
  if (policy.options.egress) directions.push_back(policy::Direction::kOutbound);
  return directions;
}

bool Drops(Action action) {
  return action == Action::kDrop || action == Action::kReject;
}

bool Accepts(const Chain& chain) {
  return !chain.policy || *chain.policy == Action::kAccept;
}

PacketSet NewPackets(const PacketSet& packets) {
  return packets & PacketSet::WellFormed() & PacketSet::State(CtState::kNew);
}

// The audit, once, over an engine (audit/engine.hpp).
template <AuditEngine Engine>
class Auditor {
 public:
  Auditor(const std::vector<Ruleset>& rulesets, const policy::Policy& policy, const AuditTuning& tuning)
      : policy_(policy), tuning_(tuning) {
    std::set<core::Family> seen;
    for (const auto& ruleset : rulesets) {
      RequireMatchingMode(ruleset);
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
      rulesets_.push_back({&ruleset, families});
      engine_.Add(rulesets_.back());
      covered_ |= families;
    }
  }

  AuditResult Run() {
    result_.mode = ModeText(policy_);
    result_.requests = policy_.options.mode == policy::Mode::kProxy;
    DescribeRulesets();
    const auto domain_of = [this](policy::Direction direction) { return DomainOf(direction); };
    const auto flows = RequiredFlows(policy_, AnyStateless(), domain_of, tuning_.exact_flow_rules);
    for (const auto direction : AuditedDirections(policy_)) AuditDirection(direction, flows);
    for (std::size_t i = 0; i < rulesets_.size(); ++i) FindShadowed(i);
    return std::move(result_);
  }

 private:
  // A proxy's policy (squid.conf) decides requests, which only a proxy's policy requires.
  void RequireMatchingMode(const Ruleset& ruleset) const {
    const bool proxy_ruleset = ruleset.format == "squid";
    const bool proxy_policy = policy_.options.mode == policy::Mode::kProxy;
    if (proxy_ruleset == proxy_policy) return;
    core::Diagnostics diagnostics;
    diagnostics.Error({ruleset.file, 0, 0},
                      proxy_ruleset
                          ? "an HTTP proxy's policy is audited against the requests of that proxy (proxy mode)"
                          : "only an HTTP proxy's policy (squid.conf) is audited in proxy mode");
    throw core::InputError(diagnostics);
  }

  // The rulesets as the report names them, what their readers left out, and the families none covers.
  void DescribeRulesets() {
    for (const auto& audited : rulesets_) {
      const auto& ruleset = *audited.ruleset;
      std::vector<std::string> families;
      for (const auto family : ruleset.families) families.emplace_back(core::FamilyName(family));
      if (families.size() == 1 && !ruleset.family_reason.empty()) families[0] += ": " + ruleset.family_reason;
      result_.rulesets.push_back(fmt::format("{} ({}, {})", ruleset.file, ruleset.format, fmt::join(families, ", ")));
      for (const auto& note : ruleset.notes) result_.notes.push_back(note);
    }
    for (const auto family : {core::Family::kIPv4, core::Family::kIPv6}) {
      if (!covered_.Intersects(PacketSet::Family(family)) && policy_.HasFamily(family))
        result_.notes.push_back(
            fmt::format("{}: no ruleset given; its flows are not audited", core::FamilyName(family)));
    }
  }

  bool AnyStateless() const {
    return std::any_of(rulesets_.begin(), rulesets_.end(),
                       [](const AuditedRuleset& audited) { return audited.ruleset->stateless; });
  }

  // The families of the stateless rulesets: their filters see replies as new packets.
  PacketSet StatelessFamilies() const {
    auto stateless = PacketSet::None();
    for (const auto& audited : rulesets_)
      if (audited.ruleset->stateless) stateless |= audited.families;
    return stateless;
  }

  // The packets the firewall sees in a direction, built once (a big site's zones make it costly).
  const PacketSet& DomainOf(policy::Direction direction) {
    auto it = domains_.find(direction);
    if (it == domains_.end()) it = domains_.emplace(direction, Domain(policy_, direction)).first;
    return it->second;
  }

  DirectionSets SetsOf(policy::Direction direction) {
    DirectionSets sets;
    sets.hook = HookOf(direction);
    sets.given = NotLoopback();
    sets.domain = DomainOf(direction) & (PacketSet::WellFormed() & PacketSet::State(CtState::kNew) & covered_);
    sets.infrastructure = Infrastructure();
    return sets;
  }

  void AuditDirection(policy::Direction direction, const std::vector<RequiredFlow>& flows) {
    const auto sets = SetsOf(direction);
    auto judge = engine_.Begin(sets);
    const auto stateless = StatelessFamilies();
    for (const auto& flow : flows) {
      if (flow.direction != direction) continue;
      const auto packets = NewPackets(flow.packets);
      const auto audited = packets & covered_;
      result_.flows.push_back(Verdict(flow, audited, judge.Flow(flow, audited), sets));
      judge.Require(packets, flow.hull);
      // A stateless filter sees replies as new packets: they are return traffic, not excess.
      if (!stateless.Empty()) judge.Require(NewPackets(flow.replies & stateless), flow.reply_hull);
    }
    const auto excess = judge.Excess();
    for (std::size_t i = 0; i < rulesets_.size(); ++i) FindExcess(direction, sets.hook, i, excess.Of(i));
  }

  // ---- verdicts ----

  template <AuditFlowView View>
  FlowVerdict Verdict(const RequiredFlow& flow, const PacketSet& packets, const View& view, const DirectionSets& sets) {
    auto verdict = DescribeFlow(flow);
    if (packets.Empty()) {
      verdict.status = FlowStatus::kNotAudited;
      return verdict;
    }
    const auto& judged = view.Sets();
    auto blocked = packets - judged.possible;
    const auto uncertain = (packets & judged.possible) - judged.definite;
    if (blocked.Empty() && uncertain.Empty()) {
      verdict.status = FlowStatus::kAllowed;
    } else if (!packets.Intersects(judged.possible)) {
      verdict.status = FlowStatus::kBlocked;
    } else {
      verdict.status = blocked.Empty() ? FlowStatus::kUncertain : FlowStatus::kPartial;
    }
    const bool explaining_uncertain = blocked.Empty();
    ExplainBlocked(explaining_uncertain ? uncertain : blocked, explaining_uncertain, view, sets, verdict);
    if (!uncertain.Empty()) verdict.depends_on = DependsOn(view);
    return verdict;
  }

  // What a verdict says of its flow, whatever the rulesets.
  FlowVerdict DescribeFlow(const RequiredFlow& flow) const {
    const auto& first = *flow.rules.front();
    FlowVerdict verdict;
    verdict.flow_id = flow.id;
    verdict.direction = flow.direction;
    verdict.family = first.family;
    verdict.protocol = std::string(catalog::ProtocolName(first.protocol));
    auto ports = core::PortSet();
    for (const auto* rule : flow.rules) ports = ports.Union(rule->Ports());
    verdict.ports = catalog::ProtocolHasPorts(first.protocol) ? ports.ToString() : "-";
    for (const auto* rule : flow.rules)
      for (const auto& method : rule->methods)
        if (std::find(verdict.methods.begin(), verdict.methods.end(), method) == verdict.methods.end())
          verdict.methods.push_back(method);
    verdict.from = Members(policy_, flow.rules, true);
    verdict.to = Members(policy_, flow.rules, false);
    return verdict;
  }

  // An example packet for each dropping rule, in turn, until the blocked part is covered.
  template <AuditFlowView View>
  void ExplainBlocked(PacketSet blocked, bool uncertain, const View& view, const DirectionSets& sets,
                      FlowVerdict& verdict) const {
    for (std::size_t index = 0; index < rulesets_.size(); ++index) {
      for (int n = 0; n < kMaxBlockedExamples && !blocked.Empty(); ++n) {
        const auto candidates = (blocked & sets.given & rulesets_[index].families) - view.Sets().accepted[index];
        if (candidates.Empty()) break;
        const auto assignment = candidates.AnyAssignment();
        auto [ref, decided] = DecidingDrop(index, sets.hook, view, assignment);
        verdict.blocked.push_back({PacketSet::PacketOf(assignment), ref, uncertain});
        blocked -= (decided & sets.given & blocked).ExistsHidden();
      }
    }
  }

  // The rule (or policy) that dropped one concrete packet, and what it drops (of the flow at least).
  template <AuditFlowView View>
  std::pair<RuleRef, PacketSet> DecidingDrop(std::size_t index, Hook hook, const View& view,
                                             const PacketSet::Assignment& packet) const {
    const auto& ruleset = *rulesets_[index].ruleset;
    const auto& probe = view.Probe(packet);
    for (std::size_t c = 0; c < ruleset.chains.size(); ++c) {
      const auto& chain = ruleset.chains[c];
      const int chain_index = static_cast<int>(c);
      for (std::size_t r = 0; r < chain.rules.size(); ++r) {
        if (!Drops(chain.rules[r].action)) continue;
        const RuleSite site{chain_index, static_cast<int>(r)};
        if (view.Holds(index, site, probe)) return {RefOf(ruleset, chain_index, site.rule), view.Decided(index, site)};
      }
      const RuleSite policy{chain_index, RuleSite::kPolicy};
      if (!Accepts(chain) && view.Holds(index, policy, probe))
        return {PolicyRef(ruleset, chain_index), view.Decided(index, policy)};
    }
    return {UnfilteredRef(ruleset, hook), PacketSet::All()};
  }

  // The unmodelled matches of the rules that meet the flow.
  template <AuditFlowView View>
  std::vector<std::string> DependsOn(const View& view) const {
    std::vector<std::string> texts;
    for (std::size_t index = 0; index < rulesets_.size(); ++index) {
      const auto& ruleset = *rulesets_[index].ruleset;
      for (std::size_t c = 0; c < ruleset.chains.size(); ++c) {
        const auto& chain = ruleset.chains[c];
        for (std::size_t r = 0; r < chain.rules.size(); ++r) {
          const auto& rule = chain.rules[r];
          if (rule.unmodelled.empty() || !view.Meets(index, static_cast<int>(c), static_cast<int>(r))) continue;
          for (const auto& text : rule.unmodelled) {
            const auto item = fmt::format("{} ({})", text, rule.where.ToString());
            if (std::find(texts.begin(), texts.end(), item) == texts.end()) texts.push_back(item);
          }
        }
      }
    }
    return texts;
  }

  // ---- excess and unused ----

  template <AuditRulesetExcess Walk>
  void FindExcess(policy::Direction direction, Hook hook, std::size_t index, Walk walk) {
    const auto& ruleset = *rulesets_[index].ruleset;
    if (!walk.Attached()) {
      AddExcess(direction, UnfilteredRef(ruleset, hook), walk, walk.Unfiltered());
      return;
    }
    for (std::size_t c = 0; c < ruleset.chains.size(); ++c) {
      const auto& chain = ruleset.chains[c];
      const int chain_index = static_cast<int>(c);
      for (std::size_t r = 0; r < chain.rules.size(); ++r) {
        if (chain.rules[r].action != Action::kAccept || !walk.HasHit(chain_index, static_cast<int>(r))) continue;
        JudgeAcceptRule(direction, ruleset, chain_index, static_cast<int>(r), walk);
      }
      // A ruleset grants packets of its own families only: others pass it by, and their own
      // ruleset decides them.
      if (Accepts(chain)) AddExcess(direction, PolicyRef(ruleset, chain_index), walk, walk.ByPolicy(chain_index));
    }
  }

  // What an accept rule grants beyond the required flows, and whether it is unused: it accepts
  // judged packets, none of them required. The excess is judged, so a rule that grants excess
  // serves something; and with no required packet in its hit at all (the required set is small:
  // a cheap test), nothing it serves is required.
  template <AuditRulesetExcess Walk>
  void JudgeAcceptRule(policy::Direction direction, const Ruleset& ruleset, int chain, int rule, Walk& walk) {
    const auto& hit = walk.Hit(chain, rule);
    auto granted = walk.ByRule(hit);
    const bool grants = !granted.Empty();
    if (grants) AddExcess(direction, RefOf(ruleset, chain, rule), walk, std::move(granted));
    const bool unused = walk.MeetsRequired(hit) ? walk.JudgesOnlyUnrequired(hit) : grants || walk.Judges(hit);
    if (unused) result_.unused.push_back({RefOf(ruleset, chain, rule), UnusedText(direction, result_.requests)});
  }

  template <AuditRulesetExcess Walk, typename Granted>
  void AddExcess(policy::Direction direction, const RuleRef& ref, const Walk& walk, Granted granted) {
    if (granted.Empty()) return;
    auto boxes = walk.Boxes(std::move(granted));
    for (auto& box : boxes.sure) result_.excess.push_back({direction, std::move(box), ref, false});
    for (auto& box : boxes.uncertain) result_.excess.push_back({direction, std::move(box), ref, true});
  }

  // ---- shadowed ----

  void FindShadowed(std::size_t index) {
    const auto& ruleset = *rulesets_[index].ruleset;
    const auto facts = engine_.Facts(index);
    const auto universe = PacketSet::WellFormed() & rulesets_[index].families;
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
        const auto& rule = chain.rules[r];
        const auto ref = RefOf(ruleset, static_cast<int>(c), static_cast<int>(r));
        if ((rule.match & universe).Empty()) {
          result_.shadowed.push_back({ref, rule.empty_because.empty()
                                               ? std::string("matches no packet at all")
                                               : "matches no packet at all: " + rule.empty_because});
          continue;
        }
        const auto covering = Covering(index, static_cast<int>(c), static_cast<int>(r));
        result_.shadowed.push_back({ref, ShadowText(chain, covering, facts.reached[c][r])});
      }
    }
  }

  // The positions of the earlier rules whose hits meet a rule's match: line, or line:column where
  // a format has several rules on one line (nft -j).
  std::vector<std::string> Covering(std::size_t index, int chain_index, int rule) const {
    const auto& chain = rulesets_[index].ruleset->chains[chain_index];
    std::vector<std::string> covering;
    for (int earlier = 0; earlier < rule; ++earlier) {
      if (chain.rules[earlier].action == Action::kContinue) continue;
      if (!engine_.HitMeets(index, chain_index, earlier, chain.rules[rule].match)) continue;
      const auto& at = chain.rules[earlier].where;
      auto position = at.column > 0 ? fmt::format("{}:{}", at.line, at.column) : std::to_string(at.line);
      if (std::find(covering.begin(), covering.end(), position) == covering.end())
        covering.push_back(std::move(position));
    }
    return covering;
  }

  static std::string ShadowText(const Chain& chain, const std::vector<std::string>& covering, bool reached) {
    if (!reached || covering.empty())
      return fmt::format("no packet that reaches chain {} at this point matches it", chain.name);
    if (covering.size() == 1) return fmt::format("shadowed by the rule on line {}", covering.front());
    return fmt::format("shadowed by the union of the rules on lines {}", fmt::join(covering, ", "));
  }

  const policy::Policy& policy_;
  AuditTuning tuning_;
  Engine engine_;
  std::vector<AuditedRuleset> rulesets_;
  std::map<policy::Direction, PacketSet> domains_;
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
  std::optional<DoesNotFit> gave_up;
  if (tuning.engine != AuditTuning::Engine::kBdd) {
    DoesNotFit why;
    auto result = WithinCubeBudget(
        CubeBudgetFor(rulesets, tuning), [&] { return Auditor<CubeEngine>(rulesets, policy, tuning).Run(); }, why);
    if (result) {
      result->engine = "cubes";
      return std::move(*result);
    }
    // The caller asked for the cube engine alone: that it cannot answer ends the command.
    if (tuning.engine == AuditTuning::Engine::kCubes) throw CubesDoNotFit(why.reason);
    gave_up = std::move(why);
  }
  auto result = Auditor<BddEngine>(rulesets, policy, tuning).Run();
  result.engine = gave_up ? fmt::format("bdd (the cube engine gave up: {})", gave_up->reason) : "bdd";
  return result;
}

}  // namespace portolan::audit
