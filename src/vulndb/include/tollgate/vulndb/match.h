// Matching a Bom against the advisory store (and indicator set): findings in the one shape.
//
//   auto m = vulndb::Matcher::open(store);
//   Result<vulndb::MatchResult> r = m->match(bom, indicators.get());
//
// Per component: its purl gives the OSV ecosystem and package name (packageOf()); Debian binary
// packages are looked up by their source package and source version in the release of the
// scanned system ("Debian:12", from the SBOM's operating-system metadata or the purl's distro
// qualifier). Each candidate advisory's ranges are evaluated with the ecosystem's own version
// ordering (module versions). Advisories that name each other (aliases, upstream) and hit the
// same component are reported once. Component and file SHA-256s equal to a known-bad indicator
// are findings of severity `malicious`, as are OSV MAL- advisories.
//
// Thread safety: a Matcher uses its Store's prepared statements: one thread at a time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tollgate/report/finding.h"
#include "tollgate/sbom/bom.h"
#include "tollgate/store/store.h"
#include "tollgate/util/result.h"
#include "tollgate/versions/versions.h"
#include "tollgate/vulndb/ioc.h"

namespace tollgate::vulndb {

// The operating system a Bom was made from: "debian"/"12", "ubuntu"/"22.04", "alpine"/"3.19.1".
struct Distro {
  std::string id;
  std::string versionId;
};

// From the SBOM metadata (tollgate records os-release as `tollgate:os:id` /
// `tollgate:os:version_id` properties and as an operating-system subject), else the `distro`
// qualifier of the first deb/apk purl ("debian-12").
[[nodiscard]] Distro distroOf(const sbom::Bom& bom);

// One lookup key for a component.
struct PackageQuery {
  std::string ecosystem;  // ecosystemKey(): "npm", "Debian:12"
  std::string name;       // packageKey()
  std::string version;    // the version to evaluate (Debian: the source version)
  versions::Scheme scheme = versions::Scheme::kGeneric;
};

// The OSV keys for a component (usually one; Ubuntu tries "Ubuntu:22.04" and
// "Ubuntu:22.04:LTS"). Empty when the purl type has no OSV ecosystem, the component has no
// version, or a distro package's release is unknown.
//   npm -> npm, pypi -> PyPI, golang -> Go, cargo -> crates.io, maven -> Maven (group:artifact),
//   gem -> RubyGems, nuget -> NuGet, composer -> Packagist, hex -> Hex, pub -> Pub,
//   swift -> SwiftURL, hackage -> Hackage, cran -> CRAN, deb -> Debian:N / Ubuntu:X,
//   apk -> Alpine:vX.Y (by origin package when known).
[[nodiscard]] std::vector<PackageQuery> packageOf(const sbom::Component& c, const Distro& distro);

struct MatchStats {
  std::size_t components = 0;  // components looked at
  std::size_t queried = 0;     // with at least one OSV key
  std::size_t candidates = 0;  // (component, advisory) pairs evaluated
  std::size_t unparsable = 0;  // evaluations that failed on an invalid version
  std::size_t merged = 0;      // advisories folded into another by alias
};

struct MatchResult {
  std::vector<report::Finding> findings;  // sorted by subject, then id
  MatchStats stats;
};

class Matcher {
 public:
  // Errors: the store's (the vulndb tables must exist: migrate first).
  [[nodiscard]] static Result<Matcher> open(store::Store& store);
  Matcher(Matcher&&) noexcept;
  Matcher& operator=(Matcher&&) noexcept;
  ~Matcher();

  // `indicators` may be null. Errors: the store's.
  [[nodiscard]] Result<MatchResult> match(const sbom::Bom& bom, const IndicatorSet* indicators);

 private:
  struct Impl;
  explicit Matcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::vulndb
