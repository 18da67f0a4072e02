// The interception CA: creation (`tollgate ca init`), inspection (`ca show`) and minting of
// per-host certificates with an LRU cache in memory and an optional cache on disk.
#include "tollgate/egress/ca.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <list>
#include <mutex>
#include <unordered_map>

#include "openssl_handles.h"
#include "tollgate/util/file.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/strings.h"

namespace tollgate::egress {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCertFile = "ca.pem";
constexpr const char* kKeyFile = "ca.key";
constexpr const char* kLeafKeyFile = "leaf.key";
constexpr const char* kLeavesDir = "leaves";

Error sslFail(const std::string& what) {
  std::string e = opensslError();
  return Error{ErrorCode::kInternal, what + (e.empty() ? "" : ": " + e), {}};
}

std::string keyTypeName(EVP_PKEY* k) {
  if (EVP_PKEY_is_a(k, "EC")) return "EC P-256";
  if (EVP_PKEY_is_a(k, "RSA")) return "RSA-" + std::to_string(EVP_PKEY_get_bits(k));
  return "unknown";
}

Result<PkeyPtr> generateKey(CaKeyType type) {
  PkeyPtr k(type == CaKeyType::kEcP256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048));
  if (!k) return std::unexpected(sslFail("key generation failed"));
  return k;
}

Result<std::string> keyPem(EVP_PKEY* k) {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (!b || PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return std::unexpected(sslFail("cannot encode a private key"));
  char* data = nullptr;
  long n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Result<std::string> certPem(X509* x) {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (!b || PEM_write_bio_X509(b.get(), x) != 1)
    return std::unexpected(sslFail("cannot encode a certificate"));
  char* data = nullptr;
  long n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string errnoText() { return std::strerror(errno); }

// Like writeFileAtomic, but the temporary is created 0600 so that the secret is never readable
// by others, not even for a moment.
Status writeSecretAtomic(const fs::path& path, std::string_view data) {
  std::string tmp = path.string() + ".tmp." + std::to_string(::getpid());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return fail(ErrorCode::kIo, "cannot create: " + errnoText(), tmp);
  if (::fchmod(fd.get(), 0600) != 0) {
    ::unlink(tmp.c_str());
    return fail(ErrorCode::kIo, "cannot chmod: " + errnoText(), tmp);
  }
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t w = ::write(fd.get(), data.data() + off, data.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      ::unlink(tmp.c_str());
      return fail(ErrorCode::kIo, "cannot write: " + errnoText(), tmp);
    }
    off += static_cast<std::size_t>(w);
  }
  if (::fsync(fd.get()) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string e = errnoText();
    ::unlink(tmp.c_str());
    return fail(ErrorCode::kIo, "cannot write: " + e, path.string());
  }
  return {};
}

std::string rfc3339(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::time_t asn1Time(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return timegm(&tm);
}

std::string fingerprint(X509* x) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(x, EVP_sha256(), md, &n) != 1) return {};
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    if (i) out += ':';
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string nameLine(const X509_NAME* name) {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (!b || X509_NAME_print_ex(b.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  long n = BIO_get_mem_data(b.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Status randomSerial(X509* x) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return std::unexpected(sslFail("RAND_bytes failed"));
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7f) | 0x40);  // positive, 16 bytes long
  BnPtr bn(BN_bin2bn(bytes, sizeof bytes, nullptr));
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x)))
    return std::unexpected(sslFail("cannot set the serial number"));
  return {};
}

Status addExt(X509* x, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1)
    return std::unexpected(sslFail(std::string("cannot add extension ") + OBJ_nid2sn(nid)));
  return {};
}

Status setValidity(X509* x, std::time_t from, std::time_t to) {
  if (!ASN1_TIME_set(X509_getm_notBefore(x), from) || !ASN1_TIME_set(X509_getm_notAfter(x), to))
    return std::unexpected(sslFail("cannot set the validity"));
  return {};
}

Result<std::string> readSmall(const fs::path& p) {
  std::error_code ec;
  if (!fs::exists(p, ec))
    return fail(ErrorCode::kNotFound, "no CA here (run 'tollgate ca init')", p.string());
  return readFile(p, 1 << 20);
}

Result<X509Ptr> parseCert(const std::string& pem, const std::string& where) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr x(b ? PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!x) {
    (void)opensslError();
    return fail(ErrorCode::kInvalidInput, "not a PEM certificate", where);
  }
  return x;
}

Result<PkeyPtr> parseKey(const std::string& pem, const std::string& where) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr k(b ? PEM_read_bio_PrivateKey(b.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!k) {
    (void)opensslError();
    return fail(ErrorCode::kInvalidInput, "not an unencrypted PEM private key", where);
  }
  return k;
}

bool isIpLiteral(std::string_view host) {
  std::string h(host);
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

CaInfo infoOf(X509* x, EVP_PKEY* key, const fs::path& dir) {
  CaInfo info;
  info.dir = dir;
  info.certPath = dir / kCertFile;
  info.keyPath = dir / kKeyFile;
  info.subject = nameLine(X509_get_subject_name(x));
  info.sha256 = fingerprint(x);
  info.notBefore = rfc3339(asn1Time(X509_get0_notBefore(x)));
  info.notAfter = rfc3339(asn1Time(X509_get0_notAfter(x)));
  info.keyType = key ? keyTypeName(key) : "";
  if (auto* nc = static_cast<NAME_CONSTRAINTS*>(
          X509_get_ext_d2i(x, NID_name_constraints, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees); ++i) {
      GENERAL_SUBTREE* st = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, i);
      if (st->base->type == GEN_DNS) {
        const ASN1_IA5STRING* s = st->base->d.dNSName;
        info.permitted.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                    static_cast<std::size_t>(ASN1_STRING_length(s)));
      }
    }
    NAME_CONSTRAINTS_free(nc);
  }
  return info;
}

}  // namespace

bool isCertificateName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  if (isIpLiteral(host)) return true;
  std::size_t label = 0;
  for (char c : host) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

fs::path defaultCaDir(const char* xdgDataHome, const char* home) {
  if (xdgDataHome && xdgDataHome[0] == '/') return fs::path(xdgDataHome) / "tollgate" / "ca";
  if (home && home[0] != '\0') return fs::path(home) / ".local" / "share" / "tollgate" / "ca";
  return "tollgate-ca";
}

Result<CaInfo> initCa(const CaInitOptions& o) {
  if (o.days < 1 || o.days > 36500) return fail(ErrorCode::kUsage, "--days must be 1..36500");
  for (const auto& p : o.permitted)
    if (!isCertificateName(p) || isIpLiteral(p))
      return fail(ErrorCode::kInvalidInput, "not a DNS name for a name constraint",
                  printable(p, 80));
  if (o.commonName.empty() || o.commonName.size() > 64)
    return fail(ErrorCode::kUsage, "the CA's common name must be 1..64 bytes");
  std::error_code ec;
  fs::path dir = o.dir;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) return fail(ErrorCode::kIo, "cannot create the CA directory: " + ec.message(), dir);
    if (::chmod(dir.c_str(), 0700) != 0)
      return fail(ErrorCode::kIo, "cannot chmod: " + errnoText(), dir.string());
  } else if (!fs::is_directory(dir, ec)) {
    return fail(ErrorCode::kUsage, "not a directory", dir.string());
  }
  if (fs::exists(dir / kCertFile, ec) && !o.force)
    return fail(ErrorCode::kUsage,
                "a CA exists already (--force replaces it; clients that trust the old one must "
                "then be given the new ca.pem)",
                dir.string());

  auto key = generateKey(o.keyType);
  if (!key) return std::unexpected(key.error());
  auto leafKey = generateKey(o.keyType);
  if (!leafKey) return std::unexpected(leafKey.error());

  X509Ptr x(X509_new());
  if (!x || X509_set_version(x.get(), 2) != 1) return std::unexpected(sslFail("X509_new"));
  if (auto st = randomSerial(x.get()); !st) return std::unexpected(st.error());
  X509_NAME* name = X509_get_subject_name(x.get());
  auto addName = [&](const char* field, const std::string& v) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(v.c_str()), -1, -1,
                                      0) == 1;
  };
  if (!addName("O", "tollgate") || !addName("CN", o.commonName) ||
      X509_set_issuer_name(x.get(), name) != 1)
    return std::unexpected(sslFail("cannot set the CA's name"));
  std::time_t now = std::time(nullptr);
  if (auto st = setValidity(x.get(), now - 3600, now + static_cast<std::time_t>(o.days) * 86400);
      !st)
    return std::unexpected(st.error());
  if (X509_set_pubkey(x.get(), key->get()) != 1)
    return std::unexpected(sslFail("cannot set the public key"));
  std::vector<std::pair<int, std::string>> exts = {
      {NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
      {NID_key_usage, "critical,keyCertSign,cRLSign"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid:always"},
  };
  if (!o.permitted.empty()) {
    std::string nc = "critical";
    for (const auto& p : o.permitted) nc += ",permitted;DNS:" + toLower(p);
    exts.emplace_back(NID_name_constraints, nc);
  }
  for (const auto& [nid, v] : exts)
    if (auto st = addExt(x.get(), x.get(), nid, v); !st) return std::unexpected(st.error());
  if (X509_sign(x.get(), key->get(), EVP_sha256()) <= 0)
    return std::unexpected(sslFail("cannot sign the CA certificate"));

  auto kp = keyPem(key->get());
  auto lp = keyPem(leafKey->get());
  auto cp = certPem(x.get());
  if (!kp) return std::unexpected(kp.error());
  if (!lp) return std::unexpected(lp.error());
  if (!cp) return std::unexpected(cp.error());
  // Keys first, the certificate last: ca.pem present means a complete CA.
  if (auto st = writeSecretAtomic(dir / kKeyFile, *kp); !st) return std::unexpected(st.error());
  if (auto st = writeSecretAtomic(dir / kLeafKeyFile, *lp); !st) return std::unexpected(st.error());
  if (auto st = writeFileAtomic(dir / kCertFile, *cp); !st) return std::unexpected(st.error());
  // Certificates minted by a replaced CA are useless now.
  fs::remove_all(dir / kLeavesDir, ec);
  return infoOf(x.get(), key->get(), dir);
}

Result<CaInfo> readCaInfo(const fs::path& dir) {
  auto pem = readSmall(dir / kCertFile);
  if (!pem) return std::unexpected(pem.error());
  auto x = parseCert(*pem, (dir / kCertFile).string());
  if (!x) return std::unexpected(x.error());
  if (X509_check_ca(x->get()) == 0)
    return fail(ErrorCode::kInvalidInput, "not a CA certificate", (dir / kCertFile).string());
  PkeyPtr pub(X509_get_pubkey(x->get()));
  return infoOf(x->get(), pub.get(), dir);
}

class CertificateAuthorityImpl {
 public:
  CaInfo info;
  LeafOptions options;
  X509Ptr caCert;
  PkeyPtr caKey;
  PkeyPtr leafKey;
  std::time_t caNotAfter = 0;
  bool rsa = false;

  mutable std::mutex mu;
  using Entry = std::pair<std::string, std::shared_ptr<const MintedCert>>;
  std::list<Entry> lru;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index;
  std::atomic<std::uint64_t> minted{0};

  bool fresh(const MintedCert& c, std::chrono::system_clock::time_point now) const {
    auto margin = std::min<std::chrono::system_clock::duration>(std::chrono::hours(24),
                                                                options.validity / 10);
    return c.notAfter - now > margin;
  }

  std::shared_ptr<MintedCert> wrap(X509Ptr x, const std::string& host) const {
    auto c = std::make_shared<MintedCert>();
    c->notAfter = std::chrono::system_clock::from_time_t(asn1Time(X509_get0_notAfter(x.get())));
    c->cert = std::move(x);
    EVP_PKEY_up_ref(leafKey.get());
    c->key.reset(leafKey.get());
    c->host = host;
    return c;
  }

  Result<std::shared_ptr<MintedCert>> mint(const std::string& host,
                                           std::chrono::system_clock::time_point now) {
    X509Ptr x(X509_new());
    if (!x || X509_set_version(x.get(), 2) != 1) return std::unexpected(sslFail("X509_new"));
    if (auto st = randomSerial(x.get()); !st) return std::unexpected(st.error());
    X509_NAME* name = X509_get_subject_name(x.get());
    std::string cn = host.size() <= 64 ? host : host.substr(0, 64);
    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                   0) != 1 ||
        X509_set_issuer_name(x.get(), X509_get_subject_name(caCert.get())) != 1)
      return std::unexpected(sslFail("cannot set names"));
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::time_t until =
        t + std::chrono::duration_cast<std::chrono::seconds>(options.validity).count();
    if (caNotAfter && until > caNotAfter) until = caNotAfter;
    if (auto st = setValidity(x.get(), t - 3600, until); !st) return std::unexpected(st.error());
    if (X509_set_pubkey(x.get(), leafKey.get()) != 1)
      return std::unexpected(sslFail("cannot set the public key"));
    // `host` passed isCertificateName: no ',' or ':' can inject other values here.
    std::string san = (isIpLiteral(host) ? "IP:" : "DNS:") + host;
    const std::pair<int, std::string> exts[] = {
        {NID_basic_constraints, "critical,CA:FALSE"},
        {NID_key_usage,
         rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature"},
        {NID_ext_key_usage, "serverAuth"},
        {NID_subject_alt_name, san},
        {NID_authority_key_identifier, "keyid"},
    };
    for (const auto& [nid, v] : exts)
      if (auto st = addExt(x.get(), caCert.get(), nid, v); !st) return std::unexpected(st.error());
    if (X509_sign(x.get(), caKey.get(), EVP_sha256()) <= 0)
      return std::unexpected(sslFail("cannot sign a certificate for " + host));
    minted.fetch_add(1, std::memory_order_relaxed);
    return wrap(std::move(x), host);
  }

  fs::path diskPath(const std::string& host) const {
    Sha256 h;
    h.update(std::string_view(host));
    return info.dir / kLeavesDir / (h.hexDigest() + ".pem");
  }

  std::shared_ptr<MintedCert> fromDisk(const std::string& host,
                                       std::chrono::system_clock::time_point now) const {
    auto pem = readFile(diskPath(host), 64 * 1024);
    if (!pem) return nullptr;
    auto x = parseCert(*pem, host);
    if (!x) return nullptr;
    PkeyPtr caPub(X509_get_pubkey(caCert.get()));
    PkeyPtr pub(X509_get_pubkey(x->get()));
    bool hostOk = isIpLiteral(host)
                      ? X509_check_ip_asc(x->get(), host.c_str(), 0) == 1
                      : X509_check_host(x->get(), host.data(), host.size(), 0, nullptr) == 1;
    if (!caPub || !pub || X509_verify(x->get(), caPub.get()) != 1 ||
        EVP_PKEY_eq(pub.get(), leafKey.get()) != 1 || !hostOk) {
      (void)opensslError();
      return nullptr;
    }
    auto c = wrap(std::move(*x), host);
    return fresh(*c, now) ? c : nullptr;
  }

  void toDisk(const MintedCert& c) const {
    std::error_code ec;
    fs::create_directories(info.dir / kLeavesDir, ec);
    if (auto pem = certPem(c.cert.get()))
      (void)writeFileAtomic(diskPath(c.host), *pem);  // a cache: failure only costs a mint
  }
};

CertificateAuthority::CertificateAuthority(std::unique_ptr<CertificateAuthorityImpl> impl)
    : impl_(std::move(impl)) {}
CertificateAuthority::~CertificateAuthority() = default;

Result<std::shared_ptr<CertificateAuthority>> CertificateAuthority::load(const fs::path& dir,
                                                                         LeafOptions options) {
  if (options.validity.count() < 2) return fail(ErrorCode::kUsage, "leaf validity too short");
  auto impl = std::make_unique<CertificateAuthorityImpl>();
  impl->options = options;
  auto certText = readSmall(dir / kCertFile);
  if (!certText) return std::unexpected(certText.error());
  auto keyText = readSmall(dir / kKeyFile);
  if (!keyText) return std::unexpected(keyText.error());
  auto leafText = readSmall(dir / kLeafKeyFile);
  if (!leafText) return std::unexpected(leafText.error());
  auto cert = parseCert(*certText, (dir / kCertFile).string());
  if (!cert) return std::unexpected(cert.error());
  auto key = parseKey(*keyText, (dir / kKeyFile).string());
  if (!key) return std::unexpected(key.error());
  auto leaf = parseKey(*leafText, (dir / kLeafKeyFile).string());
  if (!leaf) return std::unexpected(leaf.error());
  if (X509_check_ca(cert->get()) == 0)
    return fail(ErrorCode::kInvalidInput, "not a CA certificate", (dir / kCertFile).string());
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    (void)opensslError();
    return fail(ErrorCode::kInvalidInput, "ca.key does not belong to ca.pem", dir.string());
  }
  impl->info = infoOf(cert->get(), key->get(), dir);
  impl->caNotAfter = asn1Time(X509_get0_notAfter(cert->get()));
  impl->rsa = EVP_PKEY_is_a(leaf->get(), "RSA") == 1;
  impl->caCert = std::move(*cert);
  impl->caKey = std::move(*key);
  impl->leafKey = std::move(*leaf);
  if (impl->caNotAfter && impl->caNotAfter <= std::time(nullptr))
    return fail(ErrorCode::kInvalidInput,
                "the CA certificate has expired (run 'tollgate ca init --force')",
                (dir / kCertFile).string());
  return std::shared_ptr<CertificateAuthority>(new CertificateAuthority(std::move(impl)));
}

Result<std::shared_ptr<const MintedCert>> CertificateAuthority::leafFor(
    std::string_view hostIn, std::chrono::system_clock::time_point now) {
  auto& m = *impl_;
  std::string host = toLower(hostIn);
  if (!isCertificateName(host))
    return fail(ErrorCode::kInvalidInput, "not a name a certificate can carry",
                printable(hostIn, 80));
  {
    std::lock_guard lock(m.mu);
    auto it = m.index.find(host);
    if (it != m.index.end() && m.fresh(*it->second->second, now)) {
      m.lru.splice(m.lru.begin(), m.lru, it->second);
      return it->second->second;
    }
  }
  std::shared_ptr<MintedCert> c = m.options.diskCache ? m.fromDisk(host, now) : nullptr;
  if (!c) {
    auto made = m.mint(host, now);
    if (!made) return std::unexpected(made.error());
    c = std::move(*made);
    if (m.options.diskCache) m.toDisk(*c);
  }
  std::lock_guard lock(m.mu);
  if (auto it = m.index.find(host); it != m.index.end()) {
    m.lru.erase(it->second);
    m.index.erase(it);
  }
  m.lru.emplace_front(host, c);
  m.index[host] = m.lru.begin();
  while (m.lru.size() > std::max<std::size_t>(1, m.options.cacheEntries)) {
    m.index.erase(m.lru.back().first);
    m.lru.pop_back();
  }
  return std::shared_ptr<const MintedCert>(std::move(c));
}

std::string toPem(const MintedCert& cert) {
  auto pem = certPem(cert.cert.get());
  return pem ? *pem : std::string();
}

const CaInfo& CertificateAuthority::info() const { return impl_->info; }
std::uint64_t CertificateAuthority::minted() const { return impl_->minted.load(); }
std::size_t CertificateAuthority::cacheSize() const {
  std::lock_guard lock(impl_->mu);
  return impl_->lru.size();
}

}  // namespace tollgate::egress
