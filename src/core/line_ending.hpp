#pragma once
// The line ending a generated file's reader expects, whatever the host that writes it: CRLF for
// what Windows runs or reads (PowerShell and batch scripts, VBScript, LMHOSTS), LF for the rest.

#include <string>

namespace portolan::core {

enum class LineEnding { kLf, kCrlf };

// Text written with "\n" line ends, with the given ending: for CRLF every "\n" becomes "\r\n" (one
// that is already "\r\n" stays as it is).
std::string WithLineEnding(std::string text, LineEnding ending);

}  // namespace portolan::core
