// Helpers shared by the CycloneDX, SPDX and table writers and the reader (private to sbom).
// All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tollgate/sbom/bom.h"
#include "tollgate/sbom/writers.h"

namespace tollgate::sbom::detail {

// Component properties the writers derive from model fields (and the reader turns back into
// them). Documented in docs/formats.md.
inline constexpr std::string_view kPropCataloger = "tollgate:cataloger";  // foundBy
// sourceName / sourceVersion: named after the package manager the component belongs to (its
// purl type): tollgate:dpkg:source, tollgate:rpm:source, tollgate:apk:source (+ "-version").
struct SourceProps {
  std::string_view name;
  std::string_view version;
};
inline constexpr SourceProps kDpkgSourceProps{"tollgate:dpkg:source",
                                              "tollgate:dpkg:source-version"};
inline constexpr SourceProps kSourcePropsByManager[] = {
    kDpkgSourceProps,
    {"tollgate:rpm:source", "tollgate:rpm:source-version"},
    {"tollgate:apk:source", "tollgate:apk:source-version"}};
[[nodiscard]] inline SourceProps sourcePropsFor(std::string_view purl) {
  if (purl.starts_with("pkg:rpm/")) return kSourcePropsByManager[1];
  if (purl.starts_with("pkg:apk/")) return kSourcePropsByManager[2];
  return kDpkgSourceProps;
}

// A person or organisation as package metadata spells it: "Name <email>".
struct Contact {
  std::string name;
  std::string email;  // empty when the text has none
};

// "Name <email>" -> {Name, email}; "<email>" -> {"", email}; any other text -> {trimmed, ""}.
// Only a single trailing "<...>" holding one '@' and no spaces counts as an e-mail address, so
// lists ("A <a@x>, B <b@y>") and odd text stay whole in `name`.
[[nodiscard]] Contact parseContact(std::string_view text);
// The inverse of parseContact: "Name <email>", "Name" or "<email>".
[[nodiscard]] std::string formatContact(std::string_view name, std::string_view email);

// A licence expression with an operator or parentheses, not a single licence id.
[[nodiscard]] bool isCompoundExpression(std::string_view expr);
// A single SPDX licence list id (not an expression, not a LicenseRef).
[[nodiscard]] bool isListedLicenseId(std::string_view expr);
// "A", "B OR C" -> "A AND (B OR C)"; conjunctions among the operands are flattened and repeated
// operands dropped ("A", "A AND B" -> "A AND B"). Empty input gives "".
[[nodiscard]] std::string joinConjunction(const std::vector<std::string>& exprs);
// The inverse: the operands of a top-level AND, outer parentheses removed. An expression whose
// top level is not a pure conjunction (it has an OR outside parentheses) is returned whole.
[[nodiscard]] std::vector<std::string> splitConjunction(std::string_view expr);

// Hash algorithms, in CycloneDX spelling ("SHA-256") as the model stores them.
// True when the algorithm is one CycloneDX 1.6 allows and the digest is hex of its length.
[[nodiscard]] bool isValidHash(const Hash& h);
// "SHA-256" -> "SHA256" (the SPDX spelling); "" when SPDX has no such algorithm.
[[nodiscard]] std::string_view spdxChecksumAlgorithm(std::string_view cyclonedx);
// "SHA256" -> "SHA-256"; "" when CycloneDX has no such algorithm.
[[nodiscard]] std::string_view cycloneDxHashAlgorithm(std::string_view spdx);
// A CycloneDX algorithm name in any case ("sha-256", "SHA256") -> "SHA-256"; "" when unknown.
[[nodiscard]] std::string_view canonicalHashAlgorithm(std::string_view name);

// The CycloneDX component types ("library", ...) and the model's enum.
[[nodiscard]] bool parseComponentType(std::string_view name, ComponentType& out);
// True for every classification CycloneDX 1.6 defines ("device", "firmware", ... included).
[[nodiscard]] bool isCycloneDxComponentType(std::string_view name);

// SPDX 2.3 primaryPackagePurpose for a CycloneDX type name, and back.
[[nodiscard]] std::string_view spdxPurpose(std::string_view cyclonedxType);
[[nodiscard]] std::string_view cycloneDxTypeForPurpose(std::string_view purpose);

// "urn:uuid:" + lower-case RFC 4122 text form, as CycloneDX's serialNumber pattern demands.
[[nodiscard]] bool isUuidUrn(std::string_view s);
// An RFC 3339 date-time ("2024-05-01T12:00:00Z", "...T12:00:00.5+02:00").
[[nodiscard]] bool isRfc3339(std::string_view s);
// At most `maxBytes` bytes of `s`, cut at a UTF-8 character boundary.
[[nodiscard]] std::string_view truncateUtf8(std::string_view s, std::size_t maxBytes);

// The streaming serialisers behind writeTo(): append to `out`, handing it to `sink` (and clearing
// it) every MiB or so when `sink` is set; what is left in `out` at the end is the caller's.
void writeCycloneDxJson(const Bom& bom, std::string& out, const Sink& sink);
void writeSpdxJson(const Bom& bom, std::string& out, const Sink& sink);

}  // namespace tollgate::sbom::detail
