// Test helpers for classify: the shipped database, a stream fed in chunks, and encoders to hide
// values in (gzip, zlib or raw deflate, zstd, base64 with optional MIME line breaks).
#pragma once

#include <zlib.h>
#include <zstd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/classify/scanner.h"

namespace tollgate::classify::testing {

// The shipped definitions, compiled once per test binary.
inline std::shared_ptr<const Database> db() {
  static const auto kDb = *Database::defaults();
  return kDb;
}

// `data` fed to a Scanner of `database` `sizes` bytes at a time (cycled), with `opt`: every match.
inline std::vector<Match> fed(const std::shared_ptr<const Database>& database,
                              std::string_view data, const std::vector<std::size_t>& sizes,
                              const ScanOptions& opt) {
  auto sc = Scanner::open(database, opt);
  EXPECT_TRUE(sc);
  std::vector<Match> out;
  if (!sc) return out;
  std::size_t i = 0, k = 0;
  while (i < data.size()) {
    std::size_t n = std::min(sizes[k++ % sizes.size()], data.size() - i);
    EXPECT_TRUE(sc->feed(data.substr(i, n), out));
    i += n;
  }
  EXPECT_TRUE(sc->finish(out));
  EXPECT_EQ(sc->bytes(), data.size());
  return out;
}

// gzip by default; windowBits 15 for zlib, -15 for raw deflate. `fileName`: a gzip header with
// that file name (FNAME), as gzip(1) writes.
inline std::string gzip(std::string_view in, int windowBits = 15 + 16,
                        const char* fileName = nullptr) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, 6, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string name = fileName ? fileName : "";
  gz_header h{};
  h.name = reinterpret_cast<Bytef*>(name.data());
  if (fileName && windowBits > 15) {
    EXPECT_EQ(deflateSetHeader(&s, &h), Z_OK);
  }
  std::string out(compressBound(static_cast<uLong>(in.size())) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

inline std::string zstd(std::string_view in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// Standard base64 with padding; `wrap` > 0 breaks it into CRLF-terminated lines of that length.
inline std::string b64(std::string_view in, std::size_t wrap = 0) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += i + 1 < in.size() ? k[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? k[v & 63] : '=';
  }
  if (!wrap) return out;
  std::string lines;
  for (std::size_t i = 0; i < out.size(); i += wrap) lines += out.substr(i, wrap) + "\r\n";
  return lines;
}

}  // namespace tollgate::classify::testing
