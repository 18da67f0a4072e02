// tollgate db import SOURCE... | db import --ioc FILE | db status: the local advisory store.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "store_options.h"
#include "tollgate/util/file.h"
#include "tollgate/util/json.h"
#include "tollgate/util/progress.h"
#include "tollgate/util/strings.h"
#include "tollgate/vulndb/ioc.h"
#include "tollgate/vulndb/vulndb.h"

namespace tollgate::cli {
namespace {

struct DbArgs {
  std::vector<std::string> sources;
  std::vector<std::string> iocFiles;
  std::string store;
  std::string format = "table";
  bool quiet = false;
  bool verbose = false;
};

std::string describe(const vulndb::ImportStats& s) {
  return std::to_string(s.advisories()) + " advisories (" + std::to_string(s.added) + " added, " +
         std::to_string(s.updated) + " updated, " + std::to_string(s.unchanged) + " unchanged, " +
         std::to_string(s.withdrawn) + " withdrawn, " + std::to_string(s.failed) + " malformed)";
}

void printWarnings(const Env& env, const Diagnostics& diag, bool verbose) {
  constexpr std::size_t kShown = 20;
  auto w = diag.warnings();
  for (std::size_t i = 0; i < w.size() && (verbose || i < kShown); ++i)
    *env.err << "tollgate: warning: " << w[i].where << ": " << w[i].what << '\n';
  if (!verbose && w.size() > kShown)
    *env.err << "tollgate: " << w.size() - kShown << " more warnings (--verbose shows them all)\n";
}

int runImport(const DbArgs& a, const Env& env) {
  if (a.sources.empty() && a.iocFiles.empty()) {
    printError(env,
               "usage: db import needs SOURCE... or --ioc FILE (see 'tollgate db import --help')");
    return 2;
  }
  auto s = openVulnStore(a.store, true);
  if (!s) {
    printError(env, s.error().describe());
    return exitCodeFor(s.error().code);
  }
  int rc = 0;
  auto nowSecs =
      std::chrono::duration_cast<std::chrono::seconds>(env.now().time_since_epoch()).count();
  vulndb::ImportStats total;
  double totalSecs = 0;
  for (const auto& src : a.sources) {
    Diagnostics diag;
    Progress progress(env.stderrIsTerminal && !a.quiet);
    progress.setPhase("importing " + src);
    vulndb::ImportOptions opt{.diagnostics = &diag, .progress = &progress, .now = nowSecs};
    auto t0 = std::chrono::steady_clock::now();
    auto st = vulndb::importPath(**s, src, opt);
    progress.done();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!a.quiet) printWarnings(env, diag, a.verbose);
    if (!st) {
      printError(env, st.error().describe() + " (nothing from this source was imported)");
      rc = std::max(rc, exitCodeFor(st.error().code));
      continue;
    }
    total += *st;
    totalSecs += secs;
    // A source of nothing but malformed documents (a CSV, a cut-off file given by mistake) is an
    // input error, not an import of zero advisories; the warnings above say what was wrong.
    if (st->failed > 0 && st->advisories() == 0 && st->withdrawn == 0) {
      printError(env, src + ": no OSV advisory could be read (" + std::to_string(st->failed) +
                          " malformed; nothing imported)");
      rc = std::max(rc, 2);
      continue;
    }
    if (!a.quiet) {
      char rate[64];
      std::snprintf(rate, sizeof rate, " in %.2f s (%.0f/s)", secs,
                    secs > 0 ? static_cast<double>(st->advisories()) / secs : 0.0);
      *env.err << "tollgate: imported " << src << ": " << describe(*st) << rate << '\n';
    }
  }
  if (!a.quiet && a.sources.size() > 1) {
    char rate[64];
    std::snprintf(rate, sizeof rate, " in %.2f s (%.0f/s)", totalSecs,
                  totalSecs > 0 ? static_cast<double>(total.advisories()) / totalSecs : 0.0);
    *env.err << "tollgate: total: " << describe(total) << rate << '\n';
  }
  for (const auto& f : a.iocFiles) {
    auto text = readFile(f, 256ull << 20);
    if (!text) {
      printError(env, text.error().describe());
      rc = std::max(rc, exitCodeFor(text.error().code));
      continue;
    }
    Diagnostics diag;
    auto list = vulndb::parseIndicators(*text, f, &diag);
    if (!a.quiet) printWarnings(env, diag, a.verbose);
    if (!list) {
      printError(env, list.error().describe());
      rc = std::max(rc, exitCodeFor(list.error().code));
      continue;
    }
    auto tx = (*s)->begin();
    if (!tx) {
      printError(env, tx.error().describe());
      return exitCodeFor(tx.error().code);
    }
    auto st = vulndb::importIndicators(**s, *list, f);
    if (st) {
      if (auto c = tx->commit(); !c) st = std::unexpected(c.error());
    }
    if (!st) {
      printError(env, st.error().describe());
      rc = std::max(rc, exitCodeFor(st.error().code));
      continue;
    }
    std::map<std::string, std::size_t> byType;
    for (const auto& i : *list) ++byType[std::string(vulndb::toString(i.type))];
    if (!a.quiet) {
      *env.err << "tollgate: imported " << f << ": " << list->size() << " indicators (" << st->added
               << " added, " << st->updated << " updated;";
      for (const auto& [k, v] : byType) *env.err << ' ' << k << ' ' << v;
      *env.err << ")\n";
    }
  }
  return rc;
}

std::string age(std::int64_t then, std::int64_t now) {
  std::int64_t d = now - then;
  if (d < 0) d = 0;
  if (d < 120) return std::to_string(d) + " s ago";
  if (d < 7200) return std::to_string(d / 60) + " min ago";
  if (d < 172800) return std::to_string(d / 3600) + " h ago";
  return std::to_string(d / 86400) + " days ago";
}

int runStatus(const DbArgs& a, const Env& env) {
  if (a.format != "table" && a.format != "json") {
    printError(env, "usage: --format must be table or json, not '" + printable(a.format, 32) + "'");
    return 2;
  }
  auto s = openVulnStore(a.store, false);
  if (!s) {
    printError(env, s.error().describe());
    return exitCodeFor(s.error().code);
  }
  auto st = vulndb::status(**s);
  if (!st) {
    printError(env, st.error().describe());
    return exitCodeFor(st.error().code);
  }
  auto now = std::chrono::duration_cast<std::chrono::seconds>(env.now().time_since_epoch()).count();
  if (a.format == "json") {
    nlohmann::ordered_json j;
    j["store"] = (*s)->url();
    j["advisories"] = st->advisories;
    j["withdrawn"] = st->withdrawn;
    j["affected_packages"] = st->affectedRows;
    j["indicators"] = st->indicators;
    auto& e = j["ecosystems"] = nlohmann::ordered_json::object();
    for (const auto& [name, v] : st->ecosystems)
      e[name] = {{"advisories", v.advisories},
                 {"malicious", v.malicious},
                 {"newest_modified", v.newestModified}};
    auto& imps = j["imports"] = nlohmann::ordered_json::array();
    for (const auto& r : st->lastImports)
      imps.push_back(
          {{"source", r.source},
           {"at", rfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(r.at)))},
           {"added", r.stats.added},
           {"updated", r.stats.updated},
           {"unchanged", r.stats.unchanged},
           {"withdrawn", r.stats.withdrawn},
           {"failed", r.stats.failed}});
    *env.out << jsonText(j, 2) << '\n';
    return 0;
  }
  auto& out = *env.out;
  out << "store: " << (*s)->url() << '\n'
      << "advisories: " << st->advisories << " (" << st->withdrawn << " withdrawn), "
      << st->affectedRows << " affected packages, " << st->indicators << " indicators\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %10s %10s  %s\n", "ECOSYSTEM", "ADVISORIES", "MALICIOUS",
                "NEWEST MODIFIED");
  out << line;
  for (const auto& [name, v] : st->ecosystems) {
    std::snprintf(line, sizeof line, "%-24s %10llu %10llu  %s\n", name.c_str(),
                  static_cast<unsigned long long>(v.advisories),
                  static_cast<unsigned long long>(v.malicious), v.newestModified.c_str());
    out << line;
  }
  if (st->lastImports.empty()) {
    out << "last import: never\n";
  } else {
    const auto& r = st->lastImports.front();
    out << "last import: " << r.source << ", "
        << rfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(r.at))) << " ("
        << age(r.at, now) << ")\n";
  }
  return 0;
}

}  // namespace

Action addDbCommand(CLI::App& app, const Env& env) {
  auto args = std::make_shared<DbArgs>();
  auto* db = app.add_subcommand(
      "db", "The local advisory store: import OSV advisories and indicators, show status");
  db->require_subcommand(1);
  auto* imp = db->add_subcommand(
      "import",
      "Import OSV advisories (.json files, directories of them, osv.dev all.zip exports) "
      "and indicator lists (--ioc)");
  imp->add_option("SOURCE", args->sources, "OSV .json file, directory or .zip (repeatable)");
  imp->add_option("--ioc", args->iocFiles,
                  "Indicator list: CSV value,type,description,source or a STIX 2.1 bundle "
                  "(repeatable)");
  auto* status = db->add_subcommand(
      "status", "Advisory counts per ecosystem, newest advisory and last import");
  status->add_option("-f,--format", args->format, "table (default) or json")->capture_default_str();
  for (auto* c : {imp, status})
    c->add_option("--store", args->store,
                  "Store URL: sqlite:PATH (default $XDG_DATA_HOME/tollgate/tollgate.db) or "
                  "postgresql://... (not supported yet)");
  imp->add_flag("-q,--quiet", args->quiet, "No warnings or summary on stderr");
  imp->add_flag("-v,--verbose", args->verbose, "Print every warning (default: the first 20)");
  return [args, &env, imp, status]() -> int {
    if (imp->parsed()) return runImport(*args, env);
    if (status->parsed()) return runStatus(*args, env);
    return 2;
  };
}

}  // namespace tollgate::cli
