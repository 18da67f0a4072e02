// OpenSSL handles only egress uses, behind RAII (the shared ones and opensslError() are in
// tollgate/util/openssl.h), and the minted certificate the CA hands to the proxy's TLS code.
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
#include "tollgate/util/openssl.h"

namespace tollgate::egress {

using ExtPtr = CHandle<X509_EXTENSION, &X509_EXTENSION_free>;
using X509NamePtr = CHandle<X509_NAME, &X509_NAME_free>;

struct MintedCert {
  X509Ptr cert;
  PkeyPtr key;  // shared by every minted certificate (reference counted by OpenSSL)
  std::string host;
  std::chrono::system_clock::time_point notAfter;
};

}  // namespace tollgate::egress
