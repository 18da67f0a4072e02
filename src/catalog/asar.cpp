// The asar cataloger: npm packages packed inside Electron asar archives (resources/app.asar).
// The archive is memory-mapped and its header parsed; every node_modules/**/package.json and
// the app's own package.json are read from the data region (or from "<archive>.unpacked/" for
// unpacked entries) and become npm components, with edges by Node's folder resolution inside
// the archive. See docs/catalogers/asar.md.
#include "tollgate/catalog/asar.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "tollgate/catalog/catalog.h"
#include "tollgate/catalog/npm.h"
#include "tollgate/purl/purl.h"
#include "tollgate/sbom/license.h"
#include "tollgate/util/mapped_file.h"
#include "tollgate/util/parallel.h"

namespace tollgate::catalog {
namespace {

constexpr std::uint64_t kMaxPackageJson = 16ull << 20;

std::string_view parentOf(std::string_view p) {
  auto s = p.rfind('/');
  return s == std::string_view::npos ? std::string_view{} : p.substr(0, s);
}

std::string_view baseOf(std::string_view p) {
  auto s = p.rfind('/');
  return s == std::string_view::npos ? p : p.substr(s + 1);
}

// "node_modules/a", "x/node_modules/@s/b": a folder npm installs a package into.
bool isPackageDir(std::string_view dir) {
  std::string_view parent = parentOf(dir);
  if (baseOf(dir).empty()) return false;
  if (baseOf(parent) == "node_modules") return true;
  return baseOf(parent).starts_with('@') && baseOf(parentOf(parent)) == "node_modules" &&
         parent.size() > 1;
}

// The name a package folder implies: "node_modules/@s/b" -> "@s/b".
std::string nameFromDir(std::string_view dir) {
  std::string_view base = baseOf(dir);
  std::string_view parent = parentOf(dir);
  if (baseOf(parent).starts_with('@')) return std::string(baseOf(parent)) + "/" + std::string(base);
  return std::string(base);
}

struct Found {
  std::string dir;       // folder inside the archive ("" for the app itself)
  std::string evidence;  // in-root path of the package.json
  npm::PackageJson json;
};

struct ArchiveResult {
  std::vector<Found> packages;
  std::vector<std::string> problems;
};

ArchiveResult readArchive(const FileTree& tree, const std::string& path) {
  ArchiveResult r;
  auto fd = tree.root().openFile(path);
  if (!fd) {
    r.problems.push_back("cannot open: " + fd.error().message);
    return r;
  }
  auto mapped = MappedFile::open(fd->get(), path);
  if (!mapped) {
    r.problems.push_back(mapped.error().message);
    return r;
  }
  std::string_view bytes(reinterpret_cast<const char*>(mapped->bytes().data()), mapped->size());
  auto archive = asar::parseArchive(bytes);
  if (!archive) {
    r.problems.push_back("malformed asar archive: " + archive.error().describe());
    return r;
  }
  for (const asar::Entry& e : archive->entries) {
    if (e.type != asar::EntryType::kFile || baseOf(e.path) != "package.json") continue;
    std::string dir(parentOf(e.path));
    if (!dir.empty() && !isPackageDir(dir)) continue;
    std::string text;
    std::string evidence;
    if (e.unpacked) {
      // Native modules are often unpacked: "app.asar.unpacked/node_modules/x/package.json".
      evidence = path + ".unpacked/" + e.path;
      auto t = tree.root().readFile(evidence, kMaxPackageJson);
      if (!t) {
        if (t.error().code != ErrorCode::kNotFound)
          r.problems.push_back("cannot read " + evidence + ": " + t.error().message);
        continue;
      }
      text = std::move(*t);
    } else {
      evidence = path + "!/" + e.path;
      auto c = archive->contents(bytes, e);
      if (!c) {
        r.problems.push_back(e.path + " lies beyond the end of the archive");
        continue;
      }
      if (c->size() > kMaxPackageJson) {
        r.problems.push_back(e.path + " larger than " + std::to_string(kMaxPackageJson) + " bytes");
        continue;
      }
      text = std::string(*c);
    }
    auto pj = npm::parsePackageJson(text);
    if (!pj) {
      r.problems.push_back("malformed " + e.path + ": " + pj.error().message);
      continue;
    }
    r.packages.push_back(Found{std::move(dir), std::move(evidence), std::move(*pj)});
  }
  return r;
}

std::string purlOf(const std::string& name, const std::string& version, std::string& group,
                   std::string& shortName) {
  purl::PackageUrl u;
  u.type = "npm";
  u.name = name;
  u.version = version;
  shortName = name;
  if (name.size() > 1 && name.front() == '@' && name.find('/') != std::string::npos) {
    auto slash = name.find('/');
    group = name.substr(1, slash - 1);
    shortName = name.substr(slash + 1);
    u.ns = name.substr(0, slash);
    u.name = shortName;
  }
  auto built = purl::build(std::move(u));
  return built ? built->toString() : std::string();
}

}  // namespace

Catalogue catalogAsar(const FileTree& tree, Diagnostics& diag) {
  std::vector<const FileEntry*> archives;
  for (const FileEntry& e : tree.entries())
    if (e.type == EntryType::kRegular && e.size >= 16 && e.path.ends_with(".asar"))
      archives.push_back(&e);
  if (archives.empty()) return {};
  std::vector<ArchiveResult> results(archives.size());
  parallelFor(archives.size(), defaultThreads(),
              [&](unsigned, std::size_t i) { results[i] = readArchive(tree, archives[i]->path); });

  Catalogue out;
  std::unordered_map<std::string, std::size_t> index;  // bomRef -> component
  std::map<std::string, std::set<std::string>> edges;
  for (std::size_t a = 0; a < archives.size(); ++a) {
    const std::string& path = archives[a]->path;
    ArchiveResult& r = results[a];
    if (!r.problems.empty())
      diag.warn(path, r.problems.size() == 1 ? r.problems.front()
                                             : std::to_string(r.problems.size()) +
                                                   " problems (first: " + r.problems.front() + ")");
    std::unordered_map<std::string, std::string> refOfDir;  // folder in the archive -> bomRef
    for (const Found& f : r.packages) {
      std::string name = f.json.name.empty() && !f.dir.empty() ? nameFromDir(f.dir) : f.json.name;
      if (name.empty()) continue;  // an app without a name: nothing to call it
      sbom::Component c;
      c.type = f.dir.empty() ? sbom::ComponentType::kApplication : sbom::ComponentType::kLibrary;
      c.version = f.json.version;
      c.purl = purlOf(name, f.json.version, c.group, c.name);
      c.bomRef = c.purl.empty() ? "npm:" + name + "@" + f.json.version : c.purl;
      auto [it, fresh] = index.emplace(c.bomRef, out.components.size());
      if (fresh) {
        c.foundBy = "asar";
        c.description = f.json.description;
        c.author = f.json.author;
        if (!f.json.maintainers.empty()) c.supplier = f.json.maintainers.front();
        for (const auto& l : f.json.licenses) {
          sbom::License lic = sbom::normalizeLicense(l);
          if (std::find(c.licenses.begin(), c.licenses.end(), lic) == c.licenses.end())
            c.licenses.push_back(std::move(lic));
        }
        if (!f.json.homepage.empty()) c.properties["tollgate:npm:homepage"] = f.json.homepage;
        if (f.json.hasInstallScript) c.properties["tollgate:npm:hasInstallScript"] = "true";
        out.components.push_back(std::move(c));
      }
      sbom::Component& comp = out.components[it->second];
      comp.evidencePaths.push_back(f.evidence);
      comp.properties["tollgate:asar:archive"] = path;
      if (f.dir.empty()) comp.properties["tollgate:asar:app"] = "true";
      refOfDir.emplace(f.dir, comp.bomRef);
    }
    auto exists = [&](const std::string& dir) { return refOfDir.contains(dir); };
    for (const Found& f : r.packages) {
      auto from = refOfDir.find(f.dir);
      if (from == refOfDir.end()) continue;
      std::vector<const std::vector<std::string>*> kinds = {
          &f.json.dependencies, &f.json.optionalDependencies, &f.json.peerDependencies};
      for (const auto* deps : kinds)
        for (const auto& d : *deps) {
          std::string target = npm::resolveDependency(f.dir, d, exists);
          if (target.empty()) continue;
          const std::string& to = refOfDir.at(target);
          if (to != from->second) edges[from->second].insert(to);
        }
    }
  }
  for (auto& [from, to] : edges)
    out.dependencies.push_back(
        sbom::Dependency{from, std::vector<std::string>(to.begin(), to.end())});
  return out;
}

}  // namespace tollgate::catalog
