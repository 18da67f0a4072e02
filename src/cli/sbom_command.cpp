// tollgate sbom PATH: an SBOM of a directory tree.
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
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
  std::uint64_t maxBytes = 32ull << 30;
  std::uint64_t maxEntries = 2'000'000;
  unsigned maxDepth = 4;
  double maxRatio = 250.0;
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
  // An unwritable -o fails at once rather than after a scan of minutes: a temporary is created
  // and removed again now (none is left lying in the output directory while the scan runs, or
  // after a Ctrl-C), and the output is written after the scan as before.
  // (Not for a FIFO or device, opened directly: closing the probe would end a reader's input.)
  const bool toFile = !a.output.empty() && a.output != "-";
  struct stat outStat {};
  if (toFile && (::stat(a.output.c_str(), &outStat) != 0 || S_ISREG(outStat.st_mode))) {
    if (auto probe = AtomicFile::create(a.output); !probe) {
      printError(env, probe.error().describe());
      return 2;
    }
  }
  std::error_code ec;
  auto abs = std::filesystem::absolute(a.path, ec);
  if (ec) abs = a.path;

  catalog::ScanOptions opts;
  opts.excludes = a.excludes;
  auto canonical = std::filesystem::weakly_canonical(abs, ec);
  if (!ec && canonical == "/") {
    // The live system: kernel and runtime state are not software anybody installed.
    for (const char* p : {"/proc", "/sys", "/dev", "/run"}) opts.excludes.emplace_back(p);
  }
  opts.oneFileSystem = a.oneFileSystem;
  opts.hashFiles = !a.noHash;
  opts.hashArchives = !a.noHash;
  // SPDX 2.3 wants a SHA-1 per file; CycloneDX and tables do not pay for it.
  opts.sha1 = *format == sbom::Format::kSpdxJson;
  opts.includePackageFiles = !a.noPackageFiles;
  opts.threads = a.threads;
  Progress progress(env.stderrIsTerminal && !a.quiet);
  opts.progress = &progress;
  catalog::ArchiveLimits limits;
  limits.maxTotalBytes = a.maxBytes;
  limits.maxEntries = a.maxEntries;
  limits.maxDepth = a.maxDepth;
  limits.maxRatio = a.maxRatio;

  Diagnostics diag;
  auto bom = catalog::scanPath(abs, opts, limits, diag);
  progress.done();
  if (!bom) {
    Error e = bom.error();
    if (e.context == abs.string()) e.context = a.path;  // name the file as the user wrote it
    printError(env, e.describe());
    return exitCodeFor(e.code);
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

  // Streamed in pieces: a live root's document is ~100 MB and is never held whole.
  if (!toFile) {
    sbom::writeTo(*bom, *format, [&](std::string_view piece) {
      env.out->write(piece.data(), static_cast<std::streamsize>(piece.size()));
    });
    env.out->flush();
  } else {
    auto file = AtomicFile::create(a.output);
    Status st2 = file ? Status{} : Status{std::unexpected(file.error())};
    if (file) {
      sbom::writeTo(*bom, *format, [&](std::string_view piece) { file->write(piece); });
      st2 = file->commit();
    }
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
  auto* cmd = app.add_subcommand(
      "sbom", "Write a software bill of materials of a directory, archive or container image");
  cmd->add_option(
         "PATH", args->path,
         "What to scan: a directory (a live root '/', a mounted or debootstrapped root, an "
         "application folder), an archive (tar.*, zip, jar, deb, rpm, ...), or a container "
         "image (docker save tarball, OCI layout directory or tarball), or a single file (a lock "
         "file, a manifest, a binary)")
      ->required();
  cmd->add_option("-f,--format", args->format, "cyclonedx-json (default), spdx-json or table")
      ->capture_default_str();
  cmd->add_option("-o,--output", args->output, "Write to FILE atomically instead of stdout");
  cmd->add_option("--exclude", args->excludes,
                  "In-root path prefix not to scan, e.g. /home (repeatable)");
  cmd->add_flag("--one-file-system", args->oneFileSystem, "Do not cross into other mounts");
  cmd->add_flag("--no-hash", args->noHash,
                "Hash no file content (files, Java archives, the scanned archive)");
  cmd->add_flag("--no-package-files", args->noPackageFiles,
                "Do not list the files each package owns");
  cmd->add_option("--max-bytes", args->maxBytes,
                  "Archives and images: stop expanding after this many bytes")
      ->capture_default_str();
  cmd->add_option("--max-entries", args->maxEntries, "Archives and images: most entries to expand")
      ->capture_default_str();
  cmd->add_option("--max-depth", args->maxDepth, "Nested archives: how many levels to open")
      ->capture_default_str();
  cmd->add_option("--max-ratio", args->maxRatio,
                  "Archives: largest expanded/compressed ratio before it counts as a bomb")
      ->capture_default_str()
      // NaN (which passes a range check) or a ratio below 1 would switch the bomb check off
      // or flag every archive.
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            char* end = nullptr;
            double v = std::strtod(text.c_str(), &end);
            bool ok = end != text.c_str() && *end == '\0' && v >= 1 && v <= 1e9;
            return ok ? std::string() : "must be a number from 1 to 1e9, not '" + text + "'";
          },
          "RATIO"));
  cmd->add_option("-j,--threads", args->threads, "Worker threads (default: all CPUs)")
      ->check(threadsRange());
  cmd->add_flag("-q,--quiet", args->quiet, "No warnings, progress or summary on stderr");
  cmd->add_flag("-v,--verbose", args->verbose, "Print every warning (default: the first 20)");
  return [args, &env] { return runSbom(*args, env); };
}

}  // namespace tollgate::cli
