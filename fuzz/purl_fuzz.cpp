// libFuzzer target for purl::parse (both modes). Besides "no crash, no sanitizer report", every
// successful parse must satisfy the module's canonical-form contract (purl.h):
//   parse(p.toString()) == p, in the same mode and in kStrict (canonical text always conforms);
//   toString() is a fixed point; build(p) == p; kStrict success implies the same kNormalize result.
// A violation aborts, so libFuzzer records the input.
//   build-fuzz/fuzz/purl_fuzz -max_total_time=180 fuzz/corpus/purl
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tollgate/purl/purl.h"
#include "tollgate/util/result.h"

namespace {

using tollgate::purl::PackageUrl;
using tollgate::purl::ParseMode;

void checkCanonical(const PackageUrl& p, ParseMode mode) {
  const std::string canonical = p.toString();
  // Percent-encoding can triple the length; past the input limit a re-parse is refused by design.
  if (canonical.size() > tollgate::purl::kMaxPurlLength) return;
  for (const ParseMode again : {mode, ParseMode::kStrict}) {
    const auto reparsed = tollgate::purl::parse(canonical, again);
    TOLLGATE_CHECK(reparsed.has_value(), "the canonical form of a parsed purl parses");
    TOLLGATE_CHECK(*reparsed == p, "the canonical form parses back to the same components");
    TOLLGATE_CHECK(reparsed->toString() == canonical, "the canonical form is a fixed point");
  }
  const auto rebuilt = tollgate::purl::build(p);
  TOLLGATE_CHECK(rebuilt.has_value(), "parsed components build");
  TOLLGATE_CHECK(*rebuilt == p, "build() leaves parsed components unchanged");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto lenient = tollgate::purl::parse(input, ParseMode::kNormalize);
  const auto strict = tollgate::purl::parse(input, ParseMode::kStrict);
  if (lenient) checkCanonical(*lenient, ParseMode::kNormalize);
  if (strict) {
    checkCanonical(*strict, ParseMode::kStrict);
    TOLLGATE_CHECK(lenient.has_value() && *lenient == *strict,
                   "kNormalize accepts what kStrict accepts, with the same result");
  }
  return 0;
}
