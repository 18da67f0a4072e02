// libFuzzer target for the OSV advisory parser (vulndb::OsvParser). Besides "no crash, no
// sanitizer report": every parsed advisory has an id, its ranges survive the store's encoding
// (encodeRanges -> decodeRanges gives the same events), and evaluating them never crashes.
//   build-fuzz/fuzz/osv_fuzz -max_total_time=180 fuzz/corpus/osv
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tollgate/util/result.h"
#include "tollgate/versions/versions.h"
#include "tollgate/vulndb/osv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  tollgate::vulndb::OsvParser parser;
  auto r = parser.parse(input, "fuzz.json");
  if (!r) return 0;
  for (const auto& a : *r) {
    TOLLGATE_CHECK(!a.id.empty(), "a parsed advisory has an id");
    for (const auto& af : a.affected) {
      auto back = tollgate::vulndb::decodeRanges(tollgate::vulndb::encodeRanges(af.ranges));
      TOLLGATE_CHECK(back.has_value(), "encoded ranges decode");
      TOLLGATE_CHECK(back->size() == af.ranges.size(), "every range survives the encoding");
      for (std::size_t i = 0; i < back->size(); ++i) {
        TOLLGATE_CHECK((*back)[i].type == af.ranges[i].type, "range type survives");
        TOLLGATE_CHECK((*back)[i].events.size() == af.ranges[i].events.size(), "events survive");
        for (std::size_t j = 0; j < back->size() && j < (*back)[i].events.size(); ++j)
          TOLLGATE_CHECK((*back)[i].events[j].version == af.ranges[i].events[j].version,
                         "event versions survive");
      }
      auto scheme = tollgate::versions::schemeForEcosystem(af.ecosystem);
      (void)tollgate::versions::affected(scheme, "1.0.0", af.ranges, af.versions);
    }
  }
  return 0;
}
