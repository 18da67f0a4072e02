// Reading CycloneDX (1.2-1.7) and SPDX 2.x JSON documents back into a Bom.
//
// The input is untrusted: nlohmann's parser is the only thing that throws, and only inside
// parseJson(); the document tree is then walked with explicit type checks (never at(), get<>()
// or operator[] on a value of unchecked type), and every error names the JSON path of the value
// that is wrong. Nesting of CycloneDX components is bounded (kMaxDepth); nlohmann's parser and
// destructor are themselves iterative, so deep arrays cannot exhaust the stack.
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <unordered_map>

#include "format_common.h"
#include "tollgate/sbom/license.h"
#include "tollgate/sbom/writers.h"
#include "tollgate/util/json.h"
#include "tollgate/util/strings.h"

namespace tollgate::sbom {
namespace {

using json = nlohmann::json;

constexpr int kMaxDepth = 32;

std::string member(const std::string& path, std::string_view key) {
  return path + "." + std::string(key);
}
std::string item(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// The typed accessors: each returns false after recording the first error, so callers can write
// `if (!r.string(obj, "name", path, c.name)) return false;`. A JSON null reads as absent.
class Walker {
 public:
  explicit Walker(std::string label) : label_(std::move(label)) {}

  bool error(const std::string& path, std::string message,
             ErrorCode code = ErrorCode::kInvalidInput) {
    if (!error_) error_ = Error{code, path + ": " + std::move(message), label_, Error::kNoOffset};
    return false;
  }
  [[nodiscard]] const std::optional<Error>& firstError() const { return error_; }

  static const json* find(const json& obj, std::string_view key) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    return &*it;
  }

  bool object(const json& v, const std::string& path) {
    return v.is_object() || error(path, "expected an object, found " + typeName(v));
  }

  // Optional string member: absent leaves `out` alone.
  bool string(const json& obj, std::string_view key, const std::string& path, std::string& out) {
    const json* v = find(obj, key);
    if (!v) return true;
    if (!v->is_string())
      return error(member(path, key), "expected a string, found " + typeName(*v));
    out = v->get_ref<const std::string&>();
    return true;
  }
  bool requiredString(const json& obj, std::string_view key, const std::string& path,
                      std::string& out) {
    if (!find(obj, key)) return error(member(path, key), "missing");
    return string(obj, key, path, out);
  }
  // Optional array member: nullptr when absent.
  bool array(const json& obj, std::string_view key, const std::string& path, const json*& out) {
    out = find(obj, key);
    if (!out || out->is_array()) return true;
    return error(member(path, key), "expected an array, found " + typeName(*out));
  }
  bool optionalObject(const json& obj, std::string_view key, const std::string& path,
                      const json*& out) {
    out = find(obj, key);
    if (!out || out->is_object()) return true;
    return error(member(path, key), "expected an object, found " + typeName(*out));
  }
  bool stringArray(const json& obj, std::string_view key, const std::string& path,
                   std::vector<std::string>& out) {
    const json* a = nullptr;
    if (!array(obj, key, path, a)) return false;
    if (!a) return true;
    std::size_t i = 0;
    for (const auto& v : *a) {
      if (!v.is_string())
        return error(item(member(path, key), i), "expected a string, found " + typeName(v));
      out.push_back(v.get_ref<const std::string&>());
      ++i;
    }
    return true;
  }

  static std::string typeName(const json& v) {
    switch (v.type()) {
      case json::value_t::null:
        return "null";
      case json::value_t::object:
        return "an object";
      case json::value_t::array:
        return "an array";
      case json::value_t::string:
        return "a string";
      case json::value_t::boolean:
        return "a boolean";
      case json::value_t::number_integer:
      case json::value_t::number_unsigned:
      case json::value_t::number_float:
        return "a number";
      default:
        return "an unexpected value";
    }
  }

 private:
  std::string label_;
  std::optional<Error> error_;
};

// Licences -------------------------------------------------------------------------------------

void addExpression(std::vector<License>& out, std::string_view expr) {
  for (auto& part : detail::splitConjunction(expr))
    if (!part.empty()) out.push_back(License{std::move(part), {}});
}

void addLicenseName(std::vector<License>& out, std::string_view name) {
  name = trim(name);
  if (name.empty()) return;
  // Many tools put SPDX ids or expressions into the free-text field; keep those as expressions.
  License l = normalizeLicense(name);
  if (!l.expression.empty())
    addExpression(out, l.expression);
  else
    out.push_back(std::move(l));
}

// Agents and contacts --------------------------------------------------------------------------

// SPDX "Organization: Name (email)" / "Person: ..." / "Tool: ..." -> "Name <email>".
std::string fromSpdxAgent(std::string_view text) {
  text = trim(text);
  if (text == "NOASSERTION" || text == "NONE") return {};
  for (std::string_view prefix : {"Organization:", "Person:", "Tool:"}) {
    if (text.starts_with(prefix)) {
      text = trim(text.substr(prefix.size()));
      break;
    }
  }
  if (text.ends_with(')')) {
    auto open = text.rfind('(');
    if (open != std::string_view::npos) {
      std::string_view email = trim(text.substr(open + 1, text.size() - open - 2));
      std::string_view name = trim(text.substr(0, open));
      if (email.find('@') != std::string_view::npos && email.find(' ') == std::string_view::npos)
        return detail::formatContact(name, email);
      if (email.empty()) return std::string(name);
    }
  }
  return std::string(text);
}

// CycloneDX -------------------------------------------------------------------------------------

class CycloneDxReader {
 public:
  CycloneDxReader(Walker& r, Bom& bom) : r_(r), bom_(bom) {}

  bool read(const json& doc) {
    const std::string root = "$";
    std::string spec;
    if (!r_.requiredString(doc, "specVersion", root, spec)) return false;
    static const std::set<std::string, std::less<>> kSupported = {"1.2", "1.3", "1.4",
                                                                  "1.5", "1.6", "1.7"};
    if (!kSupported.contains(spec))
      return r_.error(member(root, "specVersion"),
                      "CycloneDX " + printable(spec, 20) + " is not supported (1.2 to 1.7)",
                      ErrorCode::kUnsupported);
    if (!r_.string(doc, "serialNumber", root, bom_.metadata.serialNumber)) return false;
    if (!readMetadata(doc, root)) return false;

    const json* comps = nullptr;
    if (!r_.array(doc, "components", root, comps)) return false;
    if (comps) {
      std::size_t i = 0;
      for (const auto& c : *comps)
        if (!readComponent(c, item(member(root, "components"), i++), 0)) return false;
    }
    const json* deps = nullptr;
    if (!r_.array(doc, "dependencies", root, deps)) return false;
    if (deps) {
      std::size_t i = 0;
      for (const auto& d : *deps) {
        std::string path = item(member(root, "dependencies"), i++);
        if (!r_.object(d, path)) return false;
        Dependency dep;
        if (!r_.requiredString(d, "ref", path, dep.ref)) return false;
        if (!r_.stringArray(d, "dependsOn", path, dep.dependsOn)) return false;
        // The model keeps edges only; the writer gives every component an entry again.
        if (!dep.dependsOn.empty()) bom_.dependencies.push_back(std::move(dep));
      }
    }
    return true;
  }

 private:
  bool readMetadata(const json& doc, const std::string& root) {
    const json* meta = nullptr;
    if (!r_.optionalObject(doc, "metadata", root, meta)) return false;
    if (!meta) return true;
    std::string path = member(root, "metadata");
    Metadata& m = bom_.metadata;
    if (!r_.string(*meta, "timestamp", path, m.timestamp)) return false;
    if (const json* tools = Walker::find(*meta, "tools")) {
      std::string tpath = member(path, "tools");
      const json* list = tools;  // 1.4 and before: an array of {vendor, name, version}
      if (tools->is_object()) {  // 1.5 and later: {components: [...], services: [...]}
        if (!r_.array(*tools, "components", tpath, list)) return false;
        tpath = member(tpath, "components");
      } else if (!tools->is_array()) {
        return r_.error(tpath, "expected an array or an object, found " + Walker::typeName(*tools));
      }
      if (list && !list->empty()) {
        const json& first = list->front();
        std::string fpath = item(tpath, 0);
        if (!r_.object(first, fpath)) return false;
        m.toolName.clear();
        if (!r_.string(first, "name", fpath, m.toolName)) return false;
        if (!r_.string(first, "version", fpath, m.toolVersion)) return false;
      }
    }
    const json* subject = nullptr;
    if (!r_.optionalObject(*meta, "component", path, subject)) return false;
    if (subject) {
      std::string spath = member(path, "component");
      if (!r_.string(*subject, "type", spath, m.subjectType)) return false;
      if (!r_.string(*subject, "name", spath, m.subjectName)) return false;
      if (!r_.string(*subject, "version", spath, m.subjectVersion)) return false;
    }
    return readProperties(*meta, path, m.properties);
  }

  bool readProperties(const json& obj, const std::string& path,
                      std::map<std::string, std::string>& out) {
    const json* props = nullptr;
    if (!r_.array(obj, "properties", path, props)) return false;
    if (!props) return true;
    std::size_t i = 0;
    for (const auto& p : *props) {
      std::string ppath = item(member(path, "properties"), i++);
      if (!r_.object(p, ppath)) return false;
      std::string name;
      std::string value;
      if (!r_.requiredString(p, "name", ppath, name)) return false;
      if (!r_.string(p, "value", ppath, value)) return false;
      out.emplace(std::move(name), std::move(value));  // duplicate names: the first one wins
    }
    return true;
  }

  bool readHashes(const json& obj, const std::string& path, std::vector<Hash>& out) {
    const json* hashes = nullptr;
    if (!r_.array(obj, "hashes", path, hashes)) return false;
    if (!hashes) return true;
    std::size_t i = 0;
    for (const auto& h : *hashes) {
      std::string hpath = item(member(path, "hashes"), i++);
      if (!r_.object(h, hpath)) return false;
      std::string alg;
      std::string content;
      if (!r_.requiredString(h, "alg", hpath, alg)) return false;
      if (!r_.requiredString(h, "content", hpath, content)) return false;
      Hash hash{std::string(detail::canonicalHashAlgorithm(alg)), toLower(content)};
      if (detail::isValidHash(hash)) out.push_back(std::move(hash));  // others are of no use
    }
    return true;
  }

  bool readLicenses(const json& obj, const std::string& path, std::vector<License>& out) {
    const json* licenses = nullptr;
    if (!r_.array(obj, "licenses", path, licenses)) return false;
    if (!licenses) return true;
    std::size_t i = 0;
    for (const auto& choice : *licenses) {
      std::string lpath = item(member(path, "licenses"), i++);
      if (!r_.object(choice, lpath)) return false;
      std::string expression;
      if (!r_.string(choice, "expression", lpath, expression)) return false;
      if (!expression.empty()) {
        addExpression(out, expression);
        continue;
      }
      const json* license = nullptr;
      if (!r_.optionalObject(choice, "license", lpath, license)) return false;
      if (!license) return r_.error(lpath, "neither \"license\" nor \"expression\"");
      std::string id;
      std::string name;
      std::string inner = member(lpath, "license");
      if (!r_.string(*license, "id", inner, id)) return false;
      if (!r_.string(*license, "name", inner, name)) return false;
      if (!id.empty())
        out.push_back(License{id, {}});
      else if (!name.empty())
        addLicenseName(out, name);
      else
        return r_.error(inner, "neither \"id\" nor \"name\"");
    }
    return true;
  }

  bool readSupplier(const json& obj, const std::string& path, std::string& out) {
    const json* s = nullptr;
    if (!r_.optionalObject(obj, "supplier", path, s)) return false;
    if (!s) return true;
    std::string spath = member(path, "supplier");
    std::string name;
    std::string email;
    if (!r_.string(*s, "name", spath, name)) return false;
    const json* contacts = nullptr;
    if (!r_.array(*s, "contact", spath, contacts)) return false;
    if (contacts && !contacts->empty()) {
      std::string cpath = item(member(spath, "contact"), 0);
      if (!r_.object(contacts->front(), cpath)) return false;
      if (!r_.string(contacts->front(), "email", cpath, email)) return false;
    }
    out = detail::formatContact(name, email);
    return true;
  }

  bool readAuthors(const json& obj, const std::string& path, std::string& out) {
    if (!r_.string(obj, "author", path, out)) return false;  // before 1.6: one string
    const json* authors = nullptr;
    if (!r_.array(obj, "authors", path, authors)) return false;
    if (!authors) return true;
    std::string joined;
    std::size_t i = 0;
    for (const auto& a : *authors) {
      std::string apath = item(member(path, "authors"), i++);
      if (!r_.object(a, apath)) return false;
      std::string name;
      std::string email;
      if (!r_.string(a, "name", apath, name)) return false;
      if (!r_.string(a, "email", apath, email)) return false;
      std::string one = detail::formatContact(name, email);
      if (one.empty()) continue;
      if (!joined.empty()) joined += ", ";
      joined += one;
    }
    if (!joined.empty()) out = std::move(joined);
    return true;
  }

  bool readEvidence(const json& obj, const std::string& path, std::vector<std::string>& out) {
    const json* evidence = nullptr;
    if (!r_.optionalObject(obj, "evidence", path, evidence)) return false;
    if (!evidence) return true;
    std::string epath = member(path, "evidence");
    const json* occurrences = nullptr;
    if (!r_.array(*evidence, "occurrences", epath, occurrences)) return false;
    if (!occurrences) return true;
    std::size_t i = 0;
    for (const auto& o : *occurrences) {
      std::string opath = item(member(epath, "occurrences"), i++);
      if (!r_.object(o, opath)) return false;
      std::string location;
      if (!r_.requiredString(o, "location", opath, location)) return false;
      out.push_back(std::move(location));
    }
    return true;
  }

  // Reads one component into bom_.components (nested non-file components follow it there;
  // nested file components become its files).
  bool readComponent(const json& v, const std::string& path, int depth) {
    if (depth > kMaxDepth)
      return r_.error(path, "components nested deeper than " + std::to_string(kMaxDepth),
                      ErrorCode::kLimit);
    if (!r_.object(v, path)) return false;
    Component c;
    std::string type;
    if (!r_.requiredString(v, "type", path, type)) return false;
    if (!detail::parseComponentType(type, c.type)) c.type = ComponentType::kLibrary;
    if (!r_.requiredString(v, "name", path, c.name)) return false;
    if (!r_.string(v, "bom-ref", path, c.bomRef)) return false;
    if (!r_.string(v, "group", path, c.group)) return false;
    if (!r_.string(v, "version", path, c.version)) return false;
    if (!r_.string(v, "description", path, c.description)) return false;
    if (!r_.string(v, "purl", path, c.purl)) return false;
    if (!readSupplier(v, path, c.supplier)) return false;
    if (!readAuthors(v, path, c.author)) return false;
    if (!readHashes(v, path, c.hashes)) return false;
    if (!readLicenses(v, path, c.licenses)) return false;
    if (!readEvidence(v, path, c.evidencePaths)) return false;
    if (!readProperties(v, path, c.properties)) return false;
    auto take = [&](std::string_view name, std::string& field) {
      auto it = c.properties.find(std::string(name));
      if (it == c.properties.end()) return;
      if (field.empty()) field = std::move(it->second);
      c.properties.erase(it);
    };
    take(detail::kPropCataloger, c.foundBy);
    for (const auto& source : detail::kSourcePropsByManager) {
      take(source.name, c.sourceName);
      take(source.version, c.sourceVersion);
    }
    // Syft's spelling of the Debian source package, for `tollgate vuln` on its SBOMs.
    if (c.sourceName.empty()) take("syft:metadata:source", c.sourceName);
    if (c.sourceVersion.empty()) take("syft:metadata:sourceVersion", c.sourceVersion);

    const json* nested = nullptr;
    if (!r_.array(v, "components", path, nested)) return false;
    std::size_t self = bom_.components.size();
    bom_.components.push_back(std::move(c));
    if (!nested) return true;
    std::size_t i = 0;
    for (const auto& n : *nested) {
      std::string npath = item(member(path, "components"), i++);
      if (n.is_object()) {
        const json* t = Walker::find(n, "type");
        if (t && t->is_string() && t->get_ref<const std::string&>() == "file") {
          FileRef f;
          if (!r_.requiredString(n, "name", npath, f.path)) return false;
          if (!readHashes(n, npath, f.hashes)) return false;
          bom_.components[self].files.push_back(std::move(f));
          continue;
        }
      }
      if (!readComponent(n, npath, depth + 1)) return false;
    }
    return true;
  }

  Walker& r_;
  Bom& bom_;
};

// SPDX ------------------------------------------------------------------------------------------

std::string pathFromSpdxFileName(std::string_view name) {
  if (name.starts_with("./")) name.remove_prefix(1);
  if (name.starts_with('/')) return std::string(name);
  return "/" + std::string(name);
}

// The bomRef Bom::normalize() would give; the reader needs it before normalising to wire up the
// relationships.
std::string defaultBomRef(const Component& c) {
  if (!c.purl.empty()) return c.purl;
  if (!c.evidencePaths.empty()) return "file:" + c.evidencePaths.front();
  return c.name + "@" + c.version;
}

class SpdxReader {
 public:
  SpdxReader(Walker& r, Bom& bom) : r_(r), bom_(bom) {}

  bool read(const json& doc) {
    const std::string root = "$";
    std::string version;
    if (!r_.requiredString(doc, "spdxVersion", root, version)) return false;
    if (!version.starts_with("SPDX-2."))
      return r_.error(member(root, "spdxVersion"),
                      printable(version, 20) + " is not supported (SPDX 2.x JSON)",
                      ErrorCode::kUnsupported);
    std::string docId = "SPDXRef-DOCUMENT";
    if (!r_.string(doc, "SPDXID", root, docId)) return false;
    std::string docName;
    std::string ns;
    if (!r_.string(doc, "name", root, docName)) return false;
    if (!r_.string(doc, "documentNamespace", root, ns)) return false;
    constexpr std::string_view kOurs = "https://tollgate.invalid/spdx/";
    if (ns.starts_with(kOurs) && detail::isUuidUrn("urn:uuid:" + ns.substr(kOurs.size())))
      bom_.metadata.serialNumber = "urn:uuid:" + ns.substr(kOurs.size());
    if (!readCreationInfo(doc, root)) return false;
    if (!readExtractedLicenses(doc, root)) return false;
    if (!readFiles(doc, root)) return false;
    if (!readPackages(doc, root)) return false;
    if (!readRelationships(doc, root, docId)) return false;
    assemble(docName);
    return true;
  }

 private:
  struct Package {
    std::string id;
    Component component;
    std::vector<std::string> fileIds;
    std::string purpose;
  };

  bool readCreationInfo(const json& doc, const std::string& root) {
    const json* info = nullptr;
    if (!r_.optionalObject(doc, "creationInfo", root, info)) return false;
    if (!info) return true;
    std::string path = member(root, "creationInfo");
    if (!r_.string(*info, "created", path, bom_.metadata.timestamp)) return false;
    std::vector<std::string> creators;
    if (!r_.stringArray(*info, "creators", path, creators)) return false;
    for (const auto& c : creators) {
      std::string_view t = trim(c);
      if (!t.starts_with("Tool:")) continue;
      t = trim(t.substr(5));
      // "tollgate-0.1.0" -> name "tollgate", version "0.1.0": the last '-' before a digit or
      // "v<digit>" separates them.
      std::size_t cut = std::string_view::npos;
      for (std::size_t i = t.size(); i-- > 0;) {
        if (t[i] != '-' || i + 1 >= t.size()) continue;
        char n = t[i + 1];
        bool digit = n >= '0' && n <= '9';
        bool vdigit = n == 'v' && i + 2 < t.size() && t[i + 2] >= '0' && t[i + 2] <= '9';
        if (digit || vdigit) {
          cut = i;
          break;
        }
      }
      bom_.metadata.toolName = std::string(t.substr(0, cut));
      bom_.metadata.toolVersion =
          cut == std::string_view::npos ? std::string() : std::string(t.substr(cut + 1));
      break;
    }
    return true;
  }

  bool readExtractedLicenses(const json& doc, const std::string& root) {
    const json* list = nullptr;
    if (!r_.array(doc, "hasExtractedLicensingInfos", root, list)) return false;
    if (!list) return true;
    std::size_t i = 0;
    for (const auto& e : *list) {
      std::string path = item(member(root, "hasExtractedLicensingInfos"), i++);
      if (!r_.object(e, path)) return false;
      std::string id;
      std::string name;
      std::string text;
      if (!r_.requiredString(e, "licenseId", path, id)) return false;
      if (!r_.string(e, "name", path, name)) return false;
      if (!r_.string(e, "extractedText", path, text)) return false;
      // Names tollgate wrote (and other tools' names) are the free text; a reference with no
      // name and no text stays a LicenseRef in the expression.
      // (tollgate declares a LicenseRef it found inside an expression with the id as its name
      // and NOASSERTION as its text: that one stays a reference).
      std::string freeText = name;
      if (name == "NOASSERTION" || (text == "NOASSERTION" && name == id)) freeText.clear();
      licenseNames_.emplace(std::move(id), std::move(freeText));
    }
    return true;
  }

  bool readChecksums(const json& obj, const std::string& path, std::vector<Hash>& out) {
    const json* list = nullptr;
    if (!r_.array(obj, "checksums", path, list)) return false;
    if (!list) return true;
    std::size_t i = 0;
    for (const auto& c : *list) {
      std::string cpath = item(member(path, "checksums"), i++);
      if (!r_.object(c, cpath)) return false;
      std::string alg;
      std::string value;
      if (!r_.requiredString(c, "algorithm", cpath, alg)) return false;
      if (!r_.requiredString(c, "checksumValue", cpath, value)) return false;
      Hash h{std::string(detail::cycloneDxHashAlgorithm(alg)), toLower(value)};
      if (detail::isValidHash(h)) out.push_back(std::move(h));
    }
    return true;
  }

  bool readFiles(const json& doc, const std::string& root) {
    const json* list = nullptr;
    if (!r_.array(doc, "files", root, list)) return false;
    if (!list) return true;
    std::size_t i = 0;
    for (const auto& f : *list) {
      std::string path = item(member(root, "files"), i++);
      if (!r_.object(f, path)) return false;
      std::string id;
      std::string name;
      if (!r_.requiredString(f, "SPDXID", path, id)) return false;
      if (!r_.requiredString(f, "fileName", path, name)) return false;
      FileRef ref{pathFromSpdxFileName(name), {}};
      if (!readChecksums(f, path, ref.hashes)) return false;
      files_.emplace(std::move(id), std::move(ref));
    }
    return true;
  }

  void addLicenses(std::string_view expr, std::vector<License>& out) {
    expr = trim(expr);
    if (expr.empty() || expr == "NOASSERTION" || expr == "NONE") return;
    for (auto& part : detail::splitConjunction(expr)) {
      auto it = licenseNames_.find(part);
      if (it != licenseNames_.end() && !it->second.empty())
        out.push_back(License{{}, it->second});
      else if (!part.empty())
        out.push_back(License{std::move(part), {}});
    }
  }

  bool readPackages(const json& doc, const std::string& root) {
    const json* list = nullptr;
    if (!r_.array(doc, "packages", root, list)) return false;
    if (!list) return true;
    std::size_t i = 0;
    for (const auto& p : *list) {
      std::string path = item(member(root, "packages"), i++);
      if (!r_.object(p, path)) return false;
      Package pkg;
      Component& c = pkg.component;
      std::string supplier;
      std::string originator;
      std::string summary;
      std::string declared;
      std::string concluded;
      std::string sourceInfo;
      std::string fileName;
      if (!r_.requiredString(p, "SPDXID", path, pkg.id)) return false;
      if (!r_.requiredString(p, "name", path, c.name)) return false;
      if (!r_.string(p, "versionInfo", path, c.version)) return false;
      if (!r_.string(p, "supplier", path, supplier)) return false;
      if (!r_.string(p, "originator", path, originator)) return false;
      if (!r_.string(p, "description", path, c.description)) return false;
      if (!r_.string(p, "summary", path, summary)) return false;
      if (!r_.string(p, "licenseDeclared", path, declared)) return false;
      if (!r_.string(p, "licenseConcluded", path, concluded)) return false;
      if (!r_.string(p, "sourceInfo", path, sourceInfo)) return false;
      if (!r_.string(p, "packageFileName", path, fileName)) return false;
      if (!r_.string(p, "primaryPackagePurpose", path, pkg.purpose)) return false;
      if (!r_.stringArray(p, "hasFiles", path, pkg.fileIds)) return false;
      const json* code = nullptr;
      if (!r_.optionalObject(p, "packageVerificationCode", path, code)) return false;
      if (code) {
        // Files left out of the code: tollgate names the owned files it had no SHA-1 for here.
        std::vector<std::string> excluded;
        if (!r_.stringArray(*code, "packageVerificationCodeExcludedFiles",
                            member(path, "packageVerificationCode"), excluded))
          return false;
        for (const auto& e : excluded) c.files.push_back(FileRef{pathFromSpdxFileName(e), {}});
      }
      if (!readChecksums(p, path, c.hashes)) return false;
      const json* refs = nullptr;
      if (!r_.array(p, "externalRefs", path, refs)) return false;
      if (refs) {
        std::size_t k = 0;
        for (const auto& ref : *refs) {
          std::string rpath = item(member(path, "externalRefs"), k++);
          if (!r_.object(ref, rpath)) return false;
          std::string type;
          std::string locator;
          if (!r_.string(ref, "referenceType", rpath, type)) return false;
          if (!r_.string(ref, "referenceLocator", rpath, locator)) return false;
          if (type == "purl" && c.purl.empty()) c.purl = locator;
        }
      }
      c.supplier = fromSpdxAgent(supplier);
      c.author = fromSpdxAgent(originator);
      if (c.description.empty()) c.description = summary;
      addLicenses(declared, c.licenses);
      if (c.licenses.empty()) addLicenses(concluded, c.licenses);
      constexpr std::string_view kBuiltFrom = "built package from:";
      if (std::string_view si = trim(sourceInfo); si.starts_with(kBuiltFrom)) {
        si = trim(si.substr(kBuiltFrom.size()));
        auto sp = si.find(' ');
        c.sourceName = std::string(si.substr(0, sp));
        if (sp != std::string_view::npos) c.sourceVersion = std::string(trim(si.substr(sp)));
      }
      std::string_view type = detail::cycloneDxTypeForPurpose(pkg.purpose);
      if (!detail::parseComponentType(type, c.type)) c.type = ComponentType::kLibrary;
      if (c.type == ComponentType::kFile && !fileName.empty())
        c.evidencePaths.push_back(pathFromSpdxFileName(fileName));
      packageIndex_.emplace(pkg.id, packages_.size());
      packages_.push_back(std::move(pkg));
    }
    return true;
  }

  bool readRelationships(const json& doc, const std::string& root, const std::string& docId) {
    std::vector<std::string> described;
    if (!r_.stringArray(doc, "documentDescribes", root, described)) return false;
    const json* list = nullptr;
    if (!r_.array(doc, "relationships", root, list)) return false;
    std::size_t i = 0;
    if (list) {
      for (const auto& rel : *list) {
        std::string path = item(member(root, "relationships"), i++);
        if (!r_.object(rel, path)) return false;
        std::string from;
        std::string type;
        std::string to;
        if (!r_.requiredString(rel, "spdxElementId", path, from)) return false;
        if (!r_.requiredString(rel, "relationshipType", path, type)) return false;
        if (!r_.requiredString(rel, "relatedSpdxElement", path, to)) return false;
        if (type == "DESCRIBES" && from == docId) described.push_back(to);
        if (type == "DESCRIBED_BY" && to == docId) described.push_back(from);
        if (type == "DEPENDS_ON") dependsOn_.emplace_back(from, to);
        if (type == "DEPENDENCY_OF") dependsOn_.emplace_back(to, from);
        if (type == "CONTAINS") contains_.emplace_back(from, to);
        if (type == "CONTAINED_BY") contains_.emplace_back(to, from);
      }
    }
    // The document's subject: the one package it describes, when that package is tollgate's
    // root or holds other packages; otherwise every package is a component.
    std::set<std::string> roots(described.begin(), described.end());
    if (roots.size() == 1) {
      const std::string& id = *roots.begin();
      bool holds = std::any_of(contains_.begin(), contains_.end(),
                               [&](const auto& e) {
                                 return e.first == id && packageIndex_.contains(e.second);
                               }) ||
                   std::any_of(dependsOn_.begin(), dependsOn_.end(),
                               [&](const auto& e) { return e.first == id; });
      if (packageIndex_.contains(id) && (id == "SPDXRef-Root" || holds)) subject_ = id;
    }
    return true;
  }

  void assemble(const std::string& docName) {
    Metadata& m = bom_.metadata;
    m.subjectName = docName;
    if (!subject_.empty()) {
      const Package& s = packages_[packageIndex_.at(subject_)];
      m.subjectName = s.component.name;
      m.subjectVersion = s.component.version;
      std::string_view type = detail::cycloneDxTypeForPurpose(s.purpose);
      m.subjectType = type.empty() ? "file" : std::string(type);
    }
    std::set<std::string> ownedFiles;
    for (const auto& [from, to] : contains_) {
      auto p = packageIndex_.find(from);
      if (p != packageIndex_.end() && files_.contains(to))
        packages_[p->second].fileIds.push_back(to);
    }
    std::vector<std::string> refs(packages_.size());
    for (std::size_t i = 0; i < packages_.size(); ++i) {
      Package& p = packages_[i];
      for (const auto& fid : p.fileIds) {
        auto f = files_.find(fid);
        if (f == files_.end()) continue;
        p.component.files.push_back(f->second);
        ownedFiles.insert(fid);
      }
      refs[i] = defaultBomRef(p.component);
      p.component.bomRef = refs[i];
    }
    for (const auto& [from, to] : dependsOn_) {
      auto a = packageIndex_.find(from);
      auto b = packageIndex_.find(to);
      if (a == packageIndex_.end() || b == packageIndex_.end()) continue;
      if (from == subject_ || to == subject_) continue;
      bom_.dependencies.push_back(Dependency{refs[a->second], {refs[b->second]}});
    }
    for (auto& p : packages_)
      if (p.id != subject_) bom_.components.push_back(std::move(p.component));
    // Files no package contains: file components, as the file cataloger would make them.
    for (auto& [id, f] : files_) {
      if (ownedFiles.contains(id)) continue;
      Component c;
      c.type = ComponentType::kFile;
      c.name = f.path.substr(f.path.rfind('/') + 1);
      c.evidencePaths.push_back(f.path);
      c.hashes = f.hashes;
      c.bomRef = defaultBomRef(c);
      bom_.components.push_back(std::move(c));
    }
  }

  Walker& r_;
  Bom& bom_;
  std::map<std::string, std::string> licenseNames_;  // LicenseRef id -> free text ("" if none)
  std::map<std::string, FileRef> files_;             // by SPDXID
  std::vector<Package> packages_;
  std::unordered_map<std::string, std::size_t> packageIndex_;
  std::vector<std::pair<std::string, std::string>> dependsOn_;
  std::vector<std::pair<std::string, std::string>> contains_;
  std::string subject_;
};

}  // namespace

Result<Bom> readBom(std::string_view text, const std::string& label) {
  auto doc = parseJson(text, label);
  if (!doc) return std::unexpected(doc.error());
  if (!doc->is_object())
    return fail(
        ErrorCode::kInvalidInput,
        "$: expected a JSON object (a CycloneDX or SPDX document), found " + Walker::typeName(*doc),
        label);
  Bom bom;
  bom.metadata.subjectType = "file";
  Walker walker(label);
  bool ok = false;
  if (doc->contains("bomFormat")) {
    std::string format;
    if (!walker.string(*doc, "bomFormat", "$", format))
      return std::unexpected(*walker.firstError());
    if (format != "CycloneDX")
      return fail(ErrorCode::kInvalidInput,
                  "$.bomFormat: expected \"CycloneDX\", found \"" + printable(format, 40) + "\"",
                  label);
    ok = CycloneDxReader(walker, bom).read(*doc);
  } else if (doc->contains("spdxVersion")) {
    ok = SpdxReader(walker, bom).read(*doc);
  } else if (doc->contains("@context")) {
    return fail(ErrorCode::kUnsupported, "$: SPDX 3 (JSON-LD) documents are not supported", label);
  } else {
    return fail(ErrorCode::kInvalidInput,
                "$: neither a CycloneDX document (no \"bomFormat\") nor an SPDX document (no "
                "\"spdxVersion\")",
                label);
  }
  if (!ok) return std::unexpected(*walker.firstError());
  bom.normalize();
  return bom;
}

}  // namespace tollgate::sbom
