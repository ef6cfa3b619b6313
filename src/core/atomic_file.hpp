#pragma once
// Writes a file so that readers see either the old content or the whole new content:
// write to a temporary file in the same folder, flush, then rename over the target.

#include <filesystem>
#include <string_view>

namespace portolan::core {

// Throws std::runtime_error with the path and the system's reason on failure; on failure
// the target is untouched and the temporary file is removed.
void WriteFileAtomically(const std::filesystem::path& path, std::string_view content);

// Creates a folder and the folders above it that are missing (for --out and --out-dir); throws
// std::runtime_error "cannot create the folder PATH: <the system's reason>" on failure.
void CreateFolders(const std::filesystem::path& path);

// Reads a whole file; throws std::runtime_error naming the path on failure.
std::string ReadFile(const std::filesystem::path& path);

}  // namespace portolan::core
