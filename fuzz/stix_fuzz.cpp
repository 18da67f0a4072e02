// libFuzzer target for STIX 2.1 indicator bundles (vulndb::parseStix): no crash, and every
// indicator it returns is canonical (canonicalIndicator is a fixed point on it).
//   build-fuzz/fuzz/stix_fuzz -max_total_time=180 fuzz/corpus/stix
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tollgate/util/diagnostics.h"
#include "tollgate/vulndb/ioc.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  tollgate::Diagnostics diag;
  auto r = tollgate::vulndb::parseStix(input, "fuzz.json", &diag);
  if (!r) return 0;
  for (const auto& i : *r) {
    auto again = tollgate::vulndb::canonicalIndicator(i.type, i.value);
    TOLLGATE_CHECK(again.has_value() && *again == i.value, "canonical values are a fixed point");
  }
  return 0;
}
