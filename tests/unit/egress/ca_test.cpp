#include "tollgate/egress/ca.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <memory>

#include "temp_dir.h"
#include "tollgate/util/file.h"
#include "tollgate/util/openssl.h"

namespace tollgate::egress {
namespace {

using std::chrono::system_clock;
using testing::TempDir;

X509Ptr parsePem(const std::string& pem) {
  BioPtr b(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(b.get(), nullptr, nullptr, nullptr));
}

// Verifies `leaf` as a TLS server certificate for `host` with only the CA as trust anchor, the
// way a client that installed ca.pem does. Returns the X509_V_* result.
int verifyAsClient(const std::filesystem::path& caPem, X509* leaf, const std::string& host) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_load_file(store, caPem.c_str());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  if (host.find_first_not_of("0123456789.") == std::string::npos)
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  else
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  int ok = X509_verify_cert(ctx);
  int err = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return err;
}

// Options built field by field (no partial designated initialisers: clang warns on them).
CaInitOptions at(const std::filesystem::path& dir) {
  CaInitOptions o;
  o.dir = dir;
  return o;
}
LeafOptions leafOptions(std::size_t entries, bool disk) {
  LeafOptions o;
  o.cacheEntries = entries;
  o.diskCache = disk;
  return o;
}

mode_t modeOf(const std::filesystem::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 07777;
}

TEST(Ca, InitWritesKeysPrivateAndRefusesToOverwrite) {
  TempDir t;
  auto dir = t.path() / "ca";
  auto info = initCa(at(dir));
  ASSERT_TRUE(info) << info.error().describe();
  EXPECT_EQ(modeOf(dir / "ca.key"), 0600u);
  EXPECT_EQ(modeOf(dir / "leaf.key"), 0600u);
  EXPECT_EQ(modeOf(dir), 0700u);
  EXPECT_EQ(info->keyType, "EC P-256");
  EXPECT_EQ(info->sha256.size(), 32u * 3 - 1);
  auto again = readCaInfo(dir);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->sha256, info->sha256);

  auto refused = initCa(at(dir));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUsage);
  auto replaced = initCa([&] {
    auto o = at(dir);
    o.keyType = CaKeyType::kRsa2048;
    o.force = true;
    return o;
  }());
  ASSERT_TRUE(replaced) << replaced.error().describe();
  EXPECT_NE(replaced->sha256, info->sha256);
  EXPECT_EQ(replaced->keyType, "RSA-2048");
}

TEST(Ca, MintedCertificatesVerifyForTheirHostOnly) {
  TempDir t;
  auto dir = t.path() / "ca";
  ASSERT_TRUE(initCa(at(dir)));
  auto ca = CertificateAuthority::load(dir);
  ASSERT_TRUE(ca) << ca.error().describe();
  auto now = system_clock::now();
  for (std::string host : {"api.vendor.example", "127.0.0.1", "Mixed.Case.Example"}) {
    auto leaf = (*ca)->leafFor(host, now);
    ASSERT_TRUE(leaf) << host << ": " << leaf.error().describe();
    auto x = parsePem(toPem(**leaf));
    ASSERT_TRUE(x);
    EXPECT_EQ(verifyAsClient(dir / "ca.pem", x.get(), host), X509_V_OK) << host;
  }
  auto leaf = (*ca)->leafFor("api.vendor.example", now);
  auto x = parsePem(toPem(**leaf));
  EXPECT_EQ(verifyAsClient(dir / "ca.pem", x.get(), "other.example"), X509_V_ERR_HOSTNAME_MISMATCH);
  // Validity: short, from an hour ago.
  EXPECT_LE(X509_cmp_time(X509_get0_notBefore(x.get()), nullptr), 0);
  time_t in8days = system_clock::to_time_t(now + std::chrono::hours(24 * 8));
  EXPECT_LT(X509_cmp_time(X509_get0_notAfter(x.get()), &in8days), 0);
}

TEST(Ca, NamesThatCannotBeCertificateNamesAreRefused) {
  TempDir t;
  ASSERT_TRUE(initCa(at(t.path())));
  auto ca = CertificateAuthority::load(t.path());
  ASSERT_TRUE(ca);
  for (std::string bad :
       std::vector<std::string>{"", "a,DNS:evil.example", "x..y", ".x", "x.", "a b", "a/b", "DNS:x",
                                std::string(254, 'a'), std::string(64, 'a') + ".example"}) {
    EXPECT_FALSE(isCertificateName(bad)) << bad;
    auto r = (*ca)->leafFor(bad, system_clock::now());
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  }
  for (std::string good : {"a", "a-b.c_d.example", "xn--bcher-kva.example", "::1", "10.0.0.1"})
    EXPECT_TRUE(isCertificateName(good)) << good;
}

TEST(Ca, CacheIsBoundedAndRemintsNearExpiry) {
  TempDir t;
  ASSERT_TRUE(initCa(at(t.path())));
  auto ca = CertificateAuthority::load(t.path(), leafOptions(2, false));
  ASSERT_TRUE(ca);
  auto& c = **ca;
  auto now = system_clock::now();
  auto a1 = c.leafFor("a.example", now);
  auto a2 = c.leafFor("A.example", now);
  ASSERT_TRUE(a1 && a2);
  EXPECT_EQ(a1->get(), a2->get()) << "the second request is a cache hit";
  EXPECT_EQ(c.minted(), 1u);
  ASSERT_TRUE(c.leafFor("b.example", now));
  ASSERT_TRUE(c.leafFor("c.example", now));  // evicts a.example
  EXPECT_EQ(c.cacheSize(), 2u);
  ASSERT_TRUE(c.leafFor("a.example", now));
  EXPECT_EQ(c.minted(), 4u);
  // Six and a half days later the week-long certificate has less than a day left: minted again.
  auto later = c.leafFor("a.example", now + std::chrono::hours(24 * 6 + 12));
  ASSERT_TRUE(later);
  EXPECT_EQ(c.minted(), 5u);
}

TEST(Ca, DiskCacheSurvivesARestart) {
  TempDir t;
  ASSERT_TRUE(initCa(at(t.path())));
  auto now = system_clock::now();
  std::string first;
  {
    auto ca = CertificateAuthority::load(t.path(), leafOptions(4096, true));
    ASSERT_TRUE(ca);
    auto leaf = (*ca)->leafFor("api.vendor.example", now);
    ASSERT_TRUE(leaf);
    first = toPem(**leaf);
    EXPECT_EQ((*ca)->minted(), 1u);
  }
  auto ca = CertificateAuthority::load(t.path(), leafOptions(4096, true));
  ASSERT_TRUE(ca);
  auto leaf = (*ca)->leafFor("api.vendor.example", now);
  ASSERT_TRUE(leaf);
  EXPECT_EQ((*ca)->minted(), 0u) << "read from DIR/leaves";
  EXPECT_EQ(toPem(**leaf), first);
  // A certificate of a replaced CA is not used.
  ASSERT_TRUE(initCa([&] {
    auto o = at(t.path());
    o.force = true;
    return o;
  }()));
  auto fresh = CertificateAuthority::load(t.path(), leafOptions(4096, true));
  ASSERT_TRUE(fresh);
  ASSERT_TRUE((*fresh)->leafFor("api.vendor.example", now));
  EXPECT_EQ((*fresh)->minted(), 1u);
}

TEST(Ca, NameConstraintsLimitWhatTheCaCanVouchFor) {
  TempDir t;
  ASSERT_TRUE(initCa([&] {
    auto o = at(t.path());
    o.permitted = {"vendor.example"};
    return o;
  }()));
  auto info = readCaInfo(t.path());
  ASSERT_TRUE(info);
  EXPECT_EQ(info->permitted, std::vector<std::string>{"vendor.example"});
  auto ca = CertificateAuthority::load(t.path());
  ASSERT_TRUE(ca);
  auto ok = (*ca)->leafFor("api.vendor.example", system_clock::now());
  auto out = (*ca)->leafFor("bank.example", system_clock::now());
  ASSERT_TRUE(ok && out);
  EXPECT_EQ(verifyAsClient(t.path() / "ca.pem", parsePem(toPem(**ok)).get(), "api.vendor.example"),
            X509_V_OK);
  EXPECT_EQ(verifyAsClient(t.path() / "ca.pem", parsePem(toPem(**out)).get(), "bank.example"),
            X509_V_ERR_PERMITTED_VIOLATION);
  EXPECT_FALSE(initCa([&] {
    auto o = at(t.path() / "x");
    o.permitted = {"bad,name"};
    return o;
  }()));
}

TEST(Ca, LoadErrorsNameTheProblem) {
  TempDir t;
  auto missing = CertificateAuthority::load(t.path() / "none");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(initCa(at(t.path() / "a")));
  ASSERT_TRUE(initCa(at(t.path() / "b")));
  std::filesystem::copy_file(t.path() / "b" / "ca.key", t.path() / "a" / "ca.key",
                             std::filesystem::copy_options::overwrite_existing);
  auto mismatched = CertificateAuthority::load(t.path() / "a");
  ASSERT_FALSE(mismatched);
  EXPECT_EQ(mismatched.error().code, ErrorCode::kInvalidInput);
  t.write("c/ca.pem", "not a certificate");
  t.write("c/ca.key", "x");
  t.write("c/leaf.key", "x");
  auto garbage = CertificateAuthority::load(t.path() / "c");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, ErrorCode::kInvalidInput);
  EXPECT_FALSE(initCa([&] {
    auto o = at(t.path() / "d");
    o.days = 0;
    return o;
  }()));
}

}  // namespace
}  // namespace tollgate::egress
