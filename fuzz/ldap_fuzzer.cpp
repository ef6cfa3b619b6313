// Bytes -> the LDAP message decoder and the rootDSE dialogue, as a TCP stream that arrives in
// pieces and then closes. Invariants: decoded messages lie inside the input, and those of
// fuzz/dialogue_harness.hpp with a single request.

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/dialogue_harness.hpp"
#include "probe/ldap/ldap_codec.hpp"
#include "probe/ldap/ldap_dialogue.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace portolan;
  const std::span<const std::uint8_t> input(data, size);
  const auto decoded = probe::ldap::DecodeMessage(input);
  if (decoded.status == probe::ldap::Decoded::Status::kComplete) {
    fuzz::Check(decoded.size > 0 && decoded.size <= size, "a decoded message outside its input");
  }
  probe::ProbeTarget target;
  target.address = "192.0.2.1";
  target.port = 389;
  fuzz::FuzzStream(probe::ldap::MakeRootDseDialogue, target, input, size / 3 + 1, {.single_request = true});
  return 0;
}
