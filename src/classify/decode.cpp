#include "tollgate/classify/decode.h"

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>

#include "tollgate/util/c_handle.h"
#include "tollgate/util/strings.h"

namespace tollgate::classify {
namespace {

constexpr std::size_t kOutChunk = 64 * 1024;

// The first output chunk of a feed: small inputs (a base64 blob tried as brotli) must not pay for
// zero-filling 64 KB they never use; the chunk doubles while output keeps coming.
std::size_t firstChunk(std::size_t inSize) {
  return std::clamp<std::size_t>(inSize * 4, 4096, kOutChunk);
}

// z_stream lives by value; inflateEnd only after a successful inflateInit2.
struct ZStream {
  z_stream s{};
  bool live = false;
  ZStream() = default;
  ZStream(const ZStream&) = delete;
  ZStream& operator=(const ZStream&) = delete;
  ~ZStream() {
    if (live) inflateEnd(&s);
  }
};

using BrotliState = CHandle<BrotliDecoderState, &BrotliDecoderDestroyInstance>;
using ZstdDctx = CHandle<ZSTD_DCtx, &ZSTD_freeDCtx>;

constexpr int hexValue(unsigned char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::array<std::int8_t, 256> makeHexTable() {
  std::array<std::int8_t, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<std::size_t>(c)] =
        static_cast<std::int8_t>(hexValue(static_cast<unsigned char>(c)));
  return t;
}
constexpr auto kHex = makeHexTable();  // hexValue of every byte

void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

constexpr std::array<std::int8_t, 256> makeB64Table(bool url) {
  std::array<std::int8_t, 256> t{};
  for (auto& x : t) x = -1;
  for (int i = 0; i < 26; ++i) {
    t[static_cast<std::size_t>('A' + i)] = static_cast<std::int8_t>(i);
    t[static_cast<std::size_t>('a' + i)] = static_cast<std::int8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i)
    t[static_cast<std::size_t>('0' + i)] = static_cast<std::int8_t>(52 + i);
  t[static_cast<std::size_t>(url ? '-' : '+')] = 62;
  t[static_cast<std::size_t>(url ? '_' : '/')] = 63;
  return t;
}
constexpr auto kB64Std = makeB64Table(false);
constexpr auto kB64Url = makeB64Table(true);

}  // namespace

class DecompressorImpl {
 public:
  Compression kind;
  std::uint64_t maxOutput;
  std::uint64_t produced = 0;
  std::uint64_t consumed = 0;
  bool ended = false;
  bool started = false;  // for deflate: the wrapper is chosen from the first bytes
  ZStream z;
  BrotliState br;
  ZstdDctx zstd;
  bool zstdInFrame = false;
  // A gzip member ended with the input of a feed: the next feed may start another member.
  bool memberEnded = false;

  DecompressorImpl(Compression k, std::uint64_t max) : kind(k), maxOutput(max) {}

  // Whether `n` bytes at `p`, after the end of a gzip member, start another one (its magic, or
  // its first byte when that is all there is).
  [[nodiscard]] bool nextGzipMember(const char* p, std::size_t n) const noexcept {
    return kind == Compression::kGzip && n > 0 && p[0] == '\x1f' && (n == 1 || p[1] == '\x8b');
  }

  Status grow(std::string& out, std::size_t n) {
    produced += n;
    if (produced > maxOutput)
      return fail(ErrorCode::kLimit, std::string(toString(kind)) + ": decoded size exceeds " +
                                         std::to_string(maxOutput) + " bytes");
    (void)out;
    return {};
  }

  Status initZlib(int windowBits) {
    if (inflateInit2(&z.s, windowBits) != Z_OK)
      return fail(ErrorCode::kInternal, "zlib: cannot initialise inflate");
    z.live = true;
    return {};
  }

  Status feedZlib(std::string_view in, std::string& out) {
    if (!started) {
      started = true;
      int bits = 15 + 32;  // gzip or zlib, auto-detected
      if (kind == Compression::kDeflate) {
        // RFC 1950 header: CMF/FLG with CM=8 and a multiple of 31; otherwise raw deflate.
        bool zlibHeader =
            in.size() >= 2 && (static_cast<unsigned char>(in[0]) & 0x0F) == 8 &&
            ((static_cast<unsigned char>(in[0]) << 8) | static_cast<unsigned char>(in[1])) % 31 ==
                0;
        bits = zlibHeader ? 15 : -15;
      } else {
        bits = 15 + 16;
      }
      if (auto st = initZlib(bits); !st) return st;
    }
    z.s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.s.avail_in = static_cast<uInt>(in.size());
    std::size_t chunk = firstChunk(in.size());
    // Until the input is used up and the output buffer was not filled: inflate may hold output
    // back when its buffer fills, and what a feed returns must not depend on how the input was
    // split (the scanner maps decoded offsets back to compressed ones per feed).
    bool full = false;
    while (!ended && (z.s.avail_in > 0 || full)) {
      std::size_t old = out.size();
      out.resize(old + chunk);
      z.s.next_out = reinterpret_cast<Bytef*>(out.data() + old);
      z.s.avail_out = static_cast<uInt>(chunk);
      std::uint64_t before = z.s.avail_in;
      int rc = inflate(&z.s, Z_NO_FLUSH);
      std::size_t got = chunk - z.s.avail_out;
      full = got == chunk;
      chunk = std::min(chunk * 2, kOutChunk);
      out.resize(old + got);
      consumed += before - z.s.avail_in;
      if (auto st = grow(out, got); !st) return st;
      if (rc == Z_STREAM_END) {
        // RFC 1952 §2.2: gzip data is a series of members, and zcat, Go and Python read them
        // all, so a value in a later member must be read too. Other bytes after the end are
        // ignored, as before.
        if (nextGzipMember(reinterpret_cast<const char*>(z.s.next_in), z.s.avail_in)) {
          if (inflateReset(&z.s) != Z_OK)
            return fail(ErrorCode::kInternal, "zlib: cannot reset inflate");
          continue;
        }
        ended = true;
        memberEnded = kind == Compression::kGzip && z.s.avail_in == 0;
        break;
      }
      if (rc == Z_BUF_ERROR && got == 0) break;
      if (rc != Z_OK && rc != Z_BUF_ERROR)
        return fail(ErrorCode::kInvalidInput,
                    std::string(toString(kind)) + ": corrupt data (" +
                        (z.s.msg ? z.s.msg : "error " + std::to_string(rc)) + ")",
                    "", consumed);
    }
    return {};
  }

  Status feedBrotli(std::string_view in, std::string& out) {
    if (!br) {
      br.reset(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr));
      if (!br) return fail(ErrorCode::kInternal, "brotli: cannot create decoder");
    }
    const auto* next = reinterpret_cast<const std::uint8_t*>(in.data());
    std::size_t avail = in.size();
    std::size_t chunk = firstChunk(in.size());
    while (!ended) {
      std::size_t old = out.size();
      out.resize(old + chunk);
      auto* nextOut = reinterpret_cast<std::uint8_t*>(out.data() + old);
      std::size_t availOut = chunk;
      std::size_t before = avail;
      auto rc =
          BrotliDecoderDecompressStream(br.get(), &avail, &next, &availOut, &nextOut, nullptr);
      std::size_t got = chunk - availOut;
      chunk = std::min(chunk * 2, kOutChunk);
      out.resize(old + got);
      consumed += before - avail;
      if (auto st = grow(out, got); !st) return st;
      if (rc == BROTLI_DECODER_RESULT_SUCCESS) {
        ended = true;
      } else if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
        break;
      } else if (rc == BROTLI_DECODER_RESULT_ERROR) {
        return fail(ErrorCode::kInvalidInput,
                    std::string("br: corrupt data (") +
                        BrotliDecoderErrorString(BrotliDecoderGetErrorCode(br.get())) + ")",
                    "", consumed);
      }
    }
    return {};
  }

  Status feedZstd(std::string_view in, std::string& out) {
    if (!zstd) {
      zstd.reset(ZSTD_createDCtx());
      if (!zstd) return fail(ErrorCode::kInternal, "zstd: cannot create decoder");
      // Bound the window so a hostile frame cannot ask for gigabytes (RFC 8878 §3.1.1.1.2).
      ZSTD_DCtx_setParameter(zstd.get(), ZSTD_d_windowLogMax, 27);
    }
    ZSTD_inBuffer ib{in.data(), in.size(), 0};
    std::size_t chunk = firstChunk(in.size());
    while (ib.pos < ib.size || zstdInFrame) {
      std::size_t old = out.size();
      out.resize(old + chunk);
      ZSTD_outBuffer ob{out.data() + old, chunk, 0};
      std::size_t before = ib.pos;
      std::size_t rc = ZSTD_decompressStream(zstd.get(), &ob, &ib);
      out.resize(old + ob.pos);
      consumed += ib.pos - before;
      if (ZSTD_isError(rc))
        return fail(ErrorCode::kInvalidInput,
                    std::string("zstd: corrupt data (") + ZSTD_getErrorName(rc) + ")", "",
                    consumed);
      if (auto st = grow(out, ob.pos); !st) return st;
      zstdInFrame = rc != 0;
      if (rc == 0) {
        // A frame ended; concatenated frames may follow, skippable ones too.
        ended = ib.pos == ib.size;
        if (ib.pos == ib.size) break;
        ended = false;
      } else if (ob.pos < ob.size && ib.pos == ib.size) {
        break;  // needs more input
      }
      chunk = std::min(chunk * 2, kOutChunk);
    }
    return {};
  }
};

std::optional<Compression> compressionFromName(std::string_view name) {
  std::string n = toLower(trim(name));
  if (n == "gzip" || n == "x-gzip") return Compression::kGzip;
  if (n == "deflate") return Compression::kDeflate;
  if (n == "br") return Compression::kBrotli;
  if (n == "zstd") return Compression::kZstd;
  return std::nullopt;
}

std::string_view toString(Compression c) noexcept {
  switch (c) {
    case Compression::kGzip:
      return "gzip";
    case Compression::kDeflate:
      return "deflate";
    case Compression::kBrotli:
      return "brotli";
    case Compression::kZstd:
      return "zstd";
  }
  return "?";
}

std::optional<Compression> sniffCompression(std::string_view d) noexcept {
  if (d.size() >= 3 && d[0] == '\x1f' && d[1] == '\x8b' && d[2] == '\x08')
    return Compression::kGzip;
  if (d.size() >= 4 && d[0] == '\x28' && d[1] == '\xb5' && d[2] == '\x2f' && d[3] == '\xfd')
    return Compression::kZstd;
  // zlib: CM=8, a 32K window at most, FCHECK making the header a multiple of 31, no preset dict.
  if (d.size() >= 2) {
    auto cmf = static_cast<unsigned char>(d[0]), flg = static_cast<unsigned char>(d[1]);
    if (cmf == 0x78 && ((cmf << 8) | flg) % 31 == 0 && !(flg & 0x20)) return Compression::kDeflate;
  }
  return std::nullopt;
}

Decompressor::Decompressor(std::unique_ptr<DecompressorImpl> impl) : impl_(std::move(impl)) {}
Decompressor::Decompressor(Decompressor&&) noexcept = default;
Decompressor& Decompressor::operator=(Decompressor&&) noexcept = default;
Decompressor::~Decompressor() = default;

Result<Decompressor> Decompressor::open(Compression c, std::uint64_t maxOutput) {
  return Decompressor(std::make_unique<DecompressorImpl>(c, maxOutput));
}

Status Decompressor::feed(std::string_view in, std::string& out) {
  if (impl_->ended && impl_->memberEnded && impl_->nextGzipMember(in.data(), in.size())) {
    if (inflateReset(&impl_->z.s) != Z_OK)
      return fail(ErrorCode::kInternal, "zlib: cannot reset inflate");
    impl_->ended = impl_->memberEnded = false;
  }
  if (impl_->ended || in.empty()) return {};
  switch (impl_->kind) {
    case Compression::kGzip:
    case Compression::kDeflate:
      return impl_->feedZlib(in, out);
    case Compression::kBrotli:
      return impl_->feedBrotli(in, out);
    case Compression::kZstd:
      return impl_->feedZstd(in, out);
  }
  return {};
}

Status Decompressor::finish() {
  if (impl_->ended) return {};
  if (impl_->kind == Compression::kZstd && !impl_->zstdInFrame && impl_->consumed > 0) return {};
  return fail(ErrorCode::kInvalidInput,
              std::string(toString(impl_->kind)) + ": compressed data is truncated", "",
              impl_->consumed);
}

bool Decompressor::ended() const noexcept { return impl_->ended; }

std::uint64_t Decompressor::consumed() const noexcept { return impl_->consumed; }

Result<std::string> decompress(Compression c, std::string_view in, std::uint64_t maxOutput) {
  auto d = Decompressor::open(c, maxOutput);
  if (!d) return std::unexpected(d.error());
  std::string out;
  if (auto st = d->feed(in, out); !st) return std::unexpected(st.error());
  if (auto st = d->finish(); !st) return std::unexpected(st.error());
  return out;
}

// The probe's decoder allocates from one block that is reset per call; allocations that do not
// fit (none for the header and first tables of a stream) fall back to malloc.
struct BrotliProbe::Arena {
  static constexpr std::size_t kSize = 96 * 1024;
  std::unique_ptr<unsigned char[]> block{new unsigned char[kSize]};
  std::size_t used = 0;

  static void* alloc(void* opaque, std::size_t size) {
    auto* a = static_cast<Arena*>(opaque);
    size = (size + 63) & ~std::size_t{63};
    if (size <= kSize - a->used) {
      void* p = a->block.get() + a->used;
      a->used += size;
      return p;
    }
    return std::malloc(size);
  }
  static void release(void* opaque, void* p) {
    auto* a = static_cast<Arena*>(opaque);
    auto at = reinterpret_cast<std::uintptr_t>(p);
    auto lo = reinterpret_cast<std::uintptr_t>(a->block.get());
    if (p && (at < lo || at >= lo + kSize)) std::free(p);
  }
};

namespace {

// The first bytes a brotli decoder rejects on their own, bit b % 64 of word b / 64 for byte b:
// the decoder reads the bits in order, so a stream whose first byte it rejects is rejected
// whatever follows. Over half of the blobs plain text gives the probe (identifiers and paths
// read as base64) are rejected here, without a decoder's set-up. Made once per process (256
// one-byte decodes).
const std::array<std::uint64_t, 4>& brotliBadFirstBytes() {
  static const std::array<std::uint64_t, 4> table = [] {
    std::array<std::uint64_t, 4> t{};
    for (unsigned b = 0; b < 256; ++b) {
      BrotliState s(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr));
      if (!s) continue;  // undecided: not in the table
      const auto byte = static_cast<std::uint8_t>(b);
      const std::uint8_t* next = &byte;
      std::size_t avail = 1;
      std::array<std::uint8_t, 64> out;
      std::uint8_t* o = out.data();
      std::size_t room = out.size();
      if (BrotliDecoderDecompressStream(s.get(), &avail, &next, &room, &o, nullptr) ==
          BROTLI_DECODER_RESULT_ERROR)
        t[b / 64] |= std::uint64_t{1} << (b % 64);
    }
    return t;
  }();
  return table;
}

}  // namespace

BrotliProbe::BrotliProbe() : arena_(std::make_unique<Arena>()) {}
BrotliProbe::~BrotliProbe() = default;

bool BrotliProbe::mayBe(std::string_view data) {
  constexpr std::size_t kProbeBytes = 64;     // input fed; errors show within a few bytes
  constexpr std::size_t kProbeOutput = 4096;  // output past this: let decompress() decide
  if (!data.empty()) {
    const auto first = static_cast<unsigned char>(data[0]);
    if (brotliBadFirstBytes()[first / 64] >> (first % 64) & 1) return false;
  }
  arena_->used = 0;
  BrotliDecoderState* s = BrotliDecoderCreateInstance(&Arena::alloc, &Arena::release, arena_.get());
  if (!s) return true;
  const auto* next = reinterpret_cast<const std::uint8_t*>(data.data());
  std::size_t avail = std::min(data.size(), kProbeBytes);
  std::array<std::uint8_t, 512> out;
  std::size_t produced = 0;
  BrotliDecoderResult rc;
  do {
    std::uint8_t* o = out.data();
    std::size_t room = out.size();
    rc = BrotliDecoderDecompressStream(s, &avail, &next, &room, &o, nullptr);
    produced += out.size() - room;
  } while (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT && produced < kProbeOutput);
  BrotliDecoderDestroyInstance(s);
  return rc != BROTLI_DECODER_RESULT_ERROR;
}

std::string percentDecode(std::string_view in, bool plusIsSpace) {
  std::string out;
  const std::size_t n = in.size();
  // 16 bytes of slack: the vector stores below may write up to 15 bytes past the output's end
  // (each store's tail is overwritten by the next one or cut off by the final size).
  out.resize_and_overwrite(n + 16, [&](char* o, std::size_t) {
    char* const begin = o;
    std::size_t i = 0;
#if defined(__SSE2__)
    const __m128i pct = _mm_set1_epi8('%');
    const __m128i plus = _mm_set1_epi8('+');
    const __m128i toSpace = _mm_set1_epi8(plusIsSpace ? ('+' ^ ' ') : 0);
    // in[at, at+count) to o (count < 16, more may be written), '+' as a space in form bodies;
    // one vector load and store unless that would read past the input.
    auto copy = [&](std::size_t at, std::size_t count) {
      if (at + 16 <= n) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in.data() + at));
        v = _mm_xor_si128(v, _mm_and_si128(_mm_cmpeq_epi8(v, plus), toSpace));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o), v);
        return;
      }
      for (std::size_t k = 0; k < count; ++k) {
        char c = in[at + k];
        o[k] = plusIsSpace && c == '+' ? ' ' : c;
      }
    };
    // Per block of 16 input bytes: every '%' in it is handled in turn, the bytes between them
    // copied with one unaligned load and store each, so that the next block's address does not
    // wait on each escape.
    while (i + 16 <= n) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in.data() + i));
      auto m = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, pct)));
      std::size_t pos = 0;  // next block byte not yet written
      while (m) {
        auto k = static_cast<std::size_t>(std::countr_zero(m));
        m &= m - 1;
        if (k < pos) continue;  // inside the escape before
        copy(i + pos, k - pos);
        o += k - pos;
        std::size_t a = i + k;
        int h = a + 2 < n ? kHex[static_cast<unsigned char>(in[a + 1])] : -1;
        int l = a + 2 < n ? kHex[static_cast<unsigned char>(in[a + 2])] : -1;
        if ((h | l) >= 0) {
          *o++ = static_cast<char>((h << 4) | l);
          pos = k + 3;
        } else {
          *o++ = '%';
          pos = k + 1;
        }
      }
      if (pos < 16) {
        copy(i + pos, 16 - pos);
        o += 16 - pos;
        i += 16;
      } else {
        i += pos;
      }
    }
#endif
    for (; i < n; ++i) {
      char c = in[i];
      if (c == '%' && i + 2 < n) {
        int h = kHex[static_cast<unsigned char>(in[i + 1])];
        int l = kHex[static_cast<unsigned char>(in[i + 2])];
        if ((h | l) >= 0) {
          *o++ = static_cast<char>((h << 4) | l);
          i += 2;
          continue;
        }
      }
      *o++ = (plusIsSpace && c == '+') ? ' ' : c;
    }
    return static_cast<std::size_t>(o - begin);
  });
  return out;
}

std::string quotedPrintableDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '=') {
      out += in[i];
      continue;
    }
    if (i + 1 < in.size() && in[i + 1] == '\n') {
      i += 1;
      continue;
    }
    if (i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') {
      i += 2;
      continue;
    }
    if (i + 2 < in.size()) {
      int h = hexValue(static_cast<unsigned char>(in[i + 1]));
      int l = hexValue(static_cast<unsigned char>(in[i + 2]));
      if (h >= 0 && l >= 0) {
        out += static_cast<char>((h << 4) | l);
        i += 2;
        continue;
      }
    }
    out += '=';
  }
  return out;
}

std::optional<std::string> jsonUnescape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  auto hex4 = [&](std::size_t at) -> long {
    if (at + 4 > in.size()) return -1;
    long v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      int h = hexValue(static_cast<unsigned char>(in[at + k]));
      if (h < 0) return -1;
      v = (v << 4) | h;
    }
    return v;
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= in.size()) return std::nullopt;
    switch (in[i]) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case '\'':
        out += '\'';
        break;
      case 'x': {
        if (i + 2 >= in.size()) return std::nullopt;
        int h = hexValue(static_cast<unsigned char>(in[i + 1]));
        int l = hexValue(static_cast<unsigned char>(in[i + 2]));
        if (h < 0 || l < 0) return std::nullopt;
        appendUtf8(out, static_cast<std::uint32_t>((h << 4) | l));
        i += 2;
        break;
      }
      case 'u': {
        long cp = hex4(i + 1);
        if (cp < 0) return std::nullopt;
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 2 < in.size() && in[i + 1] == '\\' &&
            in[i + 2] == 'u') {
          long lo = hex4(i + 3);
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // lone surrogate
        appendUtf8(out, static_cast<std::uint32_t>(cp));
        break;
      }
      default:
        return std::nullopt;
    }
  }
  return out;
}

namespace {

// Decodes `in` (no padding) to in.size() / 4 * 3 bytes and one or two more for a partial last
// group; false on a character outside the alphabet. The caller rejects a length of 1 mod 4.
bool decodeBase64To(std::string_view in, const std::array<std::int8_t, 256>& t, char* o) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t whole = in.size() / 4 * 4;
  const std::size_t rest = in.size() - whole;  // 0, 2 or 3 characters: 0, 1 or 2 bytes
  // Four characters to three bytes; an invalid character (-1) makes the OR negative.
  for (std::size_t i = 0; i < whole; i += 4, o += 3) {
    int a = t[p[i]], b = t[p[i + 1]], c = t[p[i + 2]], d = t[p[i + 3]];
    if ((a | b | c | d) < 0) return false;
    auto v = static_cast<std::uint32_t>(a << 18 | b << 12 | c << 6 | d);
    o[0] = static_cast<char>(v >> 16);
    o[1] = static_cast<char>(v >> 8);
    o[2] = static_cast<char>(v);
  }
  if (rest) {
    int a = t[p[whole]], b = t[p[whole + 1]], c = rest == 3 ? t[p[whole + 2]] : 0;
    if ((a | b | c) < 0) return false;
    auto v = static_cast<std::uint32_t>(a << 18 | b << 12 | c << 6);
    o[0] = static_cast<char>(v >> 16);
    if (rest == 3) o[1] = static_cast<char>(v >> 8);
  }
  return true;
}

std::size_t decodedSize(std::size_t chars) {
  return chars / 4 * 3 + (chars % 4 ? chars % 4 - 1 : 0);
}

}  // namespace

bool base64DecodeInto(std::string_view in, bool url, std::string& out) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return false;
  const std::size_t size = decodedSize(in.size());
  bool ok = true;
  // The size the lambda returns is `size`, not its second argument: libstdc++ 12 passes the
  // grown capacity there when the string reallocates.
  out.resize_and_overwrite(size, [&](char* o, std::size_t) {
    ok = decodeBase64To(in, url ? kB64Url : kB64Std, o);
    return ok ? size : 0;
  });
  return ok;
}

std::optional<std::string> base64Decode(std::string_view in, bool url) {
  std::string out;
  if (!base64DecodeInto(in, url, out)) return std::nullopt;
  return out;
}

bool base64DecodeLinesInto(std::string_view in, bool url, std::string& out) {
  // Line by line, without a copy, when every line but the last is whole groups of four (MIME
  // and PEM bodies): the groups then never span a line break. Anything else (white space
  // inside a line, a line of another length) goes the long way, which decides the same.
  bool ok = true;
  out.resize_and_overwrite(in.size() / 4 * 3 + 3, [&](char* o, std::size_t) {
    char* const begin = o;
    const auto& t = url ? kB64Url : kB64Std;
    std::size_t pos = 0;
    for (;;) {
      const void* hit = std::memchr(in.data() + pos, '\n', in.size() - pos);
      if (!hit) {
        std::string_view last = in.substr(pos);
        while (!last.empty() && last.back() == '=') last.remove_suffix(1);
        ok = last.size() % 4 != 1 && decodeBase64To(last, t, o);
        return ok ? static_cast<std::size_t>(o - begin) + decodedSize(last.size()) : 0;
      }
      auto nl = static_cast<std::size_t>(static_cast<const char*>(hit) - in.data());
      std::size_t end = nl > pos && in[nl - 1] == '\r' ? nl - 1 : nl;
      std::string_view line = in.substr(pos, end - pos);
      if (line.size() % 4 != 0 || !decodeBase64To(line, t, o)) {
        ok = false;
        return std::size_t{0};
      }
      o += line.size() / 4 * 3;
      pos = nl + 1;
    }
  });
  if (ok) return true;
  std::string bare;
  bare.reserve(in.size());
  for (char c : in)
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') bare += c;
  return base64DecodeInto(bare, url, out);
}

std::optional<std::string> base64DecodeLines(std::string_view in, bool url) {
  std::string out;
  if (!base64DecodeLinesInto(in, url, out)) return std::nullopt;
  return out;
}

std::string multipartBoundary(std::string_view contentType) {
  std::string lower = toLower(contentType);
  auto pos = lower.find("boundary=");
  if (pos == std::string::npos) return {};
  std::string_view v = contentType.substr(pos + 9);
  if (!v.empty() && v.front() == '"') {
    v.remove_prefix(1);
    auto q = v.find('"');
    return std::string(v.substr(0, q));
  }
  auto semi = v.find_first_of("; \t\r\n");
  return std::string(v.substr(0, semi));
}

std::vector<MultipartPart> splitMultipart(std::string_view body, std::string_view boundary,
                                          std::size_t maxParts, MultipartStop* stop) {
  std::vector<MultipartPart> parts;
  MultipartStop ignored;
  if (!stop) stop = &ignored;
  *stop = MultipartStop{};
  if (boundary.empty() || boundary.size() > 200) return parts;
  std::string delim = "--" + std::string(boundary);
  std::size_t pos = body.find(delim);
  while (pos != std::string_view::npos && parts.size() < maxParts) {
    std::size_t after = pos + delim.size();
    if (body.substr(after, 2) == "--" || body.size() - after < 2) {
      // The close delimiter, or maybe one (its "--" not here yet).
      *stop = MultipartStop{pos, body.substr(after, 2) == "--"};
      break;
    }
    std::size_t lineEnd = body.find('\n', after);
    if (lineEnd == std::string_view::npos) {
      stop->at = pos;
      break;
    }
    std::size_t headersStart = lineEnd + 1;
    // Headers end at the first empty line.
    std::size_t headersEnd = headersStart;
    std::size_t bodyStart = std::string_view::npos;
    while (headersEnd < body.size()) {
      std::size_t nl = body.find('\n', headersEnd);
      if (nl == std::string_view::npos) break;
      std::string_view line = body.substr(headersEnd, nl - headersEnd);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) {
        bodyStart = nl + 1;
        break;
      }
      headersEnd = nl + 1;
    }
    if (bodyStart == std::string_view::npos) {
      stop->at = pos;
      break;
    }
    MultipartPart part;
    for (auto line : split(body.substr(headersStart, headersEnd - headersStart), '\n')) {
      auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string name = toLower(trim(line.substr(0, colon)));
      std::string value = toLower(trim(line.substr(colon + 1)));
      if (name == "content-type") part.contentType = value;
      if (name == "content-encoding") part.contentEncoding = value;
      if (name == "content-transfer-encoding") part.transferEncoding = value;
    }
    std::size_t next = body.find(delim, bodyStart);
    std::size_t end = next == std::string_view::npos ? body.size() : next;
    // The CRLF before the delimiter belongs to it (RFC 2046 §5.1.1).
    if (next != std::string_view::npos) {
      if (end > bodyStart && body[end - 1] == '\n') --end;
      if (end > bodyStart && body[end - 1] == '\r') --end;
    }
    part.start = bodyStart;
    part.end = end;
    part.delimiter = pos;
    parts.push_back(std::move(part));
    pos = next;
  }
  return parts;
}

}  // namespace tollgate::classify
