#pragma once
// Where in an input file something is, and the list of problems found while reading it.
// Loaders collect every problem they can find before giving up, so a user fixes a file in one pass.

#include <stdexcept>
#include <string>
#include <vector>

namespace portolan::core {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown

  std::string ToString() const;  // "file:line:column", shorter when parts are unknown
};

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  SourceLocation where;
  std::string message;

  std::string ToString() const;  // "file:line:col: error: message"
};

class Diagnostics {
 public:
  void Error(SourceLocation where, std::string message);
  void Warning(SourceLocation where, std::string message);

  bool HasErrors() const;
  const std::vector<Diagnostic>& All() const { return items_; }
  std::string ToString() const;  // one diagnostic per line, in file order

 private:
  std::vector<Diagnostic> items_;
};

// Thrown by a loader when its input cannot be used; carries every problem found.
class InputError : public std::runtime_error {
 public:
  explicit InputError(Diagnostics diagnostics);
  const Diagnostics& diagnostics() const { return diagnostics_; }

 private:
  Diagnostics diagnostics_;
};

}  // namespace portolan::core
