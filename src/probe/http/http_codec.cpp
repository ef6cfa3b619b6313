// HTTP response head parser: status-line = HTTP-version SP status-code SP [reason-phrase]
// (RFC 9112 4), then field lines up to an empty line (RFC 9112 2.1, 5); bare LF accepted as
// RFC 9112 2.2 allows. Nothing is read beyond kMaxHeaderBytes.

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

std::string BuildGetRequest(std::string_view host, std::string_view path) {
  std::string request = "GET ";
  request.append(path).append(" HTTP/1.1\r\nHost: ").append(host);
  request += "\r\nUser-Agent: portolan-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  return request;
}

std::string BuildHeadRequest(std::string_view host) {
  std::string request = "HEAD / HTTP/1.1\r\nHost: ";
  request.append(host);
  request += "\r\nUser-Agent: portolan-probe\r\nRange: bytes=0-0\r\nConnection: close\r\n\r\n";
  return request;
}

std::optional<std::string> ResponseHead::Field(std::string_view name) const {
  for (const auto& [field, value] : fields) {
    if (EqualsIgnoreCase(field, name)) return value;
  }
  return std::nullopt;
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

}  // namespace portolan::probe::http
