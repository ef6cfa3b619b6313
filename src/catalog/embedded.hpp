#pragma once
// The catalogs compiled into the binary (catalogs/*.yaml), by file name without extension.

#include <span>
#include <string_view>

namespace portolan::catalog {

struct EmbeddedCatalog {
  std::string_view name;
  std::string_view text;
};

std::span<const EmbeddedCatalog> EmbeddedCatalogs();

}  // namespace portolan::catalog
