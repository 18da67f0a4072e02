// libFuzzer target for the Mach-O parser (binfmt/macho.h), thin and universal, with the code
// signature's CodeDirectory, and the Go build info lookup of each slice. Checks that slices lie
// inside the input.
//   build-fuzz/fuzz/macho_fuzz -max_total_time=300 fuzz/corpus/macho
#include <cstddef>
#include <cstdint>
#include <span>

#include "tollgate/binfmt/gobuildinfo.h"
#include "tollgate/binfmt/macho.h"
#include "tollgate/util/result.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto bytes = std::as_bytes(std::span(data, size));
  auto m = tollgate::binfmt::parseMachO(bytes);
  if (!m) return 0;
  TOLLGATE_CHECK(!m->slices.empty(), "a parsed Mach-O file has a slice");
  for (const auto& s : m->slices) {
    auto slice = tollgate::binfmt::machOSliceBytes(bytes, s);
    TOLLGATE_CHECK(slice.size() == s.size, "slice lies inside the file");
    (void)s.cpuName();
    (void)s.fileTypeName();
    (void)tollgate::binfmt::goBuildInfoFromMachO(slice, s);
  }
  return 0;
}
