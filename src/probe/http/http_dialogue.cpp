// The HTTP probe: an SMS management point is asked for its MP list (GET /sms_mp/.sms_aut?mplist);
// any other web server gets HEAD / with a one-byte range, which shows whether BITS can resume
// downloads from it. An HTTP/1.x status line proves a web server; the detail says what it said.

#include "probe/http/http_dialogue.hpp"

#include <algorithm>
#include <string>

#include "probe/http/http_codec.hpp"
#include "probe/wire/detail_text.hpp"

namespace portolan::probe::http {

namespace {

using wire::DescribeForeignBytes;
using wire::PrintableText;

constexpr char kManagementPointRole[] = "management-point";
constexpr int kDefaultPort = 80;
constexpr int kStatusOk = 200;
constexpr int kStatusPartialContent = 206;
// The MP list of a site is a few hundred bytes of XML; reading this much is enough to see it.
constexpr std::size_t kMaxBody = 8192;
constexpr std::string_view kMpListOpen = "<MPList";
constexpr std::string_view kMpListClose = "</MPList>";
constexpr std::size_t kMaxField = 60;

// RFC 9110 7.2: Host is the authority: an IPv6 literal in brackets, the port when not 80.
std::string HostField(const ProbeTarget& target) {
  std::string host = target.address.find(':') != std::string::npos ? "[" + target.address + "]" : target.address;
  if (target.port != 0 && target.port != kDefaultPort) host += ":" + std::to_string(target.port);
  return host;
}

std::optional<std::size_t> ContentLength(const ResponseHead& head) {
  const auto value = head.Field("Content-Length");
  if (!value || value->empty() || value->size() > 9) return std::nullopt;
  std::size_t length = 0;
  for (const char c : *value) {
    if (c < '0' || c > '9') return std::nullopt;
    length = length * 10 + static_cast<std::size_t>(c - '0');
  }
  return length;
}

class HttpDialogue final : public Dialogue {
 public:
  explicit HttpDialogue(const ProbeTarget& target)
      : management_point_(std::find(target.roles.begin(), target.roles.end(), kManagementPointRole) !=
                          target.roles.end()),
        host_(HostField(target)) {}

  Bytes Start() override {
    const std::string request = management_point_ ? BuildGetRequest(host_, kMpListPath) : BuildHeadRequest(host_);
    return Bytes(request.begin(), request.end());
  }

  Step OnReceive(std::span<const std::uint8_t> received, bool closed) override {
    if (received.empty()) {
      return closed ? Step::WrongService("the connection closed without an HTTP response") : Step::NeedMore();
    }
    const HeadResult parsed = ParseResponseHead(received);
    switch (parsed.state) {
      case HeadState::kNotHttp:
        return Step::WrongService("not HTTP (" + parsed.error + "): " + DescribeForeignBytes(received));
      case HeadState::kTooLong: return Step::WrongService(parsed.error);
      case HeadState::kIncomplete:
        if (!closed) return Step::NeedMore();
        if (!parsed.head) return Step::WrongService("closed inside the status line: " + DescribeForeignBytes(received));
        return Step::Verified(StatusText(*parsed.head) + "; closed inside the header section");
      case HeadState::kComplete: break;
    }
    const ResponseHead& head = *parsed.head;
    if (!management_point_) return Step::Verified(StatusText(head) + "; " + RangeText(head));
    if (head.status != kStatusOk) return Step::Verified(StatusText(head) + "; no MP list (not an SMS MP?)");

    const auto body = received.subspan(head.size);
    const std::string_view text(reinterpret_cast<const char*>(body.data()), std::min(body.size(), kMaxBody));
    const auto length = ContentLength(head);
    const bool body_done = closed || text.find(kMpListClose) != std::string_view::npos || body.size() >= kMaxBody ||
                           (length && body.size() >= *length);
    if (!body_done) return Step::NeedMore();
    const bool mp_list = text.find(kMpListOpen) != std::string_view::npos;
    return Step::Verified(StatusText(head) + (mp_list ? "; MP list returned (<MPList> XML): an SMS management point"
                                                      : "; 200 but no <MPList> in the body (not an SMS MP?)"));
  }

 private:
  static std::string StatusText(const ResponseHead& head) {
    std::string text =
        "HTTP/" + std::to_string(head.major) + "." + std::to_string(head.minor) + " " + std::to_string(head.status);
    if (!head.reason.empty()) text += " " + PrintableText(head.reason, 40);
    if (const auto server = head.Field("Server")) text += "; Server: " + PrintableText(*server, kMaxField);
    return text;
  }

  // BITS downloads in ranges; without range support it cannot resume (or use the server).
  static std::string RangeText(const ResponseHead& head) {
    const auto ranges = head.Field("Accept-Ranges");
    if (head.status == kStatusPartialContent) return "ranges served (206): BITS can resume";
    if (ranges && *ranges == "bytes") return "Accept-Ranges: bytes: BITS can resume";
    if (ranges) return "Accept-Ranges: " + PrintableText(*ranges, 20) + ": BITS cannot resume";
    return "no Accept-Ranges: BITS range support unknown";
  }

  bool management_point_;
  std::string host_;
};

}  // namespace

std::unique_ptr<Dialogue> MakeHttpDialogue(const ProbeTarget& target) {
  return std::make_unique<HttpDialogue>(target);
}

}  // namespace portolan::probe::http
