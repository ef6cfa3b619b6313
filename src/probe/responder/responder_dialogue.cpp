// The responder probe: VERIFIED by a responder's greeting (with the expected token, when one is
// given), WRONG_SERVICE for anything else. The greeting's codec is respond/greeting, shared with
// the responder that writes it.

#include "probe/responder/responder_dialogue.hpp"

#include <string>

#include <fmt/format.h>

#include "probe/responder/greeting.hpp"
#include "probe/wire/detail_text.hpp"

namespace portolan::probe::responder {

namespace {

constexpr std::string_view kHelloStart = "PORTOLAN-PROBE/1 ";

std::string Describe(const probe::responder::ParsedGreeting& greeting) {
  if (!greeting.truncated) {
    return fmt::format("portolan responder (token {}, host {}, port {}/{})", greeting.token, greeting.host,
                       greeting.port, probe::TransportName(greeting.transport));
  }
  if (!greeting.token.empty()) {
    return fmt::format("portolan responder (token {}; its greeting cut to {} bytes)", greeting.token, greeting.size);
  }
  return fmt::format("portolan responder (its greeting cut to {} bytes, before the token)", greeting.size);
}

class ResponderDialogue final : public Dialogue {
 public:
  ResponderDialogue(ProbeTarget target, bool datagrams) : target_(std::move(target)), datagrams_(datagrams) {}

  Bytes Start() override { return Hello(); }

  Step OnReceive(std::span<const std::uint8_t> received, bool closed) override {
    const bool final = datagrams_ || closed;
    if (auto step = JudgeGreeting(received, final, target_)) return *std::move(step);
    if (received.empty()) return Step::WrongService("the connection was closed without a greeting");
    return Step::WrongService(wire::LimitDetail("not a portolan responder: " + wire::DescribeForeignBytes(received)));
  }

 private:
  ProbeTarget target_;
  bool datagrams_;
};

}  // namespace

Bytes Hello() {
  Bytes hello(kHelloStart.begin(), kHelloStart.end());
  hello.resize(probe::responder::kMaxGreetingSize - 2, '.');
  hello.push_back('\r');
  hello.push_back('\n');
  return hello;
}

std::optional<Step> JudgeGreeting(std::span<const std::uint8_t> answer, bool final, const ProbeTarget& target,
                                  std::string_view standing_in_for) {
  const auto greeting = probe::responder::ParseGreeting(answer);
  const bool whole = greeting && !greeting->truncated;
  if (!final && !whole) {
    // Over TCP the rest of a greeting may still be on its way.
    if (probe::responder::CouldBeGreetingStart(answer)) return Step::NeedMore();
    return std::nullopt;
  }
  if (!greeting) return std::nullopt;
  const std::string in_place =
      standing_in_for.empty() ? std::string() : fmt::format(" standing in for {}", standing_in_for);
  const std::string& expected = target.responder_token;
  if (!expected.empty() && greeting->token.empty()) {
    return Step::WrongService(wire::LimitDetail(
        fmt::format("a portolan responder whose greeting was cut to {} bytes, before its token: token {} is not "
                    "proven (a UDP answer is never longer than the request)",
                    greeting->size, expected)));
  }
  if (!expected.empty() && greeting->token != expected) {
    return Step::WrongService(wire::LimitDetail(
        fmt::format("a portolan responder with token {}, not {}{}", greeting->token, expected, in_place)));
  }
  return Step::Verified(wire::LimitDetail(Describe(*greeting) + in_place));
}

std::unique_ptr<Dialogue> MakeTcpDialogue(const ProbeTarget& target) {
  return std::make_unique<ResponderDialogue>(target, false);
}

std::unique_ptr<Dialogue> MakeUdpDialogue(const ProbeTarget& target) {
  return std::make_unique<ResponderDialogue>(target, true);
}

}  // namespace portolan::probe::responder
