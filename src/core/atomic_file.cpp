#include "core/atomic_file.hpp"

#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "core/platform.hpp"

namespace portolan::core {

void WriteFileAtomically(const std::filesystem::path& path, std::string_view content) {
  platform::ReplaceFileContent(path, content);
}

void CreateFolders(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (!error) return;
  // An errno value (the C runtime's text, as for every other file error), else the library's own.
  const std::string reason =
      error.category() == std::generic_category() ? platform::SystemErrorText(error.value()) : error.message();
  throw std::runtime_error(fmt::format("cannot create the folder {}: {}", path.string(), reason));
}

std::string ReadFile(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw std::runtime_error(fmt::format("cannot read {}: it is a directory, not a file", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error(fmt::format("cannot read {}: {}", path.string(), platform::SystemErrorText(errno)));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw std::runtime_error(fmt::format("cannot read {}", path.string()));
  return buffer.str();
}

}  // namespace portolan::core
