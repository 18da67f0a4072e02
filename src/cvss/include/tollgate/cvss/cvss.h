// CVSS scores from vector strings, per the FIRST specifications: v3.0 and v3.1 base scores
// (specification section 7) and v4.0 scores (MacroVector lookup and interpolation, section 8).
//
//   Result<cvss::Score> s = cvss::score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
//   s->value;    // 9.8
//   s->rating;   // Rating::kCritical
//
// v3.x: the base score only; temporal and environmental metrics are validated and ignored.
// v4.0: the score of everything the vector states (CVSS-B, -BT, -BE or -BTE): threat (E) and
//   environmental metrics take part as the specification says (E:X counts as A, CR/IR/AR:X as H,
//   a modified metric replaces its base metric); supplemental metrics are validated and ignored.
// Vectors: the "CVSS:3.0/", "CVSS:3.1/" or "CVSS:4.0/" prefix, then KEY:VALUE pairs separated by
// '/', every base metric exactly once, metrics in any order, no unknown metric or value.
// Errors: kInvalidInput naming the offending part ("unknown metric 'XX'", "AV given twice",
// "missing base metric PR"); kUnsupported for CVSS v2 and other prefixes. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "tollgate/util/result.h"

namespace tollgate::cvss {

enum class Version : std::uint8_t { kV3_0, kV3_1, kV4_0 };

// Qualitative severity rating scale (shared by v3.x and v4.0): None 0.0, Low 0.1-3.9,
// Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0.
enum class Rating : std::uint8_t { kNone, kLow, kMedium, kHigh, kCritical };

struct Score {
  Version version = Version::kV3_1;
  double value = 0.0;  // 0.0-10.0, one decimal
  Rating rating = Rating::kNone;
};

// Parses and scores a v3.0, v3.1 or v4.0 vector string.
[[nodiscard]] Result<Score> score(std::string_view vector);

[[nodiscard]] Rating ratingFor(double score);
// "none", "low", "medium", "high", "critical".
[[nodiscard]] std::string_view toString(Rating r);
// "3.0", "3.1", "4.0".
[[nodiscard]] std::string_view toString(Version v);

}  // namespace tollgate::cvss
