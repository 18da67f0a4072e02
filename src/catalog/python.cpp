// The Python cataloger: every installed distribution (`*.dist-info/METADATA`,
// `*.egg-info/PKG-INFO`, plain `*.egg-info` files, unzipped eggs' `EGG-INFO/PKG-INFO`) becomes a
// pypi component with the files its RECORD lists and edges to the distributions it requires
// that are installed beside it.
#include "tollgate/catalog/python.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>
#include <unordered_map>

#include "codec.h"
#include "tollgate/catalog/catalog.h"
#include "tollgate/purl/purl.h"
#include "tollgate/sbom/license.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/parallel.h"
#include "tollgate/util/strings.h"

namespace tollgate::catalog {
namespace python {
namespace {

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

// Placeholders setuptools and others write when a field is unknown.
bool isPlaceholder(std::string_view v) {
  v = trim(v);
  return v.empty() || equalsIgnoreCase(v, "UNKNOWN") || equalsIgnoreCase(v, "none") ||
         equalsIgnoreCase(v, "n/a");
}

bool isHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

std::string lineError(std::string_view what, std::size_t line) {
  return std::string(what) + " at line " + std::to_string(line);
}

// Does `marker` test the `extra` variable ("extra == 'x'", "extra!='y'", "'x' == extra")?
bool mentionsExtra(std::string_view marker) {
  for (auto pos = marker.find("extra"); pos != std::string_view::npos;
       pos = marker.find("extra", pos + 1)) {
    bool leftOk = pos == 0 || !isNameChar(marker[pos - 1]);
    bool rightOk = pos + 5 >= marker.size() || !isNameChar(marker[pos + 5]);
    if (leftOk && rightOk) return true;
  }
  return false;
}

}  // namespace

std::string normalizeName(std::string_view name) { return purl::pep503Name(name); }

Result<Requirement> parseRequirement(std::string_view text) {
  std::string_view s = trim(text);
  Requirement r;
  if (auto semi = s.find(';'); semi != std::string_view::npos) {
    r.marker = std::string(trim(s.substr(semi + 1)));
    s = trim(s.substr(0, semi));
  }
  std::size_t n = 0;
  while (n < s.size() && isNameChar(s[n])) ++n;
  if (n == 0) return fail(ErrorCode::kInvalidInput, "requirement has no project name");
  r.name = std::string(s.substr(0, n));
  // PEP 508: a name begins and ends with a letter or digit.
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(r.name.front()) || !alnum(r.name.back()))
    return fail(ErrorCode::kInvalidInput, "requirement has no valid project name");
  r.normalized = normalizeName(r.name);
  std::string_view rest = trim(s.substr(n));
  if (rest.starts_with('[')) {
    auto close = rest.find(']');
    if (close == std::string_view::npos)
      return fail(ErrorCode::kInvalidInput, "unterminated extras in requirement");
    r.extras = std::string(trim(rest.substr(1, close - 1)));
    rest = trim(rest.substr(close + 1));
  }
  if (rest.starts_with('(') && rest.ends_with(')')) rest = trim(rest.substr(1, rest.size() - 2));
  r.specifier = std::string(rest);
  r.extraOnly = mentionsExtra(r.marker);
  return r;
}

Result<CoreMetadata> parseCoreMetadata(std::string_view text) {
  if (text.find('\0') != std::string_view::npos)
    return fail(ErrorCode::kInvalidInput, "contains a NUL byte");
  if (text.starts_with("\xef\xbb\xbf")) text.remove_prefix(3);  // a UTF-8 byte order mark
  CoreMetadata md;
  std::string* last = nullptr;  // value a continuation line extends
  bool multiline = false;       // License/Description keep their line structure
  bool any = false;
  std::size_t lineNo = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++lineNo;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) break;  // the body (description) follows
    if (line.front() == ' ' || line.front() == '\t') {
      if (!any)
        return fail(ErrorCode::kInvalidInput,
                    lineError("continuation line before any header", lineNo));
      if (last) {
        std::string_view cont = line;
        if (multiline) {
          // setuptools indents continuation lines by 7 spaces and a '|' or by 8 spaces.
          std::size_t k = 0;
          while (k < cont.size() && k < 8 && cont[k] == ' ') ++k;
          if (k == 7 && k < cont.size() && cont[k] == '|') ++k;
          cont.remove_prefix(k);
          *last += '\n';
        } else {
          cont = trim(cont);
          if (!last->empty()) *last += ' ';
        }
        *last += cont;
      }
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      if (!any) return fail(ErrorCode::kInvalidInput, lineError("header line without ':'", lineNo));
      // An unindented continuation: older setuptools wrote a multi-line Keywords value as is
      // (Debian's passlib 1.7.4 PKG-INFO). Python's own parser would end the headers here and
      // lose the Classifiers that follow; folding the line into the previous header keeps them.
      if (last) {
        if (!last->empty()) *last += multiline ? '\n' : ' ';
        *last += trim(line);
      }
      continue;
    }
    std::string_view key = trim(line.substr(0, colon));
    if (key.empty())
      return fail(ErrorCode::kInvalidInput, lineError("header with an empty name", lineNo));
    std::string value(trim(line.substr(colon + 1)));
    any = true;
    last = nullptr;
    multiline = false;
    auto single = [&](std::string& slot, bool keepLines = false) {
      if (!slot.empty()) return;  // the first occurrence wins
      slot = std::move(value);
      last = &slot;
      multiline = keepLines;
    };
    auto multi = [&](std::vector<std::string>& list) {
      list.push_back(std::move(value));
      last = &list.back();
    };
    if (equalsIgnoreCase(key, "Metadata-Version"))
      single(md.metadataVersion);
    else if (equalsIgnoreCase(key, "Name"))
      single(md.name);
    else if (equalsIgnoreCase(key, "Version"))
      single(md.version);
    else if (equalsIgnoreCase(key, "Summary"))
      single(md.summary);
    else if (equalsIgnoreCase(key, "License"))
      single(md.license, true);
    else if (equalsIgnoreCase(key, "License-Expression"))
      single(md.licenseExpression);
    else if (equalsIgnoreCase(key, "Classifier"))
      multi(md.classifiers);
    else if (equalsIgnoreCase(key, "Author"))
      single(md.author);
    else if (equalsIgnoreCase(key, "Author-email"))
      single(md.authorEmail);
    else if (equalsIgnoreCase(key, "Maintainer"))
      single(md.maintainer);
    else if (equalsIgnoreCase(key, "Maintainer-email"))
      single(md.maintainerEmail);
    else if (equalsIgnoreCase(key, "Home-page"))
      single(md.homePage);
    else if (equalsIgnoreCase(key, "Project-URL"))
      multi(md.projectUrls);
    else if (equalsIgnoreCase(key, "Requires-Dist"))
      multi(md.requiresDist);
    else if (equalsIgnoreCase(key, "Requires-Python"))
      single(md.requiresPython);
    else if (equalsIgnoreCase(key, "Provides-Extra"))
      multi(md.providesExtra);
  }
  if (!any) return fail(ErrorCode::kInvalidInput, "no metadata headers");
  return md;
}

Result<std::vector<RecordEntry>> parseRecord(std::string_view text) {
  std::vector<RecordEntry> out;
  std::size_t lineNo = 0;
  std::size_t pos = 0;
  std::vector<std::string> fields;
  while (pos < text.size()) {
    const std::size_t rowLine = ++lineNo;  // errors name the line the row starts on
    fields.clear();
    std::string cur;
    bool endOfRow = false;
    // One CSV row; a quoted field may span lines.
    for (;;) {
      if (pos < text.size() && text[pos] == '"') {
        ++pos;
        for (;;) {
          if (pos >= text.size())
            return fail(ErrorCode::kInvalidInput, lineError("unterminated quoted field", rowLine));
          char c = text[pos++];
          if (c == '"') {
            if (pos < text.size() && text[pos] == '"') {
              cur += '"';
              ++pos;
              continue;
            }
            break;
          }
          if (c == '\n') ++lineNo;
          cur += c;
        }
        if (pos < text.size() && text[pos] != ',' && text[pos] != '\n' && text[pos] != '\r')
          return fail(ErrorCode::kInvalidInput, lineError("text after a closing quote", rowLine));
      } else {
        auto end = text.find_first_of(",\n", pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view raw = text.substr(pos, end - pos);
        if (raw.ends_with('\r')) raw.remove_suffix(1);
        if (raw.find('"') != std::string_view::npos)
          return fail(ErrorCode::kInvalidInput,
                      lineError("quote inside an unquoted field", rowLine));
        cur.append(raw);
        pos = end;
      }
      fields.push_back(std::move(cur));
      cur.clear();
      if (pos < text.size() && text[pos] == '\r') ++pos;
      if (pos >= text.size() || text[pos] == '\n') {
        if (pos < text.size()) ++pos;
        endOfRow = true;
      } else {
        ++pos;  // ','
      }
      if (endOfRow) break;
    }
    if (fields.size() == 1 && fields[0].empty()) continue;  // an empty line
    if (fields.size() > 3)
      return fail(ErrorCode::kInvalidInput, lineError("more than three fields", rowLine));
    RecordEntry e;
    e.path = std::move(fields[0]);
    if (e.path.empty()) return fail(ErrorCode::kInvalidInput, lineError("empty path", rowLine));
    if (fields.size() > 1 && !fields[1].empty()) {
      std::string_view h = fields[1];
      auto eq = h.find('=');
      if (eq == std::string_view::npos)
        return fail(ErrorCode::kInvalidInput, lineError("hash without '='", rowLine));
      auto algo = detail::hashAlgorithm(h.substr(0, eq));
      if (!algo)
        return fail(ErrorCode::kInvalidInput, lineError("unknown hash algorithm", rowLine));
      std::string_view digest = h.substr(eq + 1);
      e.hashAlgorithm = algo->cyclonedx;
      if (digest.size() == 2 * algo->bytes && isHex(digest)) {
        // Debian's dh-python writes hex digests instead of the specified base64.
        e.hashHex = toLower(digest);
      } else {
        auto bytes = detail::decodeBase64(digest);
        if (!bytes || bytes->size() != algo->bytes)
          return fail(ErrorCode::kInvalidInput, lineError("undecodable hash digest", rowLine));
        e.hashHex = toHex(*bytes);
      }
    }
    if (fields.size() > 2 && !fields[2].empty()) {
      std::uint64_t n = 0;
      const std::string& s = fields[2];
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec != std::errc() || p != s.data() + s.size())
        return fail(ErrorCode::kInvalidInput, lineError("size is not a number", rowLine));
      e.size = n;
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<std::string> parseRequiresTxt(std::string_view text) {
  std::vector<std::string> out;
  std::string sectionMarker;
  for (auto line : split(text, '\n')) {
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '[') {
      auto close = line.find(']');
      std::string_view sec = trim(
          line.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
      auto colon = sec.find(':');
      std::string_view extra = trim(sec.substr(0, colon));
      std::string_view marker =
          colon == std::string_view::npos ? std::string_view() : trim(sec.substr(colon + 1));
      sectionMarker.clear();
      if (!extra.empty()) sectionMarker = "extra == \"" + std::string(extra) + "\"";
      if (!marker.empty()) {
        if (!sectionMarker.empty()) sectionMarker += " and ";
        sectionMarker += "(" + std::string(marker) + ")";
      }
      continue;
    }
    if (!isNameChar(line.front())) continue;
    std::string req(line);
    if (!sectionMarker.empty()) {
      req += req.find(';') == std::string::npos ? "; " : " and ";
      req += sectionMarker;
    }
    out.push_back(std::move(req));
  }
  return out;
}

std::vector<sbom::License> licensesOf(const CoreMetadata& md) {
  std::vector<sbom::License> out;
  auto add = [&](sbom::License l) {
    if ((l.expression.empty() && l.name.empty()) ||
        std::find(out.begin(), out.end(), l) != out.end())
      return;
    out.push_back(std::move(l));
  };
  if (!isPlaceholder(md.licenseExpression)) {
    add(sbom::normalizeLicense(md.licenseExpression));
    if (!out.empty()) return out;
  }
  // A short one-line License field is a licence name; a long or multi-line one is a licence text.
  std::string_view lic = trim(md.license);
  bool shortLicense =
      !isPlaceholder(lic) && lic.size() <= 80 && lic.find('\n') == std::string_view::npos;
  std::optional<sbom::License> fromField;
  if (shortLicense) {
    fromField = sbom::normalizeLicense(lic);
    if (!fromField->expression.empty()) {
      add(*fromField);
      return out;
    }
  }
  std::vector<std::string> unmapped;
  for (const auto& c : md.classifiers) {
    if (!trim(c).starts_with("License ::")) continue;
    if (auto id = sbom::licenseFromClassifier(c)) {
      add(sbom::License{*id, {}});
    } else {
      auto segs = split(c, ':');
      std::string_view tail = trim(segs.back());
      // "License :: OSI Approved" alone names no licence.
      if (segs.size() >= 5 && !tail.empty() && tail != "OSI Approved") unmapped.emplace_back(tail);
    }
  }
  if (!out.empty()) return out;
  if (fromField) {
    add(*fromField);
    return out;
  }
  for (const auto& u : unmapped) add(sbom::License{{}, u});
  return out;
}

}  // namespace python

namespace {

enum class DistKind { kDistInfo, kEggInfoDir, kEggInfoFile, kEgg };

struct Dist {
  DistKind kind;
  std::string metadataPath;  // in-root
  std::string distDir;       // the .dist-info / .egg-info / EGG-INFO folder ("" for a file)
  std::string siteDir;       // the folder it is installed into (sys.path entry)
  Result<python::CoreMetadata> md = fail(ErrorCode::kInternal, "not read");
  std::optional<Result<std::string>> files{};  // RECORD or installed-files.txt text
  std::string requiresTxt{};
  std::string installer{};
};

std::string dirOf(std::string_view p) {
  auto slash = p.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return "/";
  return std::string(p.substr(0, slash));
}
std::string_view baseName(std::string_view p) { return p.substr(p.rfind('/') + 1); }

// Lexically joins `relPath` onto in-root folder `dir` ("" when it climbs above the root).
std::string joinLexical(std::string_view dir, std::string_view relPath) {
  std::vector<std::string_view> parts;
  auto push = [&](std::string_view path) {
    for (auto seg : split(path, '/')) {
      if (seg.empty() || seg == ".") continue;
      if (seg == "..") {
        if (parts.empty()) return false;
        parts.pop_back();
        continue;
      }
      parts.push_back(seg);
    }
    return true;
  };
  if (!relPath.starts_with('/') && !push(dir)) return {};
  if (!push(relPath)) return {};
  std::string out;
  for (auto p : parts) {
    out += '/';
    out += p;
  }
  return out.empty() ? "/" : out;
}

// "foo_bar-1.2.dist-info" -> {"foo_bar", "1.2"}; "Foo-1.0-py3.11.egg-info" -> {"Foo", "1.0"};
// "foo.egg-info" -> {"foo", ""}.
std::pair<std::string, std::string> identityFromDir(std::string_view base) {
  for (std::string_view ext : {".dist-info", ".egg-info", ".egg"})
    if (base.ends_with(ext)) {
      base.remove_suffix(ext.size());
      break;
    }
  auto parts = split(base, '-');
  if (parts.size() == 1) return {std::string(parts[0]), {}};
  return {std::string(parts[0]), std::string(parts[1])};
}

bool isPlaceholderSummary(std::string_view s) {
  s = trim(s);
  return s.empty() || s == "UNKNOWN";
}

std::string joinPerson(const std::string& name, const std::string& email) {
  std::string n = detail::oneLine(name, 200), e = detail::oneLine(email, 300);
  if (n == "UNKNOWN" || n == "None") n.clear();
  if (e == "UNKNOWN" || e == "None") e.clear();
  if (e.empty()) return n;
  if (n.empty() || e.find('<') != std::string::npos) return e;  // "Name <mail>" already
  return n + " <" + e + ">";
}

}  // namespace

Catalogue catalogPython(const FileTree& tree, Diagnostics& diag) {
  std::vector<Dist> dists;
  for (const FileEntry& e : tree.entries()) {
    if (e.type != EntryType::kRegular) continue;
    std::string_view base = baseName(e.path);
    if (base == "METADATA" || base == "PKG-INFO") {
      std::string dir = dirOf(e.path);
      std::string_view dbase = baseName(dir);
      if (base == "METADATA" && dbase.ends_with(".dist-info") && dbase.size() > 10) {
        dists.push_back(Dist{DistKind::kDistInfo, e.path, dir, dirOf(dir)});
      } else if (base == "PKG-INFO" && dbase.ends_with(".egg-info") && dbase.size() > 9) {
        dists.push_back(Dist{DistKind::kEggInfoDir, e.path, dir, dirOf(dir)});
      } else if (base == "PKG-INFO" && dbase == "EGG-INFO" &&
                 baseName(dirOf(dir)).ends_with(".egg")) {
        dists.push_back(Dist{DistKind::kEgg, e.path, dir, dirOf(dirOf(dir))});
      }
    } else if (base.ends_with(".egg-info") && base.size() > 9) {
      dists.push_back(Dist{DistKind::kEggInfoFile, e.path, "", dirOf(e.path)});
    }
  }
  if (dists.empty()) return {};

  parallelFor(
      dists.size(), defaultThreads(),
      [&](unsigned, std::size_t i) {
        Dist& d = dists[i];
        auto text = tree.root().readFile(d.metadataPath);
        if (!text) {
          d.md = std::unexpected(text.error());
          return;
        }
        d.md = python::parseCoreMetadata(*text);
        if (d.kind == DistKind::kEggInfoFile) return;
        const char* listing = d.kind == DistKind::kDistInfo ? "/RECORD" : "/installed-files.txt";
        if (tree.find(d.distDir + listing)) d.files = tree.root().readFile(d.distDir + listing);
        if (d.kind == DistKind::kDistInfo) {
          if (tree.find(d.distDir + "/INSTALLER"))
            if (auto inst = tree.root().readFile(d.distDir + "/INSTALLER", 4096))
              d.installer = detail::oneLine(*inst, 100);
        } else if (tree.find(d.distDir + "/requires.txt")) {
          if (auto req = tree.root().readFile(d.distDir + "/requires.txt", 1 << 20))
            d.requiresTxt = std::move(*req);
        }
      },
      4);

  std::unordered_map<std::string, std::size_t> index;  // normalised name '\0' version
  std::vector<sbom::Component> comps;
  // site folder -> normalised name -> component, for edges between neighbours.
  std::map<std::string, std::unordered_map<std::string, std::size_t>> bySite;
  std::vector<std::pair<const Dist*, std::size_t>> placed;
  for (const Dist& d : dists) {
    const python::CoreMetadata* md = nullptr;
    if (d.md) {
      md = &*d.md;
    } else if (d.md.error().code == ErrorCode::kInvalidInput) {
      diag.warn(d.metadataPath, "malformed core metadata: " + d.md.error().message);
    } else {
      diag.warn(d.md.error());
    }
    auto [dirName, dirVersion] =
        identityFromDir(baseName(d.kind == DistKind::kEgg ? dirOf(d.distDir)
                                 : d.distDir.empty()      ? d.metadataPath
                                                          : d.distDir));
    std::string name = md && !trim(md->name).empty() ? std::string(trim(md->name)) : dirName;
    std::string version =
        md && !trim(md->version).empty() ? std::string(trim(md->version)) : dirVersion;
    std::string norm = python::normalizeName(name);
    if (norm.empty()) {
      if (md) diag.warn(d.metadataPath, "distribution metadata has no name");
      continue;
    }
    std::string key = norm + '\0' + version;
    auto [it, fresh] = index.emplace(key, comps.size());
    if (fresh) {
      sbom::Component c;
      c.type = sbom::ComponentType::kLibrary;
      c.foundBy = "python";
      c.name = name;
      c.version = version;
      purl::PackageUrl pu;
      pu.type = "pypi";
      pu.name = norm;
      pu.version = version;
      if (auto built = purl::build(std::move(pu))) c.purl = built->toString();
      c.bomRef = c.purl.empty() ? "pypi:" + norm + "@" + version : c.purl;
      comps.push_back(std::move(c));
    }
    sbom::Component& c = comps[it->second];
    if (std::find(c.evidencePaths.begin(), c.evidencePaths.end(), d.metadataPath) ==
        c.evidencePaths.end())
      c.evidencePaths.push_back(d.metadataPath);
    if (md) {
      if (c.licenses.empty()) c.licenses = python::licensesOf(*md);
      if (c.author.empty()) c.author = joinPerson(md->author, md->authorEmail);
      if (c.supplier.empty()) c.supplier = joinPerson(md->maintainer, md->maintainerEmail);
      if (c.description.empty() && !isPlaceholderSummary(md->summary))
        c.description = detail::oneLine(md->summary);
      if (!md->homePage.empty() && md->homePage != "UNKNOWN")
        c.properties.emplace("tollgate:python:homepage", detail::oneLine(md->homePage));
    }
    if (!d.installer.empty()) c.properties.emplace("tollgate:python:installer", d.installer);
    if (d.files) {
      const std::string& listPath =
          d.distDir + (d.kind == DistKind::kDistInfo ? "/RECORD" : "/installed-files.txt");
      if (!*d.files) {
        diag.warn(d.files->error());
      } else if (d.kind == DistKind::kDistInfo) {
        auto record = python::parseRecord(**d.files);
        if (!record) {
          diag.warn(listPath, "malformed RECORD: " + record.error().message);
        } else {
          std::size_t missing = 0;
          for (const auto& r : *record) {
            std::string p = joinLexical(d.siteDir, r.path);
            if (p.empty() || !(tree.find(p) || tree.findResolved(p))) {
              ++missing;
              continue;
            }
            c.files.push_back(sbom::FileRef{std::move(p), {}});
          }
          if (missing) c.properties["tollgate:python:missingFiles"] = std::to_string(missing);
        }
      } else {
        for (auto line : split(**d.files, '\n')) {
          line = trim(line);
          if (line.empty()) continue;
          std::string p = joinLexical(d.distDir, line);
          if (!p.empty() && (tree.find(p) || tree.findResolved(p)))
            c.files.push_back(sbom::FileRef{std::move(p), {}});
        }
      }
    }
    bySite[d.siteDir].emplace(norm, it->second);
    placed.emplace_back(&d, it->second);
  }

  std::map<std::size_t, std::set<std::size_t>> edges;
  for (const auto& [d, ci] : placed) {
    std::vector<std::string> reqs;
    if (d->md) reqs = d->md->requiresDist;
    if (!d->requiresTxt.empty()) {
      auto more = python::parseRequiresTxt(d->requiresTxt);
      reqs.insert(reqs.end(), more.begin(), more.end());
    }
    const auto& site = bySite[d->siteDir];
    for (const auto& text : reqs) {
      auto r = python::parseRequirement(text);
      if (!r || r->extraOnly) continue;
      if (auto t = site.find(r->normalized); t != site.end() && t->second != ci)
        edges[ci].insert(t->second);
    }
  }

  Catalogue out;
  for (const auto& [from, tos] : edges) {
    sbom::Dependency dep{comps[from].bomRef, {}};
    for (std::size_t t : tos) dep.dependsOn.push_back(comps[t].bomRef);
    out.dependencies.push_back(std::move(dep));
  }
  out.components = std::move(comps);
  return out;
}

}  // namespace tollgate::catalog
