// tollgate db update [--ecosystem NAME...] [--mirror URL] [--store URL]: download osv.dev's
// per-ecosystem all.zip exports (resumably, conditionally), verify them and import them.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "store_options.h"
#include "tollgate/fetch/fetch.h"
#include "tollgate/util/file.h"
#include "tollgate/util/json.h"
#include "tollgate/util/progress.h"
#include "tollgate/util/strings.h"
#include "tollgate/vulndb/vulndb.h"

namespace tollgate::cli {
namespace {

namespace fs = std::filesystem;

// The ecosystems tollgate matches, as osv.dev names its export folders.
const std::vector<std::string> kDefaultEcosystems = {"Debian", "Go",       "Maven",    "npm",
                                                     "PyPI",   "RubyGems", "crates.io"};

struct UpdateArgs {
  std::vector<std::string> ecosystems;
  std::string mirror{fetch::kDefaultOsvMirror};
  std::string store;
  std::string cacheDir;
  std::string caFile;
  std::string format = "table";
  bool quiet = false;
};

fs::path defaultCacheDir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x == '/')
    return fs::path(x) / "tollgate" / "osv";
  if (const char* h = std::getenv("HOME"); h && *h)
    return fs::path(h) / ".cache" / "tollgate" / "osv";
  return fs::temp_directory_path() / "tollgate-osv";
}

// An ecosystem name becomes one directory under the cache: no separators, no "..".
bool safeSegment(std::string_view s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string_view::npos &&
         s.find('\0') == std::string_view::npos && s.size() <= 100;
}

struct Outcome {
  std::string ecosystem{};
  std::string url{};
  std::string state{};  // "updated", "up-to-date", "failed"
  std::string error{};
  fetch::DownloadResult download{};
  vulndb::ImportStats stats{};
};

int runUpdate(const UpdateArgs& a, const Env& env) {
  if (a.format != "table" && a.format != "json") {
    printError(env, "usage: --format must be table or json, not '" + printable(a.format, 32) + "'");
    return 2;
  }
  std::vector<std::string> ecosystems = a.ecosystems.empty() ? kDefaultEcosystems : a.ecosystems;
  for (const auto& e : ecosystems)
    if (!safeSegment(e)) {
      printError(env, "usage: --ecosystem '" + printable(e, 60) + "' is not an ecosystem name");
      return 2;
    }
  if (!startsWith(a.mirror, "https://") && !startsWith(a.mirror, "http://")) {
    printError(env, "usage: --mirror must be an https:// (or http://) URL, not '" +
                        printable(a.mirror, 80) + "'");
    return 2;
  }
  auto store = openVulnStore(a.store, true);
  if (!store) {
    printError(env, store.error().describe());
    return exitCodeFor(store.error().code);
  }
  fetch::GlobalInit curl;
  fs::path cache = a.cacheDir.empty() ? defaultCacheDir() : fs::path(a.cacheDir);
  fetch::DownloadOptions dopt{.caFile = a.caFile};
  auto nowSecs =
      std::chrono::duration_cast<std::chrono::seconds>(env.now().time_since_epoch()).count();

  int rc = 0;
  std::vector<Outcome> outcomes;
  for (const auto& eco : ecosystems) {
    Outcome o{.ecosystem = eco, .url = fetch::osvExportUrl(a.mirror, eco)};
    fs::path dest = cache / eco / "all.zip";
    fs::path imported = cache / eco / "all.zip.imported";
    auto d = fetch::download(o.url, dest, dopt);
    if (!d) {
      // Offline: one clear line and stop (the other ecosystems would say the same).
      if (d.error().message.starts_with("cannot reach ")) {
        printError(env, d.error().describe() +
                            " (db update needs the network; 'tollgate db import FILE' imports a "
                            "copied all.zip)");
        return 2;
      }
      o.state = "failed";
      o.error = d.error().describe();
      printError(env, eco + ": " + o.error);
      rc = std::max(rc, exitCodeFor(d.error().code));
      outcomes.push_back(std::move(o));
      continue;
    }
    o.download = *d;
    // A 304 skips the import only when this very file was imported before (an earlier run may
    // have downloaded it and then failed to import).
    auto marker = readFile(imported, 4096);
    std::string validator = d->etag + "|" + d->lastModified + "|" + std::to_string(d->size);
    if (d->notModified && marker && *marker == validator) {
      o.state = "up-to-date";
      outcomes.push_back(std::move(o));
      continue;
    }
    if (auto v = fetch::verifyOsvZip(dest); !v) {
      // Not kept: the next run downloads it again rather than trusting it.
      std::error_code ec;
      fs::remove(dest, ec);
      fs::remove(fs::path(dest.string() + ".json"), ec);
      fs::remove(imported, ec);
      o.state = "failed";
      o.error = v.error().describe() + " (downloaded from " + o.url + "; not imported)";
      printError(env, eco + ": " + o.error);
      rc = std::max(rc, exitCodeFor(v.error().code));
      outcomes.push_back(std::move(o));
      continue;
    }
    Diagnostics diag;
    Progress progress(env.stderrIsTerminal && !a.quiet);
    progress.setPhase("importing " + eco);
    vulndb::ImportOptions iopt{.diagnostics = &diag, .progress = &progress, .now = nowSecs};
    auto st = vulndb::importPath(**store, dest, iopt);
    progress.done();
    if (!st) {
      o.state = "failed";
      o.error = st.error().describe() + " (nothing from this export was imported)";
      printError(env, eco + ": " + o.error);
      rc = std::max(rc, exitCodeFor(st.error().code));
      outcomes.push_back(std::move(o));
      continue;
    }
    if (auto w = writeFileAtomic(imported, validator); !w)
      printError(env, "warning: " + w.error().describe());
    o.state = "updated";
    o.stats = *st;
    outcomes.push_back(std::move(o));
  }

  if (a.format == "json") {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& o : outcomes) {
      nlohmann::ordered_json j;
      j["ecosystem"] = o.ecosystem;
      j["url"] = o.url;
      j["state"] = o.state;
      if (!o.error.empty()) j["error"] = printable(o.error, 1000);
      j["http_status"] = o.download.httpStatus;
      j["bytes_downloaded"] = o.download.bytes;
      j["resumed"] = o.download.resumed;
      j["size"] = o.download.size;
      if (o.state == "updated")
        j["import"] = {{"files", o.stats.files},         {"added", o.stats.added},
                       {"updated", o.stats.updated},     {"unchanged", o.stats.unchanged},
                       {"withdrawn", o.stats.withdrawn}, {"failed", o.stats.failed}};
      arr.push_back(std::move(j));
    }
    *env.out << jsonText(arr, 2) << '\n';
  } else if (!a.quiet) {
    for (const auto& o : outcomes) {
      *env.out << o.ecosystem << ": ";
      if (o.state == "up-to-date") {
        *env.out << "up to date (" << o.download.size << " bytes, not modified)\n";
      } else if (o.state == "updated") {
        *env.out << o.stats.advisories() << " advisories (" << o.stats.added << " added, "
                 << o.stats.updated << " updated, " << o.stats.unchanged << " unchanged, "
                 << o.stats.withdrawn << " withdrawn, " << o.stats.failed << " malformed); "
                 << o.download.bytes << " bytes downloaded"
                 << (o.download.resumed ? " (resumed)" : "")
                 << (o.download.notModified ? " (not modified, imported again)" : "") << '\n';
      } else {
        *env.out << "failed: " << printable(o.error, 300) << '\n';
      }
    }
  }
  return rc;
}

}  // namespace

Action addDbUpdateCommand(CLI::App& db, const Env& env) {
  auto args = std::make_shared<UpdateArgs>();
  auto* cmd = db.add_subcommand(
      "update",
      "Download osv.dev's per-ecosystem all.zip exports over HTTPS (resumable, only when changed), "
      "verify and import them");
  cmd->add_option("--ecosystem", args->ecosystems,
                  "OSV ecosystem to update (repeatable; default: Debian Go Maven npm PyPI "
                  "RubyGems crates.io)");
  cmd->add_option("--mirror", args->mirror, "Base URL of the exports: <mirror>/<Ecosystem>/all.zip")
      ->capture_default_str();
  cmd->add_option("--store", args->store,
                  "Store URL: sqlite:PATH (default $XDG_DATA_HOME/tollgate/tollgate.db)");
  cmd->add_option("--cache-dir", args->cacheDir,
                  "Where downloads and partial downloads are kept (default "
                  "$XDG_CACHE_HOME/tollgate/osv)");
  cmd->add_option("--ca-file", args->caFile,
                  "PEM CA bundle to trust instead of the system's (a private mirror)");
  cmd->add_option("-f,--format", args->format, "table (default) or json")->capture_default_str();
  cmd->add_flag("-q,--quiet", args->quiet, "No summary or progress");
  return [args, &env] { return runUpdate(*args, env); };
}

}  // namespace tollgate::cli
