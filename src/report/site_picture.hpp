#pragma once
// The site as a picture for the HTML report: inline SVG, laid out here from the inventory (no
// hand placement). Sites form the hierarchy, top down; each site box lists its hosts with their
// roles and its client networks; a link between two sites in different zones carries a firewall
// mark with the number of planned flows between the two zones.
#include <map>
#include <string>
#include <utility>

#include "inventory/inventory.hpp"

namespace portolan::report {

// (zone, zone), the smaller name first -> flows between them, either way.
using ZoneLinks = std::map<std::pair<std::string, std::string>, int>;

// Sites beyond this are drawn as small boxes with their code and counts only.
inline constexpr std::size_t kDetailedPictureSites = 40;

// The <svg> element (role img, a <title> and <desc>); its colours are CSS classes of the report.
std::string SitePicture(const inventory::Inventory& inventory, const ZoneLinks& links);

}  // namespace portolan::report
