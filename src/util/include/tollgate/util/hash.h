// SHA-256 over OpenSSL EVP (SHA-NI / AVX2 where the CPU has them).
//
//   Sha256 h; h.update(bytes); std::string hex = h.hexDigest();
//   Result<std::string> d = sha256File(fd, buffer);   // big sequential reads
//
// Thread safety: a Sha256 object is single-threaded; distinct objects may be used concurrently.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "tollgate/util/openssl.h"
#include "tollgate/util/result.h"

namespace tollgate {

class Sha256 {
 public:
  Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const std::byte> data);
  void update(std::string_view data);
  // Finishes the digest; the object is reset and can be reused afterwards.
  [[nodiscard]] std::array<std::uint8_t, 32> digest();
  [[nodiscard]] std::string hexDigest();

 private:
  MdCtxPtr ctx_;
};

// Lower-case hex of bytes.
[[nodiscard]] std::string toHex(std::span<const std::uint8_t> bytes);

[[nodiscard]] std::string sha256Hex(std::string_view data);

// Hashes everything readable from `fd` (from its current offset) using `buffer` for reads.
// Errors: kIo naming `label` when a read fails.
[[nodiscard]] Result<std::string> sha256Fd(int fd, std::span<std::byte> buffer,
                                           const std::string& label);

struct FileDigests {
  std::string sha256;
  std::string sha1;  // empty unless asked for
};

// SHA-256 and, when `withSha1`, SHA-1 of everything readable from `fd`, in one pass over the
// data (SPDX 2.3 requires a SHA-1 per file). Errors: kIo naming `label`.
[[nodiscard]] Result<FileDigests> digestFd(int fd, std::span<std::byte> buffer, bool withSha1,
                                           const std::string& label);

}  // namespace tollgate
