#include "audit/engine.hpp"

#include <utility>

namespace portolan::audit {

VerdictSets MakeVerdictSets(std::vector<PacketSet> accepted, const std::vector<AuditedRuleset>& rulesets,
                            const PacketSet& given) {
  auto any = PacketSet::None();
  for (std::size_t i = 0; i < rulesets.size(); ++i) any |= accepted[i] & rulesets[i].families;
  VerdictSets sets;
  sets.accepted = std::move(accepted);
  sets.possible = (any & given).ExistsHidden();
  sets.definite = any.ForAllHidden(given);
  return sets;
}

}  // namespace portolan::audit
