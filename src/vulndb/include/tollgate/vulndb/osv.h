// OSV advisory records (https://ossf.github.io/osv-schema/): the parser. Bytes in, data out; no
// filesystem, no store (vulndb.h imports, match.h matches).
//
//   vulndb::OsvParser p;
//   Result<std::vector<vulndb::Advisory>> a = p.parse(bytes, "GHSA-xxxx.json");
//
// A document is one OSV object, or an array of them (as some tools export). Only what matching and
// reporting need is kept; ranges stay as OSV's own minified JSON (see Affected).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/util/result.h"
#include "tollgate/versions/versions.h"

namespace tollgate::vulndb {

// One `affected[]` entry that names a package.
struct Affected {
  std::string ecosystem;  // ecosystemKey() of package.ecosystem: "npm", "PyPI", "Debian:12"
  std::string name;       // packageKey(): PyPI names normalised (PEP 503), others as given
  // The ECOSYSTEM and SEMVER ranges (GIT ranges cannot be matched by version and are dropped),
  // and the explicit `versions` list.
  std::vector<versions::Range> ranges;
  std::vector<std::string> versions;
  std::string severity;  // ecosystem_specific / database_specific "severity" text, if any
};

struct SeverityScore {
  std::string type;   // "CVSS_V3", "CVSS_V4", "CVSS_V2", "Ubuntu"
  std::string score;  // the vector ("CVSS:3.1/AV:N/...") or the text
};

struct Advisory {
  std::string id;
  std::string modified;         // as given (RFC 3339)
  std::int64_t modifiedUs = 0;  // microseconds since the epoch, for incremental import
  std::string withdrawn;        // RFC 3339 when withdrawn, else empty
  std::string published;
  std::string summary;  // `summary`, else the first line of `details` (<= 200 bytes)
  // `aliases` and `upstream` ids (CVE-..., GHSA-...): an advisory and its aliases are one
  // vulnerability.
  std::vector<std::string> aliases;
  std::vector<SeverityScore> severity;
  std::string dbSeverity;  // database_specific.severity ("HIGH", "MODERATE", ...), if any
  std::vector<Affected> affected;

  [[nodiscard]] bool isWithdrawn() const { return !withdrawn.empty(); }
  // Known-malicious package (OpenSSF malicious-packages: MAL- ids).
  [[nodiscard]] bool isMalicious() const { return id.starts_with("MAL-"); }
};

// The key an ecosystem is indexed under. Distributions keep their release ("Debian:12",
// "Alpine:v3.18", "Ubuntu:22.04:LTS"): their advisories are per release. Language ecosystems drop
// a ":suffix" ("Maven:https://repo" -> "Maven").
[[nodiscard]] std::string ecosystemKey(std::string_view osvEcosystem);
// The base name of an ecosystem key ("Debian:12" -> "Debian").
[[nodiscard]] std::string_view ecosystemBase(std::string_view ecosystem);
// The key a package name is indexed under: PEP 503 normalisation for PyPI (lower case, runs of
// "-_." become "-"), the name as given elsewhere.
[[nodiscard]] std::string packageKey(std::string_view ecosystemBase, std::string_view name);

// "2024-01-02T03:04:05.678Z" or "...+02:00" to microseconds since the epoch. Errors:
// kInvalidInput.
[[nodiscard]] Result<std::int64_t> parseRfc3339(std::string_view text);

// Ranges as compact JSON (what the store keeps) and back.
[[nodiscard]] std::string encodeRanges(const std::vector<versions::Range>& ranges);
[[nodiscard]] Result<std::vector<versions::Range>> decodeRanges(std::string_view json);

// Reusable parser (keeps its buffers between documents). Not thread-safe: one per thread.
class OsvParser {
 public:
  OsvParser();
  ~OsvParser();
  OsvParser(const OsvParser&) = delete;
  OsvParser& operator=(const OsvParser&) = delete;

  // Parses one document. `label` (file or zip member name) is the error context. Errors:
  // kInvalidInput for malformed JSON, a missing `id` or `modified`, or fields of the wrong type.
  // Never throws.
  [[nodiscard]] Result<std::vector<Advisory>> parse(std::string_view json,
                                                    const std::string& label);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::vulndb
