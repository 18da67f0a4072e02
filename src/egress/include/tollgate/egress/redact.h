// Redaction: replacing the values classify found in a request (URL or body) before it leaves.
//
//   auto out = egress::classifyAndRedact(db, body, {.contentType = ct}, {"email"}, "[REDACTED]");
//   if (!out) refuse(403);               // a value that cannot be cut out (inside gzip): fail
//   closed forward(out->bytes, "Content-Length: " + std::to_string(out->bytes.size()));
//
// Works on a whole buffer (the proxy holds a request body back, up to the policy's
// max_hold_bytes, when a rule may redact it; egress-tls calls it on intercepted bodies). A match
// in plain bytes is replaced over its span; a match revealed by a decoding inside the body (URL
// escapes, JSON escapes, base64) replaces the whole encoded segment classify reports. A body with
// a Content-Encoding (gzip, br, zstd, deflate) is not rewritten: its compressed bytes hide the
// values, so the call fails with kUnsupported and the caller blocks instead. The framing is the
// caller's: a redacted body is forwarded with a new Content-Length (chunked bodies arrive
// de-chunked from HttpParser and leave with a Content-Length).
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

// redactSpans for a body with the given Content-Encoding: kUnsupported when it is a compression
// (or the match covers a whole compressed body sniffed by its magic) and a value is to be cut.
[[nodiscard]] Result<std::string> redactBody(std::string_view data,
                                             const std::vector<classify::Match>& matches,
                                             const std::set<std::string>& which,
                                             std::string_view contentEncoding,
                                             std::string_view replacement, std::size_t* replaced);

// Classifies `data` (a whole body or a URL's path and query) and redacts the detectors in
// `which`. Errors: classify's; kUnsupported when options.contentEncoding is a compression and a
// value would have to be cut out of it.
[[nodiscard]] Result<Redacted> classifyAndRedact(std::shared_ptr<const classify::Database> db,
                                                 std::string_view data,
                                                 const classify::ScanOptions& options,
                                                 const std::set<std::string>& which,
                                                 std::string_view replacement);

}  // namespace tollgate::egress
