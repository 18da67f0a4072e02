#include "tollgate/util/hash.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tollgate {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  TOLLGATE_CHECK(ctx_ != nullptr, "EVP_MD_CTX_new only fails when out of memory");
  TOLLGATE_CHECK(EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) == 1,
                 "SHA-256 is always available");
}

void Sha256::update(std::span<const std::byte> data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
}

void Sha256::update(std::string_view data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
}

std::array<std::uint8_t, 32> Sha256::digest() {
  std::array<std::uint8_t, 32> out{};
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx_.get(), out.data(), &len);
  EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
  return out;
}

std::string Sha256::hexDigest() {
  auto d = digest();
  return toHex(d);
}

std::string toHex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

std::string sha256Hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hexDigest();
}

Result<std::string> sha256Fd(int fd, std::span<std::byte> buffer, const std::string& label) {
  Sha256 h;
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorCode::kIo, std::string("read failed: ") + std::strerror(errno), label);
    }
    if (n == 0) break;
    h.update(buffer.first(static_cast<std::size_t>(n)));
  }
  return h.hexDigest();
}

Result<FileDigests> digestFd(int fd, std::span<std::byte> buffer, bool withSha1,
                             const std::string& label) {
  if (!withSha1) {
    auto d = sha256Fd(fd, buffer, label);
    if (!d) return std::unexpected(d.error());
    return FileDigests{std::move(*d), {}};
  }
  Sha256 h256;
  MdCtxPtr h1(EVP_MD_CTX_new());
  TOLLGATE_CHECK(h1 && EVP_DigestInit_ex(h1.get(), EVP_sha1(), nullptr) == 1,
                 "SHA-1 is available in the default provider");
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(ErrorCode::kIo, std::string("read failed: ") + std::strerror(errno), label);
    }
    if (n == 0) break;
    auto chunk = buffer.first(static_cast<std::size_t>(n));
    h256.update(chunk);
    EVP_DigestUpdate(h1.get(), chunk.data(), chunk.size());
  }
  std::array<std::uint8_t, 20> d1{};
  unsigned len = 0;
  EVP_DigestFinal_ex(h1.get(), d1.data(), &len);
  return FileDigests{h256.hexDigest(), toHex(d1)};
}

}  // namespace tollgate
