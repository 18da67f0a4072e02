// Package URLs (https://github.com/package-url/purl-spec): parse, build, canonical form.
//
//   Result<PackageUrl> p = purl::parse("pkg:npm/%40angular/core@16.0.0");
//   p->toString();   // canonical: "pkg:npm/%40angular/core@16.0.0"
//   Result<PackageUrl> d = purl::build({.type = "deb", .ns = "debian", .name = "libc6",
//                                       .version = "2.36-9", .qualifiers = {{"arch", "amd64"}}});
//
// Canonicalisation follows the spec and its per-type rules (lower-casing of type and of names for
// types that say so, pypi "_" to "-", qualifier keys lower-cased and sorted, empty qualifier
// values dropped, percent-encoding of the minimal character set). The purl-spec test suite in
// ../shared/data/purl-spec is this module's contract. All functions are pure and thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "tollgate/util/result.h"

namespace tollgate::purl {

struct PackageUrl {
  std::string type;       // lower-case
  std::string ns;         // namespace, decoded, segments joined by '/'; may be empty
  std::string name;       // decoded
  std::string version;    // decoded; may be empty
  std::map<std::string, std::string> qualifiers;  // decoded values, lower-case keys
  std::string subpath;    // decoded, segments joined by '/'; may be empty

  // Canonical string form. Precondition: the object came from parse() or build().
  [[nodiscard]] std::string toString() const;
  bool operator==(const PackageUrl&) const = default;
};

// Parses and canonicalises. Errors: kInvalidInput with the reason (missing scheme, bad type,
// missing name, bad qualifier key, type-specific rule violated).
[[nodiscard]] Result<PackageUrl> parse(std::string_view purl);

// Validates and canonicalises decoded components (as parse() would produce them).
[[nodiscard]] Result<PackageUrl> build(PackageUrl components);

}  // namespace tollgate::purl
