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
//
// Canonical string form: every byte of namespace segments, name, version, qualifier values and
// subpath segments is percent-encoded (upper-case hex) except ASCII letters, digits, ".-_~" and
// ':'. Qualifiers are sorted by key; subpath segments "", "." and ".." are dropped.
//
// Type rules applied by both parse() and build() (from the registered type definitions):
//   lower-cased namespace and name: alpm apk bitbucket brew composer deb git github golang hex
//     luarocks npm vscode-extension; name only: bitnami chrome-extension oci otp pub pypi;
//     namespace only: qpkg rpm; version: huggingface pypi vscode-extension
//   pypi names: runs of '-', '_' and '.' become one '-' (PEP 503)
//   mlflow names are lower-cased when repository_url points at Databricks
//   namespace required: apk bitbucket deb git github maven swift vscode-extension (not golang,
//     whose definition asks for one: SBOM tools and OSV write the Go standard library as
//     "pkg:golang/stdlib@1.21.0")
//   namespace prohibited: chrome-extension conda cran julia mlflow oci otp pypi vcpkg
//   git: the namespace is the host (one segment) and the name is the repository path, whose
//     '/' separators stay unencoded ("pkg:git/codeberg.org/forgejo/forgejo")
//   chrome-extension: name [a-p]{32}, version of 1-4 dot-separated numbers; cpan: a name never
//     contains "::"; julia: a "uuid" qualifier is required; swid: a "tag_id" qualifier is required
// Version requirements of type definitions (deb, conda, ...) are deliberately not enforced: a
// version-less purl names a package across versions, as advisory databases use it.
// Lower-casing is ASCII only; non-ASCII letters keep their case.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "tollgate/util/result.h"

namespace tollgate::purl {

struct PackageUrl {
  // Members have default initialisers so that designated initialisers may omit any of them
  // (-Wmissing-field-initializers).
  std::string type{};     // lower-case
  std::string ns{};       // namespace, decoded, segments joined by '/'; may be empty
  std::string name{};     // decoded
  std::string version{};  // decoded; may be empty
  std::map<std::string, std::string> qualifiers{};  // decoded values, lower-case keys
  std::string subpath{};                            // decoded, segments joined by '/'; may be empty

  // Canonical string form. Precondition: the object came from parse() or build(). On other
  // objects it still never fails and still encodes every component (so no component can inject
  // a separator), skips empty qualifier values and empty/"."/".." segments, but applies no
  // type rule or lower-casing.
  [[nodiscard]] std::string toString() const;
  bool operator==(const PackageUrl&) const = default;
};

// How parse() treats input that ECMA-427 forbids but the spec's "how to parse" algorithm
// normalises. The two modes differ only there.
enum class ParseMode {
  // Accept and canonicalise: mixed-case qualifier keys are lower-cased, "PKG:" is accepted (the
  // purl-spec "recommended" tests demonstrate this normalisation).
  kNormalize,
  // ECMA-427 as written: qualifier keys must already be lower-case (5.6.6) and the scheme must be
  // exactly "pkg"; these rejections, and only these, carry a message containing
  // "not lower-case". Everything else kNormalize accepts (unencoded '/' or ':' in values,
  // unsorted qualifiers, extra slashes, upper-case type) is still accepted and canonicalised.
  kStrict,
};

// Longest input parse() accepts (bytes); longer input fails with kLimit.
inline constexpr std::size_t kMaxPurlLength = 64 * 1024;

// Parses and canonicalises, splitting as the spec's "how to parse" does: from the right on '#'
// then '?', scheme up to the first ':', type up to the next '/', version after the rightmost '@'
// (unless that '@' opens a namespace segment, an unencoded npm scope). Errors: kInvalidInput
// with the reason (missing scheme, bad type, missing name, bad qualifier key, bad
// percent-encoding, unencoded control character, decoded text that is not UTF-8, type-specific
// rule violated); kLimit when the input is longer than kMaxPurlLength. The error
// context is the input, truncated, with control characters and invalid UTF-8 made printable.
[[nodiscard]] Result<PackageUrl> parse(std::string_view purl);
[[nodiscard]] Result<PackageUrl> parse(std::string_view purl, ParseMode mode);

// Validates and canonicalises decoded components (as parse() would produce them): lower-cases
// the type and qualifier keys, strips leading/trailing '/' from namespace, name and subpath,
// drops empty namespace segments, empty qualifier values and empty/"."/".." subpath segments,
// then applies the type rules. Errors: kInvalidInput (missing or bad type, missing name, bad or
// duplicate qualifier key, component not UTF-8, type-specific rule violated).
// For any p that parse() returns, build(p) == p and parse(p.toString()) == p.
[[nodiscard]] Result<PackageUrl> build(PackageUrl components);

// A Python project name normalised as PEP 503 says: ASCII lower-case, each run of '-', '_' and
// '.' one '-' ("Foo.Bar__baz" -> "foo-bar-baz"). The form pypi purls, OSV and pip compare.
[[nodiscard]] std::string pep503Name(std::string_view name);

}  // namespace tollgate::purl
