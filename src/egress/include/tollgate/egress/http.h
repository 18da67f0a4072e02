// HTTP/1.1 message parsing for the proxy: a push parser over bytes, no I/O.
//
//   auto p = egress::HttpParser::request({});
//   std::string body;
//   auto used = p.feed(bytes, body);        // consumed bytes; keep the rest for the next call
//   if (!used) reply400(used.error());      // malformed, oversized or ambiguous (smuggling)
//   if (p.headDone()) ... p.head().method ...
//   if (p.done()) ... next message on the connection ...
//
// The grammar is Boost.Beast's parser (Debian's libboost-dev; strict about tokens, line endings,
// duplicate or conflicting Content-Length and Transfer-Encoding), wrapped with the checks a
// forward proxy adds against request smuggling: a request whose Transfer-Encoding does not end in
// `chunked`, more than one Transfer-Encoding field, or a Content-Length next to Transfer-Encoding
// is rejected. Bodies come out de-chunked; the caller re-frames them.
//
// Thread safety: an HttpParser is single-threaded; the free functions are pure.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::egress {

struct HttpLimits {
  std::uint32_t maxHeaderBytes = 64 * 1024;  // request/status line plus fields
};

struct HttpField {
  std::string name;
  std::string value;
};

struct HttpHead {
  bool isRequest = true;
  std::string method;     // requests
  std::string target;     // requests, as sent (absolute-form, authority-form or origin-form)
  unsigned status = 0;    // responses
  std::string reason;     // responses
  unsigned version = 11;  // 10 or 11
  std::vector<HttpField> fields;  // in order, names as sent
  bool chunked = false;
  std::optional<std::uint64_t> contentLength;
  bool keepAlive = true;  // per the version and Connection fields

  // First value of a field (case-insensitive name), "" when absent.
  [[nodiscard]] std::string_view field(std::string_view name) const;
  [[nodiscard]] bool has(std::string_view name) const;
};

class HttpParserImpl;

class HttpParser {
 public:
  [[nodiscard]] static HttpParser request(HttpLimits limits = {});
  // `noBody`: the response answers HEAD (or a CONNECT that succeeded), so it has no body whatever
  // its fields say.
  [[nodiscard]] static HttpParser response(HttpLimits limits = {}, bool noBody = false);
  HttpParser(HttpParser&&) noexcept;
  HttpParser& operator=(HttpParser&&) noexcept;
  ~HttpParser();

  // Parses from the start of `in`, appending body bytes (chunk framing removed) to `body`.
  // Returns how many bytes of `in` were used: the caller keeps the rest and presents it again
  // with more bytes appended (a head is only parsed once it is complete). Stops right after the
  // head (call again for the body) and at the end of the message; bytes after it belong to the
  // next message. Errors (kInvalidInput, kLimit for an
  // oversized head) leave the parser unusable.
  [[nodiscard]] Result<std::size_t> feed(std::string_view in, std::string& body);
  // The peer closed its side. Completes a response whose body runs to the end of the connection;
  // an error when the message was cut short.
  [[nodiscard]] Status feedEof();

  [[nodiscard]] bool headDone() const noexcept;
  [[nodiscard]] const HttpHead& head() const noexcept;
  [[nodiscard]] bool done() const noexcept;
  // The body runs until the connection closes (a response with neither length nor chunking).
  [[nodiscard]] bool needsEof() const noexcept;
  // Body bytes delivered so far.
  [[nodiscard]] std::uint64_t bodyBytes() const noexcept;

 private:
  explicit HttpParser(std::unique_ptr<HttpParserImpl> impl);
  std::unique_ptr<HttpParserImpl> impl_;
};

// An absolute-form http URL split up.
struct HttpUrl {
  std::string scheme;  // lower-case
  std::string host;    // lower-case; IPv6 literal without brackets
  std::uint16_t port = 80;
  std::string path;  // origin-form: path and query, at least "/"
};
// Parses `http://host[:port][/path][?query]` (userinfo is rejected: it would leak to logs).
// Errors: kInvalidInput; kUnsupported for another scheme.
[[nodiscard]] Result<HttpUrl> parseAbsoluteUrl(std::string_view target);
// Parses CONNECT's authority-form `host:port` (`[v6]:port`). Errors: kInvalidInput.
[[nodiscard]] Result<std::pair<std::string, std::uint16_t>> parseAuthority(std::string_view target);

// Serialises a head for forwarding: the request line with `target` (or the status line), then the
// fields except hop-by-hop ones (Connection and the fields it names, Keep-Alive, Proxy-Connection,
// Proxy-Authorization, TE, Trailer, Upgrade; Transfer-Encoding and Content-Length too, since the
// caller re-frames the body), then `extra` lines ("Name: value\r\n" each) and the blank line.
[[nodiscard]] std::string serializeHead(const HttpHead& head, std::string_view target,
                                        std::string_view extra);

}  // namespace tollgate::egress
