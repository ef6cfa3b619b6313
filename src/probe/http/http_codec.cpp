// HTTP response head parser: status-line = HTTP-version SP status-code SP [reason-phrase]
// (RFC 9112 4), then field lines up to an empty line (RFC 9112 2.1, 5); bare LF accepted as
// RFC 9112 2.2 allows. Nothing is read beyond kMaxHeaderBytes. The field readers below bound
// every number they parse.

#include "probe/http/http_codec.hpp"

#include <algorithm>
#include <cctype>

namespace portolan::probe::http {

namespace {

constexpr std::string_view kVersionPrefix = "HTTP/";
constexpr std::size_t kStatusLineMinimum = 12;  // "HTTP/1.1 200"

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// 1 to 18 decimal digits (no sign, no spaces): every byte count a probe can meet, no overflow.
std::optional<std::uint64_t> ParseNumber(std::string_view text) {
  constexpr std::size_t kMaxDigits = 18;
  text = Trim(text);
  if (text.empty() || text.size() > kMaxDigits) return std::nullopt;
  std::uint64_t number = 0;
  for (const char c : text) {
    if (!IsDigit(c)) return std::nullopt;
    number = number * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return number;
}

// "HTTP/1.1 200 OK" (the CR already removed).
std::optional<ResponseHead> ParseStatusLine(std::string_view line, std::string* error) {
  if (line.size() < kStatusLineMinimum || !IsDigit(line[5]) || line[6] != '.' || !IsDigit(line[7]) || line[8] != ' ' ||
      !IsDigit(line[9]) || !IsDigit(line[10]) || !IsDigit(line[11]) ||
      (line.size() > kStatusLineMinimum && line[12] != ' ')) {
    *error = "a malformed status line";
    return std::nullopt;
  }
  ResponseHead head;
  head.major = line[5] - '0';
  head.minor = line[7] - '0';
  if (head.major != 1) {
    *error = "HTTP version " + std::string(line.substr(5, 3)) + ", not 1.x";
    return std::nullopt;
  }
  head.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (line.size() > kStatusLineMinimum) head.reason = Trim(line.substr(kStatusLineMinimum + 1));
  return head;
}

}  // namespace

std::string BuildRequest(std::string_view method, std::string_view request_target, std::string_view host,
                         std::string_view fields, bool keep_alive) {
  std::string request(method);
  request.append(" ").append(request_target).append(" HTTP/1.1\r\nHost: ").append(host);
  request += "\r\nUser-Agent: portolan-probe\r\nAccept: */*\r\n";
  request.append(fields);
  if (!keep_alive) request += "Connection: close\r\n";
  request += "\r\n";
  return request;
}

std::string BuildGetRequest(std::string_view host, std::string_view path) {
  return BuildRequest("GET", path, host);
}

std::string Base64(std::string_view bytes) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t at = 0; at < bytes.size(); at += 3) {
    const std::size_t left = bytes.size() - at;
    std::uint32_t group = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at])) << 16;
    if (left > 1) group |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 8;
    if (left > 2) group |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 2]));
    out += kAlphabet[(group >> 18) & 0x3F];
    out += kAlphabet[(group >> 12) & 0x3F];
    out += left > 1 ? kAlphabet[(group >> 6) & 0x3F] : '=';
    out += left > 2 ? kAlphabet[group & 0x3F] : '=';
  }
  return out;
}

std::optional<std::string> ResponseHead::Field(std::string_view name) const {
  for (const auto& [field, value] : fields) {
    if (EqualsIgnoreCase(field, name)) return value;
  }
  return std::nullopt;
}

std::vector<std::string> ResponseHead::Fields(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [field, value] : fields) {
    if (EqualsIgnoreCase(field, name)) values.push_back(value);
  }
  return values;
}

HeadResult ParseResponseHead(std::span<const std::uint8_t> bytes) {
  const std::size_t usable = std::min(bytes.size(), kMaxHeaderBytes);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), usable);
  const std::size_t prefix = std::min(text.size(), kVersionPrefix.size());
  if (text.substr(0, prefix) != kVersionPrefix.substr(0, prefix)) {
    return {HeadState::kNotHttp, {}, "not an HTTP status line"};
  }
  const std::size_t status_end = text.find('\n');
  if (status_end == std::string_view::npos) {
    if (bytes.size() >= kMaxHeaderBytes) return {HeadState::kTooLong, {}, "a status line longer than 16 KiB"};
    return {};
  }
  HeadResult result;
  std::string error;
  result.head = ParseStatusLine(Trim(text.substr(0, status_end)), &error);
  if (!result.head) return {HeadState::kNotHttp, {}, error};

  std::size_t at = status_end + 1;
  while (true) {
    const std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) {
      if (bytes.size() >= kMaxHeaderBytes) {
        return {HeadState::kTooLong, {}, "a header section longer than 16 KiB"};
      }
      return result;  // kIncomplete, with the status line
    }
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line.empty() || line == "\r") break;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;  // obsolete folding or junk: skipped
    result.head->fields.emplace_back(std::string(line.substr(0, colon)), std::string(Trim(line.substr(colon + 1))));
  }
  result.head->size = at;
  result.state = HeadState::kComplete;
  return result;
}

std::optional<std::uint64_t> ContentLength(const ResponseHead& head) {
  const auto value = head.Field("Content-Length");
  if (!value) return std::nullopt;
  return ParseNumber(*value);
}

std::optional<ContentRange> ParseContentRange(std::string_view value) {
  value = Trim(value);
  constexpr std::string_view kUnit = "bytes ";
  if (value.size() <= kUnit.size() || !EqualsIgnoreCase(value.substr(0, kUnit.size()), kUnit)) return std::nullopt;
  value.remove_prefix(kUnit.size());
  const std::size_t dash = value.find('-');
  const std::size_t slash = value.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash) return std::nullopt;
  const auto first = ParseNumber(value.substr(0, dash));
  const auto last = ParseNumber(value.substr(dash + 1, slash - dash - 1));
  if (!first || !last || *last < *first) return std::nullopt;
  ContentRange range{*first, *last, std::nullopt};
  const std::string_view complete = value.substr(slash + 1);
  if (complete == "*") return range;
  range.complete = ParseNumber(complete);
  if (!range.complete || *range.complete <= *last) return std::nullopt;
  return range;
}

bool HasToken(const ResponseHead& head, std::string_view name, std::string_view token) {
  for (const auto& value : head.Fields(name)) {
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t comma = std::min(rest.find(','), rest.size());
      if (EqualsIgnoreCase(Trim(rest.substr(0, comma)), token)) return true;
      rest.remove_prefix(std::min(comma + 1, rest.size()));
    }
  }
  return false;
}

// challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ] (RFC 9110 11.6.1), several to a
// field separated by commas: an element that starts with a token and no "=" begins a challenge,
// the others are its parameters. Commas inside quoted strings do not separate.
std::vector<std::string> ProxyChallenges(const ResponseHead& head) {
  constexpr std::size_t kMaxChallenges = 8;
  constexpr std::size_t kMaxScheme = 20;
  constexpr std::size_t kMaxRealm = 40;
  std::vector<std::string> challenges;
  for (const auto& value : head.Fields("Proxy-Authenticate")) {
    std::vector<std::string_view> elements;
    bool quoted = false;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= value.size(); ++i) {
      if (i < value.size() && value[i] == '"') quoted = !quoted;
      if (i == value.size() || (value[i] == ',' && !quoted)) {
        const std::string_view element = Trim(std::string_view(value).substr(start, i - start));
        if (!element.empty()) elements.push_back(element);
        start = i + 1;
      }
    }
    for (std::string_view element : elements) {
      const std::size_t space = element.find(' ');
      const std::size_t equals = element.find('=');
      const bool starts_challenge =
          equals == std::string_view::npos || (space != std::string_view::npos && space < equals);
      std::string_view param = element;
      if (starts_challenge) {
        if (challenges.size() >= kMaxChallenges) return challenges;
        challenges.emplace_back(element.substr(0, std::min(std::min(space, element.size()), kMaxScheme)));
        param = space == std::string_view::npos ? std::string_view{} : Trim(element.substr(space + 1));
      }
      if (challenges.empty() || param.size() < 6 || !EqualsIgnoreCase(param.substr(0, 6), "realm=")) continue;
      if (challenges.back().find(' ') == std::string::npos) {
        challenges.back() += " " + std::string(param.substr(0, std::min(param.size(), kMaxRealm)));
      }
    }
  }
  return challenges;
}

}  // namespace portolan::probe::http
