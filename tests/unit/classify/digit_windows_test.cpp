// The vectorised digit-run finder (64-byte block masks, AVX2 or AVX-512BW, chosen at run time)
// finds exactly the windows of the run-by-run reference finder, at every vector level this CPU
// has: on random bytes drawn from digits, separators,
// capitals and letters, on generated numbers, IBANs and NINOs at every alignment, and on real
// text of this machine.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "machine_text.h"

#include "../../../src/classify/windows.h"

namespace tollgate::classify::detail {
namespace {

// The vector levels this CPU has (kBaseline alone runs the reference against itself).
std::vector<Simd> levels() {
  std::vector<Simd> out;
  for (auto l : {Simd::kAvx2, Simd::kAvx512})
    if (l <= bestSimd()) out.push_back(l);
  return out;
}

const char* name(Simd l) { return l == Simd::kAvx512 ? " [avx512]" : " [avx2]"; }

void expectSame(const std::string& text, const char* what) {
  for (auto level : levels())
    for (auto rules : {DigitRules::kGeneric, DigitRules::kShipped}) {
      std::vector<Window> fast, ref;
      digitWindows(text, fast, rules, level);
      digitWindowsReference(text, ref, rules);
      const char* mode = rules == DigitRules::kGeneric ? " (generic)" : " (shipped)";
      ASSERT_EQ(fast.size(), ref.size()) << what << mode << name(level);
      for (std::size_t k = 0; k < ref.size(); ++k) {
        ASSERT_EQ(fast[k].start, ref[k].start) << what << mode << name(level) << " window " << k;
        ASSERT_EQ(fast[k].end, ref[k].end) << what << mode << name(level) << " window " << k;
      }
    }
}

// The shipped rules leave out runs no shipped validator accepts, and keep the rest.
TEST(DigitWindows, ShippedRulesSkipDatesAndKeepValues) {
  auto count = [](std::string_view text) {
    std::vector<Window> w;
    digitWindowsReference(text, w, DigitRules::kShipped);
    return w.size();
  };
  for (std::string_view none :
       {"on 2022-03-22 at noon", "Jan 2023 23:46 ok", "commit 500151e6da", "AB  103759 A",
        "05:57:10 2009 -0500 x", "Release 2.1.19. ok", "id 123456789 here", "AES2560ABCDEFGHIJK",
        "2019-06-23 23:19 x", "date: 2000/02/17 16:26", "SC 73.993 573.365 Td",
        "[1 0 0 -1 0 563.120972] Tm"})
    EXPECT_EQ(count(none), 0u) << none;
  for (std::string_view one :
       {"call 0123 456789 now", "ssn 536-90-4399 ok", "tel +4420794609", "tel +49 301234 x",
        "card 4111111111111111", "NI JG 10 37 59 A ok", "nino=jg103759a.",
        "iban DE89370400440532013000", "host 10.0.0.1 up", "tel (212) 555-0187",
        "+44 (0) 20 7946 0958", "1-800-555-0199 ok", "4111-1111-1111-1111", "(212) 5550187 x",
        "212.555.0187 x", "3782 822463 10005 x", "tel 01 23 45 67 89 x", "tel 01.23.45.67.89 x",
        "030 / 12345678 x"})
    EXPECT_EQ(count(one), 1u) << one;
}

TEST(DigitWindows, RandomBytesSameAsReference) {
  if (levels().empty()) GTEST_SKIP() << "no AVX2 on this CPU: only the reference runs";
  std::mt19937 rng(6);
  const std::string alphabet = "0123456789012345678901234567 ().+-/ABGBDEXZabz_x\n,:@\x80\xff";
  for (int round = 0; round < 400; ++round) {
    std::size_t n = rng() % 700;
    std::string s(n, ' ');
    // Some rounds dense in digits (long runs across block edges), some sparse.
    unsigned digitBias = rng() % 3;
    for (auto& c : s) {
      if (digitBias == 2 && rng() % 2)
        c = static_cast<char>('0' + rng() % 10);
      else
        c = alphabet[rng() % alphabet.size()];
    }
    expectSame(s, "random");
  }
}

TEST(DigitWindows, ValuesAtEveryAlignment) {
  const char* values[] = {
      "4111 1111 1111 1111",
      "GB82 WEST 1234 5698 7654 32",
      "GB82WEST12345698765432",
      "AB 123456 C",
      "AB123456C",
      "192.168.0.1",
      "+44 (20) 7946-0958",
      "078-05-1120",
      "0x00000000",
      "sha256 12345678",
      "1.2.3.4.5",
      "12345678901234567890123456789012345678901234567890123456789012345678901234567890"};
  for (const char* v : values)
    for (std::size_t pad = 0; pad < 140; ++pad) {
      std::string s(pad, 'q');
      s += ' ';
      s += v;
      s += " tail text ";
      s += v;
      expectSame(s, v);
      expectSame(s.substr(0, s.size() - 1), v);
    }
}

// One pass for all finders (findMarks) gives what each finder's reference gives alone.
void expectSameMarksAt(const std::string& text, const char* what, Simd level) {
  Marks all;
  findMarks(text, MarkKinds{true, true, true, DigitRules::kShipped}, all, level);
  std::vector<Window> digits;
  digitWindowsReference(text, digits, DigitRules::kShipped);
  std::vector<Window> colonWins, fromPairs;
  colonWindowsReference(text, colonWins);
  for (const auto& [c1, c2] : all.colons)
    addWindow(text, c1 > 8 ? c1 - 8 : 0, std::min(text.size(), c2 + 64), fromPairs, kLiteralGap);
  std::vector<std::size_t> ats;
  for (std::size_t k = 0; k < text.size(); ++k)
    if (text[k] == '@') ats.push_back(k);
  EXPECT_EQ(all.digits, digits) << what << name(level);
  EXPECT_EQ(fromPairs, colonWins) << what << name(level);
  EXPECT_EQ(all.atSigns, ats) << what << name(level);
}

void expectSameMarks(const std::string& text, const char* what) {
  for (auto level : levels()) expectSameMarksAt(text, what, level);
}

TEST(Marks, OnePassSameAsEachFinder) {
  std::mt19937 rng(8);
  const std::string alphabet = "0123456789 ().+-/ABGBDEXZabcdef_x\n,::@@\x80\xff";
  for (int round = 0; round < 400; ++round) {
    std::string s(rng() % 900, ' ');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    expectSameMarks(s, "random");
  }
  const std::string text = tollgate::testing::machineText(1u << 20);
  if (!text.empty()) expectSameMarks(text, "machine text");
}

void expectSameColons(const std::string& text, const char* what) {
  for (auto level : levels()) {
    std::vector<Window> fast, ref;
    colonWindows(text, fast, level);
    colonWindowsReference(text, ref);
    ASSERT_EQ(fast.size(), ref.size()) << what << name(level);
    for (std::size_t k = 0; k < ref.size(); ++k) {
      ASSERT_EQ(fast[k].start, ref[k].start) << what << name(level) << " window " << k;
      ASSERT_EQ(fast[k].end, ref[k].end) << what << name(level) << " window " << k;
    }
  }
}

TEST(ColonWindows, RandomBytesSameAsReference) {
  if (levels().empty()) GTEST_SKIP() << "no AVX2 on this CPU: only the reference runs";
  std::mt19937 rng(7);
  // Sparse rounds put pairs far apart (separate windows), dense ones merge them.
  const std::string dense = "::::0123456789abcdefABCDEFgG \n\x80";
  const std::string sparse = "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq:1a";
  for (int round = 0; round < 600; ++round) {
    std::size_t n = rng() % 2000;
    const std::string& alphabet = round % 2 ? dense : sparse;
    std::string s(n, ' ');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    expectSameColons(s, "random");
  }
}

// addWindow's sixteen-byte word scans against the byte loop they replace.
TEST(AddWindow, SameAsByteLoop) {
  auto slow = [](std::string_view d, std::size_t s, std::size_t e) {
    auto word = [](unsigned char c) {
      return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
    };
    for (std::size_t k = 0; s > 0 && k < 64 && word(static_cast<unsigned char>(d[s - 1])); ++k) --s;
    for (std::size_t k = 0; e < d.size() && k < 64 && word(static_cast<unsigned char>(d[e])); ++k)
      ++e;
    return Window{s, e};
  };
  std::mt19937 rng(8);
  const std::string alphabet = "aZ09_____xxxxxxxxxxxxxxxx -.:@\x80\xff";
  for (int round = 0; round < 3000; ++round) {
    std::size_t n = 1 + rng() % 300;
    std::string d(n, ' ');
    // Mostly word bytes, so that the 64-byte cap is reached.
    bool dense = rng() % 2;
    for (auto& c : d) c = dense && rng() % 8 ? 'w' : alphabet[rng() % alphabet.size()];
    std::size_t s = rng() % n, e = s + rng() % (n - s + 1);
    std::vector<Window> out;
    addWindow(d, s, e, out);
    ASSERT_EQ(out.size(), 1u);
    Window want = slow(d, s, e);
    ASSERT_EQ(out[0].start, want.start) << round;
    ASSERT_EQ(out[0].end, want.end) << round;
  }
}

TEST(DigitWindows, MachineTextSameAsReference) {
  std::string text = tollgate::testing::machineText(4u << 20);
  if (text.empty()) GTEST_SKIP() << "no text under /usr/share/doc or /usr/include";
  expectSame(text, "machine text");
  expectSameColons(text, "machine text");
  for (std::size_t off = 1; off < 64; off += 9)
    expectSameColons(text.substr(off, 1 << 20), "shifted");
  // And from every start offset within a block, so that block edges fall everywhere.
  for (std::size_t off = 1; off < 64; off += 7) expectSame(text.substr(off, 1 << 20), "shifted");
}

}  // namespace
}  // namespace tollgate::classify::detail
