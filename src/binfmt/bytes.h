// Bounds-checked little/big-endian reads over untrusted bytes (private to binfmt).
//
// Every accessor checks `offset + size <= data.size()` without overflow and returns
// std::nullopt (or an empty span) instead of reading out of range, so parsers can treat any
// failed read as "malformed" with a single check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tollgate::binfmt::detail {

using Bytes = std::span<const std::byte>;

[[nodiscard]] inline bool inRange(Bytes data, std::uint64_t offset, std::uint64_t size) {
  return offset <= data.size() && size <= data.size() - offset;
}

// The sub-span [offset, offset + size), or an empty optional when it is not inside `data`.
[[nodiscard]] inline std::optional<Bytes> slice(Bytes data, std::uint64_t offset,
                                                std::uint64_t size) {
  if (!inRange(data, offset, size)) return std::nullopt;
  return data.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(size));
}

template <class T>
[[nodiscard]] std::optional<T> readLe(Bytes data, std::uint64_t offset) {
  if (!inRange(data, offset, sizeof(T))) return std::nullopt;
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    v |= static_cast<T>(static_cast<T>(std::to_integer<std::uint8_t>(data[offset + i])) << (8 * i));
  return v;
}

template <class T>
[[nodiscard]] std::optional<T> readBe(Bytes data, std::uint64_t offset) {
  if (!inRange(data, offset, sizeof(T))) return std::nullopt;
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    v = static_cast<T>((v << 8) | std::to_integer<std::uint8_t>(data[offset + i]));
  return v;
}

template <class T>
[[nodiscard]] std::optional<T> read(Bytes data, std::uint64_t offset, bool bigEndian) {
  return bigEndian ? readBe<T>(data, offset) : readLe<T>(data, offset);
}

[[nodiscard]] inline std::string_view asChars(Bytes b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// A NUL-terminated string starting at `offset`, at most `maxLen` bytes; nullopt when `offset` is
// out of range or no NUL occurs within the limit (or before the end of `data`).
[[nodiscard]] inline std::optional<std::string> cString(Bytes data, std::uint64_t offset,
                                                        std::size_t maxLen = 4096) {
  if (offset >= data.size()) return std::nullopt;
  std::string_view rest = asChars(data.subspan(static_cast<std::size_t>(offset)));
  if (rest.size() > maxLen) rest = rest.substr(0, maxLen + 1);
  auto nul = rest.find('\0');
  if (nul == std::string_view::npos || nul > maxLen) return std::nullopt;
  return std::string(rest.substr(0, nul));
}

// A fixed-size field holding a string padded with NULs (Mach-O segment names, PE section names).
[[nodiscard]] inline std::string fixedString(Bytes field) {
  std::string_view s = asChars(field);
  return std::string(s.substr(0, s.find('\0')));
}

[[nodiscard]] inline std::string hex(Bytes b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(b.size() * 2);
  for (std::byte x : b) {
    auto c = std::to_integer<std::uint8_t>(x);
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

// UTF-16LE code units from `data` up to the first NUL unit (or the end), as UTF-8; unpaired
// surrogates become U+FFFD. `consumed` (if given) receives the bytes read including the NUL.
[[nodiscard]] std::string utf16leToUtf8(Bytes data, std::size_t* consumed = nullptr);

// Shannon entropy in bits per byte (0..8) of `data`; 0 for an empty span.
[[nodiscard]] double entropy(Bytes data);

}  // namespace tollgate::binfmt::detail
