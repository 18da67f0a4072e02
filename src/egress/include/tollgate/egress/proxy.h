// The forward proxy: HTTP/1.1 (absolute-form requests, keep-alive, chunked and streamed bodies,
// Expect: 100-continue) and CONNECT tunnels, on Boost.Asio with one event loop per thread.
//
//   egress::ProxyConfig cfg{.listen = {"127.0.0.1", 3128}};
//   auto proxy = egress::Proxy::open(cfg, queue);   // binds; errors name the address
//   proxy->run();                                    // until SIGTERM/SIGINT (or stop())
//   queue.close();                                   // drain the flow records
//
// Every request and every tunnel becomes one Flow handed to the QueuedFlowSink (never blocking).
// Memory per connection is bounded: heads up to HttpLimits::maxHeaderBytes, bodies streamed
// through 16 KiB buffers with backpressure (nothing more is read from one side until the other
// side took what was read). Idle connections, slow peers and slow connects time out.
//
// Thread safety: open() and run() from one thread; stop() and metricsText() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "tollgate/egress/ca.h"
#include "tollgate/egress/flow.h"
#include "tollgate/egress/policy.h"
#include "tollgate/util/result.h"

namespace tollgate::classify {
class Database;
}
namespace tollgate::vulndb {
class IndicatorSet;
}

namespace tollgate::egress {

struct Endpoint {
  std::string host;  // literal address
  std::uint16_t port = 0;
};

// `NAME=ADDR[:PORT]` (`[v6]:port` for IPv6) as for curl's --resolve: connections to NAME go to
// ADDR (and PORT when given, else the requested port). Errors: kUsage.
struct ResolveOverride {
  std::string name;  // lower-case
  std::string addr;
  std::uint16_t port = 0;  // 0: the requested port
};
[[nodiscard]] Result<ResolveOverride> parseResolveOverride(std::string_view spec);
// `ADDR:PORT`, `[v6]:PORT`. Errors: kUsage.
[[nodiscard]] Result<Endpoint> parseEndpoint(std::string_view spec);

struct ProxyConfig {
  Endpoint listen{"127.0.0.1", 3128};
  std::optional<Endpoint> metrics;  // Prometheus /metrics
  std::vector<ResolveOverride> resolve;
  std::chrono::milliseconds idleTimeout{60'000};  // no request on a keep-alive connection
  std::chrono::milliseconds ioTimeout{30'000};    // a peer that makes no progress
  std::chrono::milliseconds connectTimeout{10'000};
  std::chrono::milliseconds continueTimeout{1'000};  // waiting for an upstream 100 Continue
  std::uint32_t maxHeaderBytes = 64 * 1024;
  std::uint64_t maxScanBytes = 16ull << 20;              // body bytes classified per request
  unsigned threads = 0;                                  // 0: one per core
  std::shared_ptr<const classify::Database> classifier;  // null: no classification
  // Indicators from `db import --ioc`: a flow to a listed domain (host or SNI) or URL raises an
  // alert. Null: none.
  std::shared_ptr<const vulndb::IndicatorSet> indicators;
  // TLS interception (null: none): tunnels to hosts the policy marks `tls: inspect` are decrypted
  // with certificates this CA mints; upstream certificates are verified against upstreamCaFile
  // (PEM; "": the system trust store).
  std::shared_ptr<CertificateAuthority> ca;
  std::string upstreamCaFile;
  bool attributeProcesses = true;  // /proc lookup for clients on this host
  // The vendor register (null: observe only). Replaced whole by Proxy::setPolicy (SIGHUP).
  std::shared_ptr<const Policy> policy;
  // Called on SIGHUP (when run(handleSignals)): a new policy, or an error (the old one is kept and
  // the error logged in one line). Null: SIGHUP is ignored.
  std::function<Result<std::shared_ptr<const Policy>>()> reloadPolicy;
  // The package that owns an executable (path -> purl), from SBOMs in the store; a client whose
  // exe is listed is identified by its package.
  std::unordered_map<std::string, std::string> packages;
  // (application, host) pairs already contacted (from the store), so that the alert for a
  // destination outside the register is raised once per application, across restarts.
  std::vector<std::pair<std::string, std::string>> knownContacts;
  std::function<void(const std::string&)> log;  // one-line notices (errors of the proxy itself)
};

struct ProxyCounters {
  std::atomic<std::uint64_t> connections{0}, activeConnections{0}, flows{0}, bytesUp{0},
      bytesDown{0}, errors{0}, alerts{0}, tunnels{0}, blocked{0}, redacted{0}, policyReloads{0},
      intercepted{0};
};

class ProxyImpl;

class Proxy {
 public:
  // Binds the listening (and metrics) sockets. Errors: kIo naming the address.
  [[nodiscard]] static Result<std::unique_ptr<Proxy>> open(ProxyConfig config,
                                                           QueuedFlowSink& sink);
  ~Proxy();
  // The bound port (useful with port 0).
  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] std::uint16_t metricsPort() const;
  // Serves until stop() or SIGTERM/SIGINT (when handleSignals); open connections are closed and
  // their flows recorded before it returns.
  void run(bool handleSignals = true);
  void stop();
  // Replaces the policy: requests that start afterwards use it; those under way finish with the
  // one they started with. Thread-safe.
  void setPolicy(std::shared_ptr<const Policy> policy);
  [[nodiscard]] const ProxyCounters& counters() const;
  [[nodiscard]] std::string metricsText() const;

 private:
  explicit Proxy(std::unique_ptr<ProxyImpl> impl);
  std::unique_ptr<ProxyImpl> impl_;
};

// The package owning `exe` in `packages` (path -> purl), also trying the path with and without a
// leading /usr (merged-/usr systems list /bin/x for /usr/bin/x). "" when not found.
[[nodiscard]] std::string packageOf(const std::unordered_map<std::string, std::string>& packages,
                                    const std::string& exe);

// The process on this host that owns the TCP connection from `client` to `server`, via
// NETLINK_SOCK_DIAG or /proc/net/tcp{,6} (socket inode) and /proc/PID/fd (owner), /proc/PID/exe
// (a `procRoot` other than /proc: the files only, for tests). Empty when not found
// (another user's process without privileges, a remote client). Blocking file reads.
struct ProcessInfo {
  std::int64_t pid = 0;
  std::string exe;
};
[[nodiscard]] ProcessInfo findProcess(const Endpoint& client, const Endpoint& server,
                                      const std::string& procRoot = "/proc");

// findProcess with the walk of /proc/PID/fd shared: socket owners are remembered and /proc is
// walked again (at most every 20 ms) only for an inode not seen yet. Thread-safe.
class ProcessCache {
 public:
  explicit ProcessCache(std::string procRoot = "/proc") : procRoot_(std::move(procRoot)) {}
  [[nodiscard]] ProcessInfo find(const Endpoint& client, const Endpoint& server);

 private:
  std::string procRoot_;
  std::mutex mu_;
  std::unordered_map<std::string, std::int64_t> owners_;  // socket inode -> pid
  std::unordered_map<std::string, std::string> conns_;    // connection -> socket inode
  std::chrono::steady_clock::time_point lastWalk_{}, lastTable_{};
};

}  // namespace tollgate::egress
