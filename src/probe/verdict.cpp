#include "probe/verdict.hpp"

namespace portolan::probe {

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kVerified: return "VERIFIED";
    case Verdict::kListening: return "LISTENING";
    case Verdict::kWrongService: return "WRONG_SERVICE";
    case Verdict::kNotListening: return "NOT_LISTENING";
    case Verdict::kFiltered: return "FILTERED";
    case Verdict::kListeningOrFiltered: return "LISTENING_OR_FILTERED";
  }
  return "?";
}

bool VerdictPasses(Verdict verdict) {
  return verdict == Verdict::kVerified || verdict == Verdict::kListening;
}

}  // namespace portolan::probe
