// Encoded segments of a layer: base64 and base64url runs, %XX and form '+' values, JSON strings
// with escapes, multipart parts. Each is decoded by the scanner (scanner.cpp) and scanned as a
// layer of its own. Private to classify.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/classify/decode.h"
#include "windows.h"

namespace tollgate::classify::detail {

constexpr std::size_t kMaxSegment = 1024 * 1024;  // longest encoded segment held back
constexpr std::size_t kMinBase64 = 20;            // shortest base64 run worth decoding
// One-line base64 runs longer than a segment are cut into pieces of this many characters (a
// multiple of four: each decodes on its own) from the run's start, each judged on its own.
constexpr std::size_t kBase64Piece = kMaxSegment / 4 * 4 - 4;

enum class SegKind { kBase64, kBase64Url, kUrl, kJson, kPart };

struct Segment {
  Segment(std::size_t s, std::size_t e, SegKind k) : start(s), end(e), kind(k), anchor(s) {}
  std::size_t start;
  std::size_t end;
  SegKind kind;
  std::size_t anchor;    // where the finder must start to find it: a JSON string's opening quote,
                         // a part's delimiter line, else `start`
  bool open = false;     // touches the end of the data: more may follow in the stream
  bool wrapped = false;  // base64 broken into lines (MIME, PEM): decode without the breaks
  MultipartPart part;
};

// Appends the segments of `d` of each kind, in order of their start. `continued`: `d` starts
// inside a base64 run, at one of its pieces (where a stream was cut).
// Where findBase64 may go on reading a body of base64 lines that an earlier call over the same
// bytes (at the same offsets) had read up to `end`: its first line starts at `start` and is
// `line` long, its lines up to `end` are whole (decided by bytes before the end of that call's
// data) and `acc` is their alphabet (as runEnd's). A stream reads a held-back body again each
// round; it is read once this way.
struct Base64Resume {
  static constexpr std::size_t kNone = ~std::size_t{0};  // no body read yet
  std::size_t start = kNone;
  std::size_t line = 0;
  std::size_t end = 0;
  std::uint8_t acc = 0;
};

// `level`: the vector code it may use (at most what the CPU has; tests try each). `resume`, when
// given: read on from it where it applies, and updated to the last whole line of a body read.
void findBase64(std::string_view d, std::vector<Segment>& out, bool continued = false,
                Simd level = Simd::kAvx512, Base64Resume* resume = nullptr);
// findBase64 one byte at a time, without the vector code: for tests.
void findBase64Reference(std::string_view d, std::vector<Segment>& out, bool continued = false);
// Whether `at` is inside a run of base64-alphabet bytes (one before it, one at it).
[[nodiscard]] bool insideBase64Run(std::string_view d, std::size_t at);
void findPercent(std::string_view d, std::vector<Segment>& out);
// Form fields without any %XX ("card=4111+1111+1111+1111"); `form` when the whole stream is
// application/x-www-form-urlencoded. Reads the %XX segments already in `out`.
// `before`: the byte before `d` in the stream ('\0' when none), which may join a first field.
void findFormPlus(std::string_view d, std::vector<Segment>& out, bool form, char before = '\0');
// `afterClose`: d[0] is the closing quote of a string found before (a stream cut there): no
// string opens at it.
void findJson(std::string_view d, std::vector<Segment>& out, bool afterClose = false);
// The parts of a multipart body, each a segment anchored at its delimiter line; parts scanned as
// plain bytes (no transfer or content encoding) are empty segments that only guard their
// delimiter and headers (not decodable), and so is a part whose headers are still coming in
// (open, up to the end of `d`). `stop`: where the part finder stopped (splitMultipart).
void findParts(std::string_view d, const std::string& boundary, std::vector<Segment>& out,
               MultipartStop* stop = nullptr);

// Streaming: the furthest point in [from, to] where a layer whose bytes go on past d.size() may
// be cut, so that finding segments again from the cut (on the bytes from there, more appended)
// finds what one pass over the whole layer finds. No segment of `segs` (those of d from `from`
// on) spans the cut, nor can one that bytes still to come reveal (a later '%', '+' or escape
// reaches back to a delimiter, 4096 bytes at most, or to a quote, 65536 bytes at most), the cut
// is not inside a base64-alphabet run, and not inside a multipart delimiter line or headers. The
// body of a multipart part of kMaxSegment bytes or more is never decoded, and may be cut.
// `boundary`: the multipart boundary of the layer, "" when it is not multipart.
[[nodiscard]] std::size_t cutPoint(std::string_view d, std::size_t from, std::size_t to,
                                   const std::vector<Segment>& segs, const std::string& boundary);
// Whether a segment is decoded at all (a part of kMaxSegment bytes or more is not: a stream
// cannot hold it back).
[[nodiscard]] inline bool decodable(const Segment& s) {
  return s.end > s.start && (s.kind != SegKind::kPart || s.end - s.start < kMaxSegment);
}

// Text worth scanning after a decoding: few control bytes.
[[nodiscard]] bool looksText(std::string_view s);
// Shannon entropy of the bytes of `s`, in bits per byte.
[[nodiscard]] double byteEntropy(std::string_view s);
// byteEntropy(s) > bits: the same terms added in the same order (so the same answer), over the
// byte values present only, each distinct count's term computed once, and stopping once the sum
// passes `bits` (no term is negative). Most blobs asked are a few dozen bytes.
[[nodiscard]] bool byteEntropyAbove(std::string_view s, double bits);

}  // namespace tollgate::classify::detail
