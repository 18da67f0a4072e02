// Validators: turn a Hyperscan candidate into a match, or reject it. Private to classify.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/classify/detectors.h"

namespace tollgate::classify::detail {

struct Verdict {
  std::size_t start = 0;  // possibly adjusted span within the buffer
  std::size_t end = 0;
  double factor = 1.0;        // multiplies the detector's base score
  bool needsContext = false;  // valid only with a context word nearby
};

// `buf` is the whole scanned buffer (history included) so validators can look around the
// candidate [start, end); they never read past buf. `final` tells that no bytes follow buf.
[[nodiscard]] std::optional<Verdict> validate(const DetectorDef& def, std::string_view buf,
                                              std::size_t start, std::size_t end);

// Bytes after a candidate's end that validators may read; the streaming scanner holds this much
// back before deciding.
inline constexpr std::size_t kLookahead = 512;

// True when one of `words` (lower-case) occurs in the `window` bytes before `start` as a word (no
// letter before it, no lower-case letter after it). `strict` also asks that no other key
// ("name=", "name:") stands between the word and `start`.
[[nodiscard]] bool hasContext(const std::vector<std::string>& words, std::string_view buf,
                              std::size_t start, std::size_t window, bool strict = false);

// Individual checks, exposed for unit tests.
[[nodiscard]] bool luhn(std::string_view digits) noexcept;
[[nodiscard]] bool ibanChecksum(std::string_view iban) noexcept;  // compact, upper-case
[[nodiscard]] int ibanLength(std::string_view country) noexcept;  // 0 when unknown
[[nodiscard]] double shannonEntropy(std::string_view s) noexcept;

}  // namespace tollgate::classify::detail
