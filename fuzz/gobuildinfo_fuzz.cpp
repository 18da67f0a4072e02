// libFuzzer target for Go build info decoding (binfmt/gobuildinfo.h): the input is mapped at two
// virtual addresses (so pre-1.18 pointer blobs can point anywhere in it) and searched from the
// first; it is also parsed as module info text. Checks that a decoded blob has a Go version.
//   build-fuzz/fuzz/gobuildinfo_fuzz -max_total_time=300 fuzz/corpus/gobuildinfo
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tollgate/binfmt/gobuildinfo.h"
#include "tollgate/util/result.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto bytes = std::as_bytes(std::span(data, size));
  std::vector<tollgate::binfmt::MemoryRegion> memory = {{0x400000, 0, size}, {0x1000, 0, size}};
  auto info = tollgate::binfmt::findGoBuildInfo(bytes, memory, 0x400000);
  if (info && *info) TOLLGATE_CHECK(!(*info)->goVersion.empty(), "build info has a Go version");
  (void)tollgate::binfmt::parseGoModInfo(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
