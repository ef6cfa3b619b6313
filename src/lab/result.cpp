#include "lab/result.hpp"

#include <algorithm>
#include <set>

namespace portolan::lab {

bool VerifyReport::Passed() const {
  return std::all_of(results.begin(), results.end(), [](const CheckResult& result) { return result.pass; });
}

std::vector<std::string> VerifyReport::FailedFlows() const {
  std::set<std::string> flows;
  for (const auto& result : results) {
    if (!result.pass) flows.insert(result.check.flows.begin(), result.check.flows.end());
  }
  return {flows.begin(), flows.end()};
}

std::pair<int, int> VerifyReport::ResponderEvidence() const {
  int answered = 0;
  int logged = 0;
  for (const auto& result : results) {
    if (!result.logged_by_responder) continue;
    ++answered;
    if (*result.logged_by_responder) ++logged;
  }
  return {answered, logged};
}

}  // namespace portolan::lab
