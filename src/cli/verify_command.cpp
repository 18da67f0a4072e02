// tollgate verify PATH: installed files against their package records (dpkg, rpm, Python).
#include <filesystem>

#include "commands.h"
#include "report_output.h"
#include "tollgate/integrity/verify.h"
#include "tollgate/report/finding.h"
#include "tollgate/util/progress.h"
#include "tollgate/util/strings.h"

extern const char* const kTollgateVersion;

namespace tollgate::cli {
namespace {

struct VerifyArgs {
  std::string path = "/";
  std::string format = "table";
  std::string failOn;
  std::string output;
  bool noUnowned = false;
  bool showConffiles = false;
  unsigned threads = 0;
  bool quiet = false;
};

int runVerifyInstalled(const VerifyArgs& a, const Env& env) {
  auto choice = parseReportChoice(a.format, a.failOn, /*vex=*/false);
  if (!choice) {
    printError(env, choice.error().describe());
    return 2;
  }
  auto root = RootDir::open(a.path);
  if (!root) {
    printError(env, root.error().describe());
    return exitCodeFor(root.error().code);
  }
  integrity::VerifyOptions opts;
  opts.unowned = !a.noUnowned;
  opts.threads = a.threads;
  Progress progress(env.stderrIsTerminal && !a.quiet);
  opts.progress = &progress;
  Diagnostics diag;
  auto r = integrity::verifyInstalled(*root, opts, diag);
  progress.done();
  if (!r) {
    printError(env, r.error().describe());
    return exitCodeFor(r.error().code);
  }
  if (r->sources.empty()) {
    printError(env,
               a.path + ": no package records found (dpkg status, rpm database, Python RECORD)");
    return 2;
  }
  report::Report rep;
  rep.tool.version = kTollgateVersion;
  rep.tool.command = "verify";
  rep.target = a.path;
  for (auto& f : r->findings)
    if (a.showConffiles || f.id != "conffile-modified") rep.findings.push_back(std::move(f));
  std::string sources;
  for (const auto& s : r->sources) sources += (sources.empty() ? "" : ", ") + s;
  std::string summary = std::to_string(rep.findings.size()) + " findings; " +
                        std::to_string(r->filesChecked) + " files of " +
                        std::to_string(r->packages) + " packages checked (" + sources + ")";
  if (!a.quiet)
    for (const auto& w : diag.warnings())
      *env.err << "tollgate: warning: " << w.where << ": " << w.what << '\n';
  ReportExtras extras;
  extras.tableHead = summary + '\n';
  extras.json["summary"] = summary;
  if (int rc = writeReport(rep, choice->format, a.output, extras, env)) return rc;
  return report::exitCode(rep, choice->failOn);
}

}  // namespace

Action addVerifyCommand(CLI::App& app, const Env& env) {
  auto a = std::make_shared<VerifyArgs>();
  auto* cmd = app.add_subcommand(
      "verify", "Check installed files against their package records (dpkg, rpm, Python RECORD)");
  cmd->add_option("PATH", a->path, "Root to check: '/' (default) or a mounted or unpacked root")
      ->capture_default_str();
  cmd->add_option("-f,--format", a->format, "table (default), json or sarif")
      ->capture_default_str();
  cmd->add_option("--fail-on", a->failOn, "Exit 1 when a finding has this severity or higher");
  cmd->add_option("-o,--output", a->output, "Write the report to FILE atomically");
  cmd->add_flag("--no-unowned", a->noUnowned,
                "Do not look for executables that no package owns in system paths");
  cmd->add_flag("--conffiles", a->showConffiles,
                "Also list edited configuration files (conffile-modified, info)");
  cmd->add_option("-j,--threads", a->threads, "Worker threads (default: all CPUs)")
      ->check(threadsRange());
  cmd->add_flag("-q,--quiet", a->quiet, "No warnings or progress on stderr");
  return [a, &env] { return runVerifyInstalled(*a, env); };
}

}  // namespace tollgate::cli
