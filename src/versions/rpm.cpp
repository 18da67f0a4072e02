// RPM versions: [epoch:]version[-release], split as rpm's parseEVR() splits them (the epoch is a
// leading digit run ended by ':'; the release follows the last '-'), ordered as python-rpm's
// labelCompare(): the epochs (absent = "0"), then the versions, then the releases, each with
// rpmvercmp(), where a missing release sorts before any present one (rpmdev-vercmp and
// osv-scalibr agree). Any non-empty string is a version.
#include <string_view>

#include "common.h"

namespace tollgate::versions::detail {
namespace {

constexpr std::string_view kName = "RPM";

struct Evr {
  std::string_view epoch = "0";
  std::string_view version;
  bool hasRelease = false;
  std::string_view release;
};

Evr split(std::string_view s) {
  Evr evr;
  std::size_t i = 0;
  while (i < s.size() && isDigit(s[i])) ++i;
  const std::size_t dash = s.rfind('-');
  const bool releasePresent = dash != std::string_view::npos && dash >= i;
  const std::string_view upToRelease = releasePresent ? s.substr(0, dash) : s;
  if (i < upToRelease.size() && upToRelease[i] == ':') {
    if (i > 0) evr.epoch = upToRelease.substr(0, i);
    evr.version = upToRelease.substr(i + 1);
  } else {
    evr.version = upToRelease;
  }
  if (releasePresent) {
    evr.hasRelease = true;
    evr.release = s.substr(dash + 1);
  }
  return evr;
}

// rpmvercmp() from rpm 4.18 (lib/rpmvercmp.c), over byte strings.
int rpmvercmp(std::string_view a, std::string_view b) noexcept {
  if (a == b) return 0;
  std::size_t i = 0;
  std::size_t j = 0;
  const auto at = [](std::string_view s, std::size_t k) { return k < s.size() ? s[k] : '\0'; };
  while (i < a.size() || j < b.size()) {
    while (i < a.size() && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^') ++i;
    while (j < b.size() && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^') ++j;

    // '~' sorts before everything, even the end.
    if (at(a, i) == '~' || at(b, j) == '~') {
      if (at(a, i) != '~') return 1;
      if (at(b, j) != '~') return -1;
      ++i;
      ++j;
      continue;
    }
    // '^' sorts after the end but before everything else.
    if (at(a, i) == '^' || at(b, j) == '^') {
      if (i >= a.size()) return -1;
      if (j >= b.size()) return 1;
      if (a[i] != '^') return 1;
      if (b[j] != '^') return -1;
      ++i;
      ++j;
      continue;
    }
    if (i >= a.size() || j >= b.size()) break;

    std::size_t ie = i;
    std::size_t je = j;
    const bool isNum = isDigit(a[i]);
    if (isNum) {
      while (ie < a.size() && isDigit(a[ie])) ++ie;
      while (je < b.size() && isDigit(b[je])) ++je;
    } else {
      while (ie < a.size() && isAlpha(a[ie])) ++ie;
      while (je < b.size() && isAlpha(b[je])) ++je;
    }
    // A numeric segment is newer than an alphabetic one.
    if (je == j) return isNum ? 1 : -1;
    const std::string_view x = a.substr(i, ie - i);
    const std::string_view y = b.substr(j, je - j);
    const int c = isNum ? compareNumbers(x, y) : compareBytes(x, y);
    if (c != 0) return c;
    i = ie;
    j = je;
  }
  if (i >= a.size() && j >= b.size()) return 0;
  return i >= a.size() ? -1 : 1;
}

}  // namespace

Status validateRpm(std::string_view v) { return checkCommon(kName, v); }

Result<int> compareRpm(std::string_view a, std::string_view b) {
  if (auto ok = checkCommon(kName, a); !ok) return std::unexpected(ok.error());
  if (auto ok = checkCommon(kName, b); !ok) return std::unexpected(ok.error());
  const Evr x = split(a);
  const Evr y = split(b);
  if (const int c = rpmvercmp(x.epoch, y.epoch); c != 0) return c;
  if (const int c = rpmvercmp(x.version, y.version); c != 0) return c;
  if (x.hasRelease != y.hasRelease) return x.hasRelease ? 1 : -1;
  return rpmvercmp(x.release, y.release);
}

}  // namespace tollgate::versions::detail
