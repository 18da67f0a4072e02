// Validators: turn a Hyperscan candidate into a match, or reject it. Private to classify.
#pragma once

#include <array>
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

// A detector's context words, prepared once: what hasContext does for them, without working out
// the words' first bytes for every candidate.
class ContextWords {
 public:
  ContextWords() = default;
  explicit ContextWords(std::vector<std::string> words);  // lower-case
  // hasContext(words, buf, start, window, strict).
  [[nodiscard]] bool before(std::string_view buf, std::size_t start, std::size_t window,
                            bool strict = false) const;

 private:
  std::vector<std::string> words_;
  bool vector_ = false;  // every word starts with a lower-case letter; at most 16 pairs below
  std::array<char, 16> first_{};
  std::array<char, 16> second_{};  // | 0x20; '\0' for a one-letter word
  std::size_t pairs_ = 0;
  // first_[k] and second_[k] in each of 16 bytes, for vector compares.
  alignas(16) std::array<std::array<char, 16>, 16> firstV_{};
  alignas(16) std::array<std::array<char, 16>, 16> secondV_{};
};

// Individual checks, exposed for unit tests.
[[nodiscard]] bool luhn(std::string_view digits) noexcept;
[[nodiscard]] bool ibanChecksum(std::string_view iban) noexcept;  // compact, upper-case
[[nodiscard]] int ibanLength(std::string_view country) noexcept;  // 0 when unknown
[[nodiscard]] double shannonEntropy(std::string_view s) noexcept;

}  // namespace tollgate::classify::detail
