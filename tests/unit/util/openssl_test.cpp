// OpenSSL's error queue as text and the shared RAII handles (tollgate/util/openssl.h), on real
// OpenSSL failures.
#include "tollgate/util/openssl.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

namespace tollgate {
namespace {

// A PEM read of text that is not PEM: OpenSSL queues "no start line" (or similar).
void failPemRead() {
  std::string text = "not a key";
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  ASSERT_TRUE(bio);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_FALSE(key);
}

TEST(OpensslError, EmptyQueueGivesTheFallback) {
  ERR_clear_error();
  EXPECT_EQ(opensslError(), "");
  EXPECT_EQ(opensslError("unknown OpenSSL error"), "unknown OpenSSL error");
  EXPECT_EQ(opensslErrorAfter("cannot finish digest"), "cannot finish digest");
}

TEST(OpensslError, OldestErrorThenTheQueueIsEmpty) {
  ERR_clear_error();
  failPemRead();
  std::string e = opensslError("none");
  EXPECT_NE(e, "none");
  EXPECT_TRUE(e.starts_with("error:")) << e;
  EXPECT_EQ(ERR_peek_error(), 0u);  // cleared: the next failure does not report this one
  EXPECT_EQ(opensslError("none"), "none");

  failPemRead();
  std::string after = opensslErrorAfter("not a PEM key");
  EXPECT_EQ(after, "not a PEM key: " + e);
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(OpensslHandles, OwnAndFree) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  ASSERT_TRUE(ctx);
  EXPECT_EQ(EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr), 1);
  MdCtxPtr moved = std::move(ctx);
  EXPECT_FALSE(ctx);
  EXPECT_TRUE(moved);
  PkeyPtr none;  // a null handle is not freed
  X509Ptr noCert;
  EXPECT_FALSE(none || noCert);
}

}  // namespace
}  // namespace tollgate
