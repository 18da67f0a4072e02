// tollgate proxy: the egress proxy (HTTP/1.1 forward proxy and CONNECT tunnels) recording flows.
// tollgate flows / tollgate alerts: what it recorded.
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "report_output.h"
#include "tollgate/classify/scanner.h"
#include "tollgate/egress/alerts.h"
#include "tollgate/egress/flow_store.h"
#include "tollgate/egress/policy.h"
#include "tollgate/egress/proxy.h"
#include "tollgate/sbom/writers.h"
#include "tollgate/util/file.h"
#include "tollgate/util/json.h"
#include "tollgate/util/strings.h"
#include "tollgate/vulndb/ioc.h"
#include "tollgate/vulndb/vulndb.h"

extern const char* const kTollgateVersion;

namespace tollgate::cli {
namespace {

struct ProxyArgs {
  std::string listen;
  std::string store;
  std::string flowsLog;
  std::vector<std::string> resolve;
  std::string metrics;
  std::vector<std::string> detectorFiles;
  unsigned threads = 0;
  double idleTimeout = 60, ioTimeout = 30, connectTimeout = 10;
  std::size_t queue = 65536;
  std::uint32_t maxHeader = 64 * 1024;
  bool noClassify = false;
  bool noProcess = false;
  std::string ca;          // CA directory for TLS interception
  std::string upstreamCa;  // PEM bundle verifying upstreams instead of the system store
  bool caDiskCache = false;
  std::string policy;
  std::string alertsFile;
  bool alertsSyslog = false;
  std::vector<std::string> sboms;
};

// `create`: the proxy makes the store; flows and alerts only read it, so a mistyped --store is
// an error naming the path, not a new empty store (and a stray directory) that lists nothing.
Result<std::unique_ptr<store::Store>> openStore(const std::string& given, bool create) {
  std::string text =
      given.empty() ? store::defaultUrl(std::getenv("XDG_DATA_HOME"), std::getenv("HOME")) : given;
  auto url = store::parseUrl(text);
  if (!url) return std::unexpected(url.error());
  store::OpenOptions opts;
  opts.create = create;
  auto s = store::open(*url, opts);
  if (!s && s.error().code == ErrorCode::kNotFound && !create)
    return fail(ErrorCode::kNotFound,
                "no store here yet (the proxy records flows and alerts there: run 'tollgate "
                "proxy' first, or pass --store)",
                s.error().context);
  if (!s) return std::unexpected(s.error());
  if (auto st = (*s)->migrate(egress::migrations()); !st) return std::unexpected(st.error());
  // The indicator lists of `db import --ioc` live in vulndb's tables.
  if (auto st = (*s)->migrate(vulndb::migrations()); !st) return std::unexpected(st.error());
  return s;
}

std::chrono::milliseconds seconds(double s) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000.0));
}

int runProxy(const ProxyArgs& a, const Env& env) {
  egress::ProxyConfig cfg;
  auto listen = egress::parseEndpoint(a.listen);
  if (!listen) {
    printError(env, "usage: --listen: " + listen.error().message);
    return 2;
  }
  cfg.listen = *listen;
  if (!a.metrics.empty()) {
    auto m = egress::parseEndpoint(a.metrics);
    if (!m) {
      printError(env, "usage: --metrics: " + m.error().message);
      return 2;
    }
    cfg.metrics = *m;
  }
  for (const auto& r : a.resolve) {
    auto o = egress::parseResolveOverride(r);
    if (!o) {
      printError(env, "usage: " + o.error().message);
      return 2;
    }
    cfg.resolve.push_back(*o);
  }
  // Also refuses NaN and infinity (or 1e300), which do not convert to milliseconds.
  constexpr double kMaxTimeout = 1e6;
  for (double t : {a.idleTimeout, a.ioTimeout, a.connectTimeout})
    if (!(t > 0 && t <= kMaxTimeout)) {
      printError(env, "usage: timeouts must be positive seconds, at most 1000000");
      return 2;
    }
  cfg.idleTimeout = seconds(a.idleTimeout);
  cfg.ioTimeout = seconds(a.ioTimeout);
  cfg.connectTimeout = seconds(a.connectTimeout);
  cfg.threads = a.threads;
  cfg.maxHeaderBytes = a.maxHeader;
  cfg.attributeProcesses = !a.noProcess;
  auto defs = classify::shippedDetectors();
  if (!defs) {
    printError(env, "internal: " + defs.error().describe());
    return 3;
  }
  {
    for (const auto& f : a.detectorFiles) {
      auto text = readFile(f, 16 << 20);
      if (!text) {
        printError(env, text.error().describe());
        return 2;
      }
      auto extra = classify::parseDetectors(*text, f);
      if (!extra) {
        printError(env, extra.error().describe());
        return 2;
      }
      classify::mergeDetectors(*defs, std::move(*extra));
    }
  }
  // The policy names data classes by detector id or class: a typo is an error, not a rule that
  // never matches.
  std::set<std::string> knownClasses{"personal", "secret", "host"};
  for (const auto& d : *defs) knownClasses.insert(d.id);
  if (!a.policy.empty()) {
    auto p = egress::Policy::load(a.policy, knownClasses);
    if (!p) {
      printError(env, p.error().describe());
      return 2;
    }
    cfg.policy = *p;
    cfg.reloadPolicy = [path = a.policy, knownClasses] {
      return egress::Policy::load(path, knownClasses);
    };
  }
  if (!a.noClassify) {
    auto db = classify::Database::compile(*defs);
    if (!db) {
      printError(env, db.error().describe());
      return exitCodeFor(db.error().code);
    }
    cfg.classifier = *db;
  }
  if (!a.ca.empty()) {
    egress::LeafOptions lo;
    lo.diskCache = a.caDiskCache;
    auto ca = egress::CertificateAuthority::load(a.ca, lo);
    if (!ca) {
      printError(env, "--ca: " + ca.error().describe());
      return exitCodeFor(ca.error().code);
    }
    cfg.ca = *ca;
    cfg.upstreamCaFile = a.upstreamCa;
    if (!cfg.policy)
      printError(env,
                 "note: --ca without --policy: no host is marked 'tls: inspect', so no tunnel is "
                 "intercepted");
  } else if (!a.upstreamCa.empty() || a.caDiskCache) {
    printError(env, "usage: --upstream-ca and --ca-disk-cache need --ca");
    return 2;
  }
  cfg.log = [&env](const std::string& line) { printError(env, line); };

  // Where flows go: the store (default), or a JSON-lines file.
  std::unique_ptr<store::Store> st;
  std::unique_ptr<egress::FlowSink> backend;
  if (!a.flowsLog.empty()) {
    auto f = egress::JsonLinesFlowSink::open(a.flowsLog);
    if (!f) {
      printError(env, f.error().describe());
      return 2;
    }
    backend = std::move(*f);
  } else {
    auto s = openStore(a.store, true);
    if (!s) {
      printError(env, s.error().describe());
      return exitCodeFor(s.error().code);
    }
    st = std::move(*s);
    auto iocs = vulndb::IndicatorSet::load(*st);
    if (!iocs) {
      printError(env, iocs.error().describe());
      return exitCodeFor(iocs.error().code);
    }
    cfg.indicators = *iocs;
    // Which package owns which executable: SBOMs given now are recorded in the store first.
    for (const auto& path : a.sboms) {
      auto text = readFile(path, 512u << 20);
      if (!text) {
        printError(env, text.error().describe());
        return 2;
      }
      auto bom = sbom::readBom(*text, path);
      if (!bom) {
        printError(env, bom.error().describe());
        return 2;
      }
      auto n = egress::importPackages(*st, *bom, path);
      if (!n) {
        printError(env, n.error().describe());
        return exitCodeFor(n.error().code);
      }
      printError(env, path + ": " + std::to_string(*n) + " package files recorded");
    }
    auto pkgs = egress::loadPackages(*st);
    if (!pkgs) {
      printError(env, pkgs.error().describe());
      return exitCodeFor(pkgs.error().code);
    }
    cfg.packages = std::move(*pkgs);
    auto contacts = egress::loadContacts(*st);
    if (!contacts) {
      printError(env, contacts.error().describe());
      return exitCodeFor(contacts.error().code);
    }
    cfg.knownContacts = std::move(*contacts);
    backend = std::make_unique<egress::StoreFlowSink>(*st);
  }
  if (!a.sboms.empty() && !st) {
    printError(env, "usage: --sbom records packages in the store; it cannot go with --flows-log");
    return 2;
  }
  std::unique_ptr<egress::AlertOutputs> alertOut;
  std::unique_ptr<egress::FlowSink> fanout;
  if (!a.alertsFile.empty() || a.alertsSyslog) {
    auto o = egress::AlertOutputs::open({.file = a.alertsFile, .syslog = a.alertsSyslog});
    if (!o) {
      printError(env, o.error().describe());
      return 2;
    }
    alertOut = std::move(*o);
    fanout = std::make_unique<egress::AlertFanoutSink>(*backend, *alertOut);
  }
  egress::QueuedFlowSink queue(fanout ? *fanout : *backend, a.queue, [&env](const Error& e) {
    printError(env, "flow writer: " + e.describe());
  });
  auto proxy = egress::Proxy::open(cfg, queue);
  if (!proxy) {
    printError(env, proxy.error().describe());
    return exitCodeFor(proxy.error().code);
  }
  std::string line =
      "proxy listening on " + cfg.listen.host + ":" + std::to_string((*proxy)->port());
  if (cfg.metrics)
    line += ", metrics on " + cfg.metrics->host + ":" + std::to_string((*proxy)->metricsPort());
  printError(env, line);
  env.err->flush();
  (*proxy)->run(true);
  proxy->reset();
  queue.close();  // drains: every finished flow is written before exit
  printError(env, "proxy stopped: " + std::to_string(queue.written()) + " flows written, " +
                      std::to_string(queue.dropped()) + " dropped");
  return 0;
}

// "30s", "15m", "2h", "7d" before now, or an RFC 3339 time.
Result<std::chrono::system_clock::time_point> parseSince(const std::string& s, const Env& env) {
  if (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0])) && s.size() < 12) {
    char unit = s.back();
    std::int64_t n = std::atoll(s.c_str());
    std::int64_t mult = unit == 's'   ? 1
                        : unit == 'm' ? 60
                        : unit == 'h' ? 3600
                        : unit == 'd' ? 86400
                                      : 0;
    // Up to 100 years back: further would overflow the clock's nanoseconds.
    if (mult && s.find_first_not_of("0123456789") == s.size() - 1 && n * mult <= 3'155'760'000)
      return env.now() - std::chrono::seconds(n * mult);
  }
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end || (*end != 'Z' && *end != '\0'))
    return fail(ErrorCode::kUsage, "--since expects 30s, 15m, 2h, 7d or 2026-01-02T03:04:05Z");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

struct QueryArgs {
  std::string store;
  std::string since;
  std::string vendor;
  std::string app;
  std::string format = "table";
  std::string failOn;  // alerts
  std::string output;  // alerts
};

std::string classesText(const egress::Flow& f) {
  std::string s;
  for (const auto& [id, c] : f.classes)
    s += (s.empty() ? "" : " ") + id + "=" + std::to_string(c.count);
  return s.empty() ? "-" : s;
}

int runFlows(const QueryArgs& a, const Env& env) {
  if (a.format != "table" && a.format != "json") {
    printError(env, "usage: --format must be table or json, not '" + printable(a.format, 32) + "'");
    return 2;
  }
  egress::FlowQuery q;
  if (!a.since.empty()) {
    auto t = parseSince(a.since, env);
    if (!t) {
      printError(env, "usage: " + t.error().message);
      return 2;
    }
    q.since = *t;
  }
  q.vendor = a.vendor;
  q.app = a.app;
  auto s = openStore(a.store, false);
  if (!s) {
    printError(env, s.error().describe());
    return exitCodeFor(s.error().code);
  }
  auto flows = egress::queryFlows(**s, q);
  if (!flows) {
    printError(env, flows.error().describe());
    return exitCodeFor(flows.error().code);
  }
  if (a.format == "json") {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& f : *flows) arr.push_back(egress::toJson(f));
    *env.out << jsonText(nlohmann::json{{"flows", arr}}, 2) << '\n';
    return 0;
  }
  *env.out << "START                    APP                  VERDICT  METHOD   STATUS  UP       "
              "DOWN     DESTINATION / CLASSES\n";
  for (const auto& f : *flows) {
    auto j = egress::toJson(f);
    std::string app = f.exe.empty() ? f.client : f.exe.substr(f.exe.rfind('/') + 1);
    std::string dest = f.kind == "connect" ? f.host + ":" + std::to_string(f.port) +
                                                 (f.sni.empty() ? "" : " sni=" + f.sni)
                                           : f.url;
    char line[512];
    std::snprintf(line, sizeof line, "%-24s %-20.20s %-8s %-8s %-7u %-8llu %-8llu ",
                  j["start"].get<std::string>().c_str(), app.c_str(), f.verdict.c_str(),
                  f.method.c_str(), f.status, static_cast<unsigned long long>(f.bytesUp),
                  static_cast<unsigned long long>(f.bytesDown));
    *env.out << line << printable(dest, 120) << "  " << classesText(f);
    if (!f.vendor.empty()) *env.out << "  vendor: " << printable(f.vendor, 60);
    if (!f.error.empty()) *env.out << "  error: " << printable(f.error, 120);
    *env.out << '\n';
  }
  return 0;
}

int runAlerts(const QueryArgs& a, const Env& env) {
  // Alerts are findings: the formats and --fail-on of every command that judges.
  auto choice = parseReportChoice(a.format, a.failOn, /*vex=*/false);
  if (!choice) {
    printError(env, choice.error().describe());
    return 2;
  }
  std::optional<std::chrono::system_clock::time_point> since;
  if (!a.since.empty()) {
    auto t = parseSince(a.since, env);
    if (!t) {
      printError(env, "usage: " + t.error().message);
      return 2;
    }
    since = *t;
  }
  auto s = openStore(a.store, false);
  if (!s) {
    printError(env, s.error().describe());
    return exitCodeFor(s.error().code);
  }
  auto alerts = egress::queryAlerts(**s, since);
  if (!alerts) {
    printError(env, alerts.error().describe());
    return exitCodeFor(alerts.error().code);
  }
  report::Report r;
  r.tool.version = kTollgateVersion;
  r.tool.command = "alerts";
  r.target = (*s)->url();
  // When and on which flow each was raised, with its evidence (the table shows the time too).
  for (const auto& al : *alerts) {
    report::Finding& f = r.findings.emplace_back(al.finding);
    f.evidence["time"] = rfc3339(al.time);
    if (!al.flowId.empty()) f.evidence["flow"] = al.flowId;
  }
  if (choice->format != report::Format::kTable) {
    if (int rc = writeReport(r, choice->format, a.output, ReportExtras{}, env)) return rc;
    return report::exitCode(r, choice->failOn);
  }
  // The table keeps the order the alerts were raised in, with their time.
  std::string text =
      "TIME                  SEVERITY   ID                         SUBJECT                "
      "MESSAGE\n";
  for (const auto& al : *alerts) {
    char line[256];
    std::snprintf(line, sizeof line, "%-21s %-10s %-26s %-22s ", rfc3339(al.time).c_str(),
                  std::string(report::toString(al.finding.severity)).c_str(),
                  printable(al.finding.id, 60).c_str(), printable(al.finding.subject, 120).c_str());
    text += line + printable(al.finding.message, 200) + '\n';
  }
  if (a.output.empty() || a.output == "-") {
    *env.out << text;
  } else if (auto st = writeFileAtomic(a.output, text); !st) {
    printError(env, st.error().describe());
    return 2;
  }
  return report::exitCode(r, choice->failOn);
}

void addQueryOptions(CLI::App* cmd, QueryArgs& a, bool flows) {
  cmd->add_option("--store", a.store,
                  "Store URL (sqlite:PATH; default under $XDG_DATA_HOME/tollgate)");
  cmd->add_option("--since", a.since, "Only newer than this: 30s, 15m, 2h, 7d or an RFC 3339 time");
  if (flows) {
    cmd->add_option("--vendor", a.vendor, "Only flows to this vendor (from the policy)");
    cmd->add_option("--app", a.app,
                    "Only flows from this application: executable path or file name, package "
                    "purl (with or without version), Proxy-Authorization user or client address");
  }
  if (flows) {
    cmd->add_option("-f,--format", a.format, "table (default) or json")->capture_default_str();
    return;
  }
  cmd->add_option("-f,--format", a.format, "table (default), json or sarif")->capture_default_str();
  cmd->add_option("--fail-on", a.failOn,
                  "Exit 1 when an alert has this severity or higher (info, low, medium, high, "
                  "critical, malicious)");
  cmd->add_option("-o,--output", a.output, "Write the alerts to FILE atomically");
}

}  // namespace

Action addProxyCommand(CLI::App& app, const Env& env) {
  auto a = std::make_shared<ProxyArgs>();
  auto* cmd = app.add_subcommand(
      "proxy",
      "Egress proxy: HTTP/1.1 forward proxy and CONNECT tunnels; every request and tunnel is "
      "recorded as a flow (destination, SNI, JA3/JA4, application, bytes, data classes found)");
  cmd->add_option("--listen", a->listen, "ADDR:PORT to listen on (port 0: any free port)")
      ->required();
  cmd->add_option("--store", a->store,
                  "Store URL for flows (sqlite:PATH; default under $XDG_DATA_HOME/tollgate)");
  cmd->add_option("--flows-log", a->flowsLog,
                  "Append flows as JSON lines to this file instead of the store");
  cmd->add_option("--resolve", a->resolve,
                  "NAME=ADDR[:PORT]: connect to ADDR (and PORT) for host NAME (repeatable)");
  cmd->add_option("--metrics", a->metrics, "ADDR:PORT for a Prometheus /metrics endpoint");
  cmd->add_option("--detectors", a->detectorFiles,
                  "YAML file of extra or replacing classify detectors (repeatable)");
  cmd->add_flag("--no-classify", a->noClassify, "Do not classify URLs and bodies");
  cmd->add_flag("--no-process", a->noProcess, "Do not look up the client process in /proc");
  cmd->add_option("--threads", a->threads, "Event-loop threads (default: one per core)")
      ->check(threadsRange());
  cmd->add_option("--idle-timeout", a->idleTimeout,
                  "Seconds an idle keep-alive connection or tunnel is kept (default 60)");
  cmd->add_option("--io-timeout", a->ioTimeout,
                  "Seconds a peer may make no progress mid-message (default 30)");
  cmd->add_option("--connect-timeout", a->connectTimeout,
                  "Seconds to connect upstream (default 10)");
  cmd->add_option("--max-header", a->maxHeader,
                  "Largest request or response head in bytes (default 65536)")
      ->check(CLI::Range(1024, 1 << 20));
  cmd->add_option("--queue", a->queue, "Flow records queued for the writer (default 65536)")
      ->check(CLI::Range(1, 1 << 24));
  cmd->add_option("--ca", a->ca,
                  "CA directory ('tollgate ca init'): intercept TLS to hosts the policy marks "
                  "'tls: inspect'");
  cmd->add_option("--upstream-ca", a->upstreamCa,
                  "PEM certificates that verify intercepted upstreams (default: the system trust "
                  "store)");
  cmd->add_flag("--ca-disk-cache", a->caDiskCache,
                "Also keep minted certificates in the CA directory (leaves/) across restarts");
  cmd->add_option("--policy", a->policy,
                  "Vendor register (YAML): vendors, allowed data classes, allow/alert/redact/block "
                  "rules; reloaded on SIGHUP");
  cmd->add_option("--alerts-file", a->alertsFile, "Also append alerts as JSON lines to this file");
  cmd->add_flag("--alerts-syslog", a->alertsSyslog,
                "Also send alerts to syslog (ident tollgate-proxy, facility daemon)");
  cmd->add_option("--sbom", a->sboms,
                  "SBOM (CycloneDX or SPDX JSON) whose components' files name the package of a "
                  "client executable; recorded in the store (repeatable)");
  return [a, &env] { return runProxy(*a, env); };
}

Action addFlowsCommand(CLI::App& app, const Env& env) {
  auto a = std::make_shared<QueryArgs>();
  auto* cmd = app.add_subcommand("flows", "List the flows the proxy recorded");
  addQueryOptions(cmd, *a, true);
  return [a, &env] { return runFlows(*a, env); };
}

Action addAlertsCommand(CLI::App& app, const Env& env) {
  auto a = std::make_shared<QueryArgs>();
  auto* cmd = app.add_subcommand("alerts", "List the alerts the proxy raised (finding shape)");
  addQueryOptions(cmd, *a, false);
  return [a, &env] { return runAlerts(*a, env); };
}

}  // namespace tollgate::cli
