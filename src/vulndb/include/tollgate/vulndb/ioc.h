// Indicators of compromise: known-bad file hashes, domains, URLs and certificate serials, imported
// from CSV lists or STIX 2.1 bundles into the store and looked up in memory.
//
//   auto list = vulndb::parseIocCsv(bytes, "3cx-2023.csv");          // pure parser
//   vulndb::importIndicators(store, *list, "3cx-2023.csv");          // caller's transaction
//   auto set = vulndb::IndicatorSet::load(store);                    // immutable, shareable
//   if (const auto* hit = (*set)->find(vulndb::IndicatorType::kSha256, hex)) ...
//
// The set is built once and shared as std::shared_ptr<const IndicatorSet> (lookups are
// thread-safe); vuln (file hashes), diff and the proxy use the same lookups.
//
// These are known-bad values from published lists. Finding candidate values in bytes is another
// thing, integrity::extractIndicators (tollgate/integrity/indicators.h): URLs, domains and IPv4
// addresses a binary contains, good or bad. `diff` looks those up here (rule ioc-match), the
// proxy looks up a flow's host, SNI and URL, `vuln` a component's and its files' hashes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tollgate/store/store.h"
#include "tollgate/util/diagnostics.h"
#include "tollgate/util/result.h"

namespace tollgate::vulndb {

enum class IndicatorType : std::uint8_t {
  kSha256,      // lower-case hex, 64 digits
  kSha1,        // lower-case hex, 40 digits
  kMd5,         // lower-case hex, 32 digits
  kDomain,      // lower case, no trailing dot
  kUrl,         // as given; '*' is a wildcard for any run of characters
  kCertSerial,  // lower-case hex without separators or leading zeros
  kIpv4,
  kIpv6,
};

// "sha256", "sha1", "md5", "domain", "url", "cert-serial", "ipv4", "ipv6".
[[nodiscard]] std::string_view toString(IndicatorType t);
// The names above, and the usual synonyms ("sha-256", "hostname", "x509-serial", "ip").
[[nodiscard]] std::optional<IndicatorType> parseIndicatorType(std::string_view name);

struct Indicator {
  IndicatorType type = IndicatorType::kSha256;
  std::string value;        // canonical form (see IndicatorType)
  std::string description;  // what it is ("ffmpeg.dll (trojanized)")
  std::string source;       // who published it
};

// Canonical form of a value of `type` (hex lower-cased, ':'/' ' separators and leading zeros of
// serials removed, domains lower-cased without a trailing dot). Errors: kInvalidInput when the
// value is not of the type (a 63-digit sha256, a domain with spaces).
[[nodiscard]] Result<std::string> canonicalIndicator(IndicatorType type, std::string_view value);

// CSV with a header line `value,type,description,source` (columns in any order; quoted fields
// per RFC 4180). Rows that are malformed or of an unknown type are skipped with a warning in
// `diag` (may be null). Errors: kInvalidInput when there is no usable header.
[[nodiscard]] Result<std::vector<Indicator>> parseIocCsv(std::string_view text,
                                                         const std::string& label,
                                                         Diagnostics* diag);

// A STIX 2.1 bundle (or a single indicator object): every `indicator` with pattern_type "stix"
// whose pattern is one or more equality comparisons joined by OR, on
// file:hashes.'SHA-256' / 'SHA-1' / MD5, domain-name:value, url:value,
// x509-certificate:serial_number, ipv4-addr:value or ipv6-addr:value. Indicators with other
// patterns (AND, MATCHES, other objects) are skipped with a warning. Errors: kInvalidInput for
// malformed JSON or a document that is not a bundle or indicator.
[[nodiscard]] Result<std::vector<Indicator>> parseStix(std::string_view json,
                                                       const std::string& label, Diagnostics* diag);

// Picks the parser by content (JSON object: STIX, else CSV).
[[nodiscard]] Result<std::vector<Indicator>> parseIndicators(std::string_view bytes,
                                                             const std::string& label,
                                                             Diagnostics* diag);

struct IndicatorImportStats {
  std::uint64_t added = 0;
  std::uint64_t updated = 0;  // already stored (same type and value): description replaced
};

// Upserts into vulndb_indicators (origin = `origin`, the file it came from). Runs inside the
// caller's transaction if there is one.
[[nodiscard]] Result<IndicatorImportStats> importIndicators(store::Store& store,
                                                            const std::vector<Indicator>& list,
                                                            const std::string& origin);

class IndicatorSet {
 public:
  // Every stored indicator. Errors: the store's.
  [[nodiscard]] static Result<std::shared_ptr<const IndicatorSet>> load(store::Store& store);
  // From a list (tests, callers with their own lists).
  [[nodiscard]] static std::shared_ptr<const IndicatorSet> fromList(std::vector<Indicator> list);

  // Exact lookup of a canonical value (hashes, serials, IPs, domains, URLs without wildcards).
  // kDomain also matches a parent domain ("a.evil.com" finds "evil.com"); kUrl also tries the
  // wildcard patterns. nullptr when unknown.
  [[nodiscard]] const Indicator* find(IndicatorType type, std::string_view value) const;
  [[nodiscard]] std::size_t size() const { return all_.size(); }
  [[nodiscard]] bool empty() const { return all_.empty(); }

 private:
  std::vector<Indicator> all_;
  std::unordered_map<std::string, std::size_t> index_;  // type byte + value -> all_ index
  std::vector<std::size_t> urlPatterns_;                // indexes of URLs with '*'
};

}  // namespace tollgate::vulndb
