// RubyGems versions, ordered as Gem::Version#<=> (RubyGems 3.3): the string, stripped, with each
// '-' read as ".pre.", is split into runs of digits and runs of letters; trailing zeros are dropped
// from the leading numeric part and from the rest ("canonical segments"); segments then compare
// in order, a missing one counting as 0, numbers numerically, letters as bytes (case matters),
// and a letter segment below a number.
#include <string_view>

#include "common.h"

namespace tollgate::versions::detail {
namespace {

constexpr std::string_view kName = "RubyGems";

// Gem::Version::ANCHORED_VERSION_PATTERN without its whitespace:
//   [0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?
bool matchesPattern(std::string_view s) {
  std::size_t i = 0;
  const auto run = [&](bool hyphens) {
    const std::size_t start = i;
    while (i < s.size() && (isAlnum(s[i]) || (hyphens && s[i] == '-'))) ++i;
    return i > start;
  };
  if (i >= s.size() || !isDigit(s[i])) return false;
  while (i < s.size() && isDigit(s[i])) ++i;
  while (i < s.size() && s[i] == '.') {
    ++i;
    if (!run(false)) return false;
  }
  if (i < s.size() && s[i] == '-') {
    ++i;
    if (!run(true)) return false;
    while (i < s.size() && s[i] == '.') {
      ++i;
      if (!run(true)) return false;
    }
  }
  return i == s.size();
}

struct Segment {
  enum Kind : unsigned char { kEnd, kNumber, kString };
  Kind kind = kEnd;
  std::string_view text;  // kNumber: digits; kString: letters
};

// Yields the canonical segments of a valid version, without allocating.
class Segments {
 public:
  explicit Segments(std::string_view s) : s_(s) {}

  Segment next() {
    for (;;) {
      const Segment seg = raw(pos_);
      // A zero followed only by zeros up to the end of its part is dropped.
      if (seg.kind == Segment::kNumber && isZero(seg.text) && onlyZerosFollow()) continue;
      if (seg.kind == Segment::kString) inStrings_ = true;
      return seg;
    }
  }

 private:
  static bool isZero(std::string_view digits) {
    for (const char c : digits)
      if (c != '0') return false;
    return true;
  }

  // The raw segment at `pos` (advanced past it). '-' reads as the segment "pre".
  Segment raw(std::size_t& pos) const {
    while (pos < s_.size() && !isAlnum(s_[pos]) && s_[pos] != '-') ++pos;
    if (pos >= s_.size()) return {};
    const std::size_t start = pos;
    if (s_[pos] == '-') {
      ++pos;
      return {Segment::kString, "pre"};
    }
    if (isDigit(s_[pos])) {
      while (pos < s_.size() && isDigit(s_[pos])) ++pos;
      return {Segment::kNumber, s_.substr(start, pos - start)};
    }
    while (pos < s_.size() && isAlpha(s_[pos])) ++pos;
    return {Segment::kString, s_.substr(start, pos - start)};
  }

  // After a zero just read (pos_ is past it): are there only zeros until the end of its part (the
  // first letter segment for the leading numeric part, the end of the string for the rest)?
  bool onlyZerosFollow() const {
    std::size_t probe = pos_;
    for (;;) {
      const Segment seg = raw(probe);
      if (seg.kind == Segment::kEnd) return true;
      if (seg.kind == Segment::kString) return !inStrings_;
      if (!isZero(seg.text)) return false;
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  bool inStrings_ = false;
};

Result<std::string_view> parse(std::string_view text) {
  if (auto ok = checkCommon(kName, text); !ok) return std::unexpected(ok.error());
  const std::string_view s = trimSpace(text);
  if (s.empty()) return invalidVersion(kName, text, "blank");
  if (!matchesPattern(s)) return invalidVersion(kName, text, "malformed version number string");
  return s;
}

}  // namespace

Status validateRubyGems(std::string_view v) {
  auto parsed = parse(v);
  if (!parsed) return std::unexpected(parsed.error());
  return {};
}

Result<int> compareRubyGems(std::string_view a, std::string_view b) {
  auto va = parse(a);
  if (!va) return std::unexpected(va.error());
  auto vb = parse(b);
  if (!vb) return std::unexpected(vb.error());
  Segments sa(*va);
  Segments sb(*vb);
  for (;;) {
    Segment x = sa.next();
    Segment y = sb.next();
    if (x.kind == Segment::kEnd && y.kind == Segment::kEnd) return 0;
    if (x.kind == Segment::kEnd) x = {Segment::kNumber, "0"};
    if (y.kind == Segment::kEnd) y = {Segment::kNumber, "0"};
    if (x.kind != y.kind) return x.kind == Segment::kString ? -1 : 1;
    const int c =
        x.kind == Segment::kNumber ? compareNumbers(x.text, y.text) : compareBytes(x.text, y.text);
    if (c != 0) return c;
  }
}

}  // namespace tollgate::versions::detail
