// SemVer 2.0 precedence (semver.org section 11), as npm's `semver` compares, made lenient enough
// for ecosystem data: an optional "v", one or more numeric core components (missing ones are 0,
// more than three are compared in order, leading zeros are allowed and compared numerically).
// Build metadata is validated and ignored. Go needs nothing more: pseudo-versions are
// prereleases whose identifiers sort by timestamp, and "+incompatible" is build metadata.
#include <string_view>

#include "common.h"

namespace tollgate::versions::detail {
namespace {

constexpr std::string_view kName = "semver";

struct SemverVersion {
  std::string_view core;        // "1.2.3": digit runs joined by '.'
  std::string_view prerelease;  // without the '-'; empty when absent
};

constexpr bool isIdentChar(char c) noexcept { return isAlnum(c) || c == '-'; }

// Dot-separated non-empty identifiers of [0-9A-Za-z-].
constexpr bool validIdentifiers(std::string_view s) noexcept {
  if (s.empty()) return false;
  bool fresh = true;  // at the start of an identifier
  for (const char c : s) {
    if (c == '.') {
      if (fresh) return false;
      fresh = true;
    } else if (isIdentChar(c)) {
      fresh = false;
    } else {
      return false;
    }
  }
  return !fresh;
}

Result<SemverVersion> parse(std::string_view text) {
  if (auto ok = checkCommon(kName, text); !ok) return std::unexpected(ok.error());
  std::string_view s = trimSpace(text);
  if (!s.empty() && (s.front() == 'v' || s.front() == 'V')) s.remove_prefix(1);
  SemverVersion v;
  std::size_t i = 0;
  bool fresh = true;
  for (; i < s.size() && s[i] != '-' && s[i] != '+'; ++i) {
    if (s[i] == '.') {
      if (fresh) return invalidVersion(kName, text, "empty numeric component");
      fresh = true;
    } else if (isDigit(s[i])) {
      fresh = false;
    } else {
      return invalidVersion(kName, text, "non-numeric character in the version core");
    }
  }
  if (fresh) return invalidVersion(kName, text, "missing numeric component");
  v.core = s.substr(0, i);
  s.remove_prefix(i);
  if (!s.empty() && s.front() == '-') {
    const std::size_t plus = s.find('+');
    v.prerelease = s.substr(1, plus == std::string_view::npos ? std::string_view::npos : plus - 1);
    if (!validIdentifiers(v.prerelease)) return invalidVersion(kName, text, "invalid prerelease");
    s.remove_prefix(1 + v.prerelease.size());
  }
  if (!s.empty()) {  // s.front() == '+'
    if (!validIdentifiers(s.substr(1)))
      return invalidVersion(kName, text, "invalid build metadata");
  }
  return v;
}

// Splits the next '.'-separated field off `s`.
constexpr std::string_view nextField(std::string_view& s) noexcept {
  const std::size_t dot = s.find('.');
  const std::string_view field = s.substr(0, dot);
  s.remove_prefix(dot == std::string_view::npos ? s.size() : dot + 1);
  return field;
}

constexpr bool allDigits(std::string_view s) noexcept {
  for (const char c : s)
    if (!isDigit(c)) return false;
  return !s.empty();
}

int compareCore(std::string_view a, std::string_view b) noexcept {
  while (!a.empty() || !b.empty()) {
    const std::string_view x = a.empty() ? std::string_view("0") : nextField(a);
    const std::string_view y = b.empty() ? std::string_view("0") : nextField(b);
    if (const int c = compareNumbers(x, y); c != 0) return c;
  }
  return 0;
}

int comparePrerelease(std::string_view a, std::string_view b) noexcept {
  if (a.empty() || b.empty()) return a.empty() == b.empty() ? 0 : (a.empty() ? 1 : -1);
  while (!a.empty() && !b.empty()) {
    const std::string_view x = nextField(a);
    const std::string_view y = nextField(b);
    const bool xn = allDigits(x);
    const bool yn = allDigits(y);
    int c = 0;
    if (xn && yn) {
      c = compareNumbers(x, y);
    } else if (xn != yn) {
      c = xn ? -1 : 1;  // numeric identifiers have lower precedence
    } else {
      c = compareBytes(x, y);
    }
    if (c != 0) return c;
  }
  return a.empty() == b.empty() ? 0 : (a.empty() ? -1 : 1);
}

}  // namespace

Status validateSemver(std::string_view v) {
  auto parsed = parse(v);
  if (!parsed) return std::unexpected(parsed.error());
  return {};
}

Result<int> compareSemver(std::string_view a, std::string_view b) {
  auto va = parse(a);
  if (!va) return std::unexpected(va.error());
  auto vb = parse(b);
  if (!vb) return std::unexpected(vb.error());
  if (const int c = compareCore(va->core, vb->core); c != 0) return c;
  return comparePrerelease(va->prerelease, vb->prerelease);
}

}  // namespace tollgate::versions::detail
