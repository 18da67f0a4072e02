// Streaming: any chunking of the input gives the same matches as the one-shot scan, including
// matches that span chunk boundaries and encoded segments cut by them.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "encodings.h"
#include "match_keys.h"
#include "tollgate/classify/scanner.h"

namespace tollgate::classify {
namespace {

using testing::b64;
using testing::db;
using testing::gzip;
using testing::zstd;

// A body mixing plain and encoded values, repeated with varying filler so that values land on
// every alignment relative to chunk and round boundaries.
std::string corpus() {
  std::string s;
  std::mt19937 rng(42);
  const std::vector<std::string> items = {
      "{\"email\":\"jane.roe@example.org\",\"card\":\"4539 1488 0343 6467\"}\n",
      "iban=DE89370400440532013000&ssn=536-90-4399\n",
      "payload=eyJlbWFpbCI6ICJib2JAY29ycC5leGFtcGxlLmNvbSJ9\n",
      "q=john%40example.com&phone=%2B44%2020%207946%200958\n",
      "{\"note\":\"mail me at ann\\u0040example.net\"}\n",
      "-----BEGIN RSA PRIVATE "
      "KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM4Oiw2zQ4dFq1tKfQmYl4ZvD2xV8c\n",
      "AKIAZ3MSJV4WWNKWW5FG and 10.20.30.40\n"};
  for (int i = 0; i < 400; ++i) {
    s += items[static_cast<std::size_t>(i) % items.size()];
    s.append(rng() % 97, 'x');
    s += ' ';
  }
  return s;
}

// `data` fed `sizes` bytes at a time (cycled), with `opt`, to the shipped database.
std::vector<Match> fed(std::string_view data, const std::vector<std::size_t>& sizes,
                       const ScanOptions& opt) {
  return testing::fed(db(), data, sizes, opt);
}

std::vector<Match> chunked(std::string_view data, const std::vector<std::size_t>& sizes,
                           std::size_t roundBytes) {
  ScanOptions opt;
  opt.roundBytes = roundBytes;
  return fed(data, sizes, opt);
}

TEST(Stream, AnyChunkingGivesTheOneShotResult) {
  std::string data = corpus();
  auto whole = scan(db(), data);
  ASSERT_TRUE(whole);
  auto expected = keys(*whole);
  ASSERT_GT(expected.size(), 400u);
  for (std::size_t round :
       {std::size_t{1}, std::size_t{700}, std::size_t{5000}, std::size_t{1} << 20}) {
    for (const auto& sizes :
         std::vector<std::vector<std::size_t>>{{1}, {7}, {4096}, {3, 1000, 17}}) {
      if (round == 1 && sizes[0] == 1) continue;  // quadratic; covered by round 700
      auto got = keys(chunked(data, sizes, round));
      std::string diff;
      for (const auto& k : expected)
        if (!got.count(k))
          diff += "missing " + std::get<0>(k) + "@" + std::to_string(std::get<1>(k)) + "(" +
                  std::get<3>(k) + ") ";
      for (const auto& k : got)
        if (!expected.count(k))
          diff += "extra " + std::get<0>(k) + "@" + std::to_string(std::get<1>(k)) + "(" +
                  std::get<3>(k) + ") ";
      EXPECT_EQ(diff, "") << "round " << round << " first chunk " << sizes[0];
    }
  }
}

// A few hundred KB of every encoding the scanner looks through, each value repeated with filler
// of varying length so that values, segments and the bytes segment finders look back at (up to
// a URL value's start 3000 bytes before its '%', a JSON string's quote 20000 bytes before its
// escape) land on every alignment to chunks, rounds and the look-ahead.
std::string encodedCorpus() {
  std::mt19937 rng(7);
  const std::string gz =
      gzip("{\"user\":\"gz.user@example.com\",\"iban\":\"DE89370400440532013000\"}");
  std::string mime = "Hello jane.roe@example.org, card 4539 1488 0343 6467, ip 10.1.2.3.\n";
  for (int i = 0; i < 9; ++i) mime += mime;  // 35 KB, more than the history a round keeps
  const std::vector<std::string> items = {
      "{\"email\":\"jane.roe@example.org\",\"card\":\"4539 1488 0343 6467\"}\n",
      "payload=" + b64("{\"email\": \"bob@corp.example.com\"}") + "\n",
      "blob=" + b64(gz) + "&x=1\n",
      "GET /?q=john%40example.com&phone=%2B44%2020%207946%200958 HTTP/1.1\n",
      "name=x&card=4539+1488+0343+6467&ssn=536-90-4399\n",
      "{\"note\":\"mail me at ann\\u0040example.net, see https:\\/\\/x.example\\/p\"}\n",
      "{\"long\":\"" + std::string(20000, 'w') + " eve\\u0040example.net\"}\n",
      "/path?t=" + std::string(3000, 'v') + "&to=carol%40example.com\n",
      "Content-Transfer-Encoding: base64\r\n\r\n" + b64(mime, 76) + "\r\n",
      "-----BEGIN RSA PRIVATE "
      "KEY-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM4Oiw2zQ4dFq1tKfQmYl4ZvD2xV8c\n",
      "AKIAZ3MSJV4WWNKWW5FG and 10.20.30.40 and fe80::1ff:fe23:4567:890a\n",
      "id=ab-cd/" + b64("{\"email\":\"mixed@example.com\"}") + " end\n",
  };
  std::string s;
  for (int i = 0; s.size() < 400 * 1024; ++i) {
    s += items[static_cast<std::size_t>(i) % items.size()];
    s.append(rng() % 700, "x \n"[rng() % 3]);
    s += ' ';
  }
  return s;
}

// A multipart/form-data body: plain, base64 and gzip parts, repeated.
std::string multipartBody() {
  std::string s;
  std::mt19937 rng(11);
  const std::string gz = gzip("{\"email\":\"part.gz@example.com\"}\n");
  for (int i = 0; s.size() < 200 * 1024; ++i) {
    s += "--XyZzY\r\nContent-Disposition: form-data; name=\"f" + std::to_string(i) + "\"\r\n";
    switch (i % 3) {
      case 0:
        s += "\r\nplain part mail dan@example.com card 4539 1488 0343 6467 ";
        break;
      case 1:
        s += "Content-Transfer-Encoding: base64\r\n\r\n" +
             b64("ssn 536-90-4399 fay@example.com", 76);
        break;
      default:
        s += "Content-Type: application/octet-stream\r\nContent-Encoding: gzip\r\n\r\n" + gz;
    }
    s.append(rng() % 3000, 'm');
    s += "\r\n";
  }
  return s + "--XyZzY--\r\n";
}

// Every field that is printed, in order: streams must agree on the order too.
std::vector<std::string> rows(const std::vector<Match>& ms) {
  std::vector<std::string> out;
  for (const auto& m : ms)
    out.push_back(m.detector + " " + std::to_string(m.start) + "-" + std::to_string(m.end) + " " +
                  m.decoding + " " + std::to_string(m.score) + " " + m.value);
  return out;
}

// The first row where two scans differ, or "".
std::string firstDifference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    std::string x = i < a.size() ? a[i] : "(none)", y = i < b.size() ? b[i] : "(none)";
    if (x != y)
      return "row " + std::to_string(i) + " of " + std::to_string(a.size()) + "/" +
             std::to_string(b.size()) + ": " + x.substr(0, 160) + " <> " + y.substr(0, 160);
  }
  return "";
}

// Feeds `data` in several chunkings and round sizes; each must give the one-shot result, in the
// same order, which is that of the matches' ends.
void expectChunkingInvariant(std::string_view data, const ScanOptions& base,
                             std::size_t minMatches) {
  auto whole = scan(db(), data, base);
  ASSERT_TRUE(whole);
  auto expected = rows(*whole);
  ASSERT_GE(expected.size(), minMatches);
  for (std::size_t i = 1; i < whole->size(); ++i)
    ASSERT_LE((*whole)[i - 1].end, (*whole)[i].end) << "row " << i;
  const std::vector<std::vector<std::size_t>> chunkings = {
      {1 << 20}, {256 * 1024}, {64 * 1024}, {4093}, {1, 7, 4096, 333}, {3, 1000, 17}};
  for (std::size_t round :
       {std::size_t{700}, std::size_t{4096}, std::size_t{256 * 1024}, std::size_t{1} << 20}) {
    for (const auto& sizes : chunkings) {
      if (round < 4096 && sizes[0] < 100) continue;  // many tiny rounds: covered by 4093
      ScanOptions opt = base;
      opt.roundBytes = round;
      EXPECT_EQ(firstDifference(expected, rows(fed(data, sizes, opt))), "")
          << "round " << round << ", chunks of " << sizes[0];
    }
  }
}

TEST(Stream, EncodedSegmentsGiveTheSameMatchesInTheSameOrderWhateverTheChunking) {
  std::string data = encodedCorpus();
  expectChunkingInvariant(data, {}, 1000);
  ScanOptions plain;
  plain.decode = false;
  expectChunkingInvariant(data, plain, 30);
  // Decoded paths are found at all (not merely agreed on).
  auto ms = *scan(db(), data);
  for (std::string path : {"base64", "base64>gzip", "url", "json"}) {
    bool seen = false;
    for (const auto& m : ms) seen |= m.decoding == path;
    EXPECT_TRUE(seen) << path;
  }
}

// One-line base64 longer than a segment is cut into 1 MiB pieces from its start, wherever the
// stream was cut; a piece with both alphabets is skipped, the others decoded.
TEST(Stream, LongBase64RunsGiveTheSameMatchesWhateverTheChunking) {
  std::string text;
  for (int i = 0; text.size() < 1700 * 1024; ++i)
    text += "record " + std::to_string(i) + " mail u" + std::to_string(i) + "@example.com\n";
  std::string run = b64(text);  // 2.3 MB, no line breaks
  run[1500 * 1024] = '-';       // the second piece mixes both alphabets
  std::string data = "data=" + run + "&next=1 " + b64(text.substr(0, 1200 * 1024)) + " end\n";
  auto whole = scan(db(), data);
  ASSERT_TRUE(whole);
  auto expected = rows(*whole);
  EXPECT_GT(expected.size(), 20000u);
  for (std::size_t round : {std::size_t{64 * 1024}, std::size_t{1} << 20}) {
    for (std::size_t piece : {std::size_t{1} << 20, std::size_t{100003}}) {
      ScanOptions opt;
      opt.roundBytes = round;
      EXPECT_EQ(firstDifference(expected, rows(fed(data, {piece}, opt))), "")
          << "round " << round << ", chunks of " << piece;
    }
  }
}

// A MIME body of base64 lines longer than a segment (segments of whole lines up to 1 MiB), read
// in many rounds (each goes on from the lines an earlier round found whole: Base64Resume) gives
// what one round reading it whole gives, with CRLF and LF lines, wherever the stream is cut.
TEST(Stream, WrappedBase64BodyReadInRoundsGivesWhatOneRoundGives) {
  std::string text;
  for (int i = 0; text.size() < 1600 * 1024; ++i)
    text += "line " + std::to_string(i) + " mail w" + std::to_string(i) + "@example.com\n";
  for (const char* eol : {"\r\n", "\n"}) {
    std::string body = b64(text, 76);
    if (std::string(eol) == "\n") std::erase(body, '\r');
    std::string data =
        "Content-Transfer-Encoding: base64\r\n\r\n" + body + eol + "after jane.roe@example.org\n";
    ScanOptions once;
    once.roundBytes = std::size_t{64} << 20;  // one round: the body is read once
    auto whole = scan(db(), data, once);
    ASSERT_TRUE(whole);
    auto expected = rows(*whole);
    EXPECT_GT(expected.size(), 20000u);
    for (std::size_t round : {std::size_t{4096}, std::size_t{64 * 1024}, std::size_t{256 * 1024}}) {
      for (std::size_t piece : {std::size_t{1} << 20, std::size_t{100003}, std::size_t{4093}}) {
        if (round == 4096 && piece > 4093) continue;
        ScanOptions opt;
        opt.roundBytes = round;
        EXPECT_EQ(firstDifference(expected, rows(fed(data, {piece}, opt))), "")
            << eol[0] << " round " << round << ", chunks of " << piece;
      }
    }
  }
}

// Overlapping candidates of two detectors (a phone number that runs into an e-mail address) are
// resolved among the matches of one round: a cut never falls between them (found by fuzzing).
TEST(Stream, OverlapsAreResolvedWhereverTheCutFalls) {
  std::string data;
  for (int i = 0; i < 40; ++i)
    data += std::string(static_cast<std::size_t>(i * 7 % 90), 'x') +
            " call +44 20 7946 0958.rne.roe@example.org now\n";
  for (bool decode : {true, false}) {
    ScanOptions opt;
    opt.decode = decode;
    auto expected = rows(*scan(db(), data, opt));
    ASSERT_FALSE(expected.empty());
    for (std::size_t round : {std::size_t{1}, std::size_t{64}, std::size_t{700}}) {
      for (std::size_t piece : {std::size_t{1}, std::size_t{75}, std::size_t{512}}) {
        opt.roundBytes = round;
        EXPECT_EQ(firstDifference(expected, rows(fed(data, {piece}, opt))), "")
            << "round " << round << ", chunks of " << piece << ", decode " << decode;
      }
    }
  }
}

TEST(Stream, MultipartPartsGiveTheSameMatchesWhateverTheChunking) {
  std::string body = multipartBody();
  ScanOptions opt;
  opt.contentType = "multipart/form-data; boundary=XyZzY";
  expectChunkingInvariant(body, opt, 100);
  expectChunkingInvariant(body, {}, 100);  // the boundary sniffed from the first line
  // Long part headers coming in over several rounds, and a delimiter after the closing one
  // (the fuzz corpus holds the inputs that showed a cut passing a part's delimiter while its
  // body was empty, and a round looking for parts past the closing delimiter).
  std::string odd =
      "--XyZzY\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: " + std::string(3000, 'h') +
      "\r\n\r\nmail ann@example.com " + b64("fay@example.com 536-90-4399") + "\r\n--XyZzY--\r\n" +
      std::string(900, 'z') + " --XyZzY\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
      b64("eve@example.com") + "\r\n";
  expectChunkingInvariant(odd, opt, 3);
  // Delimiters, a closing one too, inside the headers of a part, and a part of plain text after
  // them: the part finder started at a cut inside those headers would read them as parts (the
  // fuzz corpus holds the input that found it).
  std::string inHeaders = "--XyZzY\r\nContent-Encoding: gzip\r\nX-Pad: " + std::string(1500, 'y') +
                          "\r\nX-B: --XyZzY--\r\n--XyZzY--\r\n\r\n" +
                          gzip("ann@example.com 536-90-4399 eve@example.com") + "\r\n--XyZzY--\r\n";
  for (int i = 0; i < 6; ++i) inHeaders += "call 03 36-90-43959 or ann@example.com\r\n";
  expectChunkingInvariant(inHeaders, opt, 12);
  auto parts = *scan(db(), inHeaders, opt);
  EXPECT_NE(std::count_if(parts.begin(), parts.end(),
                          [](const Match& m) { return m.decoding == "multipart>gzip"; }),
            0);
  ScanOptions eager = opt;
  eager.roundBytes = 1;  // a round right where the first part's body starts, with none of it in
  EXPECT_EQ(firstDifference(rows(*scan(db(), odd, opt)),
                            rows(fed(odd, {odd.find("\r\n\r\n") + 4, 1 << 20}, eager))),
            "");
  auto ms = *scan(db(), body, opt);
  bool gz = false, b = false;  // a base64 part is also a base64 run: the shorter path stays
  for (const auto& m : ms) {
    gz |= m.decoding == "multipart>gzip";
    b |= m.decoding == "base64";
  }
  EXPECT_TRUE(gz);
  EXPECT_TRUE(b);
}

// A content-encoded stream: the matches of its decoded bytes scanned plain, each with the
// compressed bytes read by the first 64 KiB mark at which its bytes were out (or the whole
// stream), whatever the chunking.
TEST(Stream, ContentEncodedStreamReportsTheSameSpansWhateverTheChunking) {
  std::string text = encodedCorpus();
  auto plain = *scan(db(), text);
  for (const auto& [packed, name] :
       {std::pair{gzip(text), std::string("gzip")}, std::pair{zstd(text), std::string("zstd")}}) {
    ScanOptions declared;
    declared.contentEncoding = name;
    expectChunkingInvariant(packed, declared, 1000);
    if (name == "gzip") expectChunkingInvariant(packed, {}, 1000);  // sniffed from the magic
    auto ms = *scan(db(), packed, declared);
    ASSERT_EQ(ms.size(), plain.size()) << name;
    for (std::size_t i = 0; i < ms.size(); ++i) {
      EXPECT_EQ(ms[i].value, plain[i].value) << name << " row " << i;
      EXPECT_EQ(ms[i].decoding, plain[i].decoding.empty() ? name : name + ">" + plain[i].decoding);
      EXPECT_EQ(ms[i].start, 0u);
      EXPECT_TRUE(ms[i].end % (64 * 1024) == 0 || ms[i].end == packed.size()) << ms[i].end;
    }
  }
}

TEST(Stream, MatchAcrossBoundaryHasStreamOffsets) {
  std::string a = "prefix text 4539 1488 ";
  std::string b = "0343 6467 suffix";
  auto sc = Scanner::open(db(), {});
  ASSERT_TRUE(sc);
  std::vector<Match> out;
  ASSERT_TRUE(sc->feed(a, out));
  ASSERT_TRUE(sc->feed(b, out));
  ASSERT_TRUE(sc->finish(out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].detector, "credit_card");
  EXPECT_EQ(out[0].start, 12u);
  EXPECT_EQ(out[0].end, 12u + 19u);
}

TEST(Stream, ReportsBeforeTheEndOfALongStream) {
  ScanOptions opt;
  opt.roundBytes = 4096;
  auto sc = Scanner::open(db(), opt);
  ASSERT_TRUE(sc);
  std::vector<Match> out;
  ASSERT_TRUE(sc->feed("card 4539 1488 0343 6467\n", out));
  std::string filler(20000, 'z');
  ASSERT_TRUE(sc->feed(filler, out));
  EXPECT_EQ(out.size(), 1u);  // decided without finish()
  ASSERT_TRUE(sc->finish(out));
  EXPECT_EQ(out.size(), 1u);
}

// One scanner reused for many inputs (what a proxy does per request) gives each input's one-shot
// result, whatever the previous input left behind: a half-fed stream, another content encoding,
// an error.
TEST(Stream, ScannerReusedWithScanAllGivesOneShotResults) {
  std::string data = corpus();
  ScanOptions form;
  form.contentType = "application/x-www-form-urlencoded";
  ScanOptions gzip;
  gzip.contentEncoding = "gzip";
  auto sc = Scanner::open(db(), {});
  ASSERT_TRUE(sc);
  std::vector<Match> out;
  ASSERT_TRUE(sc->feed(data.substr(0, 5000), out));  // abandoned mid-stream
  const std::string url = "/t?email=jane.roe%40example.org&card=4539+1488+0343+6467";
  for (int round = 0; round < 3; ++round) {
    out.clear();
    ASSERT_TRUE(sc->scanAll(url, form, out));
    EXPECT_EQ(keys(out), keys(*scan(db(), url, form)));
    out.clear();
    EXPECT_FALSE(sc->scanAll("not gzip at all", gzip, out));  // leaves the scanner broken
    out.clear();
    ASSERT_TRUE(sc->scanAll(data, {}, out));
    EXPECT_EQ(keys(out), keys(*scan(db(), data)));
  }
  ASSERT_TRUE(sc->reset({}));
  out.clear();
  ASSERT_TRUE(sc->feed("card 4539 1488 0343 6467\n", out));
  ASSERT_TRUE(sc->finish(out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].start, 5u);
}

// Scanners on several threads share one database (and its scratch pool) and find the same.
TEST(Stream, ThreadsShareOneDatabase) {
  std::string data = corpus();
  auto expected = keys(*scan(db(), data));
  std::vector<std::set<Key>> got(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < got.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto r = scan(db(), data);
        if (r) got[t] = keys(*r);
      }
    });
  for (auto& th : threads) th.join();
  for (const auto& g : got) EXPECT_EQ(g, expected);
}

}  // namespace
}  // namespace tollgate::classify
