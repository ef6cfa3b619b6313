#pragma once
// The http probe dialogues: the registry row's (GET, direct), and the same dialogue with a check
// and a proxy (probe/spec.hpp: HttpCheck, ProxyEndpoint), which the engine builds for HTTP specs.

#include <memory>
#include <optional>
#include <string>

#include "probe/dialogue.hpp"
#include "probe/spec.hpp"
#include "probe/verdict.hpp"

namespace portolan::probe::http {

struct HttpProbeOptions {
  HttpCheck check = HttpCheck::kGet;
  std::string path;                    // kBitsFile: the file's path on the server
  std::optional<ProxyEndpoint> proxy;  // absolute-form requests to this proxy; nullopt: direct
};

// A Dialogue whose answers can mean more than VERIFIED or WRONG_SERVICE. Its final steps keep the
// contract (kVerified, or kWrongService for every failing verdict); Refined() then names the
// failing verdict exactly (PROXY_DENIED, RANGE_IGNORED, ...), and Content() holds the bytes of
// the ranged answers of a BITS check.
class HttpProbeDialogue : public Dialogue {
 public:
  // After a final step returned by OnReceive: its verdict when neither kind says it; nullopt
  // when the step's kind does.
  virtual std::optional<Verdict> Refined() const = 0;
  virtual const Bytes& Content() const = 0;
};

std::unique_ptr<HttpProbeDialogue> MakeHttpProbeDialogue(const ProbeTarget& target, const HttpProbeOptions& options);
// The registry's factory: GET, direct (the MP list for a management point).
std::unique_ptr<Dialogue> MakeHttpDialogue(const ProbeTarget& target);

}  // namespace portolan::probe::http
