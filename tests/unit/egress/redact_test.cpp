#include "tollgate/egress/redact.h"

#include <brotli/encode.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include "../classify/encodings.h"
#include "tollgate/classify/decode.h"

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

TEST(Redact, NothingWantedLeavesACompressedBodyAsItIs) {
  // Not decompressed at all: even bytes that would not decompress pass unchanged.
  std::vector<classify::Match> ms{at("email", 0, 10, "gzip>json")};
  classify::ScanOptions opt;
  opt.contentEncoding = "gzip";
  auto r = redactBody(nullptr, "0123456789", opt, ms, {"phone"}, "[R]");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->bytes, "0123456789");
  EXPECT_EQ(r->replaced, 0u);
  EXPECT_EQ(r->recompressed, "");
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

// --- compressed bodies: decompressed, cut, compressed again -----------------------------------

// Compressed by the libraries themselves (not by the code under test), at settings other than
// the ones redaction uses, and a gzip header with a file name.
std::string pack(std::string_view enc, std::string_view in) {
  if (enc == "gzip") return classify::testing::gzip(in, 15 + 16, "body.json");
  if (enc == "deflate") return classify::testing::gzip(in, 15);
  if (enc == "deflate-raw") return classify::testing::gzip(in, -15);
  if (enc == "br") {
    std::size_t n = BrotliEncoderMaxCompressedSize(in.size());
    std::string out(n, '\0');
    EXPECT_TRUE(BrotliEncoderCompress(11, 22, BROTLI_MODE_TEXT, in.size(),
                                      reinterpret_cast<const std::uint8_t*>(in.data()), &n,
                                      reinterpret_cast<std::uint8_t*>(out.data())));
    out.resize(n);
    return out;
  }
  std::string out(ZSTD_compressBound(in.size()), '\0');
  std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 19);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

bool zlibWrapped(std::string_view d) {
  return d.size() >= 2 && (static_cast<unsigned char>(d[0]) & 0x0F) == 8 &&
         ((static_cast<unsigned char>(d[0]) << 8) | static_cast<unsigned char>(d[1])) % 31 == 0;
}

class RedactCompressed : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto db = classify::Database::defaults();
    ASSERT_TRUE(db) << db.error().describe();
    db_ = *db;
  }
  static void TearDownTestSuite() { db_.reset(); }

  // What the proxy does with a held body: classify it as it came, then redact.
  static Result<RedactedBody> redact(std::string_view body, const classify::ScanOptions& opt,
                                     const std::set<std::string>& which = {"email"}) {
    auto found = classify::scan(db_, body, opt);
    if (!found) return std::unexpected(found.error());
    return redactBody(db_, body, opt, *found, which, "[REDACTED]");
  }
  static classify::ScanOptions json(std::string enc) {
    classify::ScanOptions opt;
    opt.contentEncoding = std::move(enc);
    opt.contentType = "application/json";
    return opt;
  }

  static inline std::shared_ptr<const classify::Database> db_;
};

const std::string kJson =
    R"({"user":"Jane","contact":"jane.doe@example.com","note":"call later","n":1,)"
    R"("cc":["ops@example.org"],"pad":"lorem ipsum dolor sit amet lorem ipsum dolor sit amet"})";
const std::string kJsonRedacted =
    R"({"user":"Jane","contact":"[REDACTED]","note":"call later","n":1,)"
    R"("cc":["[REDACTED]"],"pad":"lorem ipsum dolor sit amet lorem ipsum dolor sit amet"})";

struct EncodingCase {
  std::string header;  // Content-Encoding as sent
  std::string packer;  // how the client compressed it
  classify::Compression kind;
  std::string name;  // RedactedBody::recompressed
};

class RedactEachEncoding : public RedactCompressed,
                           public ::testing::WithParamInterface<EncodingCase> {};

TEST_P(RedactEachEncoding, RoundTripCutsTheValuesAndKeepsTheRest) {
  const auto& c = GetParam();
  std::string body = pack(c.packer, kJson);
  auto r = redact(body, json(c.header));
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->replaced, 2u);
  EXPECT_EQ(r->recompressed, c.name);
  auto plain = classify::decompress(c.kind, r->bytes, 1 << 20);
  ASSERT_TRUE(plain) << plain.error().describe();
  EXPECT_EQ(*plain, kJsonRedacted);
  if (c.packer == "gzip") {
    EXPECT_TRUE(r->bytes.starts_with("\x1f\x8b\x08"));
  } else if (c.packer == "deflate") {
    EXPECT_TRUE(zlibWrapped(r->bytes)) << "zlib-wrapped kept";
  } else if (c.packer == "deflate-raw") {
    EXPECT_FALSE(zlibWrapped(r->bytes)) << "raw deflate kept";
  } else if (c.packer == "zstd") {
    EXPECT_TRUE(r->bytes.starts_with("\x28\xb5\x2f\xfd"));
  }
  // The redacted body, classified as the upstream would receive it: no e-mail left.
  auto again = classify::scan(db_, r->bytes, json(c.header));
  ASSERT_TRUE(again) << again.error().describe();
  for (const auto& m : *again) EXPECT_NE(m.detector, "email") << m.value;
}

INSTANTIATE_TEST_SUITE_P(
    Encodings, RedactEachEncoding,
    ::testing::Values(
        EncodingCase{"gzip", "gzip", classify::Compression::kGzip, "gzip"},
        EncodingCase{"X-GZIP", "gzip", classify::Compression::kGzip, "gzip"},
        EncodingCase{"deflate", "deflate", classify::Compression::kDeflate, "deflate"},
        EncodingCase{"deflate", "deflate-raw", classify::Compression::kDeflate, "deflate"},
        EncodingCase{" br ", "br", classify::Compression::kBrotli, "brotli"},
        EncodingCase{"zstd", "zstd", classify::Compression::kZstd, "zstd"}),
    [](const auto& info) {
      std::string n = info.param.packer + "_" + info.param.header;
      std::erase_if(n, [](char ch) { return !std::isalnum(static_cast<unsigned char>(ch)); });
      return n;
    });

TEST_F(RedactCompressed, SniffedGzipWithoutAContentEncoding) {
  std::string body = pack("gzip", kJson);
  auto r = redact(body, json(""));
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->recompressed, "gzip");
  auto plain = classify::decompress(classify::Compression::kGzip, r->bytes, 1 << 20);
  ASSERT_TRUE(plain) << plain.error().describe();
  EXPECT_EQ(*plain, kJsonRedacted);
  // Declared identity: classify does not look inside, so neither does redaction.
  auto id = redact(body, json("identity"));
  ASSERT_TRUE(id) << id.error().describe();
  EXPECT_EQ(id->bytes, body);
}

TEST_F(RedactCompressed, AValueInANestedDecodingReplacesItsWholeSegment) {
  // base64 of a JSON document with an address, inside the gzip body.
  std::string body =
      pack("gzip", R"({"blob":"eyJlbWFpbCI6ImphbmUuZG9lQGV4YW1wbGUuY29tIn0=","n":2})");
  auto r = redact(body, json("gzip"));
  ASSERT_TRUE(r) << r.error().describe();
  auto plain = classify::decompress(classify::Compression::kGzip, r->bytes, 1 << 20);
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, R"({"blob":"[REDACTED]","n":2})");
}

TEST_F(RedactCompressed, CorruptOrTruncatedBodiesAreBlockedWithTheReason) {
  std::string good = pack("gzip", kJson);
  auto found = classify::scan(db_, good, json("gzip"));
  ASSERT_TRUE(found);
  std::string corrupt = good;
  corrupt[corrupt.size() - 5] ^= 0x55;  // the CRC-32 of the trailer
  auto r = redactBody(db_, corrupt, json("gzip"), *found, {"email"}, "[REDACTED]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_TRUE(
      r.error().message.starts_with("cannot redact inside a gzip-encoded body: gzip: "
                                    "corrupt data"))
      << r.error().message;
  r = redactBody(db_, std::string_view(good).substr(0, good.size() / 2), json("gzip"), *found,
                 {"email"}, "[REDACTED]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << r.error().message;
}

TEST_F(RedactCompressed, ABodyThatGrowsPastTheBudgetIsBlocked) {
  std::string big =
      R"({"contact":"jane.doe@example.com","pad":")" + std::string(100000, 'a') + "\"}";
  std::string body = pack("gzip", big);
  ASSERT_LT(body.size(), 1000u);
  auto opt = json("gzip");
  auto found = classify::scan(db_, body, opt);
  ASSERT_TRUE(found);
  opt.maxDecodedBytes = 50000;
  auto r = redactBody(db_, body, opt, *found, {"email"}, "[REDACTED]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kLimit);
  EXPECT_EQ(r.error().message,
            "cannot redact inside a gzip-encoded body: gzip: decoded size exceeds 50000 bytes");
  opt.maxDecodedBytes = 200000;
  r = redactBody(db_, body, opt, *found, {"email"}, "[REDACTED]");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->replaced, 1u);
}

TEST_F(RedactCompressed, WhatCannotBeDecodedWhollyIsRefused) {
  std::string body = pack("gzip", kJson);
  auto found = classify::scan(db_, body, json("gzip"));
  ASSERT_TRUE(found);
  // Stacked encodings are not decoded (classify refuses them too).
  auto r = redactBody(db_, body, json("gzip, br"), *found, {"email"}, "[REDACTED]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(r.error().message,
            "cannot redact inside a 'gzip, br'-encoded body (stacked or unknown content "
            "encodings are not decoded)");
  // Bytes after the end of the stream: not judged by classify, so not passed on either.
  r = redactBody(db_, body + "trailing", json("gzip"), *found, {"email"}, "[REDACTED]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(r.error().message,
            "cannot redact inside a gzip-encoded body: 8 bytes after the end of the compressed "
            "stream are not decoded");
  // No classifier to find the values in the decompressed bytes.
  r = redactBody(nullptr, body, json("gzip"), *found, {"email"}, "[REDACTED]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
}

TEST_F(RedactCompressed, EveryGzipMemberIsRedacted) {
  // Two members (RFC 1952 §2.2), a value in each: both cut, one member out.
  std::string body = pack("gzip", kJson) + pack("gzip", R"({"more":"joe@example.net"})");
  auto r = redact(body, json("gzip"));
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->replaced, 3u);
  auto plain = classify::decompress(classify::Compression::kGzip, r->bytes, 1 << 20);
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, kJsonRedacted + R"({"more":"[REDACTED]"})");
}

TEST_F(RedactCompressed, ClassifyAndRedactAGzipBody) {
  auto r = classifyAndRedact(db_, pack("gzip", kJson), json("gzip"), {"email"}, "[REDACTED]");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->replaced, 2u);
  EXPECT_GE(r->matches.size(), 2u);
  auto plain = classify::decompress(classify::Compression::kGzip, r->bytes, 1 << 20);
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, kJsonRedacted);
}

}  // namespace
}  // namespace tollgate::egress
