#include "validators.h"

#include <arpa/inet.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "tollgate/classify/decode.h"

namespace tollgate::classify::detail {
namespace {

bool isDigit(char c) noexcept { return c >= '0' && c <= '9'; }
bool isUpper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
bool isLower(char c) noexcept { return c >= 'a' && c <= 'z'; }
bool isAlpha(char c) noexcept { return isUpper(c) || isLower(c); }
bool isAlnum(char c) noexcept { return isAlpha(c) || isDigit(c); }
bool isHex(char c) noexcept {
  return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
char lower(char c) noexcept { return isUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowerCopy(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

char at(std::string_view buf, std::size_t i) noexcept { return i < buf.size() ? buf[i] : '\0'; }
char before(std::string_view buf, std::size_t start) noexcept {
  return start > 0 ? buf[start - 1] : '\0';
}

// A number continues past the span: "1.2.3.4.5", "123-45-6789-1".
bool continuesNumber(std::string_view buf, std::size_t end) noexcept {
  char c = at(buf, end);
  if (isDigit(c)) return true;
  return (c == '.' || c == '-' || c == '/') && isDigit(at(buf, end + 1));
}
bool precededByNumber(std::string_view buf, std::size_t start) noexcept {
  char c = before(buf, start);
  if (isDigit(c)) return true;
  return start >= 2 && (c == '.' || c == '-' || c == '/') && isDigit(buf[start - 2]);
}

bool placeholder(std::string_view value) {
  std::string v = lowerCopy(value);
  static constexpr std::array<std::string_view, 24> kMarks = {
      "xxxx",    "****",     "example", "changeme", "placeholder", "redacted", "your",   "<",
      ">",       "${",       "{{",      "%s",       "dummy",       "sample",   "insert", "replace",
      "secret_", "password", "passwd",  "mypass",   "foobar",      "12345678", "abcdef", "test123"};
  for (auto m : kMarks)
    if (v.find(m) != std::string::npos) return true;
  return std::all_of(v.begin(), v.end(), [&](char c) { return c == v[0]; });
}

// Credentials published as examples in standards and vendor documentation (RFC 6749 §4-7, AWS
// guides): reported by every scanner that does not know them, and secret to nobody.
bool knownExample(std::string_view v) {
  static constexpr std::array<std::string_view, 6> kExamples = {
      "2YotnFZFEjr1zCsicMWpAA", "tGzv3JOkF0XG5Qx2TlKWIA",         "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
      "SplxlOBeZQQYbYS6WxSbIA", "wJalrXUtnFEMI/K7MDENG/bPxRfiCY", "AKIAIOSFODNN7EXAMPLE"};
  for (auto x : kExamples)
    if (v.find(x) != std::string_view::npos) return true;
  return false;
}

std::optional<Verdict> ok(std::size_t s, std::size_t e, double factor = 1.0,
                          bool needsContext = false) {
  return Verdict{s, e, factor, needsContext};
}

// ------------------------------------------------------------------------------------- email
// Byte classes of e-mail addresses, one table lookup each (the validator runs for every '@').
constexpr std::uint8_t kLocal = 1, kDomain = 2, kAlnum = 4;
constexpr std::array<std::uint8_t, 256> makeMailClass() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (alnum) t[c] = kLocal | kDomain | kAlnum;
    if (c == '.' || c == '-') t[c] = kLocal | kDomain;
    if (c == '_' || c == '+') t[c] = kLocal;
  }
  return t;
}
constexpr auto kMailClass = makeMailClass();
bool localChar(char c) noexcept { return kMailClass[static_cast<unsigned char>(c)] & kLocal; }
bool domainChar(char c) noexcept { return kMailClass[static_cast<unsigned char>(c)] & kDomain; }

std::optional<Verdict> email(std::string_view buf, std::size_t s, std::size_t e) {
  // The pattern matched the core around '@'; extend to the whole local part and domain.
  auto atRel = buf.substr(s, e - s).find('@');
  if (atRel == std::string_view::npos) return std::nullopt;
  std::size_t atPos0 = s + atRel;
  s = atPos0;
  while (s > 0 && atPos0 - s < 65 && localChar(buf[s - 1])) --s;
  e = atPos0 + 1;
  while (e < buf.size() && e - atPos0 < 255 && domainChar(buf[e])) ++e;
  while (e > atPos0 + 1 && (buf[e - 1] == '.' || buf[e - 1] == '-')) --e;
  // A percent escape just before is URL encoding, not part of the address ("%22john@...").
  if (s >= 1 && buf[s - 1] == '%' && e - s > 2 && isHex(buf[s]) && isHex(buf[s + 1])) s += 2;
  while (s < e && (buf[s] == '.' || buf[s] == '-' || buf[s] == '+')) ++s;
  if (isAlnum(before(buf, s))) return std::nullopt;
  std::string_view m = buf.substr(s, e - s);
  auto atPos = m.find('@');
  if (atPos == std::string_view::npos || atPos == 0 || atPos > 64) return std::nullopt;
  std::string_view local = m.substr(0, atPos);
  std::string_view domain = m.substr(atPos + 1);
  if (local.back() == '.' || local.find("..") != std::string_view::npos) return std::nullopt;
  char next = at(buf, e);
  if (isAlnum(next) || next == '-' || next == '_' || next == '@') return std::nullopt;
  if (domain.size() > 253) return std::nullopt;
  // Labels of 1-63 bytes, not starting or ending with '-', in one pass.
  std::size_t labels = 0, labelStart = 0;
  for (std::size_t p = 0; p <= domain.size(); ++p) {
    if (p < domain.size() && domain[p] != '.') continue;
    std::size_t len = p - labelStart;
    if (len == 0 || len > 63 || domain[labelStart] == '-' || domain[p - 1] == '-')
      return std::nullopt;
    ++labels;
    if (p < domain.size()) labelStart = p + 1;
  }
  std::string_view tld = domain.substr(labelStart);
  if (labels < 2 || tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), isAlpha))
    return std::nullopt;
  // File names and package specifiers look like addresses: "icon@2x.png", "pkg@1.0.js".
  static constexpr std::array<std::string_view, 48> kExtensions = {
      "png", "jpg", "jpeg", "gif",  "svg",  "webp", "ico",   "bmp",  "tif",  "tiff", "js",  "mjs",
      "cjs", "ts",  "css",  "scss", "html", "htm",  "xml",   "json", "yaml", "yml",  "txt", "md",
      "rst", "py",  "rb",   "go",   "rs",   "java", "class", "jar",  "so",   "dll",  "exe", "zip",
      "gz",  "tgz", "bz2",  "xz",   "tar",  "pdf",  "lock",  "log",  "sh",   "php",  "map", "wasm"};
  // Compared as up to eight lower-case bytes packed in an integer (every extension is shorter).
  auto pack = [](std::string_view w) {
    std::uint64_t k = 0;
    for (std::size_t i = 0; i < w.size(); ++i)
      k |= static_cast<std::uint64_t>(static_cast<unsigned char>(w[i]) | 0x20) << (8 * i);
    return k;
  };
  static const auto kPacked = [&] {
    std::array<std::uint64_t, kExtensions.size()> out{};
    for (std::size_t i = 0; i < kExtensions.size(); ++i) out[i] = pack(kExtensions[i]);
    return out;
  }();
  // One bit per extension of a hash of the packed bytes: most TLDs miss it and skip the list.
  static const std::uint64_t kBloom = [&] {
    std::uint64_t b = 0;
    for (auto k : kPacked) b |= std::uint64_t{1} << ((k * 0x9E3779B97F4A7C15ull) >> 58);
    return b;
  }();
  // The TLD is all letters here, so setting bit 0x20 is lower-casing.
  if (tld.size() <= 8) {
    const std::uint64_t k = pack(tld);
    if (((kBloom >> ((k * 0x9E3779B97F4A7C15ull) >> 58)) & 1) &&
        std::find(kPacked.begin(), kPacked.end(), k) != kPacked.end())
      return std::nullopt;
  }
  return ok(s, e);
}

// ------------------------------------------------------------------------------------- phone
struct NumberShape {
  std::string digits;
  std::vector<std::size_t> groups;  // digits per group
  std::string seps;                 // distinct separators seen (' ', '.', '-', '/')
  bool plus = false;
  bool parens = false;
  bool badParens = false;
};

NumberShape shapeOf(std::string_view m) {
  NumberShape sh;
  std::size_t cur = 0;
  int depth = 0;
  for (char c : m) {
    if (isDigit(c)) {
      sh.digits += c;
      ++cur;
      continue;
    }
    if (cur) sh.groups.push_back(cur);
    cur = 0;
    if (c == '+')
      sh.plus = true;
    else if (c == '(') {
      sh.parens = true;
      if (++depth > 1) sh.badParens = true;
    } else if (c == ')') {
      if (--depth < 0) sh.badParens = true;
    } else if (sh.seps.find(c) == std::string::npos) {
      sh.seps += c;
    }
  }
  if (cur) sh.groups.push_back(cur);
  if (depth != 0) sh.badParens = true;
  return sh;
}

// Between digit groups one separator, or a parenthesis with a blank: "01 2022 -0700" (a date
// and a time zone) is not a phone number.
bool separatorsSimple(std::string_view m) {
  std::size_t i = 0;
  while (i < m.size()) {
    if (isDigit(m[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < m.size() && !isDigit(m[j])) ++j;
    std::string_view run = m.substr(i, j - i);
    bool ok = run.size() == 1 || run == ") " || run == ")-" || run == ") -" || run == " (" ||
              run == "+" || (i == 0 && (run == "+" || run == "(" || run == "+(")) ||
              run == " (0) " || run == " (0)" || run == "(0)" || run == "-(" || run == ")." ||
              run == " / " || run == " - ";
    if (!ok) return false;
    i = j;
  }
  return true;
}

// A French number ("05 78 56 34 12") next to more two-character hex tokens is a hex dump.
bool hexPairNear(std::string_view buf, std::size_t s, std::size_t e) {
  auto pairAt = [&](std::size_t i) {
    return i + 2 <= buf.size() && isHex(buf[i]) && isHex(buf[i + 1]) &&
           (i == 0 || !isAlnum(buf[i - 1])) && (i + 2 == buf.size() || !isAlnum(buf[i + 2]));
  };
  return (s >= 3 && buf[s - 1] == ' ' && pairAt(s - 3)) ||
         (e + 3 <= buf.size() && buf[e] == ' ' && pairAt(e + 1));
}

// "01 02 03 04 05": pairs counting up or down.
bool progression(std::string_view d) {
  if (d.size() < 6 || d.size() % 2) return false;
  int step = ((d[2] - '0') * 10 + (d[3] - '0')) - ((d[0] - '0') * 10 + (d[1] - '0'));
  for (std::size_t i = 4; i + 1 < d.size(); i += 2) {
    int a = (d[i - 2] - '0') * 10 + (d[i - 1] - '0');
    int b = (d[i] - '0') * 10 + (d[i + 1] - '0');
    if (b - a != step) return false;
  }
  return true;
}

// "676767676767": a repeating unit of up to four digits.
bool periodic(std::string_view d) {
  for (std::size_t p = 1; p <= 4 && p < d.size(); ++p) {
    bool rep = true;
    for (std::size_t i = p; i < d.size() && rep; ++i) rep = d[i] == d[i - p];
    if (rep) return true;
  }
  return false;
}

bool allSame(std::string_view d) {
  return !d.empty() && std::all_of(d.begin(), d.end(), [&](char c) { return c == d[0]; });
}

std::optional<Verdict> phoneOnce(std::string_view buf, std::size_t s, std::size_t e) {
  while (e > s && !isDigit(buf[e - 1])) --e;
  if (e <= s) return std::nullopt;
  char b = before(buf, s);
  if (isAlnum(b) || b == '_' || b == '+' || b == '#' || b == '$' || b == '@' ||
      precededByNumber(buf, s) || ((b == '-' || b == '.') && isAlnum(before(buf, s - 1))))
    return std::nullopt;
  char a = at(buf, e);
  if (isAlpha(a) && a != 'x') return std::nullopt;
  if (continuesNumber(buf, e) || a == '_') return std::nullopt;
  // A run of numbers ("967 979 992 1004 1017") is a table, not a phone number.
  if (b == ' ' && s >= 2 && isDigit(buf[s - 2])) return std::nullopt;
  if (a == ' ' && isDigit(at(buf, e + 1))) return std::nullopt;
  NumberShape sh = shapeOf(buf.substr(s, e - s));
  if (sh.badParens || allSame(sh.digits) || sh.groups.size() > 6) return std::nullopt;
  if (!separatorsSimple(buf.substr(s, e - s))) return std::nullopt;
  std::size_t n = sh.digits.size();
  bool dots = sh.seps.find('.') != std::string::npos;
  bool slash = sh.seps.find('/') != std::string::npos;
  if (sh.seps.size() > 2) return std::nullopt;
  bool separated = sh.groups.size() > 1;
  if (sh.plus) {
    if (n < 8 || n > 15) return std::nullopt;
    const std::string& d = sh.digits;
    auto nsn = [&](std::size_t ccLen) {
      std::size_t k = n - ccLen;
      if (d[ccLen] == '0') --k;  // "+44 (0)20 ..." or a trunk zero kept by mistake
      return k;
    };
    if (d[0] == '1') {
      if (n != 11 || d[1] < '2' || d[4] < '2') return std::nullopt;
    } else if (d.starts_with("44")) {
      if (nsn(2) < 9 || nsn(2) > 10) return std::nullopt;
    } else if (d.starts_with("49")) {
      if (nsn(2) < 6 || nsn(2) > 13) return std::nullopt;
    } else if (d.starts_with("33")) {
      if (nsn(2) != 9) return std::nullopt;
    } else if (d.starts_with("91")) {
      if (nsn(2) != 10) return std::nullopt;
    }
    if (slash && dots) return std::nullopt;
    // "+20191229111838" is a timestamp more often than a phone number.
    return ok(s, e, 1.0, !separated && (n < 10 || n > 12));
  }
  // North American: [1] NXX NXX XXXX.
  std::string_view d = sh.digits;
  if (d[0] != '0') {
    if (n == 11 && d[0] == '1') d.remove_prefix(1);
    if (d.size() != 10 || d[0] < '2' || d[3] < '2' || slash) return std::nullopt;
    std::size_t g = sh.groups.size();
    bool usGroups =
        (g == 1) ||
        (g >= 3 && sh.groups[g - 1] == 4 && sh.groups[g - 2] == 3 && sh.groups[g - 3] == 3) ||
        (g == 2 && sh.parens && sh.groups[1] == 7);
    if (!usGroups || sh.seps.size() > 1 + (sh.parens ? 1 : 0)) return std::nullopt;
    // "571 612 1056" is as often a list of numbers as a phone number: blanks alone need context.
    bool blanksOnly = !sh.parens && sh.seps == " ";
    return ok(s, e, 1.0, (g == 1 && !sh.parens) || blanksOnly);
  }
  // National numbers with a trunk zero (UK, DE, FR, IN, ...); "00" is the international prefix
  // and, far more often, a hex dump or zero padding.
  if (n < 9 || n > 13 || d[1] == '0') return std::nullopt;
  // Groups of two digits only, other than the French 2-2-2-2-2: hex dumps ("04 25 78 56 34 12").
  bool pairs = std::all_of(sh.groups.begin(), sh.groups.end(), [](auto x) { return x <= 2; });
  if (pairs && !(n == 10 && sh.groups.size() == 5)) return std::nullopt;
  if (pairs && (hexPairNear(buf, s, e) || progression(sh.digits))) return std::nullopt;
  if (dots) {
    bool fr = n == 10 && sh.groups.size() == 5 &&
              std::all_of(sh.groups.begin(), sh.groups.end(), [](auto x) { return x == 2; });
    if (!fr) return std::nullopt;
  }
  if (slash && sh.groups.size() != 2) return std::nullopt;
  // Every group but the first of at least two digits (dates and times are "01 2 3").
  for (std::size_t i = 1; i < sh.groups.size(); ++i)
    if (sh.groups[i] < 2) return std::nullopt;
  return ok(s, e, 1.0, (!separated && !sh.parens) || n < 10);
}

// Shrinks a candidate group by group from the right until it validates (the pattern may have
// swallowed a following number: "4111 1111 1111 1111 2025").
template <class F>
std::optional<Verdict> shrinking(std::string_view buf, std::size_t s, std::size_t e, F&& check,
                                 int maxSteps = 4) {
  for (int step = 0; step <= maxSteps && e > s; ++step) {
    if (auto v = check(buf, s, e)) return v;
    std::size_t p = e;
    while (p > s && isDigit(buf[p - 1])) --p;
    while (p > s && !isAlnum(buf[p - 1])) --p;
    if (p <= s || p == e) break;
    e = p;
  }
  return std::nullopt;
}

// ------------------------------------------------------------------------------ payment cards
bool cardIin(std::string_view d) {
  std::size_t n = d.size();
  auto pre = [&](std::size_t k) { return std::stoi(std::string(d.substr(0, k))); };
  int p2 = pre(2), p3 = pre(3), p4 = pre(4), p6 = pre(6);
  if (d[0] == '4') return n == 13 || n == 16 || n == 19;                     // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n == 16;  // Mastercard
  if (p2 == 34 || p2 == 37) return n == 15;                                  // Amex
  if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65 || (p6 >= 622126 && p6 <= 622925))
    return n >= 16 && n <= 19;                              // Discover
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19;  // JCB
  if ((p3 >= 300 && p3 <= 305) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39)
    return n >= 14 && n <= 19;                                        // Diners
  if (p2 == 62) return n >= 16 && n <= 19;                            // UnionPay
  if (p4 >= 2200 && p4 <= 2204) return n == 16;                       // Mir
  if (p2 == 50 || (p2 >= 56 && p2 <= 69)) return n >= 12 && n <= 19;  // Maestro
  return false;
}

std::optional<Verdict> cardOnce(std::string_view buf, std::size_t s, std::size_t e) {
  if (precededByNumber(buf, s) || continuesNumber(buf, e)) return std::nullopt;
  // Inside a table of numbers ("4615 4646 4677 4708 4740 4771"): a digit group just before, or
  // a group of four or more just after.
  char b = before(buf, s);
  if ((b == ' ' || b == '-') && s >= 2 && isDigit(buf[s - 2])) return std::nullopt;
  // Identifiers in paths and names: ".../testcase-detail/5390364397928448", "fuzzer-5390...".
  if (b == '/' || b == '_' || b == '#' || b == '.' || b == '\\' || b == '+' ||
      (b == '-' && s >= 2 && isAlpha(buf[s - 2])))
    return std::nullopt;
  char a = at(buf, e);
  if (a == ' ' || a == '-') {
    std::size_t k = e + 1;
    while (k < buf.size() && isDigit(buf[k])) ++k;
    if (k - (e + 1) >= 4) return std::nullopt;
  }
  NumberShape sh = shapeOf(buf.substr(s, e - s));
  std::size_t n = sh.digits.size();
  if (n < 12 || n > 19 || sh.seps.size() > 1) return std::nullopt;
  const auto& g = sh.groups;
  if (g.size() > 1) {
    bool fours = std::all_of(g.begin(), g.end() - 1, [](auto x) { return x == 4; }) &&
                 g.back() >= 1 && g.back() <= 4;
    bool amex = g.size() == 3 && g[0] == 4 && g[1] == 6 && (g[2] == 5 || g[2] == 4);
    if (!fours && !amex) return std::nullopt;
  }
  if (!cardIin(sh.digits) || !luhn(sh.digits)) return std::nullopt;
  if (allSame(sh.digits) || periodic(sh.digits)) return std::nullopt;
  // Unseparated 12-digit and 17-19-digit numbers are mostly identifiers; cards of those lengths
  // are rare, so they need a context word ("card", "pan").
  bool unusual = g.size() == 1 && (n < 13 || n > 16);
  return ok(s, e, 1.0, unusual);
}

// ------------------------------------------------------------------------------------- IBAN
std::optional<Verdict> ibanOnce(std::string_view buf, std::size_t s, std::size_t e) {
  std::string compact;
  std::vector<std::size_t> groups;
  std::size_t cur = 0;
  for (std::size_t i = s; i < e; ++i) {
    if (buf[i] == ' ') {
      groups.push_back(cur);
      cur = 0;
    } else {
      compact += buf[i];
      ++cur;
    }
  }
  groups.push_back(cur);
  if (groups.size() > 1) {
    for (std::size_t i = 0; i + 1 < groups.size(); ++i)
      if (groups[i] != 4) return std::nullopt;
    if (groups.back() < 1 || groups.back() > 4) return std::nullopt;
  }
  int want = ibanLength(std::string_view(compact).substr(0, 2));
  if (want == 0 || static_cast<int>(compact.size()) != want) return std::nullopt;
  int check = (compact[2] - '0') * 10 + (compact[3] - '0');
  if (check < 2 || check > 98) return std::nullopt;
  if (!ibanChecksum(compact)) return std::nullopt;
  return ok(s, e);
}

// ------------------------------------------------------------------------------- SSN, NINO
std::optional<Verdict> ssn(std::string_view buf, std::size_t s, std::size_t e) {
  if (precededByNumber(buf, s) || continuesNumber(buf, e)) return std::nullopt;
  std::string d;
  for (std::size_t i = s; i < e; ++i)
    if (isDigit(buf[i])) d += buf[i];
  if (d.size() != 9) return std::nullopt;
  int area = std::stoi(d.substr(0, 3)), group = std::stoi(d.substr(3, 2)),
      serial = std::stoi(d.substr(5, 4));
  if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return std::nullopt;
  // Numbers the SSA lists as invalid for having been published.
  if (d == "078051120" || d == "219099999" || d == "123456789") return std::nullopt;
  // Placeholders people write in documentation: "111-22-3333", "555-55-5555".
  if (allSame(d.substr(0, 3)) && allSame(d.substr(3, 2)) && allSame(d.substr(5, 4)))
    return std::nullopt;
  return ok(s, e);
}

std::optional<Verdict> nino(std::string_view buf, std::size_t s, std::size_t e) {
  std::string v;
  for (std::size_t i = s; i < e; ++i)
    if (buf[i] != ' ') v += buf[i];
  if (v.size() != 9) return std::nullopt;
  bool upper = std::all_of(v.begin(), v.end(), [](char c) { return !isLower(c); });
  bool lowerAll = std::all_of(v.begin(), v.end(), [](char c) { return !isUpper(c); });
  if (!upper && !lowerAll) return std::nullopt;
  for (auto& c : v) c = isLower(c) ? static_cast<char>(c - 'a' + 'A') : c;
  std::string_view p = std::string_view(v).substr(0, 2);
  for (auto bad : {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
    if (p == bad) return std::nullopt;
  if (v[1] == 'O') return std::nullopt;
  std::size_t spaces = (e - s) - 9;
  if (spaces != 0 && spaces != 4) return std::nullopt;
  if (allSame(v.substr(2, 6))) return std::nullopt;
  return ok(s, e, lowerAll ? 0.8 : 1.0, lowerAll);
}

// ------------------------------------------------------------------------------------- dates
int monthFromName(std::string_view w) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  std::string l = lowerCopy(w.substr(0, 3));
  for (std::size_t i = 0; i < kMonths.size(); ++i)
    if (l == kMonths[i]) return static_cast<int>(i + 1);
  return 0;
}

bool validDate(int y, int m, int d) {
  if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1) return false;
  static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > kDays[static_cast<std::size_t>(m - 1)]) return false;
  if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return false;
  return true;
}

std::optional<Verdict> date(std::string_view buf, std::size_t s, std::size_t e) {
  if (precededByNumber(buf, s) || continuesNumber(buf, e)) return std::nullopt;
  std::string_view m = buf.substr(s, e - s);
  std::vector<int> nums;
  std::vector<std::size_t> lens;
  int month = 0;
  std::size_t i = 0;
  while (i < m.size()) {
    if (isDigit(m[i])) {
      std::size_t j = i;
      while (j < m.size() && isDigit(m[j])) ++j;
      nums.push_back(std::stoi(std::string(m.substr(i, j - i))));
      lens.push_back(j - i);
      i = j;
    } else if (isAlpha(m[i])) {
      std::size_t j = i;
      while (j < m.size() && isAlpha(m[j])) ++j;
      if (int mo = monthFromName(m.substr(i, j - i)); mo && !month) month = mo;
      i = j;
    } else {
      ++i;
    }
  }
  if (month) {
    // Ordinal suffixes and "of" were skipped; two numbers remain: day and year.
    if (nums.size() != 2) return std::nullopt;
    int day = lens[0] == 4 ? nums[1] : nums[0];
    int year = lens[0] == 4 ? nums[0] : nums[1];
    return validDate(year, month, day) ? ok(s, e) : std::nullopt;
  }
  if (nums.size() != 3) return std::nullopt;
  // Separators must agree: "1985-03-12", "12/03/1985", "12.03.1985".
  char sep = 0;
  for (char c : m) {
    if (isDigit(c)) continue;
    if (sep && c != sep) return std::nullopt;
    sep = c;
  }
  if (lens[0] == 4) return validDate(nums[0], nums[1], nums[2]) ? ok(s, e) : std::nullopt;
  // Day-first or month-first: either reading will do.
  if (validDate(nums[2], nums[1], nums[0]) || validDate(nums[2], nums[0], nums[1])) return ok(s, e);
  return std::nullopt;
}

// ------------------------------------------------------------------------------ IP addresses
bool versionBefore(std::string_view buf, std::size_t s) {
  std::size_t from = s > 16 ? s - 16 : 0;
  std::string w = lowerCopy(buf.substr(from, s - from));
  if (w.find("version") != std::string::npos || w.find("ver.") != std::string::npos ||
      w.find("release") != std::string::npos)
    return true;
  char b = lower(before(buf, s));
  return b == 'v';
}

std::optional<Verdict> ipv4(std::string_view buf, std::size_t s, std::size_t e) {
  if (precededByNumber(buf, s) || continuesNumber(buf, e)) return std::nullopt;
  char b = before(buf, s);
  if (b == '.' || isAlpha(b) || b == '_' || b == '-') {
    if (!(b == 'v' || b == 'V') || true) {
      if (isAlnum(b) || b == '.' || b == '_') return std::nullopt;
    }
  }
  char a = at(buf, e);
  if (isAlpha(a) || a == '_') return std::nullopt;
  // "Chrome/67.7.18.18" is a version; "http://67.7.18.18" is an address.
  if (b == '/' && s >= 2 && isAlnum(buf[s - 2])) return std::nullopt;
  if (b == '\\' && s >= 3 && buf[s - 2] == '/' && isAlnum(buf[s - 3])) return std::nullopt;
  std::array<int, 4> oct{};
  std::size_t k = 0, i = s;
  while (i < e && k < 4) {
    std::size_t j = i;
    while (j < e && isDigit(buf[j])) ++j;
    if (j - i > 1 && buf[i] == '0') return std::nullopt;  // leading zeros: not dotted-quad
    oct[k++] = std::stoi(std::string(buf.substr(i, j - i)));
    i = j + 1;
  }
  if (k != 4) return std::nullopt;
  for (int o : oct)
    if (o > 255) return std::nullopt;
  // Not about anybody: this-network, loopback, multicast and reserved, netmasks, and the
  // documentation ranges of RFC 5737.
  if (oct[0] == 0 || oct[0] == 127 || oct[0] >= 224) return std::nullopt;
  if (oct[0] == 255 || (oct[0] == 192 && oct[1] == 0 && oct[2] == 2) ||
      (oct[0] == 198 && oct[1] == 51 && oct[2] == 100) ||
      (oct[0] == 203 && oct[1] == 0 && oct[2] == 113))
    return std::nullopt;
  if (versionBefore(buf, s)) return std::nullopt;
  // Four small numbers are far more often a version than an address: "1.2.3.4".
  bool small = std::all_of(oct.begin(), oct.end(), [](int o) { return o < 10; });
  // SNMP OIDs and dotted sequences: "1.3.6.1" in "1.3.6.1.4.1".
  return ok(s, e, small ? 0.7 : 1.0, small);
}

std::optional<Verdict> ipv6(std::string_view buf, std::size_t s, std::size_t e) {
  while (e > s && (buf[e - 1] == ':' || buf[e - 1] == '.')) {
    // A trailing "::" is part of an address ("fe80::"); a single colon is punctuation.
    if (buf[e - 1] == ':' && e - s >= 2 && buf[e - 2] == ':') break;
    --e;
  }
  char b = before(buf, s);
  if (isAlnum(b) || b == ':' || b == '_' || b == '.' || b == '-' || b == '/') return std::nullopt;
  char a = at(buf, e);
  if (isAlnum(a) || a == ':' || a == '_' || a == '-') return std::nullopt;
  if (e - s < 3 || e - s > 45) return std::nullopt;
  std::string v(buf.substr(s, e - s));
  unsigned char out[16];
  if (inet_pton(AF_INET6, v.c_str(), out) != 1) return std::nullopt;
  std::size_t hexDigits = 0, groups = 0, cur = 0;
  for (char c : v) {
    if (isHex(c)) {
      ++hexDigits;
      ++cur;
    } else {
      if (cur) ++groups;
      cur = 0;
    }
  }
  if (cur) ++groups;
  bool compressed = v.find("::") != std::string::npos;
  // Loopback, unspecified and the documentation prefix 2001:db8::/32 (RFC 3849).
  static constexpr unsigned char kZero[16] = {};
  if (std::memcmp(out, kZero, 15) == 0 && out[15] <= 1) return std::nullopt;
  if (out[0] == 0x20 && out[1] == 0x01 && out[2] == 0x0d && out[3] == 0xb8) return std::nullopt;
  if (!compressed) return ok(s, e);  // eight groups (or six and an IPv4 tail)
  // Short compressed forms collide with code ("a::b"); ask for some substance.
  if (groups < 2 || hexDigits < 5) return std::nullopt;
  bool anyLetter = std::any_of(v.begin(), v.end(), isAlpha);
  bool anyDigit = std::any_of(v.begin(), v.end(), isDigit);
  if (!anyDigit) return std::nullopt;
  return ok(s, e, 1.0, !anyLetter && groups < 3);
}

std::optional<Verdict> postal(std::string_view buf, std::size_t s, std::size_t e) {
  if (precededByNumber(buf, s) || continuesNumber(buf, e)) return std::nullopt;
  char b = before(buf, s);
  if (b == '-' || b == '#' || b == '/' || b == '.' || b == '_' || b == ':' || isAlnum(b))
    return std::nullopt;  // "bpo-33012", "#12345", "PR/12345"
  std::string_view v = buf.substr(s, e - s);
  if (v.starts_with("00000")) return std::nullopt;
  // Placeholders: "12345", "98765".
  if (v.size() >= 5 && isDigit(v[0])) {
    bool up = true, down = true;
    for (std::size_t i = 1; i < 5; ++i) {
      up &= v[i] == v[i - 1] + 1;
      down &= v[i] == v[i - 1] - 1;
    }
    if (up || down) return std::nullopt;
  }
  return ok(s, e);
}

// ------------------------------------------------------------------------------------ secrets
// Skips blanks and JSON/C escaped line breaks ("\n") between a PEM header and its body.
std::size_t skipBreaks(std::string_view buf, std::size_t i) {
  while (i < buf.size()) {
    char c = buf[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '\\' && i + 1 < buf.size() && (buf[i + 1] == 'n' || buf[i + 1] == 'r')) {
      i += 2;
    } else {
      break;
    }
  }
  return i;
}

bool isB64(char c) noexcept { return isAlnum(c) || c == '+' || c == '/' || c == '='; }

std::optional<Verdict> privateKey(std::string_view buf, std::size_t s, std::size_t e) {
  std::size_t i = skipBreaks(buf, e);
  // Encrypted PEM carries RFC 1421 headers before the body.
  for (int h = 0; h < 4 && i < buf.size(); ++h) {
    std::string_view rest = buf.substr(i, std::min<std::size_t>(64, buf.size() - i));
    if (!(rest.starts_with("Proc-Type:") || rest.starts_with("DEK-Info:") ||
          rest.starts_with("Version:") || rest.starts_with("Comment:")))
      break;
    std::size_t nl = buf.find('\n', i);
    std::size_t esc = buf.find("\\n", i);
    std::size_t stop = std::min(nl, esc);
    if (stop == std::string_view::npos || stop - i > 200) return std::nullopt;
    i = skipBreaks(buf, stop);
  }
  std::size_t j = i;
  while (j < buf.size() && j - i < 80 && isB64(buf[j])) ++j;
  if (j - i < 40) return std::nullopt;
  std::string_view body = buf.substr(i, j - i);
  if (buf.substr(s, e - s).find("OPENSSH") != std::string_view::npos &&
      !body.starts_with("b3BlbnNzaC1rZXktdjE"))
    return std::nullopt;
  if (placeholder(body)) return std::nullopt;
  return ok(s, j);
}

std::optional<Verdict> jwt(std::string_view buf, std::size_t s, std::size_t e) {
  std::string_view m = buf.substr(s, e - s);
  auto d1 = m.find('.');
  auto d2 = m.find('.', d1 + 1);
  if (d1 == std::string_view::npos || d2 == std::string_view::npos) return std::nullopt;
  if (isAlnum(at(buf, e)) || at(buf, e) == '-' || at(buf, e) == '_') return std::nullopt;
  auto header = base64Decode(m.substr(0, d1), true);
  if (!header || header->empty() || header->front() != '{' ||
      header->find("\"alg\"") == std::string::npos)
    return std::nullopt;
  std::string_view payloadB64 = m.substr(d1 + 1, d2 - d1 - 1);
  auto payload = base64Decode(payloadB64, true);
  if (!payload || payload->empty()) return std::nullopt;
  // A JWS payload is JSON in practice; JWE has five parts and is not matched here.
  if (payload->front() != '{') return std::nullopt;
  std::string_view sig = m.substr(d2 + 1);
  bool none = header->find("\"none\"") != std::string::npos;
  if (!none && sig.size() < 16) return std::nullopt;
  return ok(s, e);
}

std::optional<Verdict> awsKey(std::string_view buf, std::size_t s, std::size_t e) {
  std::string_view v = buf.substr(s, e - s);
  if (v.find("EXAMPLE") != std::string_view::npos || allSame(v.substr(4))) return std::nullopt;
  return ok(s, e);
}

// The value at the end of a "key: value" candidate.
std::size_t valueStart(std::string_view buf, std::size_t s, std::size_t e, bool (*isValue)(char)) {
  std::size_t v = e;
  while (v > s && isValue(buf[v - 1])) --v;
  return v;
}

bool secretChar(char c) noexcept {
  return isAlnum(c) || c == '_' || c == '-' || c == '+' || c == '/' || c == '.' || c == '~';
}

bool separatorBetween(std::string_view between, std::string_view key) {
  if (between.find_first_of(":=") != std::string_view::npos) return true;
  std::string k = lowerCopy(key);
  return k.starts_with("bearer") && !between.empty() &&
         std::all_of(between.begin(), between.end(), [](char c) { return c == ' ' || c == '\t'; });
}

std::optional<Verdict> entropyValue(const DetectorDef& def, std::string_view buf, std::size_t s,
                                    std::size_t e) {
  while (e < buf.size() && e - s < 300 && secretChar(buf[e])) ++e;
  while (e < buf.size() && buf[e] == '=' && e - s < 302) ++e;  // base64 padding
  std::size_t padded = e;
  while (e > s && buf[e - 1] == '=') --e;
  std::size_t v = valueStart(buf, s, e, secretChar);
  e = padded;
  // The key word itself is made of value characters when no separator follows it.
  if (v == s) return std::nullopt;
  std::size_t keyEnd = s;
  while (keyEnd < v && (isAlnum(buf[keyEnd]) || buf[keyEnd] == '_' || buf[keyEnd] == '-')) ++keyEnd;
  if (!separatorBetween(buf.substr(keyEnd, v - keyEnd), buf.substr(s, keyEnd - s)))
    return std::nullopt;
  if (isAlnum(at(buf, e))) return std::nullopt;
  std::string_view value = buf.substr(v, e - v);
  while (!value.empty() && (value.back() == '.' || value.back() == '=')) value.remove_suffix(1);
  if (value.size() < 16) return std::nullopt;
  // A value cut by an escape ("key=abc%2Bdef", "abc\/def") is seen whole in the decoded layer.
  char next = at(buf, e);
  if ((next == '%' && isHex(at(buf, e + 1)) && isHex(at(buf, e + 2))) || next == '\\')
    return std::nullopt;
  double h = shannonEntropy(value);
  if ((value.front() == '/' || value.front() == '.') &&
      std::count(value.begin(), value.end(), '/') >= 2 && h < 4.3)
    return std::nullopt;  // paths
  if (value.find("..") != std::string_view::npos) return std::nullopt;
  std::size_t digits = 0, letters = 0;
  for (char c : value) {
    digits += isDigit(c);
    letters += isAlpha(c);
  }
  // Identifiers ("get_password_from_env") have no digits and little entropy.
  if (letters < 2 || (digits == 0 && h < 4.3)) return std::nullopt;
  if (placeholder(value)) return std::nullopt;
  // Dotted identifiers and versions ("com.example.foo", "1.2.3-beta"): not secrets.
  if (std::count(value.begin(), value.end(), '.') >= 2) return std::nullopt;
  // Code, not a value: "exports2.STRICT_TOKEN", "self.api_key".
  if (auto dot = value.find('.'); dot != std::string_view::npos && dot > 0 &&
                                  dot + 1 < value.size() && isAlpha(value[dot + 1]) &&
                                  isAlpha(value[0]))
    return std::nullopt;
  // Secrets are short; a 200-character run is a string table or a blob.
  if (value.size() > 160) return std::nullopt;
  if (knownExample(value)) return std::nullopt;
  if (h < def.minEntropy) return std::nullopt;
  return ok(s, e);
}

std::optional<Verdict> token(const DetectorDef& def, std::string_view buf, std::size_t s,
                             std::size_t e) {
  // Token alphabets end with '-' or '_' at times, so the pattern has no trailing \b.
  char a = at(buf, e);
  if (isAlnum(a) || a == '_' || a == '-') return std::nullopt;
  std::string_view v = buf.substr(s, e - s);
  auto sep = v.find_first_of("_-");
  // The vendor prefix ends at the first separator ("ghp_", "glpat-"); "AIza" keys have none.
  std::string_view body = sep == std::string_view::npos || sep > 12 ? v : v.substr(sep + 1);
  if (body.size() > 8) {
    auto inner = body.find_last_of("_-");
    if (inner != std::string_view::npos && body.size() - inner > 16) body = body.substr(inner + 1);
  }
  if (placeholder(body)) return std::nullopt;
  if (shannonEntropy(body) < def.minEntropy) return std::nullopt;
  return ok(s, e);
}

std::optional<Verdict> urlPassword(std::string_view buf, std::size_t s, std::size_t e) {
  std::string_view m = buf.substr(s, e - s);
  auto scheme = m.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  std::string_view auth = m.substr(scheme + 3);
  auto atPos = auth.rfind('@');
  if (atPos == std::string_view::npos) return std::nullopt;
  std::string_view userinfo = auth.substr(0, atPos);
  std::string_view host = auth.substr(atPos + 1);
  auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view user = userinfo.substr(0, colon);
  std::string_view pass = userinfo.substr(colon + 1);
  if (pass.empty() || user.empty()) return std::nullopt;
  while (!host.empty() && (host.back() == '.' || host.back() == '-')) host.remove_suffix(1);
  if (host.empty()) return std::nullopt;
  std::string p = percentDecode(pass, false);
  if (placeholder(p) || p.size() < 3) return std::nullopt;
  static constexpr std::array<std::string_view, 10> kWords = {
      "pass", "pwd", "secret", "token", "pw", "p", "xxx", "apikey", "key", "api_key"};
  std::string pl = lowerCopy(p);
  for (auto w : kWords)
    if (pl == w) return std::nullopt;
  if (p.front() == '$' || p.front() == '%' || p.front() == '{' || p.front() == '[')
    return std::nullopt;
  if (std::all_of(p.begin(), p.end(), isDigit) && p.size() <= 5) return std::nullopt;  // port
  return ok(s, static_cast<std::size_t>(host.data() + host.size() - buf.data()));
}

std::optional<Verdict> basicAuth(std::string_view buf, std::size_t s, std::size_t e) {
  std::size_t v =
      valueStart(buf, s, e, [](char c) { return isAlnum(c) || c == '+' || c == '/' || c == '='; });
  if (isAlnum(at(buf, e))) return std::nullopt;
  auto decoded = base64Decode(buf.substr(v, e - v), false);
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= decoded->size()) return std::nullopt;
  for (unsigned char c : *decoded)
    if (c < 0x20 || c == 0x7f) return std::nullopt;
  std::string pass = decoded->substr(colon + 1);
  if (placeholder(pass) || knownExample(buf.substr(v, e - v))) return std::nullopt;
  return ok(s, e);
}

std::optional<Verdict> plainValue(const DetectorDef& def, std::string_view buf, std::size_t s,
                                  std::size_t e) {
  auto valueChar = [](char c) {
    return isAlnum(c) || c == '.' || c == '_' || c == '-' || c == '\\';
  };
  while (e < buf.size() && e - s < 300 && valueChar(buf[e])) ++e;
  std::size_t v = valueStart(buf, s, e, +valueChar);
  while (e > v && (buf[e - 1] == '.' || buf[e - 1] == '-' || buf[e - 1] == '\\')) --e;
  if (e - v < 2) return std::nullopt;
  std::string value = lowerCopy(buf.substr(v, e - v));
  static constexpr std::array<std::string_view, 30> kNot = {
      "null",    "none",     "true",  "false",  "undefined", "nil",     "user", "username",
      "name",    "hostname", "host",  "string", "str",       "self",    "this", "value",
      "default", "example",  "foo",   "bar",    "xxx",       "your",    "my",   "localhost",
      "unknown", "test",     "admin", "id",     "login",     "password"};
  for (auto w : kNot)
    if (value == w) return std::nullopt;
  // Code, not data: "user = get_user(...)", "hostname=$(hostname)".
  char a = at(buf, e);
  if (a == '(' || a == '[' || a == '$') return std::nullopt;
  if (value.find("example") != std::string::npos || value.find("..") != std::string::npos)
    return std::nullopt;
  if (def.id == "hostname" &&
      std::all_of(value.begin(), value.end(), [](char c) { return isDigit(c) || c == '.'; }))
    return std::nullopt;
  return ok(s, e);
}

}  // namespace

bool luhn(std::string_view digits) noexcept {
  int sum = 0;
  bool dbl = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return !digits.empty() && sum % 10 == 0;
}

bool ibanChecksum(std::string_view iban) noexcept {
  if (iban.size() < 5) return false;
  int rem = 0;
  auto feed = [&](char c) -> bool {
    if (isDigit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else if (isUpper(c)) {
      int v = c - 'A' + 10;
      rem = (rem * 100 + v) % 97;
    } else {
      return false;
    }
    return true;
  };
  for (std::size_t i = 4; i < iban.size(); ++i)
    if (!feed(iban[i])) return false;
  for (std::size_t i = 0; i < 4; ++i)
    if (!feed(iban[i])) return false;
  return rem == 1;
}

int ibanLength(std::string_view cc) noexcept {
  // SWIFT IBAN registry (release 2024), plus IR which is widely issued.
  static constexpr std::array<std::pair<std::string_view, int>, 90> kLengths = {{
      {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
      {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22},
      {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20},
      {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22},
      {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HN", 28}, {"HR", 21},
      {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IR", 26}, {"IS", 26}, {"IT", 27},
      {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20},
      {"LU", 20}, {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19},
      {"MN", 20}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15},
      {"OM", 23}, {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24},
      {"RS", 22}, {"RU", 33}, {"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19},
      {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24},
      {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
  }};
  for (const auto& [c, n] : kLengths)
    if (c == cc) return n;
  return 0;
}

double shannonEntropy(std::string_view s) noexcept {
  if (s.empty()) return 0;
  std::array<int, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double h = 0;
  double n = static_cast<double>(s.size());
  for (int c : counts) {
    if (!c) continue;
    double p = c / n;
    h -= p * std::log2(p);
  }
  return h;
}

namespace {
// Another key between the context word and the value ("mobile AI feed! order=4306402074"): the
// word names something else.
bool otherKeyBetween(std::string_view buf, std::size_t wordEnd, std::size_t start) {
  for (std::size_t i = wordEnd; i < start; ++i) {
    if (buf[i] != '=' && buf[i] != ':') continue;
    std::size_t k = i;
    while (k > wordEnd && (buf[k - 1] == ' ' || buf[k - 1] == '"' || buf[k - 1] == '\'')) --k;
    std::size_t idEnd = k;
    while (k > wordEnd && (isAlnum(buf[k - 1]) || buf[k - 1] == '_' || buf[k - 1] == '-')) --k;
    if (k < idEnd && k > wordEnd) return true;
  }
  return false;
}
}  // namespace

namespace {

// The word of `words` at `p` of the window [from, start) of `buf`, when one stands there as a word
// (a letter may not follow; `left` already holds: no letter before it).
bool contextWordAt(const std::vector<std::string>& words, std::string_view buf, std::size_t from,
                   std::size_t start, std::size_t p, bool strict) {
  const char c = lower(buf[from + p]);
  for (const auto& word : words) {
    if (word.empty() || word[0] != c || start - from - p < word.size()) continue;
    bool same = true;
    for (std::size_t k = 1; k < word.size() && same; ++k)
      same = lower(buf[from + p + k]) == word[k];
    if (!same) continue;
    // "zipimport" is not "zip", "phoneNumber" is "phone".
    std::size_t after = from + p + word.size();
    bool right = after >= buf.size() || !isLower(buf[after]);
    if (right && !(strict && otherKeyBetween(buf, after, start))) return true;
  }
  return false;
}

}  // namespace

ContextWords::ContextWords(std::vector<std::string> words) : words_(std::move(words)) {
  // The distinct (first, second) byte pairs of the words, when all start with a lower-case
  // letter (compared with bit 0x20 set, which folds case for letters and keeps a superset for
  // other bytes; contextWordAt compares exactly). A one-letter word's second byte is anything.
  vector_ = !words_.empty();
  for (const auto& word : words_) {
    if (word.empty()) continue;
    if (!isLower(word[0]) || pairs_ == first_.size()) {
      vector_ = false;
      break;
    }
    char second = word.size() > 1 ? static_cast<char>(word[1] | 0x20) : '\0';
    bool seen = false;
    for (std::size_t k = 0; k < pairs_ && !seen; ++k)
      seen = first_[k] == word[0] && second_[k] == second;
    if (!seen) {
      first_[pairs_] = word[0];
      second_[pairs_] = second;
      firstV_[pairs_].fill(word[0]);
      secondV_[pairs_++].fill(second);
    }
  }
}

// This runs for every candidate (75,000 e-mail addresses in 64 MB of change logs): the window is
// searched once for all words, sixteen bytes at a time, comparing only at word starts (no letter
// before) whose two bytes begin one of the words; a search per word was a tenth of the scan's
// time, and testing the first byte alone still sent most word starts to contextWordAt.
bool ContextWords::before(std::string_view buf, std::size_t start, std::size_t window,
                          bool strict) const {
  if (words_.empty() || window == 0) return false;
  const std::size_t from = start > window ? start - window : 0;
  const std::size_t len = start - from;
  bool prevAlpha = from > 0 && isAlpha(buf[from - 1]);
#if defined(__SSE2__)
  if (vector_ && len <= 240) {
    // The window's bytes in place when the loads (sixteen bytes and one more past each block
    // start) stay inside `buf`; else a copy with zeros after it. Bits past the window are
    // dropped.
    const std::size_t reach = (len + 15) / 16 * 16 + 1;
    alignas(16) std::array<char, 256 + 16> copy;
    const char* win = buf.data() + from;
    if (buf.size() - from < reach) {
      std::memcpy(copy.data(), win, len);
      std::memset(copy.data() + len, 0, 17);
      win = copy.data();
    }
    for (std::size_t q = 0; q < len; q += 16) {
      const __m128i fold = _mm_set1_epi8(0x20);
      __m128i l = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(win + q)), fold);
      __m128i l1 =
          _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(win + q + 1)), fold);
      __m128i hit = _mm_setzero_si128();
      for (std::size_t k = 0; k < pairs_; ++k) {
        __m128i h =
            _mm_cmpeq_epi8(l, _mm_load_si128(reinterpret_cast<const __m128i*>(firstV_[k].data())));
        if (second_[k])
          h = _mm_and_si128(
              h, _mm_cmpeq_epi8(
                     l1, _mm_load_si128(reinterpret_cast<const __m128i*>(secondV_[k].data()))));
        hit = _mm_or_si128(hit, h);
      }
      // Letters: (l - 'a') < 26 unsigned, as a signed compare with the sign bit flipped.
      __m128i t = _mm_xor_si128(_mm_sub_epi8(l, _mm_set1_epi8('a')), _mm_set1_epi8(-128));
      auto alpha = static_cast<unsigned>(
          _mm_movemask_epi8(_mm_cmplt_epi8(t, _mm_set1_epi8(static_cast<char>(26 - 128)))));
      unsigned starts = static_cast<unsigned>(_mm_movemask_epi8(hit)) &
                        ~((alpha << 1) | (prevAlpha ? 1u : 0u)) & 0xFFFFu;
      prevAlpha = (alpha >> 15) & 1;
      if (len - q < 16) starts &= (1u << (len - q)) - 1;
      for (; starts; starts &= starts - 1)
        if (contextWordAt(words_, buf, from, start,
                          q + static_cast<std::size_t>(__builtin_ctz(starts)), strict))
          return true;
    }
    return false;
  }
#endif
  for (std::size_t p = 0; p < len; ++p) {
    bool alpha = isAlpha(buf[from + p]);
    if (!prevAlpha && contextWordAt(words_, buf, from, start, p, strict)) return true;
    prevAlpha = alpha;
  }
  return false;
}

bool hasContext(const std::vector<std::string>& words, std::string_view buf, std::size_t start,
                std::size_t window, bool strict) {
  return ContextWords(words).before(buf, start, window, strict);
}

std::optional<Verdict> validate(const DetectorDef& def, std::string_view buf, std::size_t s,
                                std::size_t e) {
  if (s >= e || e > buf.size()) return std::nullopt;
  switch (def.validator) {
    case Validator::kNone:
      return ok(s, e);
    case Validator::kEmail:
      return email(buf, s, e);
    case Validator::kPhone:
      return shrinking(buf, s, e, phoneOnce, 3);
    case Validator::kCreditCard:
      return shrinking(buf, s, e, cardOnce, 2);
    case Validator::kIban:
      return shrinking(buf, s, e, ibanOnce, 4);
    case Validator::kUsSsn:
      return ssn(buf, s, e);
    case Validator::kUkNino:
      return nino(buf, s, e);
    case Validator::kDate:
      return date(buf, s, e);
    case Validator::kIpv4:
      return ipv4(buf, s, e);
    case Validator::kIpv6:
      return ipv6(buf, s, e);
    case Validator::kPostalCode:
      return postal(buf, s, e);
    case Validator::kPrivateKey:
      return privateKey(buf, s, e);
    case Validator::kJwt:
      return jwt(buf, s, e);
    case Validator::kAwsAccessKey:
      return awsKey(buf, s, e);
    case Validator::kEntropy:
      return entropyValue(def, buf, s, e);
    case Validator::kUrlPassword:
      return urlPassword(buf, s, e);
    case Validator::kBasicAuth:
      return basicAuth(buf, s, e);
    case Validator::kToken:
      return token(def, buf, s, e);
    case Validator::kValue:
      return plainValue(def, buf, s, e);
    case Validator::kWordList:
      return ok(s, e);  // clustered by the scanner
  }
  return std::nullopt;
}

}  // namespace tollgate::classify::detail
