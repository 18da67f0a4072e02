// libFuzzer target for redaction inside request bodies (egress/redact.h): a body from a client,
// possibly compressed, is classified, decompressed, cut and compressed again. The first byte picks
// the Content-Encoding and Content-Type; the rest is the body. A body either comes back (and,
// when it was recompressed, decompresses again) or is refused with a one-line reason.
//   build-fuzz/fuzz/redact_fuzz -max_total_time=180 fuzz/corpus/redact
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tollgate/classify/decode.h"
#include "tollgate/classify/scanner.h"
#include "tollgate/egress/redact.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tollgate;
  if (size == 0) return 0;
  static const auto db = [] {
    auto d = classify::Database::defaults();
    TOLLGATE_CHECK(d.has_value(), "the shipped detectors compile");
    return *d;
  }();
  static constexpr std::array<std::string_view, 7> kEncodings{"gzip", "deflate",  "br",      "zstd",
                                                              "",     "identity", "gzip, br"};
  static constexpr std::array<std::string_view, 3> kTypes{
      "application/json", "application/x-www-form-urlencoded", "text/plain"};
  classify::ScanOptions opt;
  opt.contentEncoding = std::string(kEncodings[data[0] % kEncodings.size()]);
  opt.contentType = std::string(kTypes[(data[0] / kEncodings.size()) % kTypes.size()]);
  opt.maxDecodedBytes = 1 << 20;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto found = classify::scan(db, body, opt);
  if (!found) return 0;
  auto r = egress::redactBody(db, body, opt, *found, {}, "[REDACTED]");
  if (!r) {
    TOLLGATE_CHECK(r.error().message.find('\n') == std::string::npos, "one-line reason");
    return 0;
  }
  if (!r->recompressed.empty()) {
    auto c = classify::compressionFromName(r->recompressed == "brotli" ? "br" : r->recompressed);
    TOLLGATE_CHECK(c.has_value(), "a known compression");
    auto plain = classify::decompress(*c, r->bytes, opt.maxDecodedBytes + (64u << 20));
    TOLLGATE_CHECK(plain.has_value(), "what redaction compressed decompresses");
  } else if (r->replaced == 0) {
    TOLLGATE_CHECK(r->bytes == body, "nothing cut, nothing changed");
  }
  return 0;
}
