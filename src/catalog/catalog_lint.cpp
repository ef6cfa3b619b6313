#include "catalog/catalog_lint.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "catalog/catalog_loader.hpp"

namespace portolan::catalog {

namespace {

constexpr std::size_t kMaxAdvisoriesPerEntry = 64;  // the planner keeps them in a 64-bit mask

bool ScopesMayOverlap(Scope a, Scope b) {
  if (a == b || a == Scope::kDomain || b == Scope::kDomain) return true;
  // Responders in the initiator's own site, its parent, or its children: three disjoint relations.
  const auto exclusive = [](Scope s) { return s == Scope::kSameSite || s == Scope::kParent || s == Scope::kChild; };
  if (exclusive(a) && exclusive(b)) return false;
  if ((a == Scope::kParent && b == Scope::kSiteAndDescendants) ||
      (b == Scope::kParent && a == Scope::kSiteAndDescendants)) {
    return false;
  }
  if ((a == Scope::kChild && (b == Scope::kNearest || b == Scope::kAssignedSite)) ||
      (b == Scope::kChild && (a == Scope::kNearest || a == Scope::kAssignedSite))) {
    return false;
  }
  return true;
}

bool RolesMeet(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const auto& role : a) {
    if (role == kAnyRole || std::find(b.begin(), b.end(), role) != b.end() ||
        std::find(b.begin(), b.end(), kAnyRole) != b.end()) {
      return true;
    }
  }
  return false;
}

// Two conditions exclude each other when they ask the same attribute for disjoint values.
bool ConditionsExclusive(const Condition& a, const Condition& b) {
  for (const auto& x : a.clauses) {
    for (const auto& y : b.clauses) {
      if (x.subject != y.subject || x.attribute != y.attribute) continue;
      const bool shared = std::any_of(x.any_of.begin(), x.any_of.end(), [&](const std::string& v) {
        return std::find(y.any_of.begin(), y.any_of.end(), v) != y.any_of.end();
      });
      if (!shared) return true;
    }
  }
  return false;
}

core::PortSet NominalPorts(const Catalog& catalog, const Entry& entry) {
  if (!entry.port_setting) return ProtocolHasPorts(entry.protocol) ? entry.ports : core::PortSet::Single(0);
  const auto* setting = catalog.FindSetting(*entry.port_setting);
  return setting != nullptr ? setting->default_ports : core::PortSet{};
}

bool SameRequirement(const Entry& a, const Entry& b) {
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  return sorted(a.from) == sorted(b.from) && sorted(a.to) == sorted(b.to) && a.scope == b.scope &&
         a.protocol == b.protocol && a.ports == b.ports && a.port_setting == b.port_setting &&
         a.when.ToString() == b.when.ToString();
}

}  // namespace

void LintLoadedCatalog(const Catalog& catalog, core::Diagnostics& diags) {
  const auto& entries = catalog.entries;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& a = entries[i];
    if (a.advisories.size() > kMaxAdvisoriesPerEntry) {
      diags.Error(a.where, fmt::format("entry '{}' has more than {} advisories", a.id, kMaxAdvisoriesPerEntry));
    }
    if (!StatusIsPlanned(a.status)) continue;
    for (std::size_t j = i + 1; j < entries.size(); ++j) {
      const auto& b = entries[j];
      if (!StatusIsPlanned(b.status) || a.protocol != b.protocol) continue;
      if (SameRequirement(a, b)) {
        diags.Error(b.where, fmt::format("entry '{}' duplicates entry '{}' (line {}): same roles, scope, protocol, "
                                         "ports and condition",
                                         b.id, a.id, a.where.line));
        continue;
      }
      // A setting's range (the dynamic RPC ports) may cover fixed ports by nature; the planner
      // splits such ports exactly, so only fixed ports count as overlapping here.
      if (a.port_setting || b.port_setting) continue;
      const auto shared = NominalPorts(catalog, a).Intersect(NominalPorts(catalog, b));
      if (shared.Empty() || !RolesMeet(a.from, b.from) || !RolesMeet(a.to, b.to) ||
          !ScopesMayOverlap(a.scope, b.scope) || ConditionsExclusive(a.when, b.when)) {
        continue;
      }
      diags.Error(b.where,
                  fmt::format("entry '{}' overlaps entry '{}' (line {}): both can require {} {} between the same "
                              "roles; merge them, or make their roles, scopes or conditions exclusive",
                              b.id, a.id, a.where.line, ProtocolName(a.protocol),
                              ProtocolHasPorts(a.protocol) ? shared.ToString() : std::string()));
    }
  }
  std::set<std::string> used_advisories;
  std::set<std::string> used_sections;
  for (const auto& entry : entries) {
    used_advisories.insert(entry.advisories.begin(), entry.advisories.end());
    if (entry.section) used_sections.insert(*entry.section);
  }
  for (const auto& advisory : catalog.advisories) {
    if (advisory.section) used_sections.insert(*advisory.section);
    if (!advisory.global && used_advisories.count(advisory.id) == 0) {
      diags.Warning(advisory.where, fmt::format("advisory '{}' is attached to no entry and is not global; it is never "
                                                "shown",
                                                advisory.id));
    }
  }
  for (const auto& section : catalog.sections) {
    if (used_sections.count(section.id) == 0) {
      diags.Warning(section.where, fmt::format("section '{}' is cited by no entry or advisory", section.id));
    }
  }
}

core::Diagnostics LintCatalogText(const std::string& text, const std::string& origin) {
  core::Diagnostics diags;
  if (const auto catalog = ParseCatalog(text, origin, diags)) LintLoadedCatalog(*catalog, diags);
  return diags;
}

}  // namespace portolan::catalog
