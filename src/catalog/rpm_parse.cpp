// Pure parsers of RPM headers and rpm's package databases (see rpm.h). Nothing here touches the
// filesystem; every read is checked against the bounds of the bytes given.
#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <span>
#include <unordered_map>

#include "tollgate/catalog/rpm.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog::rpm {
namespace {

// Header tags (rpmtag.h).
enum Tag : std::uint32_t {
  kName = 1000,
  kVersion = 1001,
  kRelease = 1002,
  kEpoch = 1003,
  kSummary = 1004,
  kSize = 1009,
  kDistribution = 1010,
  kVendor = 1011,
  kLicense = 1014,
  kPackager = 1015,
  kUrl = 1020,
  kArch = 1022,
  kOldFilenames = 1027,
  kFileSizes = 1028,
  kFileModes = 1030,
  kFileDigests = 1035,
  kFileFlags = 1037,
  kSourceRpm = 1044,
  kProvideName = 1047,
  kRequireName = 1049,
  kSourcePackage = 1106,
  kDirIndexes = 1116,
  kBasenames = 1117,
  kDirnames = 1118,
  kLongFileSizes = 5008,
  kLongSize = 5009,
  kFileDigestAlgo = 5011,
  kModularityLabel = 5096,
};

// Signature header tags (rpmtag.h, RPMSIGTAG_*).
enum SigTag : std::uint32_t {
  kSigDsa = 267,
  kSigRsa = 268,
  kSigSha256 = 273,
  kSigPgp = 1002,
  kSigGpg = 1005,
};

enum Type : std::uint32_t {
  kNull = 0,
  kChar = 1,
  kInt8 = 2,
  kInt16 = 3,
  kInt32 = 4,
  kInt64 = 5,
  kString = 6,
  kBin = 7,
  kStringArray = 8,
  kI18nString = 9,
};

constexpr std::array<unsigned char, 4> kHeaderMagic = {0x8e, 0xad, 0xe8, 0x01};
constexpr std::array<unsigned char, 4> kLeadMagic = {0xed, 0xab, 0xee, 0xdb};
constexpr std::size_t kLeadSize = 96;

std::uint32_t be32(std::string_view b, std::size_t at) {
  auto u = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + i]));
  };
  return (u(0) << 24) | (u(1) << 16) | (u(2) << 8) | u(3);
}

std::uint32_t le32(std::string_view b, std::size_t at) {
  auto u = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + i]));
  };
  return u(0) | (u(1) << 8) | (u(2) << 16) | (u(3) << 24);
}

std::uint16_t le16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) |
                                    (static_cast<unsigned char>(b[at + 1]) << 8));
}

bool hasMagic(std::string_view b, std::size_t at, const std::array<unsigned char, 4>& m) {
  return b.size() >= at + 4 && std::memcmp(b.data() + at, m.data(), 4) == 0;
}

std::unexpected<Error> bad(std::string message, std::uint64_t offset = Error::kNoOffset) {
  return fail(ErrorCode::kInvalidInput, std::move(message), {}, offset);
}

std::size_t typeSize(std::uint32_t type) {
  switch (type) {
    case kChar:
    case kInt8:
    case kBin:
      return 1;
    case kInt16:
      return 2;
    case kInt32:
      return 4;
    case kInt64:
      return 8;
    default:
      return 0;  // strings: variable
  }
}

struct Entry {
  std::uint32_t tag;
  std::uint32_t type;
  std::uint32_t offset;
  std::uint32_t count;
};

// One header structure: an index of entries over a data store. Entries are validated when the
// header is parsed (type known, fixed-size data inside the store); strings are checked for
// their NUL terminator when read.
class Header {
 public:
  // Parses the header starting at `b` (after any magic). `consumed` receives its length.
  static Result<Header> parse(std::string_view b, std::size_t& consumed) {
    if (b.size() < 8) return bad("header shorter than its 8-byte preamble");
    std::uint32_t il = be32(b, 0);
    std::uint32_t dl = be32(b, 4);
    if (il == 0 || il > kMaxIndexEntries)
      return bad("header index count " + std::to_string(il) + " out of range");
    if (dl > kMaxDataLength) return bad("header data length " + std::to_string(dl) + " too large");
    std::uint64_t need = 8 + std::uint64_t{il} * 16 + dl;
    if (need > b.size())
      return bad("header of " + std::to_string(need) + " bytes truncated at " +
                 std::to_string(b.size()));
    Header h;
    h.store_ = b.substr(8 + std::size_t{il} * 16, dl);
    h.entries_.reserve(il);
    for (std::uint32_t i = 0; i < il; ++i) {
      std::size_t at = 8 + std::size_t{i} * 16;
      Entry e{be32(b, at), be32(b, at + 4), be32(b, at + 8), be32(b, at + 12)};
      if (e.type > kI18nString)
        return bad("tag " + std::to_string(e.tag) + " has unknown type " + std::to_string(e.type),
                   at);
      if (e.offset > dl)
        return bad("tag " + std::to_string(e.tag) + " data offset beyond the store", at);
      std::size_t sz = typeSize(e.type);
      if (sz && std::uint64_t{e.count} * sz > dl - e.offset)
        return bad("tag " + std::to_string(e.tag) + " data runs past the store", at);
      if (!sz && e.type != kNull && e.count > dl - e.offset)
        return bad("tag " + std::to_string(e.tag) + " has more strings than bytes", at);
      h.index_[e.tag] = h.entries_.size();  // a later (dribble) entry overrides
      h.entries_.push_back(e);
    }
    consumed = static_cast<std::size_t>(need);
    return h;
  }

  [[nodiscard]] bool has(std::uint32_t tag) const { return index_.contains(tag); }

  // A STRING (or the first string of an I18NSTRING / STRING_ARRAY); "" when absent.
  [[nodiscard]] Result<std::string> string(std::uint32_t tag) const {
    const Entry* e = find(tag);
    if (!e) return std::string();
    if (e->type != kString && e->type != kI18nString && e->type != kStringArray)
      return wrongType(*e);
    if (e->count == 0) return std::string();
    auto s = cString(e->offset);
    if (!s) return std::unexpected(s.error());
    return std::string(s->first);
  }

  // A STRING_ARRAY (a STRING reads as one element); empty when absent.
  [[nodiscard]] Result<std::vector<std::string>> strings(std::uint32_t tag) const {
    std::vector<std::string> out;
    const Entry* e = find(tag);
    if (!e) return out;
    if (e->type != kString && e->type != kI18nString && e->type != kStringArray)
      return wrongType(*e);
    std::uint32_t n = e->type == kString ? 1 : e->count;
    out.reserve(n);
    std::size_t at = e->offset;
    for (std::uint32_t i = 0; i < n; ++i) {
      auto s = cString(at);
      if (!s) return std::unexpected(s.error());
      out.emplace_back(s->first);
      at = s->second;
    }
    return out;
  }

  // Integers of any integer type, widened; empty when absent.
  [[nodiscard]] Result<std::vector<std::uint64_t>> ints(std::uint32_t tag) const {
    std::vector<std::uint64_t> out;
    const Entry* e = find(tag);
    if (!e) return out;
    std::size_t sz = typeSize(e->type);
    if (!sz || e->type == kBin) return wrongType(*e);
    out.reserve(e->count);
    for (std::uint32_t i = 0; i < e->count; ++i) {
      std::uint64_t v = 0;
      for (std::size_t k = 0; k < sz; ++k)
        v = (v << 8) | static_cast<unsigned char>(store_[e->offset + i * sz + k]);
      out.push_back(v);
    }
    return out;
  }

 private:
  const Entry* find(std::uint32_t tag) const {
    auto it = index_.find(tag);
    return it == index_.end() ? nullptr : &entries_[it->second];
  }

  std::unexpected<Error> wrongType(const Entry& e) const {
    return bad("tag " + std::to_string(e.tag) + " has unexpected type " + std::to_string(e.type));
  }

  // The NUL-terminated string at `at` and the offset after its NUL.
  Result<std::pair<std::string_view, std::size_t>> cString(std::size_t at) const {
    if (at >= store_.size()) return bad("string beyond the data store");
    auto nul = store_.find('\0', at);
    if (nul == std::string_view::npos) return bad("string without a terminating NUL");
    return std::pair{store_.substr(at, nul - at), nul + 1};
  }

  std::string_view store_;
  std::vector<Entry> entries_;
  std::unordered_map<std::uint32_t, std::size_t> index_;
};

std::string digestAlgorithmName(std::uint64_t v) {
  switch (v) {  // PGPHASHALGO_*
    case 1:
      return "MD5";
    case 2:
      return "SHA-1";
    case 8:
      return "SHA-256";
    case 9:
      return "SHA-384";
    case 10:
      return "SHA-512";
    default:
      return {};
  }
}

#define TRY_ASSIGN(lhs, expr)                          \
  do {                                                 \
    auto tg_r_ = (expr);                               \
    if (!tg_r_) return std::unexpected(tg_r_.error()); \
    lhs = std::move(*tg_r_);                           \
  } while (false)

Result<Package> packageOf(const Header& h) {
  Package p;
  TRY_ASSIGN(p.name, h.string(kName));
  if (p.name.empty()) return bad("header has no NAME");
  TRY_ASSIGN(p.version, h.string(kVersion));
  TRY_ASSIGN(p.release, h.string(kRelease));
  std::vector<std::uint64_t> v;
  TRY_ASSIGN(v, h.ints(kEpoch));
  if (!v.empty()) p.epoch = static_cast<std::uint32_t>(v.front());
  TRY_ASSIGN(p.summary, h.string(kSummary));
  TRY_ASSIGN(p.license, h.string(kLicense));
  TRY_ASSIGN(p.vendor, h.string(kVendor));
  TRY_ASSIGN(p.packager, h.string(kPackager));
  TRY_ASSIGN(p.distribution, h.string(kDistribution));
  TRY_ASSIGN(p.url, h.string(kUrl));
  TRY_ASSIGN(p.arch, h.string(kArch));
  TRY_ASSIGN(p.sourceRpm, h.string(kSourceRpm));
  TRY_ASSIGN(p.modularityLabel, h.string(kModularityLabel));
  TRY_ASSIGN(v, h.ints(kLongSize));
  if (v.empty()) TRY_ASSIGN(v, h.ints(kSize));
  if (!v.empty()) p.installedSize = v.front();
  TRY_ASSIGN(v, h.ints(kFileDigestAlgo));
  if (!v.empty()) p.digestAlgorithm = digestAlgorithmName(v.front());
  p.sourcePackage = h.has(kSourcePackage);
  TRY_ASSIGN(p.provides, h.strings(kProvideName));
  TRY_ASSIGN(p.requires_, h.strings(kRequireName));

  // Files: compressed names (dirnames + dirindexes + basenames), or the old flat list.
  std::vector<std::string> paths;
  std::vector<std::string> base, dirs;
  std::vector<std::uint64_t> dirIndex;
  TRY_ASSIGN(base, h.strings(kBasenames));
  if (!base.empty()) {
    TRY_ASSIGN(dirs, h.strings(kDirnames));
    TRY_ASSIGN(dirIndex, h.ints(kDirIndexes));
    if (dirIndex.size() != base.size())
      return bad("file arrays of inconsistent lengths (" + std::to_string(base.size()) +
                 " basenames, " + std::to_string(dirIndex.size()) + " dirindexes)");
    paths.reserve(base.size());
    for (std::size_t i = 0; i < base.size(); ++i) {
      if (dirIndex[i] >= dirs.size())
        return bad("file " + std::to_string(i) + " names directory " + std::to_string(dirIndex[i]) +
                   " of " + std::to_string(dirs.size()));
      paths.push_back(dirs[dirIndex[i]] + base[i]);
    }
  } else {
    TRY_ASSIGN(paths, h.strings(kOldFilenames));
  }
  std::vector<std::string> digests;
  std::vector<std::uint64_t> modes, sizes, flags;
  TRY_ASSIGN(digests, h.strings(kFileDigests));
  TRY_ASSIGN(modes, h.ints(kFileModes));
  TRY_ASSIGN(sizes, h.ints(kLongFileSizes));
  if (sizes.empty()) TRY_ASSIGN(sizes, h.ints(kFileSizes));
  TRY_ASSIGN(flags, h.ints(kFileFlags));
  auto check = [&](std::size_t n, const char* what) -> Status {
    if (n != 0 && n != paths.size())
      return bad(std::string("file arrays of inconsistent lengths (") +
                 std::to_string(paths.size()) + " files, " + std::to_string(n) + " " + what + ")");
    return {};
  };
  for (auto [n, what] : {std::pair{digests.size(), "digests"}, std::pair{modes.size(), "modes"},
                         std::pair{sizes.size(), "sizes"}, std::pair{flags.size(), "flags"}})
    if (auto st = check(n, what); !st) return std::unexpected(st.error());
  p.files.reserve(paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    File f;
    f.path = std::move(paths[i]);
    if (!digests.empty()) f.digest = toLower(digests[i]);
    if (!modes.empty()) f.mode = static_cast<std::uint16_t>(modes[i]);
    if (!sizes.empty()) f.size = sizes[i];
    if (!flags.empty()) f.flags = static_cast<std::uint32_t>(flags[i]);
    p.files.push_back(std::move(f));
  }
  return p;
}

// Header with its 8-byte magic preamble, as in .rpm files.
Result<Header> parseWithMagic(std::string_view b, std::size_t& consumed, const char* what) {
  if (!hasMagic(b, 0, kHeaderMagic)) return bad(std::string(what) + " header magic missing");
  if (b.size() < 16) return bad(std::string(what) + " header truncated");
  auto h = Header::parse(b.substr(8), consumed);
  if (!h) {
    Error e = h.error();
    e.message = std::string(what) + " header: " + e.message;
    return std::unexpected(e);
  }
  consumed += 8;
  return h;
}

// Adler-32 (RFC 1950), as ndb frames its blobs.
std::uint32_t adler32(std::string_view data) {
  std::uint32_t a = 1, b = 0;
  std::size_t i = 0;
  while (i < data.size()) {
    std::size_t n = std::min<std::size_t>(data.size() - i, 5552);
    for (std::size_t k = 0; k < n; ++k) {
      a += static_cast<unsigned char>(data[i + k]);
      b += a;
    }
    a %= 65521;
    b %= 65521;
    i += n;
  }
  return (b << 16) | a;
}

}  // namespace

std::string Package::evr() const {
  std::string s = epoch ? std::to_string(*epoch) + ":" : std::string();
  s += version;
  if (!release.empty()) s += "-" + release;
  return s;
}

Result<Package> parseHeaderBlob(std::string_view blob) {
  if (hasMagic(blob, 0, kHeaderMagic)) blob.remove_prefix(std::min<std::size_t>(8, blob.size()));
  std::size_t consumed = 0;
  auto h = Header::parse(blob, consumed);
  if (!h) return std::unexpected(h.error());
  return packageOf(*h);
}

Result<Package> parseRpmFile(std::string_view bytes) {
  if (bytes.size() < kLeadSize || !hasMagic(bytes, 0, kLeadMagic))
    return bad("not an RPM package (lead magic missing)");
  // Lead: type at 6 (0 binary, 1 source), signature type at 78 (5: header-style signature).
  unsigned leadType =
      (static_cast<unsigned char>(bytes[6]) << 8) | static_cast<unsigned char>(bytes[7]);
  unsigned sigType =
      (static_cast<unsigned char>(bytes[78]) << 8) | static_cast<unsigned char>(bytes[79]);
  if (sigType != 5) return bad("unsupported signature type " + std::to_string(sigType), 78);
  std::size_t sigLen = 0;
  auto sig = parseWithMagic(bytes.substr(kLeadSize), sigLen, "signature");
  if (!sig) {
    Error e = sig.error();
    if (e.offset != Error::kNoOffset) e.offset += kLeadSize + 8;
    return std::unexpected(e);
  }
  std::size_t mainAt = kLeadSize + sigLen + (8 - sigLen % 8) % 8;
  if (mainAt > bytes.size()) return bad("main header missing", mainAt);
  std::size_t mainLen = 0;
  auto main = parseWithMagic(bytes.substr(mainAt), mainLen, "main");
  if (!main) {
    Error e = main.error();
    if (e.offset != Error::kNoOffset) e.offset += mainAt + 8;
    return std::unexpected(e);
  }
  auto p = packageOf(*main);
  if (!p) return p;
  p->sourcePackage = p->sourcePackage || leadType == 1;
  auto sha = sig->string(kSigSha256);
  if (sha) p->headerSha256 = toLower(*sha);
  p->signedPackage =
      sig->has(kSigDsa) || sig->has(kSigRsa) || sig->has(kSigPgp) || sig->has(kSigGpg);
  return p;
}

// ---- Berkeley DB hash --------------------------------------------------------------------

Result<DbRecords> readBdbPackages(std::string_view file, const std::string& label) {
  constexpr std::uint32_t kHashMagic = 0x061561;
  constexpr std::size_t kPageHeader = 26;
  constexpr unsigned char kHashMetaPage = 8, kHashPage = 13, kHashUnsortedPage = 2,
                          kOverflowPage = 7;
  constexpr unsigned char kKeyData = 1, kOffPage = 3;
  if (file.size() < 512)
    return fail(ErrorCode::kInvalidInput, "not a Berkeley DB file (too short)", label);
  bool swapped = false;
  if (le32(file, 12) != kHashMagic) {
    if (be32(file, 12) != kHashMagic)
      return fail(ErrorCode::kInvalidInput, "not a Berkeley DB hash database (magic)", label, 12);
    swapped = true;
  }
  auto u32 = [&](std::size_t at) { return swapped ? be32(file, at) : le32(file, at); };
  auto u16 = [&](std::size_t at) -> std::uint16_t {
    return swapped ? static_cast<std::uint16_t>((static_cast<unsigned char>(file[at]) << 8) |
                                                static_cast<unsigned char>(file[at + 1]))
                   : le16(file, at);
  };
  std::uint32_t version = u32(16);
  if (version < 8 || version > 10)
    return fail(ErrorCode::kUnsupported, "hash database version " + std::to_string(version), label,
                16);
  std::uint32_t pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) != 0)
    return fail(ErrorCode::kInvalidInput, "bad page size " + std::to_string(pageSize), label, 20);
  if (static_cast<unsigned char>(file[25]) != kHashMetaPage)
    return fail(ErrorCode::kInvalidInput, "page 0 is not a hash metadata page", label, 25);
  if (file[24] != 0) return fail(ErrorCode::kUnsupported, "encrypted database", label, 24);
  if (static_cast<unsigned char>(file[26]) & 0x01)
    return fail(ErrorCode::kUnsupported, "database with page checksums", label, 26);
  std::uint64_t pages = file.size() / pageSize;
  std::uint64_t lastPage = std::min<std::uint64_t>(u32(32), pages ? pages - 1 : 0);

  DbRecords out;
  std::map<std::uint32_t, std::string> byKey;
  auto warn = [&](std::string msg, std::uint64_t off) {
    out.warnings.push_back(Error{ErrorCode::kInvalidInput, std::move(msg), label, off});
  };
  // An overflow chain: the blob of length `total` starting at page `pgno`.
  auto overflow = [&](std::uint32_t pgno, std::uint32_t total, std::string& blob) -> bool {
    if (total > kMaxDataLength + 16 * std::uint64_t{kMaxIndexEntries} + 8) return false;
    blob.clear();
    blob.reserve(total);
    for (std::uint64_t hops = 0; blob.size() < total; ++hops) {
      if (pgno == 0 || pgno > lastPage || hops > lastPage) return false;
      std::size_t at = std::size_t{pgno} * pageSize;
      std::string_view page = file.substr(at, pageSize);
      if (static_cast<unsigned char>(page[25]) != kOverflowPage) return false;
      std::uint16_t len = u16(at + 22);  // hf_offset: bytes of data on an overflow page
      if (len > pageSize - kPageHeader || len > total - blob.size() || len == 0) return false;
      blob.append(page.substr(kPageHeader, len));
      pgno = u32(at + 16);  // next_pgno
    }
    return true;
  };
  for (std::uint64_t pg = 1; pg <= lastPage; ++pg) {
    std::size_t at = static_cast<std::size_t>(pg) * pageSize;
    unsigned char type = static_cast<unsigned char>(file[at + 25]);
    if (type != kHashPage && type != kHashUnsortedPage) continue;
    std::uint16_t entries = u16(at + 20);
    std::size_t indexEnd = kPageHeader + std::size_t{entries} * 2;
    if (indexEnd > pageSize) {
      warn("hash page " + std::to_string(pg) + ": entry count beyond the page", at + 20);
      continue;
    }
    auto itemOffset = [&](std::size_t i) { return u16(at + kPageHeader + i * 2); };
    // Items are laid out from the end of the page down: item i ends where item i-1 starts.
    auto item = [&](std::size_t i) -> std::optional<std::string_view> {
      std::size_t off = itemOffset(i);
      std::size_t end = i == 0 ? pageSize : itemOffset(i - 1);
      if (off < indexEnd || off >= end || end > pageSize) return std::nullopt;
      return file.substr(at + off, end - off);
    };
    for (std::size_t i = 0; i + 1 < entries; i += 2) {
      auto key = item(i);
      auto data = item(i + 1);
      if (!key || !data) {
        warn("hash page " + std::to_string(pg) + ": item " + std::to_string(i) + " out of bounds",
             at);
        break;
      }
      if (static_cast<unsigned char>((*key)[0]) != kKeyData || key->size() != 5) continue;
      std::uint32_t k = u32(at + itemOffset(i) + 1);
      if (k == 0) continue;  // rpm's bookkeeping record
      std::string blob;
      unsigned char dtype = static_cast<unsigned char>((*data)[0]);
      if (dtype == kKeyData) {
        blob.assign(data->substr(1));
      } else if (dtype == kOffPage && data->size() >= 12) {
        std::size_t d = at + itemOffset(i + 1);
        if (!overflow(u32(d + 4), u32(d + 8), blob)) {
          warn("record " + std::to_string(k) + ": broken overflow page chain", d);
          continue;
        }
      } else {
        warn("record " + std::to_string(k) + ": unsupported item type " + std::to_string(dtype),
             at + itemOffset(i + 1));
        continue;
      }
      byKey[k] = std::move(blob);
    }
  }
  for (auto& [k, b] : byKey) out.records.push_back(DbRecord{k, std::move(b)});
  return out;
}

// ---- ndb -----------------------------------------------------------------------------------

Result<DbRecords> readNdbPackages(std::string_view file, const std::string& label) {
  constexpr std::size_t kHeaderSize = 32, kSlotSize = 16, kBlockSize = 16, kPage = 4096;
  constexpr std::size_t kBlobHead = 16, kBlobTail = 12;
  auto magic = [](const char(&m)[5]) {
    return static_cast<std::uint32_t>(m[0]) | (static_cast<std::uint32_t>(m[1]) << 8) |
           (static_cast<std::uint32_t>(m[2]) << 16) | (static_cast<std::uint32_t>(m[3]) << 24);
  };
  if (file.size() < kPage || le32(file, 0) != magic("RpmP"))
    return fail(ErrorCode::kInvalidInput, "not an ndb package database (magic)", label, 0);
  if (le32(file, 4) != 0)
    return fail(ErrorCode::kUnsupported, "ndb version " + std::to_string(le32(file, 4)), label, 4);
  std::uint64_t slotPages = le32(file, 12);
  if (slotPages == 0 || slotPages * kPage > file.size())
    return fail(ErrorCode::kInvalidInput,
                "slot page count " + std::to_string(slotPages) + " beyond the file", label, 12);
  std::uint64_t fileBlocks = file.size() / kBlockSize;
  std::uint64_t minBlock = slotPages * (kPage / kBlockSize);
  DbRecords out;
  std::map<std::uint32_t, std::string> byKey;
  for (std::size_t o = kHeaderSize; o < slotPages * kPage; o += kSlotSize) {
    if (le32(file, o) != magic("Slot"))
      return fail(ErrorCode::kInvalidInput, "malformed slot", label, o);
    std::uint32_t pkgIdx = le32(file, o + 4);
    std::uint64_t blkOff = le32(file, o + 8);
    std::uint64_t blkCnt = le32(file, o + 12);
    if (blkOff == 0) continue;  // free slot
    auto warn = [&](const std::string& what, std::uint64_t off) {
      out.warnings.push_back(Error{ErrorCode::kInvalidInput,
                                   "record " + std::to_string(pkgIdx) + ": " + what, label, off});
    };
    if (pkgIdx == 0 || blkCnt == 0 || blkOff < minBlock || blkOff + blkCnt > fileBlocks ||
        blkCnt * kBlockSize < kBlobHead + kBlobTail) {
      warn("slot points outside the blob area", o);
      continue;
    }
    std::size_t at = static_cast<std::size_t>(blkOff * kBlockSize);
    std::size_t span = static_cast<std::size_t>(blkCnt * kBlockSize);
    std::uint64_t blobLen = le32(file, at + 12);
    if (le32(file, at) != magic("BlbS") || le32(file, at + 4) != pkgIdx ||
        blkCnt != (kBlobHead + blobLen + kBlobTail + kBlockSize - 1) / kBlockSize) {
      warn("malformed blob header", at);
      continue;
    }
    std::size_t tail = at + span - kBlobTail;
    if (le32(file, tail + 4) != blobLen || le32(file, tail + 8) != magic("BlbE")) {
      warn("malformed blob trailer", tail);
      continue;
    }
    if (adler32(file.substr(at, span - kBlobTail)) != le32(file, tail)) {
      warn("blob checksum mismatch", tail);
      continue;
    }
    byKey[pkgIdx] = std::string(file.substr(at + kBlobHead, static_cast<std::size_t>(blobLen)));
  }
  for (auto& [k, b] : byKey) out.records.push_back(DbRecord{k, std::move(b)});
  return out;
}

// ---- names ---------------------------------------------------------------------------------

std::optional<SourceRpm> splitSourceRpm(std::string_view s) {
  for (std::string_view suffix : {".src.rpm", ".nosrc.rpm"}) {
    if (s.ends_with(suffix)) {
      s.remove_suffix(suffix.size());
      auto r = s.rfind('-');
      if (r == std::string_view::npos || r == 0) return std::nullopt;
      auto v = s.rfind('-', r - 1);
      if (v == std::string_view::npos || v == 0 || v + 1 == r || r + 1 == s.size())
        return std::nullopt;
      return SourceRpm{std::string(s.substr(0, v)), std::string(s.substr(v + 1))};
    }
  }
  return std::nullopt;
}

std::string namespaceFromVendor(std::string_view vendor) {
  std::string v = toLower(vendor);
  static constexpr std::pair<std::string_view, std::string_view> kKnown[] = {
      {"fedora", "fedora"},
      {"red hat", "redhat"},
      {"centos", "centos"},
      {"opensuse", "opensuse"},
      {"suse", "suse"},
      {"rocky", "rocky"},
      {"almalinux", "almalinux"},
      {"amazon", "amazon"},
      {"oracle", "oracle"},
      {"mageia", "mageia"},
      {"openmandriva", "openmandriva"},
      {"photon", "photon"},
      {"microsoft", "microsoft"},
      {"openeuler", "openeuler"},
  };
  for (auto [needle, ns] : kKnown)
    if (v.find(needle) != std::string::npos) return std::string(ns);
  return {};
}

}  // namespace tollgate::catalog::rpm
