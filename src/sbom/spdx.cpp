// SPDX 2.3 JSON writer. The field mapping is documented in docs/formats.md.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "format_common.h"
#include "json_writer.h"
#include "tollgate/sbom/writers.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/strings.h"

namespace tollgate::sbom {
namespace {

using detail::JsonWriter;

constexpr std::string_view kNoAssertion = "NOASSERTION";

// SPDX idstrings allow letters, digits, '.' and '-' only.
std::string sanitizeIdString(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-';
    out += ok ? c : '-';
  }
  if (out.empty()) out = "empty";
  return out;
}

// Hands out unique SPDX ids: "<prefix><sanitised key>", and on a collision (two keys that
// sanitise alike) the key's SHA-256 prefix appended, so ids do not depend on what else is in the
// document.
class IdAllocator {
 public:
  IdAllocator() {
    used_.insert("SPDXRef-DOCUMENT");
    used_.insert(std::string(kRootId));
  }
  std::string allocate(std::string_view prefix, std::string_view key) {
    std::string id = std::string(prefix) + sanitizeIdString(key);
    if (used_.contains(id)) {
      std::string base = id + "-" + sha256Hex(key).substr(0, 12);
      id = base;
      for (int n = 2; used_.contains(id); ++n) id = base + "-" + std::to_string(n);
    }
    used_.insert(id);
    return id;
  }
  void reserve(std::size_t n) { used_.reserve(n + 2); }

  static constexpr std::string_view kRootId = "SPDXRef-Root";

 private:
  std::unordered_set<std::string> used_;
};

// "Organization: Name (email)" or "Person: Name (email)". Package metadata does not say which
// one a maintainer is; names of teams, projects and companies read as organisations.
bool looksLikeOrganization(const detail::Contact& c) {
  static constexpr std::array<std::string_view, 30> kWords = {
      "team",        "project",    "projects",     "maintainers", "developers",   "foundation",
      "inc",         "ltd",        "llc",          "gmbh",        "corporation",  "corp",
      "company",     "group",      "community",    "consortium",  "organization", "organisation",
      "association", "university", "contributors", "authors",     "software",     "systems",
      "labs",        "society",    "collective",   "debian",      "ubuntu",       "packagers"};
  std::string lower = toLower(c.name);
  std::size_t i = 0;
  while (i < lower.size()) {
    while (i < lower.size() && !std::isalnum(static_cast<unsigned char>(lower[i]))) ++i;
    std::size_t j = i;
    while (j < lower.size() && std::isalnum(static_cast<unsigned char>(lower[j]))) ++j;
    std::string_view word = std::string_view(lower).substr(i, j - i);
    if (!word.empty() && std::find(kWords.begin(), kWords.end(), word) != kWords.end()) return true;
    i = j;
  }
  std::string email = toLower(c.email);
  return email.find("lists.") != std::string::npos || email.find("-devel@") != std::string::npos ||
         email.find("tracker.debian.org") != std::string::npos;
}

std::string spdxAgent(std::string_view text) {
  detail::Contact c = detail::parseContact(text);
  std::string out = looksLikeOrganization(c) ? "Organization: " : "Person: ";
  if (c.name.empty()) return out + c.email;
  out += c.name;
  if (!c.email.empty()) out += " (" + c.email + ")";
  return out;
}

std::string spdxFileName(std::string_view path) {
  while (path.starts_with('/')) path.remove_prefix(1);
  return "./" + std::string(path);
}

const Hash* findHash(const std::vector<Hash>& hashes, std::string_view algorithm) {
  for (const auto& h : hashes)
    if (h.algorithm == algorithm && detail::isValidHash(h)) return &h;
  return nullptr;
}

std::string sha1Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  // One-shot EVP digest of in-memory data: fails only when OpenSSL itself is broken.
  int ok = EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha1(), nullptr);
  TOLLGATE_CHECK(ok == 1 && len == 20, "EVP_Digest(SHA-1) of memory cannot fail");
  return toHex(std::span<const std::uint8_t>(md.data(), len));
}

// SPDX 2.3 clause 7.9: SHA-1 of the sorted, concatenated SHA-1 digests of the package's files.
std::string verificationCode(const std::vector<std::string_view>& sha1s) {
  std::vector<std::string> sorted;
  sorted.reserve(sha1s.size());
  for (auto s : sha1s) sorted.push_back(toLower(s));
  std::sort(sorted.begin(), sorted.end());
  std::string all;
  all.reserve(sorted.size() * 40);
  for (const auto& s : sorted) all += s;
  return sha1Hex(all);
}

// Licence references: free-text names become LicenseRef-<name> with their text in
// hasExtractedLicensingInfos; LicenseRef-s already inside expressions are declared too.
class LicenseRefs {
 public:
  explicit LicenseRefs(const Bom& bom) {
    std::set<std::string> names;
    for (const auto& c : bom.components)
      for (const auto& l : c.licenses) {
        if (l.expression.empty() && !l.name.empty()) names.insert(l.name);
        if (!l.expression.empty()) collectRefs(l.expression);
      }
    std::unordered_set<std::string> used;
    for (const auto& [id, text] : extracted_) used.insert(id);
    for (const auto& name : names) {
      std::string id = "LicenseRef-" + sanitizeIdString(name);
      if (used.contains(id)) {
        std::string base = id + "-" + sha256Hex(name).substr(0, 12);
        id = base;
        for (int n = 2; used.contains(id); ++n) id = base + "-" + std::to_string(n);
      }
      used.insert(id);
      byName_.emplace(name, id);
      extracted_.emplace(id, Extracted{name, name});
    }
  }

  [[nodiscard]] std::string declared(const std::vector<License>& licenses) const {
    std::vector<std::string> parts;
    for (const auto& l : licenses) {
      if (!l.expression.empty())
        parts.push_back(l.expression);
      else if (!l.name.empty())
        parts.push_back(byName_.at(l.name));
    }
    if (parts.empty()) return std::string(kNoAssertion);
    return detail::joinConjunction(parts);
  }

  void write(JsonWriter& w) const {
    if (extracted_.empty()) return;
    w.key("hasExtractedLicensingInfos");
    w.beginArray();
    for (const auto& [id, e] : extracted_) {
      w.beginObject();
      w.field("licenseId", id);
      w.field("extractedText", e.text);
      w.field("name", e.name);
      w.endObject();
    }
    w.endArray();
  }

 private:
  struct Extracted {
    std::string name;
    std::string text;
  };

  void collectRefs(std::string_view expr) {
    std::size_t pos = 0;
    while ((pos = expr.find("LicenseRef-", pos)) != std::string_view::npos) {
      std::size_t end = pos;
      while (end < expr.size() && expr[end] != ' ' && expr[end] != '(' && expr[end] != ')') ++end;
      bool external = pos > 0 && expr[pos - 1] == ':';  // DocumentRef-x:LicenseRef-y
      std::string id(expr.substr(pos, end - pos));
      if (!external && id == "LicenseRef-" + sanitizeIdString(id.substr(11)))
        extracted_.emplace(id, Extracted{id, std::string(kNoAssertion)});
      pos = end;
    }
  }

  std::map<std::string, Extracted> extracted_;  // by licenseId
  std::unordered_map<std::string, std::string> byName_;
};

std::string documentNamespace(const Bom& bom, std::string_view created) {
  constexpr std::string_view kBase = "https://tollgate.invalid/spdx/";
  const std::string& serial = bom.metadata.serialNumber;
  if (detail::isUuidUrn(serial)) return std::string(kBase) + serial.substr(9);
  // No serial number (a library caller): unique enough per subject, time and contents, and
  // computed from what the document says, so that reading and writing it again keeps it.
  Sha256 h;
  h.update(bom.metadata.subjectName + "\n" + bom.metadata.subjectVersion + "\n" +
           std::string(created) + "\n");
  for (const auto& c : bom.components) {
    h.update(c.bomRef);
    h.update(std::string_view("\n"));
  }
  return std::string(kBase) + h.hexDigest().substr(0, 32);
}

struct SpdxFile {
  std::string id;
  const FileRef* ref = nullptr;
  std::string_view sha1;
};

void writeChecksums(JsonWriter& w, const std::vector<Hash>& hashes) {
  bool any = false;
  for (const auto& h : hashes) {
    std::string_view alg = detail::spdxChecksumAlgorithm(h.algorithm);
    if (alg.empty() || !detail::isValidHash(h)) continue;
    if (!any) {
      w.key("checksums");
      w.beginArray();
      any = true;
    }
    w.beginObject();
    w.field("algorithm", alg);
    w.field("checksumValue", toLower(h.value));
    w.endObject();
  }
  if (any) w.endArray();
}

void writeRelationship(JsonWriter& w, std::string_view from, std::string_view type,
                       std::string_view to) {
  w.beginObject();
  w.field("spdxElementId", from);
  w.field("relationshipType", type);
  w.field("relatedSpdxElement", to);
  w.endObject();
}

}  // namespace

std::string toSpdxJson(const Bom& bom) {
  std::string out;
  detail::writeSpdxJson(bom, out, {});
  return out;
}

void detail::writeSpdxJson(const Bom& bom, std::string& out, const Sink& sink) {
  const Metadata& m = bom.metadata;
  IdAllocator ids;
  const std::string rootId(IdAllocator::kRootId);

  // Files: one SPDX file per distinct path, and only those with a SHA-1, which SPDX 2.3 requires
  // of every file (clause 8.4). Ids are given in path order, so they do not depend on which
  // package owns a file.
  std::map<std::string_view, SpdxFile> files;
  // Per component, its SPDX files in its own order (nullptr: no SHA-1, not an SPDX file).
  std::vector<std::vector<const SpdxFile*>> owned(bom.components.size());
  std::size_t idCount = bom.components.size();
  for (const auto& c : bom.components) idCount += c.files.size();
  ids.reserve(idCount);
  for (std::size_t i = 0; i < bom.components.size(); ++i) {
    owned[i].reserve(bom.components[i].files.size());
    for (const auto& f : bom.components[i].files) {
      const Hash* sha1 = findHash(f.hashes, "SHA-1");
      owned[i].push_back(
          sha1 ? &files.try_emplace(f.path, SpdxFile{{}, &f, sha1->value}).first->second : nullptr);
    }
  }
  for (auto& [path, f] : files) f.id = ids.allocate("SPDXRef-File-", path);

  std::vector<std::string> packageIds;
  packageIds.reserve(bom.components.size());
  std::unordered_map<std::string_view, std::size_t> indexOfRef;
  for (std::size_t i = 0; i < bom.components.size(); ++i) {
    const Component& c = bom.components[i];
    packageIds.push_back(ids.allocate("SPDXRef-Package-", c.bomRef.empty() ? c.name : c.bomRef));
    indexOfRef.emplace(c.bomRef, i);
  }
  LicenseRefs licenseRefs(bom);

  if (!sink) {
    std::size_t estimate = 4096 + files.size() * 260;
    for (const auto& c : bom.components) estimate += 1200 + c.files.size() * 130;
    out.reserve(estimate);
  }
  JsonWriter w = sink ? JsonWriter(out, sink) : JsonWriter(out);
  w.beginObject();
  w.field("spdxVersion", "SPDX-2.3");
  w.field("dataLicense", "CC0-1.0");
  w.field("SPDXID", "SPDXRef-DOCUMENT");
  w.field("name", m.subjectName.empty() ? "tollgate-sbom" : m.subjectName);
  const std::string created =
      detail::isRfc3339(m.timestamp) ? m.timestamp : std::string("1970-01-01T00:00:00Z");
  w.field("documentNamespace", documentNamespace(bom, created));
  w.key("creationInfo");
  w.beginObject();
  w.field("created", created);
  w.key("creators");
  w.beginArray();
  std::string tool = "Tool: " + (m.toolName.empty() ? std::string("tollgate") : m.toolName);
  if (!m.toolVersion.empty()) tool += "-" + m.toolVersion;
  w.string(tool);
  w.endArray();
  w.endObject();

  w.key("packages");
  w.beginArray();
  // The scanned subject, which the document describes and which contains every package.
  w.beginObject();
  w.field("SPDXID", rootId);
  w.field("name", m.subjectName);
  w.optionalField("versionInfo", m.subjectVersion);
  w.field("downloadLocation", kNoAssertion);
  w.key("filesAnalyzed");
  w.boolean(false);
  w.field("licenseConcluded", kNoAssertion);
  w.field("licenseDeclared", kNoAssertion);
  w.field("copyrightText", kNoAssertion);
  w.field("primaryPackagePurpose", detail::spdxPurpose(m.subjectType));
  w.endObject();

  for (std::size_t i = 0; i < bom.components.size(); ++i) {
    const Component& c = bom.components[i];
    std::vector<std::string_view> sha1s;
    std::vector<std::string> excluded;  // files without a SHA-1 cannot be SPDX files
    for (std::size_t k = 0; k < c.files.size(); ++k) {
      if (owned[i][k] != nullptr)
        sha1s.push_back(owned[i][k]->sha1);
      else
        excluded.push_back(spdxFileName(c.files[k].path));
    }
    const bool filesAnalyzed = !sha1s.empty();

    w.beginObject();
    w.field("SPDXID", packageIds[i]);
    w.field("name", c.name);
    w.optionalField("versionInfo", c.version);
    if (c.type == ComponentType::kFile && !c.evidencePaths.empty())
      w.field("packageFileName", spdxFileName(c.evidencePaths.front()));
    if (!c.supplier.empty()) w.field("supplier", spdxAgent(c.supplier));
    if (!c.author.empty()) w.field("originator", spdxAgent(c.author));
    w.field("downloadLocation", kNoAssertion);
    // SPDX 2.3 clause 7.8: a package with filesAnalyzed false "shall not contain any files".
    w.key("filesAnalyzed");
    w.boolean(filesAnalyzed);
    if (filesAnalyzed) {
      // Files that could not be hashed are named as excluded from the code, so that the code
      // stays reproducible from the files listed and no owned path is silently dropped.
      w.key("packageVerificationCode");
      w.beginObject();
      w.field("packageVerificationCodeValue", verificationCode(sha1s));
      if (!excluded.empty()) {
        w.key("packageVerificationCodeExcludedFiles");
        w.beginArray();
        for (const auto& e : excluded) w.string(e);
        w.endArray();
      }
      w.endObject();
    }
    writeChecksums(w, c.hashes);
    if (!c.sourceName.empty()) {
      std::string info = "built package from: " + c.sourceName;
      if (!c.sourceVersion.empty()) info += " " + c.sourceVersion;
      w.field("sourceInfo", info);
    }
    w.field("licenseConcluded", kNoAssertion);
    w.field("licenseDeclared", licenseRefs.declared(c.licenses));
    w.field("copyrightText", kNoAssertion);
    w.optionalField("description", c.description);
    if (!c.purl.empty()) {
      w.key("externalRefs");
      w.beginArray();
      w.beginObject();
      w.field("referenceCategory", "PACKAGE-MANAGER");
      w.field("referenceType", "purl");
      w.field("referenceLocator", c.purl);
      w.endObject();
      w.endArray();
    }
    w.field("primaryPackagePurpose", detail::spdxPurpose(toString(c.type)));
    w.endObject();
  }
  w.endArray();

  w.key("files");
  w.beginArray();
  for (const auto& [path, f] : files) {
    w.beginObject();
    w.field("SPDXID", f.id);
    w.field("fileName", spdxFileName(path));
    writeChecksums(w, f.ref->hashes);
    w.endObject();
  }
  w.endArray();

  licenseRefs.write(w);

  w.key("relationships");
  w.beginArray();
  writeRelationship(w, "SPDXRef-DOCUMENT", "DESCRIBES", rootId);
  for (const auto& id : packageIds) writeRelationship(w, rootId, "CONTAINS", id);
  for (const auto& d : bom.dependencies) {
    auto from = indexOfRef.find(d.ref);
    if (from == indexOfRef.end()) continue;
    for (const auto& t : d.dependsOn) {
      auto to = indexOfRef.find(t);
      if (to == indexOfRef.end() || to->second == from->second) continue;
      writeRelationship(w, packageIds[from->second], "DEPENDS_ON", packageIds[to->second]);
    }
  }
  for (std::size_t i = 0; i < bom.components.size(); ++i) {
    // normalize() made each component's paths unique.
    for (const SpdxFile* f : owned[i])
      if (f != nullptr) writeRelationship(w, packageIds[i], "CONTAINS", f->id);
  }
  w.endArray();
  w.endObject();
  w.finish();
}

}  // namespace tollgate::sbom
