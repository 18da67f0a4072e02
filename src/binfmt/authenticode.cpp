// Authenticode: certificate table walk, PKCS#7 parsing and verification (OpenSSL), PE image
// digest. Structure names follow Microsoft's "Windows Authenticode Portable Executable Signature
// Format" document.
#include "tollgate/binfmt/authenticode.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "bytes.h"
#include "tollgate/util/c_handle.h"
#include "tollgate/util/openssl.h"

namespace tollgate::binfmt {
namespace {

using detail::Bytes;
using detail::readLe;

using X509Store = CHandle<X509_STORE, &X509_STORE_free>;
using Asn1Object = CHandle<ASN1_OBJECT, &ASN1_OBJECT_free>;
struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_free(s); }
};
using X509Stack = std::unique_ptr<STACK_OF(X509), X509StackFree>;

constexpr std::uint16_t kWinCertTypePkcsSignedData = 0x0002;
constexpr std::size_t kMaxEntries = 64;
constexpr const char* kSpcIndirectData = "1.3.6.1.4.1.311.2.1.4";
constexpr const char* kSpcNestedSignature = "1.3.6.1.4.1.311.2.4.1";
constexpr const char* kRfc3161Timestamp = "1.3.6.1.4.1.311.3.3.1";
constexpr const char* kCounterSignature = "1.2.840.113549.1.9.6";

std::uint64_t align8(std::uint64_t v) { return (v + 7) & ~std::uint64_t{7}; }

std::string oidText(const ASN1_OBJECT* obj) {
  char buf[128];
  int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
  if (n <= 0 || static_cast<std::size_t>(n) >= sizeof buf) return {};
  return buf;
}

// --- DER, just enough for SpcIndirectDataContent ------------------------------------------

struct Tlv {
  std::uint8_t tag = 0;
  std::size_t header = 0;  // tag + length bytes
  std::size_t length = 0;  // content bytes
  [[nodiscard]] std::size_t total() const { return header + length; }
};

std::optional<Tlv> readTlv(Bytes b, std::size_t pos) {
  if (pos + 2 > b.size()) return std::nullopt;
  Tlv t;
  t.tag = std::to_integer<std::uint8_t>(b[pos]);
  if ((t.tag & 0x1f) == 0x1f) return std::nullopt;  // multi-byte tags do not occur here
  auto first = std::to_integer<std::uint8_t>(b[pos + 1]);
  if (first < 0x80) {
    t.header = 2;
    t.length = first;
  } else {
    std::size_t n = first & 0x7f;
    if (n == 0 || n > 4 || pos + 2 + n > b.size()) return std::nullopt;  // no indefinite form
    std::size_t len = 0;
    for (std::size_t i = 0; i < n; ++i)
      len = (len << 8) | std::to_integer<std::uint8_t>(b[pos + 2 + i]);
    t.header = 2 + n;
    t.length = len;
  }
  if (t.length > b.size() - pos - t.header) return std::nullopt;
  return t;
}

struct IndirectData {
  Bytes content;  // the SEQUENCE's content octets (what the signature's digest covers)
  std::string digestOid;
  Bytes digest;
};

std::optional<IndirectData> parseIndirectData(Bytes der) {
  auto outer = readTlv(der, 0);
  if (!outer || outer->tag != 0x30) return std::nullopt;
  IndirectData out;
  out.content = der.subspan(outer->header, outer->length);
  Bytes c = out.content;
  auto data = readTlv(c, 0);  // SpcAttributeTypeAndOptionalValue
  if (!data || data->tag != 0x30) return std::nullopt;
  auto digestInfo = readTlv(c, data->total());
  if (!digestInfo || digestInfo->tag != 0x30) return std::nullopt;
  Bytes di = c.subspan(data->total() + digestInfo->header, digestInfo->length);
  auto alg = readTlv(di, 0);
  if (!alg || alg->tag != 0x30) return std::nullopt;
  Bytes algBody = di.subspan(alg->header, alg->length);
  auto oid = readTlv(algBody, 0);
  if (!oid || oid->tag != 0x06) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(algBody.data());
  Asn1Object obj(d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(oid->total())));
  if (!obj) return std::nullopt;
  out.digestOid = oidText(obj.get());
  auto digest = readTlv(di, alg->total());
  if (!digest || digest->tag != 0x04) return std::nullopt;
  out.digest = di.subspan(alg->total() + digest->header, digest->length);
  return out;
}

// Authenticode digests by OID, with our spelling of their names.
const char* digestName(const std::string& oid) {
  if (oid == "2.16.840.1.101.3.4.2.1") return "sha256";
  if (oid == "1.3.14.3.2.26") return "sha1";
  if (oid == "2.16.840.1.101.3.4.2.2") return "sha384";
  if (oid == "2.16.840.1.101.3.4.2.3") return "sha512";
  if (oid == "1.2.840.113549.2.5") return "md5";
  return nullptr;
}

// --- certificates -------------------------------------------------------------------------

std::string nameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !name) return {};
  // RFC 2253 escaping, UTF-8 kept as is, attributes in certificate order (not reversed).
  unsigned long flags =
      (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB & ~XN_FLAG_DN_REV) | ASN1_STRFLGS_UTF8_CONVERT;
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) return {};
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string timeText(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

CertificateInfo describe(X509* cert) {
  CertificateInfo c;
  c.subject = nameText(X509_get_subject_name(cert));
  c.issuer = nameText(X509_get_issuer_name(cert));
  if (BnPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)); bn) {
    if (char* h = BN_bn2hex(bn.get())) {
      std::string s(h);
      OPENSSL_free(h);
      std::transform(s.begin(), s.end(), s.begin(), [](char ch) {
        return static_cast<char>(ch >= 'A' && ch <= 'F' ? ch - 'A' + 'a' : ch);
      });
      c.serial = s;
    }
  }
  c.notBefore = timeText(X509_get0_notBefore(cert));
  c.notAfter = timeText(X509_get0_notAfter(cert));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdLen = 0;
  if (X509_digest(cert, EVP_sha256(), md, &mdLen) == 1)
    c.sha256 = detail::hex(std::as_bytes(std::span(md, mdLen)));
  return c;
}

// --- the image digest and checksum --------------------------------------------------------

struct Range {
  std::uint64_t begin;
  std::uint64_t end;
};

// The file ranges the Authenticode digest skips, sorted, clamped to the file.
std::vector<Range> excludedRanges(const PeInfo& pe, std::uint64_t fileSize) {
  std::vector<Range> out;
  auto add = [&](std::uint64_t b, std::uint64_t len) {
    if (b >= fileSize || len == 0) return;
    out.push_back({b, std::min(fileSize, b + len)});
  };
  add(pe.checksumOffset, 4);
  if (pe.certDirectoryOffset != 0) add(pe.certDirectoryOffset, 8);
  auto table = pe.certificateTable();
  if (table.size != 0 && table.address != 0) add(table.address, table.size);
  std::sort(out.begin(), out.end(),
            [](const Range& a, const Range& b) { return a.begin < b.begin; });
  return out;
}

std::uint32_t peChecksum(Bytes file, std::uint64_t checksumOffset) {
  std::uint64_t sum = 0;
  const std::size_t n = file.size();
  for (std::size_t i = 0; i < n; i += 2) {
    if (i == checksumOffset || i == checksumOffset + 2) continue;
    std::uint32_t word = std::to_integer<std::uint8_t>(file[i]);
    if (i + 1 < n) word |= std::uint32_t{std::to_integer<std::uint8_t>(file[i + 1])} << 8;
    sum += word;
    sum = (sum & 0xffff) + (sum >> 16);
  }
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint32_t>(sum + n);
}

void checkEntries(Bytes file, AuthenticodeInfo& info) {
  const std::uint64_t tableEnd =
      std::min<std::uint64_t>(info.tableOffset + info.tableSize, file.size());
  std::uint64_t pos = info.tableOffset;
  while (pos + 8 <= tableEnd && info.entries.size() < kMaxEntries) {
    WinCertificate e;
    e.offset = pos;
    e.length = *readLe<std::uint32_t>(file, pos);
    e.revision = *readLe<std::uint16_t>(file, pos + 4);
    e.type = *readLe<std::uint16_t>(file, pos + 6);
    if (e.length < 8) break;
    info.entries.push_back(e);
    pos += align8(e.length);
  }
  if (pos < info.tableOffset + info.tableSize && pos <= tableEnd)
    info.tableSlackBytes = info.tableOffset + info.tableSize - pos;
}

}  // namespace

const char* toString(SignatureStatus s) {
  switch (s) {
    case SignatureStatus::kUnsigned:
      return "unsigned";
    case SignatureStatus::kValid:
      return "valid";
    case SignatureStatus::kInvalid:
      return "invalid";
  }
  return "invalid";
}

Result<std::string> authenticodeDigest(std::span<const std::byte> file, const PeInfo& pe,
                                       const std::string& algorithm) {
  const EVP_MD* md = EVP_get_digestbyname(algorithm.c_str());
  if (!md) return fail(ErrorCode::kUnsupported, "unknown digest algorithm " + algorithm);
  auto table = pe.certificateTable();
  if (table.size != 0 && std::uint64_t{table.address} + table.size > file.size())
    return fail(ErrorCode::kInvalidInput, "certificate table runs past the end of the file");
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1)
    return fail(ErrorCode::kInternal, opensslErrorAfter("cannot initialise digest"));
  std::uint64_t pos = 0;
  auto hashTo = [&](std::uint64_t end) {
    if (end > pos) EVP_DigestUpdate(ctx.get(), file.data() + pos, end - pos);
  };
  for (const Range& r : excludedRanges(pe, file.size())) {
    hashTo(r.begin);
    pos = std::max(pos, r.end);
  }
  hashTo(file.size());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int outLen = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out, &outLen) != 1)
    return fail(ErrorCode::kInternal, opensslErrorAfter("cannot finish digest"));
  return detail::hex(std::as_bytes(std::span(out, outLen)));
}

Result<AuthenticodeInfo> verifyAuthenticode(std::span<const std::byte> file, const PeInfo& pe) {
  ERR_clear_error();
  AuthenticodeInfo info;
  info.storedChecksum = pe.checksum;
  info.computedChecksum = peChecksum(file, pe.checksumOffset);
  auto table = pe.certificateTable();
  info.tableOffset = table.address;
  info.tableSize = table.size;
  if (table.size == 0 || table.address == 0) return info;  // unsigned

  info.status = SignatureStatus::kInvalid;
  const std::uint64_t tableEnd = info.tableOffset + info.tableSize;
  info.tableAtEndOfFile = tableEnd == file.size();
  info.tableOverrunsFile = tableEnd > file.size();
  if (info.tableOffset < pe.sizeOfHeaders) {
    info.reason = "certificate table overlaps the headers";
    return info;
  }
  checkEntries(file, info);
  if (info.tableOverrunsFile) {
    info.reason = "certificate table runs past the end of the file";
    return info;
  }
  if (info.entries.empty()) {
    info.reason = "certificate table holds no WIN_CERTIFICATE entry";
    return info;
  }

  // Every entry's PKCS#7 length and what follows it; the first signed-data entry is checked.
  Pkcs7Ptr first;
  for (std::size_t i = 0; i < info.entries.size(); ++i) {
    WinCertificate& e = info.entries[i];
    std::uint64_t avail = std::min<std::uint64_t>(e.length, tableEnd - e.offset) - 8;
    auto blob = detail::slice(file, e.offset + 8, avail);
    if (!blob || e.type != kWinCertTypePkcsSignedData) continue;
    const auto* p = reinterpret_cast<const unsigned char*>(blob->data());
    Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(blob->size())));
    if (!p7) {
      ERR_clear_error();
      continue;
    }
    e.pkcs7Length =
        static_cast<std::uint64_t>(p - reinterpret_cast<const unsigned char*>(blob->data()));
    e.paddingBytes = e.length >= 8 + e.pkcs7Length ? e.length - 8 - e.pkcs7Length : 0;
    std::uint64_t expected = align8(8 + e.pkcs7Length);
    e.slackBytes = e.length > expected ? e.length - expected : 0;
    auto padding = blob->subspan(e.pkcs7Length);
    e.paddingNonZero =
        std::any_of(padding.begin(), padding.end(), [](std::byte b) { return b != std::byte{0}; });
    if (!first) first = std::move(p7);
  }
  if (info.entries.front().type != kWinCertTypePkcsSignedData) {
    info.reason = "first WIN_CERTIFICATE is not PKCS#7 signed data";
    return info;
  }
  if (!first || info.entries.front().pkcs7Length == 0) {
    info.reason = "PKCS#7 blob does not parse";
    return info;
  }
  PKCS7* p7 = first.get();
  if (!PKCS7_type_is_signed(p7) || !p7->d.sign || !p7->d.sign->contents ||
      !p7->d.sign->contents->type) {
    info.reason = "PKCS#7 blob is not SignedData";
    return info;
  }

  // Certificates, signer, chain.
  STACK_OF(X509)* certs = p7->d.sign->cert;
  for (int i = 0; certs && i < sk_X509_num(certs); ++i)
    info.certificates.push_back(describe(sk_X509_value(certs, i)));
  X509Stack signers(PKCS7_get0_signers(p7, nullptr, 0));
  X509* signerCert =
      signers && sk_X509_num(signers.get()) > 0 ? sk_X509_value(signers.get(), 0) : nullptr;
  ERR_clear_error();
  if (signerCert) {
    info.signer = describe(signerCert);
    X509* cur = signerCert;
    info.chain.push_back(*info.signer);
    for (int depth = 0; depth < 16 && X509_check_issued(cur, cur) != X509_V_OK; ++depth) {
      X509* issuer = nullptr;
      for (int i = 0; certs && i < sk_X509_num(certs); ++i) {
        X509* c = sk_X509_value(certs, i);
        if (c != cur && X509_check_issued(c, cur) == X509_V_OK) {
          issuer = c;
          break;
        }
      }
      if (!issuer) break;
      info.chain.push_back(describe(issuer));
      cur = issuer;
    }
  }
  if (STACK_OF(PKCS7_SIGNER_INFO)* sis = PKCS7_get_signer_info(p7);
      sis && sk_PKCS7_SIGNER_INFO_num(sis) > 0) {
    PKCS7_SIGNER_INFO* si = sk_PKCS7_SIGNER_INFO_value(sis, 0);
    for (int i = 0; si->unauth_attr && i < sk_X509_ATTRIBUTE_num(si->unauth_attr); ++i) {
      X509_ATTRIBUTE* a = sk_X509_ATTRIBUTE_value(si->unauth_attr, i);
      std::string oid = oidText(X509_ATTRIBUTE_get0_object(a));
      if (oid == kRfc3161Timestamp || oid == kCounterSignature) info.hasTimestamp = true;
      if (oid == kSpcNestedSignature)
        info.nestedSignatures += static_cast<std::uint32_t>(X509_ATTRIBUTE_count(a));
    }
  }

  // The signed content: SpcIndirectDataContent with the image digest.
  if (oidText(p7->d.sign->contents->type) != kSpcIndirectData) {
    info.reason = "signed content is not SpcIndirectDataContent";
    return info;
  }
  ASN1_TYPE* other = p7->d.sign->contents->d.other;
  if (!other || other->type != V_ASN1_SEQUENCE || !other->value.sequence) {
    info.reason = "SpcIndirectDataContent is not a SEQUENCE";
    return info;
  }
  auto seq = std::as_bytes(std::span(other->value.sequence->data,
                                     static_cast<std::size_t>(other->value.sequence->length)));
  auto indirect = parseIndirectData(seq);
  if (!indirect) {
    info.reason = "SpcIndirectDataContent does not parse";
    return info;
  }
  const char* alg = digestName(indirect->digestOid);
  if (!alg) {
    info.reason = "unsupported digest algorithm " + indirect->digestOid;
    return info;
  }
  info.digestAlgorithm = alg;
  info.signedDigest = detail::hex(indirect->digest);
  auto computed = authenticodeDigest(file, pe, alg);
  if (!computed) {
    if (computed.error().code == ErrorCode::kInternal) return std::unexpected(computed.error());
    info.reason = computed.error().message;
    return info;
  }
  info.computedDigest = *computed;
  info.digestMatches = info.computedDigest == info.signedDigest;

  // The signature over the authenticated attributes, whose messageDigest covers the content
  // octets of SpcIndirectDataContent (without its tag and length: Authenticode's convention).
  X509Store store(X509_STORE_new());
  BioPtr content(
      BIO_new_mem_buf(indirect->content.data(), static_cast<int>(indirect->content.size())));
  if (!store || !content) return fail(ErrorCode::kInternal, opensslErrorAfter("out of memory"));
  std::string sigError;
  // PKCS7_verify copies a memory BIO into one of its own and, in OpenSSL 3.0, leaks that copy
  // when PKCS7_dataInit then fails, which it does for a digest algorithm it cannot fetch (found
  // by pe_fuzz). Such a SignedData cannot verify: say so without calling it.
  std::string unknownDigest;
  for (int i = 0; i < sk_X509_ALGOR_num(p7->d.sign->md_algs); ++i) {
    const X509_ALGOR* a = sk_X509_ALGOR_value(p7->d.sign->md_algs, i);
    // The same lookup as pkcs7_bio_add_digest: the object's name (not its dotted form), fetched
    // from the providers, else the legacy table.
    char buf[128] = {};
    int n = a && a->algorithm ? OBJ_obj2txt(buf, sizeof buf, a->algorithm, 0) : 0;
    std::string name = n > 0 && static_cast<std::size_t>(n) < sizeof buf ? buf : "";
    EVP_MD* fetched = name.empty() ? nullptr : EVP_MD_fetch(nullptr, name.c_str(), nullptr);
    bool known = fetched != nullptr || (!name.empty() && EVP_get_digestbyname(name.c_str()));
    EVP_MD_free(fetched);
    if (!known) {
      unknownDigest = name.empty() ? std::string("(missing)") : name;
      break;
    }
  }
  ERR_clear_error();
  if (!unknownDigest.empty()) {
    sigError = "signature does not verify: unsupported digest algorithm " + unknownDigest +
               " in SignedData";
  } else if (PKCS7_verify(p7, nullptr, store.get(), content.get(), nullptr,
                          PKCS7_NOVERIFY | PKCS7_BINARY) == 1) {
    info.signatureVerifies = true;
  } else {
    sigError = opensslErrorAfter("signature does not verify");
  }
  ERR_clear_error();

  if (!info.digestMatches) {
    info.reason = "image digest does not match the signed digest";
  } else if (!info.signatureVerifies) {
    info.reason = sigError;
  } else {
    info.status = SignatureStatus::kValid;
  }
  return info;
}

}  // namespace tollgate::binfmt
