// What differs between two releases: files (by path and SHA-256, symlinks by target) and
// components (packages by identity, versions compared). The rules (rules.h) judge the changes.
//
//   ReleaseDiff d = integrity::diffReleases(*oldRelease, *newRelease);
//   for (const FileChange& c : d.files) print(toString(c.kind), c.path);
//
// Pure over the two releases; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tollgate/integrity/release.h"

namespace tollgate::integrity {

enum class ChangeKind { kAdded, kRemoved, kChanged };

// "added", "removed", "changed".
[[nodiscard]] const char* toString(ChangeKind k);

struct FileChange {
  ChangeKind kind = ChangeKind::kChanged;
  std::string path;
  const ReleaseFile* oldFile = nullptr;  // null when added
  const ReleaseFile* newFile = nullptr;  // null when removed
};

struct ComponentChange {
  ChangeKind kind = ChangeKind::kChanged;
  std::string key;  // identity: the purl without version and qualifiers, else type/name
  std::string name;
  std::string oldVersion;
  std::string newVersion;
  std::string purl;  // the newest purl seen
};

struct ReleaseDiff {
  std::vector<FileChange> files;            // sorted by path
  std::vector<ComponentChange> components;  // sorted by key
  std::size_t unchangedFiles = 0;
};

[[nodiscard]] ReleaseDiff diffReleases(const Release& oldRelease, const Release& newRelease);

// The identity of a component across releases (what the component diff keys on).
[[nodiscard]] std::string componentKey(const sbom::Component& c);

}  // namespace tollgate::integrity
