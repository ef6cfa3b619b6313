// One place that raises RLIMIT_NOFILE, so that the engine, the lab and the responder agree on
// what "as many descriptors as we may have" means.

#include "core/descriptors.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace portolan::core {

namespace {

// Root may raise the hard limit itself, up to the kernel's fs.nr_open.
void RaiseHardLimit(rlimit& limit, std::size_t wanted) {
  std::size_t ceiling = wanted;
  if (std::FILE* file = std::fopen("/proc/sys/fs/nr_open", "r")) {
    unsigned long nr_open = 0;
    if (std::fscanf(file, "%lu", &nr_open) == 1) ceiling = std::min<std::size_t>(wanted, nr_open);
    std::fclose(file);
  }
  rlimit raised{ceiling, ceiling};
  if (ceiling > limit.rlim_max && setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
}

}  // namespace

std::optional<std::size_t> RaiseDescriptorLimit(std::size_t wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
  if (geteuid() == 0 && limit.rlim_max != RLIM_INFINITY && limit.rlim_max < wanted) RaiseHardLimit(limit, wanted);
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur == RLIM_INFINITY) return kUnlimitedDescriptors;
  return static_cast<std::size_t>(limit.rlim_cur);
}

}  // namespace portolan::core
