// libFuzzer target for sbom::readBom (CycloneDX and SPDX JSON from untrusted files).
//
// Besides "no crash, no sanitizer report", it checks the writers against the reader: whatever
// readBom() accepts must serialise to all three formats, and the CycloneDX and SPDX output must
// read back without error.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "tollgate/sbom/writers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tollgate::sbom;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto bom = readBom(text, "fuzz-input");
  if (!bom) {
    if (bom.error().message.empty()) std::abort();  // every error says what is wrong
    return 0;
  }
  (void)toTable(*bom);
  for (Format f : {Format::kCycloneDxJson, Format::kSpdxJson}) {
    auto again = readBom(write(*bom, f), "rewritten");
    if (!again) {
      std::fprintf(stderr, "own output rejected: %s\n", again.error().describe().c_str());
      std::abort();
    }
  }
  return 0;
}
