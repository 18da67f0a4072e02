#include "tollgate/egress/http.h"

#include <gtest/gtest.h>

#include <string>

namespace tollgate::egress {
namespace {

struct Parsed {
  bool ok = false;
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  HttpHead head;
  std::string body;
  bool done = false;
  std::size_t used = 0;
};

// Feeds `in` in pieces of `step` bytes as a socket would deliver them (keeping unused bytes).
Parsed parse(HttpParser p, std::string_view in, std::size_t step = 1 << 20) {
  Parsed r;
  std::string pending;
  std::size_t pos = 0;
  while (pos < in.size() || !pending.empty()) {
    if (pos < in.size()) {
      auto take = std::min(step, in.size() - pos);
      pending.append(in.substr(pos, take));
      pos += take;
    }
    auto used = p.feed(pending, r.body);
    if (!used) {
      r.code = used.error().code;
      r.message = used.error().message;
      return r;
    }
    r.used += *used;
    pending.erase(0, *used);
    if (p.done()) break;
    if (*used == 0 && pos >= in.size()) break;
  }
  r.ok = true;
  r.done = p.done();
  if (p.headDone()) r.head = p.head();
  return r;
}

TEST(HttpParser, AbsoluteFormGet) {
  auto r = parse(HttpParser::request(),
                 "GET http://example.com:8080/a?b=c HTTP/1.1\r\nHost: example.com\r\n\r\n");
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_TRUE(r.done);
  EXPECT_EQ(r.head.method, "GET");
  EXPECT_EQ(r.head.target, "http://example.com:8080/a?b=c");
  EXPECT_EQ(r.head.field("HOST"), "example.com");
  EXPECT_TRUE(r.head.keepAlive);
}

TEST(HttpParser, ChunkedBodyIsDechunkedAtAnySplit) {
  std::string msg =
      "POST http://h/ HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\nGET";
  for (std::size_t step : {1, 2, 7, 1000}) {
    auto r = parse(HttpParser::request(), msg, step);
    ASSERT_TRUE(r.ok) << r.message;
    EXPECT_TRUE(r.done) << step;
    EXPECT_EQ(r.body, "hello world") << step;
    EXPECT_TRUE(r.head.chunked);
    EXPECT_EQ(r.used, msg.size() - 3) << "bytes of the next message stay unused";
  }
}

TEST(HttpParser, ContentLengthBody) {
  auto r = parse(HttpParser::request(),
                 "POST http://h/ HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcdEXTRA", 3);
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.done);
  EXPECT_EQ(r.body, "abcd");
}

struct Bad {
  const char* name;
  const char* msg;
};

class Smuggling : public ::testing::TestWithParam<Bad> {};

TEST_P(Smuggling, IsRejected) {
  auto r = parse(HttpParser::request(), GetParam().msg);
  EXPECT_FALSE(r.ok) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, Smuggling,
    ::testing::Values(
        Bad{"cl_te",
            "POST http://h/ HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: "
            "chunked\r\n\r\n0\r\n\r\n"},
        Bad{"te_cl",
            "POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: "
            "4\r\n\r\n0\r\n\r\n"},
        Bad{"two_cl",
            "POST http://h/ HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde"},
        Bad{"te_not_last", "POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"},
        Bad{"te_twice",
            "POST http://h/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: "
            "chunked\r\n\r\n0\r\n\r\n"},
        Bad{"te_obfuscated", "POST http://h/ HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n"},
        Bad{"space_before_colon", "GET http://h/ HTTP/1.1\r\nHost : h\r\n\r\n"},
        Bad{"bare_lf_in_field", "GET http://h/ HTTP/1.1\r\nHost: h\nX: y\r\n\r\n"},
        Bad{"negative_cl", "POST http://h/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n"},
        Bad{"bad_chunk_size",
            "POST http://h/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"},
        Bad{"bad_version", "GET http://h/ HTTP/9.9x\r\n\r\n"},
        Bad{"control_in_target", "GET http://h/\x01 HTTP/1.1\r\n\r\n"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(HttpParser, OversizedHeadIsALimitError) {
  std::string msg = "GET http://h/ HTTP/1.1\r\nX: " + std::string(70000, 'a') + "\r\n\r\n";
  auto r = parse(HttpParser::request({.maxHeaderBytes = 65536}), msg, 4096);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, ErrorCode::kLimit);
}

TEST(HttpParser, ResponseUntilEof) {
  auto p = HttpParser::response();
  std::string body;
  std::string_view msg = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it";
  auto used = p.feed(msg, body);
  ASSERT_TRUE(used);
  EXPECT_TRUE(p.headDone());
  EXPECT_EQ(body, "") << "feed stops after the head";
  ASSERT_TRUE(p.feed(msg.substr(*used), body));
  EXPECT_TRUE(p.needsEof());
  EXPECT_FALSE(p.done());
  ASSERT_TRUE(p.feedEof());
  EXPECT_TRUE(p.done());
  EXPECT_EQ(body, "all of it");
}

TEST(HttpParser, TruncatedBodyAtEofIsAnError) {
  auto p = HttpParser::response();
  std::string body;
  ASSERT_TRUE(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", body));
  EXPECT_FALSE(p.feedEof());
}

TEST(HttpParser, HeadResponseHasNoBody) {
  auto p = HttpParser::response({}, true);
  std::string body;
  ASSERT_TRUE(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", body));
  EXPECT_TRUE(p.done());
}

TEST(Url, AbsoluteForm) {
  auto u = parseAbsoluteUrl("HTTP://Example.COM:8080/p?q=1#frag");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->path, "/p?q=1");
  auto v6 = parseAbsoluteUrl("http://[::1]/");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 80);
  auto bare = parseAbsoluteUrl("http://h?x");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->path, "/?x");
  EXPECT_FALSE(parseAbsoluteUrl("/origin/form"));
  EXPECT_FALSE(parseAbsoluteUrl("http://user:pw@h/"));
  EXPECT_FALSE(parseAbsoluteUrl("http://h:99999/"));
  EXPECT_FALSE(parseAbsoluteUrl("http://h a/"));
  EXPECT_EQ(parseAbsoluteUrl("https://h/").error().code, ErrorCode::kUnsupported);
}

TEST(Url, Authority) {
  auto a = parseAuthority("example.com:443");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->first, "example.com");
  EXPECT_EQ(a->second, 443);
  EXPECT_TRUE(parseAuthority("[2001:db8::1]:8443"));
  EXPECT_FALSE(parseAuthority("example.com"));
  EXPECT_FALSE(parseAuthority("example.com:0"));
  EXPECT_FALSE(parseAuthority(":443"));
}

TEST(SerializeHead, DropsHopByHopFields) {
  auto p = HttpParser::request();
  std::string body;
  ASSERT_TRUE(p.feed(
      "GET http://h/x HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\n"
      "Proxy-Authorization: Basic dTpw\r\nProxy-Connection: keep-alive\r\nAccept: */*\r\n\r\n",
      body));
  std::string out = serializeHead(p.head(), "/x", "Via: 1.1 tollgate\r\n");
  EXPECT_EQ(out, "GET /x HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nVia: 1.1 tollgate\r\n\r\n");
}

}  // namespace
}  // namespace tollgate::egress
