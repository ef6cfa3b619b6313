// DHCPINFORM (RFC 2131 4.4.3): asks for configuration without leasing anything. Any BOOTREPLY
// with our transaction id proves a DHCP server; a DHCPACK says what it would configure.

#include "probe/dhcp/dhcp_dialogue.hpp"

#include <functional>

#include <fmt/format.h>

#include "probe/dhcp/dhcp_codec.hpp"

namespace portolan::probe::dhcp {

namespace {

class InformDialogue final : public Dialogue {
 public:
  explicit InformDialogue(const ProbeTarget& target)
      : local_address_(target.local_address),
        // The same target gets the same id: deterministic, and still matched against the answer.
        xid_(static_cast<std::uint32_t>(std::hash<std::string>{}(target.address + "/" + target.local_address))) {}

  Bytes Start() override {
    Bytes request = BuildInform(xid_, local_address_);
    // Without an IPv4 source there is nothing to put in ciaddr; the zero-filled INFORM still
    // reaches the server, which then may not answer: the verdict says why.
    if (request.empty()) request = BuildInform(xid_, "0.0.0.0");
    return request;
  }

  Step OnReceive(std::span<const std::uint8_t> received, bool /*closed*/) override {
    std::string error;
    const auto reply = ParseReply(received, &error);
    if (!reply) return Step::WrongService("not a DHCP reply: " + error);
    if (reply->xid != xid_) return Step::NeedMore();  // another client's answer
    std::string detail;
    if (reply->message_type == kAck) {
      detail = "DHCPACK to our DHCPINFORM";
    } else if (reply->message_type == kNak) {
      detail = "DHCPNAK to our DHCPINFORM (a DHCP server, refusing)";
    } else {
      detail = fmt::format("a BOOTREPLY with our transaction id (message type {})",
                           reply->message_type ? std::to_string(*reply->message_type) : std::string("none"));
    }
    if (!reply->server_id.empty()) detail += ", server " + reply->server_id;
    if (!reply->dns_servers.empty()) detail += fmt::format(", DNS {}", fmt::join(reply->dns_servers, " "));
    if (!reply->domain.empty()) detail += ", domain " + reply->domain;
    if (!reply->wins_servers.empty()) detail += fmt::format(", WINS {}", fmt::join(reply->wins_servers, " "));
    return Step::Verified(detail);
  }

 private:
  std::string local_address_;
  std::uint32_t xid_;
};

}  // namespace

std::unique_ptr<Dialogue> MakeInformDialogue(const ProbeTarget& target) {
  return std::make_unique<InformDialogue>(target);
}

}  // namespace portolan::probe::dhcp
