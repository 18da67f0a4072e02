// The component model every tollgate SBOM is made of, independent of any output format.
//
//   Bom bom;
//   bom.components.push_back(Component{.type = ComponentType::kLibrary, .name = "zlib1g", ...});
//   bom.normalize();   // stable order, unique bom-refs: required before writing
//
// CycloneDX 1.6 and SPDX 2.3 writers (cyclonedx.h, spdx.h) are views of this one model.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tollgate::sbom {

enum class ComponentType {
  kApplication,
  kLibrary,
  kFramework,
  kOperatingSystem,
  kFile,
  kContainer,
};

[[nodiscard]] const char* toString(ComponentType t);  // CycloneDX spelling: "library", ...

struct Hash {
  std::string algorithm;  // CycloneDX spelling: "SHA-256", "SHA-1", "MD5"
  std::string value;      // lower-case hex
  bool operator==(const Hash&) const = default;
  bool operator<(const Hash& o) const {
    return algorithm != o.algorithm ? algorithm < o.algorithm : value < o.value;
  }
};

// A licence as found in metadata. Exactly one of the fields is set.
struct License {
  std::string expression;  // a valid SPDX licence expression ("MIT OR Apache-2.0")
  std::string name;        // free text that is not a valid SPDX expression ("BSD-like")
  bool operator==(const License&) const = default;
  bool operator<(const License& o) const {
    return expression != o.expression ? expression < o.expression : name < o.name;
  }
};

// A file a component owns or is: in-root path plus digests.
struct FileRef {
  std::string path;          // in-root absolute path "/usr/bin/ls"
  std::vector<Hash> hashes;  // SHA-256 at least, when the file could be read
  bool operator<(const FileRef& o) const { return path < o.path; }
};

struct Component {
  // Unique within the BOM; deterministic (derived from purl or path), set by the cataloger or by
  // Bom::normalize() when empty.
  std::string bomRef;
  ComponentType type = ComponentType::kLibrary;
  std::string name;
  std::string group;  // npm scope without "@", Maven groupId; empty otherwise
  std::string version;
  std::string purl;      // canonical Package URL string, empty when none is derivable
  std::string supplier;  // organisation or maintainer ("Debian Python Team <...>")
  std::string author;
  std::string description;  // one line
  std::vector<License> licenses;
  std::vector<Hash> hashes;                // of the component itself (file components, archives)
  std::vector<std::string> evidencePaths;  // in-root paths where it was found (metadata files)
  std::vector<FileRef> files;              // files the package owns, with hashes
  // Debian, rpm, apk: the source package ("openssl") and its version; advisories are keyed by them.
  std::string sourceName;
  std::string sourceVersion;
  // Which cataloger found it: "dpkg", "npm", "python", "file", ...
  std::string foundBy;
  // Extra facts as name/value pairs, names namespaced "tollgate:..." (sorted on output).
  std::map<std::string, std::string> properties;
};

struct Dependency {
  std::string ref;                     // bomRef of the dependent
  std::vector<std::string> dependsOn;  // bomRefs it depends on
};

struct Metadata {
  std::string toolName = "tollgate";
  std::string toolVersion;
  std::string timestamp;             // RFC 3339 UTC; set by the caller (a Clock), not here
  std::string serialNumber;          // "urn:uuid:..."; set by the caller
  std::string subjectName;           // what was scanned: "/", "rootfs", "app.tar"
  std::string subjectType = "file";  // CycloneDX type of the subject: "operating-system", "file"...
  std::string subjectVersion;
  std::map<std::string, std::string> properties;
};

struct Bom {
  Metadata metadata;
  std::vector<Component> components;
  std::vector<Dependency> dependencies;

  // Makes the BOM deterministic and self-consistent: assigns missing bomRefs (the purl, else
  // "file:" + first evidence path, else "name@version"), merges components with the same bomRef
  // (evidence, files, hashes, licences and properties unioned; first non-empty scalar wins),
  // sorts components, files, hashes, licences, evidence and dependencies, merges dependency
  // entries of the same ref, and drops edges to unknown refs, self-edges and duplicates.
  void normalize();
};

}  // namespace tollgate::sbom
