// Finding personal data and secrets in byte streams.
//
//   auto db = classify::Database::compile(defs);           // once; share it between threads
//   auto scanner = classify::Scanner::open(*db, {});       // one per stream (owns scratch)
//   std::vector<classify::Match> found;
//   for (auto chunk : chunks) if (auto st = scanner->feed(chunk, found); !st) ...;
//   if (auto st = scanner->finish(found); !st) ...;
//   // or, reading a file without a copy: auto room = scanner->prepare(1 << 20);
//   //   n = read(fd, room.data(), room.size()); scanner->commit(n, found);
//   // or, for a whole buffer: auto found = classify::scan(db, bytes, {});
//   // or, for many small inputs on one thread (a proxy's URLs and bodies), one scanner reused:
//   if (auto st = scanner->scanAll(url, opts, found); !st) ...;   // reset + feed + finish
//
// Bodies are decoded before matching (gzip, deflate, brotli and zstd content encodings; URL and
// form encoding; JSON string escapes; base64 and base64url segments; multipart/form-data parts),
// up to a bounded depth; a match reports the decoding path that revealed it ("base64>gzip") and,
// for such matches, the span of the outermost encoded segment in the input as given.
//
// Matches spanning chunk boundaries are found: the scanner keeps a window of recent bytes and
// reports a match once the bytes after it (a look-ahead) have arrived, and an encoded segment once
// it is complete. Matches come out in order of their end offset (ties by start, then detector,
// decoding, value), and the matches and their order are the same whatever the chunking and
// ScanOptions::roundBytes.
//
// Thread safety: a Database is immutable (but for a mutex-guarded pool of Hyperscan scratch) and
// may be used by any number of Scanners on any threads. A Scanner is single-threaded.
//
// Cost: Scanner::open takes a Hyperscan scratch from the Database's pool (allocated only when
// more scanners than ever before are open at once) and gives it back on destruction, so the
// one-shot scan() allocates no scratch once warm. Cheapest per small input is a Scanner kept per
// worker thread and reused with reset() or scanAll(): no scratch traffic, buffers kept.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/classify/detectors.h"
#include "tollgate/util/result.h"

namespace tollgate::classify {

class DatabaseImpl;

// The compiled detectors: one Hyperscan database for all of them plus their validator settings.
class Database {
 public:
  // Compiles the enabled definitions. Errors: kInvalidInput naming the detector whose pattern
  // Hyperscan rejects; kUnsupported when the CPU lacks what Hyperscan needs (SSSE3).
  [[nodiscard]] static Result<std::shared_ptr<const Database>> compile(
      const std::vector<DetectorDef>& defs);
  // As compile, but reuses the databases compiled from the same patterns by the same Hyperscan
  // version when `cacheDir` holds them (hs_serialize_database files named by a SHA-256 of both),
  // and stores them there after compiling. An empty `cacheDir` is compile. A missing, corrupt or
  // foreign cache file only costs the compile; a cache that cannot be written is ignored.
  [[nodiscard]] static Result<std::shared_ptr<const Database>> compileCached(
      const std::vector<DetectorDef>& defs, const std::filesystem::path& cacheDir);
  // The shipped definitions compiled.
  [[nodiscard]] static Result<std::shared_ptr<const Database>> defaults();

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  [[nodiscard]] const std::vector<DetectorDef>& detectors() const noexcept;
  [[nodiscard]] const DatabaseImpl& impl() const noexcept { return *impl_; }

 private:
  explicit Database(std::unique_ptr<DatabaseImpl> impl);
  std::unique_ptr<DatabaseImpl> impl_;
};

struct Match {
  std::string detector;  // stable id, e.g. "credit_card"
  DetectorClass cls = DetectorClass::kPersonal;
  Severity severity = Severity::kMedium;
  // Byte offsets in the input as given; for a match inside a decoding, the span of the outermost
  // encoded segment. In a content-encoded stream (gzip, ...): 0, and the compressed bytes read up
  // to the first multiple of 64 KiB by which the match's bytes were decompressed (or the whole
  // stream's length), an end that does not depend on how the stream was fed.
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  double score = 0;
  std::string decoding;  // "" for plain bytes, else the path, e.g. "base64>gzip"
  std::string value;     // the matched bytes (decoded); never print without --show-values
};

// "4111********1111": keeps a few characters at each end, stars in between (length kept, capped).
[[nodiscard]] std::string mask(std::string_view value);

struct ScanOptions {
  // Content-Encoding of the whole stream ("gzip", "x-gzip", "deflate", "br", "zstd", "identity"
  // or ""); "" also sniffs gzip and zstd magic at the start.
  std::string contentEncoding;
  // Content-Type of the whole stream; "multipart/form-data; boundary=..." splits parts,
  // "application/x-www-form-urlencoded" decodes '+' as space.
  std::string contentType;
  bool decode = true;                            // look inside encodings at all
  std::uint32_t maxDepth = 4;                    // nested decodings, e.g. base64>gzip>json = 3
  std::uint64_t maxDecodedBytes = 256ull << 20;  // per stream, bounds decompression bombs
  // Bytes gathered before a scan round: larger amortises the per-call cost, smaller reports
  // matches sooner (a match is reported at most this many bytes after it completes, plus the
  // look-ahead: 512 bytes for plain text; with decoding, up to the end of the encoded segment
  // around it, which is held back whole (1 MiB at most), and up to 64 KiB while a JSON string
  // or URL value may still turn out to need a decoding; in a content-encoded stream, up to 64 KiB
  // of compressed input). Results and their order do not depend on it.
  std::size_t roundBytes = 256 * 1024;
};

class ScannerImpl;

// Per-stream state: Hyperscan scratch, the window of recent bytes, decoders. Move-only.
class Scanner {
 public:
  // Errors: kInternal when scratch cannot be allocated.
  [[nodiscard]] static Result<Scanner> open(std::shared_ptr<const Database> db,
                                            ScanOptions options = {});
  Scanner(Scanner&&) noexcept;
  Scanner& operator=(Scanner&&) noexcept;
  ~Scanner();

  // Scans the next chunk and appends the matches it completes to `out`. Errors: kInvalidInput
  // for a stream whose declared content encoding does not decode, kLimit when maxDecodedBytes is
  // exceeded, kInternal for Hyperscan failures. After an error the scanner is unusable.
  [[nodiscard]] Status feed(std::string_view chunk, std::vector<Match>& out);
  // feed() without the copy, for a reader: prepare(n) gives room for up to n bytes at the end of
  // the scanner's own buffer; write k <= n bytes there (read(2) into it), then commit(k, out) is
  // feed() of those k bytes. The room is valid until commit; call nothing else in between.
  [[nodiscard]] std::span<char> prepare(std::size_t n);
  [[nodiscard]] Status commit(std::size_t n, std::vector<Match>& out);
  // Ends the stream and appends the remaining matches.
  [[nodiscard]] Status finish(std::vector<Match>& out);
  // Bytes fed so far.
  [[nodiscard]] std::uint64_t bytes() const noexcept;

  // Starts a new stream with `options` on this scanner, keeping its scratch and buffers; pending
  // matches of the previous stream are dropped and an error state is cleared. Errors as open
  // (an unknown content encoding), after which the scanner is unusable until the next reset.
  [[nodiscard]] Status reset(ScanOptions options);
  // One whole input on this scanner: reset(options), feed(data), finish(out). The same matches
  // as scan(db, data, options), without opening a scanner. Errors as reset, feed and finish.
  [[nodiscard]] Status scanAll(std::string_view data, const ScanOptions& options,
                               std::vector<Match>& out);

 private:
  explicit Scanner(std::unique_ptr<ScannerImpl> impl);
  std::unique_ptr<ScannerImpl> impl_;
};

// One-shot: scans a whole buffer. Same results as feeding it in any chunking. Opens a Scanner
// (scratch from the pool); for many small inputs on one thread, Scanner::scanAll is cheaper.
[[nodiscard]] Result<std::vector<Match>> scan(std::shared_ptr<const Database> db,
                                              std::string_view data,
                                              const ScanOptions& options = {});

}  // namespace tollgate::classify
