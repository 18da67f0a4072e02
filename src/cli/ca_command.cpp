// tollgate ca init|show: the local CA the proxy intercepts TLS with.
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "tollgate/egress/ca.h"
#include "tollgate/util/file.h"
#include "tollgate/util/json.h"
#include "tollgate/util/strings.h"

namespace tollgate::cli {
namespace {

struct CaArgs {
  std::string dir;
  int days = 825;
  std::string key = "ec";
  std::vector<std::string> permit;
  bool force = false;
  bool pem = false;
  std::string format = "table";
};

std::filesystem::path caDir(const CaArgs& a) {
  if (!a.dir.empty()) return a.dir;
  return egress::defaultCaDir(std::getenv("XDG_DATA_HOME"), std::getenv("HOME"));
}

void printInfo(const egress::CaInfo& info, const std::string& format, const Env& env) {
  if (format == "json") {
    nlohmann::json j{{"dir", info.dir.string()},     {"certificate", info.certPath.string()},
                     {"key", info.keyPath.string()}, {"subject", info.subject},
                     {"sha256", info.sha256},        {"not_before", info.notBefore},
                     {"not_after", info.notAfter},   {"key_type", info.keyType},
                     {"permitted", info.permitted}};
    *env.out << jsonText(j, 2) << '\n';
    return;
  }
  *env.out << "certificate  " << info.certPath.string() << "  (install this in clients)\n"
           << "subject      " << info.subject << '\n'
           << "sha256       " << info.sha256 << '\n'
           << "valid        " << info.notBefore << " .. " << info.notAfter << '\n'
           << "key          " << info.keyType << " (" << info.keyPath.string() << ")\n";
  if (!info.permitted.empty()) {
    *env.out << "permitted   ";
    for (const auto& p : info.permitted) *env.out << ' ' << p;
    *env.out << '\n';
  }
}

int runInit(const CaArgs& a, const Env& env) {
  if (a.format != "table" && a.format != "json") {
    printError(env, "usage: --format must be table or json, not '" + printable(a.format, 32) + "'");
    return 2;
  }
  if (a.key != "ec" && a.key != "rsa") {
    printError(env, "usage: --key must be ec (P-256) or rsa (2048 bits)");
    return 2;
  }
  egress::CaInitOptions o;
  o.dir = caDir(a);
  o.days = a.days;
  o.keyType = a.key == "rsa" ? egress::CaKeyType::kRsa2048 : egress::CaKeyType::kEcP256;
  o.force = a.force;
  o.permitted = a.permit;
  auto info = egress::initCa(o);
  if (!info) {
    printError(env, info.error().describe());
    return exitCodeFor(info.error().code);
  }
  printInfo(*info, a.format, env);
  return 0;
}

int runShow(const CaArgs& a, const Env& env) {
  if (a.format != "table" && a.format != "json") {
    printError(env, "usage: --format must be table or json, not '" + printable(a.format, 32) + "'");
    return 2;
  }
  auto dir = caDir(a);
  auto info = egress::readCaInfo(dir);
  if (!info) {
    printError(env, info.error().describe());
    return exitCodeFor(info.error().code);
  }
  if (a.pem) {
    auto text = readFile(info->certPath, 1 << 20);
    if (!text) {
      printError(env, text.error().describe());
      return exitCodeFor(text.error().code);
    }
    *env.out << *text;
    return 0;
  }
  printInfo(*info, a.format, env);
  return 0;
}

}  // namespace

Action addCaCommand(CLI::App& app, const Env& env) {
  auto* cmd = app.add_subcommand(
      "ca", "The local certificate authority 'tollgate proxy --ca' intercepts TLS with");
  cmd->require_subcommand(1);
  auto ia = std::make_shared<CaArgs>();
  auto* init = cmd->add_subcommand(
      "init", "Create the CA: ca.pem (install it in clients), ca.key and leaf.key (mode 0600)");
  init->add_option("--dir", ia->dir,
                   "CA directory (default $XDG_DATA_HOME/tollgate/ca, ~/.local/share/tollgate/ca)");
  init->add_option("--days", ia->days, "Validity of the CA certificate in days")
      ->capture_default_str();
  init->add_option("--key", ia->key, "ec (P-256, default) or rsa (2048 bits)")
      ->capture_default_str();
  init->add_option("--permit", ia->permit,
                   "Name constraint: the CA only vouches for this DNS domain and its subdomains "
                   "(repeatable; default unconstrained)");
  init->add_flag("--force", ia->force, "Replace an existing CA (clients must trust the new one)");
  init->add_option("-f,--format", ia->format, "table (default) or json")->capture_default_str();

  auto sa = std::make_shared<CaArgs>();
  auto* show = cmd->add_subcommand(
      "show", "Print the CA's certificate path, SHA-256 fingerprint, subject and validity");
  show->add_option("--dir", sa->dir, "CA directory (default as for 'ca init')");
  auto* pem =
      show->add_flag("--pem", sa->pem, "Print the PEM certificate itself (to install in clients)");
  auto* format =
      show->add_option("-f,--format", sa->format, "table (default) or json")->capture_default_str();
  // The PEM is its own format: --pem --format json would silently print PEM.
  pem->excludes(format);

  return [ia, sa, init, show, &env]() -> int {
    if (init->parsed()) return runInit(*ia, env);
    if (show->parsed()) return runShow(*sa, env);
    return 2;
  };
}

}  // namespace tollgate::cli
