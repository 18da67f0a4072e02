#include "tollgate/util/openssl.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

namespace tollgate {

void OpensslFree::operator()(bignum_st* p) const noexcept { BN_free(p); }
void OpensslFree::operator()(bio_st* p) const noexcept { BIO_free(p); }
void OpensslFree::operator()(evp_md_ctx_st* p) const noexcept { EVP_MD_CTX_free(p); }
void OpensslFree::operator()(evp_pkey_st* p) const noexcept { EVP_PKEY_free(p); }
void OpensslFree::operator()(pkcs7_st* p) const noexcept { PKCS7_free(p); }
void OpensslFree::operator()(x509_st* p) const noexcept { X509_free(p); }

std::string opensslError(std::string_view none) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return std::string(none);
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

std::string opensslErrorAfter(std::string_view what) {
  std::string out(what);
  if (std::string e = opensslError(); !e.empty()) {
    out += ": ";
    out += e;
  }
  return out;
}

}  // namespace tollgate
