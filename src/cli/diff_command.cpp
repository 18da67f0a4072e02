// tollgate diff OLD NEW: what changed between two releases, and the release-gate rules' findings.
#include <map>

#include "commands.h"
#include "tollgate/integrity/config.h"
#include "tollgate/integrity/diff.h"
#include "tollgate/integrity/release.h"
#include "tollgate/integrity/rules.h"
#include "tollgate/report/finding.h"
#include "tollgate/util/file.h"
#include "tollgate/util/strings.h"

extern const char* const kTollgateVersion;

namespace tollgate::cli {
namespace {

struct DiffArgs {
  std::string oldPath;
  std::string newPath;
  std::string format = "table";
  std::string failOn;
  std::string output;
  std::string config;
  std::string yara;
  std::vector<std::string> vendorNames;
  std::vector<std::string> vendorDomains;
  bool changes = false;
  bool noCatalog = false;
  bool quiet = false;
  unsigned threads = 0;
  bool printConfig = false;
};

using ojson = nlohmann::ordered_json;

ojson changesJson(const integrity::ReleaseDiff& d) {
  ojson files = ojson::array();
  for (const auto& c : d.files) {
    ojson f;
    f["change"] = integrity::toString(c.kind);
    f["path"] = printable(c.path.substr(1), 4096);
    if (c.oldFile) f["old_sha256"] = c.oldFile->sha256;
    if (c.newFile) f["new_sha256"] = c.newFile->sha256;
    if (c.oldFile) f["old_size"] = c.oldFile->size;
    if (c.newFile) f["new_size"] = c.newFile->size;
    files.push_back(std::move(f));
  }
  ojson comps = ojson::array();
  for (const auto& c : d.components) {
    ojson o;
    o["change"] = integrity::toString(c.kind);
    o["name"] = printable(c.name, 512);
    if (!c.purl.empty()) o["purl"] = c.purl;
    if (!c.oldVersion.empty()) o["old_version"] = c.oldVersion;
    if (!c.newVersion.empty()) o["new_version"] = c.newVersion;
    comps.push_back(std::move(o));
  }
  ojson out;
  out["files"] = std::move(files);
  out["components"] = std::move(comps);
  out["unchanged_files"] = d.unchangedFiles;
  return out;
}

ojson findingJson(const report::Finding& f) {
  ojson o;
  o["id"] = f.id;
  o["severity"] = std::string(report::toString(f.severity));
  o["subject"] = printable(f.subject, 4096);
  o["message"] = printable(f.message, 4096);
  o["evidence"] = f.evidence;
  if (!f.locations.empty()) o["locations"] = f.locations;
  return o;
}

std::string countsLine(const integrity::ReleaseDiff& d) {
  std::size_t add = 0, rem = 0, chg = 0;
  for (const auto& c : d.files)
    (c.kind == integrity::ChangeKind::kAdded     ? add
     : c.kind == integrity::ChangeKind::kRemoved ? rem
                                                 : chg)++;
  std::size_t cadd = 0, crem = 0, cchg = 0;
  for (const auto& c : d.components)
    (c.kind == integrity::ChangeKind::kAdded     ? cadd
     : c.kind == integrity::ChangeKind::kRemoved ? crem
                                                 : cchg)++;
  return "files: " + std::to_string(add) + " added, " + std::to_string(rem) + " removed, " +
         std::to_string(chg) + " changed, " + std::to_string(d.unchangedFiles) +
         " unchanged; components: " + std::to_string(cadd) + " added, " + std::to_string(crem) +
         " removed, " + std::to_string(cchg) + " changed";
}

std::string table(const report::Report& r, const integrity::ReleaseDiff& d, bool listChanges) {
  std::string out = integrity::summarize(r.findings) + "\n";
  out += countsLine(d) + "\n";
  if (!r.findings.empty()) {
    out += "\n";
    char line[256];
    std::snprintf(line, sizeof line, "%-9s %-31s %-40s %s\n", "SEVERITY", "ID", "SUBJECT",
                  "MESSAGE");
    out += line;
    for (const auto& f : r.findings) {
      std::string subject = printable(f.subject, 40);
      std::snprintf(line, sizeof line, "%-9s %-31s %-40s ",
                    std::string(report::toString(f.severity)).c_str(), f.id.c_str(),
                    subject.c_str());
      out += line + printable(f.message, 400) + "\n";
    }
  }
  if (listChanges) {
    out += "\n";
    for (const auto& c : d.components)
      out += std::string(integrity::toString(c.kind)) + " component " + printable(c.name, 200) +
             " " + c.oldVersion + (c.kind == integrity::ChangeKind::kChanged ? " -> " : "") +
             c.newVersion + "\n";
    for (const auto& c : d.files)
      out +=
          std::string(integrity::toString(c.kind)) + " " + printable(c.path.substr(1), 1024) + "\n";
  }
  return out;
}

// A minimal SARIF 2.1.0 run: one rule per finding id, one result per finding.
ojson sarif(const report::Report& r, const integrity::DiffConfig& cfg) {
  ojson rules = ojson::array();
  std::map<std::string, std::size_t> index;
  for (const auto& f : r.findings) {
    if (index.contains(f.id)) continue;
    index[f.id] = rules.size();
    ojson rule;
    rule["id"] = f.id;
    auto it = cfg.rules.find(f.id);
    if (it != cfg.rules.end()) {
      rule["shortDescription"] = {{"text", it->second.title}};
      rule["fullDescription"] = {{"text", it->second.reason}};
    }
    rules.push_back(std::move(rule));
  }
  ojson results = ojson::array();
  for (const auto& f : r.findings) {
    ojson res;
    res["ruleId"] = f.id;
    res["ruleIndex"] = index[f.id];
    res["level"] = f.severity >= report::Severity::kHigh     ? "error"
                   : f.severity == report::Severity::kMedium ? "warning"
                                                             : "note";
    res["message"] = {{"text", printable(f.message, 4096)}};
    ojson locs = ojson::array();
    for (const auto& l : f.locations)
      locs.push_back({{"physicalLocation", {{"artifactLocation", {{"uri", l}}}}}});
    if (!locs.empty()) res["locations"] = std::move(locs);
    res["properties"] = {{"severity", std::string(report::toString(f.severity))},
                         {"evidence", f.evidence}};
    results.push_back(std::move(res));
  }
  ojson run;
  run["tool"] = {{"driver",
                  {{"name", "tollgate"},
                   {"version", kTollgateVersion},
                   {"informationUri", "https://github.com/tollgate"},
                   {"rules", std::move(rules)}}}};
  run["results"] = std::move(results);
  ojson doc;
  doc["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  doc["version"] = "2.1.0";
  doc["runs"] = ojson::array({std::move(run)});
  return doc;
}

int runDiff(const DiffArgs& a, const Env& env) {
  if (a.printConfig) {
    *env.out << integrity::defaultConfigYaml();
    return 0;
  }
  if (a.format != "table" && a.format != "json" && a.format != "sarif") {
    printError(env, "usage: --format must be table, json or sarif (got '" + a.format + "')");
    return 2;
  }
  std::optional<report::Severity> failOn;
  if (!a.failOn.empty()) {
    failOn = report::parseSeverity(a.failOn);
    if (!failOn) {
      printError(env, "usage: --fail-on must be info, low, medium, high, critical or malicious");
      return 2;
    }
  }
  integrity::DiffConfig cfg = integrity::defaultConfig();
  if (!a.config.empty()) {
    auto text = readFile(a.config, 4 << 20);
    if (!text) {
      printError(env, text.error().describe());
      return 2;
    }
    auto parsed = integrity::parseConfig(*text, cfg, a.config);
    if (!parsed) {
      printError(env, parsed.error().describe());
      return 2;
    }
    cfg = std::move(*parsed);
  }
  for (const auto& v : a.vendorNames) cfg.vendorNames.push_back(v);
  for (const auto& v : a.vendorDomains) cfg.vendorDomains.push_back(v);
  if (!a.yara.empty() && !integrity::yaraAvailable()) {
    printError(env, "--yara: this tollgate was built without libyara (install libyara-dev)");
    return 2;
  }

  Diagnostics diag;
  integrity::ReleaseOptions ro;
  ro.catalog = !a.noCatalog;
  ro.threads = a.threads;
  auto oldR = integrity::Release::open(a.oldPath, ro, diag);
  if (!oldR) {
    printError(env, oldR.error().describe());
    return exitCodeFor(oldR.error().code);
  }
  auto newR = integrity::Release::open(a.newPath, ro, diag);
  if (!newR) {
    printError(env, newR.error().describe());
    return exitCodeFor(newR.error().code);
  }
  integrity::ReleaseDiff d = integrity::diffReleases(*oldR, *newR);
  integrity::RuleOptions opts;
  opts.threads = a.threads;
  opts.yaraRulesFile = a.yara;
  auto findings = integrity::applyRules(*oldR, *newR, d, cfg, opts, diag);
  if (!findings) {
    printError(env, findings.error().describe());
    return exitCodeFor(findings.error().code);
  }
  report::Report r;
  r.tool.version = kTollgateVersion;
  r.tool.command = "diff";
  r.target = a.oldPath + " -> " + a.newPath;
  r.findings = std::move(*findings);

  if (!a.quiet) {
    auto warnings = diag.warnings();
    for (std::size_t i = 0; i < warnings.size() && i < 20; ++i)
      *env.err << "tollgate: warning: " << warnings[i].where << ": " << warnings[i].what << '\n';
    if (warnings.size() > 20)
      *env.err << "tollgate: " << warnings.size() - 20 << " more warnings\n";
  }

  std::string text;
  if (a.format == "table") {
    text = table(r, d, a.changes);
  } else if (a.format == "json") {
    ojson doc;
    doc["tool"] = {{"name", r.tool.name}, {"version", r.tool.version}, {"command", "diff"}};
    doc["target"] = r.target;
    doc["summary"] = integrity::summarize(r.findings);
    doc["findings"] = ojson::array();
    for (const auto& f : r.findings) doc["findings"].push_back(findingJson(f));
    doc["changes"] = changesJson(d);
    text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  } else {
    text = sarif(r, cfg).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  if (a.output.empty() || a.output == "-") {
    *env.out << text;
    env.out->flush();
  } else {
    auto st = writeFileAtomic(a.output, text);
    if (!st) {
      printError(env, st.error().describe());
      return 2;
    }
    if (!a.quiet) *env.err << "tollgate: " << integrity::summarize(r.findings) << '\n';
  }
  if (failOn) {
    auto worst = report::maxSeverity(r);
    if (worst && *worst >= *failOn) return 1;
  }
  return 0;
}

}  // namespace

Action addDiffCommand(CLI::App& app, const Env& env) {
  auto args = std::make_shared<DiffArgs>();
  auto* cmd = app.add_subcommand(
      "diff", "Compare two releases and apply the release-gate rules (trojanized updates)");
  cmd->add_option("OLD", args->oldPath,
                  "The previous release: a directory, an archive or installer libarchive opens, "
                  "or a container image");
  cmd->add_option("NEW", args->newPath, "The release to judge (same kinds as OLD)");
  cmd->add_option("-f,--format", args->format, "table (default), json or sarif")
      ->capture_default_str();
  cmd->add_option("--fail-on", args->failOn,
                  "Exit 1 when a finding has this severity or higher (info, low, medium, high, "
                  "critical, malicious)");
  cmd->add_option("-o,--output", args->output, "Write the report to FILE atomically");
  cmd->add_option("-c,--config", args->config,
                  "YAML rule configuration laid over the defaults (see --print-config)");
  cmd->add_flag("--print-config", args->printConfig, "Print the built-in rule configuration");
  cmd->add_option("--yara", args->yara, "Also match changed and added files against YARA rules");
  cmd->add_option("--vendor", args->vendorNames,
                  "The vendor's CompanyName (repeatable); default: the release's executables'");
  cmd->add_option("--vendor-domain", args->vendorDomains,
                  "A domain of the vendor's own, not reported as a new indicator (repeatable)");
  cmd->add_flag("--changes", args->changes, "Table: also list every changed file and component");
  cmd->add_flag("--no-catalog", args->noCatalog,
                "Compare files only (no SBOM: no package versions or component changes)");
  cmd->add_option("-j,--threads", args->threads, "Worker threads (default: all CPUs)");
  cmd->add_flag("-q,--quiet", args->quiet, "No warnings on stderr");
  return [args, &env, cmd]() -> int {
    if (!args->printConfig && (args->oldPath.empty() || args->newPath.empty())) {
      printError(env, "usage: diff needs OLD and NEW (see 'tollgate diff --help')");
      (void)cmd;
      return 2;
    }
    return runDiff(*args, env);
  };
}

}  // namespace tollgate::cli
