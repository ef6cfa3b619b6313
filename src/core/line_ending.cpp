#include "core/line_ending.hpp"

#include <algorithm>

namespace portolan::core {

std::string WithLineEnding(std::string text, LineEnding ending) {
  if (ending == LineEnding::kLf) return text;
  std::string out;
  out.reserve(text.size() + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')));
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

}  // namespace portolan::core
