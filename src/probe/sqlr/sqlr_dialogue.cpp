// The SQL Server Resolution probe: one CLNT_UCAST_EX datagram; an SVR_RESP proves the SQL Browser
// service, and the detail lists its instances with their versions and TCP ports.

#include "probe/sqlr/sqlr_dialogue.hpp"

#include <string>

#include "probe/sqlr/sqlr_codec.hpp"
#include "probe/wire/detail_text.hpp"

namespace portolan::probe::sqlr {

namespace {

using wire::DescribeForeignBytes;
using wire::PrintableText;

constexpr std::size_t kMaxDetail = 200;
constexpr std::size_t kMaxName = 40;

std::string Describe(const Instance& instance) {
  std::string text = PrintableText(instance.server_name, kMaxName) + "\\" +
                     PrintableText(instance.instance_name, kMaxName) + " " + PrintableText(instance.version, 16);
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
      const std::string error = PrintableText(parsed.error, kMaxDetail / 2);
      const std::string what =
          received[0] == kServerResponse ? "a malformed SVR_RESP: " + error : "not an SVR_RESP: " + error;
      return Step::WrongService(what + " (" + DescribeForeignBytes(received) + ")");
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
