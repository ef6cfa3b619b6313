// The PPTP probe: a Start-Control-Connection-Request, whose reply (same magic cookie) proves a
// PPTP server; then, as a courtesy, a Stop-Control-Connection-Request so that the server tears
// the control connection down cleanly. The verdict is decided by the Start reply alone.

#include "probe/pptp/pptp_dialogue.hpp"

#include <string>

#include "probe/pptp/pptp_codec.hpp"
#include "probe/wire/detail_text.hpp"

namespace portolan::probe::pptp {

namespace {

using wire::DescribeForeignBytes;
using wire::PrintableText;

constexpr std::uint8_t kResultSuccess = 1;  // RFC 2637 2.2
constexpr std::size_t kMaxName = 32;
constexpr char kOurName[] = "portolan";
constexpr char kGreNote[] = "tunnels also need GRE (IP protocol 47)";

std::string Describe(const StartControlReply& reply) {
  return "PPTP Start-Control reply: result " + ResultName(reply.result_code) + ", protocol " +
         std::to_string(reply.protocol_version >> 8) + "." + std::to_string(reply.protocol_version & 0xFF) +
         ", host '" + PrintableText(reply.host_name, kMaxName) + "', vendor '" + PrintableText(reply.vendor, kMaxName) +
         "'";
}

class StartControlDialogue final : public Dialogue {
 public:
  Bytes Start() override { return BuildStartControlRequest(kOurName, kOurName); }

  Step OnReceive(std::span<const std::uint8_t> received, bool closed) override { return AfterStart(received, closed); }

 private:
  Step AfterStart(std::span<const std::uint8_t> received, bool closed) {
    if (received.empty()) {
      return closed ? Step::WrongService("the connection closed without a PPTP reply") : Step::NeedMore();
    }
    const Frame frame = FrameControlMessage(received);
    if (frame.framing == Framing::kNotPptp) {
      return Step::WrongService("not PPTP: " + frame.error + "; " + DescribeForeignBytes(received));
    }
    if (frame.framing == Framing::kIncomplete) {
      return closed ? Step::WrongService("PPTP reply cut short by the close: " + DescribeForeignBytes(received))
                    : Step::NeedMore();
    }
    const auto message = received.first(frame.length);
    if (ControlType(message) != kStartControlReply) {
      // The magic cookie and framing already prove a PPTP stack.
      return Step::Verified("PPTP control message type " + std::to_string(ControlType(message)) +
                            " instead of a Start-Control-Connection-Reply; " + kGreNote);
    }
    std::string error;
    const auto reply = ParseStartControlReply(message, &error);
    if (!reply) return Step::WrongService("a malformed Start-Control-Connection-Reply: " + error);
    detail_ = Describe(*reply);
    if (reply->result_code != kResultSuccess) {
      // No control connection was set up, so there is nothing to stop.
      return Step::Verified(detail_ + "; " + kGreNote);
    }
    // The stop is politeness: it goes out as a farewell and the verdict does not wait for it.
    return Step::Verified(detail_ + "; Stop-Control-Connection-Request sent; " + kGreNote, BuildStopControlRequest());
  }

  std::string detail_;
};

}  // namespace

std::unique_ptr<Dialogue> MakeStartControlDialogue(const ProbeTarget& /*target*/) {
  return std::make_unique<StartControlDialogue>();
}

}  // namespace portolan::probe::pptp
