// Decoders and decoding paths: values hidden in encodings are found and report the path and the
// span of the encoded segment.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "encodings.h"
#include "tollgate/classify/decode.h"
#include "tollgate/classify/scanner.h"

namespace tollgate::classify {
namespace {

using testing::b64;
using testing::db;
using testing::gzip;
using testing::zstd;

const std::string kRecord =
    "{\"user\":{\"email\":\"jane.roe@example.org\",\"card\":\"4539 1488 0343 6467\"}}";

const Match* find(const std::vector<Match>& ms, const std::string& det, const std::string& path) {
  for (const auto& m : ms)
    if (m.detector == det && m.decoding == path) return &m;
  return nullptr;
}

std::string describe(const std::vector<Match>& ms) {
  std::string s;
  for (const auto& m : ms)
    s += m.detector + "[" + m.value + "]@" + std::to_string(m.start) + "-" + std::to_string(m.end) +
         "(" + m.decoding + ") ";
  return s;
}

TEST(Decode, Primitives) {
  EXPECT_EQ(percentDecode("a%40b.c+d%zz%4", true), "a@b.c d%zz%4");
  EXPECT_EQ(percentDecode(std::string(40, '+') + "%41%4", false), std::string(40, '+') + "A%4");
  EXPECT_EQ(jsonUnescape("a\\u0040b\\/c\\n\\ud83d\\ude00"), "a@b/c\n\xF0\x9F\x98\x80");
  EXPECT_FALSE(jsonUnescape("bad\\q"));
  EXPECT_EQ(base64Decode("aGVsbG8=", false), "hello");
  EXPECT_EQ(base64Decode("_-8", true), "\xFF\xEF");
  EXPECT_FALSE(base64Decode("a", false));
  EXPECT_EQ(quotedPrintableDecode("caf=C3=A9 =\r\nok"), "caf\xC3\xA9 ok");
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=\"xyz\""), "xyz");
  for (auto c : {Compression::kGzip, Compression::kDeflate}) {
    auto z = c == Compression::kGzip ? gzip(kRecord) : gzip(kRecord, 15);
    auto d = decompress(c, z, 1 << 20);
    ASSERT_TRUE(d) << d.error().describe();
    EXPECT_EQ(*d, kRecord);
  }
  auto raw = decompress(Compression::kDeflate, gzip(kRecord, -15), 1 << 20);
  ASSERT_TRUE(raw);
  EXPECT_EQ(*raw, kRecord);
  auto zs = decompress(Compression::kZstd, zstd(kRecord), 1 << 20);
  ASSERT_TRUE(zs);
  EXPECT_EQ(*zs, kRecord);
}

// Every length, with and without padding, in both alphabets; one bad character anywhere fails.
TEST(Decode, Base64EveryLength) {
  std::string bytes;
  for (int i = 0; i < 100; ++i) bytes += static_cast<char>(i * 37 + 11);
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    std::string in = bytes.substr(0, n);
    std::string enc = b64(in);
    EXPECT_EQ(base64Decode(enc, false), in) << n;
    std::string bare = enc.substr(0, enc.find('='));
    EXPECT_EQ(base64Decode(bare, false), in) << n;
    std::string url = bare;
    for (auto& c : url) c = c == '+' ? '-' : c == '/' ? '_' : c;
    EXPECT_EQ(base64Decode(url, true), in) << n;
    for (std::size_t k = 0; k < bare.size(); k += 5) {
      std::string bad = bare;
      bad[k] = '*';
      EXPECT_FALSE(base64Decode(bad, false)) << n << " " << k;
    }
  }
  EXPECT_FALSE(base64Decode("aGVsb", false));  // 1 mod 4
  EXPECT_FALSE(base64Decode("aG=Vs", false));  // padding inside
}

// Line by line where the lines allow it, the long way otherwise: always base64Decode of the
// text without white space. MIME-like lines of whole groups, odd lengths, CR LF and lone CR,
// blanks inside lines, padding on the last line and before it, bad characters.
TEST(Decode, Base64LinesSameAsStrippedText) {
  auto strip = [](std::string_view in) {
    std::string out;
    for (char c : in)
      if (c != '\r' && c != '\n' && c != ' ' && c != '\t') out += c;
    return out;
  };
  std::uint32_t x = 7;
  auto next = [&] { return x = x * 1664525u + 1013904223u, x >> 16; };
  const std::string b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  int decoded = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string in;
    std::size_t line = next() % 3 ? 4 * (1 + next() % 20) : 1 + next() % 40;
    std::size_t lines = next() % 6;
    for (std::size_t l = 0; l <= lines; ++l) {
      std::size_t len = l == lines ? next() % (line + 1) : line;
      for (std::size_t k = 0; k < len; ++k) in += b64[next() % b64.size()];
      if (next() % 40 == 0) in.insert(next() % (in.size() + 1), 1, " \t\r=*-"[next() % 7]);
      if (l < lines) in += next() % 3 ? "\n" : "\r\n";
    }
    if (next() % 3 == 0) in += std::string(next() % 3, '=');
    if (next() % 10 == 0) in += "\n";
    auto want = base64Decode(strip(in), false);
    ASSERT_EQ(base64DecodeLines(in, false), want) << in;
    decoded += want.has_value();
  }
  EXPECT_GT(decoded, 5000);
  EXPECT_LT(decoded, 19000);
}

// The block-wise %XX decoder against the byte loop, on escapes at every alignment, cut escapes,
// '%%', '+' in form and non-form mode.
TEST(Decode, PercentDecodeSameAsByteLoop) {
  auto slow = [](std::string_view in, bool plus) {
    auto hex = [](char c) {
      return c >= '0' && c <= '9'   ? c - '0'
             : c >= 'a' && c <= 'f' ? c - 'a' + 10
             : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                    : -1;
    };
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (in[i] == '%' && i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
        out += static_cast<char>(hex(in[i + 1]) << 4 | hex(in[i + 2]));
        i += 2;
      } else {
        out += plus && in[i] == '+' ? ' ' : in[i];
      }
    }
    return out;
  };
  std::uint32_t x = 99;
  const std::string alphabet = "%%%%%+0aF9gZ \n\x80";
  for (int round = 0; round < 20000; ++round) {
    std::string in(round % 70, ' ');
    for (auto& c : in) {
      x = x * 1664525u + 1013904223u;
      c = alphabet[(x >> 16) % alphabet.size()];
    }
    bool plus = round % 2;
    ASSERT_EQ(percentDecode(in, plus), slow(in, plus)) << in;
  }
}

// A small compressed input whose output is many times larger: the output chunk starts small and
// grows, and the whole output comes back (also through the streaming Decompressor in pieces).
TEST(Decode, SmallInputLargeOutput) {
  std::string text;
  for (int i = 0; text.size() < (3u << 20) / 2; ++i) text += std::to_string(i) + " " + kRecord;
  for (auto c : {Compression::kGzip, Compression::kZstd}) {
    auto packed = c == Compression::kGzip ? gzip(text) : zstd(text);
    ASSERT_LT(packed.size() * 8, text.size());
    auto d = decompress(c, packed, 4 << 20);
    ASSERT_TRUE(d) << d.error().describe();
    EXPECT_EQ(*d, text);
    auto dec = Decompressor::open(c, 4 << 20);
    ASSERT_TRUE(dec);
    std::string out;
    for (std::size_t i = 0; i < packed.size(); i += 100)
      ASSERT_TRUE(dec->feed(std::string_view(packed).substr(i, 100), out));
    ASSERT_TRUE(dec->finish());
    EXPECT_EQ(out, text);
  }
}

TEST(Decode, BombsAndGarbageAreErrorsNotCrashes) {
  std::string zeros(8 << 20, '\0');
  auto bomb = decompress(Compression::kGzip, gzip(zeros), 1 << 20);
  ASSERT_FALSE(bomb);
  EXPECT_EQ(bomb.error().code, ErrorCode::kLimit);
  auto bad = decompress(Compression::kGzip, "\x1f\x8b\x08garbage", 1 << 20);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);
  auto cut = decompress(Compression::kZstd, zstd(kRecord).substr(0, 10), 1 << 20);
  EXPECT_FALSE(cut);
  auto br = decompress(Compression::kBrotli, "not brotli at all", 1 << 20);
  EXPECT_FALSE(br);
}

TEST(Decode, EveryGzipMemberIsRead) {
  const std::string second = "second member: mail jane.doe@example.com now";
  std::string two = gzip(kRecord) + gzip(second);
  auto whole = decompress(Compression::kGzip, two, 1 << 20);
  ASSERT_TRUE(whole) << whole.error().describe();
  EXPECT_EQ(*whole, kRecord + second);
  // Fed in pieces that split at the members' boundary and inside the next member's magic.
  const std::size_t first = gzip(kRecord).size();
  for (std::size_t cut : {first, first + 1, first - 1}) {
    auto dec = Decompressor::open(Compression::kGzip, 1 << 20);
    ASSERT_TRUE(dec);
    std::string out;
    ASSERT_TRUE(dec->feed(std::string_view(two).substr(0, cut), out));
    ASSERT_TRUE(dec->feed(std::string_view(two).substr(cut), out));
    ASSERT_TRUE(dec->finish());
    EXPECT_EQ(out, kRecord + second) << "cut at " << cut;
    EXPECT_EQ(dec->consumed(), two.size());
  }
  // Other bytes after the last member are ignored, as before; consumed() tells they were there.
  auto dec = Decompressor::open(Compression::kGzip, 1 << 20);
  ASSERT_TRUE(dec);
  std::string out;
  std::string tail = gzip(kRecord) + "trailing";
  ASSERT_TRUE(dec->feed(tail, out));
  ASSERT_TRUE(dec->finish());
  EXPECT_EQ(out, kRecord);
  EXPECT_EQ(dec->consumed(), tail.size() - 8);
  // A value in the second member of a content-encoded stream is found.
  ScanOptions opt;
  opt.contentEncoding = "gzip";
  auto ms = scan(db(), gzip("nothing to see") + gzip(second), opt);
  ASSERT_TRUE(ms) << ms.error().describe();
  EXPECT_NE(find(*ms, "email", "gzip"), nullptr) << describe(*ms);
}

TEST(Decode, PathsAndSegmentSpans) {
  std::string enc = b64(kRecord);
  std::string text = "data=" + enc + " end";
  auto ms = scan(db(), text);
  ASSERT_TRUE(ms);
  const Match* m = find(*ms, "email", "base64");
  ASSERT_NE(m, nullptr) << describe(*ms);
  EXPECT_EQ(m->start, 5u);
  EXPECT_EQ(m->end, 5u + enc.size());
  EXPECT_EQ(m->value, "jane.roe@example.org");
  EXPECT_NE(find(*ms, "credit_card", "base64"), nullptr) << describe(*ms);
}

TEST(Decode, NestedBase64Gzip) {
  std::string text = "{\"blob\":\"" + b64(gzip(kRecord)) + "\"}";
  auto ms = scan(db(), text);
  ASSERT_TRUE(ms);
  EXPECT_NE(find(*ms, "email", "base64>gzip"), nullptr) << describe(*ms);
  text = "z=" + b64(zstd(kRecord));
  ms = scan(db(), text);
  ASSERT_TRUE(ms);
  EXPECT_NE(find(*ms, "email", "base64>zstd"), nullptr) << describe(*ms);
}

// Values found in different parts of one encoded segment all report its span; two of them are not
// one value seen twice because they look alike (a shared "@example.com"), only when they are in
// the same bytes.
TEST(Decode, AlikeValuesInOneSegmentAreNotDuplicates) {
  std::string inner = "contact ann.one@example.com today";
  std::string text = "blob=" + b64("first bob.two@example.com then payload=" + b64(inner) + " end");
  auto ms = scan(db(), text);
  ASSERT_TRUE(ms);
  EXPECT_NE(find(*ms, "email", "base64"), nullptr) << describe(*ms);
  EXPECT_NE(find(*ms, "email", "base64>base64"), nullptr) << describe(*ms);
  // One value seen plain and in the URL decoding of the same bytes is still one match.
  auto twice = scan(db(), "GET /?q=ann@example.com%20x HTTP/1.1");
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->size(), 1u) << describe(*twice);
}

TEST(Decode, BrotliInsideBase64) {
  // node -e 'zlib.brotliCompressSync(...)': six JSON records with jane.roe0..5@example.org.
  std::string text =
      "x=G80B6B0H7r4bAgGnQ2/uiCDUI/KLNz9aCxsMpm0dFoW+CRT2BjE7ALitQw8wLJOII/"
      "6HHbBpXo6Xp5bgheU0NCC+uL2R/yjcHLmJqgHH2zr454E5Bu44hBOQTkJFFQ==";
  auto ms = scan(db(), text);
  ASSERT_TRUE(ms);
  int n = 0;
  for (const auto& m : *ms) n += m.detector == "email" && m.decoding == "base64>brotli";
  EXPECT_EQ(n, 6) << describe(*ms);
}

// The probe only rejects what decompress() rejects: every valid stream and each of its prefixes
// passes, and no random blob it rejects decompresses. Most random blobs are rejected (short ones
// may be the start of a stream).
TEST(Decode, BrotliProbeRejectsOnlyWhatDecompressRejects) {
  const std::string valid = *base64Decode(
      "G80B6B0H7r4bAgGnQ2/uiCDUI/KLNz9aCxsMpm0dFoW+CRT2BjE7ALitQw8wLJOII/"
      "6HHbBpXo6Xp5bgheU0NCC+uL2R/yjcHLmJqgHH2zr454E5Bu44hBOQTkJFFQ==",
      false);
  ASSERT_TRUE(decompress(Compression::kBrotli, valid, 1 << 20));
  BrotliProbe probe;
  for (std::size_t n = 0; n <= valid.size(); ++n) EXPECT_TRUE(probe.mayBe(valid.substr(0, n))) << n;
  std::uint32_t x = 12345;
  int rejected = 0;
  const int kBlobs = 20000;
  for (int i = 0; i < kBlobs; ++i) {
    std::string blob(1 + i % 97, '\0');
    for (auto& c : blob) {
      x = x * 1664525u + 1013904223u;
      c = static_cast<char>(x >> 24);
    }
    if (probe.mayBe(blob)) continue;
    ++rejected;
    EXPECT_FALSE(decompress(Compression::kBrotli, blob, 1 << 20)) << i;
  }
  EXPECT_GT(rejected, kBlobs * 3 / 4);
  // The probe turns some first bytes away at once (brotliBadFirstBytes): a blob so rejected,
  // whatever follows its first byte, never decompresses either.
  int firstRejected = 0;
  for (int b = 0; b < 256; ++b) {
    std::string one(1, static_cast<char>(b));
    if (probe.mayBe(one)) continue;
    ++firstRejected;
    for (int k = 0; k < 8; ++k) {
      std::string blob = one + std::string(1 + k * 9, '\0');
      for (std::size_t j = 1; j < blob.size(); ++j) {
        x = x * 1664525u + 1013904223u;
        blob[j] = static_cast<char>(x >> 24);
      }
      EXPECT_FALSE(probe.mayBe(blob)) << b;
      EXPECT_FALSE(decompress(Compression::kBrotli, blob, 1 << 20)) << b << " " << k;
    }
  }
  EXPECT_GT(firstRejected, 0);
}

// A round's base64 segments that decode to text are scanned for the everywhere database in one
// Hyperscan call: a document of many base64 tokens (far enough apart that no plain match or
// context word joins two) finds, token by token, what each token finds scanned alone, where there
// is nothing to share the call with. A detector that matches across a line break, as the call's
// pieces are joined, sees no value made of two tokens, nor loses the shorter value inside one
// (reported with the same end and a later start, which a match from the piece before hides).
TEST(Decode, Base64TokensFindWhatEachFindsAlone) {
  auto defs = parseDetectors(
      "detectors:\n  - id: crossing\n    pattern: '(?:zq\\s+)?qz'\n"
      "  - id: word\n    pattern: 'head|tail'\n",
      "crossing");
  ASSERT_TRUE(defs) << defs.error().describe();
  auto withCrossing = Database::compile(*defs);
  ASSERT_TRUE(withCrossing) << withCrossing.error().describe();
  // An anchored pattern matches at the start of each decoding: such databases are not batched.
  auto anchoredDefs = parseDetectors("detectors:\n  - id: anchored\n    pattern: '^qz'\n", "a");
  ASSERT_TRUE(anchoredDefs) << anchoredDefs.error().describe();
  auto anchored = Database::compile(*anchoredDefs);
  ASSERT_TRUE(anchored) << anchored.error().describe();
  const std::vector<std::string> texts = {"mail jane.roe@example.org now",
                                          "tel +44 20 7946 0958",
                                          "card 4539 1488 0343 6467",
                                          "iban GB82 WEST 1234 5698 7654 32",
                                          "ssn: 123-45-6789",
                                          "password=Sup3rS3cretValue9x",
                                          "key AKIAIOSFODNN7EXAMPLE",
                                          "dob: 1985-04-12",
                                          "hostname=build-box-17",
                                          "ip 192.168.10.77 and fe80::1:2:3",
                                          "tail zq",
                                          "qz head",
                                          "one zq \n qz two",
                                          "d3f0a9c1e2b4",
                                          "\x01\x02binary\xff\xfe"};
  for (const auto& database : {db(), *withCrossing, *anchored}) {
    std::mt19937 rng(23);
    std::string doc;
    std::vector<std::pair<std::size_t, std::string>> tokens;
    std::size_t prev = 0;
    for (int k = 0; k < 160; ++k) {
      // "tail zq" is followed by "qz head", joined by the line break in the call.
      const std::string& text =
          k > 0 && texts[prev] == "tail zq" ? texts[prev + 1] : texts[rng() % texts.size()];
      prev = static_cast<std::size_t>(&text - texts.data());
      // Long enough to be a segment (64 characters) whatever it holds; a number after the text,
      // but not after "zq".
      const std::string pad = std::string(48, '.') + " ";
      std::string enc =
          b64(text.ends_with("zq") ? pad + text : text + " " + std::to_string(rng() % 1000) + pad);
      if (rng() % 3 == 0) {  // the URL alphabet, unpadded
        for (auto& c : enc) c = c == '+' ? '-' : c == '/' ? '_' : c;
        while (!enc.empty() && enc.back() == '=') enc.pop_back();
      }
      tokens.emplace_back(doc.size(), enc);
      doc += enc + std::string(80, '\n');
    }
    auto key = [](const Match& m, std::size_t shift) {
      return m.detector + "|" + std::to_string(m.start + shift) + "|" +
             std::to_string(m.end + shift) + "|" + m.decoding + "|" + m.value + "|" +
             std::to_string(m.score);
    };
    auto all = scan(database, doc);
    ASSERT_TRUE(all);
    std::vector<std::string> got, want;
    for (const auto& m : *all) got.push_back(key(m, 0));
    for (const auto& [at, tok] : tokens) {
      auto one = scan(database, tok);
      ASSERT_TRUE(one);
      for (const auto& m : *one) want.push_back(key(m, at));
    }
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want);
    EXPECT_GT(std::count_if(all->begin(), all->end(),
                            [](const Match& m) { return m.decoding.starts_with("base64"); }),
              5);
  }
}

TEST(Decode, UrlFormAndJsonEscapes) {
  auto ms = scan(db(), "GET /?email=john.doe%2Bspam%40example.com&tel=%2B44%2020%207946%200958 ");
  ASSERT_TRUE(ms);
  const Match* e = find(*ms, "email", "url");
  ASSERT_NE(e, nullptr) << describe(*ms);
  EXPECT_EQ(e->value, "john.doe+spam@example.com");
  EXPECT_EQ(find(*ms, "email", ""), nullptr) << "partial plain match kept: " << describe(*ms);
  EXPECT_NE(find(*ms, "phone", "url"), nullptr) << describe(*ms);

  ms = scan(db(),
            "{\"msg\":\"write to "
            "ann\\u0040example.net\",\"u\":\"https:\\/\\/bob:Tr0ub4dor3x@git.example.io\\/\"}");
  ASSERT_TRUE(ms);
  EXPECT_NE(find(*ms, "email", "json"), nullptr) << describe(*ms);
  EXPECT_NE(find(*ms, "url_password", "json"), nullptr) << describe(*ms);
}

TEST(Decode, ContentEncodingOfTheWholeStream) {
  std::string body = gzip(kRecord + "\n" + kRecord);
  ScanOptions opt;
  opt.contentEncoding = "gzip";
  auto ms = scan(db(), body, opt);
  ASSERT_TRUE(ms);
  ASSERT_EQ(ms->size(), 4u) << describe(*ms);
  EXPECT_EQ((*ms)[0].decoding, "gzip");
  EXPECT_EQ((*ms)[0].start, 0u);
  // Sniffed without a declared encoding too; zstd likewise.
  ms = scan(db(), body);
  ASSERT_TRUE(ms);
  EXPECT_EQ(ms->size(), 4u);
  ms = scan(db(), zstd(kRecord));
  ASSERT_TRUE(ms);
  EXPECT_NE(find(*ms, "email", "zstd"), nullptr) << describe(*ms);
  // A declared encoding that does not decode is an input error.
  opt.contentEncoding = "br";
  auto bad = scan(db(), "plain text", opt);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);
}

TEST(Decode, MultipartParts) {
  std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nplain jane.roe@example.org\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.gz\"\r\n"
      "Content-Type: application/gzip\r\n\r\n" +
      gzip("ssn: 536-90-4399\n") +
      "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"b\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" +
      b64("card 4539 1488 0343 6467") + "\r\n--XyZ--\r\n";
  ScanOptions opt;
  opt.contentType = "multipart/form-data; boundary=XyZ";
  auto ms = scan(db(), body, opt);
  ASSERT_TRUE(ms);
  EXPECT_NE(find(*ms, "email", ""), nullptr) << describe(*ms);
  EXPECT_NE(find(*ms, "us_ssn", "multipart>gzip"), nullptr) << describe(*ms);
  // The base64 part is also an ordinary base64 segment; either path may report it, once.
  EXPECT_TRUE(find(*ms, "credit_card", "multipart>base64") || find(*ms, "credit_card", "base64"))
      << describe(*ms);
  EXPECT_EQ(ms->size(), 3u) << describe(*ms);
  // Sniffed from the body when no Content-Type is given.
  auto sniffed = scan(db(), body);
  ASSERT_TRUE(sniffed);
  EXPECT_NE(find(*sniffed, "us_ssn", "multipart>gzip"), nullptr) << describe(*sniffed);
}

// A delimiter inside a part's headers (before the empty line) is a header line, even a closing
// one; where the finder stops is reported: at the closing delimiter, or at a part whose headers
// are still coming in.
TEST(Decode, MultipartDelimitersInHeadersAndWhereTheFinderStops) {
  std::string body =
      "pre\r\n--XyZ\r\nX-A: 1\r\n--XyZ--\r\n--XyZ\r\n\r\nbody one\r\n--XyZ\r\n\r\ntwo\r\n"
      "--XyZ--\r\nepilogue --XyZ\r\n\r\nnot a part\r\n";
  MultipartStop stop;
  auto parts = splitMultipart(body, "XyZ", 1000, &stop);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].delimiter, body.find("--XyZ"));
  EXPECT_EQ(body.substr(parts[0].start, parts[0].end - parts[0].start), "body one");
  EXPECT_EQ(body.substr(parts[1].start, parts[1].end - parts[1].start), "two");
  EXPECT_TRUE(stop.closed);
  EXPECT_EQ(stop.at, body.rfind("--XyZ--"));
  // Headers not ended yet, a delimiter line not ended yet, a delimiter that may yet close.
  for (std::string_view open :
       {"--XyZ\r\n\r\nbody\r\n--XyZ\r\nX-A: 1\r\n", "a --XyZ\r", "a --XyZ-"}) {
    MultipartStop s;
    (void)splitMultipart(open, "XyZ", 1000, &s);
    EXPECT_FALSE(s.closed) << open;
    EXPECT_EQ(s.at, open.rfind("--XyZ")) << open;
  }
  MultipartStop none;
  EXPECT_EQ(splitMultipart("--XyZ\r\n\r\nall body", "XyZ", 1000, &none).size(), 1u);
  EXPECT_EQ(none.at, ~std::uint64_t{0});
  EXPECT_FALSE(none.closed);
}

TEST(Decode, DepthIsBounded) {
  std::string s = "card 4539 1488 0343 6467 here";
  for (int i = 0; i < 8; ++i) s = b64(s);
  auto ms = scan(db(), s);
  ASSERT_TRUE(ms);
  EXPECT_TRUE(ms->empty()) << describe(*ms);
  ScanOptions opt;
  opt.maxDepth = 8;
  ms = scan(db(), s, opt);
  ASSERT_TRUE(ms);
  ASSERT_EQ(ms->size(), 1u) << describe(*ms);
  EXPECT_EQ((*ms)[0].decoding, "base64>base64>base64>base64>base64>base64>base64>base64");
}

}  // namespace
}  // namespace tollgate::classify
