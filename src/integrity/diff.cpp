#include "tollgate/integrity/diff.h"

#include <map>

namespace tollgate::integrity {

const char* toString(ChangeKind k) {
  switch (k) {
    case ChangeKind::kAdded:
      return "added";
    case ChangeKind::kRemoved:
      return "removed";
    case ChangeKind::kChanged:
      return "changed";
  }
  return "changed";
}

std::string componentKey(const sbom::Component& c) {
  if (!c.purl.empty()) {
    // pkg:type/ns/name@version?qualifiers#subpath: drop version and qualifiers (a distro
    // qualifier carries the release number, which changes between releases) but keep arch.
    std::string_view p = c.purl;
    std::string_view base = p.substr(0, p.find_first_of("@?#"));
    std::string key(base);
    if (auto q = p.find('?'); q != std::string_view::npos) {
      std::string_view qs = p.substr(q + 1, p.find('#', q) - q - 1);
      if (auto a = qs.find("arch="); a != std::string_view::npos && (a == 0 || qs[a - 1] == '&'))
        key += "?" + std::string(qs.substr(a, qs.find('&', a) - a));
    }
    return key;
  }
  return std::string(sbom::toString(c.type)) + "/" + (c.group.empty() ? "" : c.group + "/") +
         c.name;
}

ReleaseDiff diffReleases(const Release& oldRelease, const Release& newRelease) {
  ReleaseDiff d;
  const auto& a = oldRelease.files();
  const auto& b = newRelease.files();
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i].path < b[j].path)) {
      d.files.push_back({ChangeKind::kRemoved, a[i].path, &a[i], nullptr});
      ++i;
    } else if (i == a.size() || b[j].path < a[i].path) {
      d.files.push_back({ChangeKind::kAdded, b[j].path, nullptr, &b[j]});
      ++j;
    } else {
      const auto& x = a[i];
      const auto& y = b[j];
      bool same = x.type == y.type && x.sha256 == y.sha256 && x.linkTarget == y.linkTarget &&
                  (x.type != EntryType::kRegular || x.size == y.size);
      if (same)
        ++d.unchangedFiles;
      else
        d.files.push_back({ChangeKind::kChanged, x.path, &x, &y});
      ++i;
      ++j;
    }
  }

  // Components other than single files (those are the file diff's business).
  struct Side {
    const sbom::Component* oldC = nullptr;
    const sbom::Component* newC = nullptr;
  };
  std::map<std::string, Side> byKey;
  for (const auto& c : oldRelease.bom().components)
    if (c.type != sbom::ComponentType::kFile) byKey[componentKey(c)].oldC = &c;
  for (const auto& c : newRelease.bom().components)
    if (c.type != sbom::ComponentType::kFile) byKey[componentKey(c)].newC = &c;
  for (const auto& [key, s] : byKey) {
    ComponentChange cc;
    cc.key = key;
    if (s.oldC && !s.newC) {
      cc.kind = ChangeKind::kRemoved;
      cc.name = s.oldC->name;
      cc.oldVersion = s.oldC->version;
      cc.purl = s.oldC->purl;
    } else if (!s.oldC && s.newC) {
      cc.kind = ChangeKind::kAdded;
      cc.name = s.newC->name;
      cc.newVersion = s.newC->version;
      cc.purl = s.newC->purl;
    } else {
      if (s.oldC->version == s.newC->version && s.oldC->hashes == s.newC->hashes) continue;
      cc.kind = ChangeKind::kChanged;
      cc.name = s.newC->name;
      cc.oldVersion = s.oldC->version;
      cc.newVersion = s.newC->version;
      cc.purl = s.newC->purl;
    }
    d.components.push_back(std::move(cc));
  }
  return d;
}

}  // namespace tollgate::integrity
