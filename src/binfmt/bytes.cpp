#include "bytes.h"

#include <array>
#include <cmath>

namespace tollgate::binfmt::detail {

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
