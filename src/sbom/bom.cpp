#include "tollgate/sbom/bom.h"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace tollgate::sbom {
namespace {

template <class T>
void sortUnique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

void sortUniqueFiles(std::vector<FileRef>& files) {
  std::sort(files.begin(), files.end(), [](const FileRef& a, const FileRef& b) {
    return a.path != b.path ? a.path < b.path : a.hashes < b.hashes;
  });
  // Same path twice: keep the entry that has hashes.
  std::vector<FileRef> out;
  for (auto& f : files) {
    if (!out.empty() && out.back().path == f.path) {
      if (out.back().hashes.empty()) out.back().hashes = std::move(f.hashes);
      continue;
    }
    out.push_back(std::move(f));
  }
  for (auto& f : out) sortUnique(f.hashes);
  files = std::move(out);
}

void mergeInto(Component& into, Component&& from) {
  auto fill = [](std::string& a, std::string& b) {
    if (a.empty()) a = std::move(b);
  };
  fill(into.name, from.name);
  fill(into.group, from.group);
  fill(into.version, from.version);
  fill(into.purl, from.purl);
  fill(into.supplier, from.supplier);
  fill(into.author, from.author);
  fill(into.description, from.description);
  fill(into.sourceName, from.sourceName);
  fill(into.sourceVersion, from.sourceVersion);
  fill(into.foundBy, from.foundBy);
  auto append = [](auto& a, auto& b) { std::move(b.begin(), b.end(), std::back_inserter(a)); };
  append(into.licenses, from.licenses);
  append(into.hashes, from.hashes);
  append(into.evidencePaths, from.evidencePaths);
  append(into.files, from.files);
  for (auto& [k, v] : from.properties) into.properties.emplace(k, std::move(v));
}

}  // namespace

const char* toString(ComponentType t) {
  switch (t) {
    case ComponentType::kApplication:
      return "application";
    case ComponentType::kLibrary:
      return "library";
    case ComponentType::kFramework:
      return "framework";
    case ComponentType::kOperatingSystem:
      return "operating-system";
    case ComponentType::kFile:
      return "file";
    case ComponentType::kContainer:
      return "container";
  }
  return "library";
}

void Bom::normalize() {
  for (auto& c : components) {
    if (!c.bomRef.empty()) continue;
    if (!c.purl.empty()) {
      c.bomRef = c.purl;
    } else if (!c.evidencePaths.empty()) {
      std::vector<std::string> ev = c.evidencePaths;
      std::sort(ev.begin(), ev.end());
      c.bomRef = "file:" + ev.front();
    } else {
      c.bomRef = c.name + "@" + c.version;
    }
  }
  // Merge components with the same bomRef, keeping the first one's position for stability.
  std::unordered_map<std::string, std::size_t> index;
  std::vector<Component> merged;
  merged.reserve(components.size());
  for (auto& c : components) {
    auto [it, fresh] = index.emplace(c.bomRef, merged.size());
    if (fresh)
      merged.push_back(std::move(c));
    else
      mergeInto(merged[it->second], std::move(c));
  }
  for (auto& c : merged) {
    sortUnique(c.licenses);
    sortUnique(c.hashes);
    sortUnique(c.evidencePaths);
    sortUniqueFiles(c.files);
  }
  std::sort(merged.begin(), merged.end(),
            [](const Component& a, const Component& b) { return a.bomRef < b.bomRef; });
  components = std::move(merged);

  std::set<std::string> known;
  for (const auto& c : components) known.insert(c.bomRef);
  std::map<std::string, std::set<std::string>> edges;
  for (auto& d : dependencies) {
    if (!known.contains(d.ref)) continue;
    auto& to = edges[d.ref];
    for (auto& t : d.dependsOn)
      if (t != d.ref && known.contains(t)) to.insert(t);
  }
  dependencies.clear();
  for (auto& [ref, to] : edges) dependencies.push_back(Dependency{ref, {to.begin(), to.end()}});
}

}  // namespace tollgate::sbom
