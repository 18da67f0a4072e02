// libFuzzer target for cvss::score (vector strings from untrusted advisories). No crash, no
// sanitizer report; an accepted vector has a score in 0-10 with one decimal and the matching
// rating, and errors say what is wrong.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tollgate/cvss/cvss.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tollgate::cvss;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = score(text);
  if (!s) {
    if (s.error().message.empty()) std::abort();
    return 0;
  }
  if (!(s->value >= 0.0 && s->value <= 10.0)) std::abort();
  if (std::fabs(s->value * 10.0 - std::round(s->value * 10.0)) > 1e-6) std::abort();
  if (s->rating != ratingFor(s->value)) std::abort();
  return 0;
}
