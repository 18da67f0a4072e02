// The dpkg cataloger: Debian packages from var/lib/dpkg/status (or distroless status.d/), their
// files from info/*.list (or status.d/*.md5sums), their licences from DEP-5 copyright files and
// the dependency graph from Depends / Pre-Depends. See docs/catalogers/dpkg.md.
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "os_release.h"
#include "tollgate/catalog/catalog.h"
#include "tollgate/catalog/dpkg.h"
#include "tollgate/purl/purl.h"
#include "tollgate/sbom/license.h"
#include "tollgate/util/parallel.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog {
namespace {

constexpr std::string_view kStatusPath = "/var/lib/dpkg/status";
constexpr std::string_view kStatusDir = "/var/lib/dpkg/status.d";
constexpr std::string_view kUpdatesDir = "/var/lib/dpkg/updates";
constexpr std::string_view kInfoDir = "/var/lib/dpkg/info/";

struct Distro {
  std::string id = "debian";  // purl namespace
  std::string versionId;      // "12"; empty when unknown
};

// ID and VERSION_ID of os-release(5), read through the root; Debian when it names none.
Distro readDistro(const FileTree& tree) {
  auto os = detail::readOsRelease(tree);
  Distro d;
  if (!os.id.empty()) d.id = os.id;
  d.versionId = os.versionId;
  return d;
}

// One warning per file, however many problems it has.
void warnFile(Diagnostics& diag, const std::string& path, const std::vector<Error>& problems,
              std::string_view what) {
  if (problems.empty()) return;
  std::string msg = problems.size() == 1
                        ? std::string(what) + " skipped: " + problems[0].message
                        : std::to_string(problems.size()) + " " + std::string(what) +
                              "s skipped (first: " + problems[0].message + ")";
  diag.warn(path, std::move(msg));
}

struct Record {
  dpkg::Package pkg;
  std::string evidence;  // in-root status file the package came from
  std::string md5sums;   // distroless: status.d/<file>.md5sums, the package's file list
};

const FileEntry* regularFile(const FileTree& tree, std::string_view path) {
  const FileEntry* e = tree.findResolved(path);
  return e && e->type == EntryType::kRegular ? e : nullptr;
}

// Reads one status-like file; nullopt (after a warning) when it cannot be read.
std::optional<dpkg::DpkgStatus> readStatusFile(const FileTree& tree, const std::string& path,
                                               bool distroless, Diagnostics& diag) {
  auto text = tree.root().readFile(path, 256ull << 20);
  if (!text) {
    diag.warn(path, "cannot read dpkg status: " + text.error().message);
    return std::nullopt;
  }
  dpkg::DpkgStatus st = dpkg::parseDpkgStatus(*text, path, distroless);
  warnFile(diag, path, st.warnings, "malformed paragraph");
  return st;
}

std::string keyOf(const std::string& name, const std::string& arch) { return name + '\0' + arch; }

// The packages dpkg-query would list: the status file with the journal in updates/ applied
// (dpkg folds it in at its next run), then distroless status.d/ files. First record of a
// package wins between status and status.d; within the journal, later records replace earlier.
std::vector<Record> readDatabase(const FileTree& tree, Diagnostics& diag) {
  std::vector<Record> records;
  std::unordered_map<std::string, std::size_t> index;
  std::vector<bool> dead;
  auto put = [&](dpkg::Package&& p, const std::string& evidence, std::string md5sums,
                 bool replace) {
    std::string key = keyOf(p.name, p.architecture);
    auto it = index.find(key);
    if (it != index.end()) {
      if (replace) records[it->second] = Record{std::move(p), evidence, std::move(md5sums)};
      return;
    }
    index.emplace(std::move(key), records.size());
    records.push_back(Record{std::move(p), evidence, std::move(md5sums)});
    dead.push_back(false);
  };

  if (regularFile(tree, kStatusPath)) {
    if (auto st = readStatusFile(tree, std::string(kStatusPath), false, diag))
      for (auto& p : st->packages) put(std::move(p), std::string(kStatusPath), {}, true);
  }
  // The journal: files named by digits, applied in numeric order.
  std::vector<std::pair<unsigned long long, std::string>> journal;
  for (const FileEntry& e : tree.under(kUpdatesDir)) {
    std::string_view name = std::string_view(e.path).substr(kUpdatesDir.size() + 1);
    if (e.type != EntryType::kRegular || name.empty() || name.size() > 18 ||
        name.find_first_not_of("0123456789") != std::string_view::npos)
      continue;
    journal.emplace_back(std::stoull(std::string(name)), e.path);
  }
  std::sort(journal.begin(), journal.end());
  for (const auto& [n, path] : journal) {
    auto st = readStatusFile(tree, path, false, diag);
    if (!st) continue;
    for (const auto& [name, arch] : st->notInstalled) {
      for (auto it = index.begin(); it != index.end();) {
        const auto& p = records[it->second].pkg;
        if (p.name == name && (arch.empty() || p.architecture == arch)) {
          dead[it->second] = true;
          it = index.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& p : st->packages) put(std::move(p), path, {}, true);
  }
  // Distroless images: one status file per package in status.d/, file lists in *.md5sums.
  for (const FileEntry& e : tree.under(kStatusDir)) {
    if (e.type != EntryType::kRegular || e.path.ends_with(".md5sums")) continue;
    if (e.path.find('/', kStatusDir.size() + 1) != std::string::npos) continue;  // nested
    auto st = readStatusFile(tree, e.path, true, diag);
    if (!st) continue;
    std::string md5 = e.path + ".md5sums";
    bool haveMd5 = tree.find(md5) != nullptr;
    // A status.d file normally holds one package; its md5sums belong to that one.
    std::size_t n = st->packages.size();
    for (auto& p : st->packages) {
      bool own = haveMd5 && (n == 1 || e.path.ends_with("/" + p.name));
      put(std::move(p), e.path, own ? md5 : std::string(), false);
    }
  }
  std::vector<Record> live;
  live.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i)
    if (!dead[i]) live.push_back(std::move(records[i]));
  return live;
}

// Resolves in-root directories through symlinks (merged /usr: /bin -> usr/bin), memoised.
class DirResolver {
 public:
  explicit DirResolver(const RootDir& root) : root_(root) {}
  // The canonical path of directory `dir`, or "" when it does not resolve.
  const std::string& resolve(const std::string& dir) {
    auto it = cache_.find(dir);
    if (it != cache_.end()) return it->second;
    auto r = root_.resolve(dir);
    return cache_.emplace(dir, r ? std::move(*r) : std::string()).first->second;
  }

 private:
  const RootDir& root_;
  std::unordered_map<std::string, std::string> cache_;
};

std::string parentOf(std::string_view p) {
  auto slash = p.rfind('/');
  if (slash == 0 || slash == std::string_view::npos) return "/";
  return std::string(p.substr(0, slash));
}

// Every ancestor directory of the listed paths of all packages.
std::unordered_set<std::string> ancestorsOf(const std::vector<std::vector<std::string>>& lists) {
  std::unordered_set<std::string> out;
  for (const auto& list : lists)
    for (const auto& p : list)
      for (std::string dir = parentOf(p); out.insert(dir).second && dir != "/";)
        dir = parentOf(dir);
  return out;
}

// The non-directory entries among the paths a package lists, as listed. A path is a directory
// when a path listed by any package lies below it: on merged-/usr roots base-files lists "/bin"
// (a directory in the package) and the root has a symlink /bin -> usr/bin, yet coreutils' /bin/ls
// shows that dpkg treats it as a directory. Otherwise the tree decides, directly or through
// symlinked parent directories; a symlink the package ships stays a file even when it points to
// a directory.
std::vector<sbom::FileRef> ownedFiles(const FileTree& tree, std::vector<std::string> paths,
                                      const std::unordered_set<std::string>& directories,
                                      DirResolver& dirs) {
  std::vector<sbom::FileRef> out;
  for (auto& p : paths) {
    if (directories.contains(p)) continue;
    if (const FileEntry* e = tree.find(p)) {
      if (e->type == EntryType::kDirectory) continue;
    } else {
      const std::string& dir = dirs.resolve(parentOf(p));
      if (!dir.empty()) {
        std::string real = dir == "/" ? dir : dir + "/";
        real += p.substr(p.rfind('/') + 1);
        if (const FileEntry* r = tree.find(real); r && r->type == EntryType::kDirectory) continue;
      }
    }
    out.push_back(sbom::FileRef{std::move(p), {}});
  }
  return out;
}

// Lines of a .list file: absolute paths. Anything else is reported once and skipped.
std::vector<std::string> parseList(std::string_view text, const std::string& path,
                                   Diagnostics& diag) {
  std::vector<std::string> out;
  std::size_t bad = 0;
  std::size_t firstBad = 0;
  std::size_t lineNo = 0;
  for (std::string_view line : split(text, '\n')) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.front() != '/' || line.find('\0') != std::string_view::npos) {
      if (bad++ == 0) firstBad = lineNo;
      continue;
    }
    if (line == "/." || line.ends_with("/.") || line.ends_with("/..")) continue;
    out.emplace_back(line);
  }
  if (bad)
    diag.warn(path, std::to_string(bad) + " malformed line" + (bad > 1 ? "s" : "") +
                        " skipped (first at line " + std::to_string(firstBad) +
                        ": not an absolute path)");
  return out;
}

// Lines of an md5sums file: "<32 hex digits>  <path relative to />".
std::vector<std::string> parseMd5sums(std::string_view text, const std::string& path,
                                      Diagnostics& diag) {
  std::vector<std::string> out;
  std::size_t bad = 0;
  std::size_t firstBad = 0;
  std::size_t lineNo = 0;
  for (std::string_view line : split(text, '\n')) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    bool ok = line.size() > 34 && line[32] == ' ' &&
              std::all_of(line.begin(), line.begin() + 32, [](char c) {
                return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
              });
    std::string_view p = ok ? line.substr(33) : std::string_view{};
    if (!p.empty() && (p.front() == ' ' || p.front() == '*')) p.remove_prefix(1);
    if (!ok || p.empty() || p.find('\0') != std::string_view::npos) {
      if (bad++ == 0) firstBad = lineNo;
      continue;
    }
    out.push_back(p.front() == '/' ? std::string(p) : "/" + std::string(p));
  }
  if (bad)
    diag.warn(path, std::to_string(bad) + " malformed line" + (bad > 1 ? "s" : "") +
                        " skipped (first at line " + std::to_string(firstBad) + ")");
  return out;
}

// The licences of a package from its DEP-5 copyright file, each distinct short name normalised
// on its own: one License entry per licence found (they all apply to parts of the package).
std::vector<sbom::License> licensesOf(const FileTree& tree, const std::string& name,
                                      Diagnostics& diag) {
  std::string docDir = "/usr/share/doc/" + name;
  std::string path = docDir + "/copyright";
  // Most packages have a plain file; a symlinked doc directory (libfoo-dev -> libfoo1) is
  // resolved; no copyright at all is normal.
  const FileEntry* e = tree.find(path);
  if (!e) {
    const FileEntry* d = tree.find(docDir);
    if (!d || d->type != EntryType::kSymlink) return {};
  } else if (e->type == EntryType::kDirectory) {
    return {};
  }
  auto text = tree.root().readFile(path, 16ull << 20);
  if (!text) {
    if (text.error().code != ErrorCode::kNotFound)
      diag.warn(path, "cannot read copyright: " + text.error().message);
    return {};
  }
  auto c = dpkg::parseCopyright(*text, path);
  if (!c) return {};  // free-form copyright file: no machine-readable licence
  warnFile(diag, path, c->warnings, "malformed paragraph");
  std::vector<sbom::License> out;
  for (const auto& short_name : c->licenses) {
    sbom::License l = sbom::normalizeLicense(short_name);
    if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(std::move(l));
  }
  return out;
}

std::string purlOf(const dpkg::Package& p, const Distro& d) {
  purl::PackageUrl u;
  u.type = "deb";
  u.ns = d.id;
  u.name = p.name;
  u.version = p.version;
  if (!p.architecture.empty()) u.qualifiers["arch"] = p.architecture;
  if (!d.versionId.empty()) u.qualifiers["distro"] = d.id + "-" + d.versionId;
  auto built = purl::build(std::move(u));
  return built ? built->toString() : std::string();
}

// Which installed package satisfies a dependency, given the dependent's architecture.
class Resolver {
 public:
  Resolver(const std::vector<Record>& records, Diagnostics& diag) : records_(records) {
    for (std::size_t i = 0; i < records.size(); ++i) {
      const auto& p = records[i].pkg;
      byName_[p.name].push_back(i);
      if (p.name == "dpkg") native_ = p.architecture;
      if (p.provides.empty()) continue;
      auto prov = dpkg::parseRelations(p.provides);
      if (!prov) {
        diag.warn(records[i].evidence,
                  "package " + p.name + ": malformed Provides: " + prov.error().message);
        continue;
      }
      for (const auto& alts : *prov)
        for (const auto& r : alts) providers_[r.name].push_back(i);
    }
  }

  // Index of the record satisfying `r` for a dependent of architecture `arch`, or -1.
  [[nodiscard]] long find(const dpkg::Relation& r, const std::string& arch) const {
    if (long i = pick(byName_, r, arch); i >= 0) return i;
    return pick(providers_, r, arch);
  }

 private:
  long pick(const std::unordered_map<std::string, std::vector<std::size_t>>& index,
            const dpkg::Relation& r, const std::string& arch) const {
    auto it = index.find(r.name);
    if (it == index.end()) return -1;
    const auto& cands = it->second;
    auto first = [&](auto pred) -> long {
      for (std::size_t i : cands)
        if (pred(records_[i].pkg)) return static_cast<long>(i);
      return -1;
    };
    if (r.arch == "any") {
      if (long i = first([&](const dpkg::Package& p) { return p.architecture == arch; }); i >= 0)
        return i;
      return static_cast<long>(cands.front());
    }
    if (!r.arch.empty()) {
      const std::string& want = r.arch == "native" ? native_ : r.arch;
      return first([&](const dpkg::Package& p) {
        return p.architecture == want || p.architecture == "all";
      });
    }
    // Unqualified: same architecture, then "all", then a Multi-Arch: foreign package of any
    // architecture; an "all" dependent takes whatever is installed.
    if (long i = first([&](const dpkg::Package& p) { return p.architecture == arch; }); i >= 0)
      return i;
    if (long i = first([](const dpkg::Package& p) { return p.architecture == "all"; }); i >= 0)
      return i;
    if (long i = first([](const dpkg::Package& p) { return p.multiArch == "foreign"; }); i >= 0)
      return i;
    if (arch == "all" || arch.empty()) return static_cast<long>(cands.front());
    return -1;
  }

  const std::vector<Record>& records_;
  std::unordered_map<std::string, std::vector<std::size_t>> byName_;
  std::unordered_map<std::string, std::vector<std::size_t>> providers_;
  std::string native_;
};

}  // namespace

Catalogue catalogDpkg(const FileTree& tree, Diagnostics& diag) {
  std::vector<Record> records = readDatabase(tree, diag);
  if (records.empty()) return {};

  Distro distro = readDistro(tree);
  Catalogue out;
  out.components.resize(records.size());

  // Per package: metadata, file list and copyright, read in parallel (small files each); then
  // the listed paths reduced to the package's non-directories.
  unsigned threads = defaultThreads();
  std::vector<std::vector<std::string>> listed(records.size());
  parallelFor(
      records.size(), threads,
      [&](unsigned, std::size_t i) {
        const Record& rec = records[i];
        const dpkg::Package& p = rec.pkg;
        sbom::Component& c = out.components[i];
        c.type = sbom::ComponentType::kLibrary;
        c.name = p.name;
        c.version = p.version;
        c.purl = purlOf(p, distro);
        c.bomRef = !c.purl.empty() ? c.purl
                                   : "dpkg:" + p.name + (p.architecture.empty() ? "" : ":") +
                                         p.architecture + "@" + p.version;
        c.supplier = p.maintainer;
        c.description = p.description;
        c.sourceName = p.sourceName.empty() ? p.name : p.sourceName;
        c.sourceVersion = p.sourceVersion.empty() ? p.version : p.sourceVersion;
        c.foundBy = "dpkg";
        c.evidencePaths.push_back(rec.evidence);
        if (!p.architecture.empty()) c.properties["tollgate:dpkg:arch"] = p.architecture;
        if (!p.multiArch.empty()) c.properties["tollgate:dpkg:multi-arch"] = p.multiArch;
        if (!p.installedSize.empty())
          c.properties["tollgate:dpkg:installed-size"] = p.installedSize;
        if (!p.homepage.empty()) c.properties["tollgate:dpkg:homepage"] = p.homepage;
        c.properties["tollgate:dpkg:status"] = p.want + " " + p.flag + " " + p.state;

        std::string listPath;
        std::vector<std::string> paths;
        if (!rec.md5sums.empty()) {
          listPath = rec.md5sums;
          if (auto text = tree.root().readFile(listPath, 256ull << 20))
            paths = parseMd5sums(*text, listPath, diag);
          else
            diag.warn(listPath, "cannot read: " + text.error().message);
        } else {
          std::string base = std::string(kInfoDir) + p.name;
          std::string qualified = base + ":" + p.architecture + ".list";
          std::string plain = base + ".list";
          if (!p.architecture.empty() && tree.find(qualified))
            listPath = qualified;
          else if (tree.find(plain))
            listPath = plain;
          if (!listPath.empty()) {
            if (auto text = tree.root().readFile(listPath, 256ull << 20))
              paths = parseList(*text, listPath, diag);
            else
              diag.warn(listPath, "cannot read: " + text.error().message);
          }
        }
        if (!listPath.empty()) c.properties["tollgate:dpkg:file-list"] = listPath;
        listed[i] = std::move(paths);
        c.licenses = licensesOf(tree, p.name, diag);
      },
      4);
  std::unordered_set<std::string> directories = ancestorsOf(listed);
  std::vector<std::unique_ptr<DirResolver>> resolvers(threads);
  parallelFor(
      records.size(), threads,
      [&](unsigned worker, std::size_t i) {
        auto& resolver = resolvers[worker];
        if (!resolver) resolver = std::make_unique<DirResolver>(tree.root());
        out.components[i].files = ownedFiles(tree, std::move(listed[i]), directories, *resolver);
      },
      4);

  // Dependencies: Pre-Depends and Depends, each group to the first alternative installed.
  Resolver resolver(records, diag);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const dpkg::Package& p = records[i].pkg;
    std::vector<std::string> to;
    for (const std::string* field : {&p.preDepends, &p.depends}) {
      if (field->empty()) continue;
      auto groups = dpkg::parseRelations(*field);
      if (!groups) {
        diag.warn(records[i].evidence, "package " + p.name + ": malformed " +
                                           (field == &p.depends ? "Depends" : "Pre-Depends") +
                                           ": " + groups.error().message);
        continue;
      }
      for (const auto& alts : *groups) {
        for (const auto& r : alts) {
          long j = resolver.find(r, p.architecture);
          if (j < 0) continue;
          if (static_cast<std::size_t>(j) != i) to.push_back(out.components[j].bomRef);
          break;
        }
      }
    }
    std::sort(to.begin(), to.end());
    to.erase(std::unique(to.begin(), to.end()), to.end());
    if (!to.empty()) out.dependencies.push_back(sbom::Dependency{out.components[i].bomRef, to});
  }
  return out;
}

}  // namespace tollgate::catalog
