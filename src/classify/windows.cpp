#include "windows.h"

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace tollgate::classify::detail {
namespace {

// Bits set in a 16-bit mask, without the libgcc call __builtin_popcount becomes in a baseline
// x86-64 build (no POPCNT instruction).
inline unsigned popcount16(unsigned x) {
  x = x - ((x >> 1) & 0x5555u);
  x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
  x = (x + (x >> 4)) & 0x0F0Fu;
  return (x + (x >> 8)) & 0x1Fu;
}

bool isAlphaByte(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
bool isWordByte(unsigned char c) { return isAlphaByte(c) || (c >= '0' && c <= '9') || c == '_'; }

// 1: digit, 2: a separator inside numbers (space ( ) . + - /).
constexpr std::array<std::uint8_t, 256> makeNumClass() {
  std::array<std::uint8_t, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = 1;
  for (unsigned char c : {' ', '(', ')', '.', '+', '-', '/'}) t[c] = 2;
  return t;
}
constexpr auto kNumClass = makeNumClass();

// Separators between two digit groups that a shipped number may hold: one byte, or what the
// phone validator allows ("(212) 555", "+44 (0) 20", "030 / 1234"). Anything else ("12:30:45
// 2009 -0500", "73.993 573.365") ends the number.
bool numberSeparator(const unsigned char* p, std::size_t len) {
  if (len == 1) return true;
  std::string_view sep(reinterpret_cast<const char*>(p), len);
  for (std::string_view ok : {") ", ")-", ") -", " (", "-(", ").", " / ", " - ", "+("})
    if (sep == ok) return true;
  return false;
}

// Whether the digits of the run [i, j) (first digit at i) may hold a value one of the shipped
// digit validators accepts, from a group start (what \b allows) on:
// - a NANP number: one group of 10 digits from a 2-9, or groups of 3-3-4 or (3) 7 joined by
//   separators a number may hold (numberSeparator);
// - a card: 12 digits or more in one group from a 2-6, or four of them and then groups joined by
//   one blank or dash, 12 digits in all;
// - a national number: 9-13 digits from a trunk zero in the group shapes the phone validator
//   takes; an international one: 8 after a '+' (groups joined by numberSeparator);
// - a dashed SSN (3-2-4); four groups of one to three digits joined by dots (IPv4).
// Dates, times and version strings ("2019-06-23 23:19", "1 0 0 -1 0 563.120972") hold none.
bool shippedNumber(const unsigned char* p, std::size_t i, std::size_t j) {
  struct Group {
    std::size_t at;
    std::size_t len;
    std::size_t sep;  // where the separators before it start
  };
  std::array<Group, 48> gs;
  std::size_t ng = 0;
  for (std::size_t k = i; k < j;) {
    std::size_t sep = k;
    while (k < j && kNumClass[p[k]] == 2) ++k;
    if (k == j) break;
    std::size_t at = k;
    while (k < j && kNumClass[p[k]] == 1) ++k;
    if (ng == gs.size()) return true;  // a long table of numbers: leave it to the patterns
    gs[ng++] = Group{at, k - at, sep};
  }
  auto sepIs = [&](std::size_t q, char c) {
    return gs[q].at - gs[q].sep == 1 && p[gs[q].sep] == static_cast<unsigned char>(c);
  };
  // The separators before group q let a number go on through it.
  auto joined = [&](std::size_t q) {
    return q < ng && numberSeparator(p + gs[q].sep, gs[q].at - gs[q].sep);
  };
  std::size_t dotted = 0;  // IPv4: consecutive groups of 1-3 digits joined by one dot
  for (std::size_t q = 0; q < ng; ++q) {
    dotted = gs[q].len <= 3 ? (q > 0 && dotted && sepIs(q, '.') ? dotted + 1 : 1) : 0;
    if (dotted >= 4) return true;
    const std::size_t len = gs[q].len;
    if (q + 2 < ng && len == 3 && gs[q + 1].len == 2 && gs[q + 2].len == 4 && sepIs(q + 1, '-') &&
        sepIs(q + 2, '-'))
      return true;
    const unsigned char c = p[gs[q].at];
    if (c >= '2') {
      if (len == 10) return true;
      if (len == 3 && joined(q + 1) &&
          (gs[q + 1].len == 7 || (gs[q + 1].len == 3 && joined(q + 2) && gs[q + 2].len == 4)))
        return true;
      if (c <= '6' && len >= 12) return true;
      if (c <= '6' && len == 4) {
        std::size_t digits = len;
        for (std::size_t r = q + 1; r < ng && (sepIs(r, ' ') || sepIs(r, '-')); ++r)
          digits += gs[r].len;
        if (digits >= 12) return true;
      }
    }
    bool plus =
        gs[q].at >= 1 && (p[gs[q].at - 1] == '+' ||
                          (gs[q].at >= 2 && p[gs[q].at - 1] == '(' && p[gs[q].at - 2] == '+'));
    if (plus && c != '0') {
      std::size_t digits = len;
      for (std::size_t r = q + 1; joined(r); ++r) digits += gs[r].len;
      if (digits >= 8) return true;
    }
    if (c == '0') {
      // A national number the phone validator accepts: 9-13 digits in groups of two or more
      // after the first; with dots only the French 2-2-2-2-2; with a slash two groups; groups
      // of two digits only as 2-2-2-2-2 (else a hex dump). It may end at any group.
      std::size_t digits = 0, groups = 0;
      bool dot = false, slash = false, pairs = true;
      for (std::size_t r = q; r < ng && (r == q || joined(r)); ++r) {
        if (r > q) {
          if (gs[r].len < 2) break;
          for (std::size_t k = gs[r].sep; k < gs[r].at; ++k) {
            dot |= p[k] == '.';
            slash |= p[k] == '/';
          }
        }
        digits += gs[r].len;
        ++groups;
        pairs = pairs && gs[r].len <= 2;
        if (digits > 13) break;
        bool fr = digits == 10 && groups == 5 && pairs;
        if (digits >= 9 && (!dot || fr) && (!slash || groups == 2) && (!pairs || fr)) return true;
      }
    }
  }
  return false;
}

// One run of digits and separators whose first digit is at `i` (the byte before it is not a
// digit, and no digit follows the previous run's end before `i`): adds its window if it has
// one; returns the run's end (the first byte that is neither digit nor separator, or n).
std::size_t digitRun(std::string_view d, std::size_t i, std::vector<Window>& out,
                     DigitRules rules) {
  const auto* p = reinterpret_cast<const unsigned char*>(d.data());
  const std::size_t n = d.size();
#if defined(__SSE2__)
  // Most runs are short numbers ("2019", "x86", "v1.2"): those are skipped from one load
  // unless two letters stand before them (an IBAN or a NINO).
  if (i + 16 <= n && i >= 2 && !(isAlphaByte(p[i - 1]) && isAlphaByte(p[i - 2])) &&
      !(p[i - 1] == ' ' && i >= 3 && isAlphaByte(p[i - 2]) && isAlphaByte(p[i - 3]))) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i dig = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    __m128i sep = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(v, _mm_set1_epi8('.'))),
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('(')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8(')'))),
                     _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('+')),
                                               _mm_cmpeq_epi8(v, _mm_set1_epi8('-'))),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('/')))));
    auto inRun = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(dig, sep)));
    auto notRun = ~inRun & 0xFFFFu;
    if (notRun) {
      unsigned len = static_cast<unsigned>(__builtin_ctz(notRun));
      unsigned runMask = (1u << len) - 1;
      auto digitMask = static_cast<unsigned>(_mm_movemask_epi8(dig)) & runMask;
      auto dotMask =
          static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')))) & runMask;
      if (popcount16(digitMask) < 8 && popcount16(dotMask) < 3) return i + len;
    }
  }
#endif
  std::size_t s = i;
  while (s > 0 && i - s < 4 && kNumClass[p[s - 1]] == 2) --s;
  std::size_t j = i, digits = 0, dots = 0, lastDigit = i;
  while (j < n && kNumClass[p[j]]) {
    if (kNumClass[p[j]] == 1) {
      ++digits;
      lastDigit = j;
    }
    dots += p[j] == '.';
    ++j;
  }
  auto upper = [&](std::size_t k) { return p[k] >= 'A' && p[k] <= 'Z'; };
  auto alpha = [&](std::size_t k) { return upper(k) || (p[k] >= 'a' && p[k] <= 'z'); };
  auto wordAt = [&](std::size_t k) { return alpha(k) || kNumClass[p[k]] == 1 || p[k] == '_'; };
  // An IBAN: a word-initial country code, two check digits, then 11 or more letters and digits.
  const bool shipped = rules == DigitRules::kShipped;
  bool iban = false;
  if (i >= 2 && upper(i - 1) && upper(i - 2) && (!shipped || i < 3 || !wordAt(i - 3)) &&
      i + 1 < n && kNumClass[p[i + 1]] == 1) {
    std::size_t k = i + 2, alnum = 0;
    while (k < n && alnum < 11 && (upper(k) || kNumClass[p[k]] == 1 || p[k] == ' ')) {
      alnum += p[k] != ' ';
      ++k;
    }
    iban = alnum >= 11;
  }
  // A NINO: two letters, an optional blank, six digits. For the shipped patterns also: the
  // letters start a word, and a suffix letter A-D ends it ("JG 10 37 59 A", "jg103759a"), which
  // a date is not ("Jan 2023 23:46").
  bool nino = digits == 6 && s >= 2 && alpha(s - 1) && alpha(s - 2);
  if (nino && shipped) {
    std::size_t k = i - (p[i - 1] == ' ');  // the letters' end: right before, or one blank
    nino = k >= 2 && alpha(k - 1) && alpha(k - 2) && (k < 3 || !wordAt(k - 3)) && j < n &&
           (p[j] | 0x20) >= 'a' && (p[j] | 0x20) <= 'd' && (j + 1 >= n || !wordAt(j + 1));
  }
  // A digit run glued to a word before it, with no separator inside, holds no \b-bounded
  // number: "0x00000000", "sha256".
  bool glued = s == i && i > 0 && (alpha(i - 1) || p[i - 1] == '_') && lastDigit + 1 - i == digits;
  // Eight digits, or four and three dots (IPv4); for the shipped patterns, a value one of their
  // validators can accept (shippedNumber).
  bool number = false;
  if (!shipped)
    number = !glued && (digits >= 8 || (digits >= 4 && dots >= 3));
  else if (!glued && (digits >= 8 || (digits >= 4 && dots >= 3)))
    number = shippedNumber(p, i, j);
  if (number || iban || nino) {
    std::size_t ws = s >= 4 ? s - 4 : 0;
    std::size_t we = std::min(n, j + 3);
    if (iban) we = std::max(we, std::min(n, i + 48));
    addWindow(d, ws, we, out);
  }
  return j;
}

// The run-by-run finder from byte `i` on.
void digitWindowsFrom(std::string_view d, std::size_t i, std::vector<Window>& out,
                      DigitRules rules) {
  const auto* p = reinterpret_cast<const unsigned char*>(d.data());
  const std::size_t n = d.size();
  for (;;) {
    // The next digit, sixteen bytes at a time.
#if defined(__SSE2__)
    while (i + 16 <= n) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      // Bytes >= 0x80 are negative as signed bytes, so below '0'.
      __m128i ge0 = _mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1));
      __m128i le9 = _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1));
      auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(ge0, le9)));
      if (mask) {
        i += static_cast<std::size_t>(__builtin_ctz(mask));
        break;
      }
      i += 16;
    }
#endif
    while (i < n && kNumClass[p[i]] != 1) ++i;
    if (i >= n) return;
    i = digitRun(d, i, out, rules);
  }
}

bool isHexByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

inline void emitPair(std::string_view d, std::size_t p, std::size_t k, std::vector<Window>& out) {
  addWindow(d, p > 8 ? p - 8 : 0, std::min(d.size(), k + 64), out, kLiteralGap);
}
inline void emitPair(std::string_view, std::size_t p, std::size_t k, std::vector<ColonPair>& out) {
  out.push_back(ColonPair{p, k});
}

// The colon at `p` starts a pair when zero to four hex digits and a colon follow it: hands on
// the pair (its window [p - 8, k + 64), or the pair itself), k being the second colon.
template <class Out>
inline void colonAt(std::string_view d, std::size_t p, Out& out) {
  const auto* b = reinterpret_cast<const unsigned char*>(d.data());
  std::size_t k = p + 1;
  while (k < d.size() && k - p <= 4 && isHexByte(b[k])) ++k;
  if (k < d.size() && b[k] == ':') emitPair(d, p, k, out);
}

template <class Out>
void colonWindowsFrom(std::string_view d, std::size_t i, Out& out) {
  while (i < d.size()) {
    const void* hit = std::memchr(d.data() + i, ':', d.size() - i);
    if (!hit) return;
    std::size_t p = static_cast<std::size_t>(static_cast<const char*>(hit) - d.data());
    colonAt(d, p, out);
    i = p + 1;
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define TOLLGATE_AVX2_DIGITS 1
// Every mask the finders need, for 64 bytes, from one pair of nibble-table lookups per 32 bytes:
// a byte's class is the flags its low nibble allows AND those its high nibble allows, each set
// below being a rectangle in (high, low) nibbles (upper case is two). Bytes >= 0x80 have a high
// nibble of 8 or more and no flag.
struct BlockMasks {
  std::uint64_t digit;  // 0-9
  std::uint64_t run;    // digit or separator inside numbers (space ( ) + - . /)
  std::uint64_t dot;
  std::uint64_t upper;  // A-Z
  std::uint64_t colon;
  std::uint64_t hex;  // 0-9 a-f A-F
  std::uint64_t at;   // '@'
};

constexpr char kFDigit = 0x01, kFSep = 0x02, kFDot = 0x04, kFColon = 0x08, kFHexL = 0x10,
               kFUpAO = 0x20, kFUpPZ = 0x40;
constexpr char kFAt = static_cast<char>(0x80);

// The bytes of `cl` with flag bit B, as a 32-bit mask: a 16-bit shift moves each byte's own bit
// B to its top, which movemask collects.
template <int B>
__attribute__((target("avx2"), always_inline)) inline std::uint64_t flagMask(__m256i cl) {
  return static_cast<std::uint32_t>(
      _mm256_movemask_epi8(B == 7 ? cl : _mm256_slli_epi16(cl, 7 - B)));
}

__attribute__((target("avx2"), always_inline)) inline BlockMasks avx2Masks(const unsigned char* p) {
  // Flags allowed by the low nibble 0-F, then by the high nibble 0-F.
  constexpr char l0 = kFDigit | kFSep | kFUpPZ | kFAt, l16 = kFDigit | kFHexL | kFUpAO | kFUpPZ,
                 l7 = kFDigit | kFUpAO | kFUpPZ, l89 = kFDigit | kFSep | kFUpAO | kFUpPZ,
                 lA = kFColon | kFUpAO | kFUpPZ, lB = kFSep | kFUpAO, lC = kFUpAO,
                 lE = kFSep | kFDot | kFUpAO;
  const __m256i lo =
      _mm256_setr_epi8(l0, l16, l16, l16, l16, l16, l16, l7, l89, l89, lA, lB, lC, lB, lE, lB, l0,
                       l16, l16, l16, l16, l16, l16, l7, l89, l89, lA, lB, lC, lB, lE, lB);
  constexpr char h2 = kFSep | kFDot, h3 = kFDigit | kFColon, h4 = kFHexL | kFUpAO | kFAt,
                 h5 = kFUpPZ, h6 = kFHexL;
  const __m256i hi = _mm256_setr_epi8(0, 0, h2, h3, h4, h5, h6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, h2,
                                      h3, h4, h5, h6, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i nib = _mm256_set1_epi8(0x0F);
  BlockMasks m{};
  for (int h = 0; h < 2; ++h) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * h));
    __m256i cl =
        _mm256_and_si256(_mm256_shuffle_epi8(lo, _mm256_and_si256(v, nib)),
                         _mm256_shuffle_epi8(hi, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib)));
    const unsigned sh = 32 * static_cast<unsigned>(h);
    std::uint64_t digit = flagMask<0>(cl) << sh, sep = flagMask<1>(cl) << sh,
                  hexL = flagMask<4>(cl) << sh;
    m.digit |= digit;
    m.run |= digit | sep;
    m.dot |= flagMask<2>(cl) << sh;
    m.colon |= flagMask<3>(cl) << sh;
    m.hex |= digit | hexL;
    m.upper |= (flagMask<5>(cl) | flagMask<6>(cl)) << sh;
    m.at |= flagMask<7>(cl) << sh;
  }
  return m;
}

// x shifted up by k bits, the top bits of the block before (`below`) coming in: bit j tells about
// byte j - k.
constexpr std::uint64_t back(std::uint64_t x, std::uint64_t below, unsigned k) {
  return x << k | below >> (64 - k);
}

// The byte classes the shipped rules look at before a run, for the 64 bytes from p (bit j: p[j]).
struct WordMasks {
  std::uint64_t alpha;  // A-Z a-z
  std::uint64_t word;   // A-Z a-z 0-9 _
  std::uint64_t space;
  std::uint64_t plus;
};

__attribute__((target("avx2"), always_inline)) inline std::uint64_t eqMask64(__m256i a, __m256i b,
                                                                             char c) {
  const __m256i x = _mm256_set1_epi8(c);
  return std::uint64_t{static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, x)))} |
         std::uint64_t{static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, x)))}
             << 32;
}

__attribute__((target("avx2"), always_inline)) inline WordMasks wordMasks(const unsigned char* p) {
  const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  // Letters: (v | 0x20) - 'a' below 26, unsigned (min(x, 25) == x); digits: v - '0' below 10.
  auto below = [](__m256i v, char lo, char n, char fold) __attribute__((target("avx2"))) {
    __m256i x = _mm256_sub_epi8(_mm256_or_si256(v, _mm256_set1_epi8(fold)), _mm256_set1_epi8(lo));
    return static_cast<std::uint32_t>(
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(x, _mm256_set1_epi8(n - 1)), x)));
  };
  WordMasks m;
  m.alpha = below(a, 'a', 26, 0x20) | std::uint64_t{below(b, 'a', 26, 0x20)} << 32;
  m.word = m.alpha | below(a, '0', 10, 0) | std::uint64_t{below(b, '0', 10, 0)} << 32 |
           eqMask64(a, b, '_');
  m.space = eqMask64(a, b, ' ');
  m.plus = eqMask64(a, b, '+');
  return m;
}

// Whether the run of `len` bytes whose first digit is at `at`, holding `digits` digits and `dots`
// dots, may have a window: what digitRun needs at the least (eight digits or exactly six, four
// and three dots, two capitals before it); for the shipped rules nine digits, or eight and a '+'
// (in the run or the four bytes before it), or six after two letters starting a word (a NINO),
// the capitals starting a word too. digitRun decides.
inline bool mayHaveWindow(const unsigned char* p, std::size_t at, std::size_t len, int digits,
                          int dots, DigitRules rules) {
  const bool shipped = rules == DigitRules::kShipped;
  bool capitals = at >= 2 && static_cast<unsigned>(p[at - 1] - 'A') < 26u &&
                  static_cast<unsigned>(p[at - 2] - 'A') < 26u &&
                  (!shipped || at < 3 || !isWordByte(p[at - 3]));
  if (capitals || (digits >= 4 && dots >= 3)) return true;
  if (!shipped) return digits >= 8 || digits == 6;
  if (digits >= 9) return true;
  if (digits == 8) {
    for (std::size_t k = at >= 4 ? at - 4 : 0; k < at + len; ++k)
      if (p[k] == '+') return true;
    return false;
  }
  std::size_t l = at - (at >= 1 && p[at - 1] == ' ');  // where the NINO letters end
  return digits == 6 && l >= 2 && isAlphaByte(p[l - 1]) && isAlphaByte(p[l - 2]) &&
         (l < 3 || !isWordByte(p[l - 3]));
}

// 64 bytes at a time, all runs of a block at once: the first digit of each run is found by
// carrying the run starts through the separators before it ((seps + starts) & digits); the
// runs' digit counts come from the first-digit bits compressed onto the digits (pext): rK has
// the runs of K digits or more. Only the runs that may have a window are looked at one by one,
// which keeps the loop below rare (most runs are years, times and version numbers):
// - eight digits or more, or exactly six (a NINO), or four and three dots after the first digit
//   (IPv4), or two capitals before (an IBAN);
// - for the shipped rules, nine digits or more; eight with a '+' near; six after two letters
//   starting a word (through one blank); four and three dots.
// The capitals test reads the previous block's capitals (`prevUpper`); the letters before a
// six-digit run are classified only in blocks that have one. The run reaching the block's end
// goes to digitRun, unless the next block (`nxt`) ends it short of what any window needs. Of
// the runs looked at, those that may have a window go through digitRun, which decides exactly as
// the reference finder does. Bits of `digit` and `run` before the digit finder's position are
// already cleared. Returns where the digit finder goes on: i + 64, or past a run reaching
// beyond the block.
__attribute__((target("avx2,popcnt,bmi,bmi2"), always_inline)) inline std::size_t digitBlock(
    std::string_view d, std::size_t i, std::uint64_t digit, std::uint64_t run, const BlockMasks& m,
    std::uint64_t prevUpper, const BlockMasks& nxt, std::vector<Window>& out, DigitRules rules) {
  const auto* p = reinterpret_cast<const unsigned char*>(d.data());
  std::size_t next = i + 64;
  if (!digit) return next;
  const bool shipped = rules == DigitRules::kShipped;
  // Position 0 starts a run: a run going on from before the block had no digit there (a run
  // with digits reaching a block's end is decided whole by the block it starts in).
  std::uint64_t starts = run & ~(run << 1);
  std::uint64_t first = ((run & ~digit) + starts) & digit;
  auto nd = static_cast<unsigned>(__builtin_popcountll(digit));
  std::uint64_t valid = nd == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << nd) - 1;
  std::uint64_t fc = _pext_u64(first, digit);
  std::uint64_t rest = ~fc & valid;
  std::uint64_t r4 = fc & (rest >> 1) & (rest >> 2) & (rest >> 3);
  std::uint64_t caps = first & back(m.upper, prevUpper, 1) & back(m.upper, prevUpper, 2);
  // Most blocks with digits hold only short runs: nothing to look at but the end run.
  const bool endRun = first && (~run >> (63 - __builtin_clzll(first))) == 0;
  if (!(r4 | caps) && !endRun) return next;
  std::uint64_t r6 = r4 & (rest >> 4) & (rest >> 5);
  std::uint64_t r7 = r6 & (rest >> 6);
  std::uint64_t r8 = r7 & (rest >> 7);
  std::uint64_t r9 = r8 & (rest >> 8);
  // Dots from a run's first digit to its end, all runs of the block together (adding the first
  // digit carries through the rest of its run).
  std::uint64_t tails = ((run + first) ^ run) & run;
  std::uint64_t dotted = 0;  // first digits of runs with three dots or more after them
  if (std::uint64_t dots = m.dot & tails; __builtin_popcountll(dots) >= 3) {
    // In the order of first digits and dots (c: 1 a first digit), a run's first digit followed
    // by three dots.
    const std::uint64_t events = first | dots;
    const auto ne = static_cast<unsigned>(__builtin_popcountll(events));
    const std::uint64_t c = _pext_u64(first, events);
    const std::uint64_t nc = ~c & (ne == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << ne) - 1);
    dotted = _pdep_u64(c & (nc >> 1) & (nc >> 2) & (nc >> 3), events);
  }
  std::uint64_t longRuns;
  std::uint64_t six = _pdep_u64(r6 & ~r7, digit);
  if (!shipped) {
    longRuns = _pdep_u64(r8, digit) | six | (dotted & _pdep_u64(r4, digit));
  } else {
    // Eight digits need a '+' from four bytes before the run on; six need two letters starting
    // a word right before them, or before one blank. Only blocks with such runs (dates with
    // times are many of them) read the byte classes, from four bytes before the block: bit
    // t + 4 is byte t. A run starting in the last three bytes is looked at without them.
    std::uint64_t eight = _pdep_u64(r8 & ~r9, digit);
    std::uint64_t nino = 0;
    bool plusNear = true;
    if ((six | eight) && i >= 4) {
      const WordMasks w = wordMasks(p + i - 4);
      const std::uint64_t a = w.alpha, wd = w.word;
      nino = ((a >> 3) & (a >> 2) & ~(wd >> 1)) | ((w.space >> 3) & (a >> 2) & (a >> 1) & ~wd);
      nino |= ~std::uint64_t{0} << 61;
      plusNear = w.plus != 0 || p[i + 60] == '+' || p[i + 61] == '+' || p[i + 62] == '+' ||
                 p[i + 63] == '+';
    } else if (six | eight) {
      nino = ~std::uint64_t{0};
    }
    longRuns = _pdep_u64(r9, digit) | (dotted & _pdep_u64(r4, digit)) | (plusNear ? eight : 0) |
               (six & nino);
  }
  std::uint64_t todo = longRuns | caps;
  if (endRun) {
    auto last = 63 - static_cast<unsigned>(__builtin_clzll(first));
    // The last run reaches the block's end: when the next block ends it, count it whole.
    std::uint64_t seg = ~std::uint64_t{0} << last;
    auto more = static_cast<unsigned>(__builtin_ctzll(~nxt.run | (std::uint64_t{1} << 63)));
    bool ends = (~nxt.run) != 0;
    std::uint64_t segNext = more ? ~std::uint64_t{0} >> (64 - more) : 0;
    auto digits = __builtin_popcountll(digit & seg) + __builtin_popcountll(nxt.digit & segNext);
    auto dots = __builtin_popcountll(m.dot & seg) + __builtin_popcountll(nxt.dot & segNext);
    bool maybe = !ends || mayHaveWindow(p, i + last, 64 - last + more, digits, dots, rules);
    todo &= ~(std::uint64_t{1} << last);
    if (!maybe)
      next = i + 64 + more;
    else
      todo |= std::uint64_t{1} << last, next = 0;  // next == 0: the end run is to be run
  }
  while (todo) {
    auto t = static_cast<unsigned>(__builtin_ctzll(todo));
    todo &= todo - 1;
    std::size_t at = i + t;
    if (next == 0 && todo == 0) return std::max(i + 64, digitRun(d, at, out, rules));
    auto len = static_cast<unsigned>(__builtin_ctzll(~run >> t));
    std::uint64_t seg = ((std::uint64_t{1} << len) - 1) << t;
    if (mayHaveWindow(p, at, len, __builtin_popcountll(digit & seg),
                      __builtin_popcountll(m.dot & seg), rules))
      digitRun(d, at, out, rules);
  }
  return next;
}

// The colon pairs starting in the block at `i`: a colon at p starts a pair when the colon at
// p + 1 + m follows m hex digits (m = 0..4); the next block's masks supply the bits past it.
template <class Out>
__attribute__((target("avx2,popcnt,bmi,bmi2"), always_inline)) inline void colonBlock(
    std::string_view d, std::size_t i, const BlockMasks& m, const BlockMasks& next, Out& out) {
  if (!m.colon) return;
  auto at = [](std::uint64_t x, std::uint64_t nx, unsigned j) {
    return (x >> j) | (nx << (64 - j));
  };
  std::uint64_t h1 = at(m.hex, next.hex, 1), h2 = at(m.hex, next.hex, 2),
                h3 = at(m.hex, next.hex, 3), h4 = at(m.hex, next.hex, 4);
  std::uint64_t run = at(m.colon, next.colon, 1);
  std::uint64_t hh = h1;
  run |= hh & at(m.colon, next.colon, 2);
  hh &= h2;
  run |= hh & at(m.colon, next.colon, 3);
  hh &= h3;
  run |= hh & at(m.colon, next.colon, 4);
  hh &= h4;
  run |= hh & at(m.colon, next.colon, 5);
  for (std::uint64_t c = m.colon & run; c; c &= c - 1)
    colonAt(d, i + static_cast<std::size_t>(__builtin_ctzll(c)), out);
}

// The bytes of `cl` with any of the flags `f`.
__attribute__((target("avx512f,avx512bw"), always_inline)) inline std::uint64_t flagMask512(
    __m512i cl, char f) {
  return _mm512_test_epi8_mask(cl, _mm512_set1_epi8(f));
}

// AVX-512BW: the same masks from one pair of lookups per 64 bytes, each tested straight into a
// mask register (AVX2 needs a shift and a movemask per flag and half).
__attribute__((target("avx512f,avx512bw"), always_inline)) inline BlockMasks avx512Masks(
    const unsigned char* p) {
  constexpr char l0 = kFDigit | kFSep | kFUpPZ | kFAt, l16 = kFDigit | kFHexL | kFUpAO | kFUpPZ,
                 l7 = kFDigit | kFUpAO | kFUpPZ, l89 = kFDigit | kFSep | kFUpAO | kFUpPZ,
                 lA = kFColon | kFUpAO | kFUpPZ, lB = kFSep | kFUpAO, lC = kFUpAO,
                 lE = kFSep | kFDot | kFUpAO;
  constexpr char h2 = kFSep | kFDot, h3 = kFDigit | kFColon, h4 = kFHexL | kFUpAO | kFAt,
                 h5 = kFUpPZ, h6 = kFHexL;
  const __m512i lo = _mm512_broadcast_i32x4(
      _mm_setr_epi8(l0, l16, l16, l16, l16, l16, l16, l7, l89, l89, lA, lB, lC, lB, lE, lB));
  const __m512i hi =
      _mm512_broadcast_i32x4(_mm_setr_epi8(0, 0, h2, h3, h4, h5, h6, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  const __m512i nib = _mm512_set1_epi8(0x0F);
  const __m512i v = _mm512_loadu_si512(p);
  const __m512i cl =
      _mm512_and_si512(_mm512_shuffle_epi8(lo, _mm512_and_si512(v, nib)),
                       _mm512_shuffle_epi8(hi, _mm512_and_si512(_mm512_srli_epi16(v, 4), nib)));
  BlockMasks m;
  m.digit = flagMask512(cl, kFDigit);
  m.run = flagMask512(cl, kFDigit | kFSep);
  m.dot = flagMask512(cl, kFDot);
  m.colon = flagMask512(cl, kFColon);
  m.hex = flagMask512(cl, kFDigit | kFHexL);
  m.upper = flagMask512(cl, kFUpAO | kFUpPZ);
  m.at = flagMask512(cl, kFAt);
  return m;
}

// What one pass for every finder asked for carries from block to block, and the work of one
// block given its masks and the next block's; the loops below (one per instruction set) only
// make the masks.
template <class ColonOut>
struct MarkPass {
  std::string_view d;
  const MarkKinds& kinds;
  std::vector<Window>* digits;
  ColonOut* colons;
  std::vector<std::size_t>* atSigns;
  std::size_t di = 0;  // the digit finder has decided the bytes before this
  std::uint64_t prevUpper = ~std::uint64_t{0};  // of the block before (anything, before the first)

  __attribute__((target("avx2,popcnt,bmi,bmi2"), always_inline)) inline void block(
      std::size_t i, const BlockMasks& cur, const BlockMasks& nxt) {
    if (kinds.digits && di < i + 64) {
      std::uint64_t keep = di > i ? ~std::uint64_t{0} << (di - i) : ~std::uint64_t{0};
      di = digitBlock(d, i, cur.digit & keep, cur.run & keep, cur, prevUpper, nxt, *digits,
                      kinds.rules);
    }
    prevUpper = cur.upper;
    if (kinds.colons) colonBlock(d, i, cur, nxt, *colons);
    if (kinds.atSigns)
      for (std::uint64_t a = cur.at; a; a &= a - 1)
        atSigns->push_back(i + static_cast<std::size_t>(__builtin_ctzll(a)));
  }

  // The last stretch, shorter than two blocks, from `i`: the byte-wise finders.
  void finish(std::size_t i) {
    const auto* p = reinterpret_cast<const unsigned char*>(d.data());
    if (kinds.digits) digitWindowsFrom(d, std::max(i, di), *digits, kinds.rules);
    if (kinds.colons) colonWindowsFrom(d, i, *colons);
    if (kinds.atSigns)
      for (std::size_t k = i; k < d.size(); ++k)
        if (p[k] == '@') atSigns->push_back(k);
  }
};

// One pass for every finder asked for, 64 bytes at a time: the masks of each block are made
// once (digit runs, colon pairs and '@' used to take a pass each over the data). One loop per
// instruction set: a target attribute cannot depend on a template argument; the masks made in a
// separate loop and read back from memory, and one loop flattened into each (which inlines the
// run decisions too), both measured slower.
template <class ColonOut>
__attribute__((target("avx2,popcnt,bmi,bmi2"))) void marksAvx2(MarkPass<ColonOut> pass) {
  const auto* p = reinterpret_cast<const unsigned char*>(pass.d.data());
  const std::size_t n = pass.d.size();
  std::size_t i = 0;
  if (n >= 128) {
    BlockMasks cur = avx2Masks(p);
    for (; i + 128 <= n; i += 64) {
      const BlockMasks nxt = avx2Masks(p + i + 64);
      pass.block(i, cur, nxt);
      cur = nxt;
    }
  }
  pass.finish(i);
}

template <class ColonOut>
__attribute__((target("avx512f,avx512bw,avx2,popcnt,bmi,bmi2"))) void marksAvx512(
    MarkPass<ColonOut> pass) {
  const auto* p = reinterpret_cast<const unsigned char*>(pass.d.data());
  const std::size_t n = pass.d.size();
  std::size_t i = 0;
  if (n >= 128) {
    BlockMasks cur = avx512Masks(p);
    for (; i + 128 <= n; i += 64) {
      const BlockMasks nxt = avx512Masks(p + i + 64);
      pass.block(i, cur, nxt);
      cur = nxt;
    }
  }
  pass.finish(i);
}

Simd cpuSimd() {
  static const Simd level = [] {
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("bmi") ||
        !__builtin_cpu_supports("bmi2") || !__builtin_cpu_supports("popcnt"))
      return Simd::kBaseline;
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") ? Simd::kAvx512
                                                                                   : Simd::kAvx2;
  }();
  return level;
}

// One pass at `level` (at most what the CPU has); false when only the byte-wise finders run.
template <class ColonOut>
bool marks(Simd level, MarkPass<ColonOut> pass) {
  level = std::min(level, cpuSimd());
  if (level == Simd::kAvx512) return marksAvx512(pass), true;
  if (level == Simd::kAvx2) return marksAvx2(pass), true;
  return false;
}
#endif

}  // namespace

void digitWindowsReference(std::string_view d, std::vector<Window>& out, DigitRules rules) {
  digitWindowsFrom(d, 0, out, rules);
}

Simd bestSimd() {
#if defined(TOLLGATE_AVX2_DIGITS)
  return cpuSimd();
#else
  return Simd::kBaseline;
#endif
}

void findMarks(std::string_view d, const MarkKinds& kinds, Marks& out, Simd level) {
#if defined(TOLLGATE_AVX2_DIGITS)
  if (marks(level,
            MarkPass<std::vector<ColonPair>>{d, kinds, &out.digits, &out.colons, &out.atSigns}))
    return;
#endif
  if (kinds.digits) digitWindowsFrom(d, 0, out.digits, kinds.rules);
  if (kinds.colons) colonWindowsFrom(d, 0, out.colons);
  if (kinds.atSigns)
    for (const char* q = d.data();
         (q = static_cast<const char*>(
              std::memchr(q, '@', static_cast<std::size_t>(d.data() + d.size() - q))));
         ++q)
      out.atSigns.push_back(static_cast<std::size_t>(q - d.data()));
}

void digitWindows(std::string_view d, std::vector<Window>& out, DigitRules rules, Simd level) {
#if defined(TOLLGATE_AVX2_DIGITS)
  const MarkKinds kinds{true, false, false, rules};
  if (marks(level, MarkPass<std::vector<ColonPair>>{d, kinds, &out, nullptr, nullptr})) return;
#endif
  digitWindowsFrom(d, 0, out, rules);
}

void colonWindowsReference(std::string_view d, std::vector<Window>& out) {
  colonWindowsFrom(d, 0, out);
}

void colonPairs(std::string_view d, std::vector<ColonPair>& out, Simd level) {
#if defined(TOLLGATE_AVX2_DIGITS)
  const MarkKinds kinds{false, true, false};
  if (marks(level, MarkPass<std::vector<ColonPair>>{d, kinds, nullptr, &out, nullptr})) return;
#endif
  colonWindowsFrom(d, 0, out);
}

void colonWindows(std::string_view d, std::vector<Window>& out, Simd level) {
#if defined(TOLLGATE_AVX2_DIGITS)
  const MarkKinds kinds{false, true, false};
  if (marks(level, MarkPass<std::vector<Window>>{d, kinds, nullptr, &out, nullptr})) return;
#endif
  colonWindowsFrom(d, 0, out);
}

}  // namespace tollgate::classify::detail
