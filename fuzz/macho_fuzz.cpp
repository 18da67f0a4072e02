// libFuzzer target for the Mach-O parser (binfmt/macho.h), thin and universal, with the code
// signature's CodeDirectory, imported symbols (LC_SYMTAB, chained fixups), the Go build info
// lookup and the embedded __TEXT,__info_plist of each slice. Checks that slices and sections lie
// inside the input and that imports come out sorted and unique.
//   build-fuzz/fuzz/macho_fuzz -max_total_time=300 fuzz/corpus/macho
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "tollgate/binfmt/gobuildinfo.h"
#include "tollgate/binfmt/macho.h"
#include "tollgate/binfmt/plist.h"
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
    TOLLGATE_CHECK(std::adjacent_find(s.importedSymbols.begin(), s.importedSymbols.end(),
                                      std::greater_equal<>()) == s.importedSymbols.end(),
                   "imports sorted and unique");
    auto plist = tollgate::binfmt::machOSectionData(slice, s, "__TEXT", "__info_plist");
    TOLLGATE_CHECK(plist.empty() || (plist.data() >= slice.data() &&
                                     plist.data() + plist.size() <= slice.data() + slice.size()),
                   "section lies inside the slice");
    if (!plist.empty()) (void)tollgate::binfmt::parseInfoPlist(plist);
  }
  return 0;
}
