// The vendor register: which third parties this organisation sends data to, what each may receive,
// and what the proxy does about a request (allow, alert, redact, block).
//
//   auto policy = egress::Policy::load("vendors.yaml", knownClasses);  // file:line errors
//   if (policy) proxy.setPolicy(*policy);                               // swapped whole on reload
//   egress::TlsMode m = (*policy)->tlsMode("api.vendor.example");       // inspect | passthrough
//   const egress::Vendor* v = (*policy)->vendorFor("api.vendor.example");
//   egress::Decision d = (*policy)->decide({.host = h, .classes = found, .app = exe});
//
// The file (YAML):
//
//   tls_default: passthrough          # optional; what tlsMode() says for hosts of no vendor
//   max_hold_bytes: 1MB               # optional; request bodies held back for a body rule
//   vendors:
//     - name: Acme Analytics
//       domains: [acme.example, "*.acme.example"]   # "*.x" is every subdomain of x, not x
//       allowed: [email, ipv4]        # detector ids (classify) or classes: personal, secret, host
//       owner: data-protection@corp.example
//       reviewed: 2026-03-01          # YYYY-MM-DD
//       volume_threshold: 50MB        # optional: bytes sent per window before an alert
//       volume_window: 24h            # optional (default 24h)
//       tls: inspect                  # optional: inspect | passthrough (default)
//   rules:                            # first match wins; no match: allow
//     - action: block                 # allow | alert | redact | block
//       vendor: unlisted              # a vendor name, "*" (any vendor), "unlisted"; omitted: any
//       domains: ["*.pastebin.example"]   # optional destination patterns
//       classes: [secret]             # optional: matches when any is found; "unapproved": any
//                                     # class the destination's vendor is not approved for
//       apps: [/usr/bin/curl]         # optional: exe path, its file name, package purl or user
//       reason: no secrets to unknown destinations
//
// Thread safety: a Policy is immutable after parse(); share it as shared_ptr<const Policy>.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::egress {

// Whether TLS to a destination is intercepted (decrypted with the local CA, so URLs and bodies are
// classified and rules on classes apply) or relayed unchanged (only SNI/JA4 seen).
enum class TlsMode : std::uint8_t { kPassthrough, kInspect };
[[nodiscard]] std::string_view toString(TlsMode m) noexcept;

enum class Action : std::uint8_t { kAllow, kAlert, kRedact, kBlock };
[[nodiscard]] std::string_view toString(Action a) noexcept;

struct Vendor {
  std::string name;
  std::vector<std::string> domains;  // lower-case; "x.example" exact, "*.x.example" subdomains
  std::set<std::string> allowed;     // detector ids and class names
  std::string owner;
  std::string reviewed;                          // YYYY-MM-DD
  std::optional<std::uint64_t> volumeThreshold;  // bytes up per volumeWindow
  std::chrono::seconds volumeWindow{86400};
  TlsMode tls = TlsMode::kPassthrough;
  int line = 0;  // where it is defined

  // Is the vendor approved for data of this detector (id) and class ("personal", ...)?
  [[nodiscard]] bool allows(std::string_view detector, std::string_view cls) const;
};

struct Rule {
  Action action = Action::kAllow;
  std::string vendor;  // "" any destination, "*" any listed vendor, "unlisted", or a vendor name
  std::vector<std::string> domains;
  std::vector<std::string> classes;  // detector ids, class names, "unapproved"
  std::vector<std::string> apps;
  std::string reason;
  int line = 0;
};

// A data class found in a request: detector id and its class name.
struct FoundClass {
  std::string detector;
  std::string cls;
};

// What a decision is taken on. `classes` may be partial (the URL's before the body was read).
struct FlowFacts {
  std::string_view host;
  std::vector<FoundClass> classes;
  std::vector<std::string_view> app;  // identities of the application: exe, its file name,
                                      // package, user, client address
};

struct Decision {
  Action action = Action::kAllow;
  const Vendor* vendor = nullptr;  // owned by the Policy
  const Rule* rule = nullptr;      // the rule that matched; null: default allow
  // For kRedact: the detector ids to replace (those found that the rule names; every found one
  // when the rule names none or "unapproved" — then the unapproved ones).
  std::set<std::string> redact;
  [[nodiscard]] std::string reason() const;
};

class Policy {
 public:
  // Parses and validates. `source` names the file in errors ("vendors.yaml:12: unknown action
  // 'deny'"). `knownClasses`, when not empty, are the detector ids and class names data classes
  // may name (a typo is an error). Errors: kInvalidInput with context "source:line".
  [[nodiscard]] static Result<std::shared_ptr<const Policy>> parse(
      std::string_view yaml, const std::string& source,
      const std::set<std::string>& knownClasses = {});
  // Reads (at most 16 MiB) and parses. Errors: kIo/kNotFound naming the path, or parse's.
  [[nodiscard]] static Result<std::shared_ptr<const Policy>> load(
      const std::string& path, const std::set<std::string>& knownClasses = {});

  // The vendor whose domains match `host` (case-insensitive; an exact domain beats a wildcard, a
  // longer wildcard a shorter one); null when the host is in no vendor's domains.
  [[nodiscard]] const Vendor* vendorFor(std::string_view host) const;
  // For egress-tls: inspect only for hosts of a vendor marked `tls: inspect` (or tls_default).
  // Pinned clients' hosts stay passthrough. Cheap; thread-safe.
  [[nodiscard]] TlsMode tlsMode(std::string_view host) const;
  // The first rule that matches (vendor, domains, apps, and classes when the rule has them).
  [[nodiscard]] Decision decide(const FlowFacts& facts) const;
  // Whether a rule that depends on data classes could still block or redact a request to `host`
  // from `app`: then the proxy holds the request body back (up to maxHoldBytes) to decide first.
  [[nodiscard]] bool needsBody(std::string_view host,
                               const std::vector<std::string_view>& app) const;
  // The found classes a destination's vendor is not approved for (all, for an unlisted host).
  [[nodiscard]] std::vector<FoundClass> unapproved(const Vendor* vendor,
                                                   const std::vector<FoundClass>& found) const;

  [[nodiscard]] const std::vector<Vendor>& vendors() const noexcept { return vendors_; }
  [[nodiscard]] const std::vector<Rule>& rules() const noexcept { return rules_; }
  [[nodiscard]] std::uint64_t maxHoldBytes() const noexcept { return maxHoldBytes_; }
  [[nodiscard]] const std::string& source() const noexcept { return source_; }

 private:
  Policy() = default;
  bool ruleMatchesDestination(const Rule& r, std::string_view host, const Vendor* v,
                              const std::vector<std::string_view>& app) const;
  std::string source_;
  std::vector<Vendor> vendors_;
  std::unordered_map<std::string, std::size_t> domainIndex_;  // pattern -> index in vendors_
  std::vector<Rule> rules_;
  TlsMode tlsDefault_ = TlsMode::kPassthrough;
  std::uint64_t maxHoldBytes_ = 1u << 20;
};

// Does `host` match the pattern ("x.example" exactly, "*.x.example" any subdomain)? Both
// lower-case.
[[nodiscard]] bool domainMatches(std::string_view pattern, std::string_view host) noexcept;

// "10MB", "1.5GiB", "512", "64k": bytes. Errors: kInvalidInput.
[[nodiscard]] Result<std::uint64_t> parseByteSize(std::string_view text);

}  // namespace tollgate::egress
