// Bytes -> the CLDAP LDAP ping: as a whole datagram, and as the Netlogon value inside a
// well-formed answer, so that the NETLOGON_SAM_LOGON_RESPONSE_EX parser and its name-pointer
// chasing see every input. Invariants: a verdict on every well-formed answer, one that agrees with
// the parser, and those of fuzz/dialogue_harness.hpp with a single request.

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz/dialogue_harness.hpp"
#include "probe/ber/ber.hpp"
#include "probe/ldap/ldap_codec.hpp"
#include "probe/ldap/ldap_dialogue.hpp"

namespace {

using portolan::fuzz::Check;
using portolan::probe::Step;
namespace ber = portolan::probe::ber;
namespace ldap = portolan::probe::ldap;

// SearchResultEntry { "", { netlogon: value } } then SearchResultDone success, messageID 1.
ber::Bytes AnswerWithNetlogon(ber::ByteView value) {
  using ber::Encode;
  using ber::View;
  const ber::Bytes values =
      Encode(ber::Universal(ber::kSet, true), View(Encode(ber::Universal(ber::kOctetString), value)));
  const ber::Bytes attribute = Encode(ber::kSequenceTag, {View(ber::EncodeString("netLogon")), View(values)});
  const ber::Bytes entry = Encode(ber::Application(ldap::kSearchResultEntryOp),
                                  {View(ber::EncodeString("")), View(Encode(ber::kSequenceTag, View(attribute)))});
  return Encode(ber::kSequenceTag, {View(ber::EncodeInteger(1)), View(entry)});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const auto parse = ldap::ParseNetlogonResponseEx(input);
  if (parse.response) {
    Check(parse.response->dns_host_name.size() <= 255, "a name longer than RFC 1035 allows");
  } else {
    Check(!parse.error.empty(), "a refused Netlogon value without an error");
  }
  portolan::probe::ProbeTarget target;
  target.address = "192.0.2.1";
  target.port = 389;
  target.domain = "corp.example";
  constexpr portolan::fuzz::DialogueRules kRules{.single_request = true};
  const auto dialogue = ldap::MakeNetlogonPingDialogue(target);
  portolan::fuzz::StartChecked(*dialogue);
  portolan::fuzz::Receive(*dialogue, input, false, kRules);
  const ber::Bytes wrapped = AnswerWithNetlogon(input);
  const Step step = portolan::fuzz::Receive(*dialogue, ber::View(wrapped), false, kRules);
  Check(step.kind != Step::Kind::kNeedMore, "a whole answer left undecided");
  Check((step.kind == Step::Kind::kVerified) == parse.response.has_value(),
        "the dialogue and the parser disagree on a Netlogon value");
  return 0;
}
