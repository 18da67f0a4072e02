// Matches as comparable keys (detector, span, decoding, value), for tests that compare two scans.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "tollgate/classify/scanner.h"

namespace tollgate::classify {

using Key = std::tuple<std::string, std::uint64_t, std::uint64_t, std::string, std::string>;

inline std::set<Key> keys(const std::vector<Match>& ms) {
  std::set<Key> out;
  for (const auto& m : ms) out.emplace(m.detector, m.start, m.end, m.decoding, m.value);
  return out;
}

}  // namespace tollgate::classify
