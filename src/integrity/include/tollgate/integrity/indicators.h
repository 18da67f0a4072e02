// Network indicators hidden in bytes: URLs, domain names and IPv4 addresses found in printable
// ASCII and UTF-16LE strings, inside base64 strings (decoded), and in single-byte-XOR encoded
// URLs ("http://" or "https://" under any key 0x01..0xff, found by the XOR of neighbouring bytes,
// which does not depend on the key).
//
//   std::vector<Indicator> v = integrity::extractIndicators(bytes);
//   for (auto& i : v) print(i.kind, i.value, i.encoding);   // "url", "https://c2/x", "xor:0x5a"
//
// Bare domains count only with a known top-level domain ("kernel32.dll" is not a domain); bare
// IPv4 addresses only when the whole string is the address or a port follows, because version
// numbers look like addresses ("1.2.3.4"). Pure, thread-safe, linear in the input.
//
// Not to be confused with vulndb::Indicator / vulndb::IndicatorSet (tollgate/vulndb/ioc.h):
// those are known-bad values imported from published lists (CSV, STIX) and looked up by value;
// these are what a binary contains, good or bad, found by scanning its bytes. The two meet in
// `diff`'s rule ioc-match: cli/diff_command.cpp looks each extracted indicator up in the
// IndicatorSet through RuleOptions::ioc (kind "url" as kUrl, "domain" as kDomain, "ip" as kIpv4).
// A URL's host is also extracted as a "domain" (or "ip"), so domain lists catch URLs too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::integrity {

struct Indicator {
  std::string kind;          // "url", "domain", "ip"
  std::string value;         // URL as found; domain lower-case; dotted quad
  std::string encoding;      // "ascii", "utf16le", "base64", "xor:0x5a"
  std::uint64_t offset = 0;  // where the string starts in the input
  bool operator<(const Indicator& o) const {
    return kind != o.kind     ? kind < o.kind
           : value != o.value ? value < o.value
                              : encoding < o.encoding;
  }
};

struct IndicatorOptions {
  std::size_t minString = 6;         // shortest printable run looked at
  std::size_t maxIndicators = 4096;  // stop collecting after this many (hostile inputs)
};

// Unique by (kind, value, encoding), first offset kept, sorted.
[[nodiscard]] std::vector<Indicator> extractIndicators(std::span<const std::byte> bytes,
                                                       const IndicatorOptions& opts = {});

// The host of a URL ("https://user@Host.example:8443/x" -> "host.example"), "" when none.
[[nodiscard]] std::string urlHost(std::string_view url);

// True when `host` is `domain` or a subdomain of it (case-insensitive): the pairwise test for the
// short allow-lists of rule new-network-indicator. IndicatorSet::find(kDomain) applies the same
// rule to an imported list through its hash index (the host, then each parent domain).
[[nodiscard]] bool domainMatches(std::string_view host, std::string_view domain);

}  // namespace tollgate::integrity
