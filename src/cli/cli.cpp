#include "tollgate/cli/cli.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <iostream>
#include <optional>
#include <random>

#include "commands.h"
#include "tollgate/util/strings.h"

extern const char* const kTollgateVersion;
extern const char* const kTollgateCommit;

namespace tollgate::cli {

void printError(const Env& env, const std::string& line) {
  // One line, safe on a terminal: an error may name a path or a peer from untrusted input (a
  // file name in a scanned image, a host's reply), whose control bytes must not reach it.
  *env.err << "tollgate: " << printable(line, 4096) << '\n';
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf.data();
}

Env systemEnv() {
  Env env;
  env.now = [] {
    // SOURCE_DATE_EPOCH (reproducible-builds.org) pins the timestamp for reproducible output.
    if (const char* s = std::getenv("SOURCE_DATE_EPOCH")) {
      char* end = nullptr;
      long long v = std::strtoll(s, &end, 10);
      if (end && *end == '\0' && v >= 0)
        return std::chrono::system_clock::time_point(std::chrono::seconds(v));
    }
    return std::chrono::system_clock::now();
  };
  env.uuid = [] {
    std::array<unsigned char, 16> b{};
    std::random_device rd;
    for (auto& x : b) x = static_cast<unsigned char>(rd());
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    char out[37];
    std::snprintf(out, sizeof out,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                  b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                  b[14], b[15]);
    return std::string(out);
  };
  env.out = &std::cout;
  env.err = &std::cerr;
  env.stderrIsTerminal = ::isatty(STDERR_FILENO) == 1;
  return env;
}

int run(int argc, char** argv, const Env& env) {
  CLI::App app{"tollgate: software supply-chain defence (SBOM, release diff, egress control)",
               "tollgate"};
  app.set_version_flag("--version", std::string("tollgate ") + kTollgateVersion + " (commit " +
                                        kTollgateCommit + ")");
  app.require_subcommand(1);
  app.fallthrough(false);

  Action sbom = addSbomCommand(app, env);
  Action classify = addClassifyCommand(app, env);
  Action db = addDbCommand(app, env);
  Action dbUpdate = addDbUpdateCommand(*app.get_subcommand("db"), env);
  Action vuln = addVulnCommand(app, env);
  Action proxy = addProxyCommand(app, env);
  Action flows = addFlowsCommand(app, env);
  Action alerts = addAlertsCommand(app, env);
  Action ca = addCaCommand(app, env);
  Action diff = addDiffCommand(app, env);
  Action verify = addVerifyCommand(app, env);
  Action attest = addAttestCommand(app, env);

  // An empty file name ('' from an unset shell variable) names nothing, so an error about it
  // could not name it either: a usage error for every positional and file option.
  CLI::Validator nonEmpty(
      [](std::string& v) { return v.empty() ? std::string("must not be empty") : std::string(); },
      "");
  std::function<void(CLI::App*)> guardEmpty = [&](CLI::App* a) {
    for (CLI::Option* o : a->get_options()) {
      bool file = false;
      for (const char* n : {"key", "vex", "detectors", "ioc", "policy", "sbom"})
        file = file || o->check_lname(n);
      if (o->get_positional() || file) o->check(nonEmpty);
    }
    for (CLI::App* sub : a->get_subcommands([](CLI::App*) { return true; })) guardEmpty(sub);
  };
  guardEmpty(&app);

  // Help, version and usage errors end here; nullopt: parsed, run the command.
  auto parse = [&]() -> std::optional<int> {
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      *env.out << app.help();
      return 0;
    } catch (const CLI::CallForAllHelp& e) {
      *env.out << app.help("", CLI::AppFormatMode::All);
      return 0;
    } catch (const CLI::CallForVersion& e) {
      *env.out << e.what() << '\n';
      return 0;
    } catch (const CLI::ParseError& e) {
      // Subcommand help arrives here too (as CallForHelp raised inside the subcommand).
      if (e.get_exit_code() == 0) {
        return app.exit(e, *env.out, *env.err);
      }
      printError(env, std::string("usage: ") + e.what() + " (see 'tollgate --help')");
      return 2;
    }
    return std::nullopt;
  };
  auto dispatch = [&]() -> int {
    if (app.got_subcommand("sbom")) return sbom();
    if (app.got_subcommand("classify")) return classify();
    if (app.got_subcommand("db") && app.get_subcommand("db")->got_subcommand("update"))
      return dbUpdate();
    if (app.got_subcommand("db")) return db();
    if (app.got_subcommand("vuln")) return vuln();
    if (app.got_subcommand("proxy")) return proxy();
    if (app.got_subcommand("flows")) return flows();
    if (app.got_subcommand("alerts")) return alerts();
    if (app.got_subcommand("ca")) return ca();
    if (app.got_subcommand("diff")) return diff();
    if (app.got_subcommand("verify")) return verify();
    if (app.got_subcommand("attest")) return attest();
    return 2;
  };
  std::optional<int> parsed = parse();
  int rc = parsed ? *parsed : dispatch();
  // A report that did not reach standard output (a full disk, a closed pipe's reader gone with
  // SIGPIPE ignored) is not a success: say so, as for an unwritable -o FILE.
  errno = 0;
  env.out->flush();
  if (!*env.out) {
    int e = errno;
    printError(env, std::string("standard output: write error") +
                        (e ? std::string(": ") + std::strerror(e) : std::string()));
    return std::max(rc, 2);
  }
  return rc;
}

}  // namespace tollgate::cli
