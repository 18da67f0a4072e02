// tollgate vuln PATH|SBOM: known vulnerabilities, known-malicious packages and known-bad files.
#include <sys/stat.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "report_output.h"
#include "store_options.h"
#include "tollgate/catalog/catalog.h"
#include "tollgate/report/vex.h"
#include "tollgate/report/writers.h"
#include "tollgate/sbom/writers.h"
#include "tollgate/util/file.h"
#include "tollgate/util/progress.h"
#include "tollgate/vulndb/ioc.h"
#include "tollgate/vulndb/match.h"

extern const char* const kTollgateVersion;

namespace tollgate::cli {
namespace {

struct VulnArgs {
  std::string input;
  std::string format = "table";
  std::string failOn;
  std::vector<std::string> vexFiles;
  bool showSuppressed = false;
  std::string store;
  std::string output;
  std::vector<std::string> excludes;
  bool noHash = false;
  bool quiet = false;
  unsigned threads = 0;
};

// An SBOM file (CycloneDX or SPDX JSON) rather than something to scan: a regular file whose
// first non-blank byte is '{'.
bool looksLikeSbom(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  int c;
  while ((c = std::fgetc(f)) != EOF && (c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
  }
  std::fclose(f);
  return c == '{';
}

// A JSON document is read as an SBOM only when it says it is one; any other JSON file (a
// package-lock.json, composer.lock, Pipfile.lock) is scanned like any other file. A search for
// the keys, not a parse: readBom parses an SBOM once, and reports what is wrong with it.
bool isBomDocument(std::string_view text) {
  for (std::string_view key : {"\"bomFormat\"", "\"spdxVersion\"", "\"@context\""})
    if (text.find(key) != std::string_view::npos) return true;
  return false;
}

Result<sbom::Bom> loadBom(const VulnArgs& a, bool wantHashes, const Env& env, Diagnostics& diag) {
  if (looksLikeSbom(a.input)) {
    auto text = readFile(a.input, 2ull << 30);
    if (!text) return std::unexpected(text.error());
    if (isBomDocument(*text)) return sbom::readBom(*text, a.input);
  }
  std::error_code ec;
  auto abs = std::filesystem::absolute(a.input, ec);
  if (ec) abs = a.input;
  catalog::ScanOptions opts;
  opts.excludes = a.excludes;
  auto canonical = std::filesystem::weakly_canonical(abs, ec);
  if (!ec && canonical == "/")
    for (const char* p : {"/proc", "/sys", "/dev", "/run"}) opts.excludes.emplace_back(p);
  // Hashes are only needed to compare with known-bad indicators; without any, skip the cost.
  opts.hashFiles = wantHashes;
  opts.hashArchives = wantHashes;
  opts.includePackageFiles = wantHashes;
  opts.threads = a.threads;
  Progress progress(env.stderrIsTerminal && !a.quiet);
  opts.progress = &progress;
  auto bom = catalog::scanPath(abs, opts, catalog::ArchiveLimits{}, diag);
  progress.done();
  if (!bom) {
    Error e = bom.error();
    if (e.context == abs.string()) e.context = a.input;
    return std::unexpected(e);
  }
  if (bom->metadata.subjectName.empty()) bom->metadata.subjectName = a.input;
  bom->normalize();
  return bom;
}

int runVuln(const VulnArgs& a, const Env& env) {
  auto choice = parseReportChoice(a.format, a.failOn, /*vex=*/true);
  if (!choice) {
    printError(env, choice.error().describe());
    return 2;
  }
  std::vector<report::VexStatement> vex;
  for (const auto& f : a.vexFiles) {
    auto text = readFile(f, 256ull << 20);
    if (!text) {
      printError(env, text.error().describe());
      return exitCodeFor(text.error().code);
    }
    auto st = report::parseVex(*text, f);
    if (!st) {
      printError(env, st.error().describe());
      return exitCodeFor(st.error().code);
    }
    vex.insert(vex.end(), st->begin(), st->end());
  }
  auto s = openVulnStore(a.store, false);
  if (!s) {
    printError(env, s.error().describe());
    return exitCodeFor(s.error().code);
  }
  auto indicators = vulndb::IndicatorSet::load(**s);
  if (!indicators) {
    printError(env, indicators.error().describe());
    return exitCodeFor(indicators.error().code);
  }
  Diagnostics diag;
  auto bom = loadBom(a, !a.noHash && !(*indicators)->empty(), env, diag);
  if (!bom) {
    printError(env, bom.error().describe());
    return exitCodeFor(bom.error().code);
  }
  auto matcher = vulndb::Matcher::open(**s);
  if (!matcher) {
    printError(env, matcher.error().describe());
    return exitCodeFor(matcher.error().code);
  }
  // Wall and CPU time of the match alone (on a busy machine the two differ a lot).
  auto cpuMs = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  };
  auto t0 = std::chrono::steady_clock::now();
  double c0 = cpuMs();
  auto result = matcher->match(*bom, indicators->get());
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  double cms = cpuMs() - c0;
  if (!result) {
    printError(env, result.error().describe());
    return exitCodeFor(result.error().code);
  }
  report::Report r;
  r.tool.version = kTollgateVersion;
  r.tool.command = "vuln";
  r.target = a.input;
  r.findings = std::move(result->findings);
  if (!vex.empty()) report::applyVex(r, vex);

  ReportExtras extras;
  extras.write.showSuppressed = a.showSuppressed;
  extras.write.timestamp = rfc3339(env.now());
  extras.write.serialUuid = env.uuid();
  if (int rc = writeReport(r, choice->format, a.output, extras, env)) return rc;
  if (!a.quiet) {
    const auto& ms_ = result->stats;
    char tail[256];
    std::snprintf(
        tail, sizeof tail,
        " (%zu components, %zu with an OSV ecosystem, %zu indicators; matched in %.1f ms, "
        "%.1f ms CPU)",
        ms_.components, ms_.queried, (*indicators)->size(), ms, cms);
    *env.err << "tollgate: " << a.input << ": " << report::summaryLine(r) << tail << '\n';
  }
  return report::exitCode(r, choice->failOn);
}

}  // namespace

Action addVulnCommand(CLI::App& app, const Env& env) {
  auto args = std::make_shared<VulnArgs>();
  auto* cmd = app.add_subcommand(
      "vuln",
      "Known vulnerabilities, known-malicious packages and known-bad files in a path, "
      "archive, image or SBOM");
  cmd->add_option(
         "PATH", args->input,
         "A directory, archive, image or single file (a lock file, a binary) to scan, or a "
         "CycloneDX / SPDX JSON SBOM")
      ->required();
  cmd->add_option("-f,--format", args->format, "table (default), json, sarif or cyclonedx-vex")
      ->capture_default_str();
  cmd->add_option("--fail-on", args->failOn,
                  "Exit 1 when a finding reaches this severity: info, low, medium, high, "
                  "critical, malicious");
  cmd->add_option("--vex", args->vexFiles,
                  "OpenVEX or CycloneDX VEX document: not_affected/fixed statements suppress "
                  "findings (repeatable)");
  cmd->add_flag("--show-suppressed", args->showSuppressed,
                "List suppressed findings too, with the reason");
  cmd->add_option("--store", args->store,
                  "Store URL: sqlite:PATH (default $XDG_DATA_HOME/tollgate/tollgate.db)");
  cmd->add_option("-o,--output", args->output, "Write to FILE atomically instead of stdout");
  cmd->add_option("--exclude", args->excludes, "In-root path prefix not to scan (repeatable)");
  cmd->add_flag("--no-hash", args->noHash,
                "Do not hash files (no comparison with known-bad file indicators)");
  cmd->add_option("-j,--threads", args->threads, "Worker threads for scanning (default: all CPUs)")
      ->check(threadsRange());
  cmd->add_flag("-q,--quiet", args->quiet, "No summary or progress on stderr");
  return [args, &env] { return runVuln(*args, env); };
}

}  // namespace tollgate::cli
