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
    bool plus = gs[q].at >= 1 && (p[gs[q].at - 1] == '+' || (gs[q].at >= 2 &&
                                                             p[gs[q].at - 1] == '(' &&
                                                             p[gs[q].at - 2] == '+'));
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
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(B == 7 ? cl : _mm256_slli_epi16(cl, 7 - B)));
}

__attribute__((target("avx2"), always_inline)) inline BlockMasks avx2Masks(const unsigned char* p) {
  // Flags allowed by the low nibble 0-F, then by the high nibble 0-F.
  constexpr char l0 = kFDigit | kFSep | kFUpPZ | kFAt, l16 = kFDigit | kFHexL | kFUpAO | kFUpPZ,
                 l7 = kFDigit | kFUpAO | kFUpPZ, l89 = kFDigit | kFSep | kFUpAO | kFUpPZ,
                 lA = kFColon | kFUpAO | kFUpPZ, lB = kFSep | kFUpAO, lC = kFUpAO,
                 lE = kFSep | kFDot | kFUpAO;
  const __m256i lo = _mm256_setr_epi8(l0, l16, l16, l16, l16, l16, l16, l7, l89, l89, lA, lB, lC, lB,
                                      lE, lB, l0, l16, l16, l16, l16, l16, l16, l7, l89, l89, lA, lB,
                                      lC, lB, lE, lB);
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

// 64 bytes at a time, all runs of a block at once: the first digit of each run is found by
// carrying the run starts through the separators before it ((seps + starts) & digits); the
// runs' digit counts come from the first-digit bits compressed onto the digits (pext): a run
// has four digits or more when three non-first digits follow its first one. Only those runs,
// runs after two capitals (an IBAN) and a run reaching the block's end are looked at one by
// one; of them, runs that may have a window (eight digits, six (a NINO), four and three dots,
// the capitals) go through digitRun, which decides exactly as the reference finder does.
// The runs of the block at `i` (masks `m`, bits below `skip` already decided); returns where
// the digit finder goes on: i + 64, or past a run reaching beyond the block.
__attribute__((target("avx2,popcnt,bmi,bmi2"), always_inline)) inline std::size_t digitBlock(
    std::string_view d, std::size_t i, std::uint64_t digit, std::uint64_t run, const BlockMasks& m,
    std::vector<Window>& out, DigitRules rules) {
  const auto* p = reinterpret_cast<const unsigned char*>(d.data());
  std::size_t next = i + 64;
  if (!digit) return next;
  // Position 0 starts a run: a run going on from before the block had no digit there
  // (runs with digits reaching a block's end are finished by digitRun below).
  std::uint64_t starts = run & ~(run << 1);
  std::uint64_t first = ((run & ~digit) + starts) & digit;
  auto nd = static_cast<unsigned>(__builtin_popcountll(digit));
  std::uint64_t valid = nd == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << nd) - 1;
  std::uint64_t fc = _pext_u64(first, digit);
  std::uint64_t rest = ~fc & valid;
  std::uint64_t four = fc & (rest >> 1) & (rest >> 2) & (rest >> 3);
  // Runs of four or five digits matter only as IPv4 addresses (three dots): most blocks of text
  // with numbers (years, times) have none, and only runs of six digits or more are looked at.
  std::uint64_t six = four & (rest >> 4) & (rest >> 5);
  std::uint64_t longRuns = __builtin_popcountll(m.dot) >= 3 ? four : six;
  std::uint64_t caps = first & (m.upper << 1) & (m.upper << 2);
  std::uint64_t todo = _pdep_u64(longRuns, digit) | caps | (first & 3);
  auto last = 63 - static_cast<unsigned>(__builtin_clzll(first));
  bool endRun = (~run >> last) == 0;
  if (endRun) todo |= std::uint64_t{1} << last;
  while (todo) {
    auto t = static_cast<unsigned>(__builtin_ctzll(todo));
    todo &= todo - 1;
    std::size_t at = i + t;
    if (endRun && t == last) return std::max(next, digitRun(d, at, out, rules));
    auto len = static_cast<unsigned>(__builtin_ctzll(~run >> t));
    std::uint64_t seg = ((std::uint64_t{1} << len) - 1) << t;
    auto digits = __builtin_popcountll(digit & seg);
    auto dots = __builtin_popcountll(m.dot & seg);
    const bool shipped = rules == DigitRules::kShipped;
    // Two capitals before the run (an IBAN); for the shipped rules they start a word.
    bool capitals = at >= 2 && static_cast<unsigned>(p[at - 1] - 'A') < 26u &&
                    static_cast<unsigned>(p[at - 2] - 'A') < 26u &&
                    (!shipped || at < 3 || !isWordByte(p[at - 3]));
    bool maybe = digits >= 8 || digits == 6 || capitals || (digits >= 4 && dots >= 3);
    if (maybe && shipped && !capitals && dots < 3) {
      // What digitRun's shipped rules need at the least: 9 digits, or 8 and a '+' (in the
      // run or the separators before it), or 6 after two letters starting a word (a NINO).
      bool plus = false;
      for (std::size_t k = at >= 4 ? at - 4 : 0; k < at + len && !plus; ++k) plus = p[k] == '+';
      std::size_t l = at - (at >= 1 && p[at - 1] == ' ');  // where the NINO letters end
      maybe = digits >= 9 || (digits == 8 && plus) ||
              (digits == 6 && l >= 2 && isAlphaByte(p[l - 1]) && isAlphaByte(p[l - 2]) &&
               (l < 3 || !isWordByte(p[l - 3])));
    }
    if (!maybe) continue;
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
  auto at = [](std::uint64_t x, std::uint64_t nx, unsigned j) { return (x >> j) | (nx << (64 - j)); };
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

// One pass for every finder asked for, 64 bytes at a time: the masks of each block are made
// once (digit runs, colon pairs and '@' used to take a pass each over the data). The last
// stretch, shorter than two blocks, goes to the byte-wise finders.
template <class ColonOut>
__attribute__((target("avx2,popcnt,bmi,bmi2"))) void marksAvx2(std::string_view d,
                                                               const MarkKinds& kinds,
                                                               std::vector<Window>* digits,
                                                               ColonOut* colons,
                                                               std::vector<std::size_t>* atSigns) {
  const auto* p = reinterpret_cast<const unsigned char*>(d.data());
  const std::size_t n = d.size();
  std::size_t i = 0;
  std::size_t di = 0;  // the digit finder has decided the bytes before this
  if (n >= 128) {
    BlockMasks cur = avx2Masks(p);
    for (; i + 128 <= n; i += 64) {
      const BlockMasks nxt = avx2Masks(p + i + 64);
      if (kinds.digits && di < i + 64) {
        std::uint64_t keep = di > i ? ~std::uint64_t{0} << (di - i) : ~std::uint64_t{0};
        di = digitBlock(d, i, cur.digit & keep, cur.run & keep, cur, *digits, kinds.rules);
      }
      if (kinds.colons) colonBlock(d, i, cur, nxt, *colons);
      if (kinds.atSigns)
        for (std::uint64_t a = cur.at; a; a &= a - 1)
          atSigns->push_back(i + static_cast<std::size_t>(__builtin_ctzll(a)));
      cur = nxt;
    }
  }
  if (kinds.digits) digitWindowsFrom(d, std::max(i, di), *digits, kinds.rules);
  if (kinds.colons) colonWindowsFrom(d, i, *colons);
  if (kinds.atSigns)
    for (std::size_t k = i; k < n; ++k)
      if (p[k] == '@') atSigns->push_back(k);
}

bool haveAvx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
                          __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
  return yes;
}
#endif

}  // namespace

void digitWindowsReference(std::string_view d, std::vector<Window>& out, DigitRules rules) {
  digitWindowsFrom(d, 0, out, rules);
}

bool digitWindowsVectorised() {
#if defined(TOLLGATE_AVX2_DIGITS)
  return haveAvx2();
#else
  return false;
#endif
}

void findMarks(std::string_view d, const MarkKinds& kinds, Marks& out) {
#if defined(TOLLGATE_AVX2_DIGITS)
  if (haveAvx2()) return marksAvx2(d, kinds, &out.digits, &out.colons, &out.atSigns);
#endif
  if (kinds.digits) digitWindowsFrom(d, 0, out.digits, kinds.rules);
  if (kinds.colons) colonWindowsFrom(d, 0, out.colons);
  if (kinds.atSigns)
    for (const char* q = d.data(); (q = static_cast<const char*>(
                                        std::memchr(q, '@', static_cast<std::size_t>(
                                                                d.data() + d.size() - q))));
         ++q)
      out.atSigns.push_back(static_cast<std::size_t>(q - d.data()));
}

void digitWindows(std::string_view d, std::vector<Window>& out, DigitRules rules) {
#if defined(TOLLGATE_AVX2_DIGITS)
  if (haveAvx2()) return marksAvx2<std::vector<ColonPair>>(d, MarkKinds{true, false, false, rules},
                                                           &out, nullptr, nullptr);
#endif
  digitWindowsFrom(d, 0, out, rules);
}

void colonWindowsReference(std::string_view d, std::vector<Window>& out) {
  colonWindowsFrom(d, 0, out);
}

void colonPairs(std::string_view d, std::vector<ColonPair>& out) {
#if defined(TOLLGATE_AVX2_DIGITS)
  if (haveAvx2()) return marksAvx2(d, MarkKinds{false, true, false}, nullptr, &out, nullptr);
#endif
  colonWindowsFrom(d, 0, out);
}

void colonWindows(std::string_view d, std::vector<Window>& out) {
#if defined(TOLLGATE_AVX2_DIGITS)
  if (haveAvx2()) return marksAvx2(d, MarkKinds{false, true, false}, nullptr, &out, nullptr);
#endif
  colonWindowsFrom(d, 0, out);
}

}  // namespace tollgate::classify::detail
