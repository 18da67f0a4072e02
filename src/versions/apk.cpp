// Alpine versions, ordered by apk-tools' version comparison (src/version.c of apk-tools 2.x, the
// `apk version -t` of the Alpine release that generated osv-scalibr's alpine vectors). A version
// is read as a stream of Gentoo-style tokens, number{.number}...{letter}{_suffix{number}}...{-r#},
// where a number after a '.' that starts with zeros yields minus the count of its zeros and then
// the rest; the streams compare token by token while the token types agree. Numbers compare at
// any length here (apk-tools reads them into an int). Any non-empty string is accepted, as
// `apk version -t` accepts it: an invalid tail ends the comparison.
#include <cstdint>
#include <string_view>

#include "common.h"

namespace tollgate::versions::detail {
namespace {

enum Token : int {
  kInvalid = -1,
  kDigitOrZero,
  kDigit,
  kLetter,
  kSuffix,
  kSuffixNumber,
  kRevisionNumber,
  kEnd,
};

// A token value: a number of any length, or a small signed integer (letters, suffix weights,
// minus the count of leading zeros).
struct Value {
  bool isNumber = false;
  std::string_view digits;  // without leading zeros
  std::int64_t small = 0;
};

int compareValues(const Value& a, const Value& b) {
  if (a.isNumber && b.isNumber) return compareNumbers(a.digits, b.digits);
  if (!a.isNumber && !b.isNumber) return a.small == b.small ? 0 : (a.small < b.small ? -1 : 1);
  const Value& num = a.isNumber ? a : b;
  const Value& sm = a.isNumber ? b : a;
  int c = 0;  // sign of num <=> sm
  if (sm.small < 0 || num.digits.size() > 18) {
    c = 1;
  } else {
    std::int64_t n = 0;
    for (const char d : num.digits) n = n * 10 + (d - '0');
    c = n == sm.small ? 0 : (n < sm.small ? -1 : 1);
  }
  return a.isNumber ? c : -c;
}

constexpr bool isLowerAscii(char c) noexcept { return c >= 'a' && c <= 'z'; }

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view s) : s_(s) {}

  // get_token(): reads the value of a token of type `type_` and moves to the next type.
  Value get() {
    Value v;
    if (i_ >= s_.size()) {
      type_ = kEnd;
      return v;
    }
    std::size_t n = 0;  // characters consumed
    bool leadingZeros = false;
    switch (type_) {
      case kDigitOrZero:
        if (s_[i_] == '0') {
          while (i_ + n < s_.size() && s_[i_ + n] == '0') ++n;
          v.small = -static_cast<std::int64_t>(n);
          leadingZeros = true;
          break;
        }
        [[fallthrough]];
      case kDigit:
      case kSuffixNumber:
      case kRevisionNumber: {
        while (i_ + n < s_.size() && isDigit(s_[i_ + n])) ++n;
        std::string_view d = s_.substr(i_, n);
        while (!d.empty() && d.front() == '0') d.remove_prefix(1);
        v.isNumber = true;
        v.digits = d;
        break;
      }
      case kLetter:
        v.small = static_cast<unsigned char>(s_[i_]);
        n = 1;
        break;
      case kSuffix: {
        static constexpr std::string_view kPre[] = {"alpha", "beta", "pre", "rc"};
        static constexpr std::string_view kPost[] = {"cvs", "svn", "git", "hg", "p"};
        const std::string_view rest = s_.substr(i_);
        bool found = false;
        for (std::size_t k = 0; k < std::size(kPre) && !found; ++k) {
          if (rest.starts_with(kPre[k])) {
            v.small = static_cast<std::int64_t>(k) - static_cast<std::int64_t>(std::size(kPre));
            n = kPre[k].size();
            found = true;
          }
        }
        for (std::size_t k = 0; k < std::size(kPost) && !found; ++k) {
          if (rest.starts_with(kPost[k])) {
            v.small = static_cast<std::int64_t>(k);
            n = kPost[k].size();
            found = true;
          }
        }
        if (found) break;
        type_ = kInvalid;
        v.small = -1;
        return v;
      }
      default:
        type_ = kInvalid;
        v.small = -1;
        return v;
    }
    i_ += n;
    if (i_ >= s_.size()) {
      type_ = kEnd;
    } else if (leadingZeros) {
      type_ = kDigit;
    } else {
      nextType();
    }
    return v;
  }

  [[nodiscard]] Token type() const { return type_; }

 private:
  // next_token(): the type of the token at the cursor, consuming its separator.
  void nextType() {
    Token n = kInvalid;
    if (i_ >= s_.size()) {
      n = kEnd;
    } else if ((type_ == kDigit || type_ == kDigitOrZero) && isLowerAscii(s_[i_])) {
      n = kLetter;
    } else if (type_ == kLetter && isDigit(s_[i_])) {
      n = kDigit;
    } else if (type_ == kSuffix && isDigit(s_[i_])) {
      n = kSuffixNumber;
    } else {
      switch (s_[i_]) {
        case '.':
          n = kDigitOrZero;
          break;
        case '_':
          n = kSuffix;
          break;
        case '-':
          if (i_ + 1 < s_.size() && s_[i_ + 1] == 'r') {
            n = kRevisionNumber;
            ++i_;
          }
          break;
        default:
          break;
      }
      ++i_;
    }
    if (n < type_) {
      if (!((n == kDigitOrZero && type_ == kDigit) || (n == kSuffix && type_ == kSuffixNumber) ||
            (n == kDigit && type_ == kLetter)))
        n = kInvalid;
    }
    type_ = n;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  Token type_ = kDigit;
};

int compareApkStrings(std::string_view a, std::string_view b) {
  Tokenizer ta(a);
  Tokenizer tb(b);
  Value av;
  Value bv;
  while (ta.type() == tb.type() && ta.type() != kEnd && ta.type() != kInvalid &&
         compareValues(av, bv) == 0) {
    av = ta.get();
    bv = tb.get();
  }
  if (const int c = compareValues(av, bv); c != 0) return c;
  if (ta.type() == tb.type()) return 0;
  // Equal so far: the longer version is greater, unless what follows is a pre-release suffix.
  if (ta.type() == kSuffix) {
    Tokenizer probe = ta;
    const Value s = probe.get();
    if (!s.isNumber && s.small < 0) return -1;
  }
  if (tb.type() == kSuffix) {
    Tokenizer probe = tb;
    const Value s = probe.get();
    if (!s.isNumber && s.small < 0) return 1;
  }
  if (ta.type() > tb.type()) return -1;
  if (tb.type() > ta.type()) return 1;
  return 0;
}

}  // namespace

Status validateApk(std::string_view v) { return checkCommon("Alpine", v); }

Result<int> compareApk(std::string_view a, std::string_view b) {
  if (auto ok = checkCommon("Alpine", a); !ok) return std::unexpected(ok.error());
  if (auto ok = checkCommon("Alpine", b); !ok) return std::unexpected(ok.error());
  return compareApkStrings(a, b);
}

}  // namespace tollgate::versions::detail
