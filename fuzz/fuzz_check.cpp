// What the fuzz targets of the loaders check besides "no crash": a failure always comes with an
// error, and every diagnostic says where it is. A violation aborts, which libFuzzer reports as a
// crash. The targets declare these two functions themselves (the fuzz directory has no headers).

#include <cstdio>
#include <cstdlib>

#include "core/diagnostics.hpp"

namespace portolan::fuzz {

[[noreturn]] void Fail(const char* what, const core::Diagnostics& diags) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n%s", what, diags.ToString().c_str());
  std::abort();
}

// loaded: whether the parser returned a value.
void CheckDiagnostics(bool loaded, const core::Diagnostics& diags) {
  if (loaded && diags.HasErrors()) Fail("a value was returned despite errors", diags);
  if (!loaded && !diags.HasErrors()) Fail("the input was refused without an error", diags);
  for (const auto& diagnostic : diags.All()) {
    if (diagnostic.where.line < 1 || diagnostic.where.column < 1) Fail("a diagnostic without line:column", diags);
    if (diagnostic.message.empty()) Fail("a diagnostic without a message", diags);
  }
}

}  // namespace portolan::fuzz
