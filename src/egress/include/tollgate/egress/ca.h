// The local certificate authority for TLS interception: `tollgate ca init` creates it, the proxy
// loads it and mints a short-lived certificate for each intercepted host.
//
//   auto info = egress::initCa({.dir = dir});              // writes ca.pem, ca.key, leaf.key
//   auto ca = egress::CertificateAuthority::load(dir, {});  // the proxy, at start
//   auto leaf = (*ca)->leafFor("api.vendor.example");       // minted once, then cached
//
// Files in the CA directory (created mode 0700, every file written atomically):
//   ca.pem    the CA certificate: what clients must trust (install it in their trust store)
//   ca.key    the CA's private key, mode 0600
//   leaf.key  the one private key every minted certificate carries (mode 0600), so that minting
//             is a single signature and certificates cached on disk stay usable across restarts
//   leaves/   optional on-disk cache of minted certificates (`<sha256 of host>.pem`)
// Keys are EC P-256 (default) or RSA-2048. The CA is X.509 v3, CA:TRUE with pathlen 0, key usage
// keyCertSign/cRLSign, optionally name-constrained to DNS suffixes (`permitted`). Minted
// certificates: SAN = the host (DNS name or IP address), serverAuth, valid from an hour ago for
// `LeafOptions::validity` (never past the CA's own expiry).
//
// Thread safety: initCa/readCaInfo are independent calls; a CertificateAuthority is safe to use
// from any thread (its cache is locked; minting happens outside the lock).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::egress {

enum class CaKeyType { kEcP256, kRsa2048 };

struct CaInitOptions {
  std::filesystem::path dir;
  int days = 825;  // validity of the CA certificate
  CaKeyType keyType = CaKeyType::kEcP256;
  bool force = false;  // replace an existing CA (otherwise an error)
  // Name constraints: the CA may only vouch for these DNS names and their subdomains
  // ("example.com" permits example.com and *.example.com). Empty: unconstrained.
  std::vector<std::string> permitted;
  std::string commonName = "tollgate interception CA";
};

struct CaInfo {
  std::filesystem::path dir, certPath, keyPath;
  std::string subject;  // one line, OpenSSL's RFC 2253 form
  std::string sha256;   // fingerprint of the DER certificate, "AB:CD:..." (openssl -fingerprint)
  std::string notBefore, notAfter;     // RFC 3339, UTC
  std::string keyType;                 // "EC P-256" or "RSA-2048"
  std::vector<std::string> permitted;  // name constraints, as given to initCa
};

// `$XDG_DATA_HOME/tollgate/ca`, else `$HOME/.local/share/tollgate/ca`, else `tollgate-ca`.
[[nodiscard]] std::filesystem::path defaultCaDir(const char* xdgDataHome, const char* home);

// Creates the CA in options.dir. Errors: kUsage when a CA exists there and !force or an option
// is out of range; kInvalidInput for a bad permitted name; kIo naming the file.
[[nodiscard]] Result<CaInfo> initCa(const CaInitOptions& options);
// Reads ca.pem of the CA in `dir`. Errors: kNotFound (no CA there), kInvalidInput (not a CA
// certificate), kIo.
[[nodiscard]] Result<CaInfo> readCaInfo(const std::filesystem::path& dir);

struct LeafOptions {
  std::chrono::hours validity{24 * 7};
  std::size_t cacheEntries = 4096;  // in-memory LRU
  bool diskCache = false;           // also keep minted certificates in DIR/leaves/
};

// A minted certificate (opaque here; the proxy's TLS code sees inside).
struct MintedCert;
// Its PEM text (for tests and inspection).
[[nodiscard]] std::string toPem(const MintedCert& cert);

class CertificateAuthorityImpl;

class CertificateAuthority {
 public:
  // Loads ca.pem, ca.key and leaf.key from `dir` and checks that they belong together.
  // Errors: kNotFound (no CA: run `tollgate ca init`), kInvalidInput, kIo.
  [[nodiscard]] static Result<std::shared_ptr<CertificateAuthority>> load(
      const std::filesystem::path& dir, LeafOptions options = {});
  ~CertificateAuthority();

  // The certificate for `host` (a DNS name or an IP literal), from the cache or minted now (and
  // written to the disk cache when enabled; a disk write failure is not an error). A cached
  // certificate with less than a day (or a tenth of its validity) left is minted again.
  // Errors: kInvalidInput for a name that cannot be a certificate's SAN; kInternal when OpenSSL
  // fails.
  [[nodiscard]] Result<std::shared_ptr<const MintedCert>> leafFor(
      std::string_view host, std::chrono::system_clock::time_point now);

  [[nodiscard]] const CaInfo& info() const;
  [[nodiscard]] std::uint64_t minted() const;   // certificates signed since load
  [[nodiscard]] std::size_t cacheSize() const;  // entries in memory

 private:
  explicit CertificateAuthority(std::unique_ptr<CertificateAuthorityImpl> impl);
  std::unique_ptr<CertificateAuthorityImpl> impl_;
  friend class CertificateAuthorityImpl;
};

// True for a name a minted certificate can carry: an IP literal, or a DNS name of letters,
// digits, '-', '_' and '.' (no empty label, at most 253 bytes). Pure.
[[nodiscard]] bool isCertificateName(std::string_view host);

}  // namespace tollgate::egress
