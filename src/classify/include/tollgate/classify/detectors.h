// Detector definitions: what `classify` looks for, as data.
//
//   auto defs = classify::parseDetectors(classify::defaultDetectorsYaml(), "<defaults>");
//   auto extra = classify::parseDetectors(readFile("mine.yaml").value(), "mine.yaml");
//   classify::mergeDetectors(*defs, std::move(*extra));
//
// A detector is a Hyperscan pattern that finds candidates plus a built-in validator (checksum,
// structure, context window) that turns a candidate into a scored match. The shipped definitions
// live in data/detectors.yaml and are embedded into the binary at build time.
//
// Thread safety: all functions are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::classify {

enum class DetectorClass { kPersonal, kSecret, kHost };
enum class Severity { kInfo, kLow, kMedium, kHigh, kCritical };

// The built-in validators a definition can name.
enum class Validator {
  kNone,
  kEmail,
  kPhone,
  kCreditCard,
  kIban,
  kUsSsn,
  kUkNino,
  kDate,
  kIpv4,
  kIpv6,
  kPostalCode,
  kPrivateKey,
  kJwt,
  kAwsAccessKey,
  kEntropy,
  kUrlPassword,
  kBasicAuth,
  kToken,
  kValue,
  kWordList,
};

// Where a detector's pattern is tried. Every setting finds the same matches for patterns that
// keep to it; the narrower ones are much faster, because patterns without a literal (digit runs)
// cost Hyperscan time on every byte.
enum class Trigger {
  kEverywhere,  // every byte
  // Only around runs of digits and separators (space ( ) . + - /) that hold at least eight
  // digits, or four digits and three dots, or six digits after two letters (a NINO), or that
  // follow two capital letters (an IBAN-like prefix), reaching a few bytes before the run (and 48
  // after an IBAN-like prefix). For patterns made of digits, separators and a few letters next to
  // them: numbers, cards, IBANs, NINOs. (With only the shipped digit detectors, narrower still:
  // the runs their validators can accept.)
  kDigits,
  // Only after one of the context words (the pattern's start at most `window` bytes after the
  // word's); needs context_required. The context words are the literal trigger.
  kContext,
  // Only around an '@' (two bytes before it, 192 after): e-mail shapes.
  kAtSign,
  // Only around a colon followed by at most four hex digits and another colon (8 bytes before,
  // 64 after): IPv6 shapes.
  kColonPairs,
};
inline constexpr std::size_t kTriggerCount = 5;

struct DetectorDef {
  std::string id;       // reported detector id, e.g. "credit_card"
  std::string variant;  // distinguishes definitions sharing an id ("" when alone)
  DetectorClass cls = DetectorClass::kPersonal;
  Severity severity = Severity::kMedium;
  std::string pattern;  // Hyperscan expression (built from `words` for kWordList)
  bool caseless = false;
  Validator validator = Validator::kNone;
  std::vector<std::string> context;  // lower-case context words
  bool contextRequired = false;
  std::uint32_t window = 48;  // bytes before a candidate searched for context words
  double score = 0.8;
  int priority = 50;
  std::vector<std::string> words;  // kWordList
  std::uint32_t minWords = 3;      // kWordList
  double minEntropy = 0.0;         // kEntropy, kToken
  Trigger trigger = Trigger::kEverywhere;
  bool enabled = true;
};

// The YAML text of the shipped definitions.
[[nodiscard]] std::string_view defaultDetectorsYaml() noexcept;
// The shipped definitions parsed, once per process (thread-safe; the text never changes).
// Errors: kInternal when the embedded text does not parse (a build defect).
[[nodiscard]] const Result<std::vector<DetectorDef>>& shippedDetectors();

// Parses a definitions file (`detectors:` list, see data/detectors.yaml). `source` names the file
// in errors. Errors: kInvalidInput with the line of the offending entry.
[[nodiscard]] Result<std::vector<DetectorDef>> parseDetectors(std::string_view yaml,
                                                              const std::string& source);

// Adds `extra` to `base`: an entry with the same id and variant replaces the base one (an entry
// with enabled=false removes it), others are appended.
void mergeDetectors(std::vector<DetectorDef>& base, std::vector<DetectorDef> extra);

[[nodiscard]] std::string_view toString(DetectorClass c) noexcept;
[[nodiscard]] std::string_view toString(Severity s) noexcept;
[[nodiscard]] std::string_view toString(Validator v) noexcept;
[[nodiscard]] std::string_view toString(Trigger t) noexcept;

}  // namespace tollgate::classify
