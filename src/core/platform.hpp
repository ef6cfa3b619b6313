#pragma once
// The one place where the operating systems differ for the pure stages and the command line
// (the probe engine's own seam is its connector, probe/connector.hpp; the responder and the lab
// are Linux-only): address text, UTC time, replacing a file in one step, the system's error
// texts, the descriptor limit, and the console (and whether it takes colour). Linux keeps its
// POSIX calls; Windows (mingw-w64) gets Winsock's, the C runtime's and Win32's equivalents. No
// other file of the pure stages includes a system header that differs between them.

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>

namespace portolan::core::platform {

// inet_pton: an IPv4 dotted quad into 4 bytes, or an IPv6 address into 16; false when it is not one.
bool ParseAddressBytes(bool ipv6, const std::string& text, std::uint8_t* bytes);
// inet_ntop: 4 or 16 bytes as text.
std::string AddressText(bool ipv6, const std::uint8_t* bytes);
// gmtime_r / gmtime_s.
std::tm UtcTime(std::time_t seconds);
// Writes `content` to a temporary file next to `path`, flushes it to disk and puts it in place of
// `path` in one step (rename; MoveFileEx with replace on Windows), so that a reader never sees half
// a file. Throws std::runtime_error naming the step that failed.
void ReplaceFileContent(const std::filesystem::path& path, std::string_view content);
// Windows: standard output and error in binary mode (a "\n" stays one byte, as the golden files
// have it) and the console's output code page UTF-8. Elsewhere nothing.
void PrepareConsole();

// The two streams a command writes to.
enum class Stream { kOutput, kError };
// Whether the stream is a terminal that acts on ANSI escape sequences (colours, "\r\x1b[K"): not
// redirected to a file or a pipe; on Windows a console whose virtual-terminal processing is on or
// could be turned on (ENABLE_VIRTUAL_TERMINAL_PROCESSING, Windows 10 and later).
bool TerminalTakesEscapes(Stream stream);
// The same, unless NO_COLOR is set to anything but the empty string (no-color.org).
bool TerminalWantsColour(Stream stream);

// The system's own description of a failed call, to follow our English text: for an errno value
// the C runtime's text ("No such file or directory"; mingw's runtime has it in English too).
std::string SystemErrorText(int errno_value);
#ifdef _WIN32
// A Windows error code (GetLastError), apart from an errno value.
struct WindowsError {
  unsigned long code;
};
// FormatMessage's text in the system's language, without its final full stop, and the number:
// "Access is denied (Windows error 5)".
std::string SystemErrorText(WindowsError error);
#endif

}  // namespace portolan::core::platform
