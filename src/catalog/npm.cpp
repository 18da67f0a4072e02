// The npm cataloger: package-lock.json / npm-shrinkwrap.json files, hidden lockfiles
// (node_modules/.package-lock.json) and the package.json of every package folder under a
// node_modules, turned into one component per (name, version) with the dependency graph npm's
// folder resolution gives.
#include "tollgate/catalog/npm.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "codec.h"
#include "tollgate/catalog/catalog.h"
#include "tollgate/purl/purl.h"
#include "tollgate/sbom/license.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/parallel.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog {
namespace npm {
namespace {

using nlohmann::json;

constexpr int kMaxV1Depth = 512;

// Typed, non-throwing field access: a field of another type reads as absent.
const json* field(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string str(const json& obj, const char* key) {
  const json* f = field(obj, key);
  return f && f->is_string() ? f->get_ref<const std::string&>() : std::string();
}

bool flag(const json& obj, const char* key) {
  const json* f = field(obj, key);
  return f && f->is_boolean() && f->get<bool>();
}

std::vector<std::string> keysOf(const json& obj, const char* key) {
  std::vector<std::string> out;
  const json* f = field(obj, key);
  if (!f || !f->is_object()) return out;
  out.reserve(f->size());
  for (auto it = f->begin(); it != f->end(); ++it) out.push_back(it.key());
  return out;
}

// The package name a lockfile folder key ends with: "node_modules/a/node_modules/@s/b" -> "@s/b";
// a workspace folder "packages/x" -> "x".
std::string nameFromPath(std::string_view path) {
  std::size_t best = std::string_view::npos;
  for (std::size_t pos = path.find("node_modules/"); pos != std::string_view::npos;
       pos = path.find("node_modules/", pos + 1))
    if (pos == 0 || path[pos - 1] == '/') best = pos;
  if (best != std::string_view::npos) return std::string(path.substr(best + 13));
  auto slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// "npm:react-is@18.3.1" (a v1 alias version) -> {"react-is", "18.3.1"}.
bool splitAlias(std::string_view v, std::string& name, std::string& version) {
  if (!v.starts_with("npm:")) return false;
  v.remove_prefix(4);
  auto at = v.rfind('@');
  if (at == std::string_view::npos || at == 0) return false;
  name = std::string(v.substr(0, at));
  version = std::string(v.substr(at + 1));
  return !name.empty();
}

Status parseV1(const json& deps, const std::string& prefix, int depth,
               std::vector<LockPackage>& out) {
  if (!deps.is_object()) return {};
  if (depth > kMaxV1Depth)
    return fail(ErrorCode::kLimit, "lockfile v1 dependencies nested too deeply");
  for (auto it = deps.begin(); it != deps.end(); ++it) {
    const json& v = it.value();
    if (!v.is_object() || it.key().empty()) continue;
    // npm writes {"optional": true} with no version for optional packages it skipped: a
    // placeholder, not a package.
    if (str(v, "version").empty()) continue;
    LockPackage p;
    p.path = prefix.empty() ? "node_modules/" + it.key() : prefix + "/node_modules/" + it.key();
    p.name = it.key();
    p.version = str(v, "version");
    std::string realName, realVersion;
    if (splitAlias(p.version, realName, realVersion)) {
      p.alias = realName != p.name;
      p.name = std::move(realName);
      p.version = std::move(realVersion);
    }
    p.resolved = str(v, "resolved");
    p.integrity = str(v, "integrity");
    p.dependencies = keysOf(v, "requires");
    p.dev = flag(v, "dev");
    p.optional = flag(v, "optional");
    p.inBundle = flag(v, "bundled");
    std::string path = p.path;
    out.push_back(std::move(p));
    if (const json* nested = field(v, "dependencies"))
      if (auto st = parseV1(*nested, path, depth + 1, out); !st) return st;
  }
  return {};
}

// "Barney Rubble <b@rubble.com> (http://barnyrubble.tumblr.com/)" or {name, email, url} ->
// "Barney Rubble <b@rubble.com>".
std::string person(const json& j) {
  if (j.is_string()) {
    std::string_view s = j.get_ref<const std::string&>();
    auto paren = s.find(" (");
    if (paren != std::string_view::npos && s.ends_with(")")) s = s.substr(0, paren);
    return detail::oneLine(s, 200);
  }
  if (!j.is_object()) return {};
  std::string name = detail::oneLine(str(j, "name"), 200);
  std::string email = detail::oneLine(str(j, "email"), 200);
  if (email.empty()) return name;
  return name.empty() ? email : name + " <" + email + ">";
}

void licenseStrings(const json& j, std::vector<std::string>& out) {
  if (j.is_string()) {
    if (!trim(j.get_ref<const std::string&>()).empty()) out.push_back(j.get<std::string>());
  } else if (j.is_object()) {
    std::string t = str(j, "type");
    if (!trim(t).empty()) out.push_back(std::move(t));
  } else if (j.is_array()) {
    for (const auto& e : j)
      if (e.is_string() || e.is_object()) licenseStrings(e, out);
  }
}

// Parses a JSON object. With `keep`, top-level members whose key it rejects are validated but not
// stored: an installed package.json can carry a whole README, file lists and build settings,
// and there are tens of thousands of them in a big tree.
Result<json> parseObject(std::string_view text, bool (*keep)(std::string_view key) = nullptr) {
  json j;
  if (keep) {
    json::parser_callback_t cb = [keep](int depth, json::parse_event_t event, json& parsed) {
      if (depth != 1 || event != json::parse_event_t::key || !parsed.is_string()) return true;
      return keep(parsed.get_ref<const std::string&>());
    };
    j = json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/false);
  } else {
    j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  }
  if (j.is_discarded()) return fail(ErrorCode::kInvalidInput, "not valid JSON");
  if (!j.is_object()) return fail(ErrorCode::kInvalidInput, "top level is not a JSON object");
  return j;
}

bool packageJsonKey(std::string_view k) {
  static constexpr std::string_view kKeys[] = {"name",
                                               "version",
                                               "description",
                                               "license",
                                               "licenses",
                                               "author",
                                               "maintainers",
                                               "homepage",
                                               "dependencies",
                                               "devDependencies",
                                               "optionalDependencies",
                                               "peerDependencies",
                                               "scripts",
                                               "gypfile",
                                               "private"};
  return std::find(std::begin(kKeys), std::end(kKeys), k) != std::end(kKeys);
}

}  // namespace

Result<Lockfile> parseLockfile(std::string_view text) {
  auto parsed = parseObject(text);
  if (!parsed) return std::unexpected(parsed.error());
  const json& j = *parsed;
  Lockfile lock;
  if (const json* v = field(j, "lockfileVersion")) {
    if (!v->is_number_integer() || v->get<std::int64_t>() < 1 || v->get<std::int64_t>() > 99)
      return fail(ErrorCode::kInvalidInput, "lockfileVersion is not a small positive integer");
    lock.lockfileVersion = static_cast<int>(v->get<std::int64_t>());
  }
  lock.name = str(j, "name");
  lock.version = str(j, "version");
  const json* packages = field(j, "packages");
  const json* deps = field(j, "dependencies");
  if (packages && packages->is_object()) {
    lock.packages.reserve(packages->size());
    for (auto it = packages->begin(); it != packages->end(); ++it) {
      const json& v = it.value();
      if (!v.is_object()) continue;
      LockPackage p;
      p.path = it.key();
      std::string fromPath = nameFromPath(p.path);
      p.name = str(v, "name");
      if (p.path.empty()) {
        if (p.name.empty()) p.name = lock.name;
      } else if (p.name.empty()) {
        p.name = fromPath;
      } else {
        // Only folders under node_modules are named by their path; a workspace folder's name
        // differing from its "name" is normal.
        p.alias = p.name != fromPath && p.path.find("node_modules/") != std::string::npos;
      }
      p.link = flag(v, "link");
      // A folder key that names no package ("node_modules/", "x/") is not one.
      if (!p.path.empty() && p.name.empty() && !p.link) continue;
      p.version = str(v, "version");
      if (p.path.empty() && p.version.empty()) p.version = lock.version;
      p.resolved = str(v, "resolved");
      p.integrity = str(v, "integrity");
      p.license = str(v, "license");
      p.dependencies = keysOf(v, "dependencies");
      p.optionalDependencies = keysOf(v, "optionalDependencies");
      p.peerDependencies = keysOf(v, "peerDependencies");
      p.devDependencies = keysOf(v, "devDependencies");
      p.dev = flag(v, "dev");
      p.optional = flag(v, "optional");
      p.devOptional = flag(v, "devOptional");
      p.peer = flag(v, "peer");
      p.inBundle = flag(v, "inBundle");
      p.hasInstallScript = flag(v, "hasInstallScript");
      lock.packages.push_back(std::move(p));
    }
    if (lock.lockfileVersion == 0) lock.lockfileVersion = 2;
    return lock;
  }
  if (deps && deps->is_object()) {
    LockPackage root;
    root.name = lock.name;
    root.version = lock.version;
    lock.packages.push_back(std::move(root));
    if (auto st = parseV1(*deps, "", 0, lock.packages); !st) return std::unexpected(st.error());
    if (lock.lockfileVersion == 0) lock.lockfileVersion = 1;
    return lock;
  }
  if (lock.lockfileVersion == 0)
    return fail(ErrorCode::kInvalidInput,
                "not a package lock: no \"lockfileVersion\", \"packages\" or \"dependencies\"");
  return lock;  // a lock of a project without dependencies
}

Result<PackageJson> parsePackageJson(std::string_view text) {
  auto parsed = parseObject(text, &packageJsonKey);
  if (!parsed) return std::unexpected(parsed.error());
  const json& j = *parsed;
  PackageJson p;
  p.name = str(j, "name");
  p.version = str(j, "version");
  p.description = detail::oneLine(str(j, "description"));
  if (const json* l = field(j, "license")) licenseStrings(*l, p.licenses);
  if (const json* l = field(j, "licenses")) licenseStrings(*l, p.licenses);
  if (const json* a = field(j, "author")) p.author = person(*a);
  if (const json* m = field(j, "maintainers"); m && m->is_array())
    for (const auto& e : *m)
      if (std::string s = person(e); !s.empty()) p.maintainers.push_back(std::move(s));
  p.homepage = detail::oneLine(str(j, "homepage"));
  p.dependencies = keysOf(j, "dependencies");
  p.optionalDependencies = keysOf(j, "optionalDependencies");
  p.peerDependencies = keysOf(j, "peerDependencies");
  p.devDependencies = keysOf(j, "devDependencies");
  if (const json* s = field(j, "scripts"))
    for (const char* k : {"preinstall", "install", "postinstall"})
      if (!str(*s, k).empty()) p.hasInstallScript = true;
  if (flag(j, "gypfile")) p.hasInstallScript = true;
  p.isPrivate = flag(j, "private");
  return p;
}

std::vector<sbom::Hash> integrityToHashes(std::string_view sri) {
  std::vector<sbom::Hash> out;
  for (auto token : split(sri, ' ')) {
    token = trim(token);
    auto dash = token.find('-');
    if (dash == std::string_view::npos) continue;
    auto algo = detail::hashAlgorithm(token.substr(0, dash));
    if (!algo) continue;
    std::string_view b64 = token.substr(dash + 1);
    if (auto q = b64.find('?'); q != std::string_view::npos) b64 = b64.substr(0, q);  // options
    auto bytes = detail::decodeBase64(b64);
    if (!bytes || bytes->size() != algo->bytes) continue;
    sbom::Hash h{algo->cyclonedx, toHex(*bytes)};
    if (std::find(out.begin(), out.end(), h) == out.end()) out.push_back(std::move(h));
  }
  return out;
}

}  // namespace npm

namespace {

using npm::Lockfile;
using npm::LockPackage;
using npm::nameFromPath;
using npm::PackageJson;

// In-root paths without the leading '/', so that npm's folder keys join onto them directly and
// the scanned root itself is "".
std::string_view rel(std::string_view inRoot) { return inRoot.substr(inRoot.starts_with('/')); }
std::string joinRel(std::string_view dir, std::string_view key) {
  if (dir.empty()) return std::string(key);
  if (key.empty()) return std::string(dir);
  std::string s(dir);
  s += '/';
  s += key;
  return s;
}
std::string dirOf(std::string_view relPath) {
  auto slash = relPath.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(relPath.substr(0, slash));
}
std::string_view baseName(std::string_view p) { return p.substr(p.rfind('/') + 1); }

bool insideNodeModules(std::string_view relPath) {
  return relPath.starts_with("node_modules/") ||
         relPath.find("/node_modules/") != std::string_view::npos;
}

// A package folder: ".../node_modules/name" or ".../node_modules/@scope/name" (not ".bin",
// ".cache" and the like).
bool isPackageDir(std::string_view dir) {
  auto slash = dir.rfind('/');
  std::string_view last = dir.substr(slash + 1);
  if (last.empty() || last.front() == '.' || last.front() == '@') return false;
  std::string_view parent = slash == std::string_view::npos ? "" : dir.substr(0, slash);
  std::string_view pbase = baseName(parent);
  if (pbase == "node_modules") return !parent.empty();
  if (pbase.size() < 2 || pbase.front() != '@') return false;
  auto s2 = parent.rfind('/');
  if (s2 == std::string_view::npos) return false;
  return baseName(parent.substr(0, s2)) == "node_modules";
}

// The package folder a file under node_modules belongs to ("" when none): the folder named by
// the last node_modules segment of its path.
std::string_view owningPackageDir(std::string_view relPath) {
  std::size_t nm = std::string_view::npos;
  if (relPath.starts_with("node_modules/")) nm = 0;
  for (auto p = relPath.find("/node_modules/"); p != std::string_view::npos;
       p = relPath.find("/node_modules/", p + 1))
    nm = p + 1;
  if (nm == std::string_view::npos) return {};
  std::size_t start = nm + 13;
  auto end = relPath.find('/', start);
  if (end == std::string_view::npos) return {};
  if (relPath[start] == '@') {
    end = relPath.find('/', end + 1);
    if (end == std::string_view::npos) return {};
  }
  return relPath.substr(0, end);
}

bool looksLikeBinary(const FileEntry& e) {
  std::string_view name = baseName(e.path);
  return e.isExecutable() || name.ends_with(".node") || name.ends_with(".so") ||
         name.ends_with(".dll") || name.ends_with(".dylib") || name.ends_with(".exe") ||
         name.find(".so.") != std::string_view::npos;
}

// What all lock occurrences of a component agree on.
struct LockFlags {
  unsigned occurrences = 0, dev = 0, optional = 0, devOptional = 0, peer = 0;
};

class Builder {
 public:
  // The component for `name`@`version`, created on first use.
  std::size_t intern(const std::string& name, const std::string& version) {
    std::string key = name + '\0' + version;
    if (auto it = index_.find(key); it != index_.end()) return it->second;
    sbom::Component c;
    c.type = sbom::ComponentType::kLibrary;
    c.foundBy = "npm";
    c.version = version;
    purl::PackageUrl pu;
    pu.type = "npm";
    pu.name = name;
    pu.version = version;
    if (name.size() > 1 && name.front() == '@' && name.find('/') != std::string::npos) {
      auto slash = name.find('/');
      c.group = name.substr(1, slash - 1);
      c.name = name.substr(slash + 1);
      pu.ns = name.substr(0, slash);
      pu.name = c.name;
    } else {
      c.name = name;
    }
    if (auto built = purl::build(std::move(pu))) c.purl = built->toString();
    c.bomRef = c.purl.empty() ? "npm:" + name + "@" + version : c.purl;
    index_.emplace(std::move(key), components_.size());
    components_.push_back(std::move(c));
    flags_.emplace_back();
    return components_.size() - 1;
  }

  sbom::Component& at(std::size_t i) { return components_[i]; }

  // Duplicates are removed by finish(): a popular package is found in hundreds of places.
  void evidence(std::size_t i, const std::string& path) {
    components_[i].evidencePaths.push_back(path);
  }

  void licenses(std::size_t i, const std::vector<std::string>& texts) {
    auto& out = components_[i].licenses;
    if (!out.empty()) return;  // the first source that names licences wins
    for (const auto& t : texts) {
      sbom::License l = sbom::normalizeLicense(t);
      if ((l.expression.empty() && l.name.empty()) ||
          std::find(out.begin(), out.end(), l) != out.end())
        continue;
      out.push_back(std::move(l));
    }
  }

  void fromLock(std::size_t i, const LockPackage& p) {
    sbom::Component& c = components_[i];
    if (!p.license.empty()) licenses(i, {p.license});
    for (auto& h : npm::integrityToHashes(p.integrity))
      if (std::find(c.hashes.begin(), c.hashes.end(), h) == c.hashes.end())
        c.hashes.push_back(std::move(h));
    if (!p.resolved.empty()) c.properties.emplace("tollgate:npm:resolved", p.resolved);
    if (p.hasInstallScript) c.properties["tollgate:npm:hasInstallScript"] = "true";
    if (p.inBundle) c.properties["tollgate:npm:inBundle"] = "true";
    if (p.alias) c.properties.emplace("tollgate:npm:alias", nameFromPath(p.path));
    LockFlags& f = flags_[i];
    ++f.occurrences;
    f.dev += p.dev;
    f.optional += p.optional;
    f.devOptional += p.devOptional;
    f.peer += p.peer;
  }

  void fromPackageJson(std::size_t i, const PackageJson& pj) {
    sbom::Component& c = components_[i];
    licenses(i, pj.licenses);
    if (c.author.empty()) c.author = pj.author;
    if (c.supplier.empty() && !pj.maintainers.empty()) c.supplier = pj.maintainers.front();
    if (c.description.empty()) c.description = pj.description;
    if (!pj.homepage.empty()) c.properties.emplace("tollgate:npm:homepage", pj.homepage);
    if (pj.hasInstallScript) c.properties["tollgate:npm:hasInstallScript"] = "true";
  }

  void edge(std::size_t from, std::size_t to) {
    if (from != to) edges_[from].insert(to);
  }

  Catalogue finish() {
    for (std::size_t i = 0; i < components_.size(); ++i) {
      auto& ev = components_[i].evidencePaths;
      std::sort(ev.begin(), ev.end());
      ev.erase(std::unique(ev.begin(), ev.end()), ev.end());
      const LockFlags& f = flags_[i];
      auto& props = components_[i].properties;
      if (f.occurrences == 0) continue;
      // A package counts as dev (optional, ...) only when every place it is used says so.
      if (f.dev == f.occurrences) props["tollgate:npm:dev"] = "true";
      if (f.optional == f.occurrences) props["tollgate:npm:optional"] = "true";
      if (f.devOptional == f.occurrences) props["tollgate:npm:devOptional"] = "true";
      if (f.peer == f.occurrences) props["tollgate:npm:peer"] = "true";
    }
    Catalogue out;
    for (const auto& [from, tos] : edges_) {
      sbom::Dependency d{components_[from].bomRef, {}};
      for (std::size_t t : tos) d.dependsOn.push_back(components_[t].bomRef);
      out.dependencies.push_back(std::move(d));
    }
    out.components = std::move(components_);
    return out;
  }

 private:
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<sbom::Component> components_;
  std::vector<LockFlags> flags_;
  std::map<std::size_t, std::set<std::size_t>> edges_;
};

// One warning per file: "malformed <file name>: why" for bad content, the I/O error otherwise.
void warnFor(Diagnostics& diag, const std::string& path, const Error& e) {
  if (e.code == ErrorCode::kInvalidInput || e.code == ErrorCode::kLimit) {
    diag.warn(path, "malformed " + std::string(baseName(path)) + ": " + e.message);
  } else {
    diag.warn(e.context.empty() ? e.within(path) : e);
  }
}

struct LockSource {
  std::string path;        // in-root path of the lockfile
  std::string projectDir;  // relative folder the lock's keys are relative to
  bool hidden = false;     // node_modules/.package-lock.json
  Result<Lockfile> parsed = fail(ErrorCode::kInternal, "not read");
};

struct Installed {
  std::string dir;   // relative package folder
  std::string path;  // its package.json
  Result<PackageJson> parsed = fail(ErrorCode::kInternal, "not read");
  std::size_t component = 0;
  bool ok = false;
};

// Reads and parses every file in parallel; each result lands in its job's own slot.
template <class Job, class Parse>
void readAll(const FileTree& tree, std::vector<Job>& jobs, Parse parse) {
  parallelFor(
      jobs.size(), defaultThreads(),
      [&](unsigned, std::size_t i) {
        Job& job = jobs[i];
        auto text = tree.root().readFile(job.path);
        if (!text) {
          job.parsed = std::unexpected(text.error());
          return;
        }
        job.parsed = parse(*text);
      },
      8);
}

std::vector<std::string> runtimeDeps(const std::vector<std::string>& deps,
                                     const std::vector<std::string>& optional,
                                     const std::vector<std::string>& peer,
                                     const std::vector<std::string>* dev) {
  std::vector<std::string> all;
  all.reserve(deps.size() + optional.size() + peer.size() + (dev ? dev->size() : 0));
  all.insert(all.end(), deps.begin(), deps.end());
  all.insert(all.end(), optional.begin(), optional.end());
  all.insert(all.end(), peer.begin(), peer.end());
  if (dev) all.insert(all.end(), dev->begin(), dev->end());
  return all;
}

}  // namespace

Catalogue catalogNpm(const FileTree& tree, Diagnostics& diag) {
  std::vector<LockSource> locks;
  std::vector<Installed> installed;
  std::vector<std::string> manifests;               // package.json of folders that are not packages
  std::unordered_set<std::string> nodeModulesDirs;  // relative folders having a node_modules
  for (const FileEntry& e : tree.entries()) {
    std::string_view r = rel(e.path);
    std::string_view base = baseName(r);
    if (e.type == EntryType::kDirectory) {
      if (base == "node_modules") nodeModulesDirs.insert(dirOf(r));
      continue;
    }
    if (e.type != EntryType::kRegular) continue;
    if (base == "package.json") {
      std::string dir = dirOf(r);
      if (isPackageDir(dir)) {
        installed.push_back(Installed{dir, e.path});
      } else if (!insideNodeModules(r)) {
        manifests.push_back(e.path);
      }
    } else if (base == "package-lock.json" || base == "npm-shrinkwrap.json") {
      if (!insideNodeModules(r)) locks.push_back(LockSource{e.path, dirOf(r), false});
    } else if (base == ".package-lock.json") {
      std::string nm = dirOf(r);
      if (baseName(nm) == "node_modules" && !insideNodeModules(nm))
        locks.push_back(LockSource{e.path, dirOf(nm), true});
    }
  }
  if (locks.empty() && installed.empty()) return {};

  readAll(tree, installed, npm::parsePackageJson);
  readAll(tree, locks, npm::parseLockfile);

  Builder b;
  std::unordered_map<std::string, std::size_t> installedAt;  // package folder -> component
  for (Installed& in : installed) {
    if (!in.parsed) {
      warnFor(diag, in.path, in.parsed.error());
      continue;
    }
    const PackageJson& pj = *in.parsed;
    std::string fromPath = nameFromPath(in.dir);
    std::string name = pj.name.empty() ? fromPath : pj.name;
    in.component = b.intern(name, pj.version);
    in.ok = true;
    b.evidence(in.component, in.path);
    b.fromPackageJson(in.component, pj);
    if (name != fromPath) b.at(in.component).properties.emplace("tollgate:npm:alias", fromPath);
    installedAt.emplace(in.dir, in.component);
  }

  // Project roots: folders outside node_modules with a package.json and a node_modules or a lock.
  struct Manifest {
    const PackageJson* json;
    const std::string* path;
  };
  std::unordered_map<std::string, Manifest> projectManifest;
  std::vector<Result<PackageJson>> manifestJson;
  std::vector<std::string> projectManifestPaths;
  {
    std::unordered_set<std::string> lockDirs;
    for (const auto& l : locks) lockDirs.insert(l.projectDir);
    for (const auto& m : manifests) {
      std::string dir = dirOf(rel(m));
      if (nodeModulesDirs.contains(dir) || lockDirs.contains(dir))
        projectManifestPaths.push_back(m);
    }
    manifestJson.reserve(projectManifestPaths.size());
    for (const auto& m : projectManifestPaths) {
      auto text = tree.root().readFile(m);
      if (!text) {
        manifestJson.push_back(std::unexpected(text.error()));
        continue;
      }
      manifestJson.push_back(npm::parsePackageJson(*text));
    }
    for (std::size_t i = 0; i < projectManifestPaths.size(); ++i) {
      if (!manifestJson[i]) {
        warnFor(diag, projectManifestPaths[i], manifestJson[i].error());
        continue;
      }
      projectManifest.emplace(dirOf(rel(projectManifestPaths[i])),
                              Manifest{&*manifestJson[i], &projectManifestPaths[i]});
    }
  }

  // Locks: components for what they record, edges by npm's folder resolution within each lock.
  std::unordered_set<std::string> coveredDirs;  // package folders whose edges a lock gave
  std::unordered_map<std::string, std::size_t> projectComponent;  // project folder -> root
  for (LockSource& src : locks) {
    if (!src.parsed) {
      warnFor(diag, src.path, src.parsed.error());
      continue;
    }
    const Lockfile& lock = *src.parsed;
    // With node_modules present the lock describes an installed tree: what it lists but is not on
    // disk (optional packages for other platforms, omitted dev packages) is not installed here.
    bool installedTree = src.hidden || nodeModulesDirs.contains(src.projectDir);
    std::unordered_map<std::string, std::size_t> keyComponent;
    std::unordered_map<std::string, std::string> linkTarget;
    std::vector<std::pair<const LockPackage*, std::size_t>> members;
    for (const LockPackage& p : lock.packages) {
      if (p.link) {
        linkTarget.emplace(p.path, p.resolved);
        continue;
      }
      std::string dir = joinRel(src.projectDir, p.path);
      std::size_t ci;
      if (p.path.empty()) {
        if (p.name.empty()) continue;
        ci = b.intern(p.name, p.version);
        b.at(ci).type = sbom::ComponentType::kApplication;
        b.at(ci).properties["tollgate:npm:project"] = "true";
        if (!p.license.empty()) b.licenses(ci, {p.license});
        if (auto m = projectManifest.find(src.projectDir); m != projectManifest.end()) {
          b.fromPackageJson(ci, *m->second.json);
          b.evidence(ci, *m->second.path);
        }
        projectComponent.emplace(src.projectDir, ci);
      } else {
        if (installedTree) {
          if (!tree.find("/" + dir)) continue;
          if (auto it = installedAt.find(dir); it != installedAt.end()) {
            const sbom::Component& c = b.at(it->second);
            std::string full = c.group.empty() ? c.name : "@" + c.group + "/" + c.name;
            if (full != p.name || c.version != p.version) {
              // A stale lock: what is installed wins.
              keyComponent.emplace(p.path, it->second);
              continue;
            }
          }
        }
        ci = b.intern(p.name, p.version);
        b.fromLock(ci, p);
        if (!insideNodeModules(p.path + "/"))
          b.at(ci).properties["tollgate:npm:workspace"] = "true";
      }
      b.evidence(ci, src.path);
      keyComponent.emplace(p.path, ci);
      coveredDirs.insert(dir);
      members.emplace_back(&p, ci);
    }
    auto lookup = [&](const std::string& key) -> std::optional<std::size_t> {
      if (auto it = keyComponent.find(key); it != keyComponent.end()) return it->second;
      if (auto l = linkTarget.find(key); l != linkTarget.end())
        if (auto it = keyComponent.find(l->second); it != keyComponent.end()) return it->second;
      return std::nullopt;
    };
    auto exists = [&](const std::string& key) { return lookup(key).has_value(); };
    for (const auto& [p, ci] : members) {
      bool ownCode = !insideNodeModules(p->path + "/");  // root and workspaces list devDeps
      auto deps = runtimeDeps(p->dependencies, p->optionalDependencies, p->peerDependencies,
                              ownCode ? &p->devDependencies : nullptr);
      if (p->path.empty() && deps.empty())
        if (auto m = projectManifest.find(src.projectDir); m != projectManifest.end())
          deps = runtimeDeps(m->second.json->dependencies, m->second.json->optionalDependencies,
                             m->second.json->peerDependencies, &m->second.json->devDependencies);
      for (const auto& d : deps) {
        std::string target = npm::resolveDependency(p->path, d, exists);
        if (target.empty()) continue;
        if (auto to = lookup(target)) b.edge(ci, *to);
      }
    }
  }

  // Installed packages no lock covers: edges by Node's folder resolution over what is on disk,
  // following symbolic links (pnpm's layout, workspaces).
  auto installedLookup = [&](const std::string& dir) -> std::optional<std::size_t> {
    if (auto it = installedAt.find(dir); it != installedAt.end()) return it->second;
    const FileEntry* e = tree.find("/" + dir);
    if (!e || e->type != EntryType::kSymlink) return std::nullopt;
    auto resolved = tree.root().resolve(e->path);
    if (!resolved) return std::nullopt;
    if (auto it = installedAt.find(std::string(rel(*resolved))); it != installedAt.end())
      return it->second;
    return std::nullopt;
  };
  auto installedExists = [&](const std::string& dir) { return installedLookup(dir).has_value(); };
  auto addInstalledEdges = [&](std::size_t from, const std::string& dir,
                               const std::vector<std::string>& deps) {
    for (const auto& d : deps) {
      std::string target = npm::resolveDependency(dir, d, installedExists);
      if (target.empty()) continue;
      if (auto to = installedLookup(target)) b.edge(from, *to);
    }
  };
  for (const Installed& in : installed) {
    if (!in.ok || coveredDirs.contains(in.dir)) continue;
    const PackageJson& pj = *in.parsed;
    addInstalledEdges(
        in.component, in.dir,
        runtimeDeps(pj.dependencies, pj.optionalDependencies, pj.peerDependencies, nullptr));
  }
  // Projects without a lock that names them: the root component from their package.json.
  for (std::size_t i = 0; i < projectManifestPaths.size(); ++i) {
    if (!manifestJson[i]) continue;
    std::string dir = dirOf(rel(projectManifestPaths[i]));
    if (projectComponent.contains(dir)) continue;
    const PackageJson& pj = *manifestJson[i];
    if (pj.name.empty()) continue;
    std::size_t ci = b.intern(pj.name, pj.version);
    b.at(ci).type = sbom::ComponentType::kApplication;
    b.at(ci).properties["tollgate:npm:project"] = "true";
    b.fromPackageJson(ci, pj);
    b.evidence(ci, projectManifestPaths[i]);
    addInstalledEdges(ci, dir,
                      runtimeDeps(pj.dependencies, pj.optionalDependencies, pj.peerDependencies,
                                  &pj.devDependencies));
  }

  // Files: the native code each installed package carries (addons, executables), so that the
  // file cataloger attributes them instead of listing them as orphans. Listing every .js file
  // would multiply the SBOM's size for little use.
  for (const FileEntry& e : tree.entries()) {
    if (e.type != EntryType::kRegular || !looksLikeBinary(e)) continue;
    std::string_view owner = owningPackageDir(rel(e.path));
    if (owner.empty()) continue;
    auto it = installedAt.find(std::string(owner));
    if (it == installedAt.end()) continue;
    b.at(it->second).files.push_back(sbom::FileRef{e.path, {}});
  }
  return b.finish();
}

}  // namespace tollgate::catalog
