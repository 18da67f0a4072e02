// Debian versions: [epoch:]upstream[-revision], ordered by dpkg's verrevcmp (deb-version(7)).
#include <climits>
#include <cstdint>
#include <string_view>

#include "common.h"

namespace tollgate::versions::detail {
namespace {

constexpr std::string_view kName = "Debian";

struct DpkgVersion {
  std::int64_t epoch = 0;
  std::string_view upstream;
  std::string_view revision;
};

constexpr bool isBlank(char c) noexcept { return c == ' ' || c == '\t'; }

// dpkg's parseversion(): what it reports as an error is invalid here; what it only warns about
// (a non-digit first character, characters outside the allowed set) is compared as dpkg does.
Result<DpkgVersion> parse(std::string_view text) {
  if (auto ok = checkCommon(kName, text); !ok) return std::unexpected(ok.error());
  std::string_view s = text;
  while (!s.empty() && isBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && isBlank(s.back())) s.remove_suffix(1);
  if (s.empty()) return invalidVersion(kName, text, "version string is empty");
  for (const char c : s)
    if (isBlank(c)) return invalidVersion(kName, text, "version string has embedded spaces");

  DpkgVersion v;
  if (const std::size_t colon = s.find(':'); colon != std::string_view::npos) {
    // strtol() semantics: an optional sign, then digits that must reach the colon.
    std::string_view e = s.substr(0, colon);
    bool negative = false;
    if (!e.empty() && (e.front() == '+' || e.front() == '-')) {
      negative = e.front() == '-';
      e.remove_prefix(1);
    }
    std::size_t digits = 0;
    while (digits < e.size() && isDigit(e[digits])) ++digits;
    if (digits == 0) return invalidVersion(kName, text, "epoch in version is empty");
    if (digits != e.size()) return invalidVersion(kName, text, "epoch in version is not number");
    std::int64_t epoch = 0;
    for (const char c : e) {
      epoch = epoch * 10 + (c - '0');
      if (epoch > INT_MAX) return invalidVersion(kName, text, "epoch in version is too big");
    }
    if (negative && epoch != 0) return invalidVersion(kName, text, "epoch in version is negative");
    v.epoch = epoch;
    s.remove_prefix(colon + 1);
    if (s.empty()) return invalidVersion(kName, text, "nothing after colon in version number");
  }
  if (const std::size_t hyphen = s.rfind('-'); hyphen != std::string_view::npos) {
    v.revision = s.substr(hyphen + 1);
    s = s.substr(0, hyphen);
    if (v.revision.empty()) return invalidVersion(kName, text, "revision number is empty");
  }
  if (s.empty()) return invalidVersion(kName, text, "version number is empty");
  v.upstream = s;
  return v;
}

// dpkg's order(): '~' before the end of a part, the end before letters, letters before the rest.
// Bytes >= 0x80 get their unsigned value, as dpkg's `c + 256` on a signed char yields.
constexpr int order(std::string_view s, std::size_t i) noexcept {
  if (i >= s.size()) return 0;
  const char c = s[i];
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c == '~') return -1;
  const int u = static_cast<unsigned char>(c);
  return u >= 0x80 ? u : u + 256;
}

int verrevcmp(std::string_view a, std::string_view b) noexcept {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() || j < b.size()) {
    int firstDiff = 0;
    while ((i < a.size() && !isDigit(a[i])) || (j < b.size() && !isDigit(b[j]))) {
      const int ac = order(a, i);
      const int bc = order(b, j);
      if (ac != bc) return sign(ac - bc);
      ++i;
      ++j;
    }
    while (i < a.size() && a[i] == '0') ++i;
    while (j < b.size() && b[j] == '0') ++j;
    while (i < a.size() && j < b.size() && isDigit(a[i]) && isDigit(b[j])) {
      if (firstDiff == 0) firstDiff = a[i] - b[j];
      ++i;
      ++j;
    }
    if (i < a.size() && isDigit(a[i])) return 1;
    if (j < b.size() && isDigit(b[j])) return -1;
    if (firstDiff != 0) return sign(firstDiff);
  }
  return 0;
}

}  // namespace

Status validateDpkg(std::string_view v) {
  auto parsed = parse(v);
  if (!parsed) return std::unexpected(parsed.error());
  return {};
}

Result<int> compareDpkg(std::string_view a, std::string_view b) {
  auto va = parse(a);
  if (!va) return std::unexpected(va.error());
  auto vb = parse(b);
  if (!vb) return std::unexpected(vb.error());
  if (va->epoch != vb->epoch) return va->epoch < vb->epoch ? -1 : 1;
  if (const int c = verrevcmp(va->upstream, vb->upstream); c != 0) return c;
  return verrevcmp(va->revision, vb->revision);
}

}  // namespace tollgate::versions::detail
