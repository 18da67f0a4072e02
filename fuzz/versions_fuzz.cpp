// libFuzzer target for versions::compare() and versions::affected(). The first byte picks the
// scheme; the rest is split at '\n' into up to three versions a, b, c. Besides "no crash, no
// sanitizer report", every answer must be an order:
//   compare() fails for (a, b) exactly when it fails for (b, a), and exactly when validate()
//   rejects a or b; compare(a, a) == 0; compare(a, b) == -compare(b, a); a <= b <= c => a <= c
//   (except kMaven: Maven's ComparableVersion is not transitive, e.g. "nc" < "0a9cp-" < "0" <
//   "nc", and kMaven reproduces it; fuzz/corpus/versions/maven-cycle keeps that input).
//   affected() on the range [a, b) answers for c as compare() does.
// A violation aborts, so libFuzzer records the input.
//   build-fuzz/fuzz/versions_fuzz -max_total_time=180 fuzz/corpus/versions
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/util/result.h"
#include "tollgate/versions/versions.h"

namespace {

using tollgate::versions::compare;
using tollgate::versions::Scheme;
using tollgate::versions::validate;

void checkPair(Scheme s, std::string_view a, std::string_view b) {
  const auto ab = compare(s, a, b);
  const auto ba = compare(s, b, a);
  TOLLGATE_CHECK(ab.has_value() == ba.has_value(), "validity does not depend on the order");
  TOLLGATE_CHECK(ab.has_value() == (validate(s, a).has_value() && validate(s, b).has_value()),
                 "compare() fails exactly when validate() rejects a side");
  if (!ab) return;
  TOLLGATE_CHECK(*ab >= -1 && *ab <= 1, "compare() returns -1, 0 or 1");
  TOLLGATE_CHECK(*ab == -*ba, "compare() is antisymmetric");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  constexpr std::size_t kSchemes = std::size(tollgate::versions::kAllSchemes);
  const Scheme s = tollgate::versions::kAllSchemes[data[0] % kSchemes];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string_view> v;
  while (v.size() < 2) {
    const std::size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) break;
    v.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  v.push_back(rest);

  for (const auto x : v) {
    const auto self = compare(s, x, x);
    TOLLGATE_CHECK(self.has_value() == validate(s, x).has_value(), "validity of a version");
    if (self) TOLLGATE_CHECK(*self == 0, "compare() is reflexive");
  }
  for (std::size_t i = 0; i < v.size(); ++i)
    for (std::size_t j = i + 1; j < v.size(); ++j) checkPair(s, v[i], v[j]);

  if (v.size() == 3) {
    const auto ab = compare(s, v[0], v[1]);
    const auto bc = compare(s, v[1], v[2]);
    const auto ac = compare(s, v[0], v[2]);
    if (ab && bc && ac && s != Scheme::kMaven) {
      if (*ab <= 0 && *bc <= 0) TOLLGATE_CHECK(*ac <= 0, "compare() is transitive (<=)");
      if (*ab >= 0 && *bc >= 0) TOLLGATE_CHECK(*ac >= 0, "compare() is transitive (>=)");
      if (*ab == 0 && *bc == 0) TOLLGATE_CHECK(*ac == 0, "equality is transitive");
    }
    // [a, b) evaluated for c, the OSV way.
    using tollgate::versions::Event;
    using tollgate::versions::Range;
    const std::vector<Range> ranges = {
        {Range::kEcosystem,
         {{Event::kIntroduced, std::string(v[0])}, {Event::kFixed, std::string(v[1])}}}};
    const auto hit = tollgate::versions::affected(s, v[2], ranges, {});
    const auto ca = compare(s, v[2], v[0]);
    const auto cb = compare(s, v[2], v[1]);
    if (hit && ca && cb && v[0] != "0") {
      // Sorted, the walk sees the lower event first; equal versions keep their order.
      const bool expected = *ab <= 0 ? (*ca >= 0 && *cb < 0) : *ca >= 0;
      TOLLGATE_CHECK(*hit == expected, "affected() follows compare() on [a, b)");
    }
  }
  return 0;
}
