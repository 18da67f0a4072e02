// tollgate diff OLD NEW: what changed between two releases, and the release-gate rules' findings.
#include <filesystem>
#include <map>

#include "commands.h"
#include "report_output.h"
#include "store_options.h"
#include "tollgate/catalog/archive.h"
#include "tollgate/integrity/config.h"
#include "tollgate/integrity/diff.h"
#include "tollgate/integrity/release.h"
#include "tollgate/integrity/rules.h"
#include "tollgate/report/finding.h"
#include "tollgate/report/writers.h"
#include "tollgate/util/file.h"
#include "tollgate/util/progress.h"
#include "tollgate/util/strings.h"
#include "tollgate/vulndb/ioc.h"

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
  std::string store;
  std::vector<std::string> iocFiles;
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

std::string changesText(const integrity::ReleaseDiff& d) {
  std::string out;
  for (const auto& c : d.components)
    out += std::string(integrity::toString(c.kind)) + " component " + printable(c.name, 200) + " " +
           c.oldVersion + (c.kind == integrity::ChangeKind::kChanged ? " -> " : "") + c.newVersion +
           "\n";
  for (const auto& c : d.files)
    out +=
        std::string(integrity::toString(c.kind)) + " " + printable(c.path.substr(1), 1024) + "\n";
  return out;
}

// Rule 8: the indicator lists given with --ioc, else those imported into the store
// (`tollgate db import --ioc`); no store means no lists, not an error.
Result<std::shared_ptr<const vulndb::IndicatorSet>> loadIndicators(const DiffArgs& a) {
  if (!a.iocFiles.empty()) {
    std::vector<vulndb::Indicator> all;
    for (const auto& f : a.iocFiles) {
      auto text = readFile(f, 256u << 20);
      if (!text) return std::unexpected(text.error());
      auto list = vulndb::parseIndicators(*text, f, nullptr);
      if (!list) return std::unexpected(list.error());
      all.insert(all.end(), list->begin(), list->end());
    }
    return vulndb::IndicatorSet::fromList(std::move(all));
  }
  auto s = openVulnStore(a.store, false);
  if (!s) {
    if (!a.store.empty()) return std::unexpected(s.error());
    return std::shared_ptr<const vulndb::IndicatorSet>();
  }
  return vulndb::IndicatorSet::load(**s);
}

// A regular file that is neither an archive nor a container image.
bool isLoneFile(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) && !catalog::isArchive(path) &&
         !catalog::isImage(path);
}

int runDiff(const DiffArgs& a, const Env& env) {
  if (a.printConfig) {
    *env.out << integrity::defaultConfigYaml();
    return 0;
  }
  auto choice = parseReportChoice(a.format, a.failOn, /*vex=*/false);
  if (!choice) {
    printError(env, choice.error().describe());
    return 2;
  }
  auto indicators = loadIndicators(a);
  if (!indicators) {
    printError(env, indicators.error().describe());
    return exitCodeFor(indicators.error().code);
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
  // Two single files that are not archives (two versions of one DLL): one-file releases under
  // the new file's name, so they compare with each other.
  if (isLoneFile(a.oldPath) && isLoneFile(a.newPath))
    ro.singleFileName = std::filesystem::path(a.newPath).filename().string();
  Progress progress(env.stderrIsTerminal && !a.quiet);
  ro.progress = &progress;
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
  progress.done();
  integrity::ReleaseDiff d = integrity::diffReleases(*oldR, *newR);
  integrity::RuleOptions opts;
  opts.threads = a.threads;
  opts.yaraRulesFile = a.yara;
  if (*indicators && !(*indicators)->empty()) {
    std::shared_ptr<const vulndb::IndicatorSet> set = *indicators;
    opts.ioc = [set](std::string_view kind, std::string_view value) -> std::string {
      // The kinds integrity::extractIndicators emits; another kind is not looked up (not read
      // as an address).
      vulndb::IndicatorType t;
      if (kind == "sha256")
        t = vulndb::IndicatorType::kSha256;
      else if (kind == "domain")
        t = vulndb::IndicatorType::kDomain;
      else if (kind == "url")
        t = vulndb::IndicatorType::kUrl;
      else if (kind == "ip")
        t = value.find(':') != std::string_view::npos ? vulndb::IndicatorType::kIpv6
                                                      : vulndb::IndicatorType::kIpv4;
      else
        return {};
      const vulndb::Indicator* hit = set->find(t, value);
      if (!hit) return {};
      std::string what =
          hit->description.empty() ? std::string(vulndb::toString(t)) : hit->description;
      if (!hit->source.empty()) what += " (" + hit->source + ")";
      return what;
    };
  }
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

  ReportExtras extras;
  extras.tableTail = countsLine(d) + "\n";
  if (a.changes) extras.tableTail += "\n" + changesText(d);
  extras.json["summary"] = report::summaryLine(r);
  extras.json["changes"] = changesJson(d);
  if (int rc = writeReport(r, choice->format, a.output, extras, env)) return rc;
  if (!a.quiet && !a.output.empty() && a.output != "-")
    *env.err << "tollgate: " << report::summaryLine(r) << '\n';
  return report::exitCode(r, choice->failOn);
}

}  // namespace

Action addDiffCommand(CLI::App& app, const Env& env) {
  auto args = std::make_shared<DiffArgs>();
  auto* cmd = app.add_subcommand(
      "diff", "Compare two releases and apply the release-gate rules (trojanized updates)");
  cmd->add_option("OLD", args->oldPath,
                  "The previous release: a directory, an archive or installer libarchive opens, "
                  "a container image, or (with NEW a single file too) one file such as a DLL");
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
  cmd->add_option("--ioc", args->iocFiles,
                  "Indicator list (CSV or STIX 2.1) for rule ioc-match (repeatable); default: the "
                  "lists imported into the store with 'db import --ioc'");
  cmd->add_option("--store", args->store, "Store URL for the imported indicator lists");
  cmd->add_option("--vendor", args->vendorNames,
                  "The vendor's CompanyName (repeatable); default: the release's executables'");
  cmd->add_option("--vendor-domain", args->vendorDomains,
                  "A domain of the vendor's own, not reported as a new indicator (repeatable)");
  cmd->add_flag("--changes", args->changes, "Table: also list every changed file and component");
  cmd->add_flag("--no-catalog", args->noCatalog,
                "Compare files only (no SBOM: no package versions or component changes)");
  cmd->add_option("-j,--threads", args->threads, "Worker threads (default: all CPUs)")
      ->check(threadsRange());
  cmd->add_flag("-q,--quiet", args->quiet, "No warnings on stderr");
  return [args, &env]() -> int {
    if (!args->printConfig && (args->oldPath.empty() || args->newPath.empty())) {
      printError(env, "usage: diff needs OLD and NEW (see 'tollgate diff --help')");
      return 2;
    }
    return runDiff(*args, env);
  };
}

}  // namespace tollgate::cli
