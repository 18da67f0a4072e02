// PEP 440 versions, parsed as `packaging.version.VERSION_PATTERN` matches them (case-insensitive,
// surrounding whitespace and a leading "v" allowed) and ordered by packaging's _cmpkey:
// epoch, release without trailing zeros, pre-release (a < b < rc; a bare dev release sorts before
// every pre-release of its release), post-release, dev release, local version (absent first;
// segments: numbers above strings, strings compared lower-cased).
#include <string_view>

#include "common.h"

namespace tollgate::versions::detail {
namespace {

constexpr std::string_view kName = "PEP 440";

struct Pep440Version {
  std::string_view epoch;    // digits; empty = 0
  std::string_view release;  // digit runs joined by '.'
  int pre = -1;              // -1 none, 0 a, 1 b, 2 rc
  std::string_view preNumber;
  bool post = false;
  std::string_view postNumber;
  bool dev = false;
  std::string_view devNumber;
  bool local = false;
  std::string_view localText;  // segments separated by '-', '_' or '.'
};

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  [[nodiscard]] bool done() const { return i_ >= s_.size(); }
  [[nodiscard]] char peek(std::size_t ahead = 0) const {
    return i_ + ahead < s_.size() ? s_[i_ + ahead] : '\0';
  }
  [[nodiscard]] std::size_t pos() const { return i_; }
  void seek(std::size_t i) { i_ = i; }
  void skip(std::size_t n = 1) { i_ += n; }
  bool separator() {
    const char c = peek();
    if (c == '-' || c == '_' || c == '.') {
      ++i_;
      return true;
    }
    return false;
  }
  std::string_view digits() {
    const std::size_t start = i_;
    while (isDigit(peek())) ++i_;
    return s_.substr(start, i_ - start);
  }
  // Matches `word` case-insensitively at the cursor (and consumes it).
  bool word(std::string_view w) {
    if (s_.size() - i_ < w.size()) return false;
    for (std::size_t k = 0; k < w.size(); ++k)
      if (toLower(s_[i_ + k]) != w[k]) return false;
    i_ += w.size();
    return true;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// The pre-release spellings, longest first where one is a prefix of another, with their kind.
struct Spelling {
  std::string_view text;
  int kind;
};
constexpr Spelling kPre[] = {{"alpha", 0},   {"a", 0},   {"beta", 1}, {"b", 1},
                             {"preview", 2}, {"pre", 2}, {"rc", 2},   {"c", 2}};
constexpr std::string_view kPost[] = {"post", "rev", "r"};

Result<Pep440Version> parse(std::string_view text) {
  if (auto ok = checkCommon(kName, text); !ok) return std::unexpected(ok.error());
  const std::string_view s = trimSpace(text);
  Cursor c(s);
  Pep440Version v;
  if (c.peek() == 'v' || c.peek() == 'V') c.skip();
  {
    const std::size_t start = c.pos();
    const std::string_view n = c.digits();
    if (!n.empty() && c.peek() == '!') {
      v.epoch = n;
      c.skip();
    } else {
      c.seek(start);
    }
  }
  {
    const std::size_t start = c.pos();
    if (c.digits().empty()) return invalidVersion(kName, text, "no release number");
    while (c.peek() == '.' && isDigit(c.peek(1))) {
      c.skip();
      c.digits();
    }
    v.release = s.substr(start, c.pos() - start);
  }
  {  // pre-release: [-_.]? (alpha|a|beta|b|preview|pre|c|rc) [-_.]? [0-9]*
    const std::size_t start = c.pos();
    c.separator();
    bool matched = false;
    for (const auto& sp : kPre) {
      if (c.word(sp.text)) {
        v.pre = sp.kind;
        matched = true;
        break;
      }
    }
    if (matched) {
      const std::size_t afterWord = c.pos();
      c.separator();
      v.preNumber = c.digits();
      if (v.preNumber.empty()) c.seek(afterWord);
    } else {
      c.seek(start);
    }
  }
  {  // post-release: -[0-9]+ | [-_.]? (post|rev|r) [-_.]? [0-9]*
    const std::size_t start = c.pos();
    if (c.peek() == '-' && isDigit(c.peek(1))) {
      c.skip();
      v.post = true;
      v.postNumber = c.digits();
    } else {
      c.separator();
      for (const auto w : kPost) {
        if (c.word(w)) {
          v.post = true;
          break;
        }
      }
      if (v.post) {
        const std::size_t afterWord = c.pos();
        c.separator();
        v.postNumber = c.digits();
        if (v.postNumber.empty()) c.seek(afterWord);
      } else {
        c.seek(start);
      }
    }
  }
  {  // dev release: [-_.]? dev [-_.]? [0-9]*
    const std::size_t start = c.pos();
    c.separator();
    if (c.word("dev")) {
      v.dev = true;
      const std::size_t afterWord = c.pos();
      c.separator();
      v.devNumber = c.digits();
      if (v.devNumber.empty()) c.seek(afterWord);
    } else {
      c.seek(start);
    }
  }
  if (c.peek() == '+') {  // local: [a-z0-9]+ ([-_.][a-z0-9]+)*
    c.skip();
    const std::size_t start = c.pos();
    bool fresh = true;
    while (!c.done()) {
      const char ch = c.peek();
      if (isAlnum(ch)) {
        fresh = false;
      } else if (ch == '-' || ch == '_' || ch == '.') {
        if (fresh) return invalidVersion(kName, text, "empty local version segment");
        fresh = true;
      } else {
        break;
      }
      c.skip();
    }
    if (fresh) return invalidVersion(kName, text, "empty local version segment");
    v.local = true;
    v.localText = s.substr(start, c.pos() - start);
  }
  if (!c.done()) return invalidVersion(kName, text, "unexpected text");
  return v;
}

constexpr std::string_view nextField(std::string_view& s, bool anySeparator) noexcept {
  std::size_t i = 0;
  while (i < s.size() && s[i] != '.' && !(anySeparator && (s[i] == '-' || s[i] == '_'))) ++i;
  const std::string_view field = s.substr(0, i);
  s.remove_prefix(i < s.size() ? i + 1 : i);
  return field;
}

constexpr bool allDigits(std::string_view s) noexcept {
  for (const char c : s)
    if (!isDigit(c)) return false;
  return true;
}

int compareInsensitive(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(toLower(a[i]));
    const auto y = static_cast<unsigned char>(toLower(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

int compareRelease(std::string_view a, std::string_view b) noexcept {
  while (!a.empty() || !b.empty()) {
    const std::string_view x = a.empty() ? std::string_view("0") : nextField(a, false);
    const std::string_view y = b.empty() ? std::string_view("0") : nextField(b, false);
    if (const int c = compareNumbers(x, y); c != 0) return c;
  }
  return 0;
}

int compareLocal(std::string_view a, std::string_view b) noexcept {
  while (!a.empty() && !b.empty()) {
    const std::string_view x = nextField(a, true);
    const std::string_view y = nextField(b, true);
    const bool xn = allDigits(x);
    const bool yn = allDigits(y);
    int c = 0;
    if (xn && yn) {
      c = compareNumbers(x, y);
    } else if (xn != yn) {
      c = xn ? 1 : -1;  // (int, "") > (-Infinity, str)
    } else {
      c = compareInsensitive(x, y);
    }
    if (c != 0) return c;
  }
  return a.empty() == b.empty() ? 0 : (a.empty() ? -1 : 1);
}

// 0 = -Infinity, 1 = a pre-release (kind, number), 2 = +Infinity.
constexpr int preRank(const Pep440Version& v) noexcept {
  if (v.pre < 0) return (!v.post && v.dev) ? 0 : 2;
  return 1;
}

int compareParsed(const Pep440Version& a, const Pep440Version& b) noexcept {
  if (const int c = compareNumbers(a.epoch, b.epoch); c != 0) return c;
  if (const int c = compareRelease(a.release, b.release); c != 0) return c;
  const int ra = preRank(a);
  const int rb = preRank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra == 1) {
    if (a.pre != b.pre) return a.pre < b.pre ? -1 : 1;
    if (const int c = compareNumbers(a.preNumber, b.preNumber); c != 0) return c;
  }
  if (a.post != b.post) return a.post ? 1 : -1;
  if (a.post) {
    if (const int c = compareNumbers(a.postNumber, b.postNumber); c != 0) return c;
  }
  if (a.dev != b.dev) return a.dev ? -1 : 1;
  if (a.dev) {
    if (const int c = compareNumbers(a.devNumber, b.devNumber); c != 0) return c;
  }
  if (a.local != b.local) return a.local ? 1 : -1;
  return a.local ? compareLocal(a.localText, b.localText) : 0;
}

}  // namespace

Status validatePep440(std::string_view v) {
  auto parsed = parse(v);
  if (!parsed) return std::unexpected(parsed.error());
  return {};
}

Result<int> comparePep440(std::string_view a, std::string_view b) {
  auto va = parse(a);
  if (!va) return std::unexpected(va.error());
  auto vb = parse(b);
  if (!vb) return std::unexpected(vb.error());
  return compareParsed(*va, *vb);
}

}  // namespace tollgate::versions::detail
