// The rpm cataloger: installed packages from rpm's database in any of its three forms (SQLite
// rpmdb.sqlite, Berkeley DB Packages, ndb Packages.db; under /var/lib/rpm or
// /usr/lib/sysimage/rpm), with their files and the dependency graph from Requires resolved
// through Provides and file provides; and one component per .rpm package file found in the tree
// (its payload files when the archive expansion opened it as "<file>!"). See
// docs/catalogers/rpm.md.
#include "tollgate/catalog/rpm.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "os_release.h"
#include "tollgate/catalog/catalog.h"
#include "tollgate/purl/purl.h"
#include "tollgate/sbom/license.h"
#include "tollgate/util/c_handle.h"
#include "tollgate/util/mapped_file.h"
#include "tollgate/util/parallel.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog {
namespace {

using Sqlite = CHandle<sqlite3, &sqlite3_close_v2>;
using SqliteStmt = CHandle<sqlite3_stmt, &sqlite3_finalize>;

// Where rpm keeps its database: /var/lib/rpm (RHEL <= 9, SUSE, Mageia) or /usr/lib/sysimage/rpm
// (Fedora >= 36, openSUSE Tumbleweed; /var/lib/rpm is then a symlink to it).
constexpr std::string_view kDbDirs[] = {"/usr/lib/sysimage/rpm", "/var/lib/rpm"};
// In the order rpm itself prefers them when it finds more than one.
constexpr std::string_view kDbFiles[] = {"rpmdb.sqlite", "Packages.db", "Packages"};
constexpr std::uint64_t kMaxDbBytes = 4ull << 30;

struct Record {
  rpm::Package pkg;
  std::string evidence;  // the database, or the .rpm file
  bool packageFile = false;
  std::string payloadDir;  // "<file>.rpm!" when expanded, else ""
};

// One warning per source, however many records are bad.
void warnRecords(Diagnostics& diag, const std::string& path, const std::vector<Error>& problems) {
  if (problems.empty()) return;
  std::string first = problems[0].message;
  if (problems.size() == 1) {
    diag.warn(path, "malformed record skipped: " + first);
  } else {
    diag.warn(path, std::to_string(problems.size()) +
                        " malformed records skipped (first: " + first + ")");
  }
}

std::string errnoText() { return std::strerror(errno); }

// Copies an in-root file (opened confined to the root) to `dest` on the host.
Status copyOut(const RootDir& root, std::string_view inRoot, const std::filesystem::path& dest) {
  auto in = root.openFile(inRoot);
  if (!in) return std::unexpected(in.error());
  UniqueFd out(::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out) return fail(ErrorCode::kIo, "cannot create " + dest.string() + ": " + errnoText());
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(in->get(), buf.data(), buf.size());
    if (n < 0) return fail(ErrorCode::kIo, "read failed: " + errnoText(), std::string(inRoot));
    if (n == 0) break;
    if (::write(out.get(), buf.data(), static_cast<std::size_t>(n)) != n)
      return fail(ErrorCode::kIo, "write failed: " + errnoText(), dest.string());
  }
  return {};
}

// The header blobs of an rpmdb.sqlite (table Packages(hnum, blob)). The database is opened
// read-only and immutable through a descriptor opened confined to the root, so nothing is
// written next to it and no lock is taken. A write-ahead log that still holds transactions
// (rpm was killed, or the image was taken while rpm ran) is only applied on a private copy.
Result<rpm::DbRecords> readSqlite(const FileTree& tree, const std::string& path) {
  std::string uri;
  std::optional<StagingDir> copy;
  UniqueFd keep;  // the descriptor /proc/self/fd/N names stays open while SQLite reads
  const FileEntry* wal = tree.findResolved(path + "-wal");
  if (wal && wal->type == EntryType::kRegular && wal->size > 0) {
    auto staging = StagingDir::create();
    if (!staging) return std::unexpected(staging.error());
    copy.emplace(std::move(*staging));
    auto db = copy->path() / "rpmdb.sqlite";
    if (auto st = copyOut(tree.root(), path, db); !st) return std::unexpected(st.error());
    if (auto st = copyOut(tree.root(), path + "-wal", copy->path() / "rpmdb.sqlite-wal"); !st)
      return std::unexpected(st.error());
    uri = "file:" + db.string();
  } else {
    auto fd = tree.root().openFile(path);
    if (!fd) return std::unexpected(fd.error());
    keep = std::move(*fd);
    std::string proc = "/proc/self/fd/" + std::to_string(keep.get());
    std::string host =
        ::access(proc.c_str(), R_OK) == 0 ? proc : tree.root().hostPath(path).string();
    // URI filenames: '?' and '#' end the path, '%' escapes.
    std::string escaped;
    for (char c : host) {
      if (c == '?' || c == '#' || c == '%') {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
        escaped += hex;
      } else {
        escaped += c;
      }
    }
    uri = "file:" + escaped + "?immutable=1";
  }
  sqlite3* raw = nullptr;
  int flags =
      (copy ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(uri.c_str(), &raw, flags, nullptr);
  Sqlite db(raw);
  if (rc != SQLITE_OK)
    return fail(ErrorCode::kInvalidInput,
                std::string("cannot open SQLite database: ") +
                    (raw ? sqlite3_errmsg(raw) : "out of memory"),
                path);
  sqlite3_stmt* rawStmt = nullptr;
  rc = sqlite3_prepare_v2(db.get(), "SELECT hnum, blob FROM Packages ORDER BY hnum", -1, &rawStmt,
                          nullptr);
  SqliteStmt stmt(rawStmt);
  if (rc != SQLITE_OK)
    return fail(ErrorCode::kInvalidInput,
                std::string("not an rpm database: ") + sqlite3_errmsg(db.get()), path);
  rpm::DbRecords out;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    auto key = static_cast<std::uint32_t>(sqlite3_column_int64(stmt.get(), 0));
    const void* blob = sqlite3_column_blob(stmt.get(), 1);
    int n = sqlite3_column_bytes(stmt.get(), 1);
    if (!blob || n <= 0) {
      out.warnings.push_back(
          Error{ErrorCode::kInvalidInput, "record " + std::to_string(key) + ": empty blob", path});
      continue;
    }
    out.records.push_back(rpm::DbRecord{
        key, std::string(static_cast<const char*>(blob), static_cast<std::size_t>(n))});
  }
  if (rc != SQLITE_DONE)
    return fail(ErrorCode::kInvalidInput,
                std::string("reading the Packages table failed: ") + sqlite3_errmsg(db.get()),
                path);
  return out;
}

Result<MappedFile> mapInRoot(const RootDir& root, const std::string& path) {
  auto fd = root.openFile(path);
  if (!fd) return std::unexpected(fd.error());
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0)
    return fail(ErrorCode::kIo, "cannot stat: " + errnoText(), path);
  if (static_cast<std::uint64_t>(st.st_size) > kMaxDbBytes)
    return fail(ErrorCode::kLimit, "larger than " + std::to_string(kMaxDbBytes) + " bytes", path);
  return MappedFile::open(fd->get(), path);
}

void readDatabase(const FileTree& tree, const std::string& path, std::string_view kind,
                  std::vector<Record>& out, Diagnostics& diag) {
  Result<rpm::DbRecords> db = fail(ErrorCode::kInternal, "unread");
  if (kind == "rpmdb.sqlite") {
    db = readSqlite(tree, path);
  } else {
    auto mapped = mapInRoot(tree.root(), path);
    if (!mapped) {
      diag.warn(path, "cannot read rpm database: " + mapped.error().message);
      return;
    }
    std::string_view bytes(reinterpret_cast<const char*>(mapped->bytes().data()), mapped->size());
    db = kind == "Packages" ? rpm::readBdbPackages(bytes, path) : rpm::readNdbPackages(bytes, path);
  }
  if (!db) {
    diag.warn(path, "cannot read rpm database: " + db.error().message);
    return;
  }
  std::vector<Error> problems = std::move(db->warnings);
  std::vector<Result<rpm::Package>> parsed(db->records.size());
  parallelFor(
      db->records.size(), defaultThreads(),
      [&](unsigned, std::size_t i) { parsed[i] = rpm::parseHeaderBlob(db->records[i].blob); }, 16);
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    if (!parsed[i]) {
      problems.push_back(Error{
          ErrorCode::kInvalidInput,
          "record " + std::to_string(db->records[i].key) + ": " + parsed[i].error().message, path});
      continue;
    }
    // gpg-pubkey "packages" are imported signing keys, not software.
    if (parsed[i]->name == "gpg-pubkey") continue;
    out.push_back(Record{std::move(*parsed[i]), path, false, {}});
  }
  warnRecords(diag, path, problems);
}

std::string purlOf(const rpm::Package& p, const std::string& ns, const std::string& distro) {
  purl::PackageUrl u;
  u.type = "rpm";
  u.ns = ns;
  u.name = p.name;
  u.version = p.release.empty() ? p.version : p.version + "-" + p.release;
  if (!p.arch.empty()) u.qualifiers["arch"] = p.sourcePackage ? "src" : p.arch;
  if (p.epoch) u.qualifiers["epoch"] = std::to_string(*p.epoch);
  if (!distro.empty()) u.qualifiers["distro"] = distro;
  auto built = purl::build(std::move(u));
  return built ? built->toString() : std::string();
}

sbom::Component componentOf(const Record& r, const detail::OsRelease& os) {
  const rpm::Package& p = r.pkg;
  sbom::Component c;
  c.type = sbom::ComponentType::kLibrary;
  c.name = p.name;
  c.version = p.evr();
  // Installed packages take the distribution's namespace; a package file found lying around
  // may come from anywhere, so its vendor says.
  std::string ns = r.packageFile || os.id.empty() ? rpm::namespaceFromVendor(p.vendor) : os.id;
  std::string distro =
      r.packageFile || os.id.empty() || os.versionId.empty() ? "" : os.id + "-" + os.versionId;
  c.purl = purlOf(p, ns, distro);
  std::string base = c.purl.empty() ? "rpm:" + p.name + "@" + c.version + "." + p.arch : c.purl;
  c.bomRef = r.packageFile ? base + "#" + r.evidence : base;
  c.supplier = !p.vendor.empty() ? p.vendor : p.packager;
  c.description = p.summary;
  if (!p.license.empty()) c.licenses.push_back(sbom::normalizeLicense(p.license));
  if (auto src = rpm::splitSourceRpm(p.sourceRpm)) {
    c.sourceName = src->name;
    c.sourceVersion = src->versionRelease;
  } else {
    c.sourceName = p.name;
    c.sourceVersion = p.release.empty() ? p.version : p.version + "-" + p.release;
  }
  c.foundBy = "rpm";
  c.evidencePaths.push_back(r.evidence);
  auto& props = c.properties;
  if (!p.arch.empty()) props["tollgate:rpm:arch"] = p.arch;
  if (p.epoch) props["tollgate:rpm:epoch"] = std::to_string(*p.epoch);
  if (!p.release.empty()) props["tollgate:rpm:release"] = p.release;
  if (!p.sourceRpm.empty()) props["tollgate:rpm:sourcerpm"] = p.sourceRpm;
  if (!p.packager.empty()) props["tollgate:rpm:packager"] = p.packager;
  if (!p.vendor.empty()) props["tollgate:rpm:vendor"] = p.vendor;
  if (!p.url.empty()) props["tollgate:rpm:url"] = p.url;
  if (!p.distribution.empty()) props["tollgate:rpm:distribution"] = p.distribution;
  if (!p.modularityLabel.empty()) props["tollgate:rpm:modularitylabel"] = p.modularityLabel;
  if (p.installedSize) props["tollgate:rpm:size"] = std::to_string(p.installedSize);
  if (!p.files.empty() && !p.digestAlgorithm.empty())
    props["tollgate:rpm:file-digest-algorithm"] = p.digestAlgorithm;
  if (r.packageFile) {
    props["tollgate:rpm:package-file"] = r.evidence;
    props["tollgate:rpm:signed"] = p.signedPackage ? "true" : "false";
    if (!p.headerSha256.empty()) props["tollgate:rpm:header-sha256"] = p.headerSha256;
    if (p.sourcePackage) props["tollgate:rpm:source-package"] = "true";
  } else {
    props["tollgate:rpm:database"] = r.evidence;
  }
  // Owned files: regular files and links (directories are shared between packages). A package
  // file's payload is owned only where the archive expansion put it.
  if (!r.packageFile || !r.payloadDir.empty()) {
    c.files.reserve(p.files.size());
    for (const auto& f : p.files) {
      // A path that climbs ("/usr/../../etc/passwd") would name another file than the package's.
      if (f.isDirectory() || f.path.empty() || f.path.front() != '/' ||
          f.path.find("/../") != std::string::npos || f.path.ends_with("/.."))
        continue;
      c.files.push_back(sbom::FileRef{r.payloadDir + f.path, {}});
    }
  }
  return c;
}

// Requires resolved to the installed packages that provide them (rpm's own rules: a capability
// in PROVIDENAME, a file path in any package's file list; the package name provides itself).
std::vector<sbom::Dependency> dependenciesOf(const std::vector<Record>& recs,
                                             const std::vector<sbom::Component>& comps,
                                             std::size_t count) {
  std::unordered_map<std::string, std::vector<std::size_t>> provides;
  std::unordered_set<std::string> wantedFiles;
  for (std::size_t i = 0; i < count; ++i) {
    provides[recs[i].pkg.name].push_back(i);
    for (const auto& p : recs[i].pkg.provides) provides[p].push_back(i);
    for (const auto& r : recs[i].pkg.requires_)
      if (r.starts_with('/')) wantedFiles.insert(r);
  }
  std::unordered_map<std::string, std::vector<std::size_t>> fileOwners;
  if (!wantedFiles.empty())
    for (std::size_t i = 0; i < count; ++i)
      for (const auto& f : recs[i].pkg.files)
        if (wantedFiles.contains(f.path)) fileOwners[f.path].push_back(i);
  std::vector<sbom::Dependency> out;
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<std::string> to;
    for (const auto& r : recs[i].pkg.requires_) {
      if (r.starts_with("rpmlib(")) continue;  // features of rpm itself
      const std::vector<std::size_t>* cands = nullptr;
      if (auto it = provides.find(r); it != provides.end()) cands = &it->second;
      if (!cands && r.starts_with('/'))
        if (auto it = fileOwners.find(r); it != fileOwners.end()) cands = &it->second;
      if (!cands) continue;
      // Prefer a provider of the same architecture (multilib), then any.
      std::size_t pick = cands->front();
      for (std::size_t j : *cands)
        if (recs[j].pkg.arch == recs[i].pkg.arch) {
          pick = j;
          break;
        }
      if (pick != i) to.push_back(comps[pick].bomRef);
    }
    std::sort(to.begin(), to.end());
    to.erase(std::unique(to.begin(), to.end()), to.end());
    if (!to.empty()) out.push_back(sbom::Dependency{comps[i].bomRef, std::move(to)});
  }
  return out;
}

// Download caches of dnf, yum and zypper hold copies of packages the rpm database already
// lists; cataloguing them again would list every package twice.
constexpr std::string_view kPackageCaches[] = {"/var/cache/dnf/", "/var/cache/yum/",
                                               "/var/cache/zypp/"};

bool inPackageCache(std::string_view path) {
  return std::any_of(std::begin(kPackageCaches), std::end(kPackageCaches),
                     [&](std::string_view c) { return path.starts_with(c); });
}

bool isRpmFileName(std::string_view path) {
  if (path.size() < 5) return false;
  std::string_view ext = path.substr(path.size() - 4);
  return ext == ".rpm" || ext == ".RPM";
}

}  // namespace

Catalogue catalogRpm(const FileTree& tree, Diagnostics& diag) {
  std::vector<Record> records;
  // Installed packages: one database per distinct directory, in rpm's order of preference.
  std::unordered_set<std::string> seenDirs;
  for (std::string_view dir : kDbDirs) {
    const FileEntry* d = tree.findResolved(dir);
    if (!d || d->type != EntryType::kDirectory || !seenDirs.insert(d->path).second) continue;
    for (std::string_view file : kDbFiles) {
      std::string path = d->path + "/" + std::string(file);
      const FileEntry* e = tree.findResolved(path);
      if (!e || e->type != EntryType::kRegular) continue;
      readDatabase(tree, e->path, file, records, diag);
      break;
    }
  }
  {
    // The same package recorded twice (two database directories): the first record wins.
    std::unordered_set<std::string> seen;
    std::vector<Record> unique;
    unique.reserve(records.size());
    for (auto& r : records)
      if (seen.insert(r.pkg.name + '\0' + r.pkg.evr() + '\0' + r.pkg.arch).second)
        unique.push_back(std::move(r));
    records = std::move(unique);
  }
  std::size_t installed = records.size();

  // Package files anywhere in the tree.
  std::vector<const FileEntry*> files;
  for (const FileEntry& e : tree.entries())
    if (e.type == EntryType::kRegular && e.size >= 96 + 16 && isRpmFileName(e.path) &&
        !inPackageCache(e.path))
      files.push_back(&e);
  std::vector<std::optional<Record>> fromFiles(files.size());
  parallelFor(
      files.size(), defaultThreads(),
      [&](unsigned, std::size_t i) {
        const std::string& path = files[i]->path;
        auto mapped = mapInRoot(tree.root(), path);
        if (!mapped) {
          diag.warn(path, "cannot read rpm package: " + mapped.error().message);
          return;
        }
        std::string_view bytes(reinterpret_cast<const char*>(mapped->bytes().data()),
                               mapped->size());
        auto p = rpm::parseRpmFile(bytes);
        if (!p) {
          diag.warn(path, "malformed rpm package: " + p.error().describe());
          return;
        }
        Record r{std::move(*p), path, true, {}};
        if (const FileEntry* x = tree.find(path + "!"); x && x->type == EntryType::kDirectory)
          r.payloadDir = path + "!";
        fromFiles[i] = std::move(r);
      },
      4);
  for (auto& r : fromFiles)
    if (r) records.push_back(std::move(*r));
  if (records.empty()) return {};

  detail::OsRelease os = detail::readOsRelease(tree);
  Catalogue out;
  out.components.reserve(records.size());
  for (const auto& r : records) out.components.push_back(componentOf(r, os));
  out.dependencies = dependenciesOf(records, out.components, installed);
  return out;
}

}  // namespace tollgate::catalog
