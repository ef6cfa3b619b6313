#pragma once
// The one place where the operating systems differ for everything but the network sides (the
// probe engine, the responder and the lab, which are Linux-only for now): address text, UTC
// time, replacing a file in one step, and the console. Linux keeps its POSIX calls; Windows
// (mingw-w64) gets Winsock's and the C runtime's equivalents. No other file of the pure stages
// includes a system header that differs between them.

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

}  // namespace portolan::core::platform
