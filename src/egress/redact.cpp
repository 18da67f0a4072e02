#include "tollgate/egress/redact.h"

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "tollgate/classify/decode.h"
#include "tollgate/util/strings.h"

namespace tollgate::egress {

Result<std::string> redactSpans(std::string_view data, const std::vector<classify::Match>& matches,
                                const std::set<std::string>& which, std::string_view replacement,
                                std::size_t* replaced) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
  for (const auto& m : matches) {
    if (!which.empty() && !which.contains(m.detector)) continue;
    if (m.start > m.end || m.end > data.size())
      return fail(ErrorCode::kInvalidInput, "match span outside the buffer");
    if (m.start == m.end) continue;
    spans.emplace_back(m.start, m.end);
  }
  std::sort(spans.begin(), spans.end());
  std::string out;
  out.reserve(data.size());
  std::uint64_t pos = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < spans.size();) {
    auto [s, e] = spans[i];
    std::size_t j = i + 1;
    while (j < spans.size() && spans[j].first <= e) e = std::max(e, spans[j++].second);
    out.append(data.substr(pos, s - pos));
    out.append(replacement);
    pos = e;
    ++n;
    i = j;
  }
  out.append(data.substr(pos));
  if (replaced) *replaced = n;
  return out;
}

namespace {

using classify::Compression;

bool wantedMatch(const classify::Match& m, const std::set<std::string>& which) {
  return which.empty() || which.contains(m.detector);
}

// deflateEnd only after a successful deflateInit2.
struct Deflater {
  z_stream s{};
  bool live = false;
  Deflater() = default;
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;
  ~Deflater() {
    if (live) deflateEnd(&s);
  }
};

// One zlib deflate of a whole buffer: windowBits 15+16 gzip, 15 zlib-wrapped, -15 raw.
Result<std::string> zlibCompress(std::string_view in, int windowBits) {
  if (in.size() > std::numeric_limits<uInt>::max())
    return fail(ErrorCode::kLimit, "body too large to compress");
  Deflater d;
  if (deflateInit2(&d.s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    return fail(ErrorCode::kInternal, "zlib: cannot initialise deflate");
  d.live = true;
  std::string out(deflateBound(&d.s, static_cast<uLong>(in.size())), '\0');
  d.s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  d.s.avail_in = static_cast<uInt>(in.size());
  d.s.next_out = reinterpret_cast<Bytef*>(out.data());
  d.s.avail_out = static_cast<uInt>(out.size());
  // deflateBound leaves room for the whole stream, so one Z_FINISH call ends it.
  if (int rc = deflate(&d.s, Z_FINISH); rc != Z_STREAM_END)
    return fail(ErrorCode::kInternal, "zlib: deflate failed (error " + std::to_string(rc) + ")");
  out.resize(d.s.total_out);
  return out;
}

Result<std::string> brotliCompress(std::string_view in) {
  // Quality 5 of 11: a proxy compresses on the request's path; 11 costs tens of times more CPU
  // for a few percent.
  constexpr int kQuality = 5;
  std::size_t size = BrotliEncoderMaxCompressedSize(in.size());
  if (size == 0) return fail(ErrorCode::kLimit, "body too large to compress");
  std::string out(size, '\0');
  if (!BrotliEncoderCompress(kQuality, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, in.size(),
                             reinterpret_cast<const std::uint8_t*>(in.data()), &size,
                             reinterpret_cast<std::uint8_t*>(out.data())))
    return fail(ErrorCode::kInternal, "brotli: compression failed");
  out.resize(size);
  return out;
}

Result<std::string> zstdCompress(std::string_view in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), ZSTD_CLEVEL_DEFAULT);
  if (ZSTD_isError(n))
    return fail(ErrorCode::kInternal,
                std::string("zstd: compression failed (") + ZSTD_getErrorName(n) + ")");
  out.resize(n);
  return out;
}

// RFC 1950's header (CM 8, FCHECK making CMF/FLG a multiple of 31): the test classify's
// Decompressor makes to choose between zlib-wrapped and raw deflate.
bool zlibWrapped(std::string_view d) {
  if (d.size() < 2) return false;
  unsigned cmf = static_cast<unsigned char>(d[0]), flg = static_cast<unsigned char>(d[1]);
  return (cmf & 0x0F) == 8 && ((cmf << 8) | flg) % 31 == 0;
}

// The same compression as `original` used, deflate in the same wrapping.
Result<std::string> recompress(Compression c, std::string_view original, std::string_view plain) {
  switch (c) {
    case Compression::kGzip:
      return zlibCompress(plain, 15 + 16);
    case Compression::kDeflate:
      return zlibCompress(plain, zlibWrapped(original) ? 15 : -15);
    case Compression::kBrotli:
      return brotliCompress(plain);
    case Compression::kZstd:
      return zstdCompress(plain);
  }
  return fail(ErrorCode::kInternal, "unknown compression");
}

}  // namespace

Result<RedactedBody> redactBody(const std::shared_ptr<const classify::Database>& db,
                                std::string_view body, const classify::ScanOptions& options,
                                const std::vector<classify::Match>& matches,
                                const std::set<std::string>& which, std::string_view replacement) {
  RedactedBody r;
  if (std::none_of(matches.begin(), matches.end(),
                   [&](const classify::Match& m) { return wantedMatch(m, which); })) {
    r.bytes = std::string(body);
    return r;
  }
  // Which compression classify looked through: the declared one, or (none declared) the one
  // its magic shows, exactly as the scanner decides.
  std::string enc = toLower(trim(options.contentEncoding));
  std::optional<Compression> c;
  std::string name;
  if (!enc.empty() && enc != "identity") {
    c = classify::compressionFromName(enc);
    name = printable(enc, 24);
    if (!c)
      return fail(ErrorCode::kUnsupported,
                  "cannot redact inside a '" + name +
                      "'-encoded body (stacked or unknown content encodings are not decoded)");
  } else if (enc.empty() && options.decode) {
    c = classify::sniffCompression(body);
    if (c) name = std::string(classify::toString(*c));
  }
  if (!c) {
    auto out = redactSpans(body, matches, which, replacement, &r.replaced);
    if (!out) return std::unexpected(out.error());
    r.bytes = std::move(*out);
    return r;
  }
  const std::string what = "cannot redact inside a " + name + "-encoded body: ";
  auto because = [&what](const Error& e) {
    return fail(e.code, what + e.message, e.context, e.offset);
  };
  if (!db) return fail(ErrorCode::kUnsupported, what + "no classifier to find the values again");
  auto dec = classify::Decompressor::open(*c, options.maxDecodedBytes);
  if (!dec) return because(dec.error());
  std::string plain;
  if (auto st = dec->feed(body, plain); !st) return because(st.error());
  if (auto st = dec->finish(); !st) return because(st.error());
  if (dec->consumed() < body.size())
    return fail(ErrorCode::kUnsupported,
                what + std::to_string(body.size() - dec->consumed()) +
                    " bytes after the end of the compressed stream are not decoded");
  // The spans classify reported lie in the compressed bytes: find the values again in the
  // decompressed ones, with the same settings (the content type decides form and multipart
  // decoding) but no content encoding left.
  classify::ScanOptions plainOptions = options;
  plainOptions.contentEncoding = "identity";
  auto found = classify::scan(db, plain, plainOptions);
  if (!found) return because(found.error());
  if (std::none_of(found->begin(), found->end(),
                   [&](const classify::Match& m) { return wantedMatch(m, which); }))
    return fail(ErrorCode::kInternal,
                what + "the values found in it were not found again after decompressing");
  auto cut = redactSpans(plain, *found, which, replacement, &r.replaced);
  if (!cut) return because(cut.error());
  auto packed = recompress(*c, body, *cut);
  if (!packed) return because(packed.error());
  r.bytes = std::move(*packed);
  r.recompressed = std::string(classify::toString(*c));
  return r;
}

Result<Redacted> classifyAndRedact(std::shared_ptr<const classify::Database> db,
                                   std::string_view data, const classify::ScanOptions& options,
                                   const std::set<std::string>& which,
                                   std::string_view replacement) {
  Redacted r;
  auto found = classify::scan(db, data, options);
  if (!found) return std::unexpected(found.error());
  r.matches = std::move(*found);
  auto out = redactBody(db, data, options, r.matches, which, replacement);
  if (!out) return std::unexpected(out.error());
  r.bytes = std::move(out->bytes);
  r.replaced = out->replaced;
  return r;
}

}  // namespace tollgate::egress
