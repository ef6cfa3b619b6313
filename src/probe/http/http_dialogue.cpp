// The HTTP probe. An SMS management point is asked for its MP list (GET /sms_mp/.sms_aut?mplist);
// any other web server gets GET / with "Range: bytes=0-0" (RFC 9110 14.2: a server must ignore
// Range on HEAD, so only a GET shows whether ranges are served). An HTTP/1.x status line proves a
// web server; the detail says what it said.
//
// The other checks (probe/spec.hpp HttpCheck): CCM_POST, BITS_POST and PROPFIND with an empty
// body, which prove that a method passes; and a BITS download of a static file: HEAD (the size),
// then GET bytes=0-0 and GET of a slice in the middle, each 206 with the exact Content-Range and
// Content-Length. The three requests of the BITS check go on one persistent connection, each
// after the answer before it (kSend), the last with Connection: close; a server that closes after
// an answer ends the check (said in the detail). No body is read beyond what a verdict needs: a
// 200 to a ranged GET is judged on its header section alone.
//
// Through a proxy (--proxy) the requests are in absolute form (RFC 9112 3.2.2), and every answer
// is first asked who generated it:
// - 407: the proxy wants credentials (PROXY_AUTH_REQUIRED, with the challenges it offers);
// - 502 and 504 are gateway statuses by definition (RFC 9110 15.6.3, 15.6.5): UPSTREAM_FAILED;
// - a reply the proxy generated itself carries X-Squid-Error, a Proxy-Status field (RFC 9209) or
//   a Server field naming Squid: 503 is then UPSTREAM_FAILED (Squid's ERR_CONNECT_FAIL), any
//   other status PROXY_DENIED (ERR_ACCESS_DENIED, ERR_UNSUP_REQ, ...);
// - anything else was relayed from the origin (its own Server, usually with Via), whatever its
//   status: the request got through, a 403 or 405 included.
// A proxy that marks neither its own pages nor relayed ones cannot be told from the origin.

#include "probe/http/http_dialogue.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "probe/http/http_codec.hpp"
#include "probe/wire/detail_text.hpp"

namespace portolan::probe::http {

namespace {

using wire::DescribeForeignBytes;
using wire::PrintableText;

constexpr char kManagementPointRole[] = "management-point";
// A proxy management point (a management point in a secondary site) answers the MP list too.
constexpr char kProxyManagementPointRole[] = "proxy-management-point";
constexpr int kDefaultPort = 80;
constexpr int kStatusFinal = 200;  // below: an interim (1xx) answer, skipped
constexpr int kStatusOk = 200;
constexpr int kStatusPartialContent = 206;
constexpr int kStatusProxyAuthenticationRequired = 407;
constexpr int kStatusBadGateway = 502;
constexpr int kStatusServiceUnavailable = 503;
constexpr int kStatusGatewayTimeout = 504;
constexpr int kMaxInterimAnswers = 4;
// The MP list of a site is a few hundred bytes of XML; reading this much is enough to see it.
constexpr std::size_t kMaxBody = 8192;
// The middle slice of a BITS check: at most this many bytes from the middle of the file.
constexpr std::uint64_t kMiddleSlice = 1000;
constexpr std::string_view kMpListOpen = "<MPList";
constexpr std::string_view kMpListClose = "</MPList>";
constexpr std::size_t kMaxField = 40;
constexpr std::size_t kMaxVia = 50;
constexpr std::size_t kMaxPath = 60;
// Every detail is cut here: short enough for one line, long enough for the evidence.
constexpr std::size_t kMaxDetail = 300;
// What the method checks ask for: the SMS client's request endpoint (CCM_POST), the MP's BITS
// upload directory (a BITS_POST Ping creates nothing), the server's root (PROPFIND, Depth 0).
constexpr char kCcmPostPath[] = "/ccm_system/request";
constexpr char kBitsPostPath[] = "/CCM_Incoming/";
constexpr char kPropfindPath[] = "/";
constexpr std::string_view kRangeFailure = "BITS fails with BG_E_INSUFFICIENT_RANGE_SUPPORT (0x80200013)";

// RFC 9110 7.2: Host is the authority: an IPv6 literal in brackets, the port when not 80.
std::string HostField(const ProbeTarget& target) {
  std::string host = target.address.find(':') != std::string::npos ? "[" + target.address + "]" : target.address;
  if (target.port != 0 && target.port != kDefaultPort) host += ":" + std::to_string(target.port);
  return host;
}

bool ContainsIgnoreCase(std::string_view text, std::string_view part) {
  return std::search(text.begin(), text.end(), part.begin(), part.end(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         }) != text.end();
}

std::string StatusText(const ResponseHead& head) {
  std::string text =
      "HTTP/" + std::to_string(head.major) + "." + std::to_string(head.minor) + " " + std::to_string(head.status);
  if (!head.reason.empty()) text += " " + PrintableText(head.reason, kMaxField);
  return text;
}

// "; X-Squid-Error: ERR_ACCESS_DENIED 0" when the proxy named its error.
std::string SquidError(const ResponseHead& head) {
  const auto error = head.Field("X-Squid-Error");
  return error ? "; X-Squid-Error: " + PrintableText(*error, kMaxField) : std::string();
}

// The proxy generated this reply itself (see the rule at the top of this file).
bool GeneratedByProxy(const ResponseHead& head) {
  const auto server = head.Field("Server");
  return head.Field("X-Squid-Error") || head.Field("Proxy-Status") || (server && ContainsIgnoreCase(*server, "squid"));
}

// A connection the server closes after this answer cannot carry the next request.
bool ClosesAfter(const ResponseHead& head) {
  if (HasToken(head, "Connection", "close")) return true;
  return head.minor == 0 && !HasToken(head, "Connection", "keep-alive");
}

class HttpDialogue final : public HttpProbeDialogue {
 public:
  HttpDialogue(const ProbeTarget& target, HttpProbeOptions options)
      : options_(std::move(options)),
        management_point_(std::find_if(target.roles.begin(), target.roles.end(),
                                       [](const std::string& role) {
                                         return role == kManagementPointRole || role == kProxyManagementPointRole;
                                       }) != target.roles.end()),
        host_(HostField(target)),
        prefix_(options_.proxy ? "through proxy " + options_.proxy->Authority() + ": " : std::string()),
        stage_(FirstStage()) {}

  Bytes Start() override { return Request(); }

  Step OnReceive(std::span<const std::uint8_t> received, bool closed) override {
    refined_.reset();
    if (received.empty()) {
      return closed ? Final(Verdict::kWrongService, "the connection closed without an HTTP response")
                    : Step::NeedMore();
    }
    std::span<const std::uint8_t> rest = received;
    HeadResult parsed = ParseResponseHead(rest);
    for (int interim = 0; interim < kMaxInterimAnswers && parsed.state == HeadState::kComplete &&
                          parsed.head->status < kStatusFinal && parsed.head->size < rest.size();
         ++interim) {
      rest = rest.subspan(parsed.head->size);
      parsed = ParseResponseHead(rest);
    }
    switch (parsed.state) {
      case HeadState::kNotHttp:
        return Final(Verdict::kWrongService, "not HTTP (" + parsed.error + "): " + DescribeForeignBytes(rest));
      case HeadState::kTooLong: return Final(Verdict::kWrongService, parsed.error);
      case HeadState::kIncomplete:
        if (!closed) return Step::NeedMore();
        if (!parsed.head) {
          return Final(Verdict::kWrongService, "closed inside the status line: " + DescribeForeignBytes(rest));
        }
        // A status line proves a web server; through a proxy or for a check, the answer is lost.
        return Final(stage_ == Stage::kGet && !options_.proxy ? Verdict::kVerified : Verdict::kWrongService,
                     StatusText(*parsed.head) + "; closed inside the header section");
      case HeadState::kComplete: break;
    }
    const ResponseHead& head = *parsed.head;
    if (head.status < kStatusFinal) {
      return closed ? Final(Verdict::kWrongService, StatusText(head) + " (interim), then the connection closed")
                    : Step::NeedMore();
    }
    if (options_.proxy) {
      if (auto step = ProxyAnswered(head)) return *std::move(step);
    }
    const auto body = rest.subspan(head.size);
    switch (stage_) {
      case Stage::kGet: return management_point_ ? MpList(head, body, closed) : RangedRoot(head);
      case Stage::kMethod:
        return Final(
            Verdict::kVerified,
            std::string(Method()) + (options_.proxy ? " reached the origin: " : " answered: ") + Answered(head));
      case Stage::kHead: return FileSize(head, closed);
      case Stage::kFirstByte:
      case Stage::kMiddle: return Slice(head, body, closed);
    }
    return Final(Verdict::kWrongService, "an unknown stage");
  }

  std::optional<Verdict> Refined() const override { return refined_; }
  const Bytes& Content() const override { return content_; }

 private:
  enum class Stage {
    kGet,        // GET: the MP list, or / with a one-byte range
    kMethod,     // CCM_POST, BITS_POST, PROPFIND
    kHead,       // BITS: HEAD of the file
    kFirstByte,  // BITS: GET bytes=0-0
    kMiddle,     // BITS: GET of a slice in the middle
  };

  Stage FirstStage() const {
    switch (options_.check) {
      case HttpCheck::kGet: return Stage::kGet;
      case HttpCheck::kCcmPost:
      case HttpCheck::kBitsPost:
      case HttpCheck::kPropfind:
      case HttpCheck::kOptions: return Stage::kMethod;
      case HttpCheck::kBitsFile: return Stage::kHead;
    }
    return Stage::kGet;
  }

  std::string_view Method() const {
    switch (stage_) {
      case Stage::kGet:
      case Stage::kFirstByte:
      case Stage::kMiddle: return "GET";
      case Stage::kHead: return "HEAD";
      case Stage::kMethod: return HttpCheckName(options_.check);
    }
    return "GET";
  }

  std::string Path() const {
    switch (options_.check) {
      case HttpCheck::kGet: return management_point_ ? kMpListPath : "/";
      case HttpCheck::kCcmPost: return kCcmPostPath;
      case HttpCheck::kBitsPost: return kBitsPostPath;
      case HttpCheck::kPropfind:
      case HttpCheck::kOptions: return kPropfindPath;
      case HttpCheck::kBitsFile:
        return options_.path.empty() || options_.path[0] != '/' ? "/" + options_.path : options_.path;
    }
    return "/";
  }

  // The range a stage asks for: bytes=0-0, then up to kMiddleSlice bytes from the middle.
  std::pair<std::uint64_t, std::uint64_t> Range() const {
    if (stage_ == Stage::kFirstByte) return {0, 0};
    const std::uint64_t first = size_ / 2;
    return {first, std::min(size_ - 1, first + kMiddleSlice - 1)};
  }

  std::string RangeText() const {
    const auto [first, last] = Range();
    return "bytes=" + std::to_string(first) + "-" + std::to_string(last);
  }

  Bytes Request() const {
    const std::string path = Path();
    const std::string target = options_.proxy ? "http://" + host_ + path : path;
    std::string fields;
    if (options_.proxy && !options_.proxy->basic_credentials.empty()) {
      fields += "Proxy-Authorization: Basic " + Base64(options_.proxy->basic_credentials) + "\r\n";
    }
    bool keep_alive = false;
    switch (stage_) {
      case Stage::kGet:
        if (options_.proxy) fields += "Cache-Control: no-cache\r\n";  // the origin's answer, not a copy
        if (!management_point_) fields += "Range: bytes=0-0\r\n";
        break;
      case Stage::kMethod:
        if (options_.proxy) fields += "Cache-Control: no-cache\r\n";
        if (options_.check == HttpCheck::kBitsPost) fields += "BITS-Packet-Type: Ping\r\n";
        if (options_.check == HttpCheck::kPropfind) fields += "Depth: 0\r\n";
        fields += "Content-Length: 0\r\n";
        break;
      case Stage::kHead: keep_alive = true; break;
      case Stage::kFirstByte:
        keep_alive = true;
        fields += "Range: " + RangeText() + "\r\n";
        break;
      case Stage::kMiddle: fields += "Range: " + RangeText() + "\r\n"; break;
    }
    const std::string request = BuildRequest(Method(), target, host_, fields, keep_alive);
    return Bytes(request.begin(), request.end());
  }

  // A verdict: kVerified, or kWrongService for every failing verdict (Refined() names it).
  Step Final(Verdict verdict, const std::string& detail) {
    refined_ = verdict == Verdict::kVerified || verdict == Verdict::kWrongService ? std::nullopt
                                                                                  : std::optional<Verdict>(verdict);
    std::string text = PrintableText(prefix_ + detail, kMaxDetail);
    return verdict == Verdict::kVerified ? Step::Verified(std::move(text)) : Step::WrongService(std::move(text));
  }

  // "HEAD /pkg/file", "GET /pkg/file with Range: bytes=0-0", "CCM_POST".
  std::string Asked() const {
    if (stage_ == Stage::kMethod) return std::string(Method());
    std::string text = std::string(Method()) + " " + PrintableText(Path(), kMaxPath);
    if (stage_ == Stage::kFirstByte || stage_ == Stage::kMiddle) text += " with Range: " + RangeText();
    return text;
  }

  // The status, then who answered: the Server (the origin's, through a proxy), Via, X-Cache.
  std::string Answered(const ResponseHead& head) const {
    std::string text = StatusText(head);
    const auto server = head.Field("Server");
    if (server) text += (options_.proxy ? "; origin Server: " : "; Server: ") + PrintableText(*server, kMaxField);
    if (!options_.proxy) return text;
    const auto via = head.Field("Via");
    text += via ? "; Via: " + PrintableText(*via, kMaxVia) : "; no Via";
    if (const auto cache = head.Field("X-Cache")) text += "; X-Cache: " + PrintableText(*cache, kMaxField);
    return text;
  }

  // The rule at the top of this file: nullopt when the origin answered.
  std::optional<Step> ProxyAnswered(const ResponseHead& head) {
    if (head.status == kStatusProxyAuthenticationRequired) {
      const auto challenges = ProxyChallenges(head);
      std::string offered;
      for (const auto& challenge : challenges)
        offered += (offered.empty() ? "" : ", ") + PrintableText(challenge, kMaxField);
      return Final(Verdict::kProxyAuthRequired,
                   Asked() + ": 407 from the proxy; " +
                       (challenges.empty() ? std::string("no Proxy-Authenticate challenge") : "it offers " + offered) +
                       (options_.proxy->basic_credentials.empty() ? "" : "; the Basic credentials given were refused") +
                       SquidError(head));
    }
    const bool generated = GeneratedByProxy(head);
    if (head.status == kStatusBadGateway || head.status == kStatusGatewayTimeout ||
        (head.status == kStatusServiceUnavailable && generated)) {
      return Final(Verdict::kUpstreamFailed,
                   Asked() + ": the proxy could not get an answer from the origin: " + StatusText(head) +
                       SquidError(head) + (generated ? "" : " (relayed: " + Answered(head) + ")"));
    }
    if (!generated) return std::nullopt;
    const auto server = head.Field("Server");
    return Final(Verdict::kProxyDenied, Asked() + ": refused by the proxy itself: " + StatusText(head) +
                                            SquidError(head) +
                                            (server ? "; Server: " + PrintableText(*server, kMaxField) : ""));
  }

  Step MpList(const ResponseHead& head, std::span<const std::uint8_t> body, bool closed) {
    if (head.status != kStatusOk) return Final(Verdict::kVerified, Answered(head) + "; no MP list (not an SMS MP?)");
    const std::string_view text(reinterpret_cast<const char*>(body.data()), std::min(body.size(), kMaxBody));
    const auto length = ContentLength(head);
    const bool body_done = closed || text.find(kMpListClose) != std::string_view::npos || body.size() >= kMaxBody ||
                           (length && body.size() >= *length);
    if (!body_done) return Step::NeedMore();
    const bool mp_list = text.find(kMpListOpen) != std::string_view::npos;
    return Final(Verdict::kVerified,
                 Answered(head) + (mp_list ? "; MP list returned (<MPList> XML): an SMS management point"
                                           : "; 200 but no <MPList> in the body (not an SMS MP?)"));
  }

  // GET / with bytes=0-0: whether ranges are served is reported, not judged (--bits-file judges).
  Step RangedRoot(const ResponseHead& head) {
    std::string ranges;
    if (head.status == kStatusPartialContent) {
      const auto field = head.Field("Content-Range");
      const auto range = field ? ParseContentRange(*field) : std::nullopt;
      ranges = range && range->first == 0 && range->last == 0
                   ? "; ranges served (206, Content-Range: " + PrintableText(*field, kMaxField) + ")"
                   : "; 206 without a valid Content-Range: " + std::string(kRangeFailure);
    } else if (head.status == kStatusOk) {
      ranges = "; Range ignored (200 to bytes=0-0): BITS cannot resume from / (--bits-file checks a file)";
    }
    return Final(Verdict::kVerified, Answered(head) + ranges);
  }

  // BITS, HEAD: 200 and Content-Length (BITS reads the file size from it).
  Step FileSize(const ResponseHead& head, bool closed) {
    if (head.status != kStatusOk) {
      return Final(Verdict::kWrongService, Asked() + ": " + Answered(head) + ": not 200, no file for BITS to download");
    }
    const auto length = ContentLength(head);
    if (!length) {
      const bool chunked = HasToken(head, "Transfer-Encoding", "chunked");
      return Final(Verdict::kNoLength, Asked() + ": 200 without Content-Length" +
                                           (chunked ? std::string(" (Transfer-Encoding: chunked)") : "") +
                                           ": BITS fails with BG_E_MISSING_FILE_SIZE (0x80200011); " + Answered(head));
    }
    size_ = *length;
    origin_ = Answered(head);
    if (size_ == 0) return Final(Verdict::kVerified, "BITS can download: size 0, nothing to range; " + origin_);
    return Next(head, closed);
  }

  // BITS, a ranged GET: 206, Content-Range bytes FIRST-LAST/SIZE, Content-Length LAST-FIRST+1.
  Step Slice(const ResponseHead& head, std::span<const std::uint8_t> body, bool closed) {
    const auto [first, last] = Range();
    const std::uint64_t expected = last - first + 1;
    const auto length = ContentLength(head);
    if (head.status == kStatusOk) {
      return Final(Verdict::kRangeIgnored,
                   Asked() + ": 200 and the whole body" +
                       (length ? " (" + std::to_string(*length) + " bytes)" : std::string()) +
                       ", not 206: BITS cannot download in ranges (BG_E_INSUFFICIENT_RANGE_SUPPORT 0x80200013); " +
                       Answered(head));
    }
    if (head.status != kStatusPartialContent) {
      return Final(Verdict::kWrongService, Asked() + ": " + Answered(head) + ", not 206 Partial Content");
    }
    const std::string wanted =
        "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(size_);
    const auto field = head.Field("Content-Range");
    if (!field) {
      return Final(Verdict::kContentRangeStripped,
                   Asked() + ": 206 without Content-Range: " + std::string(kRangeFailure) + "; " + Answered(head));
    }
    const auto range = ParseContentRange(*field);
    if (!range || range->first != first || range->last != last || range->complete != size_) {
      return Final(Verdict::kContentRangeStripped, Asked() + ": 206 with Content-Range '" +
                                                       PrintableText(*field, kMaxField) + "', not '" + wanted +
                                                       "': " + std::string(kRangeFailure));
    }
    if (length != expected) {
      return Final(Verdict::kContentRangeStripped,
                   Asked() + ": 206 with " +
                       (length ? "Content-Length " + std::to_string(*length) : std::string("no Content-Length")) +
                       ", not " + std::to_string(expected) + ": " + std::string(kRangeFailure));
    }
    if (body.size() < expected) {
      if (!closed) return Step::NeedMore();
      return Final(Verdict::kWrongService, Asked() + ": closed after " + std::to_string(body.size()) + " of " +
                                               std::to_string(expected) + " body bytes");
    }
    content_.insert(content_.end(), body.begin(), body.begin() + static_cast<std::ptrdiff_t>(expected));
    if (stage_ == Stage::kFirstByte) return Next(head, closed);
    const auto middle = Range();
    return Final(Verdict::kVerified, "BITS can download " + PrintableText(Path(), kMaxPath) + ": size " +
                                         std::to_string(size_) + ", ranges served (bytes 0-0 and " +
                                         std::to_string(middle.first) + "-" + std::to_string(middle.second) +
                                         ": 206, exact Content-Range); " + origin_);
  }

  // The next request of the BITS check, on the same connection.
  Step Next(const ResponseHead& head, bool closed) {
    if (closed || ClosesAfter(head)) {
      return Final(Verdict::kWrongService,
                   Asked() + ": the server closes the connection after each answer (" + StatusText(head) +
                       "); the BITS check needs one persistent connection for its three requests");
    }
    stage_ = stage_ == Stage::kHead ? Stage::kFirstByte : Stage::kMiddle;
    return Step::Send(Request());
  }

  HttpProbeOptions options_;
  bool management_point_;
  std::string host_;
  std::string prefix_;  // "through proxy 10.0.0.5:3128: ", or nothing
  Stage stage_;
  std::uint64_t size_ = 0;          // BITS: the file's size, from HEAD
  std::string origin_;              // BITS: who answered the HEAD
  Bytes content_;                   // BITS: the bytes of the ranged answers
  std::optional<Verdict> refined_;  // the last final step's failing verdict, when not WRONG_SERVICE
};

}  // namespace

std::unique_ptr<HttpProbeDialogue> MakeHttpProbeDialogue(const ProbeTarget& target, const HttpProbeOptions& options) {
  return std::make_unique<HttpDialogue>(target, options);
}

std::unique_ptr<Dialogue> MakeHttpDialogue(const ProbeTarget& target) {
  return std::make_unique<HttpDialogue>(target, HttpProbeOptions{});
}

}  // namespace portolan::probe::http
