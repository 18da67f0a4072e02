// The apk cataloger: Alpine (and Wolfi, Chainguard, postmarketOS) packages from
// lib/apk/db/installed, their files, and the dependency graph from D: resolved through package
// names and p: provides (so:, cmd:, pc: names). See docs/catalogers/apk.md.
#include "tollgate/catalog/apk.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "os_release.h"
#include "tollgate/catalog/catalog.h"
#include "tollgate/purl/purl.h"
#include "tollgate/sbom/license.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog {
namespace {

constexpr std::string_view kInstalled[] = {"/lib/apk/db/installed", "/usr/lib/apk/db/installed"};

struct Record {
  apk::Package pkg;
  std::string evidence;
};

std::string purlOf(const apk::Package& p, const detail::OsRelease& os) {
  purl::PackageUrl u;
  u.type = "apk";
  u.ns = os.id.empty() ? "alpine" : os.id;
  u.name = p.name;
  u.version = p.version;
  if (!p.arch.empty()) u.qualifiers["arch"] = p.arch;
  if (!os.versionId.empty()) u.qualifiers["distro"] = u.ns + "-" + os.versionId;
  auto built = purl::build(std::move(u));
  return built ? built->toString() : std::string();
}

// apk licence fields are SPDX expressions, or (older packages) licences separated by spaces:
// "MIT BSD-3-Clause" means both apply.
std::vector<sbom::License> licensesOf(std::string_view text) {
  std::vector<sbom::License> out;
  if (text.empty()) return out;
  sbom::License whole = sbom::normalizeLicense(text);
  if (!whole.expression.empty() || text.find(' ') == std::string_view::npos) {
    out.push_back(std::move(whole));
    return out;
  }
  std::vector<sbom::License> parts;
  for (auto part : split(text, ' ')) {
    if (part.empty()) continue;
    sbom::License l = sbom::normalizeLicense(part);
    if (l.expression.empty()) return {std::move(whole)};  // not a list of ids after all
    if (std::find(parts.begin(), parts.end(), l) == parts.end()) parts.push_back(std::move(l));
  }
  return parts;
}

}  // namespace

Catalogue catalogApk(const FileTree& tree, Diagnostics& diag) {
  std::vector<Record> records;
  std::unordered_set<std::string> seenFiles;
  for (std::string_view path : kInstalled) {
    const FileEntry* e = tree.findResolved(path);
    if (!e || e->type != EntryType::kRegular || !seenFiles.insert(e->path).second) continue;
    auto text = tree.root().readFile(e->path, 512ull << 20);
    if (!text) {
      diag.warn(e->path, "cannot read apk database: " + text.error().message);
      continue;
    }
    apk::InstalledDb db = apk::parseInstalled(*text, e->path);
    if (!db.warnings.empty()) {
      const Error& first = db.warnings.front();
      diag.warn(e->path, db.warnings.size() == 1
                             ? first.message
                             : std::to_string(db.warnings.size()) +
                                   " malformed records skipped (first: " + first.message + ")");
    }
    for (auto& p : db.packages) records.push_back(Record{std::move(p), e->path});
  }
  if (records.empty()) return {};

  detail::OsRelease os = detail::readOsRelease(tree);
  Catalogue out;
  out.components.reserve(records.size());
  for (const auto& r : records) {
    const apk::Package& p = r.pkg;
    sbom::Component c;
    c.type = sbom::ComponentType::kLibrary;
    c.name = p.name;
    c.version = p.version;
    c.purl = purlOf(p, os);
    c.bomRef = c.purl.empty() ? "apk:" + p.name + "@" + p.version : c.purl;
    c.supplier = p.maintainer;
    c.description = p.description;
    c.licenses = licensesOf(p.license);
    c.sourceName = p.origin.empty() ? p.name : p.origin;
    c.sourceVersion = p.version;  // apk packages of one origin share its version
    c.foundBy = "apk";
    c.evidencePaths.push_back(r.evidence);
    if (!p.arch.empty()) c.properties["tollgate:apk:arch"] = p.arch;
    if (!p.origin.empty()) c.properties["tollgate:apk:origin"] = p.origin;
    if (!p.url.empty()) c.properties["tollgate:apk:url"] = p.url;
    if (!p.commit.empty()) c.properties["tollgate:apk:commit"] = p.commit;
    if (!p.buildTime.empty()) c.properties["tollgate:apk:build-time"] = p.buildTime;
    if (p.installedSize)
      c.properties["tollgate:apk:installed-size"] = std::to_string(p.installedSize);
    c.files.reserve(p.files.size());
    for (const auto& f : p.files) c.files.push_back(sbom::FileRef{f.path, {}});
    out.components.push_back(std::move(c));
  }

  // D: names resolve to the package of that name, else to a provider (first installed wins,
  // as apk keeps one provider of a name installed).
  std::unordered_map<std::string, std::size_t> byName, provider;
  for (std::size_t i = 0; i < records.size(); ++i) {
    byName.emplace(records[i].pkg.name, i);
    for (const auto& t : records[i].pkg.provides)
      if (auto n = apk::dependencyName(t); !n.empty()) provider.emplace(n, i);
  }
  for (std::size_t i = 0; i < records.size(); ++i) {
    std::vector<std::string> to;
    for (const auto& t : records[i].pkg.depends) {
      std::string n = apk::dependencyName(t);
      if (n.empty()) continue;
      std::size_t j = records.size();
      if (auto it = byName.find(n); it != byName.end()) {
        j = it->second;
      } else if (auto pt = provider.find(n); pt != provider.end()) {
        j = pt->second;
      }
      if (j == records.size() || j == i) continue;
      to.push_back(out.components[j].bomRef);
    }
    std::sort(to.begin(), to.end());
    to.erase(std::unique(to.begin(), to.end()), to.end());
    if (!to.empty()) out.dependencies.push_back(sbom::Dependency{out.components[i].bomRef, to});
  }
  return out;
}

}  // namespace tollgate::catalog
