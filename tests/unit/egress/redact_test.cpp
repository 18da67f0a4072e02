#include "tollgate/egress/redact.h"

#include <gtest/gtest.h>

namespace tollgate::egress {
namespace {

classify::Match at(std::string det, std::uint64_t s, std::uint64_t e, std::string dec = {}) {
  classify::Match m;
  m.detector = std::move(det);
  m.start = s;
  m.end = e;
  m.decoding = std::move(dec);
  return m;
}

TEST(Redact, SpansReplacedMergedAndFiltered) {
  std::string body = "a=jane@x.io&c=4111111111111111&d=ok";
  std::vector<classify::Match> ms{at("email", 2, 11), at("credit_card", 14, 30),
                                  at("credit_card", 20, 30)};
  std::size_t n = 0;
  auto all = redactSpans(body, ms, {}, "[R]", &n);
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, "a=[R]&c=[R]&d=ok");
  EXPECT_EQ(n, 2u);
  auto cards = redactSpans(body, ms, {"credit_card"}, "[R]", &n);
  EXPECT_EQ(*cards, "a=jane@x.io&c=[R]&d=ok");
  EXPECT_EQ(n, 1u);
}

TEST(Redact, SpanOutsideTheBufferIsAnError) {
  std::vector<classify::Match> ms{at("email", 3, 99)};
  EXPECT_FALSE(redactSpans("short", ms, {}, "x", nullptr));
}

TEST(Redact, CompressedBodiesAreRefusedNotCorrupted) {
  std::vector<classify::Match> ms{at("email", 0, 10, "gzip>json")};
  auto r = redactBody("0123456789", ms, {}, "gzip", "[R]", nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
  r = redactBody("0123456789", ms, {}, "", "[R]", nullptr);
  EXPECT_FALSE(r) << "sniffed gzip covering the whole body";
  // Nothing to redact: the body passes even when compressed.
  r = redactBody("0123456789", ms, {"phone"}, "gzip", "[R]", nullptr);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "0123456789");
}

TEST(Redact, ClassifyAndRedactAJsonBody) {
  auto db = classify::Database::defaults();
  ASSERT_TRUE(db) << db.error().describe();
  std::string body = R"({"name":"Jane","card":"4111 1111 1111 1111","email":"jane@example.com"})";
  classify::ScanOptions opt;
  opt.contentType = "application/json";
  auto r = classifyAndRedact(*db, body, opt, {"credit_card"}, "[REDACTED]");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->bytes, R"({"name":"Jane","card":"[REDACTED]","email":"jane@example.com"})");
  EXPECT_EQ(r->replaced, 1u);
  EXPECT_GE(r->matches.size(), 2u);
}

}  // namespace
}  // namespace tollgate::egress
