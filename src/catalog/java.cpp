// The Java cataloger: every .jar/.war/.ear in the tree becomes a maven component identified from
// its META-INF/maven/**/pom.properties (else pom.xml, manifest, file name), with SHA-1 and
// SHA-256 of the archive unless hashing is off (the digests only describe the archive: nothing
// identifies a component by them, shaded artifacts included). Archives an archive scan expanded
// ("<file>!") are read from the tree; others are opened in memory with libarchive (never
// extracted to disk), including the archives nested in them (WEB-INF/lib, BOOT-INF/lib, lib/, EAR
// modules) up to a depth. See docs/catalogers/java.md.
#include "tollgate/catalog/java.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include <algorithm>
#include <map>
#include <memory>
#include <unordered_map>

#include "archive_entry_data.h"
#include "tollgate/catalog/catalog.h"
#include "tollgate/purl/purl.h"
#include "tollgate/sbom/license.h"
#include "tollgate/util/c_handle.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/mapped_file.h"
#include "tollgate/util/openssl.h"
#include "tollgate/util/parallel.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog {
namespace {

using Archive = CHandle<struct archive, &archive_read_free>;

// Safety limits for archives opened in memory (the archive is untrusted).
constexpr std::uint64_t kMaxArchiveBytes = 2ull << 30;   // a top-level archive we map
constexpr std::uint64_t kMaxNestedBytes = 256ull << 20;  // one nested archive read into memory
constexpr std::uint64_t kMaxNestedTotal = 1ull << 30;    // all nested archives of one top level
constexpr std::uint64_t kMaxMetadataBytes = 1ull << 20;  // MANIFEST.MF, pom.properties
constexpr std::uint64_t kMaxPomXmlBytes = 4ull << 20;
constexpr unsigned kMaxDepth = 3;               // nested archive levels
constexpr std::uint64_t kMaxEntries = 500'000;  // entries looked at per archive

bool isJavaArchiveName(std::string_view name) {
  if (name.size() < 5) return false;
  std::string ext = toLower(name.substr(name.size() - 4));
  return ext == ".jar" || ext == ".war" || ext == ".ear";
}

std::string baseName(std::string_view p) {
  auto s = p.rfind('/');
  return std::string(s == std::string_view::npos ? p : p.substr(s + 1));
}

// SHA-1 (how Maven Central identifies artifacts) and SHA-256 of the archive bytes.
struct Digests {
  std::string sha1, sha256;
};

Digests digestsOf(std::string_view bytes) {
  Digests d;
  for (auto [md, out] : {std::pair{EVP_sha1(), &d.sha1}, std::pair{EVP_sha256(), &d.sha256}}) {
    MdCtxPtr ctx(EVP_MD_CTX_new());
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), buf, &n) != 1)
      continue;
    *out = toHex(std::span<const std::uint8_t>(buf, n));
  }
  return d;
}

// What one archive says about itself.
struct JarFacts {
  std::string path;    // in-root path; nested in-memory archives: "<outer>!/<entry>"
  std::string parent;  // the archive it is nested in ("" at top level)
  std::optional<java::Manifest> manifest;
  std::vector<std::pair<std::string, java::PomProperties>> poms;  // in-root path -> properties
  std::vector<std::pair<std::string, java::PomXml>> pomXmls;      // in-root path -> pom.xml
  Digests digests;
  std::vector<std::string> problems;  // one warning per archive lists them
};

// Parses one metadata entry into `f`; `name` is the entry name inside the archive.
void takeMetadata(JarFacts& f, const std::string& inRoot, std::string_view name,
                  std::string_view bytes) {
  if (name == "META-INF/MANIFEST.MF") {
    auto m = java::parseManifest(bytes);
    if (m) {
      f.manifest = std::move(*m);
    } else {
      f.problems.push_back("malformed META-INF/MANIFEST.MF: " + m.error().message);
    }
  } else if (name.ends_with("/pom.properties")) {
    auto p = java::parsePomProperties(bytes);
    if (p) {
      f.poms.emplace_back(inRoot, std::move(*p));
    } else {
      f.problems.push_back("malformed " + std::string(name) + ": " + p.error().message);
    }
  } else if (name.ends_with("/pom.xml")) {
    // pom.xml is only a supplement (licences, name) or a fallback: a template with unresolved
    // properties or a construct this reader does not handle is not worth a warning.
    if (auto x = java::parsePomXml(bytes)) f.pomXmls.emplace_back(inRoot, std::move(*x));
  }
}

bool isMavenMetadata(std::string_view name) {
  return name.starts_with("META-INF/maven/") &&
         (name.ends_with("/pom.properties") || name.ends_with("/pom.xml"));
}

struct Budget {
  std::uint64_t nestedBytes = 0;
};

// The digests of an archive's bytes, or none when the scan does not hash.
Digests digestsIf(bool hash, std::string_view bytes) { return hash ? digestsOf(bytes) : Digests{}; }

// An archive held in memory: its metadata, then the archives nested in it, recursively.
void readInMemory(std::string_view bytes, const std::string& path, const std::string& parent,
                  unsigned depth, bool hash, Budget& budget, std::vector<JarFacts>& out) {
  std::size_t self = out.size();
  out.push_back(JarFacts{path, parent, {}, {}, {}, digestsIf(hash, bytes), {}});
  Archive a(archive_read_new());
  if (!a) return;
  archive_read_support_format_zip(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    const char* msg = archive_error_string(a.get());
    out[self].problems.push_back(std::string("not a readable zip archive: ") +
                                 (msg ? msg : "unknown format"));
    return;
  }
  archive_entry* entry = nullptr;
  std::uint64_t entries = 0;
  for (;;) {
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      const char* msg = archive_error_string(a.get());
      out[self].problems.push_back(std::string("damaged zip archive: ") + (msg ? msg : "?"));
      break;
    }
    if (++entries > kMaxEntries) {
      out[self].problems.push_back("more than " + std::to_string(kMaxEntries) +
                                   " entries, the rest not looked at");
      break;
    }
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    const char* raw = archive_entry_pathname(entry);
    std::string_view name = raw ? raw : "";
    while (name.starts_with("./") || name.starts_with('/'))
      name.remove_prefix(name.front() == '.' ? 2 : 1);
    if (name.empty() || name.find("/../") != std::string_view::npos || name.starts_with("../"))
      continue;
    std::string inRoot = path + "!/" + std::string(name);
    if (name == "META-INF/MANIFEST.MF" || isMavenMetadata(name)) {
      auto data = detail::readEntryData(
          a.get(), name.ends_with(".xml") ? kMaxPomXmlBytes : kMaxMetadataBytes);
      if (!data) {
        out[self].problems.push_back(std::string(name) + " unreadable or too large");
        continue;
      }
      takeMetadata(out[self], inRoot, name, *data);
    } else if (isJavaArchiveName(name) && depth < kMaxDepth) {
      if (budget.nestedBytes >= kMaxNestedTotal) continue;
      auto data = detail::readEntryData(
          a.get(), std::min(kMaxNestedBytes, kMaxNestedTotal - budget.nestedBytes));
      if (!data) {
        out[self].problems.push_back("nested " + std::string(name) +
                                     " unreadable or over the size limit");
        continue;
      }
      budget.nestedBytes += data->size();
      readInMemory(*data, inRoot, path, depth + 1, hash, budget, out);
    }
  }
}

// An archive an archive scan already expanded beside itself ("<path>!"): metadata from the tree.
void readExpanded(const FileTree& tree, const std::string& path, JarFacts& f) {
  std::string dir = path + "!";
  auto read = [&](const std::string& inRoot, std::uint64_t cap) -> std::optional<std::string> {
    auto text = tree.root().readFile(inRoot, cap);
    if (!text) {
      f.problems.push_back("cannot read " + inRoot + ": " + text.error().message);
      return std::nullopt;
    }
    return std::move(*text);
  };
  std::string manifest = dir + "/META-INF/MANIFEST.MF";
  if (const FileEntry* e = tree.find(manifest); e && e->type == EntryType::kRegular)
    if (auto t = read(manifest, kMaxMetadataBytes))
      takeMetadata(f, manifest, "META-INF/MANIFEST.MF", *t);
  std::string maven = dir + "/META-INF/maven";
  for (const FileEntry& e : tree.under(maven)) {
    if (e.type != EntryType::kRegular) continue;
    std::string_view name = std::string_view(e.path).substr(dir.size() + 1);
    if (!isMavenMetadata(name)) continue;
    if (auto t = read(e.path, name.ends_with(".xml") ? kMaxPomXmlBytes : kMaxMetadataBytes))
      takeMetadata(f, e.path, name, *t);
  }
}

// The facts of one archive found in the tree, and of the archives nested in it that only
// exist in memory.
std::vector<JarFacts> factsOf(const FileTree& tree, const FileEntry& e, bool hash) {
  std::vector<JarFacts> out;
  std::string parent;
  if (auto bang = e.path.rfind("!/"); bang != std::string::npos) parent = e.path.substr(0, bang);
  auto fd = tree.root().openFile(e.path);
  if (!fd) {
    out.push_back(JarFacts{e.path, parent, {}, {}, {}, {}, {"cannot open: " + fd.error().message}});
    return out;
  }
  if (e.size > kMaxArchiveBytes) {
    out.push_back(
        JarFacts{e.path,
                 parent,
                 {},
                 {},
                 {},
                 {},
                 {"larger than " + std::to_string(kMaxArchiveBytes) + " bytes, not opened"}});
    return out;
  }
  auto mapped = MappedFile::open(fd->get(), e.path);
  if (!mapped) {
    out.push_back(JarFacts{e.path, parent, {}, {}, {}, {}, {mapped.error().message}});
    return out;
  }
  std::string_view bytes(reinterpret_cast<const char*>(mapped->bytes().data()), mapped->size());
  const FileEntry* expanded = tree.find(e.path + "!");
  if (expanded && expanded->type == EntryType::kDirectory) {
    out.push_back(JarFacts{e.path, parent, {}, {}, {}, digestsIf(hash, bytes), {}});
    readExpanded(tree, e.path, out.back());
    return out;
  }
  Budget budget;
  readInMemory(bytes, e.path, parent, 0, hash, budget, out);
  return out;
}

// The pom.xml beside a pom.properties (same META-INF/maven/<g>/<a>/ folder), if read.
const java::PomXml* pomXmlBeside(const JarFacts& f, const std::string& pomPropertiesPath) {
  std::string dir = pomPropertiesPath.substr(0, pomPropertiesPath.rfind('/') + 1);
  for (const auto& [p, x] : f.pomXmls)
    if (p == dir + "pom.xml") return &x;
  return nullptr;
}

std::string purlOf(const java::Coordinates& c, std::string_view type) {
  if (c.artifactId.empty()) return {};
  purl::PackageUrl u;
  u.type = "maven";
  u.ns = c.groupId;
  u.name = c.artifactId;
  u.version = c.version;
  if (type != "jar") u.qualifiers["type"] = std::string(type);
  auto built = purl::build(std::move(u));
  return built ? built->toString() : std::string();
}

sbom::Component componentOf(const java::Coordinates& c, std::string_view type,
                            const std::string& where) {
  sbom::Component comp;
  comp.type = type == "jar" ? sbom::ComponentType::kLibrary : sbom::ComponentType::kApplication;
  comp.name = c.artifactId;
  comp.group = c.groupId;
  comp.version = c.version;
  comp.purl = purlOf(c, type);
  comp.bomRef = (comp.purl.empty() ? "java:" + c.artifactId : comp.purl) + "#" + where;
  comp.foundBy = "java";
  comp.properties["tollgate:java:purl-derived-from"] = java::toString(c.source);
  if (!c.groupGuessedFrom.empty())
    comp.properties["tollgate:java:group-guessed-from"] = c.groupGuessedFrom;
  return comp;
}

void addLicenses(sbom::Component& comp, const java::PomXml* pom, const java::Manifest* m) {
  if (pom)
    for (const auto& l : pom->licenses) {
      sbom::License lic = sbom::normalizeLicense(l);
      if (std::find(comp.licenses.begin(), comp.licenses.end(), lic) == comp.licenses.end())
        comp.licenses.push_back(std::move(lic));
    }
  if (comp.licenses.empty() && m) {
    // Bundle-License is often a URL: only an SPDX expression is worth keeping as a licence.
    std::string bl = m->get("Bundle-License");
    sbom::License lic = sbom::normalizeLicense(bl.substr(0, bl.find(';')));
    if (!lic.expression.empty()) comp.licenses.push_back(std::move(lic));
  }
}

}  // namespace

Catalogue catalogJava(const FileTree& tree, Diagnostics& diag, bool hashArchives) {
  std::vector<const FileEntry*> archives;
  for (const FileEntry& e : tree.entries())
    if (e.type == EntryType::kRegular && e.size >= 22 && isJavaArchiveName(e.path))
      archives.push_back(&e);
  if (archives.empty()) return {};
  std::vector<std::vector<JarFacts>> facts(archives.size());
  parallelFor(
      archives.size(), defaultThreads(),
      [&](unsigned, std::size_t i) { facts[i] = factsOf(tree, *archives[i], hashArchives); }, 1);

  Catalogue out;
  std::unordered_map<std::string, std::string> refOfPath;     // archive path -> bomRef
  std::vector<std::pair<std::string, std::string>> nestedIn;  // child path, parent path
  std::map<std::string, std::vector<std::string>> edges;
  for (auto& group : facts) {
    for (auto& f : group) {
      if (!f.problems.empty()) {
        std::string msg = f.problems.front();
        if (f.problems.size() > 1)
          msg += " (and " + std::to_string(f.problems.size() - 1) + " more problems)";
        diag.warn(f.path, msg);
      }
      std::string file = baseName(f.path);
      std::string type = toLower(file.substr(file.size() - 3));
      std::vector<java::PomProperties> poms;
      for (const auto& [p, props] : f.poms) poms.push_back(props);
      const java::Manifest* m = f.manifest ? &*f.manifest : nullptr;
      java::Identity id = java::identify(file, m, poms);
      const java::PomXml* selfXml = nullptr;
      std::string selfEvidence;
      if (!f.poms.empty() && id.self.source == java::Source::kPomProperties) {
        selfEvidence = f.poms[id.self.pomIndex].first;
        selfXml = pomXmlBeside(f, selfEvidence);
      } else if (f.poms.empty() && f.pomXmls.size() == 1) {
        // No pom.properties, one pom.xml with literal coordinates: use them.
        const auto& [p, x] = f.pomXmls.front();
        if (!x.groupId.empty() && !x.artifactId.empty() && !x.version.empty()) {
          id.self =
              java::Coordinates{x.groupId, x.artifactId, x.version, java::Source::kPomXml, 0, {}};
          selfEvidence = p;
          selfXml = &x;
        }
      }
      sbom::Component c = componentOf(id.self, type, f.path);
      c.evidencePaths.push_back(f.path);
      if (!selfEvidence.empty()) c.evidencePaths.push_back(selfEvidence);
      if (!f.digests.sha1.empty()) c.hashes.push_back({"SHA-1", f.digests.sha1});
      if (!f.digests.sha256.empty()) c.hashes.push_back({"SHA-256", f.digests.sha256});
      c.properties["tollgate:java:archive"] = f.path;
      if (!f.parent.empty()) c.properties["tollgate:java:nested-in"] = f.parent;
      if (m) {
        for (const char* attr :
             {"Implementation-Title", "Implementation-Version", "Implementation-Vendor",
              "Implementation-Vendor-Id", "Specification-Title", "Specification-Version",
              "Specification-Vendor", "Bundle-SymbolicName", "Bundle-Version", "Bundle-Name",
              "Automatic-Module-Name", "Main-Class", "Created-By", "Build-Jdk-Spec"}) {
          std::string v = m->get(attr);
          if (!v.empty())
            c.properties["tollgate:java:manifest:" + toLower(attr)] = printable(v, 500);
        }
        c.supplier = m->get("Implementation-Vendor");
        if (c.supplier.empty()) c.supplier = m->get("Bundle-Vendor");
        c.description = m->get("Bundle-Description");
      }
      if (selfXml) {
        if (!selfXml->description.empty()) c.description = selfXml->description;
        if (!selfXml->url.empty()) c.properties["tollgate:java:url"] = selfXml->url;
      }
      addLicenses(c, selfXml, m);
      refOfPath[f.path] = c.bomRef;
      if (!f.parent.empty()) nestedIn.emplace_back(f.path, f.parent);
      for (const auto& s : id.shaded) {
        const std::string& pomPath = f.poms[s.pomIndex].first;
        sbom::Component sc = componentOf(s, "jar", pomPath);
        sc.evidencePaths.push_back(pomPath);
        sc.properties["tollgate:java:shaded-in"] = f.path;
        addLicenses(sc, pomXmlBeside(f, pomPath), nullptr);
        edges[c.bomRef].push_back(sc.bomRef);
        out.components.push_back(std::move(sc));
      }
      out.components.push_back(std::move(c));
    }
  }
  // An archive depends on what it bundles.
  for (const auto& [child, parent] : nestedIn) {
    auto p = refOfPath.find(parent);
    if (p != refOfPath.end()) edges[p->second].push_back(refOfPath.at(child));
  }
  for (auto& [from, to] : edges) {
    std::sort(to.begin(), to.end());
    to.erase(std::unique(to.begin(), to.end()), to.end());
    out.dependencies.push_back(sbom::Dependency{from, std::move(to)});
  }
  return out;
}

}  // namespace tollgate::catalog
