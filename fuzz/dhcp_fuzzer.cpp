// Bytes -> dhcp::ParseReply and the DHCPINFORM dialogue: never a crash, and a verdict always
// comes with a detail.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "probe/dhcp/dhcp_codec.hpp"
#include "probe/dhcp/dhcp_dialogue.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  std::string error;
  (void)portolan::probe::dhcp::ParseReply(bytes, &error);
  portolan::probe::ProbeTarget target{"10.0.0.10", 67, "", "", {}};
  target.local_address = "10.0.0.2";
  const auto dialogue = portolan::probe::dhcp::MakeInformDialogue(target);
  (void)dialogue->Start();
  const auto step = dialogue->OnReceive(bytes, false);
  using Kind = portolan::probe::Step::Kind;
  if ((step.kind == Kind::kVerified || step.kind == Kind::kWrongService) && step.detail.empty()) std::abort();
  return 0;
}
