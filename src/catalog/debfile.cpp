// The .deb file cataloger: every Debian package file in the tree (a download cache, an
// installer bundle, a release directory) becomes a component of the package itself, from the
// control paragraph of its control member (parsed with the dpkg parser). When an archive scan
// expanded it ("x.deb!/control.tar.xz!/control", "x.deb!/data.tar.xz!/usr/bin/x") the data
// member's files are its files and its DEP-5 copyright gives the licences; otherwise the control
// member is read in memory with libarchive and nothing is extracted. See docs/catalogers/deb.md.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <optional>

#include "archive_entry_data.h"
#include "tollgate/catalog/catalog.h"
#include "tollgate/catalog/dpkg.h"
#include "tollgate/purl/purl.h"
#include "tollgate/sbom/license.h"
#include "tollgate/util/c_handle.h"
#include "tollgate/util/mapped_file.h"
#include "tollgate/util/parallel.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog {
namespace {

using Archive = CHandle<struct archive, &archive_read_free>;

constexpr std::uint64_t kMaxControlMember = 64ull << 20;  // control.tar.* read into memory
constexpr std::uint64_t kMaxControlFile = 1ull << 20;
constexpr std::uint64_t kMaxCopyright = 16ull << 20;
// Member names dpkg-deb writes (and accepts): uncompressed, gzip, xz, zstd, bzip2, lzma.
constexpr std::array<std::string_view, 6> kTarSuffixes = {"",     ".gz",  ".xz",
                                                          ".zst", ".bz2", ".lzma"};

// apt's download cache holds copies of (mostly installed) packages the dpkg database already
// lists; cataloguing them again would list every package twice.
constexpr std::string_view kAptCache = "/var/cache/apt/archives/";

bool isDebName(std::string_view p) {
  std::string lower = toLower(p.substr(p.size() > 6 ? p.size() - 6 : 0));
  return lower.ends_with(".deb") || lower.ends_with(".udeb") || lower.ends_with(".ddeb");
}

std::string archiveError(struct archive* a) {
  const char* m = archive_error_string(a);
  return m ? m : "unknown error";
}

// The control file of a .deb held in `bytes`: ar member control.tar[.*], then its ./control.
Result<std::string> controlInMemory(std::string_view bytes) {
  Archive ar(archive_read_new());
  if (!ar) return fail(ErrorCode::kInternal, "archive_read_new failed");
  archive_read_support_format_ar(ar.get());
  if (archive_read_open_memory(ar.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
    return fail(ErrorCode::kInvalidInput, "not an ar archive: " + archiveError(ar.get()));
  archive_entry* e = nullptr;
  bool sawBinary = false;
  for (;;) {
    int r = archive_read_next_header(ar.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN)
      return fail(ErrorCode::kInvalidInput, "damaged ar archive: " + archiveError(ar.get()));
    std::string_view name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    if (name == "debian-binary") {
      sawBinary = true;
      continue;
    }
    if (!name.starts_with("control.tar")) continue;
    if (!sawBinary)
      return fail(ErrorCode::kInvalidInput, "control member before debian-binary: not a .deb");
    auto member = detail::readEntryData(ar.get(), kMaxControlMember);
    if (!member)
      return fail(ErrorCode::kInvalidInput, std::string(name) + " unreadable or too large");
    Archive tar(archive_read_new());
    if (!tar) return fail(ErrorCode::kInternal, "archive_read_new failed");
    archive_read_support_filter_all(tar.get());
    archive_read_support_format_tar(tar.get());
    if (archive_read_open_memory(tar.get(), member->data(), member->size()) != ARCHIVE_OK)
      return fail(ErrorCode::kInvalidInput,
                  std::string(name) + " is not a tar archive: " + archiveError(tar.get()));
    for (;;) {
      int t = archive_read_next_header(tar.get(), &e);
      if (t == ARCHIVE_EOF) break;
      if (t < ARCHIVE_WARN)
        return fail(ErrorCode::kInvalidInput,
                    "damaged " + std::string(name) + ": " + archiveError(tar.get()));
      std::string_view entry = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
      if (entry.starts_with("./")) entry.remove_prefix(2);
      if (entry != "control" || archive_entry_filetype(e) != AE_IFREG) continue;
      auto text = detail::readEntryData(tar.get(), kMaxControlFile);
      if (!text) return fail(ErrorCode::kInvalidInput, "control file unreadable or too large");
      return std::move(*text);
    }
    return fail(ErrorCode::kInvalidInput, std::string(name) + " has no control file");
  }
  return fail(ErrorCode::kInvalidInput, "no control member: not a .deb");
}

struct DebFile {
  std::string path;
  std::optional<dpkg::Package> pkg;
  std::string controlPath;  // in-root control file, when read from the expanded tree
  std::string dataDir;      // "x.deb!/data.tar.xz!" when the data member was expanded
  std::vector<Error> problems;
};

// The expanded member directory "<dir>/<base>.tar[.ext]!" that exists in the tree, or "".
// `dir` is the expanded package ("x.deb!"), or "" when the scanned root is the package itself.
std::string expandedMember(const FileTree& tree, const std::string& dir, std::string_view base) {
  for (std::string_view ext : kTarSuffixes) {
    std::string member = dir + "/" + std::string(base) + ".tar" + std::string(ext) + "!";
    if (const FileEntry* e = tree.find(member); e && e->type == EntryType::kDirectory)
      return member;
  }
  return {};
}

void parseControl(const std::string& control, const std::string& label, DebFile& d) {
  dpkg::DpkgStatus st = dpkg::parseDpkgStatus(control, label, /*statusOptional=*/true);
  for (auto& w : st.warnings) d.problems.push_back(std::move(w));
  if (st.packages.size() != 1) {
    if (st.warnings.empty())
      d.problems.push_back(
          Error{ErrorCode::kInvalidInput,
                "control file holds " + std::to_string(st.packages.size()) + " packages, not one",
                label});
    return;
  }
  d.pkg = std::move(st.packages.front());
}

// The control file from an expanded control member, if there is one.
std::optional<std::string> expandedControl(const FileTree& tree, const std::string& dir,
                                           DebFile& d) {
  std::string cdir = expandedMember(tree, dir, "control");
  if (cdir.empty()) return std::nullopt;
  std::string cpath = cdir + "/control";
  const FileEntry* c = tree.find(cpath);
  if (!c || c->type != EntryType::kRegular) return std::nullopt;
  auto text = tree.root().readFile(cpath, kMaxControlFile);
  if (!text) {
    d.problems.push_back(Error{ErrorCode::kIo, "cannot read: " + text.error().message, cpath});
    return std::nullopt;
  }
  d.controlPath = cpath;
  return std::move(*text);
}

DebFile readDeb(const FileTree& tree, const FileEntry& entry) {
  DebFile d;
  d.path = entry.path;
  auto problem = [&](std::string msg) {
    d.problems.push_back(Error{ErrorCode::kInvalidInput, std::move(msg), entry.path});
  };
  std::optional<std::string> control = expandedControl(tree, entry.path + "!", d);
  if (!control) {
    auto fd = tree.root().openFile(entry.path);
    if (!fd) {
      problem("cannot open: " + fd.error().message);
      return d;
    }
    auto mapped = MappedFile::open(fd->get(), entry.path);
    if (!mapped) {
      problem(mapped.error().message);
      return d;
    }
    auto text = controlInMemory(
        std::string_view(reinterpret_cast<const char*>(mapped->bytes().data()), mapped->size()));
    if (!text) {
      problem(text.error().message);
      return d;
    }
    control = std::move(*text);
  }
  parseControl(*control, d.controlPath.empty() ? entry.path + ": control" : d.controlPath, d);
  if (d.pkg) d.dataDir = expandedMember(tree, entry.path + "!", "data");
  return d;
}

// Debian packages found loose carry no distribution; a maintainer at ubuntu.com says Ubuntu.
std::string namespaceOf(const dpkg::Package& p) {
  return toLower(p.maintainer).find("ubuntu") != std::string::npos ? "ubuntu" : "debian";
}

std::vector<sbom::License> licensesOf(const FileTree& tree, const DebFile& d, Diagnostics& diag) {
  if (d.dataDir.empty()) return {};
  std::string path = d.dataDir + "/usr/share/doc/" + d.pkg->name + "/copyright";
  const FileEntry* e = tree.find(path);
  if (!e || e->type != EntryType::kRegular) return {};
  auto text = tree.root().readFile(path, kMaxCopyright);
  if (!text) return {};
  auto c = dpkg::parseCopyright(*text, path);
  if (!c) return {};  // free-form copyright text: no machine-readable licence
  if (!c->warnings.empty())
    diag.warn(path, std::to_string(c->warnings.size()) +
                        " malformed copyright paragraph(s) (first: " + c->warnings.front().message +
                        ")");
  std::vector<sbom::License> out;
  for (const auto& l : c->licenses) {
    sbom::License lic = sbom::normalizeLicense(l);
    if (std::find(out.begin(), out.end(), lic) == out.end()) out.push_back(std::move(lic));
  }
  return out;
}

}  // namespace

Catalogue catalogDebFiles(const FileTree& tree, Diagnostics& diag) {
  std::vector<const FileEntry*> debs;
  for (const FileEntry& e : tree.entries())
    if (e.type == EntryType::kRegular && e.size >= 8 && isDebName(e.path) &&
        !e.path.starts_with(kAptCache))
      debs.push_back(&e);
  // `tollgate sbom x.deb`: the scanned root is the expanded package itself.
  std::optional<DebFile> root;
  if (const FileEntry* b = tree.find("/debian-binary"); b && b->type == EntryType::kRegular) {
    DebFile d;
    d.path = "/";
    if (auto control = expandedControl(tree, "", d)) {
      parseControl(*control, d.controlPath, d);
      if (d.pkg) d.dataDir = expandedMember(tree, "", "data");
      root = std::move(d);
    }
  }
  if (debs.empty() && !root) return {};
  std::vector<DebFile> found(debs.size());
  parallelFor(debs.size(), defaultThreads(),
              [&](unsigned, std::size_t i) { found[i] = readDeb(tree, *debs[i]); });
  if (root) found.push_back(std::move(*root));

  Catalogue out;
  for (const DebFile& d : found) {
    if (!d.problems.empty()) {
      std::string msg = "not catalogued as a package: ";
      if (d.pkg) msg = "";
      msg += d.problems.front().message;
      if (d.problems.size() > 1) msg += " (and " + std::to_string(d.problems.size() - 1) + " more)";
      diag.warn(d.path, msg);
    }
    if (!d.pkg) continue;
    const dpkg::Package& p = *d.pkg;
    sbom::Component c;
    c.type = sbom::ComponentType::kLibrary;
    c.name = p.name;
    c.version = p.version;
    purl::PackageUrl u;
    u.type = "deb";
    u.ns = namespaceOf(p);
    u.name = p.name;
    u.version = p.version;
    if (!p.architecture.empty()) u.qualifiers["arch"] = p.architecture;
    if (auto built = purl::build(std::move(u))) c.purl = built->toString();
    bool isRoot = d.path == "/";
    c.bomRef = c.purl.empty() ? "deb:" + p.name + "@" + p.version : c.purl;
    if (!isRoot) c.bomRef += "#" + d.path;
    c.supplier = p.maintainer;
    c.description = p.description;
    c.sourceName = p.sourceName.empty() ? p.name : p.sourceName;
    c.sourceVersion = p.sourceVersion.empty() ? p.version : p.sourceVersion;
    c.foundBy = "dpkg";
    if (!isRoot) c.evidencePaths.push_back(d.path);
    if (!d.controlPath.empty()) c.evidencePaths.push_back(d.controlPath);
    if (!isRoot) c.properties["tollgate:deb:package-file"] = d.path;
    if (!p.architecture.empty()) c.properties["tollgate:dpkg:arch"] = p.architecture;
    if (!p.multiArch.empty()) c.properties["tollgate:dpkg:multi-arch"] = p.multiArch;
    if (!p.installedSize.empty()) c.properties["tollgate:dpkg:installed-size"] = p.installedSize;
    if (!p.homepage.empty()) c.properties["tollgate:dpkg:homepage"] = p.homepage;
    if (!p.depends.empty()) c.properties["tollgate:deb:depends"] = p.depends;
    if (!d.dataDir.empty()) {
      // The member's files, not what nested archives inside it were expanded to.
      for (const FileEntry& f : tree.under(d.dataDir))
        if (f.type != EntryType::kDirectory &&
            f.path.find("!/", d.dataDir.size()) == std::string::npos)
          c.files.push_back(sbom::FileRef{f.path, {}});
      c.licenses = licensesOf(tree, d, diag);
    }
    out.components.push_back(std::move(c));
  }
  return out;
}

}  // namespace tollgate::catalog
