#include "core/platform.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "core/descriptors.hpp"

#ifdef _WIN32
// winsock2.h must come before windows.h.
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
// clang-format on
#include <fcntl.h>
#include <io.h>

#include <array>
#include <cstdio>
#else
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "core/unique_fd.hpp"
#endif

namespace portolan::core::platform {

bool ParseAddressBytes(bool ipv6, const std::string& text, std::uint8_t* bytes) {
  // inet_pton(AF_INET) takes only the four-part dotted quad, which is what the inventory wants.
  return inet_pton(ipv6 ? AF_INET6 : AF_INET, text.c_str(), bytes) == 1;
}

std::string AddressText(bool ipv6, const std::uint8_t* bytes) {
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(ipv6 ? AF_INET6 : AF_INET, bytes, buffer, sizeof buffer);
  return buffer;
}

std::tm UtcTime(std::time_t seconds) {
  std::tm utc{};
#ifdef _WIN32
  gmtime_s(&utc, &seconds);
#else
  gmtime_r(&seconds, &utc);
#endif
  return utc;
}

std::string SystemErrorText(int errno_value) {
  return std::strerror(errno_value);
}

bool TerminalWantsColour(Stream stream) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && *no_colour != '\0') return false;
  return TerminalTakesEscapes(stream);
}

namespace {

// "cannot write out.txt: rename: Permission denied": the file, the step that failed, the system's reason.
[[noreturn]] void Fail(const std::filesystem::path& path, std::string_view what, const std::string& reason) {
  throw std::runtime_error(fmt::format("cannot write {}: {}: {}", path.string(), what, reason));
}

}  // namespace

#ifdef _WIN32

std::string SystemErrorText(WindowsError error) {
  constexpr DWORD kMessageCapacity = 1024;
  std::array<wchar_t, kMessageCapacity> message{};
  const DWORD length = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, error.code,
                                      0, message.data(), kMessageCapacity, nullptr);
  std::string text;
  if (length > 0) {
    const int size =
        WideCharToMultiByte(CP_UTF8, 0, message.data(), static_cast<int>(length), nullptr, 0, nullptr, nullptr);
    text.resize(size > 0 ? static_cast<std::size_t>(size) : 0);
    WideCharToMultiByte(CP_UTF8, 0, message.data(), static_cast<int>(length), text.data(), size, nullptr, nullptr);
  }
  // FormatMessage ends a message with a full stop and CR LF: ours follows in the same line.
  while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  if (text.empty()) return fmt::format("Windows error {}", error.code);
  return fmt::format("{} (Windows error {})", text, error.code);
}

namespace {

// Owns a Windows file handle for the length of a write.
class FileHandle {
 public:
  explicit FileHandle(HANDLE handle) : handle_(handle) {}
  ~FileHandle() { Close(); }
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  HANDLE get() const { return handle_; }
  bool Valid() const { return handle_ != INVALID_HANDLE_VALUE; }
  bool Close() { return !Valid() || CloseHandle(std::exchange(handle_, INVALID_HANDLE_VALUE)) != 0; }

 private:
  HANDLE handle_;
};

// WriteFile takes at most a DWORD of bytes a call; a gigabyte a call stays well below that.
constexpr std::size_t kWriteChunk = std::size_t{1} << 30;

}  // namespace

void ReplaceFileContent(const std::filesystem::path& path, std::string_view content) {
  const auto folder = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
  const auto temp =
      folder / (L"." + path.filename().wstring() + L"." + std::to_wstring(GetCurrentProcessId()) + L".tmp");
  FileHandle file(CreateFileW(temp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!file.Valid()) Fail(path, "create temporary file", SystemErrorText(WindowsError{GetLastError()}));

  auto remove_temp_and_fail = [&](std::string_view what) {
    const DWORD saved = GetLastError();
    file.Close();
    DeleteFileW(temp.c_str());
    Fail(path, what, SystemErrorText(WindowsError{saved}));
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const std::size_t left = content.size() - written;
    const auto chunk = static_cast<DWORD>(left < kWriteChunk ? left : kWriteChunk);
    DWORD n = 0;
    if (WriteFile(file.get(), content.data() + written, chunk, &n, nullptr) == 0) remove_temp_and_fail("write");
    written += n;
  }
  if (FlushFileBuffers(file.get()) == 0) remove_temp_and_fail("flush");
  if (!file.Close()) remove_temp_and_fail("close");
  if (MoveFileExW(temp.c_str(), path.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH) == 0) {
    remove_temp_and_fail("replace");
  }
}

}  // namespace portolan::core::platform

namespace portolan::core {

// Windows has no per-process limit of sockets to raise (memory is the limit).
std::optional<std::size_t> RaiseDescriptorLimit(std::size_t /*wanted*/) {
  return kUnlimitedDescriptors;
}

}  // namespace portolan::core

namespace portolan::core::platform {

void PrepareConsole() {
  _setmode(_fileno(stdout), _O_BINARY);
  _setmode(_fileno(stderr), _O_BINARY);
  SetConsoleOutputCP(CP_UTF8);
}

bool TerminalTakesEscapes(Stream stream) {
  const HANDLE handle = GetStdHandle(stream == Stream::kOutput ? STD_OUTPUT_HANDLE : STD_ERROR_HANDLE);
  DWORD mode = 0;
  // Redirected to a file or a pipe: no console, no mode.
  if (handle == nullptr || handle == INVALID_HANDLE_VALUE || GetConsoleMode(handle, &mode) == 0) return false;
  if ((mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0) return true;
  // A console older than Windows 10 refuses the mode and would print the escapes as text.
  return SetConsoleMode(handle, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0;
}

#else

void ReplaceFileContent(const std::filesystem::path& path, std::string_view content) {
  std::string temp = (path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path()) /
                     ("." + path.filename().string() + ".XXXXXX");
  UniqueFd fd(::mkstemp(temp.data()));
  if (!fd) Fail(path, "create temporary file", SystemErrorText(errno));

  auto remove_temp_and_fail = [&](std::string_view what) {
    const int saved = errno;
    ::unlink(temp.c_str());
    Fail(path, what, SystemErrorText(saved));
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const auto n = ::write(fd.Get(), content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      remove_temp_and_fail("write");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd.Get(), 0644) != 0) remove_temp_and_fail("chmod");
  if (::fsync(fd.Get()) != 0) remove_temp_and_fail("fsync");
  if (::close(fd.Release()) != 0) remove_temp_and_fail("close");
  if (::rename(temp.c_str(), path.c_str()) != 0) remove_temp_and_fail("rename");
}

void PrepareConsole() {}

bool TerminalTakesEscapes(Stream stream) {
  return isatty(stream == Stream::kOutput ? STDOUT_FILENO : STDERR_FILENO) != 0;
}

}  // namespace portolan::core::platform

// One place that raises RLIMIT_NOFILE, so that the engine, the lab and the responder agree on
// what "as many descriptors as we may have" means.
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

namespace portolan::core::platform {

#endif

}  // namespace portolan::core::platform
