#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace portolan::core {

namespace {

// Owns a file descriptor for the length of a write.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

[[noreturn]] void Fail(const std::filesystem::path& path, std::string_view what, int error) {
  throw std::runtime_error(fmt::format("cannot write {}: {}: {}", path.string(), what, std::strerror(error)));
}

}  // namespace

void WriteFileAtomically(const std::filesystem::path& path, std::string_view content) {
  std::string temp = (path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path()) /
                     ("." + path.filename().string() + ".XXXXXX");
  FileDescriptor fd(::mkstemp(temp.data()));
  if (fd.get() < 0) Fail(path, "create temporary file", errno);

  auto remove_temp_and_fail = [&](std::string_view what) {
    const int saved = errno;
    ::unlink(temp.c_str());
    Fail(path, what, saved);
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const auto n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      remove_temp_and_fail("write");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd.get(), 0644) != 0) remove_temp_and_fail("chmod");
  if (::fsync(fd.get()) != 0) remove_temp_and_fail("fsync");
  if (::close(fd.Release()) != 0) remove_temp_and_fail("close");
  if (::rename(temp.c_str(), path.c_str()) != 0) remove_temp_and_fail("rename");
}

std::string ReadFile(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw std::runtime_error(fmt::format("cannot read {}: it is a directory, not a file", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw std::runtime_error(fmt::format("cannot read {}", path.string()));
  return buffer.str();
}

}  // namespace portolan::core
