#pragma once
// The process's open-file limit (RLIMIT_NOFILE), raised for the stages that hold many sockets at
// once: the probe engine's window, the lab's probes, the responder's connections. Implemented
// in core/platform.cpp (Windows has no such limit).

#include <cstddef>
#include <limits>
#include <optional>

namespace portolan::core {

// What RaiseDescriptorLimit returns when the limit is RLIM_INFINITY.
inline constexpr std::size_t kUnlimitedDescriptors = std::numeric_limits<std::size_t>::max();

// Raises the soft open-file limit to the hard limit; as root, when the hard limit is below
// `wanted`, raises the hard limit first to `wanted` (at most the kernel's fs.nr_open). Returns
// the soft limit now in force (kUnlimitedDescriptors for no limit), or nullopt when the limit
// cannot be read.
std::optional<std::size_t> RaiseDescriptorLimit(std::size_t wanted = 0);

}  // namespace portolan::core
