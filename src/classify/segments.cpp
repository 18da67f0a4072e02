#include "segments.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace tollgate::classify::detail {
namespace {

constexpr std::size_t kUrlReach = 4096;    // a URL segment's start before its first '%' or '+'
constexpr std::size_t kJsonReach = 65536;  // a JSON segment's opening quote before its escape

constexpr std::array<std::uint8_t, 256> makeClass() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = 3;
  for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = 3;
  for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = 3;
  t['+'] = t['/'] = 1;  // standard alphabet only
  t['-'] = t['_'] = 2;  // url alphabet only
  return t;
}
constexpr auto kB64Class = makeClass();

constexpr bool isUrlDelimiter(char c) {
  switch (c) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
    case '"':
    case '\'':
    case '<':
    case '>':
    case '&':
    case '[':
    case ']':
    case '{':
    case '}':
    case ',':
    case ';':
    case '\\':
    case '|':
    case '`':
    case '\0':
      return true;
    default:
      return false;
  }
}

constexpr std::array<bool, 256> makeUrlDelimiters() {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<std::size_t>(c)] = isUrlDelimiter(static_cast<char>(c));
  return t;
}
constexpr auto kUrlDelimiter = makeUrlDelimiters();

// The delimiters as nibble tables for a byte shuffle: byte c is one when
// kDelimLow[c & 15] & kDelimHigh[c >> 4] != 0 (bit h of kDelimLow[l]: h << 4 | l is one; no byte
// from 0x80 up is).
constexpr std::array<std::uint8_t, 16> makeDelimLow() {
  std::array<std::uint8_t, 16> t{};
  for (int c = 0; c < 128; ++c)
    if (kUrlDelimiter[static_cast<std::size_t>(c)])
      t[static_cast<std::size_t>(c & 15)] |= static_cast<std::uint8_t>(1u << (c >> 4));
  return t;
}
constexpr auto kDelimLow = makeDelimLow();
constexpr std::array<std::uint8_t, 16> kDelimHigh{1, 2, 4, 8, 16, 32, 64, 128,
                                                  0, 0, 0, 0, 0,  0,  0,  0};

std::size_t urlTokenEndScalar(const unsigned char* p, std::size_t i, std::size_t lim) {
  while (i < lim && !kUrlDelimiter[p[i]]) ++i;
  return i;
}

#if defined(__x86_64__)
__attribute__((target("ssse3"))) std::size_t urlTokenEndSsse3(const unsigned char* p, std::size_t i,
                                                              std::size_t lim) {
  const __m128i low = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kDelimLow.data()));
  const __m128i high = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kDelimHigh.data()));
  const __m128i nibble = _mm_set1_epi8(0x0f);
  while (i + 16 <= lim) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i l = _mm_shuffle_epi8(low, _mm_and_si128(v, nibble));
    __m128i h = _mm_shuffle_epi8(high, _mm_and_si128(_mm_srli_epi16(v, 4), nibble));
    auto none = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(l, h), _mm_setzero_si128())));
    if (none != 0xffff) return i + static_cast<std::size_t>(__builtin_ctz(~none));
    i += 16;
  }
  return urlTokenEndScalar(p, i, lim);
}
#endif

// The first URL delimiter in [i, lim), or lim.
std::size_t urlTokenEnd(std::string_view d, std::size_t i, std::size_t lim) {
  const auto* p = reinterpret_cast<const unsigned char*>(d.data());
#if defined(__x86_64__)
  static const bool ssse3 = __builtin_cpu_supports("ssse3");
  if (ssse3) return urlTokenEndSsse3(p, i, lim);
#endif
  return urlTokenEndScalar(p, i, lim);
}

// The start of the token that holds p - 1: walks back over non-delimiters to `floor`, at most
// `reach` bytes.
std::size_t urlTokenStart(std::string_view d, std::size_t p, std::size_t floor, std::size_t reach) {
  if (p <= floor) return p;
  const auto* b = reinterpret_cast<const unsigned char*>(d.data());
  std::size_t s = p;
  std::size_t lo = p - floor > reach ? p - reach : floor;
  while (s > lo && !kUrlDelimiter[b[s - 1]]) --s;
  return s;
}

bool isHexChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

bool looksText(std::string_view s) {
  if (s.size() < 4) return false;
  // Control bytes but tab, LF and CR, and DEL; at most one in 50. The count only grows, so a
  // blob that has too many already is not text (random bytes: after the first block or two).
  const std::size_t n = s.size();
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t bad = 0;
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i top = _mm_set1_epi8(0x1f);
  while (i + 16 <= n) {
    // Per-byte counters (a bad byte is -1: subtracting it adds one) for at most 64 blocks, then
    // summed; no popcount, which this build would call out of line.
    std::size_t blockEnd = std::min(n & ~std::size_t{15}, i + 1024);
    __m128i count = _mm_setzero_si128();
    for (; i < blockEnd; i += 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, top), v);
      __m128i space = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
                                                _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
                                   _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
      __m128i b =
          _mm_or_si128(_mm_andnot_si128(space, ctl), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
      count = _mm_sub_epi8(count, b);
    }
    __m128i sums = _mm_sad_epu8(count, _mm_setzero_si128());
    bad += static_cast<std::size_t>(_mm_cvtsi128_si64(sums)) +
           static_cast<std::size_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
    if (bad * 50 > n) return false;
  }
#endif
  for (; i < n; ++i) {
    unsigned char c = p[i];
    bad += (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
  }
  return bad * 50 <= n;
}

double byteEntropy(std::string_view s) {
  std::array<int, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double h = 0, n = static_cast<double>(s.size());
  for (int c : counts)
    if (c) h -= (c / n) * std::log2(c / n);
  return h;
}

bool byteEntropyAbove(std::string_view s, double bits) {
  std::array<int, 256> counts;  // read only where `seen` says it was counted
  std::array<std::uint64_t, 4> seen{};
  for (unsigned char c : s) {
    const std::uint64_t bit = std::uint64_t{1} << (c % 64);
    if (!(seen[c / 64] & bit)) {
      seen[c / 64] |= bit;
      counts[c] = 0;
    }
    ++counts[c];
  }
  double h = 0, n = static_cast<double>(s.size());
  constexpr int kMemo = 64;  // counts below this have their term kept
  std::array<double, kMemo> term;
  std::uint64_t known = 0;
  for (std::size_t w = 0; w < seen.size(); ++w) {
    for (std::uint64_t m = seen[w]; m; m &= m - 1) {
      const int c = counts[w * 64 + static_cast<std::size_t>(std::countr_zero(m))];
      double t;
      if (c < kMemo) {
        if (!(known >> c & 1)) {
          term[static_cast<std::size_t>(c)] = (c / n) * std::log2(c / n);
          known |= std::uint64_t{1} << c;
        }
        t = term[static_cast<std::size_t>(c)];
      } else {
        t = (c / n) * std::log2(c / n);
      }
      h -= t;
      if (h > bits) return true;
    }
  }
  return false;
}

namespace {

#if defined(__SSE2__)
// Bit k set when byte k of the 16 at `p` is in either base64 alphabet.
unsigned b64Mask16(const unsigned char* p) {
  __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));
  __m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
                                _mm_cmplt_epi8(l, _mm_set1_epi8('z' + 1)));
  __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
  __m128i extra = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('+')), _mm_cmpeq_epi8(v, _mm_set1_epi8('/'))),
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')), _mm_cmpeq_epi8(v, _mm_set1_epi8('_'))));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(alpha, digit), extra)));
}
#endif

#if defined(__x86_64__)
// The base64 alphabets as nibble tables (as kDelimLow/kDelimHigh for the URL delimiters).
constexpr std::array<std::uint8_t, 32> makeB64Low() {
  std::array<std::uint8_t, 32> t{};
  for (int c = 0; c < 128; ++c)
    if (kB64Class[static_cast<std::size_t>(c)])
      t[static_cast<std::size_t>(c & 15)] |= static_cast<std::uint8_t>(1u << (c >> 4));
  for (std::size_t k = 0; k < 16; ++k) t[k + 16] = t[k];  // one copy per 128-bit lane
  return t;
}
constexpr auto kB64Low = makeB64Low();
// Bit h for a high nibble h below 8 (no base64 character has the top bit), per lane.
constexpr std::array<std::uint8_t, 32> makeNibbleBit() {
  std::array<std::uint8_t, 32> t{};
  for (std::size_t k = 0; k < 8; ++k) t[k] = t[k + 16] = static_cast<std::uint8_t>(1u << k);
  return t;
}
constexpr auto kNibbleBit = makeNibbleBit();

// Bit k set when byte k of the 32 in `v` is in either base64 alphabet.
__attribute__((target("avx2"), always_inline)) inline std::uint32_t b64Mask32(__m256i v) {
  const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kB64Low.data()));
  const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kNibbleBit.data()));
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  __m256i l = _mm256_shuffle_epi8(low, _mm256_and_si256(v, nibble));
  __m256i h = _mm256_shuffle_epi8(high, _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
  __m256i none = _mm256_cmpeq_epi8(_mm256_and_si256(l, h), _mm256_setzero_si256());
  return ~static_cast<std::uint32_t>(_mm256_movemask_epi8(none));
}

__attribute__((target("avx2"), always_inline)) inline std::uint64_t b64Mask64Avx2(
    const unsigned char* p) {
  return b64Mask32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))) |
         std::uint64_t{b64Mask32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32)))}
             << 32;
}

// The same for AVX-512BW: the 64 bytes at `p` in one register, the class tables in every lane.
__attribute__((target("avx512f,avx512bw"), always_inline)) inline std::uint64_t b64Mask64Avx512(
    const unsigned char* p) {
  const __m512i low =
      _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kB64Low.data())));
  const __m512i high =
      _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kNibbleBit.data())));
  const __m512i nibble = _mm512_set1_epi8(0x0f);
  const __m512i v = _mm512_loadu_si512(p);
  __m512i l = _mm512_shuffle_epi8(low, _mm512_and_si512(v, nibble));
  __m512i h = _mm512_shuffle_epi8(high, _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble));
  return _mm512_test_epi8_mask(l, h);
}
#endif

// One block of skipShortRuns: `m` marks the base64 characters of the 64 bytes at `i`; returns
// where a run of kMinBase64 may start, or kNoRun to go on (`carry` updated for the next block).
constexpr std::size_t kNoRun = ~std::size_t{0};
inline std::size_t shortRunBlock(std::uint64_t m, std::size_t i, std::size_t& carry) {
  static_assert(kMinBase64 <= 32);
  if (carry && carry + static_cast<std::size_t>(std::countr_one(m)) >= kMinBase64) return i - carry;
  // Bit k stays set when bytes k .. k+len-1 are all set: doubling shifts, then the rest.
  std::uint64_t r = m & (m >> 1);  // runs of 2
  r &= r >> 2;                     // 4
  r &= r >> 4;                     // 8
  r &= r >> 8;                     // 16
  r &= r >> (kMinBase64 - 16);     // kMinBase64
  if (r) return i + static_cast<std::size_t>(std::countr_zero(r));
  std::size_t top = static_cast<std::size_t>(std::countl_one(m));
  carry = top == 64 ? carry + 64 : top;
  return kNoRun;
}

// The first position at or after `i` where a run of at least kMinBase64 base64 characters may
// start; runs shorter than that are never segments. `p[i]` is not a base64 character. Blocks of
// 64 bytes, with the run reaching into a block from the one before carried over; the bytes after
// the last whole block are left to the caller from the start of the run they continue, if any.
std::size_t skipShortRunsSse2(const unsigned char* p, std::size_t i, std::size_t n) {
#if defined(__SSE2__)
  std::size_t carry = 0;  // base64 characters at the end of the block before
  for (; i + 64 <= n; i += 64) {
    std::uint64_t m = b64Mask16(p + i) | std::uint64_t{b64Mask16(p + i + 16)} << 16 |
                      std::uint64_t{b64Mask16(p + i + 32)} << 32 |
                      std::uint64_t{b64Mask16(p + i + 48)} << 48;
    if (std::size_t at = shortRunBlock(m, i, carry); at != kNoRun) return at;
  }
  return i - carry;
#else
  return i;
#endif
}

#if defined(__x86_64__)
__attribute__((target("avx2,bmi"))) std::size_t skipShortRunsAvx2(const unsigned char* p,
                                                                  std::size_t i, std::size_t n) {
  std::size_t carry = 0;  // base64 characters at the end of the block before
  for (; i + 64 <= n; i += 64)
    if (std::size_t at = shortRunBlock(b64Mask64Avx2(p + i), i, carry); at != kNoRun) return at;
  return i - carry;
}

__attribute__((target("avx512f,avx512bw,bmi"))) std::size_t skipShortRunsAvx512(
    const unsigned char* p, std::size_t i, std::size_t n) {
  std::size_t carry = 0;
  for (; i + 64 <= n; i += 64)
    if (std::size_t at = shortRunBlock(b64Mask64Avx512(p + i), i, carry); at != kNoRun) return at;
  return i - carry;
}
#endif

std::size_t skipShortRuns(const unsigned char* p, std::size_t i, std::size_t n, Simd level) {
#if defined(__x86_64__)
  if (level == Simd::kAvx512) return skipShortRunsAvx512(p, i, n);
  if (level == Simd::kAvx2) return skipShortRunsAvx2(p, i, n);
#endif
  return skipShortRunsSse2(p, i, n);
}

// The start of the first run of at least kMinBase64 base64 characters at or after `i` (`p[i]`
// not one), or `n`: what skipShortRuns finds, one byte at a time.
std::size_t skipShortRunsBytes(const unsigned char* p, std::size_t i, std::size_t n) {
  std::size_t len = 0;
  for (; i < n; ++i) {
    len = kB64Class[p[i]] ? len + 1 : 0;
    if (len == kMinBase64) return i + 1 - kMinBase64;
  }
  return n;
}

// One byte at a time: the reference the vector helpers are tested against, and their last bytes
// (the loop on locals, not on the references).
inline std::size_t runEndBytes(const unsigned char* p, std::size_t i, std::size_t lim,
                               std::uint8_t& acc, bool& marker) {
  std::uint8_t a = acc;
  bool mk = marker;
  for (; i < lim && kB64Class[p[i]]; ++i) {
    a &= kB64Class[p[i]];
    mk = mk || (p[i] >= '0' && p[i] <= '9') || p[i] == '+' || p[i] == '/';
  }
  acc = a;
  marker = mk;
  return i;
}

// The end of the run of base64 characters from `i` (at most `lim`); `acc` loses bit 1 when the
// run holds '+' or '/' and bit 0 when it holds '-' or '_' (kB64Class); `marker` is set when it
// holds a digit, '+' or '/'.
std::size_t runEndSse2(const unsigned char* p, std::size_t i, std::size_t lim, std::uint8_t& acc,
                       bool& marker) {
#if defined(__SSE2__)
  unsigned std16 = 0, url16 = 0, mark16 = 0;
  while (i + 16 <= lim) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    auto in = b64Mask16(p + i);
    __m128i plusSlash =
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('+')), _mm_cmpeq_epi8(v, _mm_set1_epi8('/')));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    auto ps = static_cast<unsigned>(_mm_movemask_epi8(plusSlash));
    auto dash = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(
        _mm_cmpeq_epi8(v, _mm_set1_epi8('-')), _mm_cmpeq_epi8(v, _mm_set1_epi8('_')))));
    auto dg = static_cast<unsigned>(_mm_movemask_epi8(digit));
    unsigned keep = 0xffff;
    if (in != 0xffff) keep = (1u << std::countr_one(in)) - 1;
    std16 |= ps & keep;
    url16 |= dash & keep;
    mark16 |= (ps | dg) & keep;
    if (in != 0xffff) {
      i += static_cast<std::size_t>(std::countr_one(in));
      if (std16) acc &= 1;
      if (url16) acc &= 2;
      marker = marker || mark16;
      return i;
    }
    i += 16;
  }
  if (std16) acc &= 1;
  if (url16) acc &= 2;
  marker = marker || mark16;
#endif
  return runEndBytes(p, i, lim, acc, marker);
}

#if defined(__x86_64__)
// As runEndSse2, 32 bytes at a time; `n` is the end of the buffer (bytes up to it may be read).
__attribute__((target("avx2,bmi"))) std::size_t runEndAvx2(const unsigned char* p, std::size_t i,
                                                           std::size_t lim, std::size_t n,
                                                           std::uint8_t& acc, bool& marker) {
  std::uint32_t std32 = 0, url32 = 0, mark32 = 0;
  bool ended = false;
  while (i < lim && i + 32 <= n) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    std::uint32_t in = b64Mask32(v);
    if (lim - i < 32) in &= (1u << (lim - i)) - 1;  // the run ends at lim
    auto ps = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_or_si256(
        _mm256_cmpeq_epi8(v, _mm256_set1_epi8('+')), _mm256_cmpeq_epi8(v, _mm256_set1_epi8('/')))));
    auto dash = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_or_si256(
        _mm256_cmpeq_epi8(v, _mm256_set1_epi8('-')), _mm256_cmpeq_epi8(v, _mm256_set1_epi8('_')))));
    auto dg = static_cast<std::uint32_t>(
        _mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8('0' - 1)),
                                              _mm256_cmpgt_epi8(_mm256_set1_epi8('9' + 1), v))));
    std::uint32_t keep = in == 0xffffffffu ? in : (1u << std::countr_one(in)) - 1;
    std32 |= ps & keep;
    url32 |= dash & keep;
    mark32 |= (ps | dg) & keep;
    if (in != 0xffffffffu) {
      i += static_cast<std::size_t>(std::countr_one(in));
      ended = true;
      break;
    }
    i += 32;
  }
  std::uint8_t a = acc;
  if (std32) a &= 1;
  if (url32) a &= 2;
  bool mk = marker || mark32;
  // The last bytes of the buffer one at a time, here: calling the SSE2 version with the upper
  // halves of the vector registers in use would cost a state transition per call.
  if (!ended) i = runEndBytes(p, i, lim, a, mk);
  acc = a;
  marker = mk;
  return i;
}
#endif

#if defined(__x86_64__)
// As runEndAvx2, 64 bytes at a time with AVX-512BW.
__attribute__((target("avx512f,avx512bw,bmi"))) std::size_t runEndAvx512(
    const unsigned char* p, std::size_t i, std::size_t lim, std::size_t n, std::uint8_t& acc,
    bool& marker) {
  std::uint64_t std64 = 0, url64 = 0, mark64 = 0;
  bool ended = false;
  while (i < lim && i + 64 <= n) {
    const __m512i v = _mm512_loadu_si512(p + i);
    std::uint64_t in = b64Mask64Avx512(p + i);
    if (lim - i < 64) in &= (std::uint64_t{1} << (lim - i)) - 1;  // the run ends at lim
    const std::uint64_t ps = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('+')) |
                             _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('/'));
    const std::uint64_t dash = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('-')) |
                               _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('_'));
    const std::uint64_t dg =
        _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8('0')), _mm512_set1_epi8(10));
    const std::uint64_t keep = ~in ? (std::uint64_t{1} << std::countr_one(in)) - 1 : in;
    std64 |= ps & keep;
    url64 |= dash & keep;
    mark64 |= (ps | dg) & keep;
    if (~in) {
      i += static_cast<std::size_t>(std::countr_one(in));
      ended = true;
      break;
    }
    i += 64;
  }
  std::uint8_t a = acc;
  if (std64) a &= 1;
  if (url64) a &= 2;
  bool mk = marker || mark64;
  if (!ended) i = runEndBytes(p, i, lim, a, mk);  // the last bytes, as runEndAvx2
  acc = a;
  marker = mk;
  return i;
}
#endif

std::size_t runEnd(const unsigned char* p, std::size_t i, std::size_t lim, std::size_t n,
                   std::uint8_t& acc, bool& marker, Simd level) {
#if defined(__x86_64__)
  if (level == Simd::kAvx512) return runEndAvx512(p, i, lim, n, acc, marker);
  if (level == Simd::kAvx2) return runEndAvx2(p, i, lim, n, acc, marker);
#endif
  return runEndSse2(p, i, lim, acc, marker);
}

// Whether the `n` bytes from p hold a capital and a small letter.
bool bothCasesBytes(const unsigned char* p, std::size_t n) {
  bool upper = false, lower = false;
  for (std::size_t k = 0; k < n; ++k) {
    upper |= static_cast<unsigned char>(p[k] - 'A') < 26;
    lower |= static_cast<unsigned char>(p[k] - 'a') < 26;
  }
  return upper && lower;
}

#if defined(__x86_64__)
// The same for n < 64, reading the 64 bytes from p (a run in the middle of the data, where the
// byte loop cost 4% of a scan: most short runs are hex digests, read to their end).
__attribute__((target("avx2"))) bool bothCasesAvx2(const unsigned char* p, std::size_t n) {
  auto in = [](__m256i v, char lo) __attribute__((target("avx2"))) {
    __m256i x = _mm256_sub_epi8(v, _mm256_set1_epi8(lo));
    return static_cast<std::uint32_t>(
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(x, _mm256_set1_epi8(25)), x)));
  };
  const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  const std::uint64_t len = (std::uint64_t{1} << n) - 1;
  const std::uint64_t upper = in(a, 'A') | std::uint64_t{in(b, 'A')} << 32;
  const std::uint64_t lower = in(a, 'a') | std::uint64_t{in(b, 'a')} << 32;
  return (upper & len) != 0 && (lower & len) != 0;
}
#endif

// The run of n < 64 bytes at p, the data going on to `end`.
bool bothCases(const unsigned char* p, std::size_t n, const unsigned char* end, Simd level) {
#if defined(__x86_64__)
  if (level >= Simd::kAvx2 && end - p >= 64) return bothCasesAvx2(p, n);
#endif
  return bothCasesBytes(p, n);
}

}  // namespace

bool insideBase64Run(std::string_view d, std::size_t at) {
  return at > 0 && at < d.size() && kB64Class[static_cast<unsigned char>(d[at - 1])] &&
         kB64Class[static_cast<unsigned char>(d[at])];
}

namespace {

template <bool kVector>
void findBase64Impl(std::string_view d, std::vector<Segment>& out, bool continued, Simd level,
                    Base64Resume* resume = nullptr) {
  const auto* p = reinterpret_cast<const unsigned char*>(d.data());
  std::size_t n = d.size();
  auto runEnd = [&](std::size_t i, std::size_t lim, std::uint8_t& acc, bool& marker) {
    if constexpr (kVector) return detail::runEnd(p, i, lim, n, acc, marker, level);
    return runEndBytes(p, i, lim, acc, marker);
  };
  std::size_t i = 0;
  while (i < n) {
    if (!kB64Class[p[i]]) {
      // To the next run that may be long enough; in the last bytes (fewer than a block, all of
      // a short decoded layer) to the next base64 character.
      if constexpr (kVector) {
        i = skipShortRuns(p, i, n, level);
        // The bytes after the last whole block (all of a short decoded layer: hashes and
        // identifiers read as base64 decode to a few dozen bytes), one at a time to the next run
        // long enough, rather than each short run to runEnd.
        if (n - i < 64 && i < n && !kB64Class[p[i]]) i = skipShortRunsBytes(p, i, n);
      }
      while (i < n && !kB64Class[p[i]]) ++i;
      continue;
    }
    std::size_t s = i;
    std::uint8_t acc = 3;
    bool marker = false;
    i = runEnd(i, n, acc, marker);
    // A run longer than a segment, or the rest of one a stream was cut in (at a piece), is cut
    // into pieces judged each on its own, so that a stream cut at any piece finds the same.
    if ((continued && s == 0) || i - s > kBase64Piece + 2) {
      std::size_t e = i;
      while (e < n && e - i < 2 && p[e] == '=') ++e;
      for (std::size_t from = s; from < e;) {
        std::size_t to = e - from > kBase64Piece + 2 ? from + kBase64Piece : e;
        std::uint8_t a = 3;
        for (std::size_t k = from; k < std::min(to, i); ++k) a &= kB64Class[p[k]];
        if (a != 0) {  // both alphabets mixed is not base64
          Segment& piece =
              out.emplace_back(from, to, a == 2 ? SegKind::kBase64Url : SegKind::kBase64);
          piece.open = to == n;
        }
        from = to;
      }
      i = e;
      continue;
    }
    if (i - s < kMinBase64) continue;
    // Identifiers and words are runs too; base64 of anything has digits or '+' and '/' in all
    // but the shortest runs, so short runs without them are not worth a decode.
    if (i - s < 64 && !marker) continue;
    // Nor are hex digests (one case, no other letters) and paths or identifiers of one case:
    // base64 of anything 20 bytes long holds capitals and small letters both.
    if (i - s < 64 && !bothCases(p + s, i - s, p + n, kVector ? level : Simd::kBaseline)) continue;
    // Both alphabets mixed is not base64 (acc == 0 only when '+' or '/' meets '-' or '_').
    if (acc == 0) continue;
    std::size_t e = i;
    while (e < n && e - i < 2 && p[e] == '=') ++e;
    // MIME and PEM wrap base64 in lines of one length (76, 64): join them into one segment.
    bool wrapped = false;
    std::size_t line = i - s;
    if (e == i && line >= 40 && line % 4 == 0) {
      // The lines an earlier call over the same bytes found whole (a body held back in a
      // stream is read again every round until it ends): on from the last of them.
      if (resume && resume->start == s && resume->line == line && resume->end > e &&
          resume->end < n) {
        e = i = resume->end;
        acc = resume->acc;
        wrapped = true;
      }
      for (;;) {
        std::size_t k = e;
        if (k < n && p[k] == '\r') ++k;
        if (k >= n || p[k] != '\n') break;
        ++k;
        std::uint8_t acc2 = acc;
        bool unused = false;
        std::size_t j = runEnd(k, std::min(n, k + line + 1), acc2, unused);
        if (j == k || j - k > line || acc2 == 0) break;
        std::size_t pad = j;
        while (pad < n && pad - j < 2 && p[pad] == '=') ++pad;
        if (pad < n && kB64Class[p[pad]]) break;  // a longer line: something else
        acc = acc2;
        wrapped = true;
        e = pad;
        i = pad;
        if (j - k < line || pad > j) break;         // the short last line
        if (e - s + line + 2 > kMaxSegment) break;  // long bodies: segments of whole lines
        // A whole line, decided by bytes before the end (more bytes change nothing up to here).
        if (resume && pad < n) *resume = Base64Resume{s, line, e, acc};
      }
    }
    // In place: a Segment (with its multipart strings) is heavy to copy, and plain text has
    // thousands of these runs.
    Segment& seg = out.emplace_back(s, e, acc == 2 ? SegKind::kBase64Url : SegKind::kBase64);
    seg.wrapped = wrapped;
    seg.open = e == n;
    i = e;
  }
}

}  // namespace

void findBase64(std::string_view d, std::vector<Segment>& out, bool continued, Simd level,
                Base64Resume* resume) {
  findBase64Impl<true>(d, out, continued, std::min(level, bestSimd()), resume);
}
void findBase64Reference(std::string_view d, std::vector<Segment>& out, bool continued) {
  findBase64Impl<false>(d, out, continued, Simd::kBaseline);
}

void findPercent(std::string_view d, std::vector<Segment>& out) {
  std::size_t i = 0;
  std::size_t lastEnd = 0;
  while (i < d.size()) {
    const void* hit = std::memchr(d.data() + i, '%', d.size() - i);
    if (!hit) break;
    std::size_t p = static_cast<const char*>(hit) - d.data();
    i = p + 1;
    if (p + 2 >= d.size() || !isHexChar(d[p + 1]) || !isHexChar(d[p + 2])) {
      if (p + 2 >= d.size()) {
        // An escape cut by the end of the data may complete later.
        std::size_t s = urlTokenStart(d, p, lastEnd, kUrlReach);
        Segment seg{s, d.size(), SegKind::kUrl};
        seg.open = true;
        out.push_back(seg);
        break;
      }
      continue;
    }
    if (p < lastEnd) continue;
    std::size_t s = urlTokenStart(d, p, lastEnd, kUrlReach);
    std::size_t e = urlTokenEnd(d, p, std::min(d.size(), p + kMaxSegment));
    Segment seg{s, e, SegKind::kUrl};
    seg.open = e == d.size();
    out.push_back(seg);
    lastEnd = e;
    i = e;
  }
}

// A token "key=value" whose value holds '+' is a form value with spaces encoded.
void findFormPlus(std::string_view d, std::vector<Segment>& out, bool form, char before) {
  std::size_t i = 0;
  std::size_t lastEnd = 0;
  for (const auto& seg : out)
    if (seg.kind == SegKind::kUrl) lastEnd = std::max(lastEnd, seg.end);
  std::size_t percentEnd = lastEnd;
  lastEnd = 0;
  while (i < d.size()) {
    const void* hit = std::memchr(d.data() + i, '+', d.size() - i);
    if (!hit) break;
    std::size_t p = static_cast<const char*>(hit) - d.data();
    i = p + 1;
    if (p < lastEnd) continue;
    std::size_t s = urlTokenStart(d, p, lastEnd, kUrlReach);
    std::size_t e = urlTokenEnd(d, p, std::min(d.size(), p + kMaxSegment));
    lastEnd = e;
    i = e;
    // key=value with an identifier key, and a neighbour of '+' on both sides.
    std::size_t eq = d.substr(s, p - s).find('=');
    if (eq == std::string_view::npos || eq == 0 || eq > 64 || p + 1 >= e) continue;
    bool ident = true;
    for (std::size_t k = s; k < s + eq && ident; ++k) {
      char c = d[k];
      ident = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-' || c == '[' || c == ']';
    }
    if (!ident) continue;
    // A form is fields joined by '&' (a log line "k=v+w" is not form-encoded).
    char prev = s > 0 ? d[s - 1] : before;
    bool joined = prev == '&' || prev == '?' || (e < d.size() && d[e] == '&');
    if (!form && !joined) continue;
    if (s < percentEnd) {
      bool dup = false;
      for (const auto& seg : out) dup |= seg.kind == SegKind::kUrl && seg.start == s;
      if (dup) continue;
    }
    Segment seg{s, e, SegKind::kUrl};
    seg.open = e == d.size();
    out.push_back(seg);
  }
}

namespace {

bool escapedAt(std::string_view d, std::size_t quote) {
  std::size_t k = 0;
  while (quote > k && d[quote - 1 - k] == '\\') ++k;
  return k % 2 == 1;
}

}  // namespace

void findJson(std::string_view d, std::vector<Segment>& out, bool afterClose) {
  std::size_t i = 0;
  std::size_t lastEnd = afterClose ? 1 : 0;
  while (i < d.size()) {
    const void* hit = std::memchr(d.data() + i, '\\', d.size() - i);
    if (!hit) break;
    std::size_t b = static_cast<const char*>(hit) - d.data();
    i = b + 2;
    if (b + 1 >= d.size()) break;
    char e = d[b + 1];
    // Only escapes that hide characters of a value are worth a decoding: \u0040, \/, \x40.
    // Escaped quotes and backslashes (C strings, nested JSON) change nothing a detector needs.
    if (e != 'u' && e != '/' && e != 'x') continue;
    if (b < lastEnd) continue;
    // The enclosing string: an unescaped quote on each side.
    std::size_t l = b;
    bool found = false;
    while (l > lastEnd && b - l < kJsonReach) {
      --l;
      if (d[l] == '"' && !escapedAt(d, l)) {
        found = true;
        break;
      }
      if (d[l] == '\n') break;
    }
    if (!found) continue;
    std::size_t r = b + 2;
    bool closed = false;
    while (r < d.size() && r - b < kMaxSegment) {
      if (d[r] == '"' && !escapedAt(d, r)) {
        closed = true;
        break;
      }
      if (d[r] == '\n') break;
      ++r;
    }
    if (!closed && r < d.size()) {
      i = r;
      continue;
    }
    Segment seg{l + 1, r, SegKind::kJson};
    seg.anchor = l;
    seg.open = !closed;
    out.push_back(seg);
    lastEnd = r + 1;
    i = r + 1;
  }
}

void findParts(std::string_view d, const std::string& boundary, std::vector<Segment>& out,
               MultipartStop* stop) {
  MultipartStop ignored;
  if (!stop) stop = &ignored;
  for (auto& part : splitMultipart(d, boundary, 1000, stop)) {
    bool transformed = part.transferEncoding == "base64" ||
                       part.transferEncoding == "quoted-printable" ||
                       compressionFromName(part.contentEncoding).has_value() ||
                       sniffCompression(d.substr(part.start, part.end - part.start)).has_value();
    bool open = part.end == d.size();
    if (!transformed && !open) {
      // Scanned as plain bytes: only its delimiter and headers are kept (a guard: a finder
      // started inside them would read a delimiter there as a part's).
      Segment guard{part.start, part.start, SegKind::kPart};
      guard.anchor = part.delimiter;
      out.push_back(std::move(guard));
      continue;
    }
    Segment seg{part.start, part.end, SegKind::kPart};
    seg.anchor = part.delimiter;
    seg.open = open;
    seg.part = std::move(part);
    out.push_back(std::move(seg));
  }
  // A part whose delimiter line or headers are still coming in: a guard up to the end.
  if (!stop->closed && stop->at < d.size()) {
    Segment guard{d.size(), d.size(), SegKind::kPart};
    guard.anchor = stop->at;
    guard.open = true;
    out.push_back(std::move(guard));
  }
}

std::size_t cutPoint(std::string_view d, std::size_t from, std::size_t to,
                     const std::vector<Segment>& segs, const std::string& boundary) {
  const std::size_t n = d.size();
  to = std::min(to, n);
  if (to <= from) return from;
  // Not inside a delimiter (or a closing one, with its "--"): the part finder walks from one
  // to the next and stops at the closing one. Parts still coming in are segments (below).
  if (!boundary.empty()) {
    std::string delim = "--" + boundary;
    std::size_t near = to > from + delim.size() + 2 ? to - delim.size() - 2 : from;
    if (auto at = d.find(delim, near); at != std::string_view::npos && at < to) to = at;
  }
  // A URL segment starts after the last URL delimiter before its first '%' or '+', at most
  // kUrlReach bytes before it. In the run of non-delimiters at the end, a '%' or '+' yet to come,
  // or one seen whose segment is not decided yet (a form value not followed by '&' so far),
  // may start one: cut before the run, or kUrlReach before the first of them.
  std::size_t u = n, plus = n;
  while (u > from && n - u < kMaxSegment + 2 * kUrlReach && !isUrlDelimiter(d[u - 1])) {
    --u;
    if (d[u] == '+' || d[u] == '%') plus = u;
  }
  to = std::min(to, std::max(u, plus > kUrlReach + 2 ? plus - kUrlReach - 2 : 0));
  // A JSON escape at n - 1 or later opens its segment after the nearest unescaped quote before
  // it, on its line, at most kJsonReach bytes back.
  for (std::size_t q = n; q > from && n - q < kJsonReach + 2; --q) {
    char c = d[q - 1];
    if (c == '\n' || (c == '"' && !escapedAt(d, q - 1))) {
      // Cut at the quote, where the finder would start, unless it closes a segment: the finder
      // never looks back past one.
      bool closes = false;
      for (const auto& s : segs) closes |= s.kind == SegKind::kJson && s.end == q - 1;
      to = std::min(to, c == '"' && !closes ? q - 1 : q);
      break;
    }
  }
  // Segments spanning the cut move it to their start, which may put it inside others.
  for (bool moved = true; moved && to > from;) {
    moved = false;
    for (const auto& s : segs) {
      // A part's delimiter line and headers hold the cut out whether the part is decoded or not
      // (a finder started inside them would read them differently).
      bool inHeaders = s.kind == SegKind::kPart && to < s.start;
      if (s.anchor < to && (((s.open || s.end > to) && decodable(s)) || inHeaders)) {
        to = s.anchor;
        moved = true;
      }
    }
    // Inside a base64-alphabet run (the finder may have rejected it whole, as both alphabets
    // mixed, and accept a part of it): cut at its start, or at a piece of it (the last cut is
    // one when the run goes back past it), where findBase64 starts again alike.
    if (insideBase64Run(d, to) && to > from) {
      const auto* p = reinterpret_cast<const unsigned char*>(d.data());
      std::size_t r = to;
      while (r > from && kB64Class[p[r - 1]]) --r;
      std::size_t piece = r + (to - r) / kBase64Piece * kBase64Piece;
      if (piece < to) {
        to = piece;
        moved = true;
      }
    }
  }
  return std::max(to, from);
}

}  // namespace tollgate::classify::detail
