// libFuzzer target for fetch::verifyOsvZipBytes (the check of a downloaded all.zip: libarchive's
// zip reader plus JSON parsing of every member). No crash, no sanitizer report, no hang, and
// every error says what is wrong.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tollgate/fetch/fetch.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto r = tollgate::fetch::verifyOsvZipBytes(bytes, "fuzz.zip", 1 << 20);
  if (!r && r.error().message.empty()) std::abort();
  if (r && r->members == 0) std::abort();  // success means at least one advisory
  return 0;
}
