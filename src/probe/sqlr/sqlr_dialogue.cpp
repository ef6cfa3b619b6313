// The SQL Server Resolution probe: one CLNT_UCAST_EX datagram; an SVR_RESP proves the SQL Browser
// service, and the detail lists its instances with their versions and TCP ports.

#include "probe/sqlr/sqlr_dialogue.hpp"

#include <string>

#include "probe/sqlr/sqlr_codec.hpp"

namespace portolan::probe::sqlr {

namespace {

constexpr std::size_t kMaxDetail = 200;
constexpr std::size_t kMaxName = 40;
constexpr std::size_t kPreviewBytes = 16;

// Names from the wire, made printable and short for a one-line detail.
std::string Printable(std::string_view text, std::size_t limit = kMaxName) {
  std::string out;
  for (const char c : text.substr(0, limit)) out += (c >= 0x20 && c < 0x7F) ? c : '?';
  if (text.size() > limit) out += "...";
  return out;
}

std::string HexPreview(std::span<const std::uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (std::size_t i = 0; i < bytes.size() && i < kPreviewBytes; ++i) {
    if (!hex.empty()) hex += ' ';
    hex += kHex[bytes[i] >> 4];
    hex += kHex[bytes[i] & 0xF];
  }
  return hex;
}

std::string Describe(const Instance& instance) {
  std::string text = Printable(instance.server_name) + "\\" + Printable(instance.instance_name) + " " +
                     Printable(instance.version, 16);
  text += instance.tcp_port ? " tcp/" + std::to_string(*instance.tcp_port) : " no tcp";
  if (instance.clustered) text += " (clustered)";
  return text;
}

class ResolutionDialogue final : public Dialogue {
 public:
  Bytes Start() override { return BuildUnicastExRequest(); }

  Step OnReceive(std::span<const std::uint8_t> received, bool closed) override {
    if (received.empty()) {
      return closed ? Step::WrongService("no SVR_RESP before the close") : Step::NeedMore();
    }
    const auto parsed = ParseServerResponse(received);
    if (!parsed.instances) {
      // The codec's error may quote the wire (a key it could not read): printable only.
      const std::string error = Printable(parsed.error, kMaxDetail / 2);
      const std::string what =
          received[0] == kServerResponse ? "a malformed SVR_RESP: " + error : "not an SVR_RESP: " + error;
      return Step::WrongService(what + " (first bytes " + HexPreview(received) + ")");
    }
    const auto& instances = *parsed.instances;
    if (instances.empty()) return Step::Verified("SQL Server Browser answered (SVR_RESP) but listed no instance");
    std::string detail = "SQL Server Browser: " + std::to_string(instances.size()) +
                         (instances.size() == 1 ? " instance: " : " instances: ");
    for (std::size_t i = 0; i < instances.size(); ++i) {
      const std::string item = (i == 0 ? "" : "; ") + Describe(instances[i]);
      if (detail.size() + item.size() > kMaxDetail) {
        detail += "; +" + std::to_string(instances.size() - i) + " more";
        break;
      }
      detail += item;
    }
    return Step::Verified(detail);
  }
};

}  // namespace

std::unique_ptr<Dialogue> MakeResolutionDialogue(const ProbeTarget& /*target*/) {
  // CLNT_UCAST_EX asks for every instance, so no instance name is needed.
  return std::make_unique<ResolutionDialogue>();
}

}  // namespace portolan::probe::sqlr
