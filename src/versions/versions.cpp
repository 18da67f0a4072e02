// Scheme dispatch, the OSV ecosystem table and OSV range evaluation.
#include "tollgate/versions/versions.h"

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include "common.h"

namespace tollgate::versions {
namespace {

struct EcosystemScheme {
  std::string_view name;
  Scheme scheme;
};

// OSV ecosystem names (ossf/osv-schema ecosystems.json) with an ordering implemented here.
constexpr EcosystemScheme kEcosystems[] = {
    {"Debian", Scheme::kDpkg},     {"Ubuntu", Scheme::kDpkg},
    {"npm", Scheme::kSemver},      {"crates.io", Scheme::kSemver},
    {"Hex", Scheme::kSemver},      {"SwiftURL", Scheme::kSemver},
    {"Bitnami", Scheme::kSemver},  {"Go", Scheme::kGo},
    {"Kubernetes", Scheme::kGo},   {"PyPI", Scheme::kPep440},
    {"Maven", Scheme::kMaven},     {"RubyGems", Scheme::kRubyGems},
    {"Alpine", Scheme::kApk},      {"Wolfi", Scheme::kApk},
    {"Chainguard", Scheme::kApk},  {"MinimOS", Scheme::kApk},
    {"Alpaquita", Scheme::kApk},   {"BellSoft Hardened Containers", Scheme::kApk},
    {"Red Hat", Scheme::kRpm},     {"Rocky Linux", Scheme::kRpm},
    {"AlmaLinux", Scheme::kRpm},   {"openSUSE", Scheme::kRpm},
    {"SUSE", Scheme::kRpm},        {"Mageia", Scheme::kRpm},
    {"openEuler", Scheme::kRpm},   {"Photon OS", Scheme::kRpm},
    {"Azure Linux", Scheme::kRpm}, {"TuxCare", Scheme::kRpm},
};

constexpr std::string_view kNames[] = {"dpkg",     "semver", "go",  "pep440", "maven",
                                       "rubygems", "apk",    "rpm", "generic"};

// A version of an event, resolved once per evaluation: "0" (introduced) is below everything and
// a limit containing "*" is above everything.
struct Bound {
  enum Special : std::uint8_t { kNone, kMinusInfinity, kPlusInfinity };
  Special special = kNone;
  std::string_view version;
};

Bound boundOf(const Event& e) {
  if (e.kind == Event::kIntroduced && e.version == "0") return {Bound::kMinusInfinity, e.version};
  if (e.kind == Event::kLimit && e.version.find('*') != std::string::npos)
    return {Bound::kPlusInfinity, e.version};
  return {Bound::kNone, e.version};
}

// Sign of `version` <=> `bound`.
Result<int> compareTo(Scheme scheme, std::string_view version, const Bound& bound) {
  if (bound.special == Bound::kMinusInfinity) return 1;
  if (bound.special == Bound::kPlusInfinity) return -1;
  return compare(scheme, version, bound.version);
}

Result<int> compareBounds(Scheme scheme, const Bound& a, const Bound& b) {
  if (a.special != Bound::kNone || b.special != Bound::kNone) {
    if (a.special == b.special) return 0;
    if (a.special == Bound::kMinusInfinity || b.special == Bound::kPlusInfinity) return -1;
    return 1;
  }
  return compare(scheme, a.version, b.version);
}

// IncludedInRanges() for one range of the OSV pseudocode.
Result<bool> inRange(Scheme scheme, std::string_view version, const Range& range) {
  struct Item {
    Event::Kind kind;
    Bound bound;
  };
  std::vector<Item> items;
  items.reserve(range.events.size());
  bool anyLimit = false;
  bool beforeLimit = false;
  for (const Event& e : range.events) {
    const Bound b = boundOf(e);
    if (b.special == Bound::kNone) {
      if (auto ok = validate(scheme, b.version); !ok)
        return std::unexpected(ok.error().within("OSV range event"));
    }
    if (e.kind == Event::kLimit) {
      anyLimit = true;
      auto c = compareTo(scheme, version, b);
      if (!c) return std::unexpected(c.error());
      if (*c < 0) beforeLimit = true;
      continue;
    }
    items.push_back({e.kind, b});
  }
  if (anyLimit && !beforeLimit) return false;

  // Insertion sort: stable, no exceptions from a comparator, and ranges have a handful of events.
  for (std::size_t i = 1; i < items.size(); ++i) {
    for (std::size_t j = i; j > 0; --j) {
      auto c = compareBounds(scheme, items[j - 1].bound, items[j].bound);
      if (!c) return std::unexpected(c.error());
      if (*c <= 0) break;
      std::swap(items[j - 1], items[j]);
    }
  }
  bool vulnerable = false;
  for (const Item& item : items) {
    auto c = compareTo(scheme, version, item.bound);
    if (!c) return std::unexpected(c.error());
    switch (item.kind) {
      case Event::kIntroduced:
        if (*c >= 0) vulnerable = true;
        break;
      case Event::kFixed:
        if (*c >= 0) vulnerable = false;
        break;
      case Event::kLastAffected:
        if (*c > 0) vulnerable = false;
        break;
      case Event::kLimit:
        break;
    }
  }
  return vulnerable;
}

}  // namespace

std::string_view schemeName(Scheme scheme) noexcept {
  const auto i = static_cast<std::size_t>(scheme);
  return i < std::size(kNames) ? kNames[i] : std::string_view("unknown");
}

std::optional<Scheme> schemeFromName(std::string_view name) noexcept {
  for (const Scheme s : kAllSchemes)
    if (schemeName(s) == name) return s;
  return std::nullopt;
}

Scheme schemeForEcosystem(std::string_view osvEcosystem) noexcept {
  const std::string_view base = osvEcosystem.substr(0, osvEcosystem.find(':'));
  for (const auto& e : kEcosystems)
    if (e.name == base) return e.scheme;
  return Scheme::kGeneric;
}

Result<int> compare(Scheme scheme, std::string_view a, std::string_view b) {
  switch (scheme) {
    case Scheme::kDpkg:
      return detail::compareDpkg(a, b);
    case Scheme::kSemver:
    case Scheme::kGo:
      return detail::compareSemver(a, b);
    case Scheme::kPep440:
      return detail::comparePep440(a, b);
    case Scheme::kMaven:
      return detail::compareMaven(a, b);
    case Scheme::kRubyGems:
      return detail::compareRubyGems(a, b);
    case Scheme::kApk:
      return detail::compareApk(a, b);
    case Scheme::kRpm:
      return detail::compareRpm(a, b);
    case Scheme::kGeneric:
      return detail::compareGeneric(a, b);
  }
  return fail(ErrorCode::kInternal, "unknown version scheme");
}

Status validate(Scheme scheme, std::string_view version) {
  switch (scheme) {
    case Scheme::kDpkg:
      return detail::validateDpkg(version);
    case Scheme::kSemver:
    case Scheme::kGo:
      return detail::validateSemver(version);
    case Scheme::kPep440:
      return detail::validatePep440(version);
    case Scheme::kMaven:
      return detail::validateMaven(version);
    case Scheme::kRubyGems:
      return detail::validateRubyGems(version);
    case Scheme::kApk:
      return detail::validateApk(version);
    case Scheme::kRpm:
      return detail::validateRpm(version);
    case Scheme::kGeneric:
      return detail::validateGeneric(version);
  }
  return fail(ErrorCode::kInternal, "unknown version scheme");
}

Result<bool> affected(Scheme scheme, std::string_view version, const std::vector<Range>& ranges,
                      const std::vector<std::string>& explicitVersions) {
  if (auto ok = validate(scheme, version); !ok) {
    // An invalid version can still be listed verbatim.
    for (const auto& listed : explicitVersions)
      if (listed == version) return true;
    return std::unexpected(ok.error());
  }
  for (const auto& listed : explicitVersions) {
    if (listed == version) return true;
    if (auto c = compare(scheme, version, listed); c && *c == 0) return true;
  }
  for (const Range& range : ranges) {
    if (range.type == Range::kGit) continue;
    const Scheme s = range.type == Range::kSemver ? Scheme::kSemver : scheme;
    if (s != scheme) {
      if (auto ok = validate(s, version); !ok) return std::unexpected(ok.error());
    }
    auto hit = inRange(s, version, range);
    if (!hit) return std::unexpected(hit.error());
    if (*hit) return true;
  }
  return false;
}

}  // namespace tollgate::versions
