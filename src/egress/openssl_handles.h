// OpenSSL handles behind RAII (private to egress), and the minted certificate the CA hands to the
// proxy's TLS code.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <string>

#include "tollgate/util/c_handle.h"

namespace tollgate::egress {

using X509Ptr = CHandle<X509, &X509_free>;
using PkeyPtr = CHandle<EVP_PKEY, &EVP_PKEY_free>;
using BioPtr = CHandle<BIO, &BIO_free>;
using BnPtr = CHandle<BIGNUM, &BN_free>;
using ExtPtr = CHandle<X509_EXTENSION, &X509_EXTENSION_free>;
using X509NamePtr = CHandle<X509_NAME, &X509_NAME_free>;

// The oldest queued OpenSSL error as text ("" when none), clearing the queue.
inline std::string opensslError() {
  unsigned long first = ERR_get_error();
  unsigned long e = first;
  while (e != 0) e = ERR_get_error();
  if (first == 0) return {};
  char buf[256];
  ERR_error_string_n(first, buf, sizeof buf);
  return buf;
}

struct MintedCert {
  X509Ptr cert;
  PkeyPtr key;  // shared by every minted certificate (reference counted by OpenSSL)
  std::string host;
  std::chrono::system_clock::time_point notAfter;
};

}  // namespace tollgate::egress
