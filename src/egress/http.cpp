// The HTTP/1.1 parser: Boost.Beast's basic_parser (a well-kept, strict parser in Debian's
// libboost-dev) driven over caller-owned buffers, plus the proxy's anti-smuggling rules.
#include "tollgate/egress/http.h"

#include <algorithm>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <charconv>
#include <limits>

#include "tollgate/util/strings.h"

namespace tollgate::egress {

namespace http = boost::beast::http;
using boost::beast::error_code;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Tokens of a comma-separated list, trimmed, empty ones dropped.
std::vector<std::string_view> tokens(std::string_view v) {
  std::vector<std::string_view> out;
  for (auto t : split(v, ',')) {
    t = trim(t);
    if (!t.empty()) out.push_back(t);
  }
  return out;
}

}  // namespace

std::string_view HttpHead::field(std::string_view name) const {
  for (const auto& f : fields)
    if (iequals(f.name, name)) return f.value;
  return {};
}

bool HttpHead::has(std::string_view name) const {
  return std::any_of(fields.begin(), fields.end(),
                     [&](const HttpField& f) { return iequals(f.name, name); });
}

template <bool isRequest>
class BeastParser final : public http::basic_parser<isRequest> {
 public:
  HttpHead head;
  std::string* body = nullptr;
  std::string error;  // our own rule that failed, for the message
  int transferEncodings = 0;
  std::uint64_t bodyBytes = 0;

 private:
  void on_request_impl(http::verb, boost::beast::string_view method,
                       boost::beast::string_view target, int version, error_code& ec) override {
    head.isRequest = true;
    head.method.assign(method.data(), method.size());
    head.target.assign(target.data(), target.size());
    head.version = static_cast<unsigned>(version);
    if (head.target.empty()) fail(ec, "empty request target");
  }
  void on_response_impl(int code, boost::beast::string_view reason, int version,
                        error_code& ec) override {
    head.isRequest = false;
    head.status = static_cast<unsigned>(code);
    head.reason.assign(reason.data(), reason.size());
    head.version = static_cast<unsigned>(version);
    (void)ec;
  }
  void on_field_impl(http::field, boost::beast::string_view name, boost::beast::string_view value,
                     error_code& ec) override {
    std::string_view n(name.data(), name.size());
    std::string_view v(value.data(), value.size());
    if (iequals(n, "transfer-encoding")) {
      ++transferEncodings;
      if (isRequest) {
        // RFC 9112 §6.3: a request whose final coding is not chunked cannot be framed; two
        // Transfer-Encoding fields are a classic smuggling shape.
        auto t = tokens(v);
        if (transferEncodings > 1) return fail(ec, "more than one Transfer-Encoding field");
        if (t.empty() || !iequals(t.back(), "chunked"))
          return fail(ec, "Transfer-Encoding does not end in chunked");
      }
    }
    if (head.fields.size() >= 512) return fail(ec, "more than 512 header fields");
    head.fields.push_back({std::string(n), std::string(v)});
  }
  void on_header_impl(error_code& ec) override {
    head.chunked = this->chunked();
    if (auto cl = this->content_length()) head.contentLength = *cl;
    head.keepAlive = this->keep_alive();
    if (isRequest && transferEncodings > 0 && head.has("content-length"))
      return fail(ec, "both Content-Length and Transfer-Encoding");
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(boost::beast::string_view s, error_code&) override {
    body->append(s.data(), s.size());
    bodyBytes += s.size();
    return s.size();
  }
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view s, error_code&) override {
    body->append(s.data(), s.size());
    bodyBytes += s.size();
    return s.size();
  }
  void on_finish_impl(error_code&) override {}

  void fail(error_code& ec, const char* why) {
    error = why;
    ec = http::error::bad_field;
  }
};

class HttpParserImpl {
 public:
  virtual ~HttpParserImpl() = default;
  virtual Result<std::size_t> feed(std::string_view in, std::string& body) = 0;
  virtual Status feedEof() = 0;
  virtual bool headDone() const = 0;
  virtual const HttpHead& head() const = 0;
  virtual bool done() const = 0;
  virtual bool needsEof() const = 0;
  virtual std::uint64_t bodyBytes() const = 0;
};

namespace {

template <bool isRequest>
class Impl final : public HttpParserImpl {
 public:
  Impl(HttpLimits limits, bool noBody) {
    p_.header_limit(limits.maxHeaderBytes);
    p_.body_limit(std::numeric_limits<std::uint64_t>::max());
    p_.eager(false);
    if (noBody) p_.skip(true);
  }

  Result<std::size_t> feed(std::string_view in, std::string& body) override {
    if (broken_) return fail(ErrorCode::kInvalidInput, "parser used after an error");
    p_.body = &body;
    std::size_t used = 0;
    bool hadHead = p_.is_header_done();
    while (used < in.size() && !p_.is_done()) {
      error_code ec;
      std::size_t n = p_.put(boost::asio::const_buffer(in.data() + used, in.size() - used), ec);
      used += n;
      if (ec == http::error::need_more) break;
      if (ec) return error(ec, used);
      if (n == 0) break;
      // Stop once the head is complete, so the caller can act on it (connect, refuse) before
      // any of the body is consumed.
      if (!hadHead && p_.is_header_done()) break;
    }
    return used;
  }

  Status feedEof() override {
    if (p_.is_done()) return {};
    error_code ec;
    p_.put_eof(ec);
    if (ec) return std::unexpected(error(ec, 0).error());
    return {};
  }

  bool headDone() const override { return p_.is_header_done(); }
  const HttpHead& head() const override { return p_.head; }
  bool done() const override { return p_.is_done(); }
  bool needsEof() const override { return p_.is_header_done() && p_.need_eof(); }
  std::uint64_t bodyBytes() const override { return p_.bodyBytes; }

 private:
  std::unexpected<Error> error(const error_code& ec, std::size_t at) {
    broken_ = true;
    if (ec == http::error::header_limit)
      return fail(ErrorCode::kLimit, "header larger than the limit", {}, at);
    std::string msg = !p_.error.empty() ? p_.error : ec.message();
    return fail(ErrorCode::kInvalidInput, msg, {}, at);
  }

  BeastParser<isRequest> p_;
  bool broken_ = false;
};

}  // namespace

HttpParser::HttpParser(std::unique_ptr<HttpParserImpl> impl) : impl_(std::move(impl)) {}
HttpParser::HttpParser(HttpParser&&) noexcept = default;
HttpParser& HttpParser::operator=(HttpParser&&) noexcept = default;
HttpParser::~HttpParser() = default;

HttpParser HttpParser::request(HttpLimits limits) {
  return HttpParser(std::make_unique<Impl<true>>(limits, false));
}
HttpParser HttpParser::response(HttpLimits limits, bool noBody) {
  return HttpParser(std::make_unique<Impl<false>>(limits, noBody));
}
Result<std::size_t> HttpParser::feed(std::string_view in, std::string& body) {
  return impl_->feed(in, body);
}
Status HttpParser::feedEof() { return impl_->feedEof(); }
bool HttpParser::headDone() const noexcept { return impl_->headDone(); }
const HttpHead& HttpParser::head() const noexcept { return impl_->head(); }
bool HttpParser::done() const noexcept { return impl_->done(); }
bool HttpParser::needsEof() const noexcept { return impl_->needsEof(); }
std::uint64_t HttpParser::bodyBytes() const noexcept { return impl_->bodyBytes(); }

namespace {

bool validHost(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

Result<std::pair<std::string, std::uint16_t>> hostPort(std::string_view a, std::uint16_t dflt,
                                                       bool portRequired) {
  std::string host;
  std::string_view rest;
  if (!a.empty() && a.front() == '[') {
    auto close = a.find(']');
    if (close == std::string_view::npos) return fail(ErrorCode::kInvalidInput, "unclosed '['");
    auto v6 = a.substr(1, close - 1);
    if (v6.empty() || !std::all_of(v6.begin(), v6.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        }))
      return fail(ErrorCode::kInvalidInput, "bad IPv6 literal");
    host = toLower(v6);
    rest = a.substr(close + 1);
  } else {
    auto colon = a.rfind(':');
    host = toLower(a.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view{} : a.substr(colon);
    if (!validHost(host)) return fail(ErrorCode::kInvalidInput, "bad host name");
  }
  std::uint16_t port = dflt;
  if (!rest.empty()) {
    if (rest.front() != ':' || rest.size() < 2) return fail(ErrorCode::kInvalidInput, "bad port");
    unsigned v = 0;
    auto [p, ec] = std::from_chars(rest.data() + 1, rest.data() + rest.size(), v);
    if (ec != std::errc{} || p != rest.data() + rest.size() || v == 0 || v > 65535)
      return fail(ErrorCode::kInvalidInput, "bad port");
    port = static_cast<std::uint16_t>(v);
  } else if (portRequired) {
    return fail(ErrorCode::kInvalidInput, "missing port");
  }
  return std::pair{host, port};
}

}  // namespace

Result<HttpUrl> parseAbsoluteUrl(std::string_view target) {
  auto sep = target.find("://");
  if (sep == std::string_view::npos || sep == 0)
    return fail(ErrorCode::kInvalidInput, "not an absolute URL (a forward proxy needs one)");
  HttpUrl u;
  u.scheme = toLower(target.substr(0, sep));
  if (u.scheme != "http")
    return fail(ErrorCode::kUnsupported,
                "scheme '" + printable(u.scheme, 16) + "' (use CONNECT for https)");
  auto rest = target.substr(sep + 3);
  auto end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, end);
  if (authority.find('@') != std::string_view::npos)
    return fail(ErrorCode::kInvalidInput, "user information in the URL");
  auto hp = hostPort(authority, 80, false);
  if (!hp) return std::unexpected(hp.error());
  u.host = hp->first;
  u.port = hp->second;
  u.path = end == std::string_view::npos ? "/" : std::string(rest.substr(end));
  if (auto hash = u.path.find('#'); hash != std::string::npos) u.path.resize(hash);
  if (u.path.empty() || u.path.front() != '/') u.path.insert(0, "/");
  return u;
}

Result<std::pair<std::string, std::uint16_t>> parseAuthority(std::string_view target) {
  return hostPort(target, 0, true);
}

std::string serializeHead(const HttpHead& head, std::string_view target, std::string_view extra) {
  std::string out;
  out.reserve(512);
  const char* ver = head.version == 10 ? "HTTP/1.0" : "HTTP/1.1";
  if (head.isRequest) {
    out.append(head.method).append(" ").append(target).append(" ").append(ver).append("\r\n");
  } else {
    out.append(ver).append(" ").append(std::to_string(head.status)).append(" ");
    out.append(head.reason).append("\r\n");
  }
  std::vector<std::string_view> named;  // fields listed in Connection
  for (const auto& f : head.fields)
    if (iequals(f.name, "connection"))
      for (auto t : tokens(f.value)) named.push_back(t);
  static constexpr std::string_view kHop[] = {
      "connection", "keep-alive", "proxy-connection",  "proxy-authorization", "te",
      "trailer",    "upgrade",    "transfer-encoding", "content-length"};
  for (const auto& f : head.fields) {
    bool hop = std::any_of(std::begin(kHop), std::end(kHop),
                           [&](std::string_view h) { return iequals(f.name, h); }) ||
               std::any_of(named.begin(), named.end(),
                           [&](std::string_view h) { return iequals(f.name, h); });
    if (hop) continue;
    out.append(f.name).append(": ").append(f.value).append("\r\n");
  }
  out.append(extra);
  out.append("\r\n");
  return out;
}

}  // namespace tollgate::egress
