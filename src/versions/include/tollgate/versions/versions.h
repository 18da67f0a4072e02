// Version ordering per package ecosystem, and OSV range evaluation.
//
//   using namespace tollgate::versions;
//   const Scheme s = schemeForEcosystem("Debian:12");            // Scheme::kDpkg
//   Result<int> c = compare(s, "1:2.36-9", "2.36-9+deb12u4");     // 1 (the epoch wins)
//   Result<bool> hit = affected(Scheme::kPep440, "2.31.0",
//                               {{Range::kEcosystem, {{Event::kIntroduced, "0"},
//                                                     {Event::kFixed, "2.32.0"}}}},
//                               {});                               // true
//
// Each scheme reproduces the ordering of its ecosystem's reference implementation, and is tested
// against it (docs/versions.md has the rules, the references and the measured agreement):
//   kDpkg      dpkg's verrevcmp (Debian, Ubuntu)           reference: dpkg --compare-versions
//   kSemver    SemVer 2.0 precedence (npm, crates.io, Hex) reference: npm `semver`
//   kGo        kSemver; Go's "v" prefix, pseudo-versions and "+incompatible" fall out of it
//   kPep440    PEP 440 (PyPI)                              reference: Python `packaging`
//   kMaven     Maven 3.8's ComparableVersion               reference: maven-artifact
//   kRubyGems  Gem::Version (RubyGems)                     reference: ruby's Gem::Version
//   kApk       apk-tools' version compare (Alpine, Wolfi)  reference: osv-scalibr's vectors
//   kRpm       rpmvercmp over epoch:version-release        reference: rpm's labelCompare
//   kGeneric   a documented best effort for ecosystems without a scheme of their own
//
// All functions are pure and thread-safe. Comparing never allocates, except kMaven for versions of
// more than 24 components. Versions are bytes: letters and digits are ASCII; other bytes are
// ordered as the scheme's reference orders them in its C or byte-string form. A version that
// contains a NUL byte, or is empty, is invalid in every scheme.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::versions {

enum class Scheme : std::uint8_t {
  kDpkg,
  kSemver,
  kGo,
  kPep440,
  kMaven,
  kRubyGems,
  kApk,
  kRpm,
  kGeneric,
};

// Every scheme, in declaration order (for tests and tools).
inline constexpr Scheme kAllSchemes[] = {Scheme::kDpkg,   Scheme::kSemver, Scheme::kGo,
                                         Scheme::kPep440, Scheme::kMaven,  Scheme::kRubyGems,
                                         Scheme::kApk,    Scheme::kRpm,    Scheme::kGeneric};

// Short lower-case name: "dpkg", "semver", "go", "pep440", "maven", "rubygems", "apk", "rpm",
// "generic".
[[nodiscard]] std::string_view schemeName(Scheme scheme) noexcept;

// The inverse of schemeName(); nullopt for any other string.
[[nodiscard]] std::optional<Scheme> schemeFromName(std::string_view name) noexcept;

// The scheme of an OSV `affected[].package.ecosystem` string. A ":suffix" (release, CPE, remote
// repository) is ignored: "Debian:12", "Alpine:v3.18", "Red Hat:rhel_aus:8.4::appstream" and
// "Maven:https://maven.google.com" map like their bare names.
//   kDpkg:     Debian, Ubuntu
//   kSemver:   npm, crates.io, Hex, SwiftURL, Bitnami
//   kGo:       Go, Kubernetes
//   kPep440:   PyPI
//   kMaven:    Maven
//   kRubyGems: RubyGems
//   kApk:      Alpine, Wolfi, Chainguard, MinimOS, Alpaquita, BellSoft Hardened Containers
//   kRpm:      Red Hat, Rocky Linux, AlmaLinux, openSUSE, SUSE, Mageia, openEuler, Photon OS,
//              Azure Linux, TuxCare
//   kGeneric:  everything else (Packagist, NuGet, Pub, Hackage, CRAN, ... and unknown names);
//              those ecosystems have orderings of their own that this module does not implement.
// Matching is case-sensitive, as OSV ecosystem names are.
[[nodiscard]] Scheme schemeForEcosystem(std::string_view osvEcosystem) noexcept;

// Orders two versions under `scheme`: -1 if a < b, 0 if they are equal (the same version, e.g.
// "1.0" and "1.0.0" in PEP 440), 1 if a > b.
// Errors: kInvalidInput when either string is not a version of the scheme (the context names the
// string); what the caller does then (skip, fall back to string equality) is its decision.
// Validity per scheme: kDpkg rejects what dpkg rejects as an error (it compares what it only warns
// about); kSemver/kGo need 1+ numeric core components; kPep440 needs a valid PEP 440 version
// (legacy versions such as "0.1-bulbasaur" are invalid, as in packaging >= 22); kMaven, kApk, kRpm
// and kGeneric accept any non-empty string, as their references do; kRubyGems needs
// Gem::Version's pattern.
[[nodiscard]] Result<int> compare(Scheme scheme, std::string_view a, std::string_view b);

// Whether `version` is a valid version of `scheme` (compare() would not fail on it).
[[nodiscard]] Status validate(Scheme scheme, std::string_view version);

// One OSV range event (`affected[].ranges[].events[]`). Unscoped enumerators, so that both
// `Event::kFixed` and `Event::Kind::kFixed` read well.
struct Event {
  enum Kind : std::uint8_t { kIntroduced, kFixed, kLastAffected, kLimit };
  Kind kind = kIntroduced;
  std::string version;
};

// One OSV range (`affected[].ranges[]`).
struct Range {
  enum Type : std::uint8_t { kEcosystem, kSemver, kGit };
  Type type = kEcosystem;
  std::vector<Event> events;
};

// OSV's evaluation algorithm (the schema's "Evaluation" pseudocode): `version` is affected when it
// is one of `explicitVersions` or lies in any one of `ranges`.
//   explicitVersions: equal as strings, or equal under `scheme` when both are valid versions.
//   ranges: kEcosystem ranges use `scheme`; kSemver ranges always use Scheme::kSemver (as OSV says,
//     even inside other ecosystems); kGit ranges are skipped (their events are commits, not
//     versions). Within a range the events are stably sorted by version, with introduced "0"
//     first; walking them, `v >= introduced` sets affected, `v >= fixed` and `v > last_affected`
//     clear it. A range with limit events only counts when v < some limit; a limit containing
//     "*" is infinity.
// Errors: kInvalidInput when `version`, or an event version of a range that has to be evaluated,
// is not a valid version of the range's scheme (a listed explicit version answers true first).
[[nodiscard]] Result<bool> affected(Scheme scheme, std::string_view version,
                                    const std::vector<Range>& ranges,
                                    const std::vector<std::string>& explicitVersions);

}  // namespace tollgate::versions
