// libFuzzer target for classify: the scanner with every decoder (one-shot and streamed in chunks
// whose sizes come from the input), the decoders on their own, and the detector-file parser.
//
// Input layout: byte 0 selects options (content encoding, content type, chunking), the rest is
// the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/classify/decode.h"
#include "tollgate/classify/detectors.h"
#include "tollgate/classify/scanner.h"

namespace {

using namespace tollgate::classify;

const std::shared_ptr<const Database>& db() {
  static const std::shared_ptr<const Database> kDb = [] {
    auto d = Database::defaults();
    return d ? *d : nullptr;
  }();
  return kDb;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || !db()) return 0;
  std::uint8_t sel = data[0];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  ScanOptions opt;
  static const char* const kEncodings[] = {"", "gzip", "deflate", "br", "zstd", "identity"};
  opt.contentEncoding = kEncodings[sel % 6];
  if (sel & 0x08) opt.contentType = "multipart/form-data; boundary=XyZ";
  if (sel & 0x10) opt.contentType = "application/x-www-form-urlencoded";
  opt.maxDecodedBytes = 8 << 20;
  opt.roundBytes = (sel & 0x20) ? 64 : 4096;

  // One-shot and streamed must agree, match for match and in order; both must stay within their
  // bounds.
  auto whole = scan(db(), body, opt);
  if (auto sc = Scanner::open(db(), opt)) {
    std::vector<Match> out;
    std::size_t step = 1 + (sel >> 6) * 37;
    bool ok = true;
    for (std::size_t i = 0; i < body.size() && ok; i += step)
      ok = sc->feed(body.substr(i, step), out).has_value();
    if (ok) ok = sc->finish(out).has_value();
    if (whole && ok) {
      if (whole->size() != out.size()) __builtin_trap();
      for (std::size_t i = 0; i < out.size(); ++i) {
        const Match& a = (*whole)[i];
        const Match& b = out[i];
        if (a.detector != b.detector || a.start != b.start || a.end != b.end ||
            a.decoding != b.decoding || a.value != b.value)
          __builtin_trap();
      }
    }
  }

  // Decoders on their own.
  (void)percentDecode(body, true);
  (void)jsonUnescape(body);
  (void)base64Decode(body, sel & 1);
  (void)quotedPrintableDecode(body);
  (void)splitMultipart(body, "XyZ");
  for (auto c :
       {Compression::kGzip, Compression::kDeflate, Compression::kBrotli, Compression::kZstd})
    (void)decompress(c, body, 1 << 20);

  // Detector definitions (YAML) from the same bytes.
  if (sel == 0xff) {
    if (auto defs = parseDetectors(body, "fuzz"); defs && defs->size() < 8)
      (void)Database::compile(*defs);
  }
  return 0;
}
