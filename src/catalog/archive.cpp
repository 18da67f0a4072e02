// Archive and image expansion through libarchive. The safety rules are in archive.h; the code
// below enforces them with *at() system calls relative to directory descriptors opened with
// O_NOFOLLOW, so no path string from an archive is ever handed to the kernel whole.
#include "tollgate/catalog/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "tollgate/util/c_handle.h"
#include "tollgate/util/file.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog {
namespace {

using Archive = CHandle<struct archive, &archive_read_free>;
namespace fs = std::filesystem;

std::string errnoText() { return std::strerror(errno); }

Result<Archive> openArchive(const fs::path& path) {
  Archive a(archive_read_new());
  if (!a) return fail(ErrorCode::kInternal, "archive_read_new failed");
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    const char* msg = archive_error_string(a.get());
    return fail(ErrorCode::kInvalidInput,
                std::string("not a readable archive: ") + (msg ? msg : "unknown format"),
                path.string());
  }
  return a;
}

// Splits an archive entry name into safe components; nullopt when it must not be written.
std::optional<std::vector<std::string>> safeComponents(std::string_view name) {
  if (!name.empty() && name.front() == '/') return std::nullopt;
  std::vector<std::string> out;
  for (auto c : split(name, '/')) {
    if (c.empty() || c == ".") continue;
    if (c == "..") return std::nullopt;
    out.emplace_back(c);
  }
  return out;
}

std::string joinInRoot(const std::vector<std::string>& comps, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += "/" + comps[i];
  return s.empty() ? "/" : s;
}

// Removes `name` inside `dirFd` whatever it is (a directory recursively), never following links.
void removeAt(int dirFd, const char* name) {
  struct stat st {};
  if (::fstatat(dirFd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (!S_ISDIR(st.st_mode)) {
    ::unlinkat(dirFd, name, 0);
    return;
  }
  int fd = ::openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0) {
    UniqueDir d(::fdopendir(fd));
    if (d) {
      std::vector<std::string> names;
      while (dirent* e = ::readdir(d.get()))
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
          names.emplace_back(e->d_name);
      for (const auto& n : names) removeAt(::dirfd(d.get()), n.c_str());
    } else {
      ::close(fd);
    }
  }
  ::unlinkat(dirFd, name, AT_REMOVEDIR);
}

struct Budget {
  const ArchiveLimits& limits;
  ExpandStats stats;
  bool stopped = false;
};

// Writes entries of one archive below a destination directory.
class Extractor {
 public:
  Extractor(int destFd, std::string label, Budget& budget, Diagnostics& diag)
      : destFd_(destFd), label_(std::move(label)), budget_(budget), diag_(diag) {}

  // Layer mode: later entries replace earlier ones (container layers); otherwise a path already
  // written is replaced too (tar semantics), but only plain archives warn about unsafe names.
  std::map<std::string, std::size_t>* origin = nullptr;
  std::size_t layerIndex = 0;
  bool layerMode = false;

  // Pass over `path` writing entries. Returns false when the archive could not be read at all.
  Status run(const fs::path& path) {
    auto a = openArchive(path);
    if (!a) return std::unexpected(a.error());
    archive_entry* entry = nullptr;
    for (;;) {
      if (budget_.stopped) break;
      int r = archive_read_next_header(a->get(), &entry);
      if (r == ARCHIVE_EOF) break;
      if (r == ARCHIVE_FATAL) {
        warnArchive(a->get(), "unreadable entry header");
        break;
      }
      if (r < ARCHIVE_WARN) {
        warnArchive(a->get(), "damaged entry");
        continue;
      }
      if (++budget_.stats.entries > budget_.limits.maxEntries) {
        stop("more than " + std::to_string(budget_.limits.maxEntries) + " entries");
        break;
      }
      const char* rawName = archive_entry_pathname(entry);
      std::string name = rawName ? rawName : "";
      auto comps = safeComponents(name);
      if (!comps) {
        ++budget_.stats.skipped;
        diag_.warn(label_, "entry name escapes the archive, not written: " + printable(name));
        continue;
      }
      if (comps->empty()) continue;
      if (layerMode && comps->back().starts_with(".wh.")) continue;  // handled in the first pass
      writeEntry(a->get(), entry, *comps);
    }
    return {};
  }

  // First pass of a layer: applies its whiteouts to what lower layers wrote.
  Status applyWhiteouts(const fs::path& path) {
    auto a = openArchive(path);
    if (!a) return std::unexpected(a.error());
    archive_entry* entry = nullptr;
    while (archive_read_next_header(a->get(), &entry) == ARCHIVE_OK) {
      const char* rawName = archive_entry_pathname(entry);
      auto comps = safeComponents(rawName ? rawName : "");
      if (!comps || comps->empty() || !comps->back().starts_with(".wh.")) continue;
      std::string base = comps->back();
      comps->pop_back();
      UniqueFd dir = openParent(*comps, /*create=*/false);
      if (!dir) continue;
      std::string dirPath = joinInRoot(*comps, comps->size());
      if (base == ".wh..wh..opq") {
        clearDir(dir.get(), dirPath);
      } else {
        std::string target = base.substr(4);
        if (target.empty() || target == "." || target == "..") continue;
        removeAt(dir.get(), target.c_str());
        forgetUnder(dirPath == "/" ? "/" + target : dirPath + "/" + target);
      }
    }
    return {};
  }

 private:
  void warnArchive(struct archive* a, const std::string& what) {
    const char* msg = archive_error_string(a);
    diag_.warn(label_, what + (msg ? std::string(": ") + msg : std::string()));
  }

  void stop(const std::string& why) {
    if (!budget_.stopped)
      diag_.warn(label_,
                 "expansion stopped: " + why + " (possible archive bomb; see --help for limits)");
    budget_.stopped = true;
    budget_.stats.truncated = true;
  }

  void clearDir(int dirFd, const std::string& dirPath) {
    std::vector<std::string> names;
    {
      int dup = ::dup(dirFd);
      UniqueDir d(dup >= 0 ? ::fdopendir(dup) : nullptr);
      if (!d) {
        if (dup >= 0) ::close(dup);
        return;
      }
      while (dirent* e = ::readdir(d.get()))
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
          names.emplace_back(e->d_name);
    }
    for (const auto& n : names) {
      removeAt(dirFd, n.c_str());
      forgetUnder(dirPath == "/" ? "/" + n : dirPath + "/" + n);
    }
  }

  void forgetUnder(const std::string& path) {
    if (!origin) return;
    origin->erase(path);
    std::string prefix = path + "/";
    for (auto it = origin->lower_bound(prefix);
         it != origin->end() && it->first.starts_with(prefix);)
      it = origin->erase(it);
  }

  // Opens (creating when asked) the directory chain `comps` below the destination, refusing to
  // follow any symbolic link on the way. In layer mode a non-directory in the way is replaced.
  UniqueFd openParent(const std::vector<std::string>& comps, bool create) {
    UniqueFd cur(::dup(destFd_));
    for (const auto& c : comps) {
      int fd = ::openat(cur.get(), c.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && create) {
        if (errno == ENOTDIR || errno == ELOOP) {
          if (!layerMode) return UniqueFd();  // a file or link where a directory should be
          removeAt(cur.get(), c.c_str());
        }
        if (::mkdirat(cur.get(), c.c_str(), 0755) != 0 && errno != EEXIST) return UniqueFd();
        fd = ::openat(cur.get(), c.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      }
      if (fd < 0) return UniqueFd();
      cur.reset(fd);
    }
    return cur;
  }

  void writeEntry(struct archive* a, archive_entry* entry, std::vector<std::string> comps) {
    std::string inRoot = joinInRoot(comps, comps.size());
    std::string base = comps.back();
    comps.pop_back();
    UniqueFd parent = openParent(comps, /*create=*/true);
    if (!parent) {
      ++budget_.stats.skipped;
      diag_.warn(label_, "cannot create the directory of " + printable(inRoot) +
                             " (a link or file is in the way)");
      return;
    }
    const char* hardlink = archive_entry_hardlink(entry);
    mode_t type = archive_entry_filetype(entry);
    if (hardlink) {
      auto target = safeComponents(hardlink);
      if (!target || target->empty()) {
        ++budget_.stats.skipped;
        diag_.warn(label_, "hard link escapes the archive, not written: " + printable(inRoot));
        return;
      }
      std::string tbase = target->back();
      target->pop_back();
      UniqueFd tdir = openParent(*target, /*create=*/false);
      removeAt(parent.get(), base.c_str());
      if (!tdir || ::linkat(tdir.get(), tbase.c_str(), parent.get(), base.c_str(), 0) != 0) {
        ++budget_.stats.skipped;
        return;
      }
      noteOrigin(inRoot);
      return;
    }
    switch (type) {
      case AE_IFDIR: {
        struct stat st {};
        if (::fstatat(parent.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            !S_ISDIR(st.st_mode))
          removeAt(parent.get(), base.c_str());
        ::mkdirat(parent.get(), base.c_str(), 0755);
        return;
      }
      case AE_IFLNK: {
        const char* target = archive_entry_symlink(entry);
        removeAt(parent.get(), base.c_str());
        // The link is stored as it is; every later reader resolves it confined to the root.
        if (!target || ::symlinkat(target, parent.get(), base.c_str()) != 0)
          ++budget_.stats.skipped;
        else
          noteOrigin(inRoot);
        return;
      }
      case AE_IFREG:
        writeFile(a, entry, parent.get(), base, inRoot);
        return;
      default:
        ++budget_.stats.skipped;  // devices, FIFOs, sockets: never created
        return;
    }
  }

  void writeFile(struct archive* a, archive_entry* entry, int parentFd, const std::string& base,
                 const std::string& inRoot) {
    removeAt(parentFd, base.c_str());
    mode_t mode = (archive_entry_perm(entry) & 0755) | 0600;  // no set-id bits, always readable
    UniqueFd fd(::openat(parentFd, base.c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (!fd) {
      ++budget_.stats.skipped;
      diag_.warn(label_, "cannot write " + printable(inRoot) + ": " + errnoText());
      return;
    }
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    std::uint64_t written = 0;
    for (;;) {
      int r = archive_read_data_block(a, &buf, &size, &offset);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) {
        warnArchive(a, "truncated or damaged data of " + printable(inRoot));
        break;
      }
      if (budget_.stats.bytes + size > budget_.limits.maxTotalBytes) {
        stop("expanded size over " + std::to_string(budget_.limits.maxTotalBytes) + " bytes");
        break;
      }
      // Sparse entries arrive with offsets; pwrite keeps the holes.
      if (size > 0 && ::pwrite(fd.get(), buf, size, offset) != static_cast<ssize_t>(size)) {
        diag_.warn(label_, "cannot write " + printable(inRoot) + ": " + errnoText());
        break;
      }
      written += size;
      budget_.stats.bytes += size;
      la_int64_t compressed = archive_filter_bytes(a, -1);
      archiveOut_ += size;
      if (archiveOut_ > (8u << 20) &&
          static_cast<double>(archiveOut_) >
              budget_.limits.maxRatio * static_cast<double>(std::max<la_int64_t>(compressed, 1))) {
        stop("compression ratio over " + std::to_string(static_cast<int>(budget_.limits.maxRatio)) +
             ":1");
        break;
      }
    }
    (void)written;
    noteOrigin(inRoot);
  }

  void noteOrigin(const std::string& inRoot) {
    if (origin) (*origin)[inRoot] = layerIndex;
  }

  int destFd_;
  std::string label_;
  Budget& budget_;
  Diagnostics& diag_;
  std::uint64_t archiveOut_ = 0;
};

bool nestedArchiveName(std::string_view name) {
  static constexpr std::array<std::string_view, 20> kExt = {
      ".tar",     ".tar.gz", ".tgz",   ".tar.xz", ".txz",   ".tar.bz2", ".tbz2",
      ".tar.zst", ".zip",    ".jar",   ".war",    ".ear",   ".deb",     ".udeb",
      ".rpm",     ".whl",    ".nupkg", ".gem",    ".crate", ".apk"};
  std::string lower = toLower(name);
  return std::any_of(kExt.begin(), kExt.end(),
                     [&](std::string_view e) { return lower.ends_with(e); });
}

void expandNested(const fs::path& dir, const std::string& labelPrefix, unsigned depth,
                  Budget& budget, Diagnostics& diag) {
  if (depth >= budget.limits.maxDepth || budget.stopped) return;
  std::vector<fs::path> found;
  std::error_code ec;
  for (auto it =
           fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_symlink(ec)) continue;
    if (it->is_regular_file(ec) && nestedArchiveName(it->path().filename().string()))
      found.push_back(it->path());
  }
  for (const auto& f : found) {
    if (budget.stopped) return;
    fs::path out = f.string() + "!";
    if (::mkdir(out.c_str(), 0755) != 0) continue;
    UniqueFd fd(::open(out.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) continue;
    std::string label = labelPrefix + "/" + fs::relative(f, dir).string();
    Extractor x(fd.get(), label, budget, diag);
    if (auto st = x.run(f); !st) {
      diag.warn(label, "nested archive not expanded: " + st.error().message);
      continue;
    }
    expandNested(out, label + "!", depth + 1, budget, diag);
  }
}

Result<nlohmann::json> readJson(const fs::path& p, const std::string& label) {
  auto text = readFile(p, 64 << 20);
  if (!text) return std::unexpected(text.error().within(label));
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::kInvalidInput, "not valid JSON", label);
  return j;
}

std::string str(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "sha256:abc..." -> blobs/sha256/abc..., refusing anything that is not a plain hex digest.
Result<fs::path> blobPath(const fs::path& layout, const std::string& digest,
                          const std::string& label) {
  auto colon = digest.find(':');
  if (colon == std::string::npos)
    return fail(ErrorCode::kInvalidInput, "malformed digest '" + printable(digest) + "'", label);
  std::string alg = digest.substr(0, colon), hex = digest.substr(colon + 1);
  bool ok = (alg == "sha256" || alg == "sha512") && !hex.empty() &&
            std::all_of(hex.begin(), hex.end(),
                        [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  if (!ok)
    return fail(ErrorCode::kInvalidInput, "malformed digest '" + printable(digest) + "'", label);
  return layout / "blobs" / alg / hex;
}

Status verifyBlob(const fs::path& p, const std::string& digest, const std::string& label) {
  if (!digest.starts_with("sha256:")) return {};
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return fail(ErrorCode::kInvalidInput, "blob " + digest + " is missing", label);
  std::vector<std::byte> buf(1 << 20);
  auto d = sha256Fd(fd.get(), buf, p.string());
  if (!d) return std::unexpected(d.error());
  if ("sha256:" + *d != digest)
    return fail(ErrorCode::kInvalidInput, "blob " + digest + " does not match its digest", label);
  return {};
}

struct LayerRef {
  fs::path file;
  std::string digest;
};

Status applyLayers(const std::vector<LayerRef>& layers, const fs::path& dest, ImageInfo& info,
                   Budget& budget, Diagnostics& diag, const std::string& label) {
  UniqueFd fd(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd)
    return fail(ErrorCode::kIo, "cannot open staging directory: " + errnoText(), dest.string());
  for (std::size_t i = 0; i < layers.size(); ++i) {
    info.layers.push_back(layers[i].digest);
    Extractor x(fd.get(), label + ": layer " + layers[i].digest, budget, diag);
    x.layerMode = true;
    x.origin = &info.origin;
    x.layerIndex = i;
    if (auto st = x.applyWhiteouts(layers[i].file); !st) return st;
    if (auto st = x.run(layers[i].file); !st) return st;
  }
  return {};
}

}  // namespace

StagingDir::~StagingDir() {
  if (path_.empty()) return;
  std::error_code ec;
  // Extracted trees may hold read-only directories: make them writable before removal.
  for (auto it = fs::recursive_directory_iterator(
           path_, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (!it->is_symlink(ec) && it->is_directory(ec))
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  }
  fs::remove_all(path_, ec);
}

Result<StagingDir> StagingDir::create() {
  std::error_code ec;
  fs::path base = fs::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string tmpl = (base / "tollgate-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    return fail(ErrorCode::kIo, "cannot create a staging directory: " + errnoText(), tmpl);
  return StagingDir(tmpl);
}

bool isArchive(const fs::path& path) {
  auto a = openArchive(path);
  if (!a) return false;
  archive_entry* e = nullptr;
  return archive_read_next_header(a->get(), &e) == ARCHIVE_OK;
}

std::optional<std::string> damagedArchive(const fs::path& path) {
  // libarchive says "Unrecognized archive format" for what it has no format for (noise, a lone
  // binary, a gzip-compressed text); any other failure to open or to read the first entry means
  // it recognised a compression or an archive and found it cut short or damaged.
  Archive a(archive_read_new());
  if (!a) return std::nullopt;
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  archive_entry* e = nullptr;
  int r = archive_read_open_filename(a.get(), path.c_str(), 1 << 16);
  if (r == ARCHIVE_OK) r = archive_read_next_header(a.get(), &e);
  if (r == ARCHIVE_OK || r == ARCHIVE_EOF || r == ARCHIVE_WARN) return std::nullopt;
  const char* msg = archive_error_string(a.get());
  std::string why = msg ? msg : "";
  // An unreadable file is not judged here: scanning it reports the I/O error.
  if (why.empty() || why.starts_with("Unrecognized archive format") ||
      why.starts_with("Failed to open"))
    return std::nullopt;
  return why;
}

Result<ExpandStats> expandArchive(const fs::path& archive, const fs::path& dest,
                                  const ArchiveLimits& limits, Diagnostics& diag) {
  UniqueFd fd(::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd)
    return fail(ErrorCode::kIo, "cannot open staging directory: " + errnoText(), dest.string());
  Budget budget{limits, {}, false};
  std::string label = archive.filename().string();
  Extractor x(fd.get(), label, budget, diag);
  if (auto st = x.run(archive); !st) return std::unexpected(st.error());
  expandNested(dest, label + "!", 0, budget, diag);
  return budget.stats;
}

bool isImage(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    return fs::exists(path / "oci-layout", ec) && fs::exists(path / "index.json", ec);
  auto a = openArchive(path);
  if (!a) return false;
  archive_entry* e = nullptr;
  for (int n = 0; n < 100000 && archive_read_next_header(a->get(), &e) == ARCHIVE_OK; ++n) {
    std::string name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    if (name.starts_with("./")) name = name.substr(2);
    if (name == "manifest.json" || name == "oci-layout" || name == "index.json") return true;
  }
  return false;
}

Result<ImageInfo> expandImage(const fs::path& image, const fs::path& dest,
                              const ArchiveLimits& limits, Diagnostics& diag) {
  std::string label = image.filename().string();
  Budget budget{limits, {}, false};
  fs::path layout = image;
  std::optional<StagingDir> outer;
  std::error_code ec;
  if (!fs::is_directory(image, ec)) {
    // A tarball (docker save, or an OCI layout in a tar): unpack the outer tar beside the root.
    auto s = StagingDir::create();
    if (!s) return std::unexpected(s.error());
    outer.emplace(std::move(*s));
    UniqueFd fd(::open(outer->path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    Extractor x(fd.get(), label, budget, diag);
    if (auto st = x.run(image); !st) return std::unexpected(st.error());
    if (budget.stopped)
      return fail(ErrorCode::kLimit, "image larger than the expansion limits", label);
    layout = outer->path();
  }
  ImageInfo info;
  std::vector<LayerRef> layers;
  if (fs::exists(layout / "index.json", ec)) {
    info.format = "oci";
    auto index = readJson(layout / "index.json", label + ": index.json");
    if (!index) return std::unexpected(index.error());
    nlohmann::json desc;
    // Follow nested indexes to an image manifest, preferring linux/amd64 when there is a choice.
    for (int depth = 0; depth < 4; ++depth) {
      // find(), not operator[]: the index may be any JSON value (an array, a string), and
      // operator[] throws on those.
      auto it = index->find("manifests");
      if (it == index->end() || !it->is_array() || it->empty())
        return fail(ErrorCode::kInvalidInput, "index lists no manifests", label + ": index.json");
      const auto& ms = *it;
      desc = ms[0];
      for (const auto& m : ms) {
        const auto& p = m.is_object() && m.contains("platform") ? m["platform"] : nlohmann::json();
        if (str(p, "os") == "linux" && str(p, "architecture") == "amd64") desc = m;
      }
      if (!str(desc, "mediaType").ends_with("image.index.v1+json") &&
          !str(desc, "mediaType").ends_with("manifest.list.v2+json"))
        break;
      auto p = blobPath(layout, str(desc, "digest"), label);
      if (!p) return std::unexpected(p.error());
      auto next = readJson(*p, label + ": " + str(desc, "digest"));
      if (!next) return std::unexpected(next.error());
      *index = std::move(*next);
    }
    info.digest = str(desc, "digest");
    if (desc.contains("annotations") && desc["annotations"].is_object())
      if (auto n = str(desc["annotations"], "org.opencontainers.image.ref.name"); !n.empty())
        info.tags.push_back(n);
    auto mpath = blobPath(layout, info.digest, label);
    if (!mpath) return std::unexpected(mpath.error());
    if (auto v = verifyBlob(*mpath, info.digest, label); !v) return std::unexpected(v.error());
    auto manifest = readJson(*mpath, label + ": manifest");
    if (!manifest) return std::unexpected(manifest.error());
    if (manifest->contains("config")) {
      auto cpath = blobPath(layout, str((*manifest)["config"], "digest"), label);
      if (cpath)
        if (auto cfg = readJson(*cpath, label + ": config"); cfg) {
          info.os = str(*cfg, "os");
          info.architecture = str(*cfg, "architecture");
        }
    }
    auto lit = manifest->find("layers");
    if (lit == manifest->end() || !lit->is_array())
      return fail(ErrorCode::kInvalidInput, "manifest has no layers", label);
    const auto& ls = *lit;
    for (const auto& l : ls) {
      std::string d = str(l, "digest");
      auto p = blobPath(layout, d, label);
      if (!p) return std::unexpected(p.error());
      if (auto v = verifyBlob(*p, d, label); !v) return std::unexpected(v.error());
      layers.push_back({*p, d});
    }
  } else if (fs::exists(layout / "manifest.json", ec)) {
    info.format = "docker-archive";
    auto manifest = readJson(layout / "manifest.json", label + ": manifest.json");
    if (!manifest) return std::unexpected(manifest.error());
    if (!manifest->is_array() || manifest->empty() || !(*manifest)[0].is_object())
      return fail(ErrorCode::kInvalidInput, "manifest.json is not a list of images", label);
    const auto& m = (*manifest)[0];
    auto inLayout = [&](const std::string& rel) -> Result<fs::path> {
      auto comps = safeComponents(rel);
      if (!comps || comps->empty())
        return fail(ErrorCode::kInvalidInput, "path escapes the image: " + printable(rel), label);
      fs::path p = layout;
      for (const auto& c : *comps) p /= c;
      return p;
    };
    auto cfgPath = inLayout(str(m, "Config"));
    if (!cfgPath) return std::unexpected(cfgPath.error());
    auto cfgText = readFile(*cfgPath, 64 << 20);
    if (!cfgText) return std::unexpected(cfgText.error().within(label));
    info.digest = "sha256:" + sha256Hex(*cfgText);
    auto cfg = nlohmann::json::parse(*cfgText, nullptr, false);
    std::vector<std::string> diffIds;
    if (!cfg.is_discarded()) {
      info.os = str(cfg, "os");
      info.architecture = str(cfg, "architecture");
      if (cfg.contains("rootfs") && cfg["rootfs"].is_object() &&
          cfg["rootfs"].contains("diff_ids") && cfg["rootfs"]["diff_ids"].is_array())
        for (const auto& d : cfg["rootfs"]["diff_ids"])
          if (d.is_string()) diffIds.push_back(d.get<std::string>());
    }
    if (m.contains("RepoTags") && m["RepoTags"].is_array())
      for (const auto& t : m["RepoTags"])
        if (t.is_string()) info.tags.push_back(t.get<std::string>());
    if (!m.contains("Layers") || !m["Layers"].is_array())
      return fail(ErrorCode::kInvalidInput, "manifest.json lists no layers", label);
    std::size_t i = 0;
    for (const auto& l : m["Layers"]) {
      if (!l.is_string()) return fail(ErrorCode::kInvalidInput, "malformed layer entry", label);
      auto p = inLayout(l.get<std::string>());
      if (!p) return std::unexpected(p.error());
      layers.push_back({*p, i < diffIds.size() ? diffIds[i] : l.get<std::string>()});
      ++i;
    }
  } else {
    return fail(ErrorCode::kInvalidInput, "neither an OCI layout nor a docker save archive", label);
  }
  if (auto st = applyLayers(layers, dest, info, budget, diag, label); !st)
    return std::unexpected(st.error());
  return info;
}

}  // namespace tollgate::catalog
