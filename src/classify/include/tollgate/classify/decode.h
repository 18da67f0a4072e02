// The decoders classify looks through: content encodings (incremental, bounded) and the text
// encodings that hide values inside a body. Pure functions over bytes, no I/O; exposed for tests,
// fuzzing and other modules (the proxy decodes bodies with the same code).
//
// Thread safety: free functions are pure; a Decompressor is single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::classify {

enum class Compression { kGzip, kDeflate, kBrotli, kZstd };

// "gzip"/"x-gzip", "deflate", "br", "zstd" (case-insensitive); nullopt for anything else.
[[nodiscard]] std::optional<Compression> compressionFromName(std::string_view name);
[[nodiscard]] std::string_view toString(Compression c) noexcept;
// gzip, zstd or zlib magic at the start of `data` (raw deflate and brotli have none).
[[nodiscard]] std::optional<Compression> sniffCompression(std::string_view data) noexcept;

class DecompressorImpl;

// Incremental decompression with a bound on the total output. Deflate accepts both the zlib
// wrapper (RFC 1950) and raw deflate (RFC 1951), as browsers do. Gzip reads every member of a
// multi-member stream (RFC 1952 §2.2, as zcat does); zstd every frame.
class Decompressor {
 public:
  // Errors: kInternal when the library cannot allocate its state.
  [[nodiscard]] static Result<Decompressor> open(Compression c, std::uint64_t maxOutput);
  Decompressor(Decompressor&&) noexcept;
  Decompressor& operator=(Decompressor&&) noexcept;
  ~Decompressor();

  // Appends the output of `in` to `out`. Errors: kInvalidInput for corrupt data (with the input
  // offset), kLimit past maxOutput. Bytes after the end of the compressed stream (that do not
  // start another gzip member) are ignored.
  [[nodiscard]] Status feed(std::string_view in, std::string& out);
  // Errors: kInvalidInput when the compressed stream was cut short.
  [[nodiscard]] Status finish();
  [[nodiscard]] bool ended() const noexcept;
  // Compressed bytes used so far: once ended(), the length of the stream, so that a caller can
  // tell bytes after its end (a second gzip member, trailing garbage) from none.
  [[nodiscard]] std::uint64_t consumed() const noexcept;

 private:
  explicit Decompressor(std::unique_ptr<DecompressorImpl> impl);
  std::unique_ptr<DecompressorImpl> impl_;
};

// Tells cheaply whether bytes can be a brotli stream (brotli has no magic: every compressed-looking
// blob is a candidate). A brotli decoder fed the first bytes only; since it decides on the bits
// in order, a stream it rejects there is one that decompress() rejects too. Random bytes are
// almost always rejected within two bytes. The probe keeps its decoder memory between calls (no
// allocation per call). Single-threaded; one per scanner.
class BrotliProbe {
 public:
  BrotliProbe();
  BrotliProbe(const BrotliProbe&) = delete;
  BrotliProbe& operator=(const BrotliProbe&) = delete;
  ~BrotliProbe();
  // False when `data` is certainly not a valid brotli stream; true when it may be (decompress to
  // know).
  [[nodiscard]] bool mayBe(std::string_view data);

 private:
  struct Arena;
  std::unique_ptr<Arena> arena_;
};

// Whole-buffer decompression. Errors as Decompressor::feed and finish.
[[nodiscard]] Result<std::string> decompress(Compression c, std::string_view in,
                                             std::uint64_t maxOutput);

// %XX decoding; invalid escapes are kept as they are. plusIsSpace for form bodies.
[[nodiscard]] std::string percentDecode(std::string_view in, bool plusIsSpace);
// The content of a JSON string (without its quotes) with escapes resolved (\uXXXX pairs to UTF-8,
// also \xHH as JavaScript writes it); nullopt on a malformed escape.
[[nodiscard]] std::optional<std::string> jsonUnescape(std::string_view in);
// Quoted-printable (RFC 2045 §6.7): =XX escapes and soft line breaks; invalid escapes kept.
[[nodiscard]] std::string quotedPrintableDecode(std::string_view in);
// Base64 (RFC 4648 §4) or base64url (§5); padding optional; whitespace not allowed; nullopt when
// `in` is not valid in that alphabet or has a length of 1 mod 4.
[[nodiscard]] std::optional<std::string> base64Decode(std::string_view in, bool url);
// base64Decode of `in` without its white space (CR, LF, space, tab): MIME and PEM bodies.
// Lines of whole groups of four are decoded in place, without a copy.
[[nodiscard]] std::optional<std::string> base64DecodeLines(std::string_view in, bool url);
// base64Decode and base64DecodeLines into `out` (its bytes replaced, its capacity reused: no
// allocation per call once it is large enough); false where they give nullopt, `out` then
// holding no meaningful bytes.
[[nodiscard]] bool base64DecodeInto(std::string_view in, bool url, std::string& out);
[[nodiscard]] bool base64DecodeLinesInto(std::string_view in, bool url, std::string& out);

struct MultipartPart {
  std::uint64_t start = 0;  // offsets of the part's body in the multipart body
  std::uint64_t end = 0;
  std::uint64_t delimiter = 0;   // where the delimiter line that opens the part starts
  std::string contentType;       // lower-cased, "" when absent
  std::string contentEncoding;   // Content-Encoding, lower-cased
  std::string transferEncoding;  // Content-Transfer-Encoding, lower-cased
};
// The boundary parameter of a multipart Content-Type, or "" when there is none.
[[nodiscard]] std::string multipartBoundary(std::string_view contentType);
// Where splitMultipart stopped: at the closing delimiter (`closed`), at a delimiter whose line or
// headers do not end in the body (more bytes may complete the part), or at no delimiter (npos).
struct MultipartStop {
  std::uint64_t at = ~std::uint64_t{0};
  bool closed = false;
};
// Splits a multipart body (RFC 2046 §5.1, RFC 7578) into its parts; tolerant of a missing final
// delimiter. At most `maxParts` parts. A delimiter inside a part's headers is part of them.
[[nodiscard]] std::vector<MultipartPart> splitMultipart(std::string_view body,
                                                        std::string_view boundary,
                                                        std::size_t maxParts = 1000,
                                                        MultipartStop* stop = nullptr);

}  // namespace tollgate::classify
