#pragma once
// An inventory's zones as numbers: the report and its rule samples look at the zones of
// thousands of endpoints per flow, and comparing numbers instead of names is what keeps a
// 500-site report under its time budget (docs/benchmarks.md).
#include <algorithm>
#include <string>
#include <vector>

#include "inventory/inventory.hpp"

namespace portolan::report {

class ZoneNumbers {
 public:
  explicit ZoneNumbers(const inventory::Inventory& inventory) : names_(inventory.Zones()) {
    zone_of_.reserve(inventory.endpoints.size());
    for (int e = 0; e < static_cast<int>(inventory.endpoints.size()); ++e) {
      zone_of_.push_back(Number(inventory.ZoneOf(e)));
    }
  }

  const std::vector<std::string>& Names() const { return names_; }  // sorted
  std::size_t Count() const { return names_.size(); }
  const std::string& Name(int zone) const { return names_[zone]; }
  int Of(int endpoint) const { return zone_of_[endpoint]; }  // the endpoint's zone
  int Number(const std::string& zone) const {
    return static_cast<int>(std::lower_bound(names_.begin(), names_.end(), zone) - names_.begin());
  }

  // The zones of these endpoints, each once, sorted.
  std::vector<int> Distinct(const std::vector<int>& endpoints) const {
    std::vector<int> zones;
    zones.reserve(endpoints.size());
    for (const int e : endpoints) zones.push_back(zone_of_[e]);
    std::sort(zones.begin(), zones.end());
    zones.erase(std::unique(zones.begin(), zones.end()), zones.end());
    return zones;
  }

 private:
  std::vector<std::string> names_;
  std::vector<int> zone_of_;
};

}  // namespace portolan::report
