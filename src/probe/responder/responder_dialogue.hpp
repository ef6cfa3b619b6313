#pragma once
// The probe of a portolan responder (`portolan respond`, src/respond/): a hello, and the greeting
// that answers it. JudgeGreeting also serves the engine, when a protocol probe (LDAP, SMB, ...)
// meets a responder standing in for the real service.

#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "probe/dialogue.hpp"

namespace portolan::probe::responder {

// "PORTOLAN-PROBE/1 ", padded to the longest greeting: a UDP answer, never larger than its
// request, then comes back whole.
Bytes Hello();

// What a greeting at the start of `answer` proves. `final`: no more bytes can come (a UDP
// datagram, a closed TCP connection). `standing_in_for`: the service a protocol probe expected
// (empty for the responder probe itself). With target.responder_token set, another token is a
// wrong service. nullopt: not a greeting, the dialogue decides; NeedMore: the start of one.
std::optional<Step> JudgeGreeting(std::span<const std::uint8_t> answer, bool final, const ProbeTarget& target,
                                  std::string_view standing_in_for = {});

std::unique_ptr<Dialogue> MakeTcpDialogue(const ProbeTarget& target);
std::unique_ptr<Dialogue> MakeUdpDialogue(const ProbeTarget& target);

}  // namespace portolan::probe::responder
