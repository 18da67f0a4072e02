// tollgate sbom PATH: an SBOM of a directory tree.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "commands.h"
#include "tollgate/catalog/catalog.h"
#include "tollgate/sbom/writers.h"
#include "tollgate/util/file.h"

extern const char* const kTollgateVersion;

namespace tollgate::cli {
namespace {

struct SbomArgs {
  std::string path;
  std::string format = "cyclonedx-json";
  std::string output;
  std::vector<std::string> excludes;
  bool oneFileSystem = false;
  bool noHash = false;
  bool noPackageFiles = false;
  bool quiet = false;
  bool verbose = false;
  unsigned threads = 0;
};

std::string summary(const sbom::Bom& bom) {
  std::map<std::string, std::size_t> byCataloger;
  std::size_t files = 0;
  for (const auto& c : bom.components) {
    ++byCataloger[c.foundBy.empty() ? "other" : c.foundBy];
    files += c.files.size();
  }
  std::string s = std::to_string(bom.components.size()) + " components (";
  bool first = true;
  for (const auto& [k, v] : byCataloger) {
    if (!first) s += ", ";
    s += k + " " + std::to_string(v);
    first = false;
  }
  s += "), " + std::to_string(files) + " package files, " +
       std::to_string(bom.dependencies.size()) + " dependency entries";
  return s;
}

int runSbom(const SbomArgs& a, const Env& env) {
  auto format = sbom::parseFormat(a.format);
  if (!format) {
    printError(env, format.error().describe());
    return 2;
  }
  std::error_code ec;
  auto abs = std::filesystem::absolute(a.path, ec);
  if (ec) abs = a.path;
  struct stat st {};
  if (::stat(abs.c_str(), &st) != 0) {
    printError(env, a.path + ": cannot scan: " + std::strerror(errno));
    return 2;
  }
  if (!S_ISDIR(st.st_mode)) {
    printError(env, a.path + ": cannot scan: not a directory");
    return 2;
  }
  auto root = RootDir::open(abs);
  if (!root) {
    printError(env, root.error().describe());
    return exitCodeFor(root.error().code);
  }

  catalog::ScanOptions opts;
  opts.excludes = a.excludes;
  auto canonical = std::filesystem::weakly_canonical(abs, ec);
  if (!ec && canonical == "/") {
    // The live system: kernel and runtime state are not software anybody installed.
    for (const char* p : {"/proc", "/sys", "/dev", "/run"}) opts.excludes.emplace_back(p);
  }
  opts.oneFileSystem = a.oneFileSystem;
  opts.hashFiles = !a.noHash;
  opts.includePackageFiles = !a.noPackageFiles;
  opts.threads = a.threads;
  Progress progress(env.stderrIsTerminal && !a.quiet);
  opts.progress = &progress;

  Diagnostics diag;
  auto bom = catalog::scanTree(*root, opts, diag);
  progress.done();
  if (!bom) {
    printError(env, bom.error().describe());
    return exitCodeFor(bom.error().code);
  }
  bom->metadata.toolVersion = kTollgateVersion;
  bom->metadata.timestamp = rfc3339(env.now());
  bom->metadata.serialNumber = "urn:uuid:" + env.uuid();
  if (bom->metadata.subjectName.empty()) bom->metadata.subjectName = a.path;
  bom->normalize();

  if (!a.quiet) {
    // A live root can give hundreds of warnings (files vanishing under /var, say): show the
    // first ones and a count unless --verbose asks for all.
    constexpr std::size_t kShown = 20;
    auto warnings = diag.warnings();
    for (std::size_t i = 0; i < warnings.size() && (a.verbose || i < kShown); ++i)
      *env.err << "tollgate: warning: " << warnings[i].where << ": " << warnings[i].what << '\n';
    if (!a.verbose && warnings.size() > kShown)
      *env.err << "tollgate: " << warnings.size() - kShown
               << " more warnings (--verbose shows them all)\n";
  }

  std::string text = sbom::write(*bom, *format);
  if (a.output.empty() || a.output == "-") {
    *env.out << text;
    env.out->flush();
  } else {
    auto st2 = writeFileAtomic(a.output, text);
    if (!st2) {
      printError(env, st2.error().describe());
      return 2;
    }
    if (!a.quiet) *env.err << "tollgate: wrote " << a.output << ": " << summary(*bom) << '\n';
  }
  return 0;
}

}  // namespace

Action addSbomCommand(CLI::App& app, const Env& env) {
  auto args = std::make_shared<SbomArgs>();
  auto* cmd = app.add_subcommand("sbom", "Write a software bill of materials of a directory tree");
  cmd->add_option("PATH", args->path, "Directory to scan: a live root '/', a mounted or "
                                      "debootstrapped root file system, an application folder")
      ->required();
  cmd->add_option("-f,--format", args->format, "cyclonedx-json (default), spdx-json or table")
      ->capture_default_str();
  cmd->add_option("-o,--output", args->output, "Write to FILE atomically instead of stdout");
  cmd->add_option("--exclude", args->excludes,
                  "In-root path prefix not to scan, e.g. /home (repeatable)");
  cmd->add_flag("--one-file-system", args->oneFileSystem, "Do not cross into other mounts");
  cmd->add_flag("--no-hash", args->noHash, "Skip SHA-256 of files");
  cmd->add_flag("--no-package-files", args->noPackageFiles,
                "Do not list the files each package owns");
  cmd->add_option("-j,--threads", args->threads, "Worker threads (default: all CPUs)");
  cmd->add_flag("-q,--quiet", args->quiet, "No warnings, progress or summary on stderr");
  cmd->add_flag("-v,--verbose", args->verbose, "Print every warning (default: the first 20)");
  return [args, &env] { return runSbom(*args, env); };
}

}  // namespace tollgate::cli
