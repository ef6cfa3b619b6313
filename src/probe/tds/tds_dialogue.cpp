// The TDS probe: one PRELOGIN, and a PRELOGIN answer (packet type 0x04) proves SQL Server; the
// detail gives its version and its encryption setting. Nothing past PRELOGIN is ever sent.

#include "probe/tds/tds_dialogue.hpp"

#include <string>

#include "probe/tds/tds_codec.hpp"
#include "probe/wire/detail_text.hpp"

namespace portolan::probe::tds {

namespace {

using wire::DescribeForeignBytes;

// TLS record content types (RFC 8446 5.1) and the first byte of the record's version: a TDS 8.0
// "strict" server expects a TLS ClientHello before any TDS, and may answer with a TLS alert.
constexpr std::uint8_t kTlsAlert = 0x15;
constexpr std::uint8_t kTlsHandshake = 0x16;
constexpr std::uint8_t kTlsMajorVersion = 0x03;

// MS-TDS VERSION holds the product version; the marketing name helps a reader.
std::string ProductName(std::uint8_t major, std::uint8_t minor) {
  switch (major) {
    case 8: return "SQL Server 2000";
    case 9: return "SQL Server 2005";
    case 10: return minor >= 50 ? "SQL Server 2008 R2" : "SQL Server 2008";
    case 11: return "SQL Server 2012";
    case 12: return "SQL Server 2014";
    case 13: return "SQL Server 2016";
    case 14: return "SQL Server 2017";
    case 15: return "SQL Server 2019";
    case 16: return "SQL Server 2022";
    default: return "SQL Server";
  }
}

class PreloginDialogue final : public Dialogue {
 public:
  Bytes Start() override { return BuildPreloginRequest(); }

  Step OnReceive(std::span<const std::uint8_t> received, bool closed) override {
    if (received.empty()) {
      return closed ? Step::WrongService("the connection closed without a PRELOGIN answer") : Step::NeedMore();
    }
    if ((received[0] == kTlsAlert || received[0] == kTlsHandshake) &&
        (received.size() < 2 || received[1] == kTlsMajorVersion)) {
      return Step::WrongService("a TLS record instead of TDS (" + DescribeForeignBytes(received) +
                                "): a TLS service, or a TDS 8.0 strict server that wants TLS first");
    }
    if (received[0] != kPacketTabularResult) {
      return Step::WrongService("not a TDS answer: " + DescribeForeignBytes(received));
    }
    switch (FrameTdsPacket(received)) {
      case Framing::kNotTds: return Step::WrongService("not a TDS answer: " + DescribeForeignBytes(received));
      case Framing::kIncomplete:
        return closed ? Step::WrongService("TDS answer cut short by the close: " + DescribeForeignBytes(received))
                      : Step::NeedMore();
      case Framing::kComplete: break;
    }
    const auto parsed = ParsePreloginAnswer(received);
    if (!parsed.answer) {
      return Step::WrongService("a TDS packet of type 0x04 but not a PRELOGIN answer: " + parsed.error);
    }
    const auto& answer = *parsed.answer;
    std::string detail = ProductName(answer.major, answer.minor) + " " + std::to_string(answer.major) + "." +
                         std::to_string(answer.minor) + "." + std::to_string(answer.build);
    if (answer.sub_build != 0) detail += "." + std::to_string(answer.sub_build);
    detail += " (TDS PRELOGIN); encryption ";
    detail += answer.encryption ? EncryptionName(*answer.encryption) : "not stated";
    return Step::Verified(detail);
  }
};

}  // namespace

std::unique_ptr<Dialogue> MakePreloginDialogue(const ProbeTarget& /*target*/) {
  // PRELOGIN names no host or instance: the default instance answers on its port.
  return std::make_unique<PreloginDialogue>();
}

}  // namespace portolan::probe::tds
