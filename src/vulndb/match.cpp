#include "tollgate/vulndb/match.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "severity.h"
#include "tollgate/purl/purl.h"
#include "tollgate/vulndb/osv.h"

namespace tollgate::vulndb {

namespace {

// "3.19.1" -> "3.19"
std::string majorMinor(std::string_view v) {
  auto dot = v.find('.');
  if (dot == std::string_view::npos) return std::string(v);
  auto dot2 = v.find('.', dot + 1);
  return std::string(v.substr(0, dot2));
}

// "12.4" -> "12"
std::string major(std::string_view v) { return std::string(v.substr(0, v.find('.'))); }

struct AdvisoryRow {
  bool found = false;
  std::string modified;
  bool withdrawn = false;
  std::string summary;
  std::vector<std::string> aliases;
  nlohmann::json severity = nlohmann::json::array();
  std::string dbSeverity;
};

struct AffectedRow {
  std::string advisoryId;
  std::vector<versions::Range> ranges;
  std::vector<std::string> versions;
  std::string severity;
};

struct Hit {
  std::string id;
  std::vector<std::string> fixed;
  std::string affectedSeverity;
  std::string ecosystem;
  std::string package;
  std::string version;
};

std::vector<std::string> jsonStrings(std::string_view text) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& v : j)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::string relPath(std::string_view p) {
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  return std::string(p);
}

// Union-find over the indexes of one component's hits.
struct Groups {
  std::vector<std::size_t> parent;
  explicit Groups(std::size_t n) : parent(n) {
    for (std::size_t i = 0; i < n; ++i) parent[i] = i;
  }
  std::size_t find(std::size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  }
  void join(std::size_t a, std::size_t b) { parent[find(a)] = find(b); }
};

// Which id names a merged group: an ecosystem's own id before a CVE, then the smallest.
bool preferId(const std::string& a, const std::string& b) {
  bool ca = a.starts_with("CVE-"), cb = b.starts_with("CVE-");
  if (ca != cb) return cb;
  return a < b;
}

}  // namespace

Distro distroOf(const sbom::Bom& bom) {
  Distro d;
  const auto& p = bom.metadata.properties;
  if (auto it = p.find("tollgate:os:id"); it != p.end()) d.id = it->second;
  if (auto it = p.find("tollgate:os:version_id"); it != p.end()) d.versionId = it->second;
  if (d.id.empty() && bom.metadata.subjectType == "operating-system") {
    d.id = bom.metadata.subjectName;
    d.versionId = bom.metadata.subjectVersion;
  }
  if (!d.id.empty() && !d.versionId.empty()) return d;
  for (const auto& c : bom.components) {
    if (!c.purl.starts_with("pkg:deb/") && !c.purl.starts_with("pkg:apk/")) continue;
    auto u = purl::parse(c.purl);
    if (!u) continue;
    auto q = u->qualifiers.find("distro");
    if (q == u->qualifiers.end()) continue;
    std::string_view v = q->second;
    auto dash = v.find('-');
    if (dash == std::string_view::npos) continue;
    d.id = std::string(v.substr(0, dash));
    d.versionId = std::string(v.substr(dash + 1));
    return d;
  }
  return d;
}

std::vector<PackageQuery> packageOf(const sbom::Component& c, const Distro& distro) {
  std::vector<PackageQuery> out;
  if (c.purl.empty()) return out;
  auto u = purl::parse(c.purl);
  if (!u) return out;
  std::string version = u->version.empty() ? c.version : u->version;
  auto add = [&](std::string eco, std::string name, std::string ver) {
    if (ver.empty() || name.empty()) return;
    PackageQuery q;
    q.scheme = versions::schemeForEcosystem(eco);
    q.name = packageKey(ecosystemBase(eco), name);
    q.ecosystem = std::move(eco);
    q.version = std::move(ver);
    out.push_back(std::move(q));
  };
  const std::string& t = u->type;
  std::string slashName = u->ns.empty() ? u->name : u->ns + "/" + u->name;
  if (t == "npm") {
    add("npm", u->ns.empty() ? u->name : u->ns + "/" + u->name, version);
  } else if (t == "pypi") {
    add("PyPI", u->name, version);
  } else if (t == "golang") {
    // Go modules carry a "v" (OSV's Go ranges do not).
    std::string v = version;
    if (v.starts_with('v')) v.erase(0, 1);
    add("Go", slashName, v);
  } else if (t == "cargo") {
    add("crates.io", u->name, version);
  } else if (t == "maven") {
    add("Maven", u->ns.empty() ? u->name : u->ns + ":" + u->name, version);
  } else if (t == "gem") {
    add("RubyGems", u->name, version);
  } else if (t == "nuget") {
    add("NuGet", u->name, version);
  } else if (t == "composer") {
    add("Packagist", slashName, version);
  } else if (t == "hex") {
    add("Hex", u->name, version);
  } else if (t == "pub") {
    add("Pub", u->name, version);
  } else if (t == "swift") {
    add("SwiftURL", slashName, version);
  } else if (t == "hackage") {
    add("Hackage", u->name, version);
  } else if (t == "cran") {
    add("CRAN", u->name, version);
  } else if (t == "deb" || t == "apk") {
    Distro d = distro;
    if (auto q = u->qualifiers.find("distro"); q != u->qualifiers.end()) {
      auto dash = q->second.find('-');
      if (dash != std::string::npos) {
        d.id = q->second.substr(0, dash);
        d.versionId = q->second.substr(dash + 1);
      }
    }
    if (d.id.empty()) d.id = u->ns;
    if (d.versionId.empty()) return out;
    // Advisories name the source package; its version is the binary's unless a binNMU or a
    // separately versioned source says otherwise.
    std::string name = c.sourceName.empty() ? u->name : c.sourceName;
    std::string ver = c.sourceVersion.empty() ? version : c.sourceVersion;
    if (t == "deb" && d.id == "debian") {
      add("Debian:" + major(d.versionId), name, ver);
      // Releases before 7 were named "6.0", "4.0" in the security tracker.
      if (major(d.versionId) != d.versionId) add("Debian:" + d.versionId, name, ver);
    } else if (t == "deb" && d.id == "ubuntu") {
      add("Ubuntu:" + d.versionId, name, ver);
      add("Ubuntu:" + d.versionId + ":LTS", name, ver);
    } else if (t == "apk" && d.id == "alpine") {
      add("Alpine:v" + majorMinor(d.versionId), name, ver);
    }
  }
  return out;
}

struct Matcher::Impl {
  std::unique_ptr<store::Statement> affected;
  std::unique_ptr<store::Statement> advisory;
  std::unordered_map<std::string, std::vector<AffectedRow>> affectedCache;
  std::unordered_map<std::string, AdvisoryRow> advisoryCache;

  Result<const std::vector<AffectedRow>*> lookup(const PackageQuery& q) {
    std::string key = q.ecosystem;
    key += '\0';
    key += q.name;
    if (auto it = affectedCache.find(key); it != affectedCache.end()) return &it->second;
    auto& rows = affectedCache[key];
    auto& s = *affected;
    s.reset();
    (void)s.bind(1, q.ecosystem);
    (void)s.bind(2, q.name);
    for (;;) {
      auto r = s.step();
      if (!r) return std::unexpected(r.error());
      if (!*r) break;
      AffectedRow row;
      row.advisoryId = std::string(s.columnText(0));
      auto ranges = decodeRanges(s.columnText(1));
      if (ranges) row.ranges = std::move(*ranges);
      row.versions = jsonStrings(s.columnText(2));
      row.severity = std::string(s.columnText(3));
      rows.push_back(std::move(row));
    }
    return &rows;
  }

  Result<const AdvisoryRow*> details(const std::string& id) {
    if (auto it = advisoryCache.find(id); it != advisoryCache.end()) return &it->second;
    auto& row = advisoryCache[id];
    auto& s = *advisory;
    s.reset();
    (void)s.bind(1, id);
    auto r = s.step();
    if (!r) return std::unexpected(r.error());
    if (*r) {
      row.found = true;
      row.modified = std::string(s.columnText(0));
      row.withdrawn = !s.isNull(1);
      row.summary = std::string(s.columnText(2));
      row.aliases = jsonStrings(s.columnText(3));
      auto sev = nlohmann::json::parse(s.columnText(4), nullptr, false);
      if (sev.is_array()) row.severity = std::move(sev);
      row.dbSeverity = std::string(s.columnText(5));
    }
    return &row;
  }
};

Matcher::Matcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Matcher::Matcher(Matcher&&) noexcept = default;
Matcher& Matcher::operator=(Matcher&&) noexcept = default;
Matcher::~Matcher() = default;

Result<Matcher> Matcher::open(store::Store& store) {
  auto impl = std::make_unique<Impl>();
  auto a = store.prepare(
      "SELECT advisory_id, ranges, versions, severity FROM vulndb_affected "
      "WHERE ecosystem = ? AND name = ?");
  if (!a) return std::unexpected(a.error());
  auto d = store.prepare(
      "SELECT modified, withdrawn, summary, aliases, severity, db_severity FROM "
      "vulndb_advisories WHERE id = ?");
  if (!d) return std::unexpected(d.error());
  impl->affected = std::move(*a);
  impl->advisory = std::move(*d);
  return Matcher(std::move(impl));
}

Result<MatchResult> Matcher::match(const sbom::Bom& bom, const IndicatorSet* indicators) {
  MatchResult out;
  Distro distro = distroOf(bom);
  for (const auto& c : bom.components) {
    ++out.stats.components;
    std::vector<std::string> paths;
    for (const auto& p : c.evidencePaths) paths.push_back(p);
    if (c.type == sbom::ComponentType::kFile && paths.empty())
      for (const auto& f : c.files) paths.push_back(f.path);
    std::string subject = c.purl.empty() ? c.bomRef : c.purl;

    // Known-bad hashes: the component's own and those of the files it owns.
    if (indicators && !indicators->empty()) {
      auto check = [&](const std::string& path, const std::vector<sbom::Hash>& hashes) {
        for (const auto& h : hashes) {
          std::optional<IndicatorType> type = h.algorithm == "SHA-256" ? IndicatorType::kSha256
                                              : h.algorithm == "SHA-1" ? IndicatorType::kSha1
                                              : h.algorithm == "MD5"
                                                  ? IndicatorType::kMd5
                                                  : std::optional<IndicatorType>{};
          if (!type) continue;
          const Indicator* ind = indicators->find(*type, h.value);
          if (!ind) continue;
          report::Finding f;
          f.id = "ioc-" + std::string(toString(*type)) + "-" + h.value.substr(0, 16);
          f.severity = report::Severity::kMalicious;
          f.subject = path.empty() ? subject : path;
          f.message = (path.empty() ? subject : path) + " matches a known-bad " +
                      std::string(toString(*type)) +
                      (ind->description.empty() ? "" : " (" + ind->description + ")");
          f.evidence["indicator"] = {{"type", toString(*type)},
                                     {"value", ind->value},
                                     {"description", ind->description},
                                     {"source", ind->source}};
          f.evidence["component"] = subject;
          f.evidence["paths"] = path.empty() ? paths : std::vector<std::string>{path};
          if (!path.empty()) f.locations.push_back(relPath(path));
          out.findings.push_back(std::move(f));
        }
      };
      check(c.type == sbom::ComponentType::kFile && !paths.empty() ? paths.front() : "", c.hashes);
      for (const auto& file : c.files) check(file.path, file.hashes);

      // A binary signed with a certificate on a list (a stolen or abused code-signing key).
      if (auto s = c.properties.find("tollgate:authenticode:signer-serial");
          s != c.properties.end()) {
        auto canon = canonicalIndicator(IndicatorType::kCertSerial, s->second);
        const Indicator* ind =
            canon ? indicators->find(IndicatorType::kCertSerial, *canon) : nullptr;
        if (ind) {
          std::string where = paths.empty() ? subject : paths.front();
          auto signer = c.properties.find("tollgate:authenticode:signer");
          report::Finding f;
          f.id = "ioc-cert-serial-" + ind->value.substr(0, 16);
          // High, not malicious: lists name certificates that also signed legitimate builds
          // (3CX's own), so the match says "look at this signer", not "this file is bad".
          f.severity = report::Severity::kHigh;
          f.subject = where;
          f.message = where + " is signed with a certificate on an indicator list (serial " +
                      ind->value + (ind->description.empty() ? "" : ", " + ind->description) + ")";
          f.evidence["indicator"] = {{"type", toString(IndicatorType::kCertSerial)},
                                     {"value", ind->value},
                                     {"description", ind->description},
                                     {"source", ind->source}};
          if (signer != c.properties.end()) f.evidence["signer"] = signer->second;
          f.evidence["component"] = subject;
          f.evidence["paths"] = paths;
          if (!paths.empty()) f.locations.push_back(relPath(paths.front()));
          out.findings.push_back(std::move(f));
        }
      }
    }

    auto queries = packageOf(c, distro);
    if (queries.empty()) continue;
    ++out.stats.queried;
    std::vector<Hit> hits;
    for (const auto& q : queries) {
      auto rows = impl_->lookup(q);
      if (!rows) return std::unexpected(rows.error());
      for (const auto& row : **rows) {
        ++out.stats.candidates;
        auto hit = versions::affected(q.scheme, q.version, row.ranges, row.versions);
        if (!hit) {
          ++out.stats.unparsable;
          continue;
        }
        if (!*hit) continue;
        if (std::ranges::any_of(hits, [&](const Hit& h) { return h.id == row.advisoryId; }))
          continue;
        Hit h;
        h.id = row.advisoryId;
        h.affectedSeverity = row.severity;
        h.ecosystem = q.ecosystem;
        h.package = q.name;
        h.version = q.version;
        for (const auto& r : row.ranges)
          for (const auto& e : r.events) {
            if (e.kind != versions::Event::kFixed) continue;
            auto scheme = r.type == versions::Range::kSemver ? versions::Scheme::kSemver : q.scheme;
            auto cmp = versions::compare(scheme, e.version, q.version);
            if ((!cmp || *cmp > 0) && std::ranges::find(h.fixed, e.version) == h.fixed.end())
              h.fixed.push_back(e.version);
          }
        hits.push_back(std::move(h));
      }
    }
    if (hits.empty()) continue;

    // Details (withdrawn ones are dropped: a newer record may have withdrawn it after the
    // affected rows of an older one were read).
    std::vector<const AdvisoryRow*> rows;
    std::vector<Hit> live;
    for (auto& h : hits) {
      auto d = impl_->details(h.id);
      if (!d) return std::unexpected(d.error());
      if (!(*d)->found || (*d)->withdrawn) continue;
      rows.push_back(*d);
      live.push_back(std::move(h));
    }
    Groups groups(live.size());
    for (std::size_t i = 0; i < live.size(); ++i)
      for (std::size_t j = i + 1; j < live.size(); ++j) {
        const auto& ai = rows[i]->aliases;
        const auto& aj = rows[j]->aliases;
        bool linked = std::ranges::find(ai, live[j].id) != ai.end() ||
                      std::ranges::find(aj, live[i].id) != aj.end() ||
                      std::ranges::any_of(ai, [&](const std::string& x) {
                        return std::ranges::find(aj, x) != aj.end();
                      });
        if (linked) groups.join(i, j);
      }
    std::map<std::size_t, std::vector<std::size_t>> byGroup;
    for (std::size_t i = 0; i < live.size(); ++i) byGroup[groups.find(i)].push_back(i);
    for (const auto& [root, members] : byGroup) {
      std::size_t lead = members.front();
      for (auto m : members)
        if (preferId(live[m].id, live[lead].id)) lead = m;
      out.stats.merged += members.size() - 1;
      std::set<std::string> aliases;
      std::vector<std::string> fixed;
      SeverityInfo sev;
      for (auto m : members) {
        if (m != lead) aliases.insert(live[m].id);
        for (const auto& a : rows[m]->aliases) aliases.insert(a);
        for (const auto& fx : live[m].fixed)
          if (std::ranges::find(fixed, fx) == fixed.end()) fixed.push_back(fx);
        SeverityInfo s = severityOf(live[m].id, rows[m]->severity, rows[m]->dbSeverity,
                                    live[m].affectedSeverity);
        if (m == lead || s.severity > sev.severity) sev = s;
      }
      aliases.erase(live[lead].id);
      const Hit& h = live[lead];
      const AdvisoryRow& d = *rows[lead];
      report::Finding f;
      f.id = h.id;
      f.severity = sev.severity;
      f.subject = subject;
      // Language packages by their ecosystem name ("@ctrl/deluge"), distro packages by the
      // binary package's own name (the advisory names its source).
      std::string_view base = ecosystemBase(h.ecosystem);
      bool distroPkg = base == "Debian" || base == "Ubuntu" || base == "Alpine";
      std::string who = (distroPkg ? c.name : h.package) + " " + c.version;
      if (h.id.starts_with("MAL-")) {
        f.message = who + " is a known-malicious package (" + h.id + ")" +
                    (d.summary.empty() ? "" : ": " + d.summary);
      } else {
        f.message = who + ": " + (d.summary.empty() ? h.id : d.summary);
        if (!fixed.empty()) {
          f.message += " (fixed in ";
          for (std::size_t i = 0; i < fixed.size(); ++i) f.message += (i ? ", " : "") + fixed[i];
          f.message += ")";
        } else {
          f.message += " (no fixed version)";
        }
      }
      f.evidence["aliases"] = std::vector<std::string>(aliases.begin(), aliases.end());
      f.evidence["installed"] = c.version;
      if (h.version != c.version) f.evidence["matched_version"] = h.version;
      f.evidence["fixed"] = fixed;
      f.evidence["ecosystem"] = h.ecosystem;
      f.evidence["package"] = h.package;
      if (sev.baseScore) f.evidence["score"] = *sev.baseScore;
      {
        std::vector<std::string> vectors;
        for (const auto& v : d.severity)
          if (v.is_object() && v.contains("score") && v["score"].is_string() &&
              v["score"].get_ref<const std::string&>().starts_with("CVSS:"))
            vectors.push_back(v["score"].get<std::string>());
        if (!vectors.empty()) f.evidence["cvss"] = vectors;
      }
      f.evidence["severity_source"] = sev.source;
      f.evidence["modified"] = d.modified;
      f.evidence["paths"] = paths;
      for (const auto& p : paths) f.locations.push_back(relPath(p));
      out.findings.push_back(std::move(f));
    }
  }
  std::ranges::sort(out.findings, [](const report::Finding& a, const report::Finding& b) {
    return a.subject != b.subject ? a.subject < b.subject : a.id < b.id;
  });
  return out;
}

}  // namespace tollgate::vulndb
