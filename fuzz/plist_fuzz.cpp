// libFuzzer target for the Info.plist reader (binfmt/plist.h): libplist's XML and binary parsers
// behind parseInfoPlist, as `tollgate diff` runs them on a bundle's Contents/Info.plist and a
// Mach-O's __TEXT,__info_plist section.
//   build-fuzz/fuzz/plist_fuzz -max_total_time=300 fuzz/corpus/plist
#include <cstddef>
#include <cstdint>
#include <span>

#include "tollgate/binfmt/plist.h"
#include "tollgate/util/result.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto b = tollgate::binfmt::parseInfoPlist(std::as_bytes(std::span(data, size)));
  if (!b) return 0;
  std::string v = b->versionText();
  TOLLGATE_CHECK(v.empty() == (b->shortVersion.empty() && b->bundleVersion.empty()),
                 "a version is shown exactly when one is declared");
  return 0;
}
