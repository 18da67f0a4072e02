// The fallback order for ecosystems without a scheme here: an optional "v" before a digit is
// ignored; runs of digits and runs of ASCII letters are the tokens, anything else separates them.
// A zero followed only by zeros up to a letter run or the end is dropped ("1.0" = "1",
// "1.0-rc1" = "1-rc1"). Tokens compare in order: numbers numerically, letter runs
// case-insensitively, a letter run below the end of a version below a number, so that
// "1.0-beta" < "1.0" < "1.0.1" and "1.0rc1" < "1.0". It is a total order, not any ecosystem's.
#include <string_view>

#include "common.h"

namespace tollgate::versions::detail {
namespace {

struct Token {
  enum Rank : unsigned char { kLetters = 0, kEnd = 1, kNumber = 2 };
  Rank rank = kEnd;
  std::string_view text;
};

class Tokens {
 public:
  explicit Tokens(std::string_view s) : s_(s) {
    if (s_.size() > 1 && (s_[0] == 'v' || s_[0] == 'V') && isDigit(s_[1])) pos_ = 1;
  }

  Token next() {
    for (;;) {
      const Token t = raw(pos_);
      if (t.rank == Token::kNumber && isZero(t.text) && droppable()) continue;
      return t;
    }
  }

 private:
  static bool isZero(std::string_view digits) {
    for (const char c : digits)
      if (c != '0') return false;
    return true;
  }

  Token raw(std::size_t& pos) const {
    while (pos < s_.size() && !isAlnum(s_[pos])) ++pos;
    if (pos >= s_.size()) return {};
    const std::size_t start = pos;
    const bool digits = isDigit(s_[pos]);
    while (pos < s_.size() && (digits ? isDigit(s_[pos]) : isAlpha(s_[pos]))) ++pos;
    return {digits ? Token::kNumber : Token::kLetters, s_.substr(start, pos - start)};
  }

  // After a zero (pos_ is past it): only zeros up to a letter run or the end?
  bool droppable() const {
    std::size_t probe = pos_;
    for (;;) {
      const Token t = raw(probe);
      if (t.rank != Token::kNumber) return true;
      if (!isZero(t.text)) return false;
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

int compareLetters(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i) {
    const char x = toLower(a[i]);
    const char y = toLower(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

}  // namespace

Status validateGeneric(std::string_view v) { return checkCommon("generic", v); }

Result<int> compareGeneric(std::string_view a, std::string_view b) {
  if (auto ok = checkCommon("generic", a); !ok) return std::unexpected(ok.error());
  if (auto ok = checkCommon("generic", b); !ok) return std::unexpected(ok.error());
  Tokens ta(trimSpace(a));
  Tokens tb(trimSpace(b));
  for (;;) {
    const Token x = ta.next();
    const Token y = tb.next();
    if (x.rank != y.rank) return x.rank < y.rank ? -1 : 1;
    if (x.rank == Token::kEnd) return 0;
    const int c =
        x.rank == Token::kNumber ? compareNumbers(x.text, y.text) : compareLetters(x.text, y.text);
    if (c != 0) return c;
  }
}

}  // namespace tollgate::versions::detail
