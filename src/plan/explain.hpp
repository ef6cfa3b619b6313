#pragma once
// Answers "why is this open?" and "why is this not open?" for one pair of endpoints, by
// judging each catalog entry against the pair directly (independently of the planner's
// set-wise construction, which the tests compare it with).

#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "inventory/inventory.hpp"
#include "plan/flow.hpp"

namespace portolan::plan {

struct PairJudgement {
  bool applies = false;
  int via_proxy = -1;                  // does not apply directly because the initiator sends it through this http-proxy
  std::string why_not;                 // when it does not apply: the first test that failed, in words
  core::PortSet ports;                 // when it applies
  std::vector<int> advisories;         // when it applies: indices of the entry's advisories that hold, sorted
  std::vector<core::Family> families;  // address families both ends have
};

// Does catalog entry `entry` require a flow from endpoint `initiator` to endpoint `responder`?
// A request that goes through the initiator's HTTP proxy does not (via_proxy says so); the
// proxy legs' entries apply to client -> proxy and proxy -> server instead.
PairJudgement JudgePair(const catalog::Catalog& catalog, const inventory::Inventory& inventory, int entry,
                        int initiator, int responder);

struct PortQuery {
  catalog::Protocol protocol = catalog::Protocol::kTcp;
  int port = 0;  // 0 for portless protocols
};
std::optional<PortQuery> ParsePortQuery(std::string_view text, std::string* error);  // "445/tcp", "gre"

// An endpoint named by host or client-network name, or by an address inside it.
struct EndpointMatch {
  int endpoint = -1;
  std::optional<core::Network> address;  // the address given, if one was
};
std::optional<EndpointMatch> FindEndpoint(const inventory::Inventory& inventory, std::string_view text,
                                          std::string* error);

struct Explanation {
  int from = -1;
  int to = -1;
  std::optional<PortQuery> port;
  std::vector<const Flow*> flows;            // flows from->to (only those with the port, when given)
  std::vector<const ProxyRequest*> proxied;  // requests from->to through an HTTP proxy (with the port)
  struct NotApplied {
    int entry;
    std::string why_not;
  };
  std::vector<NotApplied> not_applied;  // entries with the queried port that do not apply, and why
};

Explanation Explain(const catalog::Catalog& catalog, const inventory::Inventory& inventory, const Plan& plan, int from,
                    int to, const std::optional<PortQuery>& port);

}  // namespace portolan::plan
