#include "tollgate/integrity/verify.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

#include "tollgate/catalog/dpkg.h"
#include "tollgate/catalog/python.h"
#include "tollgate/catalog/rpm.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/openssl.h"
#include "tollgate/util/parallel.h"
#include "tollgate/util/strings.h"
#include "tollgate/util/walk.h"

namespace tollgate::integrity {
namespace {

using report::Finding;
using report::Severity;

// One recorded digest to compare with the file on disk.
struct Expect {
  std::string path;       // in-root, as recorded
  std::string algorithm;  // OpenSSL name: "md5", "sha256", ...
  std::string digest;     // lower-case hex
  std::string owner;      // "dpkg:coreutils", "rpm:bash", "python:requests"
  bool conffile = false;
};

std::string evpName(std::string_view a) {
  std::string l = toLower(a);
  if (l == "sha-256" || l == "sha256") return "sha256";
  if (l == "sha-1" || l == "sha1") return "sha1";
  if (l == "sha-384" || l == "sha384") return "sha384";
  if (l == "sha-512" || l == "sha512") return "sha512";
  if (l == "md5") return "md5";
  return {};
}

Result<std::string> digestFile(const RootDir& root, const std::string& inRoot,
                               const std::string& algorithm, std::span<std::byte> buf) {
  auto fd = root.openFile(inRoot);
  if (!fd) return std::unexpected(fd.error());
  const EVP_MD* md = EVP_get_digestbyname(algorithm.c_str());
  if (!md) return fail(ErrorCode::kUnsupported, "unknown digest " + algorithm);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1)
    return fail(ErrorCode::kInternal, "EVP_DigestInit failed");
  for (;;) {
    ssize_t n = ::read(fd->get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return fail(ErrorCode::kIo, std::string("read error: ") + std::strerror(errno), inRoot);
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n));
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), out, &len);
  return toHex(std::span<const std::uint8_t>(out, len));
}

bool isDocPath(std::string_view p) {
  for (std::string_view d : {"/usr/share/doc/", "/usr/share/man/", "/usr/share/info/",
                             "/usr/share/locale/", "/usr/share/lintian/"})
    if (p.starts_with(d)) return true;
  return false;
}

// dpkg: info/*.md5sums, info/*.list (ownership), status Conffiles.
void readDpkg(const RootDir& root, const std::vector<FileEntry>& entries, std::vector<Expect>& out,
              std::set<std::string>& owned, InstalledCheck& check, Diagnostics& diag) {
  auto status = root.readFile("/var/lib/dpkg/status");
  if (!status) return;
  check.sources.push_back("dpkg");
  auto parsed = catalog::dpkg::parseDeb822(*status, "/var/lib/dpkg/status");
  for (const auto& w : parsed.warnings) diag.warn(w);
  for (const auto& p : parsed.paragraphs) {
    std::string name = p.firstLine("Package");
    std::string st = p.firstLine("Status");
    if (name.empty() || !st.ends_with(" installed")) continue;
    ++check.packages;
    auto conf = p.raw("Conffiles");
    if (!conf) continue;
    for (auto line : split(*conf, '\n')) {
      line = trim(line);
      if (line.empty()) continue;
      auto sp = line.find(' ');
      if (sp == std::string_view::npos) continue;
      std::string path(line.substr(0, sp));
      std::string_view rest = trim(line.substr(sp + 1));
      std::string md5(rest.substr(0, rest.find(' ')));
      if (rest.find("obsolete") != std::string_view::npos || md5 == "newconffile") continue;
      owned.insert(path);
      out.push_back({path, "md5", md5, "dpkg:" + name, true});
    }
  }
  for (const auto& e : entries) {
    if (e.type != EntryType::kRegular || !e.path.starts_with("/var/lib/dpkg/info/")) continue;
    bool md5s = e.path.ends_with(".md5sums");
    bool list = e.path.ends_with(".list");
    if (!md5s && !list) continue;
    std::string pkg = e.path.substr(19, e.path.rfind('.') - 19);
    if (auto c = pkg.find(':'); c != std::string::npos) pkg.resize(c);  // libc6:amd64
    auto text = root.readFile(e.path);
    if (!text) {
      diag.warn(text.error());
      continue;
    }
    for (auto line : split(*text, '\n')) {
      if (line.empty()) continue;
      if (list) {
        owned.insert(std::string(line));
        continue;
      }
      // "<32 hex>  <path relative to />"
      if (line.size() < 35 || line[32] != ' ') {
        diag.warn(e.path, "malformed md5sums line");
        continue;
      }
      std::string path = "/" + std::string(trim(line.substr(33)));
      out.push_back({path, "md5", std::string(line.substr(0, 32)), "dpkg:" + pkg, false});
    }
  }
}

// Python: RECORD of every *.dist-info under site-packages or dist-packages.
void readPython(const RootDir& root, const std::vector<FileEntry>& entries,
                std::vector<Expect>& out, std::set<std::string>& owned, InstalledCheck& check,
                Diagnostics& diag) {
  bool any = false;
  for (const auto& e : entries) {
    if (e.type != EntryType::kRegular || !e.path.ends_with(".dist-info/RECORD")) continue;
    std::string distInfo = e.path.substr(0, e.path.size() - 7);
    std::string site = distInfo.substr(0, distInfo.rfind('/'));
    if (!site.ends_with("-packages")) continue;
    auto text = root.readFile(e.path);
    if (!text) {
      diag.warn(text.error());
      continue;
    }
    auto parsed = catalog::python::parseRecord(*text);
    if (!parsed) {
      diag.warn(parsed.error().within(e.path));
      continue;
    }
    const auto& rec = *parsed;
    std::string name = distInfo.substr(distInfo.rfind('/') + 1);
    name = name.substr(0, name.find('-'));
    any = true;
    ++check.packages;
    for (const auto& r : rec) {
      std::string path = r.path.starts_with('/') ? r.path : site + "/" + r.path;
      // "../../../bin/tool" entries: normalise lexically inside the root.
      std::vector<std::string> parts;
      for (auto part : split(path, '/')) {
        if (part.empty() || part == ".") continue;
        if (part == "..") {
          if (!parts.empty()) parts.pop_back();
          continue;
        }
        parts.emplace_back(part);
      }
      path.clear();
      for (const auto& p : parts) path += "/" + p;
      owned.insert(path);
      std::string alg = evpName(r.hashAlgorithm);
      if (alg.empty() || r.hashHex.empty()) continue;
      out.push_back({path, alg, r.hashHex, "python:" + name, false});
    }
  }
  if (any) check.sources.push_back("python");
}

// rpm: the database's file digests.
void readRpm(const RootDir& root, std::vector<Expect>& out, std::set<std::string>& owned,
             InstalledCheck& check, Diagnostics& diag) {
  std::vector<std::string> blobs;
  for (const char* db : {"/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite"}) {
    if (!root.resolve(db)) continue;
    std::string host = root.hostPath(*root.resolve(db)).string();
    sqlite3* h = nullptr;
    std::string uri = "file:" + host + "?immutable=1";
    if (sqlite3_open_v2(uri.c_str(), &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr) !=
        SQLITE_OK) {
      diag.warn(db, std::string("cannot open: ") + (h ? sqlite3_errmsg(h) : "sqlite"));
      sqlite3_close_v2(h);
      continue;
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(h, "SELECT blob FROM Packages", -1, &st, nullptr) == SQLITE_OK) {
      while (sqlite3_step(st) == SQLITE_ROW) {
        const void* b = sqlite3_column_blob(st, 0);
        int n = sqlite3_column_bytes(st, 0);
        if (b && n > 0)
          blobs.emplace_back(static_cast<const char*>(b), static_cast<std::size_t>(n));
      }
    } else {
      diag.warn(db, std::string("not an rpm database: ") + sqlite3_errmsg(h));
    }
    sqlite3_finalize(st);
    sqlite3_close_v2(h);
    break;
  }
  if (blobs.empty()) {
    for (const char* db : {"/var/lib/rpm/Packages", "/var/lib/rpm/Packages.db"}) {
      auto text = root.readFile(db, 2ull << 30);
      if (!text) continue;
      auto recs = std::string_view(db).ends_with(".db") ? catalog::rpm::readNdbPackages(*text, db)
                                                        : catalog::rpm::readBdbPackages(*text, db);
      if (!recs) {
        diag.warn(recs.error());
        continue;
      }
      for (auto& r : recs->records) blobs.push_back(std::move(r.blob));
      break;
    }
  }
  if (blobs.empty()) return;
  check.sources.push_back("rpm");
  for (const auto& b : blobs) {
    auto pkg = catalog::rpm::parseHeaderBlob(b);
    if (!pkg) {
      diag.warn(pkg.error());
      continue;
    }
    if (pkg->name == "gpg-pubkey") continue;
    ++check.packages;
    std::string alg = evpName(pkg->digestAlgorithm);
    for (const auto& f : pkg->files) {
      owned.insert(f.path);
      if (f.digest.empty() || alg.empty() || (f.flags & 64) /* ghost */) continue;
      out.push_back({f.path, alg, f.digest, "rpm:" + pkg->name, (f.flags & 1) != 0});
    }
  }
}

}  // namespace

Result<InstalledCheck> verifyInstalled(const RootDir& root, const VerifyOptions& opts,
                                       Diagnostics& diag) {
  InstalledCheck check;
  unsigned threads = opts.threads ? opts.threads : defaultThreads();
  WalkOptions wo;
  wo.threads = threads;
  wo.excludes = {"/proc", "/sys", "/dev", "/run", "/tmp", "/home", "/root"};
  wo.progress = opts.progress;
  if (opts.progress) opts.progress->setPhase("walking");
  auto entries = walkTree(root, wo, diag);
  if (!entries) return std::unexpected(entries.error());

  std::vector<Expect> expects;
  std::set<std::string> owned;
  readDpkg(root, *entries, expects, owned, check, diag);
  readRpm(root, expects, owned, check, diag);
  readPython(root, *entries, expects, owned, check, diag);

  std::mutex mu;
  std::vector<std::unique_ptr<std::byte[]>> bufs(threads);
  constexpr std::size_t kBuf = 1 << 20;
  if (opts.progress) opts.progress->setPhase("verifying", expects.size());
  parallelFor(expects.size(), threads, [&](unsigned w, std::size_t i) {
    if (opts.progress) opts.progress->tick();
    const Expect& e = expects[i];
    if (!bufs[w]) bufs[w] = std::make_unique<std::byte[]>(kBuf);
    auto d = digestFile(root, e.path, e.algorithm, std::span(bufs[w].get(), kBuf));
    std::string subject = e.path;
    Finding f;
    f.subject = subject;
    f.locations.push_back(subject.substr(1));
    f.evidence = {{"owner", e.owner}, {"algorithm", e.algorithm}, {"expected", e.digest}};
    if (!d) {
      if (d.error().code != ErrorCode::kNotFound) {
        diag.warn(d.error().within(e.path));
        return;
      }
      f.id = e.conffile ? "conffile-missing" : "package-file-missing";
      f.severity = e.conffile || isDocPath(e.path) ? Severity::kLow : Severity::kMedium;
      f.message = e.path + " (" + e.owner + ") is missing";
    } else if (*d != e.digest) {
      f.evidence["actual"] = *d;
      if (e.conffile) {
        f.id = "conffile-modified";
        f.severity = Severity::kInfo;
        f.message = e.path + " (" + e.owner + ") was edited (configuration file)";
      } else {
        f.id = "package-file-modified";
        f.severity = isDocPath(e.path) ? Severity::kLow : Severity::kHigh;
        f.message = e.path + " (" + e.owner + ") differs from its package record";
      }
    } else {
      std::lock_guard lock(mu);
      ++check.filesChecked;
      return;
    }
    std::lock_guard lock(mu);
    ++check.filesChecked;
    check.findings.push_back(std::move(f));
  });

  if (opts.unowned && !check.sources.empty()) {
    // Owned paths as they resolve: "/bin/ls" in a list is "/usr/bin/ls" on a merged-/usr system.
    std::map<std::string, std::string> dirCache;
    std::set<std::string> ownedResolved;
    for (const auto& p : owned) {
      auto slash = p.rfind('/');
      std::string dir = p.substr(0, slash);
      auto it = dirCache.find(dir);
      if (it == dirCache.end()) {
        auto r = root.resolve(dir.empty() ? "/" : dir);
        it = dirCache.emplace(dir, r ? (*r == "/" ? "" : *r) : dir).first;
      }
      ownedResolved.insert(it->second + p.substr(slash));
    }
    for (const auto& e : *entries) {
      if (e.type != EntryType::kRegular) continue;
      bool inSystem = false;
      for (const auto& sp : opts.systemPaths)
        if (e.path.starts_with(sp + "/")) inSystem = true;
      if (!inSystem || ownedResolved.contains(e.path) || owned.contains(e.path)) continue;
      bool lib = e.path.ends_with(".so") || e.path.find(".so.") != std::string::npos;
      if (!e.isExecutable() && !lib) continue;
      // Python bytecode caches and similar derived files are not programs.
      if (e.path.ends_with(".pyc")) continue;
      Finding f;
      f.id = "unowned-executable";
      f.severity = Severity::kHigh;
      f.subject = e.path;
      f.locations.push_back(e.path.substr(1));
      f.message = e.path + " is an executable no installed package owns";
      f.evidence = {{"mode", e.mode & 07777}, {"size", e.size}};
      check.findings.push_back(std::move(f));
    }
  }
  std::sort(check.findings.begin(), check.findings.end(), [](const Finding& a, const Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    return a.subject != b.subject ? a.subject < b.subject : a.id < b.id;
  });
  return check;
}

}  // namespace tollgate::integrity
