// Redaction: replacing the values classify found in a request (URL or body) before it leaves.
//
//   classify::ScanOptions opt{.contentEncoding = ce, .contentType = ct};
//   auto out = egress::classifyAndRedact(db, body, opt, {"email"}, "[REDACTED]");
//   if (!out) refuse(403, out.error().message);  // cannot be cut out safely: fail closed
//   forward(out->bytes, "Content-Length: " + std::to_string(out->bytes.size()));
//
// Works on a whole buffer (the proxy holds a request body back, up to the policy's
// max_hold_bytes, when a rule may redact it, in plain HTTP and in intercepted tunnels alike). A
// match in plain bytes is replaced over its span; a match revealed by a decoding inside the body
// (URL escapes, JSON escapes, base64) replaces the whole encoded segment classify reports.
// A compressed body (Content-Encoding gzip, x-gzip, deflate, br or zstd; or none, and gzip, zlib
// or zstd magic, as classify sniffs it) is decompressed within ScanOptions::maxDecodedBytes,
// classified again and cut as a plain body, then compressed again with the same encoding (gzip;
// deflate zlib-wrapped or raw as the client sent it; brotli; zstd), so the Content-Encoding
// stays (every member of a multi-member gzip body is cut; one member leaves). Where that cannot
// be done the call fails and the caller blocks: a stacked or unknown Content-Encoding ("gzip,
// br"), a body that does not decompress, one past the budget, bytes after the end of the
// compressed stream. The framing is the caller's: a redacted body is forwarded with a new
// Content-Length (chunked bodies arrive de-chunked from HttpParser and leave with a
// Content-Length).
//
// Thread safety: pure functions; the Database is shared and immutable.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/classify/scanner.h"
#include "tollgate/util/result.h"

namespace tollgate::egress {

struct Redacted {
  std::string bytes;                     // the rewritten buffer
  std::vector<classify::Match> matches;  // every match found (for the flow's classes)
  std::size_t replaced = 0;              // spans replaced
};

// Replaces the spans of `matches` whose detector is in `which` (every match when `which` is
// empty) with `replacement`; overlapping or adjacent spans become one. Spans beyond the buffer
// are an error (kInvalidInput), never a crash.
[[nodiscard]] Result<std::string> redactSpans(std::string_view data,
                                              const std::vector<classify::Match>& matches,
                                              const std::set<std::string>& which,
                                              std::string_view replacement, std::size_t* replaced);

// A body after redactBody.
struct RedactedBody {
  std::string bytes;         // the body to forward (compressed again when it came compressed)
  std::size_t replaced = 0;  // spans replaced (in the decompressed bytes of a compressed body)
  // The compression undone and redone ("gzip", "deflate", "brotli", "zstd"); "" for a plain body
  // and for one left as it was (nothing to cut).
  std::string recompressed;
};

// Cuts the values of the detectors in `which` (every match when empty) out of a whole request
// body. `matches` are classify's for `body` scanned with `options` (the body's Content-Encoding
// and Content-Type): when none of them is wanted the body is returned unchanged, without
// decompressing. A compressed body is decompressed (at most options.maxDecodedBytes), scanned
// again with `db` (plain, same Content-Type and depth), cut, and compressed again as it came.
// Errors, all of which mean "block instead": kUnsupported for a stacked or unknown
// Content-Encoding, for bytes after the end of the compressed stream, or when `db` is null and
// the body is compressed; kInvalidInput when it does not decompress (or a span lies outside the
// buffer); kLimit past options.maxDecodedBytes; classify's scan errors; kInternal when a value
// classify reported in the compressed body is not found again in its decompressed bytes, or a
// compressor fails. Messages start with "cannot redact inside a NAME-encoded body".
[[nodiscard]] Result<RedactedBody> redactBody(const std::shared_ptr<const classify::Database>& db,
                                              std::string_view body,
                                              const classify::ScanOptions& options,
                                              const std::vector<classify::Match>& matches,
                                              const std::set<std::string>& which,
                                              std::string_view replacement);

// Classifies `data` (a whole body or a URL's path and query) with `options` and redacts the
// detectors in `which` (redactBody). Errors: classify's, and redactBody's.
[[nodiscard]] Result<Redacted> classifyAndRedact(std::shared_ptr<const classify::Database> db,
                                                 std::string_view data,
                                                 const classify::ScanOptions& options,
                                                 const std::set<std::string>& which,
                                                 std::string_view replacement);

}  // namespace tollgate::egress
