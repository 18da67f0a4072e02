// The vectorised segment helpers against byte loops: the base64 run finder (64-byte blocks,
// runs extended 32 or 16 bytes at a time) finds exactly the segments of its byte-by-byte
// reference; looksText counts control bytes as the plain rule says; %XX segments end at the
// first URL delimiter.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "machine_text.h"

#include "../../../src/classify/segments.h"

namespace tollgate::classify::detail {
namespace {

// Every vector level this CPU has (SSE2, AVX2, AVX-512BW) against the byte loop.
void expectSameBase64(std::string_view text, const char* what) {
  std::vector<Segment> ref;
  findBase64Reference(text, ref);
  for (Simd level : {Simd::kBaseline, Simd::kAvx2, Simd::kAvx512}) {
    if (level > bestSimd()) continue;
    std::vector<Segment> fast;
    findBase64(text, fast, false, level);
    const int l = static_cast<int>(level);
    ASSERT_EQ(fast.size(), ref.size()) << what << " level " << l;
    for (std::size_t k = 0; k < ref.size(); ++k) {
      ASSERT_EQ(fast[k].start, ref[k].start) << what << " level " << l << " segment " << k;
      ASSERT_EQ(fast[k].end, ref[k].end) << what << " level " << l << " segment " << k;
      ASSERT_EQ(fast[k].kind, ref[k].kind) << what << " level " << l << " segment " << k;
      ASSERT_EQ(fast[k].wrapped, ref[k].wrapped) << what << " level " << l << " segment " << k;
      ASSERT_EQ(fast[k].open, ref[k].open) << what << " level " << l << " segment " << k;
    }
  }
}

// Tokens of both alphabets, 0-120 characters (runs shorter and longer than a segment's minimum,
// across block edges), between separators; some rounds wrapped in MIME lines.
TEST(Base64Runs, RandomTokensSameAsReference) {
  std::mt19937 rng(9);
  const std::string stdAlpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string urlAlpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::string letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const std::string seps = " .\n=\"%\r\t,\x80";
  for (int round = 0; round < 3000; ++round) {
    std::size_t n = rng() % 1500;
    std::string s;
    while (s.size() < n) {
      std::size_t len = rng() % (rng() % 4 ? 40 : 121);
      int kind = static_cast<int>(rng() % 4);
      for (std::size_t k = 0; k < len; ++k)
        s += kind == 0   ? letters[rng() % letters.size()]
             : kind == 1 ? urlAlpha[rng() % urlAlpha.size()]
                         : stdAlpha[rng() % stdAlpha.size()];
      s += seps[rng() % seps.size()];
    }
    if (round % 5 == 0) {
      std::string wrapped;
      std::size_t line = rng() % 2 ? 76 : 64;
      for (std::size_t k = 0; k < s.size(); ++k) {
        wrapped += s[k] == '\n' ? 'Q' : s[k];
        if (k % line == line - 1) wrapped += round % 2 ? "\r\n" : "\n";
      }
      s = wrapped;
    }
    expectSameBase64(s, "random");
    expectSameBase64(std::string_view(s).substr(0, s.size() / 2), "random half");
  }
}

TEST(Base64Runs, MachineTextSameAsReference) {
  std::string text = tollgate::testing::machineText(2u << 20);
  if (text.empty()) GTEST_SKIP() << "no text under /usr/share/doc or /usr/include";
  for (std::size_t off = 0; off < 64; off += 13)
    expectSameBase64(std::string_view(text).substr(off), "machine text");
}

// Runs under 64 characters of one case (hex digests, lower-case paths, upper-case identifiers
// with digits) are not decoded: base64 of anything that long holds capitals and small letters.
TEST(Base64Runs, ShortRunsOfOneCaseAreNotSegments) {
  const std::string text =
      "commit 68d5235cb58f988c71b403334cd9482d663841ab\n"
      "see tests/openpgp/issue2419/armsigs and POSTSTAGE1_HOST_EXPORTS_2 here\n"
      "id F57DC2B1E6F28D164F882373535DBCB0D632CA17 end\n"
      "token eyJzc24iOiIxMjMtNDUtNjc4OSJ9 end\n"
      "long " +
      std::string(64, 'a') + "0 end\n";
  std::vector<Segment> found;
  findBase64(text, found);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(text.substr(found[0].start, found[0].end - found[0].start),
            "eyJzc24iOiIxMjMtNDUtNjc4OSJ9");
  EXPECT_EQ(found[1].end - found[1].start, 65u);
  expectSameBase64(text, "one case");
}

TEST(LooksText, CountsControlBytes) {
  auto slow = [](std::string_view s) {
    if (s.size() < 4) return false;
    std::size_t bad = 0;
    for (unsigned char c : s)
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) ++bad;
    return bad * 50 <= s.size();
  };
  std::mt19937 rng(10);
  int texts = 0;
  for (int round = 0; round < 20000; ++round) {
    std::size_t n = rng() % (round % 10 ? 200 : 5000);
    // Control bytes at about the 1-in-50 limit, so that both answers come up.
    unsigned odds = 30 + rng() % 50;
    std::string s(n, 'a');
    for (auto& c : s) {
      unsigned r = rng();
      c = r % odds == 0 ? static_cast<char>(r % 3 ? r % 32 : 0x7f) : static_cast<char>(r >> 8);
      if (c == '\t' || c == '\n' || c == '\r' || (c != 0x7f && c >= 0 && c < 0x20 && r % odds))
        c = 'x';
    }
    ASSERT_EQ(looksText(s), slow(s)) << round;
    texts += slow(s);
  }
  EXPECT_GT(texts, 1000);
  EXPECT_LT(texts, 19000);
}

// The early-exit entropy test answers as the full sum compared: blobs of few and many distinct
// bytes around the thresholds, and a sum that lands on one exactly (16 bytes, equally often).
TEST(ByteEntropy, AboveDecidesAsTheFullSum) {
  std::mt19937 rng(13);
  int above = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string s(1 + rng() % 300, '\0');
    unsigned alphabet = 1 + rng() % 40;
    unsigned step = 1 + rng() % 9;
    for (auto& c : s) c = static_cast<char>(rng() % alphabet * step);
    for (double bits : {4.0, 3.0, 5.5, 0.0})
      ASSERT_EQ(byteEntropyAbove(s, bits), byteEntropy(s) > bits) << round << " " << bits;
    above += byteEntropyAbove(s, 4.0);
  }
  EXPECT_GT(above, 500);
  EXPECT_LT(above, 4500);
  std::string even;
  for (int k = 0; k < 16; ++k) even += std::string(3, static_cast<char>('a' + k));
  EXPECT_EQ(byteEntropy(even), 4.0);
  EXPECT_FALSE(byteEntropyAbove(even, 4.0));
}

TEST(PercentSegments, EndAtTheFirstDelimiter) {
  const std::string delims = std::string(" \t\r\n\"'<>&[]{},;\\|`") + '\0';
  std::mt19937 rng(11);
  for (int round = 0; round < 2000; ++round) {
    std::string s = "k=";
    std::size_t n = rng() % 300;
    while (s.size() < n)
      s += rng() % 3 ? "%41" : std::string(1, static_cast<char>('a' + rng() % 26));
    s += rng() % 2 ? std::string(1, "\x80\xff~!"[rng() % 4]) : "";
    std::size_t cut = s.size();
    s += delims[rng() % delims.size()];
    s += "tail";
    std::vector<Segment> segs;
    findPercent(s, segs);
    if (s.find('%') > cut) continue;
    ASSERT_FALSE(segs.empty()) << round;
    EXPECT_EQ(segs[0].start, 0u) << round;
    EXPECT_EQ(segs[0].end, cut) << round;
  }
}

}  // namespace
}  // namespace tollgate::classify::detail
