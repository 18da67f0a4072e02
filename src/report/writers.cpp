#include "tollgate/report/writers.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "tollgate/cvss/cvss.h"
#include "tollgate/purl/purl.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/json.h"
#include "tollgate/util/strings.h"

namespace tollgate::report {

namespace {

using ojson = nlohmann::ordered_json;

std::string dump(const ojson& j) { return jsonText(j, 2) + "\n"; }

// Valid UTF-8 for strings that go into JSON (the dump's replace handler would do it too, but
// table cells need it as well).
std::string utf8(std::string_view s) {
  if (isValidUtf8(s)) return std::string(s);
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8SequenceLength(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

bool isPurl(std::string_view s) { return startsWith(s, "pkg:"); }

bool hasScheme(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return s.substr(colon).starts_with("://");
}

// A subject or target that names a file: not a purl, not a URL, not a flow id ("flow:...").
bool looksLikePath(std::string_view s) {
  if (s.empty() || isPurl(s) || hasScheme(s)) return false;
  if (s.find('\n') != std::string_view::npos) return false;
  return s.front() == '/' || s.front() == '.' || s.find('/') != std::string_view::npos ||
         s.find('.') != std::string_view::npos;
}

// RFC 3986 percent-encoding of a path: unreserved characters, '/' and sub-delims stay.
std::string encodePath(std::string_view p) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : p) {
    if (std::isalnum(c) || std::string_view("-._~/!$&'()*+,;=@").find(static_cast<char>(c)) !=
                               std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A file URI for SARIF: relative paths stay relative to the scanned root (so code-scanning UIs
// map them to repository files), absolute ones become file:// URIs.
std::string pathUri(std::string_view path) {
  while (path.starts_with("./")) path.remove_prefix(2);
  if (path.starts_with("/")) return "file://" + encodePath(path);
  return encodePath(path);
}

std::vector<std::string> stringList(const nlohmann::json& v) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array()) {
    for (const auto& e : v)
      if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

const nlohmann::json* evidenceField(const Finding& f, const char* key) {
  if (!f.evidence.is_object()) return nullptr;
  auto it = f.evidence.find(key);
  return it == f.evidence.end() ? nullptr : &*it;
}

// The finding's score: evidence "score" when it is one, else the highest score of its "cvss"
// vectors (computed per the FIRST specifications), else nothing.
std::optional<double> evidenceScore(const Finding& f) {
  if (const auto* s = evidenceField(f, "score"); s && s->is_number()) {
    double v = s->get<double>();
    if (v >= 0.0 && v <= 10.0) return v;
  }
  std::optional<double> best;
  if (const auto* cv = evidenceField(f, "cvss"))
    for (const auto& vec : stringList(*cv))
      if (auto sc = cvss::score(vec); sc && (!best || sc->value > *best)) best = sc->value;
  return best;
}

// GitHub code scanning's "security-severity" (0.1-3.9 low, 4-6.9 medium, 7-8.9 high, 9+ critical)
// for a severity without a score of its own.
double defaultScore(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return 0.0;
    case Severity::kLow:
      return 2.0;
    case Severity::kMedium:
      return 5.5;
    case Severity::kHigh:
      return 8.0;
    case Severity::kCritical:
      return 9.5;
    case Severity::kMalicious:
      return 10.0;
  }
  return 0.0;
}

std::string oneDecimal(double v) {
  std::array<char, 16> b{};
  std::snprintf(b.data(), b.size(), "%.1f", v);
  return b.data();
}

std::string sarifLevel(Severity s) {
  if (s >= Severity::kHigh) return "error";
  if (s == Severity::kMedium) return "warning";
  return "note";
}

bool isUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// An advisory id ("CVE-2024-1", "GHSA-xxxx", "PYSEC-...", "MAL-...") as opposed to a rule id
// ("authenticode-slack"): an upper-case prefix before the first '-'.
bool isAdvisoryId(std::string_view id) {
  auto dash = id.find('-');
  if (dash == std::string_view::npos || dash == 0) return false;
  for (std::size_t i = 0; i < dash; ++i) {
    auto c = static_cast<unsigned char>(id[i]);
    if (!std::isupper(c) && !std::isdigit(c)) return false;
  }
  return true;
}

ojson advisorySource(std::string_view id) {
  ojson s;
  if (id.starts_with("CVE-")) {
    s["name"] = "NVD";
    s["url"] = "https://nvd.nist.gov/vuln/detail/" + encodePath(id);
  } else if (id.starts_with("GHSA-")) {
    s["name"] = "GitHub";
    s["url"] = "https://github.com/advisories/" + encodePath(id);
  } else if (isAdvisoryId(id)) {
    s["name"] = "OSV";
    s["url"] = "https://osv.dev/vulnerability/" + encodePath(id);
  } else {
    s["name"] = "tollgate";
  }
  return s;
}

std::string truncate(std::string s, std::size_t width) {
  if (width < 4 || s.size() <= width) return s;
  // Keep the end of a long path or purl: it is the part that differs.
  std::size_t cut = s.size() - (width - 3);
  while (cut < s.size() && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) ++cut;
  return "..." + s.substr(cut);
}

std::size_t displayWidth(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

void pad(std::string& line, std::string_view cell, std::size_t width) {
  line += cell;
  for (std::size_t w = displayWidth(cell); w < width + 2; ++w) line += ' ';
}

}  // namespace

Result<Format> parseFormat(std::string_view name) {
  if (name == "table") return Format::kTable;
  if (name == "json") return Format::kJson;
  if (name == "sarif") return Format::kSarif;
  if (name == "cyclonedx-vex" || name == "vex") return Format::kCycloneDxVex;
  return fail(ErrorCode::kUsage, "--format must be table, json, sarif or cyclonedx-vex, not '" +
                                     printable(name, 32) + "'");
}

std::string_view toString(Format f) {
  switch (f) {
    case Format::kTable:
      return "table";
    case Format::kJson:
      return "json";
    case Format::kSarif:
      return "sarif";
    case Format::kCycloneDxVex:
      return "cyclonedx-vex";
  }
  return "table";
}

std::vector<const Finding*> orderedFindings(const Report& r) {
  std::vector<const Finding*> out;
  out.reserve(r.findings.size());
  for (const auto& f : r.findings) out.push_back(&f);
  std::ranges::stable_sort(out, [](const Finding* a, const Finding* b) {
    if (a->severity != b->severity) return a->severity > b->severity;
    if (a->id != b->id) return a->id < b->id;
    if (a->subject != b->subject) return a->subject < b->subject;
    return a->message < b->message;
  });
  return out;
}

std::string summaryLine(const Report& r) {
  std::size_t active = 0;
  std::size_t suppressed = 0;
  for (const auto& f : r.findings) (f.suppressedBy ? suppressed : active)++;
  std::string line;
  if (active == 0) {
    line = "no findings";
  } else {
    auto worst = maxSeverity(r);
    std::size_t atWorst = 0;
    const Finding* first = nullptr;
    for (const auto* f : orderedFindings(r)) {
      if (f->suppressedBy || f->severity != *worst) continue;
      ++atWorst;
      if (!first) first = f;
    }
    line = std::to_string(active) + (active == 1 ? " finding, " : " findings, ") +
           std::to_string(atWorst) + " " + std::string(toString(*worst)) + ": " +
           printable(first->message, 200);
  }
  if (suppressed) line += "; " + std::to_string(suppressed) + " suppressed";
  return line;
}

std::string toTable(const Report& r, const WriteOptions& opt) {
  std::string out = summaryLine(r) + "\n";
  struct Row {
    std::string severity, id, subject, message;
  };
  std::vector<Row> rows;
  for (const auto* f : orderedFindings(r)) {
    if (f->suppressedBy && !opt.showSuppressed) continue;
    Row row{std::string(toString(f->severity)), printable(f->id, 60),
            truncate(printable(f->subject, 4096), opt.subjectWidth), printable(f->message, 300)};
    if (f->suppressedBy) row.message += " [suppressed: " + printable(*f->suppressedBy, 200) + "]";
    rows.push_back(std::move(row));
  }
  if (rows.empty()) return out;
  std::size_t w0 = 8, w1 = 2, w2 = 7;
  for (const auto& row : rows) {
    w0 = std::max(w0, displayWidth(row.severity));
    w1 = std::max(w1, displayWidth(row.id));
    w2 = std::max(w2, displayWidth(row.subject));
  }
  auto emit = [&](std::string_view a, std::string_view b, std::string_view c, std::string_view d) {
    std::string line;
    pad(line, a, w0);
    pad(line, b, w1);
    pad(line, c, w2);
    line += d;
    out += line + "\n";
  };
  emit("SEVERITY", "ID", "SUBJECT", "MESSAGE");
  for (const auto& row : rows) emit(row.severity, row.id, row.subject, row.message);
  return out;
}

ojson toJsonValue(const Report& r, const WriteOptions& opt) {
  ojson j;
  ojson tool;
  tool["name"] = utf8(r.tool.name);
  tool["version"] = utf8(r.tool.version);
  tool["command"] = utf8(r.tool.command);
  j["tool"] = std::move(tool);
  j["target"] = utf8(r.target);
  ojson findings = ojson::array();
  for (const auto* f : orderedFindings(r)) {
    if (f->suppressedBy && !opt.showSuppressed) continue;
    ojson o;
    o["id"] = utf8(f->id);
    o["severity"] = std::string(toString(f->severity));
    o["subject"] = utf8(f->subject);
    o["message"] = utf8(f->message);
    o["evidence"] = f->evidence.is_null() ? ojson::object() : ojson(f->evidence);
    if (!f->locations.empty()) {
      ojson locs = ojson::array();
      for (const auto& l : f->locations) locs.push_back(utf8(l));
      o["locations"] = std::move(locs);
    }
    if (f->suppressedBy) o["suppressedBy"] = utf8(*f->suppressedBy);
    findings.push_back(std::move(o));
  }
  j["findings"] = std::move(findings);
  return j;
}

std::string toJson(const Report& r, const WriteOptions& opt) { return dump(toJsonValue(r, opt)); }

std::string toSarif(const Report& r, const WriteOptions& /*opt*/) {
  auto ordered = orderedFindings(r);
  // Rules: one per distinct id, in order of first appearance (worst first).
  std::vector<std::string> ruleIds;
  std::map<std::string, std::size_t> ruleIndex;
  std::map<std::string, Severity> ruleSeverity;
  std::map<std::string, double> ruleScore;
  std::map<std::string, std::string> ruleText;
  for (const auto* f : ordered) {
    auto [it, inserted] = ruleIndex.emplace(f->id, ruleIds.size());
    double score = evidenceScore(*f).value_or(defaultScore(f->severity));
    if (inserted) {
      ruleIds.push_back(f->id);
      ruleSeverity[f->id] = f->severity;
      ruleScore[f->id] = score;
      ruleText[f->id] = f->message;
    } else {
      ruleSeverity[f->id] = std::max(ruleSeverity[f->id], f->severity);
      ruleScore[f->id] = std::max(ruleScore[f->id], score);
    }
  }
  ojson rules = ojson::array();
  for (const auto& id : ruleIds) {
    ojson rule;
    rule["id"] = utf8(id);
    ojson shortDesc;
    shortDesc["text"] = utf8(ruleText[id].empty() ? id : ruleText[id]);
    rule["shortDescription"] = std::move(shortDesc);
    if (isAdvisoryId(id)) rule["helpUri"] = advisorySource(id)["url"];
    ojson config;
    config["level"] = sarifLevel(ruleSeverity[id]);
    rule["defaultConfiguration"] = std::move(config);
    ojson props;
    if (ruleScore[id] > 0.0) props["security-severity"] = oneDecimal(ruleScore[id]);
    props["tags"] = ojson::array({"security"});
    props["severity"] = std::string(toString(ruleSeverity[id]));
    rule["properties"] = std::move(props);
    rules.push_back(std::move(rule));
  }

  ojson results = ojson::array();
  for (const auto* f : ordered) {
    ojson res;
    res["ruleId"] = utf8(f->id);
    res["ruleIndex"] = ruleIndex[f->id];
    res["level"] = sarifLevel(f->severity);
    ojson msg;
    msg["text"] = utf8(f->message.empty() ? f->id : f->message);
    res["message"] = std::move(msg);

    std::vector<std::string> paths = f->locations;
    if (paths.empty() && looksLikePath(f->subject)) paths.push_back(f->subject);
    // A purl finding without a file of its own points at the scanned file (an SBOM, a lock
    // file), so that code-scanning UIs, which need a file, still show it.
    if (paths.empty() && looksLikePath(r.target)) paths.push_back(r.target);
    ojson locations = ojson::array();
    for (const auto& p : paths) {
      if (p.empty()) continue;
      ojson loc;
      ojson art;
      art["uri"] = pathUri(utf8(p));
      loc["physicalLocation"]["artifactLocation"] = std::move(art);
      if (isPurl(f->subject)) {
        ojson logical;
        logical["fullyQualifiedName"] = utf8(f->subject);
        logical["kind"] = "module";
        loc["logicalLocations"] = ojson::array({std::move(logical)});
      }
      locations.push_back(std::move(loc));
    }
    if (locations.empty() && !f->subject.empty()) {
      ojson loc;
      ojson logical;
      logical["fullyQualifiedName"] = utf8(f->subject);
      logical["kind"] = isPurl(f->subject) ? "module" : "resource";
      loc["logicalLocations"] = ojson::array({std::move(logical)});
      locations.push_back(std::move(loc));
    }
    if (!locations.empty()) res["locations"] = std::move(locations);
    ojson fp;
    fp["tollgate/v1"] = sha256Hex(f->id + '\0' + f->subject);
    res["partialFingerprints"] = std::move(fp);
    if (f->suppressedBy) {
      ojson s;
      s["kind"] = "external";
      s["status"] = "accepted";
      s["justification"] = utf8(*f->suppressedBy);
      res["suppressions"] = ojson::array({std::move(s)});
    }
    ojson props;
    props["severity"] = std::string(toString(f->severity));
    props["subject"] = utf8(f->subject);
    props["evidence"] = f->evidence.is_null() ? ojson::object() : ojson(f->evidence);
    res["properties"] = std::move(props);
    results.push_back(std::move(res));
  }

  ojson driver;
  driver["name"] = utf8(r.tool.name.empty() ? "tollgate" : r.tool.name);
  if (!r.tool.version.empty()) driver["version"] = utf8(r.tool.version);
  driver["rules"] = std::move(rules);
  ojson run;
  run["tool"]["driver"] = std::move(driver);
  if (!r.tool.command.empty() || !r.target.empty()) {
    ojson auto_;
    auto_["id"] = utf8("tollgate/" + r.tool.command + "/" + r.target);
    run["automationDetails"] = std::move(auto_);
  }
  run["results"] = std::move(results);
  run["columnKind"] = "unicodeCodePoints";
  ojson j;
  j["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  j["version"] = "2.1.0";
  j["runs"] = ojson::array({std::move(run)});
  return dump(j);
}

namespace {

// CycloneDX analysis.justification from an OpenVEX justification or a CycloneDX one.
std::optional<std::string> cdxJustification(std::string_view j) {
  static const std::map<std::string_view, std::string_view> kMap = {
      {"component_not_present", "requires_dependency"},
      {"vulnerable_code_not_present", "code_not_present"},
      {"vulnerable_code_not_in_execute_path", "code_not_reachable"},
      {"vulnerable_code_cannot_be_controlled_by_adversary", "requires_environment"},
      {"inline_mitigations_already_exist", "protected_by_mitigating_control"},
  };
  static const std::set<std::string_view> kCdx = {
      "code_not_present",     "code_not_reachable",     "requires_configuration",
      "requires_dependency",  "requires_environment",   "protected_by_compiler",
      "protected_at_runtime", "protected_at_perimeter", "protected_by_mitigating_control"};
  if (kCdx.contains(j)) return std::string(j);
  if (auto it = kMap.find(j); it != kMap.end()) return std::string(it->second);
  return std::nullopt;
}

std::string cdxSeverity(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kLow:
      return "low";
    case Severity::kMedium:
      return "medium";
    case Severity::kHigh:
      return "high";
    case Severity::kCritical:
    case Severity::kMalicious:
      return "critical";
  }
  return "unknown";
}

ojson vexComponent(const std::string& subject) {
  ojson c;
  if (isPurl(subject)) {
    if (auto p = purl::parse(subject)) {
      c["type"] = "library";
      c["bom-ref"] = utf8(subject);
      if (!p->ns.empty()) c["group"] = utf8(p->ns);
      c["name"] = utf8(p->name);
      if (!p->version.empty()) c["version"] = utf8(p->version);
      c["purl"] = utf8(p->toString());
      return c;
    }
  }
  c["type"] = "file";
  c["bom-ref"] = utf8(subject);
  c["name"] = utf8(subject);
  return c;
}

}  // namespace

std::string toCycloneDxVex(const Report& r, const WriteOptions& opt) {
  ojson j;
  j["bomFormat"] = "CycloneDX";
  j["specVersion"] = "1.6";
  if (isUuid(opt.serialUuid)) j["serialNumber"] = "urn:uuid:" + toLower(opt.serialUuid);
  j["version"] = 1;
  ojson meta;
  if (!opt.timestamp.empty()) meta["timestamp"] = utf8(opt.timestamp);
  ojson tool;
  tool["type"] = "application";
  tool["name"] = utf8(r.tool.name.empty() ? "tollgate" : r.tool.name);
  if (!r.tool.version.empty()) tool["version"] = utf8(r.tool.version);
  meta["tools"]["components"] = ojson::array({std::move(tool)});
  if (!r.target.empty()) {
    ojson subject;
    subject["type"] = "application";
    subject["bom-ref"] = "tollgate:target";
    subject["name"] = utf8(r.target);
    meta["component"] = std::move(subject);
  }
  j["metadata"] = std::move(meta);

  auto ordered = orderedFindings(r);
  std::set<std::string> subjects;
  ojson components = ojson::array();
  for (const auto* f : ordered) {
    if (!f->subject.empty() && f->subject != "tollgate:target") subjects.insert(f->subject);
  }
  for (const auto& s : subjects) components.push_back(vexComponent(s));
  if (!components.empty()) j["components"] = std::move(components);

  ojson vulns = ojson::array();
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto* f : ordered) {
    if (f->id.empty() || !seen.emplace(f->id, f->subject).second) continue;
    ojson v;
    v["id"] = utf8(f->id);
    v["source"] = advisorySource(f->id);
    if (const auto* al = evidenceField(*f, "aliases")) {
      ojson refs = ojson::array();
      for (const auto& a : stringList(*al)) {
        if (a.empty() || a == f->id) continue;
        ojson ref;
        ref["id"] = utf8(a);
        ref["source"] = advisorySource(a);
        refs.push_back(std::move(ref));
      }
      if (!refs.empty()) v["references"] = std::move(refs);
    }
    ojson ratings = ojson::array();
    if (const auto* cv = evidenceField(*f, "cvss")) {
      for (const auto& vec : stringList(*cv)) {
        ojson rating;
        // Each vector's own score and rating; the evidence score only when it cannot be computed.
        std::optional<double> score;
        std::string severity = cdxSeverity(f->severity);
        if (auto sc = cvss::score(vec)) {
          score = sc->value;
          severity = std::string(cvss::toString(sc->rating));
        } else {
          score = evidenceScore(*f);
        }
        if (vec.starts_with("CVSS:3.1/")) {
          rating["method"] = "CVSSv31";
        } else if (vec.starts_with("CVSS:3.0/")) {
          rating["method"] = "CVSSv3";
        } else if (vec.starts_with("CVSS:4.0/")) {
          rating["method"] = "CVSSv4";
        } else {
          rating["method"] = "other";
        }
        if (score) rating["score"] = *score;
        rating["severity"] = severity;
        rating["vector"] = utf8(vec);
        ratings.push_back(std::move(rating));
      }
    }
    if (ratings.empty()) {
      ojson rating;
      if (auto score = evidenceScore(*f)) rating["score"] = *score;
      rating["severity"] = cdxSeverity(f->severity);
      rating["method"] = "other";
      ratings.push_back(std::move(rating));
    }
    v["ratings"] = std::move(ratings);
    if (!f->message.empty()) v["description"] = utf8(f->message);
    if (const auto* fx = evidenceField(*f, "fixed")) {
      auto fixed = stringList(*fx);
      if (!fixed.empty()) {
        std::string rec = "Upgrade to ";
        for (std::size_t i = 0; i < fixed.size(); ++i) rec += (i ? " or " : "") + fixed[i];
        v["recommendation"] = utf8(rec);
      }
    }

    // Analysis: a suppression is not_affected; otherwise a VEX statement's own status; otherwise
    // in_triage (matched, not yet assessed).
    ojson analysis;
    std::string vexStatus, vexJustification, vexStatement;
    if (const auto* vx = evidenceField(*f, "vex"); vx && vx->is_object()) {
      vexStatus = vx->value("status", "");
      vexJustification = vx->value("justification", "");
      vexStatement = vx->value("statement", "");
    }
    if (f->suppressedBy) {
      analysis["state"] = vexStatus == "fixed" ? "resolved" : "not_affected";
      if (auto jt = cdxJustification(vexJustification); jt && vexStatus != "fixed")
        analysis["justification"] = *jt;
      analysis["detail"] = utf8(*f->suppressedBy);
    } else if (vexStatus == "affected") {
      analysis["state"] = "exploitable";
      if (!vexStatement.empty()) analysis["detail"] = utf8(vexStatement);
    } else {
      analysis["state"] = "in_triage";
      if (!vexStatement.empty()) analysis["detail"] = utf8(vexStatement);
    }
    v["analysis"] = std::move(analysis);

    ojson affect;
    affect["ref"] = utf8(f->subject.empty() ? std::string("tollgate:target") : f->subject);
    if (const auto* inst = evidenceField(*f, "installed");
        inst && inst->is_string() && !inst->get<std::string>().empty()) {
      ojson ver;
      ver["version"] = utf8(inst->get<std::string>());
      ver["status"] = f->suppressedBy ? "unaffected" : "affected";
      affect["versions"] = ojson::array({std::move(ver)});
    }
    v["affects"] = ojson::array({std::move(affect)});
    ojson props = ojson::array();
    ojson sev;
    sev["name"] = "tollgate:severity";
    sev["value"] = std::string(toString(f->severity));
    props.push_back(std::move(sev));
    v["properties"] = std::move(props);
    vulns.push_back(std::move(v));
  }
  j["vulnerabilities"] = std::move(vulns);
  return dump(j);
}

std::string write(const Report& r, Format format, const WriteOptions& opt) {
  switch (format) {
    case Format::kTable:
      return toTable(r, opt);
    case Format::kJson:
      return toJson(r, opt);
    case Format::kSarif:
      return toSarif(r, opt);
    case Format::kCycloneDxVex:
      return toCycloneDxVex(r, opt);
  }
  return toTable(r, opt);
}

void write(const Report& r, Format format, std::ostream& out, const WriteOptions& opt) {
  out << write(r, format, opt);
}

Result<std::optional<Severity>> parseFailOn(std::string_view text) {
  std::string lower = toLower(trim(text));
  if (lower.empty() || lower == "none" || lower == "never") return std::optional<Severity>{};
  if (auto s = parseSeverity(lower)) return std::optional<Severity>{*s};
  return fail(ErrorCode::kUsage,
              "--fail-on must be info, low, medium, high, critical, malicious or none, not '" +
                  printable(text, 32) + "'");
}

int exitCode(const Report& r, std::optional<Severity> failOn) {
  if (!failOn) return 0;
  auto worst = maxSeverity(r);
  return worst && *worst >= *failOn ? 1 : 0;
}

}  // namespace tollgate::report
