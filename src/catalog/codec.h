// Small decoders shared by the package catalogers (private to catalog/).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::catalog::detail {

// Base64 in either alphabet (standard "+/" and URL-safe "-_"), padding optional. nullopt on any
// other character, misplaced padding or an impossible length.
[[nodiscard]] inline std::optional<std::vector<std::uint8_t>> decodeBase64(std::string_view s) {
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  if (s.size() % 4 == 1) return std::nullopt;
  std::vector<std::uint8_t> out;
  out.reserve(s.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char ch : s) {
    int v;
    if (ch >= 'A' && ch <= 'Z') {
      v = ch - 'A';
    } else if (ch >= 'a' && ch <= 'z') {
      v = ch - 'a' + 26;
    } else if (ch >= '0' && ch <= '9') {
      v = ch - '0' + 52;
    } else if (ch == '+' || ch == '-') {
      v = 62;
    } else if (ch == '/' || ch == '_') {
      v = 63;
    } else {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// The CycloneDX algorithm name and digest length of a hash algorithm as spelt by npm's SRI
// strings and by Python's RECORD files ("sha512", "sha256", ...), or nullopt.
struct HashAlgorithm {
  const char* cyclonedx;
  std::size_t bytes;
};
[[nodiscard]] inline std::optional<HashAlgorithm> hashAlgorithm(std::string_view name) {
  if (name == "sha512") return HashAlgorithm{"SHA-512", 64};
  if (name == "sha384") return HashAlgorithm{"SHA-384", 48};
  if (name == "sha256") return HashAlgorithm{"SHA-256", 32};
  if (name == "sha1") return HashAlgorithm{"SHA-1", 20};
  if (name == "md5") return HashAlgorithm{"MD5", 16};
  return std::nullopt;
}

// First line of `s`, trimmed of spaces, cut to at most `maxLen` bytes (on a UTF-8 boundary).
[[nodiscard]] inline std::string oneLine(std::string_view s, std::size_t maxLen = 500) {
  auto nl = s.find_first_of("\r\n");
  if (nl != std::string_view::npos) s = s.substr(0, nl);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.size() > maxLen) {
    std::size_t n = maxLen;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
    s = s.substr(0, n);
  }
  return std::string(s);
}

}  // namespace tollgate::catalog::detail
