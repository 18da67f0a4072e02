// Trigger windows: the byte ranges of a layer where a trigger database is scanned. Private to
// classify (scanner.cpp, and the unit test that checks the vectorised digit-run finder against
// the reference one).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tollgate::classify::detail {

// Windows closer than `gap` bytes are scanned as one: a Hyperscan call costs about as much as
// scanning a few hundred bytes with the digit database, a thousand with a one-pattern one.
constexpr std::size_t kDigitGap = 128;
constexpr std::size_t kLiteralGap = 512;
struct Window {
  std::size_t start;
  std::size_t end;
  bool operator==(const Window&) const = default;
};

#if defined(__SSE2__)
// Word bytes ([0-9A-Za-z_]) among 16, as a bit mask.
inline unsigned wordMask16(const unsigned char* p) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));
  __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
  __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
                                _mm_cmplt_epi8(l, _mm_set1_epi8('z' + 1)));
  __m128i under = _mm_cmpeq_epi8(v, _mm_set1_epi8('_'));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(digit, alpha), under)));
}
#endif

// Adds [s, e) to `out`, extended outwards to a non-word byte (so that \b at a window's edge means
// what it means in the whole buffer) and merged with the previous window when they are close.
inline void addWindow(std::string_view d, std::size_t s, std::size_t e, std::vector<Window>& out,
                      std::size_t gap = kDigitGap) {
  auto word = [](unsigned char c) {
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
  };
  const auto* p = reinterpret_cast<const unsigned char*>(d.data());
  // At most 64 word bytes either way, sixteen at a time where the buffer allows.
  std::size_t k = 0;
#if defined(__SSE2__)
  while (k < 64 && s >= 16) {
    unsigned nonword = ~wordMask16(p + s - 16) & 0xFFFFu;
    std::size_t words = nonword ? 15 - static_cast<std::size_t>(31 - __builtin_clz(nonword)) : 16;
    std::size_t step = std::min(words, 64 - k);
    s -= step;
    k += step;
    if (words < 16) break;
  }
  if (k < 64 && s < 16)
#endif
    for (; s > 0 && k < 64 && word(p[s - 1]); ++k) --s;
  k = 0;
#if defined(__SSE2__)
  while (k < 64 && e + 16 <= d.size()) {
    unsigned nonword = ~wordMask16(p + e) & 0xFFFFu;
    std::size_t words = nonword ? static_cast<std::size_t>(__builtin_ctz(nonword)) : 16;
    std::size_t step = std::min(words, 64 - k);
    e += step;
    k += step;
    if (words < 16) {
      k = 64;
      break;
    }
  }
#endif
  for (; e < d.size() && k < 64 && word(p[e]); ++k) ++e;
  if (!out.empty() && s <= out.back().end + gap) {
    out.back().start = std::min(out.back().start, s);
    out.back().end = std::max(out.back().end, e);
    return;
  }
  out.push_back(Window{s, e});
}

// Which runs of digits get a window. kGeneric is the documented contract of the `digits`
// trigger, for any pattern. kShipped holds only when every digits-trigger detector is one of
// the shipped definitions: it also leaves out the runs none of their validators can accept
// (fewer digits than any of them needs, a NINO without its suffix letter), which are most runs
// in text (dates, times, hashes). The trigger differential test checks it against every byte.
enum class DigitRules { kGeneric, kShipped };

// The vector code the finders below may use; each uses the best the CPU has (checked once), at
// most `level`: tests run every level this CPU has against the reference.
enum class Simd { kBaseline, kAvx2, kAvx512 };
// What the finders use on this CPU (kAvx2: AVX2, BMI1/2 and POPCNT; kAvx512: AVX-512BW too).
Simd bestSimd();

// The windows where Trigger::kDigits patterns are tried (see detectors.h): around runs of digits
// and separators with at least eight digits or four digits and three dots (IPv4), unless glued
// to a word before them; around six digits after two letters (a NINO); around an IBAN-like
// start (two capitals, two digits, 11 letters or digits; the window reaches 48 bytes on).
// Appends to `out`. Uses 64-byte block masks (AVX2 or AVX-512BW) when the CPU has them.
void digitWindows(std::string_view d, std::vector<Window>& out,
                  DigitRules rules = DigitRules::kGeneric, Simd level = Simd::kAvx512);
// The same windows, found run by run with SSE2 (the baseline; the reference for the tests).
void digitWindowsReference(std::string_view d, std::vector<Window>& out,
                           DigitRules rules = DigitRules::kGeneric);
// Windows around ":" hex{0,4} ":" (IPv6 shapes), from 8 bytes before the first colon to 64
// after the second; block masks when the CPU has them, else memchr per colon (reference).
void colonWindows(std::string_view d, std::vector<Window>& out, Simd level = Simd::kAvx512);
void colonWindowsReference(std::string_view d, std::vector<Window>& out);
// The colon pairs themselves, in order: `first` a colon, `second` the colon after 0-4 hex digits.
struct ColonPair {
  std::size_t first;
  std::size_t second;
};
void colonPairs(std::string_view d, std::vector<ColonPair>& out, Simd level = Simd::kAvx512);

// One pass over a layer for several finders: the digit windows (as digitWindows with `rules`),
// the colon pairs (as colonPairs) and the positions of '@', each when asked for, appended to
// `out` in order.
struct MarkKinds {
  bool digits = false;
  bool colons = false;
  bool atSigns = false;
  DigitRules rules = DigitRules::kGeneric;
};
struct Marks {
  std::vector<Window> digits;
  std::vector<ColonPair> colons;
  std::vector<std::size_t> atSigns;
};
void findMarks(std::string_view d, const MarkKinds& kinds, Marks& out, Simd level = Simd::kAvx512);

}  // namespace tollgate::classify::detail
