// Pure parsers of installed Python distribution metadata: core metadata (`*.dist-info/METADATA`,
// `*.egg-info/PKG-INFO`, a plain `*.egg-info` file), `RECORD`, and egg-info's `requires.txt`.
//
//   Result<python::CoreMetadata> md = python::parseCoreMetadata(bytes);
//   Result<std::vector<python::RecordEntry>> files = python::parseRecord(bytes);
//   python::normalizeName("Foo.Bar_baz") == "foo-bar-baz"   // PEP 503
//
// Bytes in, structs out: nothing here touches the filesystem. Every function is pure and
// thread-safe and never throws; malformed input is a kInvalidInput error naming the line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/sbom/bom.h"
#include "tollgate/util/result.h"

namespace tollgate::catalog::python {

// A PEP 508 requirement, reduced to what a dependency graph needs.
struct Requirement {
  std::string name;        // as written ("Foo_Bar")
  std::string normalized;  // PEP 503 ("foo-bar")
  std::string extras;      // "[security,socks]" content, may be empty
  std::string specifier;   // ">=2.0,<3" (parentheses removed), or "@ url"; may be empty
  std::string marker;      // text after ';', trimmed; may be empty
  // True when the marker mentions `extra` (== or !=): active only when an extra is requested.
  bool extraOnly = false;
};

// Errors: kInvalidInput when no project name can be read at the start.
[[nodiscard]] Result<Requirement> parseRequirement(std::string_view text);

struct CoreMetadata {
  std::string metadataVersion;
  std::string name;
  std::string version;
  std::string summary;
  std::string license;            // may be many lines (whole licence texts are common)
  std::string licenseExpression;  // Metadata 2.4
  std::vector<std::string> classifiers;
  std::string author;
  std::string authorEmail;
  std::string maintainer;
  std::string maintainerEmail;
  std::string homePage;
  std::vector<std::string> projectUrls;   // "Label, https://..."
  std::vector<std::string> requiresDist;  // raw PEP 508 strings
  std::string requiresPython;
  std::vector<std::string> providesExtra;
};

// RFC 822 style headers with continuation lines (a line starting with space or tab continues
// the previous value; in a License or Description field a continuation line's leading "       |"
// or 8 spaces is removed), up to the first empty line; the rest is the description body and is
// not kept. Header names are case-insensitive; unknown headers are ignored; repeated single-value
// headers keep the first value. Errors: kInvalidInput for a NUL byte, a header line without ':'
// or with an empty name, a continuation line before any header, or no header at all.
[[nodiscard]] Result<CoreMetadata> parseCoreMetadata(std::string_view text);

struct RecordEntry {
  std::string path;           // as written: relative to the site-packages folder, or absolute
  std::string hashAlgorithm;  // CycloneDX spelling ("SHA-256"); empty when the row has no hash
  std::string hashHex;        // lower-case hex digest
  std::optional<std::uint64_t> size;
};

// RECORD: CSV rows "path,hash,size" with RFC 4180 quoting ("a,b.py" and "" for a quote),
// "\n" or "\r\n" line ends. The hash is "<algorithm>=<urlsafe-base64, no padding>" (or hex, as
// Debian's dh-python writes it). Empty lines
// are skipped. Errors: kInvalidInput naming the line for an unterminated quote, text after a
// closing quote, more than three fields, an empty path, a hash without '=' or with an unknown
// algorithm or undecodable or wrong-length digest, or a size that is not a decimal number.
[[nodiscard]] Result<std::vector<RecordEntry>> parseRecord(std::string_view text);

// egg-info requires.txt: one requirement per line; lines before any section are unconditional,
// "[extra]" and "[extra:marker]" sections are extra-only, "[:marker]" sections carry a marker.
// Returns PEP 508 strings with the section's marker appended (";extra == ..." for extras), ready
// for parseRequirement(). Lines that are not requirements are skipped, never an error.
[[nodiscard]] std::vector<std::string> parseRequiresTxt(std::string_view text);

// PEP 503 name normalisation: lower case, runs of '-', '_' and '.' become one '-'.
[[nodiscard]] std::string normalizeName(std::string_view name);

// The licences of a distribution, in order of trust: License-Expression; else the License field
// when it is one short line that normalises to an SPDX expression; else the SPDX ids of the
// licence classifiers; else that short License line as a name; else the unmapped classifiers'
// last segment as names. Placeholders ("UNKNOWN", "") and whole licence texts give nothing.
[[nodiscard]] std::vector<sbom::License> licensesOf(const CoreMetadata& md);

}  // namespace tollgate::catalog::python
