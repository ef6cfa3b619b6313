#pragma once
// A box's texts for the report, exactly as Box::SourceText() and its siblings give them, but
// written into one buffer reused from box to box: a report of a large ruleset holds a hundred
// thousand boxes, and the temporary strings of the Box methods were a fifth of its time.
// tests/audit/box_text_test.cpp holds the two to the same bytes.

#include <string>
#include <string_view>

#include "audit/packet_set.hpp"

namespace portolan::audit {

class BoxTexts {
 public:
  // Renders the box's texts; the views stay valid until the next call. With `requests` (a
  // proxy's requests), the source port field holds HTTP method codes: methods() names them.
  void Render(const Box& box, bool requests = false);

  std::string_view source() const { return View(source_); }
  std::string_view destination() const { return View(destination_); }
  std::string_view protocol() const { return View(protocol_); }
  std::string_view ports() const { return View(ports_); }  // destination ports; "-" without ports
  std::string_view source_ports() const { return View(source_ports_); }
  std::string_view methods() const { return View(methods_); }  // "GET, HEAD", "any method but TRACE"

 private:
  struct Part {
    std::size_t offset = 0;
    std::size_t size = 0;
  };
  std::string_view View(Part part) const { return std::string_view(buffer_).substr(part.offset, part.size); }
  template <typename Append>
  Part Add(Append append);

  std::string buffer_;
  Part source_, destination_, protocol_, ports_, source_ports_, methods_;
};

}  // namespace portolan::audit
