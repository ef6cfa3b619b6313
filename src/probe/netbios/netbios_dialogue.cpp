// The NetBIOS probe dialogues: a SESSION REQUEST on TCP 139 (any of the three replies proves a
// session service) and a NODE STATUS query on UDP 137 (the name table proves a name service).

#include "probe/netbios/netbios_dialogue.hpp"

#include <cstdio>
#include <random>

#include "probe/netbios/netbios_codec.hpp"
#include "probe/wire/detail_text.hpp"

namespace portolan::probe::netbios {
namespace {

// Our calling name: RFC 1002 asks for one; servers do not check it.
constexpr std::string_view kCallingName = "PORTOLAN";
constexpr std::size_t kNamesInDetail = 6;

class SessionRequestDialogue final : public Dialogue {
 public:
  explicit SessionRequestDialogue(const ProbeTarget& target) {
    called_name_ = NetbiosNameOf(target.netbios_name);
    if (called_name_.empty()) called_name_ = kAnyServerName;
  }

  Bytes Start() override { return BuildSessionRequest(called_name_, kCallingName); }

  Step OnReceive(std::span<const std::uint8_t> received, bool closed) override {
    // A keep-alive may come first (RFC 1002 4.3.7); it says nothing about our request.
    while (received.size() >= kSessionHeaderLength && received[0] == kSessionKeepAlive && received[1] == 0 &&
           received[2] == 0 && received[3] == 0) {
      received = received.subspan(kSessionHeaderLength);
    }
    const SessionParse parse = ParseSessionReply(received);
    if (parse.status == ParseStatus::kIncomplete) {
      if (!closed) return Step::NeedMore();
      if (received.empty()) return Step::WrongService("closed without answering the session request");
      return Step::WrongService("closed after an incomplete answer: " + wire::DescribeForeignBytes(received));
    }
    if (parse.status == ParseStatus::kInvalid) return Step::WrongService(parse.error);

    const std::string called = "called " + called_name_ + "<20>";
    const SessionReply& reply = parse.reply;
    switch (reply.type) {
      case kPositiveSessionResponse: return Step::Verified("positive session response (" + called + ")");
      case kNegativeSessionResponse: {
        char code[8];
        std::snprintf(code, sizeof code, "0x%02x", reply.error_code);
        return Step::Verified("negative session response " + std::string(code) + " " +
                              NegativeResponseReason(reply.error_code) + " (" + called +
                              "), a NetBIOS session service");
      }
      case kRetargetSessionResponse:
        return Step::Verified("retarget session response: to " + reply.retarget_address + ":" +
                              std::to_string(reply.retarget_port) + " (" + called + ")");
      default:
        return Step::WrongService("a NetBIOS session packet of type 0x" + wire::HexPrefix(received.first(1)) +
                                  " instead of a reply to the session request");
    }
  }

 private:
  std::string called_name_;
};

std::string FormatNames(const std::vector<NodeName>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size() && i < kNamesInDetail; ++i) {
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "<%02X>", names[i].suffix);
    if (i > 0) text += ' ';
    text += names[i].name + suffix;
    if (names[i].group) text += "g";
  }
  if (names.size() > kNamesInDetail) text += " +" + std::to_string(names.size() - kNamesInDetail) + " more";
  return text;
}

std::string FormatUnitId(const std::array<std::uint8_t, 6>& unit_id) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", unit_id[0], unit_id[1], unit_id[2], unit_id[3],
                unit_id[4], unit_id[5]);
  return text;
}

class NodeStatusDialogue final : public Dialogue {
 public:
  explicit NodeStatusDialogue(std::uint16_t transaction_id) : transaction_id_(transaction_id) {}

  Bytes Start() override { return BuildNodeStatusRequest(transaction_id_); }

  Step OnReceive(std::span<const std::uint8_t> received, bool /*closed*/) override {
    std::string error;
    const auto status = ParseNodeStatusResponse(received, &error);
    if (!status) return Step::WrongService("not a NetBIOS name service answer: " + error);
    if (status->transaction_id != transaction_id_) return Step::NeedMore();  // another transaction's: wait for ours
    // The socket is connected to the target, so only the target can have sent our own request
    // back: something that echoes, not a name service (waiting for more would call it FILTERED).
    if (!status->response) return Step::WrongService("our node status request came back unanswered (an echo service?)");
    if (status->opcode != 0) {
      return Step::WrongService("a name service packet with opcode " + std::to_string(status->opcode) +
                                ", not a query response");
    }
    if (status->rcode != 0) {
      return Step::Verified("NetBIOS name service answered node status with error rcode " +
                            std::to_string(status->rcode));
    }
    if (!status->has_nbstat) return Step::WrongService("a name service response without an NBSTAT record");
    std::string detail = "node status: " + std::to_string(status->names.size()) + " names";
    if (!status->names.empty()) detail += " " + FormatNames(status->names);
    if (status->unit_id) detail += "; unit id " + FormatUnitId(*status->unit_id);
    return Step::Verified(detail);
  }

 private:
  std::uint16_t transaction_id_;
};

}  // namespace

std::unique_ptr<Dialogue> MakeSessionRequestDialogue(const ProbeTarget& target) {
  return std::make_unique<SessionRequestDialogue>(target);
}

std::unique_ptr<Dialogue> MakeNodeStatusDialogue(const ProbeTarget& /*target*/) {
  std::random_device random;
  return std::make_unique<NodeStatusDialogue>(static_cast<std::uint16_t>(random()));
}

}  // namespace portolan::probe::netbios
