// Encoded segments of a layer: base64 and base64url runs, %XX and form '+' values, JSON strings
// with escapes, multipart parts. Each is decoded by the scanner (scanner.cpp) and scanned as a
// layer of its own. Private to classify.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/classify/decode.h"

namespace tollgate::classify::detail {

constexpr std::size_t kMaxSegment = 1024 * 1024;  // longest encoded segment held back
constexpr std::size_t kMinBase64 = 20;            // shortest base64 run worth decoding

enum class SegKind { kBase64, kBase64Url, kUrl, kJson, kPart };

struct Segment {
  Segment(std::size_t s, std::size_t e, SegKind k) : start(s), end(e), kind(k) {}
  std::size_t start;
  std::size_t end;
  SegKind kind;
  bool open = false;     // touches the end of the data: more may follow in the stream
  bool wrapped = false;  // base64 broken into lines (MIME, PEM): decode without the breaks
  MultipartPart part;
};

// Appends the segments of `d` of each kind, in order of their start.
void findBase64(std::string_view d, std::vector<Segment>& out);
// findBase64 one byte at a time, without the vector code: for tests.
void findBase64Reference(std::string_view d, std::vector<Segment>& out);
void findPercent(std::string_view d, std::vector<Segment>& out);
// Form fields without any %XX ("card=4111+1111+1111+1111"); `form` when the whole stream is
// application/x-www-form-urlencoded. Reads the %XX segments already in `out`.
void findFormPlus(std::string_view d, std::vector<Segment>& out, bool form);
void findJson(std::string_view d, std::vector<Segment>& out);
void findParts(std::string_view d, const std::string& boundary, std::vector<Segment>& out);

// Text worth scanning after a decoding: few control bytes.
[[nodiscard]] bool looksText(std::string_view s);
// Shannon entropy of the bytes of `s`, in bits per byte.
[[nodiscard]] double byteEntropy(std::string_view s);

}  // namespace tollgate::classify::detail
