#include "segments.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <array>
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

bool isUrlDelimiter(char c) {
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

bool isHexChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

bool looksText(std::string_view s) {
  if (s.size() < 4) return false;
  std::size_t bad = 0;
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) ++bad;
  return bad * 50 <= s.size();
}

double byteEntropy(std::string_view s) {
  std::array<int, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double h = 0, n = static_cast<double>(s.size());
  for (int c : counts)
    if (c) h -= (c / n) * std::log2(c / n);
  return h;
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

// The first position at or after `i` where a run of at least kMinBase64 base64 characters may
// start; runs shorter than that are never segments. Windows of 64 bytes overlap by kMinBase64,
// so a long run is seen whole in the window where it starts.
std::size_t skipShortRuns(const unsigned char* p, std::size_t i, std::size_t n) {
#if defined(__SSE2__)
  static_assert(kMinBase64 <= 32);
  while (i + 64 <= n) {
    std::uint64_t m = b64Mask16(p + i) | std::uint64_t{b64Mask16(p + i + 16)} << 16 |
                      std::uint64_t{b64Mask16(p + i + 32)} << 32 |
                      std::uint64_t{b64Mask16(p + i + 48)} << 48;
    // Bit k stays set when bytes k .. k+len-1 are all set: doubling shifts, then the rest.
    std::uint64_t r = m & (m >> 1);  // runs of 2
    r &= r >> 2;                     // 4
    r &= r >> 4;                     // 8
    r &= r >> 8;                     // 16
    r &= r >> (kMinBase64 - 16);     // kMinBase64
    if (r) return i + static_cast<std::size_t>(__builtin_ctzll(r));
    i += 64 - kMinBase64 + 1;
  }
#endif
  return i;
}


}  // namespace

bool insideBase64Run(std::string_view d, std::size_t at) {
  return at > 0 && at < d.size() && kB64Class[static_cast<unsigned char>(d[at - 1])] &&
         kB64Class[static_cast<unsigned char>(d[at])];
}

void findBase64(std::string_view d, std::vector<Segment>& out, bool continued) {
  const auto* p = reinterpret_cast<const unsigned char*>(d.data());
  std::size_t n = d.size();
  std::size_t i = 0;
  while (i < n) {
    if (!kB64Class[p[i]]) {
      i = skipShortRuns(p, i, n);
      if (i < n && !kB64Class[p[i]]) ++i;
      continue;
    }
    std::size_t s = i;
    std::uint8_t acc = 3;
    while (i < n && kB64Class[p[i]]) acc &= kB64Class[p[i++]];
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
          Segment piece{from, to, a == 2 ? SegKind::kBase64Url : SegKind::kBase64};
          piece.open = to == n;
          out.push_back(piece);
        }
        from = to;
      }
      i = e;
      continue;
    }
    if (i - s < kMinBase64) continue;
    // Identifiers and words are runs too; base64 of anything has digits or '+' and '/' in all
    // but the shortest runs, so short runs without them are not worth a decode.
    if (i - s < 64) {
      bool marker = false;
      for (std::size_t k = s; k < i && !marker; ++k)
        marker = (p[k] >= '0' && p[k] <= '9') || p[k] == '+' || p[k] == '/';
      if (!marker) continue;
    }
    // Both alphabets mixed is not base64 (acc == 0 only when '+' or '/' meets '-' or '_').
    if (acc == 0) continue;
    std::size_t e = i;
    while (e < n && e - i < 2 && p[e] == '=') ++e;
    // MIME and PEM wrap base64 in lines of one length (76, 64): join them into one segment.
    bool wrapped = false;
    std::size_t line = i - s;
    if (e == i && line >= 40 && line % 4 == 0) {
      for (;;) {
        std::size_t k = e;
        if (k < n && p[k] == '\r') ++k;
        if (k >= n || p[k] != '\n') break;
        ++k;
        std::size_t j = k;
        std::uint8_t acc2 = acc;
        while (j < n && kB64Class[p[j]] && j - k <= line) acc2 &= kB64Class[p[j++]];
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
      }
    }
    Segment seg{s, e, acc == 2 ? SegKind::kBase64Url : SegKind::kBase64};
    seg.wrapped = wrapped;
    seg.open = e == n;
    out.push_back(seg);
    i = e;
  }
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
        std::size_t s = p;
        while (s > lastEnd && p - s < kUrlReach && !isUrlDelimiter(d[s - 1])) --s;
        Segment seg{s, d.size(), SegKind::kUrl};
        seg.open = true;
        out.push_back(seg);
        break;
      }
      continue;
    }
    if (p < lastEnd) continue;
    std::size_t s = p;
    while (s > lastEnd && p - s < kUrlReach && !isUrlDelimiter(d[s - 1])) --s;
    std::size_t e = p;
    while (e < d.size() && e - p < kMaxSegment && !isUrlDelimiter(d[e])) ++e;
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
    std::size_t s = p;
    while (s > lastEnd && p - s < kUrlReach && !isUrlDelimiter(d[s - 1])) --s;
    std::size_t e = p;
    while (e < d.size() && e - p < kMaxSegment && !isUrlDelimiter(d[e])) ++e;
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

void findParts(std::string_view d, const std::string& boundary, std::vector<Segment>& out) {
  const std::string delim = "--" + boundary;
  for (auto& part : splitMultipart(d, boundary)) {
    bool transformed = part.transferEncoding == "base64" ||
                       part.transferEncoding == "quoted-printable" ||
                       compressionFromName(part.contentEncoding).has_value() ||
                       sniffCompression(d.substr(part.start, part.end - part.start)).has_value();
    bool open = part.end == d.size();
    if (!transformed && !open) continue;
    Segment seg{part.start, part.end, SegKind::kPart};
    std::size_t at = d.rfind(delim, part.start);
    if (at != std::string_view::npos) seg.anchor = at;
    seg.open = open;
    seg.part = std::move(part);
    out.push_back(std::move(seg));
  }
}

std::size_t cutPoint(std::string_view d, std::size_t from, std::size_t to,
                     const std::vector<Segment>& segs, const std::string& boundary) {
  const std::size_t n = d.size();
  to = std::min(to, n);
  if (to <= from) return from;
  // The last delimiter line of a multipart body opens a part still coming in (or has headers
  // still coming in), unless it is the closing one.
  if (!boundary.empty()) {
    std::string delim = "--" + boundary;
    // Not inside a delimiter (or a closing one, with its "--"): the finder walks from one to
    // the next and stops at the closing one.
    std::size_t near = to > from + delim.size() + 2 ? to - delim.size() - 2 : from;
    if (auto at = d.find(delim, near); at != std::string_view::npos && at < to) to = at;
    std::size_t last = d.rfind(delim);
    if (last != std::string_view::npos && last >= from &&
        d.substr(last + delim.size(), 2) != "--") {
      bool huge = false;  // a part too long to decode: nothing to wait for
      for (const auto& s : segs)
        huge |= s.anchor == last && s.kind == SegKind::kPart && s.end - s.start >= kMaxSegment;
      if (!huge) to = std::min(to, last);
    }
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
    for (const auto& s : segs)
      if (s.anchor < to && (s.open || s.end > to) && decodable(s)) {
        to = s.anchor;
        moved = true;
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

std::string stripSpace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') out += c;
  return out;
}

}  // namespace tollgate::classify::detail
