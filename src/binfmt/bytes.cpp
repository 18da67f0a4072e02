#include "bytes.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace tollgate::binfmt::detail {

namespace {
void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}
}  // namespace

std::string utf16leToUtf8(Bytes data, std::size_t* consumed) {
  std::string out;
  std::size_t i = 0;
  std::optional<std::uint16_t> pendingHigh;
  for (; i + 2 <= data.size(); i += 2) {
    auto u = *readLe<std::uint16_t>(data, i);
    if (u == 0) {
      i += 2;
      break;
    }
    if (u >= 0xd800 && u <= 0xdbff) {
      if (pendingHigh) appendUtf8(out, 0xfffd);
      pendingHigh = u;
      continue;
    }
    if (u >= 0xdc00 && u <= 0xdfff) {
      if (pendingHigh) {
        appendUtf8(out, 0x10000 + ((std::uint32_t{*pendingHigh} - 0xd800) << 10) + (u - 0xdc00));
        pendingHigh.reset();
      } else {
        appendUtf8(out, 0xfffd);
      }
      continue;
    }
    if (pendingHigh) {
      appendUtf8(out, 0xfffd);
      pendingHigh.reset();
    }
    appendUtf8(out, u);
  }
  if (pendingHigh) appendUtf8(out, 0xfffd);
  if (consumed) *consumed = std::min(i, data.size());
  return out;
}

double entropy(Bytes data) {
  if (data.empty()) return 0.0;
  std::array<std::uint64_t, 256> counts{};
  for (std::byte b : data) ++counts[std::to_integer<std::uint8_t>(b)];
  double h = 0.0;
  const auto n = static_cast<double>(data.size());
  for (std::uint64_t c : counts) {
    if (c == 0) continue;
    double p = static_cast<double>(c) / n;
    h -= p * std::log2(p);
  }
  return h;
}

}  // namespace tollgate::binfmt::detail
