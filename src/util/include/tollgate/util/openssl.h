// OpenSSL handles behind RAII and OpenSSL's error queue as text, shared by every module that calls
// OpenSSL (util, catalog, binfmt, integrity, egress).
//
//   MdCtxPtr ctx(EVP_MD_CTX_new());
//   if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
//     return fail(ErrorCode::kInternal, "EVP_DigestInit: " + opensslError());
//
// OpenSSL's headers stay out of this one: the handle types are OpenSSL's own structs, forward
// declared (EVP_PKEY is `struct evp_pkey_st`, and so on), and the frees are in openssl.cpp.
// Handles that only one module uses (PKCS7 stacks, X509_STORE, X509_NAME, ...) stay in it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

struct bignum_st;
struct bio_st;
struct evp_md_ctx_st;
struct evp_pkey_st;
struct pkcs7_st;
struct x509_st;

namespace tollgate {

// A stateless deleter for each shared handle type; null is ignored.
struct OpensslFree {
  void operator()(bignum_st* p) const noexcept;      // BN_free
  void operator()(bio_st* p) const noexcept;         // BIO_free (one BIO, not a chain)
  void operator()(evp_md_ctx_st* p) const noexcept;  // EVP_MD_CTX_free
  void operator()(evp_pkey_st* p) const noexcept;    // EVP_PKEY_free
  void operator()(pkcs7_st* p) const noexcept;       // PKCS7_free
  void operator()(x509_st* p) const noexcept;        // X509_free
};

using BnPtr = std::unique_ptr<bignum_st, OpensslFree>;
using BioPtr = std::unique_ptr<bio_st, OpensslFree>;
using MdCtxPtr = std::unique_ptr<evp_md_ctx_st, OpensslFree>;
using PkeyPtr = std::unique_ptr<evp_pkey_st, OpensslFree>;
using Pkcs7Ptr = std::unique_ptr<pkcs7_st, OpensslFree>;
using X509Ptr = std::unique_ptr<x509_st, OpensslFree>;

// The oldest error OpenSSL queued on this thread, as ERR_error_string_n text, or `none` when the
// queue is empty. The queue is cleared either way, so a later call does not report a stale error.
// Thread-safe (the queue is per thread); never throws.
[[nodiscard]] std::string opensslError(std::string_view none = {});

// `what`, then ": " and the oldest queued error when there is one ("cannot finish digest:
// error:..."); clears the queue like opensslError().
[[nodiscard]] std::string opensslErrorAfter(std::string_view what);

}  // namespace tollgate
