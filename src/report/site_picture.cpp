#include "report/site_picture.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "core/format.hpp"

namespace portolan::report {

namespace {

constexpr int kLine = 16;           // text line height
constexpr int kPad = 8;             // inside a box
constexpr int kGapX = 24;           // between boxes side by side
constexpr int kGapY = 64;           // between levels of the hierarchy
constexpr int kWideBox = 250;       // detailed boxes
constexpr int kSmallBox = 84;       // compact boxes
constexpr std::size_t kListed = 8;  // hosts and networks listed in a box at most
constexpr std::size_t kTextChars = 34;

std::string Cut(const std::string& text, std::size_t chars) {
  if (text.size() <= chars) return text;
  return text.substr(0, chars - 1) + "\u2026";
}

struct Box {
  int x = 0;  // left
  int y = 0;  // top
  int width = 0;
  int height = 0;
  std::vector<std::pair<std::string, std::string>> lines;  // text, CSS class
};

class Layout {
 public:
  Layout(const inventory::Inventory& inventory, bool detailed) : inventory_(inventory), detailed_(detailed) {
    boxes_.resize(inventory.sites.size());
    for (std::size_t s = 0; s < inventory.sites.size(); ++s) Fill(static_cast<int>(s));
  }

  // Leaves take slots left to right; a parent is centred over its children. Levels are as tall
  // as their tallest box.
  void Place() {
    std::vector<int> depth(inventory_.sites.size(), 0);
    std::vector<int> order;
    for (std::size_t s = 0; s < inventory_.sites.size(); ++s) {
      if (inventory_.sites[s].parent < 0) Walk(static_cast<int>(s), 0, depth, order);
    }
    int levels = 0;
    for (const int d : depth) levels = std::max(levels, d + 1);
    std::vector<int> level_height(static_cast<std::size_t>(levels), 0);
    for (std::size_t s = 0; s < boxes_.size(); ++s)
      level_height[depth[s]] = std::max(level_height[depth[s]], boxes_[s].height);
    std::vector<int> level_top(static_cast<std::size_t>(levels), kPad);
    for (int d = 1; d < levels; ++d) level_top[d] = level_top[d - 1] + level_height[d - 1] + kGapY;
    for (std::size_t s = 0; s < boxes_.size(); ++s) boxes_[s].y = level_top[depth[s]];
    height_ = levels > 0 ? level_top[levels - 1] + level_height[levels - 1] + kPad : 2 * kPad;
    next_x_ = kPad;
    for (std::size_t s = 0; s < inventory_.sites.size(); ++s) {
      if (inventory_.sites[s].parent < 0) PlaceX(static_cast<int>(s));
    }
    width_ = next_x_ - kGapX + kPad;
  }

  const Box& box(int site) const { return boxes_[site]; }
  int width() const { return std::max(width_, 2 * kPad); }
  int height() const { return height_; }

 private:
  void Walk(int site, int d, std::vector<int>& depth, std::vector<int>& order) {
    depth[site] = d;
    order.push_back(site);
    for (const int child : inventory_.sites[site].children) Walk(child, d + 1, depth, order);
  }

  int PlaceX(int site) {
    auto& box = boxes_[site];
    const auto& children = inventory_.sites[site].children;
    if (children.empty()) {
      box.x = next_x_;
      next_x_ += box.width + kGapX;
      return box.x + box.width / 2;
    }
    const int first = PlaceX(children.front());
    int last = first;
    for (std::size_t c = 1; c < children.size(); ++c) last = PlaceX(children[c]);
    const int centre = (first + last) / 2;
    box.x = centre - box.width / 2;
    // A parent wider than its children's span must not overlap the next subtree.
    if (box.x + box.width + kGapX > next_x_) next_x_ = box.x + box.width + kGapX;
    if (box.x < kPad) box.x = kPad;
    return box.x + box.width / 2;
  }

  void Fill(int s) {
    const auto& site = inventory_.sites[s];
    auto& box = boxes_[s];
    const bool secondary = site.type == inventory::SiteType::kSecondary;
    int hosts = 0;
    int networks = 0;
    for (const int e : site.endpoints) {
      (inventory_.endpoints[e].kind == inventory::EndpointKind::kHost ? hosts : networks) += 1;
    }
    if (!detailed_) {
      box.width = kSmallBox;
      box.lines.emplace_back(site.code, "site-code");
      box.lines.emplace_back(fmt::format("{}h {}n", hosts, networks), "site-meta");
      box.height = 2 * kPad + kLine * static_cast<int>(box.lines.size());
      return;
    }
    box.width = kWideBox;
    box.lines.emplace_back(Cut(fmt::format("{} {}", site.code, site.name), kTextChars), "site-code");
    box.lines.emplace_back(
        Cut(fmt::format("{} site, zone {}", secondary ? "secondary" : "primary", site.zone), kTextChars), "site-meta");
    std::size_t listed = 0;
    for (const int e : site.endpoints) {
      const auto& endpoint = inventory_.endpoints[e];
      if (listed == kListed) break;
      ++listed;
      std::string text;
      if (endpoint.kind == inventory::EndpointKind::kHost) {
        text = fmt::format("{}: {}", endpoint.name, fmt::join(endpoint.roles, ", "));
      } else {
        text = fmt::format("{} {}", endpoint.name, endpoint.addresses.empty() ? "" : endpoint.addresses[0].ToString());
      }
      if (endpoint.zone) text += fmt::format(" [zone {}]", *endpoint.zone);
      box.lines.emplace_back(Cut(text, kTextChars),
                             endpoint.kind == inventory::EndpointKind::kHost ? "site-host" : "site-net");
    }
    if (site.endpoints.size() > listed)
      box.lines.emplace_back(fmt::format("+{} more", site.endpoints.size() - listed), "site-meta");
    box.height = 2 * kPad + kLine * static_cast<int>(box.lines.size());
  }

  const inventory::Inventory& inventory_;
  bool detailed_;
  std::vector<Box> boxes_;
  int next_x_ = kPad;
  int width_ = 0;
  int height_ = 0;
};

std::string Text(int x, int y, const std::string& text, const std::string& css) {
  return fmt::format("<text x=\"{}\" y=\"{}\" class=\"{}\">{}</text>", x, y, css, core::XmlEscaped(text));
}

int Links(const ZoneLinks& links, const std::string& a, const std::string& b) {
  const auto it = links.find(a < b ? std::make_pair(a, b) : std::make_pair(b, a));
  return it == links.end() ? 0 : it->second;
}

}  // namespace

std::string SitePicture(const inventory::Inventory& inventory, const ZoneLinks& links) {
  const bool detailed = inventory.sites.size() <= kDetailedPictureSites;
  Layout layout(inventory, detailed);
  layout.Place();
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"picture-title picture-desc\" "
      "width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">\n",
      layout.width(), layout.height(), layout.width(), layout.height());
  svg +=
      fmt::format("<title id=\"picture-title\">The site hierarchy of {}</title>\n", core::XmlEscaped(inventory.file));
  svg += fmt::format(
      "<desc id=\"picture-desc\">{} sites, top down from the central site; each box lists the site's hosts with their "
      "roles and its client networks; a firewall mark on a link between two zones counts the planned flows between "
      "them.</desc>\n",
      inventory.sites.size());
  // Links first, so that boxes cover their ends.
  for (std::size_t s = 0; s < inventory.sites.size(); ++s) {
    const auto& site = inventory.sites[s];
    if (site.parent < 0) continue;
    const auto& child = layout.box(static_cast<int>(s));
    const auto& parent = layout.box(site.parent);
    const int x1 = parent.x + parent.width / 2;
    const int y1 = parent.y + parent.height;
    const int x2 = child.x + child.width / 2;
    const int y2 = child.y;
    const int middle = (y1 + y2) / 2;
    svg += fmt::format("<path class=\"site-link{}\" d=\"M{} {} V{} H{} V{}\"/>\n",
                       site.sender == inventory::Sender::kStandard ? "" : " site-link-slow", x1, y1, middle, x2, y2);
    if (site.sender != inventory::Sender::kStandard && detailed) {
      svg += Text(x2 + 6, y2 - 6, fmt::format("{} sender", inventory::SenderName(site.sender)), "link-label");
    }
    const auto& parent_zone = inventory.sites[site.parent].zone;
    if (parent_zone != site.zone) {
      const int flows = Links(links, parent_zone, site.zone);
      const int cx = x2;
      const int cy = middle;
      svg += fmt::format(
          "<g class=\"fw\"><title>Firewall between zones {} and {}: {} planned flows</title>"
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"18\" rx=\"3\"/>",
          core::XmlEscaped(parent_zone), core::XmlEscaped(site.zone), flows, cx - (detailed ? 48 : 20), cy - 9,
          detailed ? 96 : 40);
      svg += Text(cx, cy + 4, detailed ? fmt::format("FW {} flows", flows) : std::to_string(flows), "fw-label");
      svg += "</g>\n";
    }
  }
  for (std::size_t s = 0; s < inventory.sites.size(); ++s) {
    const auto& box = layout.box(static_cast<int>(s));
    svg +=
        fmt::format("<g class=\"site\" data-site=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\"/>",
                    core::XmlEscaped(inventory.sites[s].code), box.x, box.y, box.width, box.height);
    int y = box.y + kPad + kLine - 4;
    for (const auto& [text, css] : box.lines) {
      svg += Text(box.x + kPad, y, text, css);
      y += kLine;
    }
    svg += "</g>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace portolan::report
