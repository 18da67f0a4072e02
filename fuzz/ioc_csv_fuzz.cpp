// libFuzzer target for indicator CSV lists (vulndb::parseIocCsv). Every indicator it returns is
// in canonical form (canonicalIndicator is a fixed point on it) and can be looked up again.
//   build-fuzz/fuzz/ioc_csv_fuzz -max_total_time=180 fuzz/corpus/ioc_csv
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tollgate/util/diagnostics.h"
#include "tollgate/vulndb/ioc.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  tollgate::Diagnostics diag;
  auto r = tollgate::vulndb::parseIocCsv(input, "fuzz.csv", &diag);
  if (!r) return 0;
  for (const auto& i : *r) {
    auto again = tollgate::vulndb::canonicalIndicator(i.type, i.value);
    TOLLGATE_CHECK(again.has_value() && *again == i.value, "canonical values are a fixed point");
  }
  auto set = tollgate::vulndb::IndicatorSet::fromList(*r);
  for (const auto& i : *r)
    TOLLGATE_CHECK(set->find(i.type, i.value) != nullptr, "every indicator is found again");
  return 0;
}
