// Maven versions, ordered as Maven 3.8's org.apache.maven.artifact.versioning.ComparableVersion
// (the maven-artifact jar Debian ships as libmaven3-core-java).
//
// ComparableVersion parses a version into nested lists: '.' separates items, '-' and every
// switch between digits and letters open a sub-list (a letter run directly after a list's items
// opens one too), and each list then drops its trailing "null" items (0, "", "ga", "final",
// "release"), innermost first. A sub-list is always the last element of its parent, so the tree
// is a chain and is kept here as one flat sequence: the items of a list, a marker, the items of
// its sub-list, and so on. Two chains compare position by position, which is exactly
// ListItem.compareTo's walk (a list's comparison with a missing item is the first non-zero
// comparison of its items, at any depth, with "null").
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common.h"

namespace tollgate::versions::detail {
namespace {

enum class Type : std::uint8_t { kNumber, kString, kList };

// Qualifier order: alpha < beta < milestone < rc < snapshot < "" (release) < sp < anything else
// (compared as text).
enum Qualifier : std::uint8_t {
  kAlpha,
  kBeta,
  kMilestone,
  kRc,
  kSnapshot,
  kRelease,
  kSp,
  kOther,
};

struct Item {
  Type type = Type::kNumber;
  // kNumber: 0 int (<= 9 digits), 1 long (<= 18), 2 BigInteger, by ComparableVersion's rule
  // (digits without leading zeros, except that an all-zero run keeps its length).
  std::uint8_t width = 0;
  Qualifier qualifier = kRelease;  // kString
  std::uint32_t level = 0;         // list depth while parsing
  bool dropped = false;            // removed by normalize()
  std::string_view text;           // kNumber: digits without leading zeros; kString kOther: text
};

// A vector with inline room for typical versions, so that comparing does not allocate.
class Items {
 public:
  void push(const Item& item) {
    if (size_ < inline_.size()) {
      inline_[size_] = item;
    } else {
      if (heap_.empty()) heap_.assign(inline_.begin(), inline_.end());
      heap_.push_back(item);
    }
    ++size_;
  }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] const Item& operator[](std::size_t i) const {
    return heap_.empty() ? inline_[i] : heap_[i];
  }
  Item& at(std::size_t i) { return heap_.empty() ? inline_[i] : heap_[i]; }

 private:
  std::array<Item, 24> inline_{};
  std::vector<Item> heap_;
  std::size_t size_ = 0;
};

bool equalsLower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (toLower(s[i]) != lower[i]) return false;
  return true;
}

Item numberItem(std::string_view digits) {
  std::size_t z = 0;
  while (z < digits.size() && digits[z] == '0') ++z;
  const std::size_t width = z == digits.size() ? digits.size() : digits.size() - z;
  Item item;
  item.type = Type::kNumber;
  item.width = width <= 9 ? 0 : (width <= 18 ? 1 : 2);
  item.text = digits.substr(z);
  return item;
}

Item stringItem(std::string_view s, bool followedByDigit) {
  Item item;
  item.type = Type::kString;
  item.text = s;
  if (followedByDigit && s.size() == 1) {
    switch (toLower(s[0])) {
      case 'a':
        item.qualifier = kAlpha;
        return item;
      case 'b':
        item.qualifier = kBeta;
        return item;
      case 'm':
        item.qualifier = kMilestone;
        return item;
      default:
        break;
    }
  }
  struct Known {
    std::string_view text;
    Qualifier qualifier;
  };
  static constexpr Known kKnown[] = {
      {"alpha", kAlpha}, {"beta", kBeta},     {"milestone", kMilestone},
      {"rc", kRc},       {"cr", kRc},         {"snapshot", kSnapshot},
      {"ga", kRelease},  {"final", kRelease}, {"release", kRelease},
      {"sp", kSp}};
  for (const auto& k : kKnown) {
    if (equalsLower(s, k.text)) {
      item.qualifier = k.qualifier;
      return item;
    }
  }
  item.qualifier = kOther;
  return item;
}

Item parseItem(bool isDigit, std::string_view s) {
  return isDigit ? numberItem(s) : stringItem(s, false);
}

Item listMarker() {
  Item item;
  item.type = Type::kList;
  return item;
}

bool isNull(const Item& item) {
  return item.type == Type::kNumber ? item.text.empty() : item.qualifier == kRelease;
}

// Fills `out` with the normalised chain (see the file comment).
void parse(std::string_view s, Items& out) {
  Items raw;
  std::uint32_t level = 0;
  bool levelEmpty = true;
  const auto add = [&](Item item) {
    item.level = level;
    raw.push(item);
    levelEmpty = false;
  };
  const auto open = [&] {
    ++level;
    levelEmpty = true;
  };
  bool isDigitRun = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.' || c == '-') {
      add(i == start ? numberItem("0") : parseItem(isDigitRun, s.substr(start, i - start)));
      start = i + 1;
      if (c == '-') open();
    } else if (isDigit(c)) {
      if (!isDigitRun && i > start) {
        if (!levelEmpty) open();
        add(stringItem(s.substr(start, i - start), true));
        start = i;
        open();
      }
      isDigitRun = true;
    } else {
      if (isDigitRun && i > start) {
        add(parseItem(true, s.substr(start, i - start)));
        start = i;
        open();
      }
      isDigitRun = false;
    }
  }
  if (s.size() > start) {
    if (!isDigitRun && !levelEmpty) open();
    add(parseItem(isDigitRun, s.substr(start)));
  }

  // normalize(): in every list, drop the trailing null items (a sub-list is skipped over, an
  // empty one dropped). Walking backwards, "trailing" restarts at each list's last item.
  bool trailing = true;
  std::uint32_t current = raw.size() > 0 ? raw[raw.size() - 1].level : 0;
  for (std::size_t k = raw.size(); k-- > 0;) {
    if (raw[k].level != current) {
      current = raw[k].level;
      trailing = true;
    }
    const bool drop = trailing && isNull(raw[k]);
    if (!drop) trailing = false;
    raw.at(k).dropped = drop;
  }
  std::uint32_t emitted = 0;
  for (std::size_t k = 0; k < raw.size(); ++k) {
    if (raw[k].dropped) continue;
    for (; emitted < raw[k].level; ++emitted) out.push(listMarker());
    out.push(raw[k]);
  }
}

int compareQualifiers(const Item& a, const Item& b) {
  if (a.qualifier != b.qualifier) return a.qualifier < b.qualifier ? -1 : 1;
  if (a.qualifier != kOther) return 0;
  const std::size_t n = a.text.size() < b.text.size() ? a.text.size() : b.text.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(toLower(a.text[i]));
    const auto y = static_cast<unsigned char>(toLower(b.text[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  return a.text.size() == b.text.size() ? 0 : (a.text.size() < b.text.size() ? -1 : 1);
}

// Item.compareTo(null).
int compareToNull(const Item& item) {
  switch (item.type) {
    case Type::kNumber:
      return item.text.empty() ? 0 : 1;
    case Type::kString:
      return item.qualifier == kRelease ? 0 : (item.qualifier < kRelease ? -1 : 1);
    case Type::kList:
      return 0;  // its items follow in the chain and are compared with null in turn
  }
  return 0;
}

int compareItems(const Item& a, const Item& b) {
  switch (a.type) {
    case Type::kNumber:
      if (b.type != Type::kNumber) return 1;  // 1.1 > 1-sp, 1.1 > 1-1
      if (a.width != b.width) return a.width < b.width ? -1 : 1;
      return compareNumbers(a.text, b.text);
    case Type::kString:
      if (b.type != Type::kString) return -1;  // 1.any < 1.1, 1.any < 1-1
      return compareQualifiers(a, b);
    case Type::kList:
      if (b.type == Type::kNumber) return -1;  // 1-1 < 1.0.x
      if (b.type == Type::kString) return 1;   // 1-1 > 1-sp
      return 0;                                // both descend into their sub-lists
  }
  return 0;
}

int compareChains(const Items& a, const Items& b) {
  std::size_t i = 0;
  for (; i < a.size() && i < b.size(); ++i)
    if (const int c = compareItems(a[i], b[i]); c != 0) return c;
  for (std::size_t k = i; k < a.size(); ++k)
    if (const int c = compareToNull(a[k]); c != 0) return c;
  for (std::size_t k = i; k < b.size(); ++k)
    if (const int c = compareToNull(b[k]); c != 0) return -c;
  return 0;
}

}  // namespace

Status validateMaven(std::string_view v) { return checkCommon("Maven", v); }

Result<int> compareMaven(std::string_view a, std::string_view b) {
  if (auto ok = checkCommon("Maven", a); !ok) return std::unexpected(ok.error());
  if (auto ok = checkCommon("Maven", b); !ok) return std::unexpected(ok.error());
  Items ia;
  Items ib;
  parse(a, ia);
  parse(b, ib);
  return compareChains(ia, ib);
}

}  // namespace tollgate::versions::detail
