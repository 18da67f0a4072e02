// One function per subcommand: each adds its CLI11 subcommand and returns the action to run.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "tollgate/cli/cli.h"

namespace tollgate::cli {

using Action = std::function<int()>;

// Registers `tollgate sbom` on `app`; the returned action runs it after parsing.
Action addSbomCommand(CLI::App& app, const Env& env);
// Registers `tollgate classify` (personal data and secrets in files or stdin).
Action addClassifyCommand(CLI::App& app, const Env& env);
// Registers `tollgate proxy` (egress proxy), `tollgate flows` and `tollgate alerts`.
Action addProxyCommand(CLI::App& app, const Env& env);
Action addFlowsCommand(CLI::App& app, const Env& env);
Action addAlertsCommand(CLI::App& app, const Env& env);
// Registers `tollgate ca init|show` (the local CA of TLS interception).
Action addCaCommand(CLI::App& app, const Env& env);
// Registers `tollgate diff OLD NEW` (release comparison and the release-gate rules).
Action addDiffCommand(CLI::App& app, const Env& env);
// Registers `tollgate verify PATH` and `tollgate attest sign|verify|export-key`.
Action addVerifyCommand(CLI::App& app, const Env& env);
Action addAttestCommand(CLI::App& app, const Env& env);

// Registers `tollgate db` (import, status) and `tollgate vuln`.
Action addDbCommand(CLI::App& app, const Env& env);
// Registers `tollgate db update` on the `db` subcommand (downloads of osv.dev's exports).
Action addDbUpdateCommand(CLI::App& db, const Env& env);
Action addVulnCommand(CLI::App& app, const Env& env);

// Helpers shared by commands.

// -j/--threads: 0 is "every CPU"; past this a thread per request fails to start (EAGAIN), which
// would surface as an internal error rather than a usage one.
inline constexpr unsigned kMaxThreads = 1024;
inline CLI::Range threadsRange() { return CLI::Range(0u, kMaxThreads); }

void printError(const Env& env, const std::string& line);
[[nodiscard]] std::string rfc3339(std::chrono::system_clock::time_point t);

}  // namespace tollgate::cli
