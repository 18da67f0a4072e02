#include "tollgate/classify/scanner.h"

#include <hs/hs.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <span>

#include "segments.h"
#include "tollgate/classify/decode.h"
#include "tollgate/util/c_handle.h"
#include "tollgate/util/file.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/strings.h"
#include "validators.h"
#include "windows.h"

namespace tollgate::classify {

using HsDatabase = CHandle<hs_database_t, &hs_free_database>;
using HsScratch = CHandle<hs_scratch_t, &hs_free_scratch>;
using HsCompileError = CHandle<hs_compile_error_t, &hs_free_compile_error>;

// One database per Trigger, so that patterns without a literal factor (digit runs, e-mail and
// IPv6 shapes) do not cost Hyperscan time on every byte: dbs[kEverywhere] holds the detectors
// tried everywhere plus one literal trigger per context-led detector (ids from defs.size() on),
// dbs[kContext] the context-led detectors' own patterns, each other one the detectors tried in
// its windows. A pattern's id is the index of its definition in every database.
class DatabaseImpl;

// Hyperscan scratch for every database of one DatabaseImpl, handed out to Scanners and taken back
// when they close: opening a scanner (or a one-shot scan) then costs a mutex and no allocation,
// once as many scratches exist as scanners ever ran at once. Thread-safe.
class ScratchPool {
 public:
  ScratchPool() = default;
  ScratchPool(const ScratchPool&) = delete;
  ScratchPool& operator=(const ScratchPool&) = delete;
  ~ScratchPool() {
    for (auto* s : free_) hs_free_scratch(s);
  }
  // Allocates the prototype the pool clones from (once, before the pool is shared).
  Status init(const std::array<HsDatabase, kTriggerCount>& dbs) {
    hs_scratch_t* s = nullptr;
    for (const auto& db : dbs) {
      if (db && hs_alloc_scratch(db.get(), &s) != HS_SUCCESS) {
        hs_free_scratch(s);
        return fail(ErrorCode::kInternal, "cannot allocate Hyperscan scratch");
      }
    }
    proto_.reset(s);
    return {};
  }
  // A scratch for the caller's exclusive use until release; nullptr when none can be allocated.
  hs_scratch_t* acquire() {
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        hs_scratch_t* s = free_.back();
        free_.pop_back();
        return s;
      }
    }
    hs_scratch_t* s = nullptr;
    if (!proto_ || hs_clone_scratch(proto_.get(), &s) != HS_SUCCESS) return nullptr;
    return s;
  }
  void release(hs_scratch_t* s) noexcept {
    if (!s) return;
    {
      std::lock_guard lock(mu_);
      if (free_.size() < kMaxFree) {
        free_.push_back(s);
        return;
      }
    }
    hs_free_scratch(s);
  }

 private:
  static constexpr std::size_t kMaxFree = 64;  // idle scratches kept (a few hundred KB each)
  std::mutex mu_;
  HsScratch proto_;
  std::vector<hs_scratch_t*> free_;
};

class DatabaseImpl {
 public:
  std::vector<DetectorDef> defs;
  std::array<HsDatabase, kTriggerCount> dbs;
  std::vector<std::uint32_t> triggerDet;      // trigger id - defs.size() -> definition index
  std::vector<std::uint32_t> idRank;          // definition index -> first definition with its id
  std::vector<detail::ContextWords> context;  // definition index -> its context words
  std::size_t lookahead = detail::kLookahead;
  // The definition index of the shipped e-mail pattern when it is the only at-sign pattern: its
  // candidates are then found by emailCandidates instead of Hyperscan over the '@' windows.
  std::uint32_t nativeEmail = kNoNative;
  // The same for the shipped IPv6 pattern and validator as the only colon-pair pattern
  // (ipv6Candidates, which also leaves out what the validator cannot accept).
  std::uint32_t nativeIpv6 = kNoNative;
  // The definition index of the shipped url_password pattern and validator among the everywhere
  // patterns: left out of the everywhere database (it cost a tenth of that scan's instructions,
  // measured on text: every "://" of every URL starts it) and found by urlPasswordCandidates
  // from the '@' signs instead.
  std::uint32_t nativeUrlPassword = kNoNative;
  // kShipped when every digits-trigger definition is a shipped one (detail::DigitRules).
  detail::DigitRules digitRules = detail::DigitRules::kGeneric;
  static constexpr std::uint32_t kNoNative = 0xFFFFFFFFu;
  mutable ScratchPool scratch;  // the only mutable part, and thread-safe
};

namespace {

constexpr std::size_t kHistory = 8 * 1024;        // bytes kept before the decided point
constexpr std::size_t kSlice = 256 * 1024;        // one-shot input fed in slices (a round in L2)
constexpr std::size_t kDedupeWindow = 64;         // comparisons per match when deduplicating
constexpr std::size_t kContextPrefix = 64;        // parent bytes a JSON/URL layer sees
constexpr std::size_t kMaxCandidates = 1u << 22;  // per Hyperscan call, bounds memory
constexpr std::size_t kNone = ~std::size_t{0};
constexpr std::uint64_t kTopGrid = 64 * 1024;    // compressed bytes between offsets noted
constexpr std::size_t kPartSniff = 600;          // bytes sniffMultipart reads at most
constexpr std::size_t kMaxStraddle = 64 * 1024;  // longest candidate a round's cut waits on

struct Candidate {
  std::uint32_t det;
  std::size_t from;
  std::size_t to;
};

struct Found {
  std::uint32_t det;
  std::size_t start;
  std::size_t end;
  double score;
  bool dropped = false;
};

struct Span {
  std::uint64_t start;
  std::uint64_t end;
};

// A window copied into the gathered buffer that one Hyperscan call scans for all windows.
struct Piece {
  std::size_t at;    // offset in the gathered buffer
  std::size_t len;   // bytes
  std::size_t orig;  // offset of the window in the layer's buffer
};

struct HsContext {
  std::vector<Candidate>* cands;
  std::vector<std::size_t>* last;
  std::vector<Candidate>* triggers;  // context words of context-led detectors
  std::size_t nDefs;
  std::size_t offset;                          // of the scanned bytes in the layer's buffer
  const std::vector<Piece>* pieces = nullptr;  // set when the scanned bytes are gathered windows
};

int onMatch(unsigned int id, unsigned long long from, unsigned long long to, unsigned int,
            void* ctx) {
  auto& c = *static_cast<HsContext*>(ctx);
  if (c.pieces) {
    // Back to layer offsets; a match across the line break between two windows is one the
    // windows scanned one by one would not have seen (no shipped trigger pattern can match one).
    const auto& ps = *c.pieces;
    auto it = std::upper_bound(ps.begin(), ps.end(), to ? to - 1 : 0,
                               [](unsigned long long v, const Piece& p) { return v < p.at; });
    if (it == ps.begin()) return 0;
    const Piece& p = *(it - 1);
    if (from < p.at || to > p.at + p.len) return 0;
    from = from - p.at + p.orig;
    to = to - p.at + p.orig;
  } else {
    from += c.offset;
    to += c.offset;
  }
  if (id >= c.nDefs) {
    if (c.triggers->size() < kMaxCandidates)
      c.triggers->push_back(Candidate{static_cast<std::uint32_t>(id - c.nDefs),
                                      static_cast<std::size_t>(from),
                                      static_cast<std::size_t>(to)});
    return 0;
  }
  std::size_t& last = (*c.last)[id];
  // Hyperscan reports every end of a growing match with the same leftmost start: keep the longest.
  if (last != kNone && (*c.cands)[last].from == from) {
    (*c.cands)[last].to = to;
    return 0;
  }
  if (c.cands->size() >= kMaxCandidates) return 0;
  last = c.cands->size();
  c.cands->push_back(Candidate{id, static_cast<std::size_t>(from), static_cast<std::size_t>(to)});
  return 0;
}

// prepareBatch's pieces: the decodings of segments one after another in one buffer, each with
// the everywhere-database reports that fall in it.
struct BatchPiece {
  std::size_t at;           // offset in the batch
  std::size_t len;          // bytes (a line break follows)
  std::uint32_t first = 0;  // its reports in the batch's, by piece
  std::uint32_t count = 0;
  bool crossed = false;  // a match reached into or out of it: it scans for itself
};
struct BatchReport {
  std::uint32_t piece;
  unsigned id;
  std::size_t from;  // in the piece (0 for a context word: no start of match)
  std::size_t to;
};
constexpr std::size_t kBatchPiece = 4096;              // longest decoding scanned in a batch
constexpr std::uint32_t kNotBatched = 0xFFFFFFFFu;     // a segment the loop decodes itself
constexpr std::uint32_t kBatchRejected = 0xFFFFFFFEu;  // decoded to nothing worth a scan
struct BatchContext {
  std::vector<BatchPiece>* pieces;
  std::vector<BatchReport>* reports;
  std::size_t nDefs;
};

int onBatchMatch(unsigned int id, unsigned long long from, unsigned long long to, unsigned int,
                 void* ctx) {
  auto& c = *static_cast<BatchContext*>(ctx);
  auto& ps = *c.pieces;
  auto it = std::upper_bound(ps.begin(), ps.end(), to ? to - 1 : 0,
                             [](unsigned long long v, const BatchPiece& p) { return v < p.at; });
  if (it == ps.begin()) return 0;
  BatchPiece& p = *(it - 1);
  const bool som = id < c.nDefs;  // detector patterns report their start; context words do not
  if (to > p.at + p.len || (som && from < p.at)) {
    p.crossed = true;
    return 0;
  }
  c.reports->push_back(
      BatchReport{static_cast<std::uint32_t>(it - 1 - ps.begin()), id,
                  som ? static_cast<std::size_t>(from - p.at) : static_cast<std::size_t>(from),
                  static_cast<std::size_t>(to - p.at)});
  return 0;
}

// No '^', '$', \A, \z, \Z or \G (a '^' opening a negated class aside): a pattern matches at a
// position whatever comes before and after the text around it.
bool anchorFree(std::string_view p) {
  std::size_t open = std::string_view::npos;  // where the last unescaped '[' is
  for (std::size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\') {
      if (i + 1 < p.size() && std::string_view("AzZG").find(p[i + 1]) != std::string_view::npos)
        return false;
      ++i;
      continue;
    }
    if (c == '[') open = i;
    if (c == '$' || (c == '^' && (open == std::string_view::npos || open + 1 != i))) return false;
  }
  return true;
}

// Whether prepareBatch may scan the decodings of many segments in one call: no pattern of the
// everywhere database has an anchor, and no context word a line break.
bool batchableDatabase(const std::vector<DetectorDef>& defs) {
  for (const auto& d : defs) {
    if (d.trigger == Trigger::kEverywhere ||
        (d.trigger == Trigger::kContext && d.context.empty())) {
      if (!anchorFree(d.pattern)) return false;
    } else if (d.trigger == Trigger::kContext) {
      for (const auto& w : d.context)
        if (w.find('\n') != std::string::npos) return false;
    }
  }
  return true;
}

using detail::addWindow;
using detail::byteEntropyAbove;
using detail::findBase64;
using detail::findFormPlus;
using detail::findJson;
using detail::findParts;
using detail::findPercent;
using detail::kLiteralGap;
using detail::kMaxSegment;
using detail::looksText;
using detail::SegKind;
using detail::Segment;
using detail::Window;

// Windows around each of `positions`: `before` bytes before it, `after` bytes after.
void windowsAround(std::string_view d, const std::vector<std::size_t>& positions,
                   std::size_t before, std::size_t after, std::vector<Window>& out) {
  for (std::size_t p : positions)
    addWindow(d, p > before ? p - before : 0, std::min(d.size(), p + 1 + after), out, kLiteralGap);
}

// The shipped e-mail pattern (data/detectors.yaml), matched by hand in emailCandidates.
constexpr std::string_view kEmailPattern =
    R"([A-Za-z0-9_+\-]@[A-Za-z0-9][A-Za-z0-9\-]*\.[A-Za-z]{2})";

// The candidates Hyperscan reports for kEmailPattern (start of match leftmost, the longest end
// kept), from the '@' positions in `d`, without a Hyperscan call over 200-byte windows around
// every '@': the match starts at
// the byte before an '@' and has one end, two letters after the first dot, since the domain's
// first label cannot hold a dot. The '@' windows bounded that label to under 192 bytes; the
// validator rejects labels over 63 either way, so the matches are the same.
void emailCandidates(std::string_view d, std::size_t offset, std::uint32_t det,
                     const std::vector<std::size_t>& atSigns, HsContext& ctx) {
  auto alnum = [](unsigned char c) {
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
  };
  auto letter = [](unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; };
  const auto* p = reinterpret_cast<const unsigned char*>(d.data());
  const std::size_t n = d.size();
  ctx.offset = offset;
  ctx.pieces = nullptr;
  for (std::size_t a : atSigns) {
    if (a == 0) continue;
    unsigned char b = p[a - 1];
    if (!(alnum(b) || b == '_' || b == '+' || b == '-')) continue;
    std::size_t k = a + 1;
    if (k >= n || !alnum(p[k])) continue;
    ++k;
    while (k < n && (alnum(p[k]) || p[k] == '-')) ++k;
    if (k + 2 >= n || p[k] != '.' || !letter(p[k + 1]) || !letter(p[k + 2])) continue;
    onMatch(det, a - 1, k + 3, 0, &ctx);
  }
}

// The shipped url_password pattern (data/detectors.yaml), matched by hand in
// urlPasswordCandidates.
constexpr std::string_view kUrlPasswordPattern =
    R"(\b[A-Za-z][A-Za-z0-9+.\-]{1,15}://[^\s:/@"'<>]{1,64}:[^\s/@"'<>]{1,128}@[A-Za-z0-9][A-Za-z0-9.\-]{0,253})";

// The candidates Hyperscan reports for kUrlPasswordPattern over all of `d` (leftmost start, the
// longest end kept), from the '@' signs at `ats` (ascending offsets in `d`). Each match holds one
// '@' (no part of it but the one between password and host may), and that '@' fixes the rest:
// the user information runs back from it to the first byte the user and password classes both
// exclude (\s is \t \n \v \f \r and space in Hyperscan), which must be the second '/' of "://";
// the user ends at the first ':' in it (the user class excludes ':', the password's does not);
// the scheme is the leftmost start of 2-16 scheme characters before "://" that begins with a
// letter at a word boundary (the start of `d` is one); the host is the longest run after '@',
// up to 254 bytes. So there is one start per '@', reported with its longest end, in order.
void urlPasswordCandidates(std::string_view d, std::uint32_t det,
                           const std::vector<std::size_t>& ats, HsContext& ctx) {
  auto alnum = [](unsigned char c) {
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
  };
  auto letter = [](unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; };
  auto word = [&](unsigned char c) { return alnum(c) || c == '_'; };
  auto scheme = [&](unsigned char c) { return alnum(c) || c == '+' || c == '.' || c == '-'; };
  auto host = [&](unsigned char c) { return alnum(c) || c == '.' || c == '-'; };
  auto stop = [](unsigned char c) {
    return c == ' ' || (c >= '\t' && c <= '\r') || c == '/' || c == '@' || c == '"' || c == '\'' ||
           c == '<' || c == '>';
  };
  constexpr std::size_t kUser = 64, kPassword = 128, kScheme = 16, kHost = 254;
  const auto* p = reinterpret_cast<const unsigned char*>(d.data());
  const std::size_t n = d.size();
  ctx.offset = 0;
  ctx.pieces = nullptr;
  for (std::size_t a : ats) {
    if (a + 1 >= n || !alnum(p[a + 1])) continue;
    const std::size_t lim = a > kUser + 1 + kPassword ? a - (kUser + 1 + kPassword) : 0;
    std::size_t q = a;  // the start of the user information
    while (q > lim && !stop(p[q - 1])) --q;
    if (q < 3 || q == a || p[q - 1] != '/' || p[q - 2] != '/' || p[q - 3] != ':') continue;
    const void* c = std::memchr(p + q, ':', a - q);
    if (!c) continue;
    const std::size_t colon = static_cast<std::size_t>(static_cast<const unsigned char*>(c) - p);
    if (colon == q || colon - q > kUser || a - colon - 1 < 1 || a - colon - 1 > kPassword) continue;
    const std::size_t end = q - 3;  // the scheme's end, at the ':' of "://"
    std::size_t r = end;
    while (r > 0 && end - r < kScheme && scheme(p[r - 1])) --r;
    std::size_t s = r;
    while (s + 2 <= end && !(letter(p[s]) && (s == 0 || !word(p[s - 1])))) ++s;
    if (s + 2 > end) continue;
    std::size_t e = a + 2;
    while (e < n && e - a - 1 < kHost && host(p[e])) ++e;
    onMatch(det, s, e, 0, &ctx);
  }
}

// The shipped IPv6 pattern (data/detectors.yaml), matched by hand in ipv6Candidates.
constexpr std::string_view kIpv6Pattern =
    R"(\b[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]{1,39})";

// The candidates Hyperscan reports for kIpv6Pattern, from the colon pairs of `d` (colonPairs).
// Every match begins with a colon pair (the
// first colon after 1-4 hex digits at the start of a word, the second after 0-4 more), so each
// pair gives at most one start, and from it the ends c2 + 2 .. c2 + 1 + m, m being the run of
// hex digits, colons and dots after the second colon (at most 39). Hyperscan reports each end
// once with its leftmost start, in the order of the ends, and onMatch keeps the longest end of
// consecutive reports with one start: per start in order, the longest end when it reaches past
// every end reported before it (the ends up to there have an earlier start). Candidates the
// IPv6 validator cannot accept are left out.
void ipv6Candidates(std::string_view d, std::size_t offset, std::uint32_t det,
                    const std::vector<detail::ColonPair>& pairs, HsContext& ctx) {
  auto hex = [](unsigned char c) {
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
  };
  auto word = [](unsigned char c) {
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_';
  };
  const auto* p = reinterpret_cast<const unsigned char*>(d.data());
  const std::size_t n = d.size();
  ctx.offset = offset;
  ctx.pieces = nullptr;
  std::size_t reach = 0;  // the furthest end reported so far
  for (const auto& [c1, c2] : pairs) {
    std::size_t s = c1;
    while (s > 0 && c1 - s < 5 && hex(p[s - 1])) --s;
    if (s == c1 || c1 - s > 4 || (s > 0 && word(p[s - 1]))) continue;
    std::size_t k = c2 + 1;
    while (k < n && k - c2 - 1 < 39 && (hex(p[k]) || p[k] == ':' || p[k] == '.')) ++k;
    if (k == c2 + 1 || k <= reach) continue;
    reach = k;
    // The IPv6 validator (inet_pton) needs "::" or six colons at least: times ("08:33:49") are
    // most of these candidates in text.
    std::size_t colons = 0;
    bool compressed = false;
    for (std::size_t x = s; x < k; ++x)
      if (p[x] == ':') {
        ++colons;
        compressed |= x > s && p[x - 1] == ':';
      }
    if (!compressed && colons < 6) continue;
    onMatch(det, s, k, 0, &ctx);
  }
}

// True when each of the definitions `which` is a shipped digits-trigger definition: the same
// pattern, case and validator, whose needs detail::DigitRules::kShipped encodes.
bool shippedDigitSet(const std::vector<DetectorDef>& defs,
                     const std::vector<std::uint32_t>& which) {
  // The embedded definitions never change: parsed once per process (1.5 ms of start-up).
  const auto& shipped = shippedDetectors();
  if (!shipped) return false;
  return std::all_of(which.begin(), which.end(), [&](std::uint32_t i) {
    const DetectorDef& d = defs[i];
    return std::any_of(shipped->begin(), shipped->end(), [&](const DetectorDef& s) {
      return s.trigger == Trigger::kDigits && s.pattern == d.pattern && s.caseless == d.caseless &&
             s.validator == d.validator;
    });
  });
}

std::string literalPattern(std::string_view w) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : w) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<HsDatabase> compileSet(const std::vector<DetectorDef>& defs,
                              const std::vector<std::uint32_t>& which,
                              const std::vector<std::string>& triggers) {
  std::vector<const char*> exprs;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (auto i : which) {
    const auto& d = defs[i];
    exprs.push_back(d.pattern.c_str());
    flags.push_back(HS_FLAG_SOM_LEFTMOST | (d.caseless ? HS_FLAG_CASELESS : 0u));
    ids.push_back(i);
  }
  for (std::size_t k = 0; k < triggers.size(); ++k) {
    exprs.push_back(triggers[k].c_str());
    flags.push_back(HS_FLAG_CASELESS);  // only the end of a trigger is used: no SOM
    ids.push_back(static_cast<unsigned>(defs.size() + k));
  }
  if (exprs.empty()) return HsDatabase{};
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  hs_error_t rc =
      hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                       HS_MODE_BLOCK, nullptr, &db, &err);
  HsCompileError errGuard(err);
  if (rc != HS_SUCCESS) {
    std::string what = err && err->message ? err->message : "compile error";
    if (err && err->expression >= 0 && static_cast<std::size_t>(err->expression) < which.size()) {
      const auto& d = defs[which[static_cast<std::size_t>(err->expression)]];
      return fail(ErrorCode::kInvalidInput, "detector '" + d.id +
                                                (d.variant.empty() ? "" : "/" + d.variant) +
                                                "': pattern rejected by Hyperscan: " + what);
    }
    return fail(ErrorCode::kInvalidInput, "detectors rejected by Hyperscan: " + what);
  }
  return HsDatabase(db);
}

}  // namespace

// ------------------------------------------------------------------------------- Database
Database::Database(std::unique_ptr<DatabaseImpl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;
const std::vector<DetectorDef>& Database::detectors() const noexcept { return impl_->defs; }

Result<std::shared_ptr<const Database>> Database::compile(const std::vector<DetectorDef>& defs) {
  return compileCached(defs, {});
}

namespace {

void freeBytes(char* p) noexcept { std::free(p); }
using HsBytes = CHandle<char, &freeBytes>;

// One cache file: for each trigger database, its length (8 bytes, little-endian) then the bytes
// of hs_serialize_database (length 0 for an empty set).
std::optional<std::array<HsDatabase, kTriggerCount>> loadCache(const std::filesystem::path& f) {
  auto bytes = readFile(f, 256 << 20);
  if (!bytes) return std::nullopt;
  std::array<HsDatabase, kTriggerCount> out;
  std::size_t at = 0;
  for (auto& db : out) {
    if (bytes->size() - at < 8) return std::nullopt;
    std::uint64_t n = 0;
    for (int b = 7; b >= 0; --b) n = n << 8 | static_cast<unsigned char>((*bytes)[at + b]);
    at += 8;
    if (n > bytes->size() - at) return std::nullopt;
    if (n) {
      hs_database_t* d = nullptr;
      if (hs_deserialize_database(bytes->data() + at, n, &d) != HS_SUCCESS) return std::nullopt;
      db.reset(d);
    }
    at += n;
  }
  if (at != bytes->size()) return std::nullopt;
  return out;
}

void storeCache(const std::filesystem::path& f, const std::array<HsDatabase, kTriggerCount>& dbs) {
  std::string out;
  for (const auto& db : dbs) {
    char* raw = nullptr;
    std::size_t n = 0;
    if (db && hs_serialize_database(db.get(), &raw, &n) != HS_SUCCESS) return;
    HsBytes hold(raw);
    for (int b = 0; b < 8; ++b)
      out += static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * b)) & 0xff);
    if (n) out.append(raw, n);
  }
  std::error_code ec;
  std::filesystem::create_directories(f.parent_path(), ec);
  (void)writeFileAtomic(f, out);  // a cache that cannot be written costs a compile next time
}

}  // namespace

Result<std::shared_ptr<const Database>> Database::compileCached(
    const std::vector<DetectorDef>& defs, const std::filesystem::path& cacheDir) {
  if (hs_valid_platform() != HS_SUCCESS)
    return fail(ErrorCode::kUnsupported, "this CPU lacks SSSE3, which Hyperscan needs");
  auto impl = std::make_unique<DatabaseImpl>();
  for (const auto& d : defs)
    if (d.enabled) impl->defs.push_back(d);
  if (impl->defs.empty()) return fail(ErrorCode::kInvalidInput, "no detectors enabled");
  for (const auto& d : impl->defs) impl->context.emplace_back(d.context);
  for (std::size_t i = 0; i < impl->defs.size(); ++i) {
    std::size_t first = i;
    for (std::size_t j = 0; j < i && first == i; ++j)
      if (impl->defs[j].id == impl->defs[i].id) first = j;
    impl->idRank.push_back(static_cast<std::uint32_t>(first));
  }
  std::array<std::vector<std::uint32_t>, kTriggerCount> sets;
  std::vector<std::string> triggers;
  for (std::size_t i = 0; i < impl->defs.size(); ++i) {
    const auto& d = impl->defs[i];
    auto idx = static_cast<std::uint32_t>(i);
    if (d.validator == Validator::kWordList)
      impl->lookahead = std::max<std::size_t>(impl->lookahead, d.window);
    Trigger t =
        d.trigger == Trigger::kContext && d.context.empty() ? Trigger::kEverywhere : d.trigger;
    sets[static_cast<std::size_t>(t)].push_back(idx);
    if (t == Trigger::kContext) {
      std::string p = "(?:";
      for (std::size_t k = 0; k < d.context.size(); ++k)
        p += (k ? "|" : "") + literalPattern(d.context[k]);
      triggers.push_back(p + ")");
      impl->triggerDet.push_back(idx);
    }
  }
  if (const auto& at = sets[static_cast<std::size_t>(Trigger::kAtSign)];
      at.size() == 1 && impl->defs[at[0]].pattern == kEmailPattern)
    impl->nativeEmail = at[0];
  if (const auto& cp = sets[static_cast<std::size_t>(Trigger::kColonPairs)];
      cp.size() == 1 && impl->defs[cp[0]].pattern == kIpv6Pattern &&
      impl->defs[cp[0]].validator == Validator::kIpv6)
    impl->nativeIpv6 = cp[0];
  {
    auto& every = sets[static_cast<std::size_t>(Trigger::kEverywhere)];
    auto it = std::find_if(every.begin(), every.end(), [&](std::uint32_t i) {
      const auto& d = impl->defs[i];
      return d.pattern == kUrlPasswordPattern && d.validator == Validator::kUrlPassword &&
             !d.caseless;
    });
    if (it != every.end()) {
      impl->nativeUrlPassword = *it;
      every.erase(it);
    }
  }
  if (const auto& dg = sets[static_cast<std::size_t>(Trigger::kDigits)];
      !dg.empty() && shippedDigitSet(impl->defs, dg))
    impl->digitRules = detail::DigitRules::kShipped;
  // The cache key: everything Hyperscan compiles, and its version.
  std::filesystem::path cacheFile;
  if (!cacheDir.empty()) {
    Sha256 h;
    std::string v = hs_version();
    h.update(v + '\n');
    for (std::size_t k = 0; k < kTriggerCount; ++k) {
      h.update("set " + std::to_string(k) + '\n');
      for (auto i : sets[k]) {
        const auto& d = impl->defs[i];
        h.update(std::to_string(i) + (d.caseless ? " i " : " - ") + d.pattern + '\0');
      }
      if (k == 0)
        for (const auto& t : triggers) h.update("trigger " + t + '\0');
    }
    cacheFile = cacheDir / ("classify-" + h.hexDigest().substr(0, 32) + ".hsdb");
    if (auto cached = loadCache(cacheFile)) {
      impl->dbs = std::move(*cached);
      if (auto st = impl->scratch.init(impl->dbs); !st) return std::unexpected(st.error());
      return std::shared_ptr<const Database>(new Database(std::move(impl)));
    }
  }
  for (std::size_t k = 0; k < kTriggerCount; ++k) {
    auto db = compileSet(impl->defs, sets[k], k == 0 ? triggers : std::vector<std::string>{});
    if (!db) return std::unexpected(db.error());
    impl->dbs[k] = std::move(*db);
  }
  if (!cacheFile.empty()) storeCache(cacheFile, impl->dbs);
  if (auto st = impl->scratch.init(impl->dbs); !st) return std::unexpected(st.error());
  return std::shared_ptr<const Database>(new Database(std::move(impl)));
}

Result<std::shared_ptr<const Database>> Database::defaults() {
  const auto& defs = shippedDetectors();
  if (!defs) return std::unexpected(defs.error());
  return compile(*defs);
}

// ------------------------------------------------------------------------------- masking
std::string mask(std::string_view v) {
  std::size_t n = v.size();
  std::size_t keep = n >= 16 ? 4 : n >= 8 ? 2 : n >= 4 ? 1 : 0;
  std::size_t stars = std::min<std::size_t>(n - 2 * keep, 24);
  std::string out = printable(v.substr(0, keep), keep + 8);
  out += std::string(stars, '*');
  out += printable(v.substr(n - keep), keep + 8);
  return out;
}

// ------------------------------------------------------------------------------- Scanner
class ScannerImpl {
 public:
  ScannerImpl(std::shared_ptr<const Database> db, ScanOptions opt)
      : dbHold_(std::move(db)), d_(dbHold_->impl()), opt_(std::move(opt)) {}

  ScannerImpl(const ScannerImpl&) = delete;
  ScannerImpl& operator=(const ScannerImpl&) = delete;
  ~ScannerImpl() { d_.scratch.release(scratch_); }

  Status init() {
    scratch_ = d_.scratch.acquire();
    if (!scratch_) return fail(ErrorCode::kInternal, "cannot allocate Hyperscan scratch");
    last_.assign(d_.defs.size(), kNone);
    batchable_ = batchableDatabase(d_.defs);
    return start();
  }

  // A new stream with the same scratch and buffers.
  Status reset(ScanOptions opt) {
    opt_ = std::move(opt);
    buf_.clear();
    view_ = {};
    viewing_ = false;
    b64Resume_ = {};
    base_ = done_ = fed_ = decoded_ = topIn_ = topSpent_ = 0;
    form_ = sniffed_ = finishing_ = broken_ = partsSniffed_ = partsDone_ = direct_ = false;
    prepared_ = 0;
    jsonClose_ = partsClose_ = kNoClose;
    partsStop_ = {};
    topMarks_.clear();
    boundary_.clear();
    top_.reset();
    topPath_.clear();
    sniff_.clear();
    pendingRaw_.clear();
    if (auto st = start(); !st) return broken(st);
    return {};
  }

 private:
  // The parts of the stream state that follow from the options.
  Status start() {
    nextRound_ = roundBytes();
    std::string ct = toLower(opt_.contentType);
    form_ = ct.find("application/x-www-form-urlencoded") != std::string::npos;
    if (ct.find("multipart/") != std::string::npos) boundary_ = multipartBoundary(opt_.contentType);
    if (!opt_.contentEncoding.empty() && toLower(opt_.contentEncoding) != "identity") {
      auto c = compressionFromName(opt_.contentEncoding);
      if (!c)
        return fail(ErrorCode::kUnsupported,
                    "unknown content encoding '" + printable(opt_.contentEncoding, 32) + "'");
      if (auto st = startTop(*c); !st) return st;
    }
    return {};
  }

 public:
  Status feed(std::string_view chunk, std::vector<Match>& out) {
    if (broken_) return fail(ErrorCode::kInternal, "scanner used after an error");
    if (viewing_) leaveView();
    fed_ += chunk.size();
    if (!sniffed_) {
      // Decide on a content encoding once the first bytes are in.
      sniff_.append(chunk.data(), std::min<std::size_t>(chunk.size(), 8 - sniff_.size()));
      if (sniff_.size() < 4 && !finishing_) {
        pendingRaw_.append(chunk);
        return {};
      }
      sniffed_ = true;
      if (!top_ && opt_.decode && opt_.contentEncoding.empty())
        if (auto c = sniffCompression(sniff_)) {
          if (auto st = startTop(*c); !st) return broken(st);
        }
      std::string raw = std::move(pendingRaw_);
      raw.append(chunk);
      return push(raw, out);
    }
    return push(chunk, out);
  }

  // Room for `n` bytes: the end of buf_ itself once the stream's encoding is known and it is
  // plain, else a staging buffer that commit() feeds.
  std::span<char> prepare(std::size_t n) {
    if (viewing_) leaveView();
    direct_ = !broken_ && sniffed_ && !top_;
    prepared_ = n;
    if (!direct_) {
      if (stage_.size() < n) stage_.resize(n);
      return {stage_.data(), n};
    }
    std::size_t old = buf_.size();
    // The new bytes are written by the caller before commit() reads them. (The size is returned
    // as asked: GCC 12's libstdc++ hands the operation the grown capacity when it reallocates.)
    buf_.resize_and_overwrite(old + n, [want = old + n](char*, std::size_t) { return want; });
    return {buf_.data() + old, n};
  }

  Status commit(std::size_t n, std::vector<Match>& out) {
    n = std::min(n, prepared_);
    if (!direct_) return feed(std::string_view(stage_.data(), n), out);
    direct_ = false;
    buf_.resize(buf_.size() - (prepared_ - n));
    fed_ += n;
    if (buf_.size() >= nextRound_) {
      if (auto st = round(false, out); !st) return broken(st);
    }
    return {};
  }

  Status finish(std::vector<Match>& out) {
    if (broken_) return fail(ErrorCode::kInternal, "scanner used after an error");
    finishing_ = true;
    if (!sniffed_) {
      if (auto st = feed({}, out); !st) return st;
    }
    if (top_) {
      if (auto st = top_->finish(); !st) return broken(st);
    }
    if (auto st = round(true, out); !st) return broken(st);
    return {};
  }

  // feed() reading the caller's bytes in place, for scanAll (whose data outlives the stream):
  // the round reads them where they are as long as each chunk follows the previous one in
  // memory, from a plain stream's start on; a content encoding (sniffed or declared) decodes
  // into buf_, and any other chunk is copied, as feed() does.
  Status feedView(std::string_view chunk, std::vector<Match>& out) {
    if (broken_) return fail(ErrorCode::kInternal, "scanner used after an error");
    if (viewing_ && chunk.data() == view_.data() + view_.size()) {
      view_ = std::string_view(view_.data(), view_.size() + chunk.size());
    } else if (!viewing_ && fed_ == 0 && !top_ && chunk.size() >= 8) {
      // The stream's start: sniff as feed() does, then read the caller's bytes.
      sniff_.assign(chunk.substr(0, 8));
      sniffed_ = true;
      if (opt_.decode && opt_.contentEncoding.empty())
        if (auto c = sniffCompression(sniff_)) {
          if (auto st = startTop(*c); !st) return broken(st);
          fed_ += chunk.size();
          return push(chunk, out);
        }
      viewing_ = true;
      view_ = chunk;
    } else {
      return feed(chunk, out);
    }
    fed_ += chunk.size();
    if (view_.size() >= nextRound_) {
      if (auto st = round(false, out); !st) return broken(st);
    }
    return {};
  }

  [[nodiscard]] std::uint64_t bytes() const noexcept { return fed_; }

 private:
  Status broken(const Status& st) {
    broken_ = true;
    return st;
  }

  // The stream's bytes from base_ on, in the caller's memory (feedView) or in buf_.
  [[nodiscard]] std::string_view held() const noexcept { return viewing_ ? view_ : buf_; }

  // Copies the caller's bytes that are still needed into buf_, to go on with feed().
  void leaveView() {
    buf_.assign(view_);
    view_ = {};
    viewing_ = false;
  }

  Status startTop(Compression c) {
    auto dec = Decompressor::open(c, opt_.maxDecodedBytes);
    if (!dec) return std::unexpected(dec.error());
    top_.emplace(std::move(*dec));
    topPath_ = std::string(toString(c));
    return {};
  }

  Status push(std::string_view chunk, std::vector<Match>& out) {
    if (top_) {
      if (auto st = feedTop(chunk); !st) return broken(st);
    } else {
      buf_.append(chunk);
    }
    if (buf_.size() >= nextRound_) {
      if (auto st = round(false, out); !st) return broken(st);
    }
    return {};
  }

  // Feeds compressed bytes to the decompressor of a content-encoded stream, split at every
  // multiple of kTopGrid compressed bytes, noting how much had come out at each: a match inside
  // reports the compressed bytes read up to the first such point by which its bytes were out,
  // which does not depend on how the stream was fed.
  Status feedTop(std::string_view chunk) {
    while (!chunk.empty()) {
      std::size_t n = std::min<std::uint64_t>(chunk.size(), kTopGrid - topIn_ % kTopGrid);
      if (auto st = top_->feed(chunk.substr(0, n), buf_); !st) return st;
      topIn_ += n;
      chunk.remove_prefix(n);
      if (topIn_ % kTopGrid == 0) topMarks_.push_back(TopMark{topIn_, base_ + buf_.size()});
    }
    return {};
  }

  // Decides every match that ends in (done_, to], to being as far as the buffered bytes allow.
  // Every round decides the matches ending in its own stretch of the stream, encoded segments
  // whole, and looks for segments only from where the last one stopped (a cut no segment spans),
  // so that what is found, and its order (by end), does not depend on how the stream was fed.
  Status round(bool final, std::vector<Match>& out) {
    std::string_view data = held();
    std::size_t from = static_cast<std::size_t>(done_ - base_);
    std::size_t to =
        final ? data.size() : (data.size() > d_.lookahead ? data.size() - d_.lookahead : 0);
    if (top_ && !final) {
      // Only bytes whose compressed offset is known are decided.
      std::uint64_t marked = topMarks_.empty() ? 0 : topMarks_.back().out;
      to = std::min<std::uint64_t>(to, marked > base_ ? marked - base_ : 0);
    }
    if (!partsSniffed_ && boundary_.empty() && opt_.decode && !top_) {
      if (!final && data.size() < kPartSniff) {
        to = 0;  // the first part header is not in yet
      } else {
        sniffMultipart(data);
        partsSniffed_ = true;
      }
    }
    // A member, so that its room (a few hundred heavy Segments a round) is kept between rounds.
    std::vector<Segment>& segs = segs_;
    segs.clear();
    if (opt_.decode && opt_.maxDepth > 0 && to > from) {
      // The resume point at offsets in data.substr(from), and back (the stream's bytes at an
      // offset never change).
      const std::uint64_t at = base_ + from;
      detail::Base64Resume resume;
      if (b64Resume_.start != detail::Base64Resume::kNone && b64Resume_.start >= at) {
        resume = b64Resume_;
        resume.start -= at;
        resume.end -= at;
      }
      findSegments(data.substr(from), true, segs, false, &segRuns_,
                   detail::insideBase64Run(data, from), from ? data[from - 1] : '\0',
                   jsonClose_ == base_ + from, &resume);
      if (resume.start != detail::Base64Resume::kNone) {
        b64Resume_ = resume;
        b64Resume_.start += at;
        b64Resume_.end += at;
      }
      // Where the part finder read the closing delimiter (the end of its "--").
      partsClose_ =
          partsStop_.closed ? base_ + from + partsStop_.at + boundary_.size() + 4 : kNoClose;
      for (auto& s : segs) {
        s.start += from;
        s.end += from;
        s.anchor += from;
      }
      // Decoded in order of their end, as rounds decide them, so that the decoding budget is
      // spent in one order (indices: a Segment is heavy to move). Each finder's segments come
      // in that order already: merge them.
      segOrder_.resize(segs.size());
      for (std::size_t k = 0; k < segs.size(); ++k) segOrder_[k] = static_cast<std::uint32_t>(k);
      auto byEnd = [&](std::uint32_t a, std::uint32_t b) {
        if (segs[a].end != segs[b].end) return segs[a].end < segs[b].end;
        if (segs[a].start != segs[b].start) return segs[a].start < segs[b].start;
        return segs[a].kind < segs[b].kind;
      };
      bool runsSorted = true;
      for (std::size_t r = 0; r + 1 < segRuns_.size() && runsSorted; ++r)
        runsSorted = std::is_sorted(segOrder_.begin() + segRuns_[r],
                                    segOrder_.begin() + segRuns_[r + 1], byEnd);
      if (runsSorted) {
        for (std::size_t r = 1; r + 1 < segRuns_.size(); ++r)
          std::inplace_merge(segOrder_.begin(), segOrder_.begin() + segRuns_[r],
                             segOrder_.begin() + segRuns_[r + 1], byEnd);
      } else {
        std::sort(segOrder_.begin(), segOrder_.end(), byEnd);
      }
      if (!final) to = detail::cutPoint(data, from, to, segs, partsDone_ ? kNoBoundary : boundary_);
    }
    if (to <= from && !final) {
      nextRound_ = data.size() + roundBytes();
      return {};
    }
    // This round's matches go straight to the end of `out`, from `first` on.
    const std::size_t first = out.size();
    foundRank_.clear();
    foundTrail_.clear();
    trail_.n = 0;
    // A content-encoded stream is scanned like a plain one (spans in decoded bytes) until the
    // matches are out; then each reports the compressed bytes read when its bytes were out.
    if (auto st = layer(data, from, to, 0, topPath_, std::nullopt, base_, &segs, out,
                        final ? nullptr : &to);
        !st)
      return st;
    // Duplicates are one value seen through two decodings; plain text alone has none.
    if (std::any_of(out.begin() + first, out.end(),
                    [&](const Match& m) { return m.decoding != out[first].decoding; }))
      dedupe(out, first);
    foundRank_.clear();
    // By end, then start; ties (values of one decoded segment) by what is printed. Indices are
    // sorted, and the matches moved only when out of order.
    std::span<Match> found(out.data() + first, out.size() - first);
    auto byEnd = [&](std::uint32_t i, std::uint32_t j) {
      const Match& a = found[i];
      const Match& b = found[j];
      if (a.end != b.end) return a.end < b.end;
      if (a.start != b.start) return a.start < b.start;
      if (a.detector != b.detector) return a.detector < b.detector;
      if (a.decoding != b.decoding) return a.decoding < b.decoding;
      if (a.value != b.value) return a.value < b.value;
      return a.score < b.score;
    };
    outOrder_.resize(found.size());
    for (std::size_t k = 0; k < found.size(); ++k) outOrder_[k] = static_cast<std::uint32_t>(k);
    if (!std::is_sorted(outOrder_.begin(), outOrder_.end(), byEnd)) {
      std::sort(outOrder_.begin(), outOrder_.end(), byEnd);
      sorted_.clear();
      sorted_.reserve(found.size());
      for (auto k : outOrder_) sorted_.push_back(std::move(found[k]));
      std::move(sorted_.begin(), sorted_.end(), found.begin());
    }
    if (top_) {
      for (Match& m : found) {
        auto mark = std::lower_bound(topMarks_.begin(), topMarks_.end(), m.end,
                                     [](const TopMark& t, std::uint64_t e) { return t.out < e; });
        m.start = 0;
        m.end = mark == topMarks_.end() ? topIn_ : mark->in;
      }
    }
    done_ = base_ + to;
    // Where the last JSON string decided closed: a cut there must not reopen it.
    for (const auto& sg : segs)
      if (sg.kind == SegKind::kJson && !sg.open && sg.end <= to)
        if (jsonClose_ == kNoClose || base_ + sg.end > jsonClose_) jsonClose_ = base_ + sg.end;
    // The multipart finder stops at the closing delimiter: once it is decided, no more parts (a
    // "--boundary--" inside a part's headers is not one: the finder reads it as a header).
    if (!partsDone_ && partsClose_ != kNoClose && partsClose_ <= base_ + to) partsDone_ = true;
    if (top_) {
      auto keepFrom = std::lower_bound(topMarks_.begin(), topMarks_.end(), done_,
                                       [](const TopMark& k, std::uint64_t e) { return k.out < e; });
      topMarks_.erase(topMarks_.begin(), keepFrom);
    }
    std::size_t keep = to > kHistory ? to - kHistory : 0;
    if (viewing_)
      view_.remove_prefix(keep);
    else
      buf_.erase(0, keep);
    base_ += keep;
    nextRound_ = held().size() + roundBytes();
    return {};
  }

  std::size_t roundBytes() const { return std::max<std::size_t>(opt_.roundBytes, 1); }

  void sniffMultipart(std::string_view data) {
    // A body that opens with a delimiter line and a form-data part header.
    if (!data.starts_with("--")) return;
    auto nl = data.find('\n');
    if (nl == std::string_view::npos || nl > 80) return;
    std::string_view b = data.substr(2, nl - 2);
    if (!b.empty() && b.back() == '\r') b.remove_suffix(1);
    if (b.empty()) return;
    auto head = data.substr(nl + 1, 512);
    if (toLower(head).find("content-disposition:") == std::string::npos) return;
    boundary_ = std::string(b);
  }

  // `urlDecoded`: the layer is a URL decoding already, where '+' is a plus sign. `runs`, when
  // given, receives where each finder's segments begin in `segs`, and their end.
  void findSegments(std::string_view data, bool top, std::vector<Segment>& segs,
                    bool urlDecoded = false, std::vector<std::size_t>* runs = nullptr,
                    bool inBase64 = false, char before = '\0', bool afterJson = false,
                    detail::Base64Resume* resume = nullptr) {
    if (runs) runs->assign(1, segs.size());
    auto ran = [&] {
      if (runs) runs->push_back(segs.size());
    };
    findBase64(data, segs, inBase64, detail::Simd::kAvx512, resume);
    ran();
    findPercent(data, segs);
    ran();
    if (!urlDecoded) findFormPlus(data, segs, form_, before);
    ran();
    findJson(data, segs, afterJson);
    ran();
    if (top) partsStop_ = {};
    if (top && !boundary_.empty() && !partsDone_) findParts(data, boundary_, segs, &partsStop_);
    ran();
  }

  // Scans one layer: `data` is a buffer (plain input or a decoding); matches ending in
  // (from, to] are decided. `override` is the span every match of a decoded layer reports.
  // `cut`: set in a round that more bytes follow, which may move `to` back (settleCut) and
  // gets the `to` used.
  Status layer(std::string_view data, std::size_t from, std::size_t to, std::uint32_t depth,
               const std::string& path, std::optional<Span> override, std::uint64_t absBase,
               const std::vector<Segment>* topSegs, std::vector<Match>& out,
               std::size_t* cut = nullptr) {
    if (depth >= cands_.size()) cands_.resize(depth + 1);
    auto& cands = cands_[depth];
    cands.clear();
    // This layer's everywhere-database reports when they were found for a batch (prepareBatch);
    // the layers it opens scan for themselves.
    const std::optional<std::span<const BatchReport>> replay = replay_;
    replay_.reset();
    if (auto st = candidates(data, from, cands, replay); !st) return st;
    if (cut) *cut = to = settleCut(data, from, to, cands, topSegs);

    std::vector<Found> found;
    std::vector<Candidate> words;
    std::size_t reach = d_.lookahead;
    for (const auto& c : cands) {
      if (c.to + reach <= from) continue;
      const DetectorDef& def = d_.defs[c.det];
      if (def.validator == Validator::kWordList) {
        words.push_back(c);
        continue;
      }
      auto v = detail::validate(def, data, c.from, c.to);
      if (!v || v->end <= from || v->end > to) continue;
      // Context a validator asks for must be close: the key or phrase right before the value.
      std::size_t window = v->needsContext ? std::min<std::size_t>(def.window, 24) : def.window;
      bool required = def.contextRequired || v->needsContext;
      bool ctxHit = d_.context[c.det].before(data, v->start, window, required);
      if (required && !ctxHit) continue;
      double score = std::min(1.0, def.score * v->factor + (ctxHit ? 0.1 : 0.0));
      found.push_back(Found{c.det, v->start, v->end, std::round(score * 100) / 100});
    }
    clusterWords(data, words, from, to, found);
    resolveOverlaps(found);

    // Room for this layer's matches, growing geometrically (decoded layers come by the thousand).
    if (std::size_t need = out.size() + found.size(); out.capacity() < need)
      out.reserve(std::max(need, 2 * out.capacity()));
    for (const auto& f : found) {
      if (f.dropped) continue;
      const DetectorDef& def = d_.defs[f.det];
      Match& m = out.emplace_back();
      m.detector = def.id;
      m.cls = def.cls;
      m.severity = def.severity;
      m.start = override ? override->start : absBase + f.start;
      m.end = override ? override->end : absBase + f.end;
      m.score = f.score;
      m.decoding = path;
      m.value.assign(data.data() + f.start, f.end - f.start);
      foundRank_.push_back(d_.idRank[f.det]);
      if (opt_.decode) {  // only dedupe reads trails, and only decodings have duplicates
        Trail& t = foundTrail_.emplace_back(trail_);
        if (t.n < t.at.size()) t.at[t.n++] = Span{absBase + f.start, absBase + f.end};
      }
    }

    if (!opt_.decode || depth >= opt_.maxDepth) return {};
    std::vector<Segment> own;
    if (!topSegs) findSegments(data, false, own, path.ends_with("url"));
    const auto& segs = topSegs ? *topSegs : own;
    const bool batched = topSegs && prepareBatch(data, from, to, segs);
    for (std::size_t k = 0; k < segs.size(); ++k) {
      // The top layer's segments in segOrder_ (by end), a decoded layer's as found.
      const Segment& s = segs[topSegs ? segOrder_[k] : k];
      if (s.end <= from || s.end > to || !detail::decodable(s)) continue;
      // A content-encoded stream's own output counts too, up to the segment.
      if (top_ && topSegs) topSpent_ = absBase + s.end;
      if (decoded_ + topSpent_ >= opt_.maxDecodedBytes) break;
      std::string kind;
      std::string& decoded = decodeBuffer(depth);
      if (batched && batchOf_[k] == kBatchRejected) {
        continue;  // decoded already, to bytes that are neither text nor a possible compression
      } else if (batched && batchOf_[k] != kNotBatched) {
        // Decoded already, as text, with its everywhere-database reports found in the batch
        // (or not, when a match there reached across pieces: then it scans for itself).
        const BatchPiece& piece = batchPieces_[batchOf_[k]];
        kind = s.kind == SegKind::kBase64Url ? "base64url" : "base64";
        decoded.assign(batch_, piece.at, piece.len);
        if (!piece.crossed)
          replay_ = std::span<const BatchReport>(batchReports_).subspan(piece.first, piece.count);
      } else if (!decodeSegment(data, s, kind, decoded)) {
        continue;
      }
      decoded_ += decoded.size();
      Span span = override ? *override : Span{absBase + s.start, absBase + s.end};
      std::string sub = path.empty() ? kind : path + ">" + kind;
      // A JSON string or URL value is named by what precedes it ("dob": "..."): the decoded
      // layer sees those bytes as context, and decides only matches inside the decoding.
      std::size_t prefix = 0;
      if (s.kind == SegKind::kJson || s.kind == SegKind::kUrl) {
        prefix = std::min<std::size_t>(s.start, kContextPrefix);
        decoded.insert(0, data.substr(s.start - prefix, prefix));
      }
      const std::uint8_t up = trail_.n;
      if (trail_.n < trail_.at.size())
        trail_.at[trail_.n++] = Span{absBase + s.start, absBase + s.end};
      auto st = layer(decoded, prefix, decoded.size(), depth + 1, sub, span, 0, nullptr, out);
      trail_.n = up;
      // Room for a segment's decoding is kept; a decompression's (up to maxDecodedBytes) is not.
      if (decoded.capacity() > kMaxSegment) std::string().swap(decoded);
      if (!st) return st;
    }
    return {};
  }

  // The top layer's base64 segments that decode to text are mostly short (hashes and
  // identifiers in plain text, thousands a round), and a Hyperscan call over the everywhere
  // database costs each one more than its bytes do. Before the segment loop, they are decoded
  // into one buffer, each followed by a line break, and scanned in one call; each then replays
  // its own reports (candidates), in the order they came. A piece's reports are those of a scan
  // of it alone: the break before it is a non-word byte as the start of a buffer is (\b alike),
  // no pattern has an anchor (batchable_), and a match from one piece into the next, which could
  // hide a report of the piece it ends in, is seen (its start or end outside that piece) and
  // leaves that piece to scan for itself. Context words have no line break, so that none reaches
  // across one. What the loop does with each segment (its order, the decoding budget) is
  // unchanged; segments whose decoding is no text and cannot be compressed are not decoded twice.
  // False when there is no batch: fewer than two pieces.
  bool prepareBatch(std::string_view data, std::size_t from, std::size_t to,
                    const std::vector<Segment>& segs) {
    if (!batchable_ || !opt_.decode || opt_.maxDepth == 0) return false;
    batch_.clear();
    batchPieces_.clear();
    batchReports_.clear();
    batchOf_.assign(segs.size(), kNotBatched);
    for (std::size_t k = 0; k < segs.size(); ++k) {
      const Segment& s = segs[segOrder_[k]];
      if (s.end <= from || s.end > to || !detail::decodable(s)) continue;
      if (s.kind != SegKind::kBase64 && s.kind != SegKind::kBase64Url) continue;
      // Too long to decode to a piece (kBatchPiece bytes at most): the loop decodes it, once.
      if (s.end - s.start > 2 * kBatchPiece) continue;
      std::string_view raw = data.substr(s.start, s.end - s.start);
      const bool url = s.kind == SegKind::kBase64Url;
      std::string& bytes = batchBytes_;
      if (!(s.wrapped ? base64DecodeLinesInto(raw, url, bytes)
                      : base64DecodeInto(raw, url, bytes))) {
        batchOf_[k] = kBatchRejected;
        continue;
      }
      // As unwrapBinary decides, without what depends on the budget (decompressing).
      if (sniffCompression(bytes)) continue;
      if (!looksText(bytes)) {
        if (!mayBeBrotli(bytes)) batchOf_[k] = kBatchRejected;
        continue;
      }
      if (bytes.size() > kBatchPiece) continue;  // long ones scan for themselves
      batchOf_[k] = static_cast<std::uint32_t>(batchPieces_.size());
      batchPieces_.push_back(BatchPiece{batch_.size(), bytes.size()});
      batch_ += bytes;
      batch_ += '\n';
    }
    if (batchPieces_.size() < 2) {
      // Nothing to share a call: the pieces scan for themselves (rejections stand).
      for (auto& b : batchOf_)
        if (b != kBatchRejected) b = kNotBatched;
      return true;
    }
    BatchContext bc{&batchPieces_, &batchReports_, d_.defs.size()};
    const hs_database_t* db = d_.dbs[static_cast<std::size_t>(Trigger::kEverywhere)].get();
    if (db && batch_.size() <= 0xFFFFFFFFull) {
      hs_error_t rc = hs_scan(db, batch_.data(), static_cast<unsigned>(batch_.size()), 0, scratch_,
                              onBatchMatch, &bc);
      if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) {
        for (auto& piece : batchPieces_) piece.crossed = true;  // each scans for itself
        return true;
      }
    }
    // Each piece's reports together, in the order they came (stable by piece).
    std::vector<std::uint32_t>& count = batchCount_;
    count.assign(batchPieces_.size() + 1, 0);
    for (const auto& r : batchReports_) ++count[r.piece + 1];
    for (std::size_t p = 0; p < batchPieces_.size(); ++p) {
      count[p + 1] += count[p];
      batchPieces_[p].first = count[p];
      batchPieces_[p].count = count[p + 1] - count[p];
    }
    batchSorted_.resize(batchReports_.size());
    for (const auto& r : batchReports_) batchSorted_[count[r.piece]++] = r;
    batchReports_.swap(batchSorted_);
    return true;
  }

  // The buffer the segments of a layer at `depth` are decoded into, one at a time: each decoding
  // is scanned (at depth + 1, with buffers of its own) before the next is decoded.
  std::string& decodeBuffer(std::uint32_t depth) {
    while (decodeBufs_.size() <= depth) decodeBufs_.emplace_back();
    return decodeBufs_[depth];
  }

  Status hsScan(const hs_database_t* db, std::string_view data, std::size_t offset,
                HsContext& ctx) {
    if (!db || data.empty()) return {};
    if (data.size() > 0xFFFFFFFFull)
      return fail(ErrorCode::kLimit, "buffer too large for one Hyperscan call");
    ctx.offset = offset;
    hs_error_t rc =
        hs_scan(db, data.data(), static_cast<unsigned>(data.size()), 0, scratch_, onMatch, &ctx);
    if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED)
      return fail(ErrorCode::kInternal, "Hyperscan scan failed (" + std::to_string(rc) + ")");
    return {};
  }

  // Every candidate of every detector in `data`: the everywhere-database over all of it, the
  // digit database around digit runs, the context-led patterns after their context words.
  // Candidates ending before `from` - lookahead cannot be decided any more and are skipped.
  Status candidates(std::string_view data, std::size_t from, std::vector<Candidate>& cands,
                    std::optional<std::span<const BatchReport>> replay = std::nullopt) {
    std::fill(last_.begin(), last_.end(), kNone);
    triggers_.clear();
    HsContext ctx{&cands, &last_, &triggers_, d_.defs.size(), 0};
    auto db = [&](Trigger t) { return d_.dbs[static_cast<std::size_t>(t)].get(); };
    if (replay) {
      for (const auto& r : *replay) onMatch(r.id, r.from, r.to, 0, &ctx);
    } else if (auto st = hsScan(db(Trigger::kEverywhere), data, 0, ctx); !st) {
      return st;
    }
    std::size_t skip = from > d_.lookahead + 64 ? from - d_.lookahead - 64 : 0;
    std::string_view tail = data.substr(skip);
    // All windows of one trigger in one Hyperscan call (a call costs about as much as scanning a
    // few hundred bytes): copied one after another, each followed by a line break, which none
    // of the trigger patterns matches, so that none reaches from one window into the next; \b at
    // a window's edges means the same as in the layer, since windows end next to non-word bytes.
    auto scanWindows = [&](const hs_database_t* wdb, std::size_t base,
                           const std::vector<Window>& wins) -> Status {
      if (wins.empty()) return {};
      if (wins.size() == 1) {
        const auto& w = wins[0];
        return hsScan(wdb, data.substr(base + w.start, w.end - w.start), base + w.start, ctx);
      }
      gather_.clear();
      pieces_.clear();
      for (const auto& w : wins) {
        pieces_.push_back(Piece{gather_.size(), w.end - w.start, base + w.start});
        gather_.append(data.data() + base + w.start, w.end - w.start);
        gather_ += '\n';
      }
      ctx.pieces = &pieces_;
      auto st = hsScan(wdb, gather_, 0, ctx);
      ctx.pieces = nullptr;
      return st;
    };
    // Digit runs, colon pairs and '@' signs in one pass over the bytes (findMarks).
    detail::MarkKinds kinds;
    kinds.digits = db(Trigger::kDigits) != nullptr;
    kinds.atSigns = d_.nativeEmail != DatabaseImpl::kNoNative || db(Trigger::kAtSign) ||
                    d_.nativeUrlPassword != DatabaseImpl::kNoNative;
    kinds.colons = d_.nativeIpv6 != DatabaseImpl::kNoNative || db(Trigger::kColonPairs);
    kinds.rules = d_.digitRules;
    marks_.digits.clear();
    marks_.colons.clear();
    marks_.atSigns.clear();
    detail::findMarks(tail, kinds, marks_);
    if (kinds.digits) {
      if (auto st = scanWindows(db(Trigger::kDigits), skip, marks_.digits); !st) return st;
    }
    if (d_.nativeEmail != DatabaseImpl::kNoNative) {
      emailCandidates(tail, skip, d_.nativeEmail, marks_.atSigns, ctx);
    } else if (db(Trigger::kAtSign)) {
      windows_.clear();
      windowsAround(tail, marks_.atSigns, 2, 192, windows_);
      if (auto st = scanWindows(db(Trigger::kAtSign), skip, windows_); !st) return st;
    }
    if (d_.nativeUrlPassword != DatabaseImpl::kNoNative) {
      // As the everywhere database reports them over all of `data`, as far as they can matter:
      // the marks start at `skip`, and a match ends at most 255 bytes after its '@', so one whose
      // '@' is further back ends before the candidates a round still decides (from - lookahead).
      ats_.clear();
      for (std::size_t k = skip > 256 ? skip - 256 : 0; k < skip;) {
        const void* at = std::memchr(data.data() + k, '@', skip - k);
        if (!at) break;
        k = static_cast<std::size_t>(static_cast<const char*>(at) - data.data());
        ats_.push_back(k++);
      }
      for (std::size_t a : marks_.atSigns) ats_.push_back(a + skip);
      urlPasswordCandidates(data, d_.nativeUrlPassword, ats_, ctx);
    }
    if (d_.nativeIpv6 != DatabaseImpl::kNoNative) {
      ipv6Candidates(tail, skip, d_.nativeIpv6, marks_.colons, ctx);
    } else if (db(Trigger::kColonPairs)) {
      windows_.clear();
      for (const auto& [c1, c2] : marks_.colons)
        addWindow(tail, c1 > 8 ? c1 - 8 : 0, std::min(tail.size(), c2 + 64), windows_, kLiteralGap);
      if (auto st = scanWindows(db(Trigger::kColonPairs), skip, windows_); !st) return st;
    }
    if (db(Trigger::kContext) && !triggers_.empty()) {
      windows_.clear();
      std::sort(triggers_.begin(), triggers_.end(),
                [](const Candidate& a, const Candidate& b) { return a.to < b.to; });
      for (const auto& t : triggers_) {
        const DetectorDef& def = d_.defs[d_.triggerDet[t.det]];
        // The value starts within `window` bytes of the word's start (hasContext), so it ends
        // before to + window + its own length.
        std::size_t we = std::min(data.size(), t.to + def.window + 96);
        if (we + d_.lookahead <= from) continue;
        addWindow(data, t.to - 1, we, windows_);
      }
      if (auto st = scanWindows(db(Trigger::kContext), 0, windows_); !st) return st;
    }
    return {};
  }

  // A round's cut is not inside a match or a candidate, nor inside a cluster of word-list words,
  // so that overlapping matches are resolved among the matches of one round, as in one pass;
  // moving it back may put it inside a segment, so the segment rules apply again (both only move
  // it back). Candidates longer than kMaxStraddle are let through (a stream does not wait).
  std::size_t settleCut(std::string_view data, std::size_t from, std::size_t to,
                        const std::vector<Candidate>& cands, const std::vector<Segment>* segs) {
    words_.clear();
    for (const auto& c : cands)
      if (d_.defs[c.det].validator == Validator::kWordList) words_.push_back(c);
    std::sort(words_.begin(), words_.end(), [](const Candidate& a, const Candidate& b) {
      return a.det != b.det ? a.det < b.det : a.from < b.from;
    });
    for (bool moved = true; moved;) {
      moved = false;
      auto straddles = [&](std::size_t a, std::size_t b) {
        if (a < to && b > to && to - a <= kMaxStraddle && std::max(a, from) < to) {
          to = std::max(a, from);
          moved = true;
        }
      };
      // Validators move a candidate's ends (an e-mail's local part and domain around the '@'),
      // within the look-ahead: the candidates near the cut are validated for their spans.
      for (const auto& c : cands) {
        if (c.to + d_.lookahead <= to || c.from >= to + d_.lookahead) continue;
        const DetectorDef& def = d_.defs[c.det];
        if (def.validator == Validator::kWordList) continue;
        if (auto v = detail::validate(def, data, c.from, c.to)) straddles(v->start, v->end);
        straddles(c.from, c.to);
      }
      for (std::size_t i = 0; i < words_.size();) {
        std::size_t j = i + 1, end = words_[i].to;
        const std::size_t window = d_.defs[words_[i].det].window;
        while (j < words_.size() && words_[j].det == words_[i].det &&
               words_[j].from <= end + window)
          end = std::max(end, words_[j++].to);
        straddles(words_[i].from, end);
        i = j;
      }
      if (moved && segs && opt_.decode && opt_.maxDepth > 0)
        to = detail::cutPoint(data, from, to, *segs, partsDone_ ? kNoBoundary : boundary_);
    }
    return to;
  }

  // Decodes one segment into `out` (its bytes replaced; its capacity reused, so that the
  // thousands of base64-looking runs of plain text that decode to nothing cost no allocation);
  // `kind` receives its path component(s). False when there is nothing to scan.
  bool decodeSegment(std::string_view data, const Segment& s, std::string& kind, std::string& out) {
    std::string_view raw = data.substr(s.start, s.end - s.start);
    switch (s.kind) {
      case SegKind::kBase64:
      case SegKind::kBase64Url: {
        bool url = s.kind == SegKind::kBase64Url;
        bool ok =
            s.wrapped ? base64DecodeLinesInto(raw, url, out) : base64DecodeInto(raw, url, out);
        if (!ok) return false;
        kind = url ? "base64url" : "base64";
        return unwrapBinary(out, kind);
      }
      case SegKind::kUrl: {
        bool plus = form_ || raw.find('=') != std::string_view::npos;
        std::string d = percentDecode(raw, plus);
        if (d == raw) return false;
        kind = "url";
        out = std::move(d);
        return true;
      }
      case SegKind::kJson: {
        auto d = jsonUnescape(raw);
        if (!d) return false;
        kind = "json";
        out = std::move(*d);
        return true;
      }
      case SegKind::kPart: {
        kind = "multipart";
        if (s.part.transferEncoding == "base64") {
          if (!base64DecodeLinesInto(raw, false, out)) return false;
          kind += ">base64";
        } else if (s.part.transferEncoding == "quoted-printable") {
          out = quotedPrintableDecode(raw);
          kind += ">quoted-printable";
        } else {
          out.assign(raw);
        }
        if (auto c = compressionFromName(s.part.contentEncoding)) {
          auto d = decompress(*c, out, budget());
          if (!d) return false;
          kind += ">" + std::string(toString(*c));
          out = std::move(*d);
          return true;
        }
        return unwrapBinary(out, kind, /*requireText=*/false);
      }
    }
    return false;
  }

  std::uint64_t budget() const {
    std::uint64_t spent = decoded_ + topSpent_;
    return opt_.maxDecodedBytes > spent ? opt_.maxDecodedBytes - spent : 0;
  }

  // Decoded bytes, in place: scan them when they are text; decompress them when they are
  // compressed. False when there is nothing to scan.
  // Bytes that are neither text nor a compression with magic, which a brotli stream might still
  // be (the probe; unwrapBinary and prepareBatch decide alike from it).
  bool mayBeBrotli(std::string_view bytes) {
    return bytes.size() >= 24 && brotliProbe_.mayBe(bytes);
  }

  bool unwrapBinary(std::string& bytes, std::string& kind, bool requireText = true) {
    if (auto c = sniffCompression(bytes)) {
      auto d = decompress(*c, bytes, budget());
      if (!d) return false;
      kind += ">" + std::string(toString(*c));
      bytes = std::move(*d);
      return true;
    }
    if (looksText(bytes) || !requireText) return true;
    // Brotli has no magic: try it only on blobs that look compressed (high byte entropy). Most
    // blobs (hashes and identifiers read as base64) fail the probe, which is cheaper than the
    // entropy and decides the same (a stream the probe rejects never decompresses).
    if (mayBeBrotli(bytes) && byteEntropyAbove(bytes, 4.0)) {
      auto d = decompress(Compression::kBrotli, bytes, std::min<std::uint64_t>(budget(), 16 << 20));
      if (d && looksText(*d)) {
        kind += ">brotli";
        bytes = std::move(*d);
        return true;
      }
    }
    return false;
  }

  void clusterWords(std::string_view data, std::vector<Candidate>& words, std::size_t from,
                    std::size_t to, std::vector<Found>& found) {
    if (words.empty()) return;
    std::sort(words.begin(), words.end(), [](const Candidate& a, const Candidate& b) {
      return a.det != b.det ? a.det < b.det : a.from < b.from;
    });
    std::size_t i = 0;
    while (i < words.size()) {
      const DetectorDef& def = d_.defs[words[i].det];
      std::size_t j = i + 1;
      while (j < words.size() && words[j].det == words[i].det &&
             words[j].from <= words[j - 1].to + def.window)
        ++j;
      std::vector<std::string> distinct;
      for (std::size_t k = i; k < j; ++k) {
        std::string w = toLower(data.substr(words[k].from, words[k].to - words[k].from));
        if (std::find(distinct.begin(), distinct.end(), w) == distinct.end())
          distinct.push_back(std::move(w));
      }
      std::size_t end = words[j - 1].to;
      if (distinct.size() >= def.minWords && end > from && end <= to)
        found.push_back(Found{words[i].det, words[i].from, end, def.score});
      i = j;
    }
  }

  // Sorts by start, longest first, then by definition. `found` is the candidates of each trigger
  // one after another, each in order or nearly: its ascending runs are merged (a full sort of the
  // few thousand matches of a round was 2-4% of the scan).
  void sortFound(std::vector<Found>& found) {
    // Ties by definition, so that which of two variants with one span stays does not depend on
    // the order the candidates came in.
    auto before = [](const Found& a, const Found& b) {
      if (a.start != b.start) return a.start < b.start;
      return a.end != b.end ? a.end > b.end : a.det < b.det;
    };
    runs_.clear();
    runs_.push_back(0);
    for (std::size_t i = 1; i < found.size(); ++i)
      if (before(found[i], found[i - 1])) runs_.push_back(i);
    if (runs_.size() > 32) {
      std::sort(found.begin(), found.end(), before);
      return;
    }
    runs_.push_back(found.size());
    while (runs_.size() > 2) {
      merged_.clear();
      std::size_t w = 1;
      for (std::size_t k = 0; k + 1 < runs_.size(); k += 2) {
        std::size_t a = runs_[k], m = runs_[k + 1], e = k + 2 < runs_.size() ? runs_[k + 2] : m;
        std::merge(found.begin() + a, found.begin() + m, found.begin() + m, found.begin() + e,
                   std::back_inserter(merged_), before);
        runs_[w++] = e;
      }
      runs_.resize(w);
      found.swap(merged_);
    }
  }

  // Overlapping matches in one layer: the same detector keeps its longest match; different
  // detectors keep the higher priority (equal priorities keep both).
  void resolveOverlaps(std::vector<Found>& found) {
    sortFound(found);
    for (std::size_t i = 0; i < found.size(); ++i) {
      if (found[i].dropped) continue;
      for (std::size_t j = i + 1; j < found.size() && found[j].start < found[i].end; ++j) {
        if (found[j].dropped) continue;
        const auto& a = d_.defs[found[i].det];
        const auto& b = d_.defs[found[j].det];
        if (a.id == b.id) {
          found[j].dropped = true;  // i starts first and is at least as long at that start
        } else if (a.priority > b.priority) {
          found[j].dropped = true;
        } else if (b.priority > a.priority) {
          found[i].dropped = true;
          break;
        }
      }
    }
  }

  // Where a match was found: the span of each encoded segment leading to its layer (in that
  // segment's layer), then its own span in its layer (the first 8 of them).
  struct Trail {
    std::array<Span, 8> at{};
    std::uint8_t n = 0;
  };

  // Two matches can be one value seen twice only where they are in the same bytes: at the first
  // layer where their trails part, their spans there overlap. (The matches of one decoded
  // segment all report its span; values found in different parts of it are not duplicates.)
  static bool oneValue(const Trail& a, const Trail& b) {
    std::size_t n = std::min(a.n, b.n);
    for (std::size_t k = 0; k < n; ++k)
      if (a.at[k].start != b.at[k].start || a.at[k].end != b.at[k].end)
        return a.at[k].start < b.at[k].end && b.at[k].start < a.at[k].end;
    return true;
  }

  // Two views of one value: one contains the other, or they share a start or an end
  // ("-----BEGIN ...-----\\nMIIE" and the same with a real line break).
  static bool related(std::string_view a, std::string_view b) {
    if (a.find(b) != std::string_view::npos || b.find(a) != std::string_view::npos) return true;
    std::size_t n = std::min(a.size(), b.size()), pre = 0, suf = 0;
    while (pre < n && a[pre] == b[pre]) ++pre;
    while (suf < n && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) ++suf;
    return pre >= 8 || suf >= 8;
  }

  // The same value seen through two layers (plain and decoded) is one match: keep the longer
  // value, or the plain one when equal. `foundRank_` holds each match's detector (idRank), so
  // that grouping by detector sorts integers, not names, and moves indices, not matches.
  void dedupe(std::vector<Match>& all, std::size_t first) {
    std::span<Match> ms(all.data() + first, all.size() - first);
    if (ms.size() < 2 || foundRank_.size() != ms.size() || foundTrail_.size() != ms.size()) return;
    const auto& rank = foundRank_;
    // By detector, then position: only matches of one detector can be duplicates. The matches
    // of one encoded segment all share its span, so the comparisons per match are capped.
    order_.resize(ms.size());
    for (std::size_t k = 0; k < order_.size(); ++k) order_[k] = static_cast<std::uint32_t>(k);
    // Ties (the values of one decoded segment share its span) by path and value, so that the
    // capped comparisons do not depend on the order the matches came in.
    std::sort(order_.begin(), order_.end(), [&](std::uint32_t a, std::uint32_t b) {
      if (rank[a] != rank[b]) return rank[a] < rank[b];
      if (ms[a].start != ms[b].start) return ms[a].start < ms[b].start;
      if (ms[a].end != ms[b].end) return ms[a].end < ms[b].end;
      if (ms[a].decoding != ms[b].decoding) return ms[a].decoding < ms[b].decoding;
      if (ms[a].value != ms[b].value) return ms[a].value < ms[b].value;
      return ms[a].score != ms[b].score ? ms[a].score < ms[b].score : a < b;
    });
    std::vector<bool> drop(ms.size(), false);
    for (std::size_t oi = 0; oi < order_.size(); ++oi) {
      const std::uint32_t i = order_[oi];
      for (std::size_t oj = oi + 1, n = 0; oj < order_.size() && rank[order_[oj]] == rank[i] &&
                                           ms[order_[oj]].start < ms[i].end && n < kDedupeWindow;
           ++oj, ++n) {
        const std::uint32_t j = order_[oj];
        if (drop[i]) break;
        if (drop[j]) continue;
        if (ms[i].decoding == ms[j].decoding) continue;
        if (!oneValue(foundTrail_[i], foundTrail_[j])) continue;
        const auto& a = ms[i].value;
        const auto& b = ms[j].value;
        if (!related(a, b)) continue;
        bool keepI = a.size() != b.size() ? a.size() > b.size()
                                          : ms[i].decoding.size() <= ms[j].decoding.size();
        drop[keepI ? j : i] = true;
      }
    }
    std::size_t w = 0;
    for (std::size_t i = 0; i < ms.size(); ++i)
      if (!drop[i]) {
        if (w != i) ms[w] = std::move(ms[i]);
        ++w;
      }
    all.resize(first + w);
  }

  std::shared_ptr<const Database> dbHold_;
  const DatabaseImpl& d_;
  ScanOptions opt_;
  hs_scratch_t* scratch_ = nullptr;  // from d_.scratch, given back on destruction
  std::vector<std::vector<Candidate>> cands_;
  std::vector<std::size_t> last_;
  std::vector<Candidate> triggers_;
  std::vector<Candidate> words_;  // settleCut's word-list candidates
  std::vector<Window> windows_;
  detail::Marks marks_;           // the digit windows, colon pairs and '@' signs of a layer
  std::vector<std::size_t> ats_;  // urlPasswordCandidates' '@' signs
  BrotliProbe brotliProbe_;
  std::string gather_;                    // windows of one trigger, gathered for one Hyperscan call
  std::vector<Piece> pieces_;             // where each window sits in gather_
  std::vector<std::uint32_t> foundRank_;  // idRank of each match of the current round
  std::vector<Trail> foundTrail_;         // and where it was found
  Trail trail_;                           // the segments leading to the layer being scanned
  std::vector<std::uint32_t> order_;      // dedupe's sort order
  std::vector<std::size_t> runs_;         // sortFound's ascending runs
  std::vector<Found> merged_;             // sortFound's merge buffer
  std::vector<Segment> segs_;             // the top layer's segments of a round
  // prepareBatch's: whether the everywhere database allows it, the decoded pieces one after
  // another, where each is, each segment's piece (by its place in segOrder_), the reports.
  bool batchable_ = false;
  std::string batch_;
  std::string batchBytes_;
  std::vector<BatchPiece> batchPieces_;
  std::vector<std::uint32_t> batchOf_;
  std::vector<BatchReport> batchReports_;
  std::vector<BatchReport> batchSorted_;
  std::vector<std::uint32_t> batchCount_;
  std::optional<std::span<const BatchReport>> replay_;  // for the next layer() only
  std::vector<std::uint32_t> segOrder_;  // the top layer's segments of a round, by end
  std::vector<std::size_t> segRuns_;     // where each finder's segments begin in them
  // The top layer's base64 body read last, at stream offsets (findBase64 goes on from it).
  detail::Base64Resume b64Resume_;
  std::vector<std::uint32_t> outOrder_;  // a round's matches, by end
  std::vector<Match> sorted_;            // a round's matches moved into that order
  std::string buf_;
  std::string_view view_;  // feedView's bytes from base_ on, in place of buf_ while viewing_
  bool viewing_ = false;
  // decodeBuffer's, by depth; a deque, so that growing it leaves the buffers of the layers being
  // scanned where they are.
  std::deque<std::string> decodeBufs_;
  std::string stage_;         // prepare()'s room while the stream is not fed into buf_ directly
  std::size_t prepared_ = 0;  // bytes of the last prepare()
  bool direct_ = false;       // the last prepare() gave room in buf_
  std::uint64_t base_ = 0;    // stream offset of buf_[0]
  std::uint64_t done_ = 0;    // matches ending at or before this offset are decided
  std::uint64_t fed_ = 0;
  std::uint64_t decoded_ = 0;
  std::size_t nextRound_ = 0;
  bool form_ = false;
  std::string boundary_;
  std::optional<Decompressor> top_;
  std::string topPath_;  // "" when the stream is not content-encoded
  // Compressed bytes fed to top_, and for each multiple of kTopGrid of them, the stream offset
  // of the decoded bytes out by then (from the last one at or before done_ on).
  struct TopMark {
    std::uint64_t in;
    std::uint64_t out;
  };
  std::uint64_t topIn_ = 0;
  std::vector<TopMark> topMarks_;
  std::uint64_t topSpent_ = 0;  // decoded bytes of top_ up to the segment being decoded
  bool partsSniffed_ = false;
  bool partsDone_ = false;               // a closing multipart delimiter was decided
  MultipartStop partsStop_;              // where the part finder stopped this round
  std::uint64_t partsClose_ = kNoClose;  // the end of the closing delimiter it read, absolute
  static constexpr std::uint64_t kNoClose = ~std::uint64_t{0};
  std::uint64_t jsonClose_ = kNoClose;  // stream offset of the last decided JSON closing quote
  inline static const std::string kNoBoundary;
  bool sniffed_ = false;
  std::string sniff_;
  std::string pendingRaw_;
  bool finishing_ = false;
  bool broken_ = false;
};

Scanner::Scanner(std::unique_ptr<ScannerImpl> impl) : impl_(std::move(impl)) {}
Scanner::Scanner(Scanner&&) noexcept = default;
Scanner& Scanner::operator=(Scanner&&) noexcept = default;
Scanner::~Scanner() = default;

Result<Scanner> Scanner::open(std::shared_ptr<const Database> db, ScanOptions options) {
  if (!db) return fail(ErrorCode::kInternal, "no detector database");
  auto impl = std::make_unique<ScannerImpl>(std::move(db), std::move(options));
  if (auto st = impl->init(); !st) return std::unexpected(st.error());
  return Scanner(std::move(impl));
}

Status Scanner::feed(std::string_view chunk, std::vector<Match>& out) {
  return impl_->feed(chunk, out);
}
std::span<char> Scanner::prepare(std::size_t n) { return impl_->prepare(n); }
Status Scanner::commit(std::size_t n, std::vector<Match>& out) { return impl_->commit(n, out); }
Status Scanner::finish(std::vector<Match>& out) { return impl_->finish(out); }
Status Scanner::reset(ScanOptions options) { return impl_->reset(std::move(options)); }
Status Scanner::scanAll(std::string_view data, const ScanOptions& options,
                        std::vector<Match>& out) {
  if (auto st = impl_->reset(options); !st) return st;
  for (std::size_t i = 0; i < data.size(); i += kSlice)
    if (auto st = impl_->feedView(data.substr(i, kSlice), out); !st) return st;
  return impl_->finish(out);
}
std::uint64_t Scanner::bytes() const noexcept { return impl_->bytes(); }

Result<std::vector<Match>> scan(std::shared_ptr<const Database> db, std::string_view data,
                                const ScanOptions& options) {
  auto s = Scanner::open(std::move(db), options);
  if (!s) return std::unexpected(s.error());
  std::vector<Match> out;
  if (auto st = s->scanAll(data, options, out); !st) return std::unexpected(st.error());
  return out;
}

}  // namespace tollgate::classify
