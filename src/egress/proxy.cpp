// The proxy's event loops: one io_context per thread, sessions as C++20 coroutines (Boost.Asio),
// each with a watchdog timer that closes its sockets when a deadline passes (idle client, slow
// peer, slow connect).
#include "tollgate/egress/proxy.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <cstdio>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "tls_intercept.h"
#include "tollgate/classify/decode.h"
#include "tollgate/classify/scanner.h"
#include "tollgate/egress/http.h"
#include "tollgate/egress/redact.h"
#include "tollgate/egress/tls_hello.h"
#include "tollgate/util/strings.h"
#include "tollgate/vulndb/ioc.h"

namespace tollgate::egress {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

Result<Endpoint> parseEndpoint(std::string_view spec) {
  // Port 0 (any free port) is valid for listening, never for a destination.
  if (endsWith(spec, ":0")) {
    auto hp = parseAuthority(std::string(spec.substr(0, spec.size() - 2)) + ":1");
    if (hp) return Endpoint{hp->first, 0};
  }
  auto hp = parseAuthority(spec);
  if (!hp) return fail(ErrorCode::kUsage, "expected ADDR:PORT: " + printable(spec, 80));
  return Endpoint{hp->first, hp->second};
}

Result<ResolveOverride> parseResolveOverride(std::string_view spec) {
  auto eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == spec.size())
    return fail(ErrorCode::kUsage, "--resolve expects NAME=ADDR[:PORT]: " + printable(spec, 80));
  ResolveOverride r;
  r.name = toLower(spec.substr(0, eq));
  auto rest = spec.substr(eq + 1);
  error_code ec;
  auto whole = asio::ip::make_address(std::string(rest), ec);
  if (!ec) {
    r.addr = whole.to_string();
    return r;
  }
  auto hp = parseAuthority(rest);
  if (!hp) return fail(ErrorCode::kUsage, "--resolve: bad ADDR[:PORT]: " + printable(rest, 80));
  asio::ip::make_address(hp->first, ec);
  if (ec) return fail(ErrorCode::kUsage, "--resolve: not an IP address: " + printable(rest, 80));
  r.addr = hp->first;
  r.port = hp->second;
  return r;
}

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

std::string endpointText(const tcp::endpoint& e) {
  auto a = e.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  std::string h = a.to_string();
  if (a.is_v6()) h = "[" + h + "]";
  return h + ":" + std::to_string(e.port());
}

std::string plainAddress(asio::ip::address a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a.to_string();
}

std::string reasonPhrase(unsigned status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error";
  }
}

std::string errorResponse(unsigned status, const std::string& why) {
  std::string body = "tollgate: " + why + "\n";
  return "HTTP/1.1 " + std::to_string(status) + " " + reasonPhrase(status) +
         "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

std::string chunkHeader(std::size_t n) {
  char b[24];
  std::snprintf(b, sizeof b, "%zx\r\n", n);
  return b;
}

std::string basicAuthUser(std::string_view header) {
  auto sp = header.find(' ');
  if (sp == std::string_view::npos || toLower(header.substr(0, sp)) != "basic") return {};
  auto dec = classify::base64Decode(trim(header.substr(sp + 1)), false);
  if (!dec) return {};
  auto colon = dec->find(':');
  return printable(std::string_view(*dec).substr(0, colon), 64);
}

}  // namespace

class ProxyImpl;

// A coroutine with by-value parameters rather than a capturing lambda: GCC 12 mishandles the
// lifetime of coroutine lambdas' captures.
awaitable<ProcessInfo> lookupProcess(ProcessCache* cache, Endpoint client, Endpoint server) {
  co_return cache->find(client, server);
}

// Classifies what a request sends: the URL and the (decoded) body, streamed.
class FlowClassifier {
 public:
  // A cheap pre-check before the full scan (a few microseconds on the loop's scanner): a path of
  // plain words (`/static/app.js`) carries no data class; a query, an escape, an '@', a '+', a
  // ':' or a run of 6 digits may.
  static bool worthScanning(std::string_view url) {
    int digits = 0;
    for (char c : url) {
      if (c == '?' || c == '%' || c == '@' || c == '=' || c == '+' || c == ':' || c == ';')
        return true;
      digits = (c >= '0' && c <= '9') ? digits + 1 : 0;
      if (digits >= 6) return true;
    }
    return url.size() > 128;
  }

  // `worker`: the event loop's own scanner for whole small inputs (URLs, held bodies), reused
  // with Scanner::scanAll so that a request costs no scanner set-up; may be null.
  FlowClassifier(std::shared_ptr<const classify::Database> db, std::uint64_t maxBytes,
                 std::optional<classify::Scanner>* worker = nullptr)
      : db_(std::move(db)), maxBytes_(maxBytes), worker_(worker) {}

  Result<std::vector<classify::Match>> scanWhole(std::string_view data,
                                                 const classify::ScanOptions& opt) {
    if (worker_) {
      if (!*worker_) {
        auto sc = classify::Scanner::open(db_, opt);
        if (!sc) return std::unexpected(sc.error());
        worker_->emplace(std::move(*sc));
      }
      std::vector<classify::Match> found;
      if (auto st = (*worker_)->scanAll(data, opt, found); !st) return std::unexpected(st.error());
      return found;
    }
    return classify::scan(db_, data, opt);
  }

  std::vector<classify::Match> scanUrl(std::string_view url, Flow& flow) {
    if (!db_ || !worthScanning(url)) return {};
    classify::ScanOptions opt;
    opt.contentType = "application/x-www-form-urlencoded";
    auto found = scanWhole(url, opt);
    if (!found) return {};
    add(*found, "url", flow);
    return std::move(*found);
  }
  // A whole body held back for the policy: classified in one piece (its matches carry the spans
  // redaction needs).
  // Errors (noted in the flow): classify's, e.g. a body that does not decode as its
  // Content-Encoding says; the caller cannot judge such a body and blocks it.
  Result<std::vector<classify::Match>> scanHeld(std::string_view body, const HttpHead& head,
                                                Flow& flow) {
    if (!db_) return std::vector<classify::Match>{};
    auto found = scanWhole(body, bodyOptions(head, maxBytes_));
    if (!found) {
      note(flow, found.error());
      return std::unexpected(found.error());
    }
    add(*found, "body", flow);
    return found;
  }
  // `budget`: decoded bytes classify may produce (maxScanBytes): a compressed body of a few KB
  // must not cost a worker the CPU of 256 MiB (classify's default); past it a held body cannot
  // be checked (blocked), a streamed one is classified no further (noted in its flow).
  static classify::ScanOptions bodyOptions(const HttpHead& head, std::uint64_t budget) {
    classify::ScanOptions opt;
    opt.contentEncoding = std::string(head.field("content-encoding"));
    opt.contentType = std::string(head.field("content-type"));
    opt.maxDecodedBytes = budget;
    return opt;
  }
  void beginBody(const HttpHead& head) {
    if (!db_) return;
    auto sc = classify::Scanner::open(db_, bodyOptions(head, maxBytes_));
    if (sc) scanner_.emplace(std::move(*sc));
    fed_ = 0;
  }
  void body(std::string_view bytes, Flow& flow) {
    if (!scanner_ || fed_ >= maxBytes_) return;
    bytes = bytes.substr(0, std::min<std::uint64_t>(bytes.size(), maxBytes_ - fed_));
    fed_ += bytes.size();
    std::vector<classify::Match> found;
    if (auto st = scanner_->feed(bytes, found); !st) {
      note(flow, st.error());
      scanner_.reset();
      return;
    }
    add(found, "body", flow);
  }
  void endBody(Flow& flow) {
    if (!scanner_) return;
    std::vector<classify::Match> found;
    if (auto st = scanner_->finish(found); !st) note(flow, st.error());
    add(found, "body", flow);
    scanner_.reset();
  }

 private:
  static void note(Flow& flow, const Error& e) {
    if (flow.error.empty()) flow.error = "classify: " + e.message;
  }

 public:
  static void add(const std::vector<classify::Match>& found, const char* where, Flow& flow) {
    for (const auto& m : found) {
      auto& c = flow.classes[m.detector];
      ++c.count;
      c.cls = std::string(classify::toString(m.cls));
      c.severity = std::string(classify::toString(m.severity));
      if (c.samples.size() < 3) {
        auto s = classify::mask(m.value);
        if (std::find(c.samples.begin(), c.samples.end(), s) == c.samples.end())
          c.samples.push_back(std::move(s));
      }
      std::string w =
          m.decoding.empty() ? std::string(where) : std::string(where) + ":" + m.decoding;
      if (std::find(c.where.begin(), c.where.end(), w) == c.where.end() && c.where.size() < 4)
        c.where.push_back(std::move(w));
    }
  }

 private:
  std::shared_ptr<const classify::Database> db_;
  std::uint64_t maxBytes_;
  std::optional<classify::Scanner>* worker_;
  std::optional<classify::Scanner> scanner_;
  std::uint64_t fed_ = 0;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ProxyImpl& proxy, tcp::socket client);
  awaitable<void> run();
  asio::any_io_executor executor() { return client_.get_executor(); }
  void setWorker(std::size_t w) { worker_ = w; }
  void close() {
    error_code ec;
    client_.close(ec);
    upstream_.close(ec);
  }

 private:
  // I/O helpers that keep the watchdog's deadline current.
  void arm(std::chrono::milliseconds d) { deadline_ = Clock::now() + d; }
  awaitable<std::size_t> readSome(tcp::socket& s, std::string& into, error_code& ec);
  awaitable<void> writeAll(tcp::socket& s, std::string_view data, error_code& ec);
  awaitable<void> watchdog();

  awaitable<bool> handleRequest(HttpParser& req, Flow& flow);
  // The next piece of the request body (chunk framing removed) into `chunk`: parsed from the
  // bytes already read, else after reading more from the client (with backpressure: nothing is
  // read while parsed bytes wait). `chunk` is empty only when the body is complete. False when
  // the request cannot go on: a malformed body (answered 400) or a client that vanished (noted
  // in the flow).
  awaitable<bool> nextBodyChunk(HttpParser& req, std::string& chunk, Flow& flow);
  awaitable<void> handleConnect(const HttpHead& head, Flow& flow);
  // TLS interception of a CONNECT tunnel whose ClientHello (`hello`, already read) was parsed
  // into `flow`: upstream handshake, then the client's with a minted certificate. Sets tlsReady_
  // when the client accepted it; HTTP requests then arrive over TLS through run()'s loop.
  awaitable<void> intercept(Flow& flow, std::string hello);
  awaitable<bool> upstreamHandshake(Flow& flow);
  bool wantIntercept(const Flow& flow) const;
  // The URL of an origin-form request inside an intercepted tunnel.
  Result<HttpUrl> tunnelUrl(std::string_view target) const;
  awaitable<bool> connectUpstream(const std::string& host, std::uint16_t port, Flow& flow);
  awaitable<void> pump(tcp::socket& from, tcp::socket& to, std::string initial,
                       std::uint64_t& counter);
  awaitable<void> refuse(unsigned status, const std::string& why, Flow& flow);
  // 403 with the policy's reason; the connection stays open when `keepAlive` (nothing of the
  // request is left unread).
  awaitable<bool> block(const Decision& d, Flow& flow, bool keepAlive);
  void finishFlow(Flow& flow, Clock::time_point t0);
  // Who is talking, for rules (`apps`) and first contact: exe, its file name, package, user,
  // client address.
  std::vector<std::string_view> appIds() const;
  std::string appKey() const;
  FlowFacts facts(const Flow& flow, std::string_view host) const;
  void applyDecision(const Decision& d, Flow& flow);
  // egress-policy-block for a held body refused because it cannot be checked (no rule decided
  // it: too large to hold, or it does not classify), so that the refusal is seen as a rule's is.
  void uncheckedBlock(const std::string& reason, Flow& flow);
  // The egress-policy-VERDICT alert of a flow (once per flow; nullptr when it has one already).
  report::Finding* policyAlert(const std::string& verdict, nlohmann::json ruleLine,
                               const std::string& reason, const std::string& vendor, Flow& flow);
  Flow newFlow(std::string kind);

  ProxyImpl& proxy_;
  tcp::socket client_;
  tcp::socket upstream_;
  std::string upstreamKey_;  // "host:port" of the open upstream connection
  std::string upstreamIp_;
  std::string cbuf_, ubuf_;  // bytes read and not yet parsed
  asio::steady_timer timer_;
  Clock::time_point deadline_;
  bool timedOut_ = false;
  bool done_ = false;
  std::string clientText_;
  Endpoint clientEp_, localEp_;
  ProcessInfo app_;
  std::string appName_, package_, clientAddr_;
  std::string user_;
  std::unique_ptr<InterceptedTunnel> tls_;  // set while a CONNECT tunnel is intercepted
  bool tlsReady_ = false;                   // the client completed its TLS handshake
  std::shared_ptr<const Policy> policy_;    // the policy of the request under way
  std::size_t worker_ = 0;                  // index of this session's event loop
};

class ProxyImpl {
 public:
  ProxyConfig cfg;
  QueuedFlowSink& sink;
  ProxyCounters counters;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  asio::thread_pool lookups{1};
  ProcessCache processes;
  std::shared_ptr<TlsInterceptor> interceptor;  // null: no --ca
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<tcp::acceptor> metricsAcceptor;
  std::atomic<std::uint64_t> sequence{0};
  std::atomic<bool> stopping{false};
  std::mutex sessionsMu;
  std::list<std::weak_ptr<Session>> sessions;
  std::size_t next = 0;
  // One classify scanner per event loop (each loop runs on one thread), reused for URLs and held
  // bodies; made on first use.
  std::vector<std::optional<classify::Scanner>> workerScanners;
  std::optional<asio::signal_set> signals;
  std::optional<asio::signal_set> hangups;

  // First contact per application with a destination outside the register.
  std::mutex contactsMu;
  std::unordered_set<std::string> contacts;  // app + '\n' + host
  // Bytes sent per vendor in the current window, for volume_threshold.
  struct Volume {
    Clock::time_point windowStart{};
    std::uint64_t bytes = 0;
    bool alerted = false;
  };
  std::mutex volumesMu;
  std::unordered_map<std::string, Volume> volumes;

  // True the first time `app` contacts `host`.
  bool firstContact(const std::string& app, const std::string& host) {
    std::lock_guard lock(contactsMu);
    return contacts.insert(app + '\n' + host).second;
  }
  // The vendor's total in its window after adding `bytes`, when it just went over the threshold.
  std::optional<std::uint64_t> addVolume(const Vendor& v, std::uint64_t bytes) {
    if (!v.volumeThreshold || bytes == 0) return std::nullopt;
    std::lock_guard lock(volumesMu);
    auto& vol = volumes[v.name];
    auto now = Clock::now();
    if (vol.windowStart == Clock::time_point{} || now - vol.windowStart >= v.volumeWindow) {
      vol = Volume{now, 0, false};
    }
    vol.bytes += bytes;
    if (vol.alerted || vol.bytes <= *v.volumeThreshold) return std::nullopt;
    vol.alerted = true;
    return vol.bytes;
  }

  ProxyImpl(ProxyConfig c, QueuedFlowSink& s) : cfg(std::move(c)), sink(s) {
    for (const auto& [app, host] : cfg.knownContacts) contacts.insert(app + '\n' + host);
    cfg.knownContacts.clear();
  }

  // The policy in force (a snapshot: a reload swaps the pointer, never the object). Null: none.
  // egress-tls: `policy() && policy()->tlsMode(host) == TlsMode::kInspect` decides interception.
  std::shared_ptr<const Policy> policy() const {
    std::lock_guard lock(policyMu);
    return cfg.policy;
  }
  void setPolicy(std::shared_ptr<const Policy> p) {
    std::lock_guard lock(policyMu);
    cfg.policy = std::move(p);
  }
  mutable std::mutex policyMu;

  void log(const std::string& line) const {
    if (cfg.log) cfg.log(line);
  }

  asio::io_context& pick() {
    auto& c = *contexts[next];
    next = (next + 1) % contexts.size();
    return c;
  }

  awaitable<void> acceptLoop() {
    for (;;) {
      error_code ec;
      std::size_t worker = next;
      auto& ctx = pick();
      tcp::socket s = co_await acceptor->async_accept(ctx, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (stopping || ec == asio::error::operation_aborted) co_return;
        // EMFILE and friends: back off briefly instead of spinning.
        log("accept: " + ec.message());
        asio::steady_timer t(acceptor->get_executor(), std::chrono::milliseconds(50));
        co_await t.async_wait(asio::redirect_error(use_awaitable, ec));
        continue;
      }
      auto session = std::make_shared<Session>(*this, std::move(s));
      session->setWorker(worker);
      {
        std::lock_guard lock(sessionsMu);
        if (sessions.size() > 1024) {
          sessions.remove_if([](const std::weak_ptr<Session>& w) { return w.expired(); });
        }
        sessions.push_back(session);
      }
      asio::co_spawn(
          ctx, [session]() { return session->run(); }, asio::detached);
    }
  }

  awaitable<void> metricsLoop() {
    for (;;) {
      error_code ec;
      tcp::socket s =
          co_await metricsAcceptor->async_accept(asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(metricsAcceptor->get_executor(), serveMetrics(std::move(s)), asio::detached);
    }
  }

  awaitable<void> serveMetrics(tcp::socket s) {
    std::string req;
    std::array<char, 1024> buf{};
    error_code e;
    while (req.find("\r\n\r\n") == std::string::npos && req.size() < 8192) {
      std::size_t n =
          co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, e));
      if (e) co_return;
      req.append(buf.data(), n);
    }
    bool ok = startsWith(req, "GET /metrics ") || startsWith(req, "GET / ");
    std::string body = ok ? metricsText() : "not found\n";
    std::string out = std::string("HTTP/1.1 ") + (ok ? "200 OK" : "404 Not Found") +
                      "\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    co_await asio::async_write(s, asio::buffer(out), asio::redirect_error(use_awaitable, e));
  }

  std::string metricsText() const {
    std::string out;
    auto counter = [&](const char* name, const char* help, const char* type, std::uint64_t v) {
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
             name + " " + std::to_string(v) + "\n";
    };
    counter("tollgate_proxy_connections_total", "Client connections accepted.", "counter",
            counters.connections);
    counter("tollgate_proxy_connections_active", "Client connections open.", "gauge",
            counters.activeConnections);
    counter("tollgate_proxy_tunnels_total", "CONNECT tunnels opened.", "counter", counters.tunnels);
    counter("tollgate_proxy_intercepted_total",
            "CONNECT tunnels intercepted (the client accepted the minted certificate).", "counter",
            counters.intercepted);
    if (cfg.ca)
      counter("tollgate_proxy_certificates_minted_total", "Certificates the CA minted.", "counter",
              cfg.ca->minted());
    counter("tollgate_proxy_flows_total", "Flow records produced.", "counter", counters.flows);
    counter("tollgate_proxy_bytes_up_total", "Bytes from clients to servers.", "counter",
            counters.bytesUp);
    counter("tollgate_proxy_bytes_down_total", "Bytes from servers to clients.", "counter",
            counters.bytesDown);
    counter("tollgate_proxy_errors_total", "Flows that ended in an error.", "counter",
            counters.errors);
    counter("tollgate_proxy_alerts_total", "Alerts raised.", "counter", counters.alerts);
    counter("tollgate_proxy_blocked_total", "Requests and tunnels blocked by the policy.",
            "counter", counters.blocked);
    counter("tollgate_proxy_redacted_total", "Requests redacted by the policy.", "counter",
            counters.redacted);
    counter("tollgate_proxy_policy_reloads_total", "Policy reloads (SIGHUP) that took effect.",
            "counter", counters.policyReloads);
    counter("tollgate_proxy_flow_queue_depth", "Flow records waiting for the writer.", "gauge",
            sink.depth());
    counter("tollgate_proxy_flows_dropped_total", "Flow records dropped on a full queue.",
            "counter", sink.dropped());
    return out;
  }

  // SIGHUP: load the policy again; a bad file keeps the old one (one line in the log). Connections
  // stay open; each request takes the policy in force when it starts.
  void waitHangup() {
    hangups->async_wait([this](error_code ec, int) {
      if (ec || stopping) return;
      if (!cfg.reloadPolicy) {
        log("SIGHUP: no --policy to reload; nothing changed");
        waitHangup();
        return;
      }
      auto p = cfg.reloadPolicy();
      if (p) {
        setPolicy(*p);
        counters.policyReloads.fetch_add(1, std::memory_order_relaxed);
        log("policy reloaded from " + (*p)->source() + ": " +
            std::to_string((*p)->vendors().size()) + " vendors, " +
            std::to_string((*p)->rules().size()) + " rules");
      } else {
        log("policy reload failed, keeping the previous policy: " + p.error().describe());
      }
      waitHangup();
    });
  }

  void stopAll() {
    if (stopping.exchange(true)) return;
    asio::post(contexts[0]->get_executor(), [this] {
      error_code ec;
      if (acceptor) acceptor->close(ec);
      if (metricsAcceptor) metricsAcceptor->close(ec);
    });
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard lock(sessionsMu);
      for (auto& w : sessions)
        if (auto s = w.lock()) live.push_back(std::move(s));
      sessions.clear();
    }
    // Closed on each session's own thread (sockets are not thread-safe); its coroutine unwinds
    // and records its flow.
    for (auto& s : live) asio::post(s->executor(), [s] { s->close(); });
    asio::post(contexts[0]->get_executor(), [this] {
      error_code ec;
      if (signals) signals->cancel(ec);
      if (hangups) hangups->cancel(ec);
    });
    for (auto& g : guards) g.reset();
  }
};

Session::Session(ProxyImpl& proxy, tcp::socket client)
    : proxy_(proxy),
      client_(std::move(client)),
      upstream_(client_.get_executor()),
      timer_(client_.get_executor()) {}

Flow Session::newFlow(std::string kind) {
  Flow f;
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  f.id = std::to_string(ms) + "-" + std::to_string(proxy_.sequence.fetch_add(1) + 1);
  f.start = now;
  f.kind = std::move(kind);
  f.client = clientText_;
  f.exe = app_.exe;
  f.pid = app_.pid;
  f.package = package_;
  f.user = user_;
  if (tls_) {
    f.sni = tls_->sni;
    f.alpn = tls_->alpn;
    f.ja3 = tls_->ja3;
    f.ja4 = tls_->ja4;
    f.intercepted = true;
  }
  return f;
}

std::string packageOf(const std::unordered_map<std::string, std::string>& packages,
                      const std::string& exe) {
  if (exe.empty() || packages.empty()) return {};
  if (auto it = packages.find(exe); it != packages.end()) return it->second;
  std::string alt = startsWith(exe, "/usr/") ? exe.substr(4) : "/usr" + exe;
  if (auto it = packages.find(alt); it != packages.end()) return it->second;
  return {};
}

std::vector<std::string_view> Session::appIds() const {
  std::vector<std::string_view> ids;
  for (const std::string* s : {&app_.exe, &appName_, &package_, &user_, &clientAddr_})
    if (!s->empty()) ids.push_back(*s);
  return ids;
}

std::string Session::appKey() const {
  for (const std::string* s : {&package_, &app_.exe, &user_, &clientAddr_})
    if (!s->empty()) return *s;
  return "?";
}

FlowFacts Session::facts(const Flow& flow, std::string_view host) const {
  FlowFacts f;
  f.host = host;
  f.app = appIds();
  for (const auto& [det, c] : flow.classes) f.classes.push_back({det, c.cls});
  return f;
}

// The strongest action wins: block > redact > alert > allow.
void Session::applyDecision(const Decision& d, Flow& flow) {
  auto rank = [](std::string_view v) {
    return v == "block" ? 3 : v == "redact" ? 2 : v == "alert" ? 1 : 0;
  };
  std::string v(toString(d.action));
  if (d.action != Action::kAllow && rank(v) > rank(flow.verdict)) flow.verdict = v;
  if (d.action == Action::kAllow || !d.rule) return;
  nlohmann::json redacted = nlohmann::json::array();
  for (const auto& r : d.redact) redacted.push_back(r);
  report::Finding* f =
      policyAlert(v, d.rule->line, d.reason(), d.vendor ? d.vendor->name : "", flow);
  if (f && d.action == Action::kRedact) f->evidence["redacted"] = redacted;
}

report::Finding* Session::policyAlert(const std::string& verdict, nlohmann::json ruleLine,
                                      const std::string& reason, const std::string& vendor,
                                      Flow& flow) {
  std::string id = "egress-policy-" + verdict;
  for (const auto& a : flow.alerts)
    if (a.id == id) return nullptr;
  report::Finding f;
  f.id = id;
  f.severity = verdict == "block"    ? report::Severity::kHigh
               : verdict == "redact" ? report::Severity::kLow
                                     : report::Severity::kMedium;
  f.subject = flow.id;
  std::string app = flow.exe.empty() ? appKey() : flow.exe;
  std::string verb = verdict == "block" ? "blocked" : verdict == "redact" ? "redacted" : "alert on";
  f.message = "policy " + verb + " " + app + " -> " + flow.host + ": " + reason;
  f.evidence = {{"rule_line", std::move(ruleLine)},
                {"reason", reason},
                {"vendor", vendor},
                {"host", flow.host},
                {"app", app},
                {"package", flow.package},
                {"user", flow.user},
                {"client", flow.client}};
  flow.alerts.push_back(std::move(f));
  return &flow.alerts.back();
}

void Session::uncheckedBlock(const std::string& reason, Flow& flow) {
  flow.verdict = "block";
  proxy_.counters.blocked.fetch_add(1, std::memory_order_relaxed);
  policyAlert("block", nullptr, reason, flow.vendor, flow);
}

awaitable<bool> Session::block(const Decision& d, Flow& flow, bool keepAlive) {
  applyDecision(d, flow);
  proxy_.counters.blocked.fetch_add(1, std::memory_order_relaxed);
  flow.status = 403;
  std::string body = "tollgate: blocked by policy: " + d.reason() + "\n";
  std::string out =
      "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n" + (keepAlive ? "" : "Connection: close\r\n") + "\r\n" +
      body;
  error_code ec;
  co_await writeAll(client_, out, ec);
  if (ec) co_return false;
  if (!keepAlive) {
    error_code ignore;
    client_.shutdown(tcp::socket::shutdown_send, ignore);
  }
  co_return keepAlive;
}

// Alerts of the vendor register: data classes the vendor is not approved for, a destination
// outside the register (first contact per application), a vendor's volume over its threshold.
void raisePolicyAlerts(ProxyImpl& proxy, const Policy& policy, const std::string& appKey,
                       Flow& flow) {
  std::string host = flow.host.empty() ? flow.sni : flow.host;
  const Vendor* v = policy.vendorFor(host);
  if (!v && !flow.sni.empty() && flow.sni != host) v = policy.vendorFor(flow.sni);
  flow.vendor = v ? v->name : "";
  std::string app = flow.exe.empty() ? appKey : flow.exe;
  auto base = [&](const char* id, report::Severity sev, std::string msg) {
    report::Finding f;
    f.id = id;
    f.severity = sev;
    f.subject = flow.id;
    f.message = std::move(msg);
    f.evidence = {{"host", host},
                  {"sni", flow.sni},
                  {"url", flow.url},
                  {"app", appKey},
                  {"exe", flow.exe},
                  {"pid", flow.pid},
                  {"package", flow.package},
                  {"user", flow.user},
                  {"client", flow.client},
                  {"bytes_up", flow.bytesUp}};
    if (v)
      f.evidence["vendor"] = {{"name", v->name}, {"owner", v->owner}, {"reviewed", v->reviewed}};
    return f;
  };
  std::vector<FoundClass> found;
  for (const auto& [det, c] : flow.classes) found.push_back({det, c.cls});
  if (v && !found.empty()) {
    auto bad = policy.unapproved(v, found);
    if (!bad.empty()) {
      nlohmann::json classes = nlohmann::json::object();
      std::string names;
      for (const auto& b : bad) {
        classes[b.detector] = flow.classes[b.detector].count;
        names += (names.empty() ? "" : ", ") + b.detector;
      }
      auto f = base("egress-unapproved-data", report::Severity::kHigh,
                    app + " sent " + names + " to " + v->name + " (" + host +
                        "), which is not approved for it");
      f.evidence["classes"] = classes;
      f.evidence["allowed"] = std::vector<std::string>(v->allowed.begin(), v->allowed.end());
      flow.alerts.push_back(std::move(f));
    }
  }
  if (!v && !host.empty() && flow.status != 0 && proxy.firstContact(appKey, host)) {
    nlohmann::json classes = nlohmann::json::object();
    for (const auto& [det, c] : flow.classes) classes[det] = c.count;
    auto f = base("egress-unlisted-destination", report::Severity::kMedium,
                  app + " contacted " + host + " for the first time; it is in no vendor's domains");
    f.evidence["classes"] = classes;
    f.evidence["first_contact"] = true;
    flow.alerts.push_back(std::move(f));
  }
  if (v) {
    if (auto total = proxy.addVolume(*v, flow.bytesUp)) {
      auto f = base("egress-vendor-volume", report::Severity::kMedium,
                    std::to_string(*total) + " bytes sent to " + v->name + " within " +
                        std::to_string(v->volumeWindow.count()) + "s, over its threshold of " +
                        std::to_string(*v->volumeThreshold));
      f.evidence["window_bytes"] = *total;
      f.evidence["threshold"] = *v->volumeThreshold;
      f.evidence["window_s"] = v->volumeWindow.count();
      flow.alerts.push_back(std::move(f));
    }
  }
}

// Alerts for indicators of compromise: the destination (host or SNI) on a domain list, the URL
// on a URL list. What was sent there (data classes) goes into the evidence.
void raiseIocAlerts(const vulndb::IndicatorSet& iocs, Flow& flow) {
  auto alert = [&](const char* id, const vulndb::Indicator& ind, const std::string& what) {
    report::Finding f;
    f.id = id;
    f.severity = report::Severity::kCritical;
    f.subject = flow.id;
    std::string app = flow.exe.empty() ? flow.client : flow.exe;
    f.message = app + " contacted " + what + ", a listed indicator (" + ind.description + ")" +
                (flow.bytesUp ? ", sending " + std::to_string(flow.bytesUp) + " bytes" : "");
    nlohmann::json classes = nlohmann::json::object();
    for (const auto& [det, c] : flow.classes) classes[det] = c.count;
    f.evidence = {{"indicator", ind.value}, {"type", std::string(vulndb::toString(ind.type))},
                  {"source", ind.source},   {"host", flow.host},
                  {"sni", flow.sni},        {"url", flow.url},
                  {"exe", flow.exe},        {"pid", flow.pid},
                  {"client", flow.client},  {"bytes_up", flow.bytesUp},
                  {"classes", classes}};
    flow.alerts.push_back(std::move(f));
  };
  const vulndb::Indicator* hit = nullptr;
  if (!flow.host.empty()) hit = iocs.find(vulndb::IndicatorType::kDomain, flow.host);
  if (!hit && !flow.sni.empty()) hit = iocs.find(vulndb::IndicatorType::kDomain, flow.sni);
  if (hit) alert("egress-ioc-domain", *hit, hit->value);
  if ((flow.kind == "http" || flow.kind == "https") && !flow.url.empty())
    if (const auto* u = iocs.find(vulndb::IndicatorType::kUrl, flow.url))
      alert("egress-ioc-url", *u, flow.url);
}

void Session::finishFlow(Flow& flow, Clock::time_point t0) {
  flow.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0);
  if (proxy_.cfg.indicators && !proxy_.cfg.indicators->empty())
    raiseIocAlerts(*proxy_.cfg.indicators, flow);
  if (policy_) raisePolicyAlerts(proxy_, *policy_, appKey(), flow);
  if (flow.verdict == "redact") proxy_.counters.redacted.fetch_add(1, std::memory_order_relaxed);
  if (!flow.alerts.empty()) {
    proxy_.counters.alerts.fetch_add(flow.alerts.size(), std::memory_order_relaxed);
    if (flow.verdict == "allow") flow.verdict = "alert";  // block/redact keep theirs
  }
  if (!flow.error.empty() && flow.verdict == "allow" && !startsWith(flow.error, "classify:"))
    flow.verdict = "error";
  auto& c = proxy_.counters;
  c.flows.fetch_add(1, std::memory_order_relaxed);
  c.bytesUp.fetch_add(flow.bytesUp, std::memory_order_relaxed);
  c.bytesDown.fetch_add(flow.bytesDown, std::memory_order_relaxed);
  if (flow.verdict == "error") c.errors.fetch_add(1, std::memory_order_relaxed);
  proxy_.sink.write(std::move(flow));
}

awaitable<void> Session::watchdog() {
  auto self = shared_from_this();
  while (!done_) {
    timer_.expires_at(deadline_);
    error_code ec;
    co_await timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    if (done_) co_return;
    if (Clock::now() >= deadline_) {
      timedOut_ = true;
      close();
      co_return;
    }
  }
}

awaitable<std::size_t> Session::readSome(tcp::socket& s, std::string& into, error_code& ec) {
  std::array<char, kReadChunk> buf;
  auto token = asio::redirect_error(use_awaitable, ec);
  std::size_t n = 0;
  if (tls_ && &s == &client_)
    n = co_await tls_->client.async_read_some(asio::buffer(buf), token);
  else if (tls_ && tls_->upstream && &s == &upstream_)
    n = co_await tls_->upstream->async_read_some(asio::buffer(buf), token);
  else
    n = co_await s.async_read_some(asio::buffer(buf), token);
  // Peers often end TLS without close_notify: HTTP's own framing says whether a message was
  // complete, as over plain TCP.
  if (ec == asio::ssl::error::stream_truncated) ec = asio::error::eof;
  into.append(buf.data(), n);
  co_return n;
}

awaitable<void> Session::writeAll(tcp::socket& s, std::string_view data, error_code& ec) {
  arm(proxy_.cfg.ioTimeout);
  auto token = asio::redirect_error(use_awaitable, ec);
  auto bytes = asio::buffer(data.data(), data.size());
  if (tls_ && &s == &client_)
    co_await asio::async_write(tls_->client, bytes, token);
  else if (tls_ && tls_->upstream && &s == &upstream_)
    co_await asio::async_write(*tls_->upstream, bytes, token);
  else
    co_await asio::async_write(s, bytes, token);
}

awaitable<void> Session::refuse(unsigned status, const std::string& why, Flow& flow) {
  flow.status = status;
  if (flow.error.empty()) flow.error = why;
  error_code ec;
  co_await writeAll(client_, errorResponse(status, why), ec);
  if (tls_ && tlsReady_ && !ec) {
    arm(std::chrono::milliseconds(1000));
    co_await tls_->client.async_shutdown(asio::redirect_error(use_awaitable, ec));
  }
  error_code ignore;
  client_.shutdown(tcp::socket::shutdown_send, ignore);
}

awaitable<bool> Session::connectUpstream(const std::string& host, std::uint16_t port, Flow& flow) {
  std::string key = host + ":" + std::to_string(port);
  if (upstream_.is_open() && upstreamKey_ == key) {
    flow.ip = upstreamIp_;
    co_return true;
  }
  error_code ec;
  if (upstream_.is_open()) upstream_.close(ec);
  ubuf_.clear();
  upstreamKey_.clear();
  std::string addr = host;
  std::uint16_t p = port;
  for (const auto& r : proxy_.cfg.resolve)
    if (r.name == host) {
      addr = r.addr;
      if (r.port) p = r.port;
      break;
    }
  std::vector<tcp::endpoint> eps;
  auto literal = asio::ip::make_address(addr, ec);
  arm(proxy_.cfg.connectTimeout);
  if (!ec) {
    eps.emplace_back(literal, p);
  } else {
    tcp::resolver resolver(client_.get_executor());
    auto results = co_await resolver.async_resolve(addr, std::to_string(p),
                                                   asio::redirect_error(use_awaitable, ec));
    if (ec) {
      flow.error = "cannot resolve " + host + ": " + ec.message();
      co_return false;
    }
    for (const auto& r : results) eps.push_back(r.endpoint());
  }
  tcp::endpoint connected =
      co_await asio::async_connect(upstream_, eps, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    flow.error = "cannot connect to " + key + ": " + (timedOut_ ? "timed out" : ec.message());
    upstream_.close(ec);
    co_return false;
  }
  upstream_.set_option(tcp::no_delay(true), ec);
  flow.ip = upstreamIp_ = plainAddress(connected.address());
  upstreamKey_ = key;
  if (tls_ && !co_await upstreamHandshake(flow)) co_return false;
  co_return true;
}

awaitable<void> Session::run() {
  auto self = shared_from_this();
  auto& counters = proxy_.counters;
  counters.connections.fetch_add(1, std::memory_order_relaxed);
  counters.activeConnections.fetch_add(1, std::memory_order_relaxed);
  error_code ec;
  auto remote = client_.remote_endpoint(ec);
  auto local = client_.local_endpoint(ec);
  clientText_ = ec ? "?" : endpointText(remote);
  clientEp_ = {plainAddress(remote.address()), remote.port()};
  localEp_ = {plainAddress(local.address()), local.port()};
  client_.set_option(tcp::no_delay(true), ec);
  arm(proxy_.cfg.idleTimeout);
  asio::co_spawn(
      client_.get_executor(), [self] { return self->watchdog(); }, asio::detached);

  if (proxy_.cfg.attributeProcesses && remote.address().is_loopback()) {
    // /proc is read on a helper thread so that the event loop never blocks on it.
    app_ = co_await asio::co_spawn(
        proxy_.lookups, lookupProcess(&proxy_.processes, clientEp_, localEp_), use_awaitable);
  }
  appName_ = app_.exe.empty() ? "" : app_.exe.substr(app_.exe.rfind('/') + 1);
  package_ = packageOf(proxy_.cfg.packages, app_.exe);
  clientAddr_ = clientEp_.host;

  bool keepGoing = true;
  while (keepGoing && !proxy_.stopping) {
    HttpParser req = HttpParser::request({.maxHeaderBytes = proxy_.cfg.maxHeaderBytes});
    std::string none;
    // Read the head (the idle timeout applies while nothing of it has arrived).
    arm(proxy_.cfg.idleTimeout);
    Clock::time_point t0 = Clock::now();
    bool started = !cbuf_.empty();
    Flow flow;
    bool haveFlow = false;
    while (!req.headDone()) {
      if (!cbuf_.empty()) {
        auto used = req.feed(cbuf_, none);
        if (!used) {
          flow = newFlow("http");
          flow.error = "bad request from client: " + used.error().describe();
          co_await refuse(used.error().code == ErrorCode::kLimit ? 431 : 400, used.error().message,
                          flow);
          finishFlow(flow, t0);
          keepGoing = false;
          haveFlow = true;
          break;
        }
        cbuf_.erase(0, *used);
        if (req.headDone()) break;
      }
      if (started) arm(proxy_.cfg.ioTimeout);
      co_await readSome(client_, cbuf_, ec);
      if (ec) {
        if (started || !cbuf_.empty()) {
          flow = newFlow("http");
          flow.error =
              std::string("client closed mid-head: ") + (timedOut_ ? "timed out" : ec.message());
          finishFlow(flow, t0);
        }
        keepGoing = false;
        haveFlow = true;
        break;
      }
      if (!started) {
        started = true;
        t0 = Clock::now();
      }
    }
    if (haveFlow || !keepGoing) break;
    if (user_.empty()) user_ = basicAuthUser(req.head().field("proxy-authorization"));
    policy_ = proxy_.policy();
    if (req.head().method == "CONNECT") {
      flow = newFlow("connect");
      bool nested = tls_ != nullptr;
      if (nested)
        co_await refuse(400, "CONNECT inside an intercepted tunnel", flow);
      else
        co_await handleConnect(req.head(), flow);
      finishFlow(flow, t0);
      if (!nested && tlsReady_) continue;  // intercepted: the requests now arrive over TLS
      keepGoing = false;
      break;
    }
    flow = newFlow("http");
    keepGoing = co_await handleRequest(req, flow);
    finishFlow(flow, t0);
  }
  if (tls_ && tlsReady_ && client_.is_open()) {
    // close_notify: a client reading a body that ends with the connection needs it to know the
    // body is complete (OpenSSL 3 treats a bare TCP close as truncation).
    arm(std::chrono::milliseconds(1000));
    co_await tls_->client.async_shutdown(asio::redirect_error(use_awaitable, ec));
  }
  done_ = true;
  timer_.cancel();
  error_code ignore;
  client_.shutdown(tcp::socket::shutdown_both, ignore);
  client_.close(ignore);
  upstream_.close(ignore);
  counters.activeConnections.fetch_sub(1, std::memory_order_relaxed);
}

awaitable<bool> Session::nextBodyChunk(HttpParser& req, std::string& chunk, Flow& flow) {
  chunk.clear();
  while (true) {
    if (!cbuf_.empty()) {
      auto used = req.feed(cbuf_, chunk);
      if (!used) {
        flow.error = "bad request body: " + used.error().message;
        co_await refuse(400, used.error().message, flow);
        co_return false;
      }
      cbuf_.erase(0, *used);
      if (!chunk.empty() || req.done()) co_return true;
    }
    error_code ec;
    arm(proxy_.cfg.ioTimeout);
    co_await readSome(client_, cbuf_, ec);
    if (ec) {
      flow.error =
          std::string("client vanished mid-body: ") + (timedOut_ ? "timed out" : ec.message());
      co_return false;
    }
  }
}

// One request/response exchange; false when the client connection must close afterwards.
awaitable<bool> Session::handleRequest(HttpParser& req, Flow& flow) {
  const HttpHead& head = req.head();
  flow.method = printable(head.method, 32);
  auto url = tls_ ? tunnelUrl(head.target) : parseAbsoluteUrl(head.target);
  if (!url) {
    flow.url = printable(head.target, 2048);
    co_await refuse(url.error().code == ErrorCode::kUnsupported ? 501 : 400, url.error().message,
                    flow);
    co_return false;
  }
  flow.host = url->host;
  flow.port = url->port;
  flow.url = printable(head.target, 2048);
  if (tls_) {
    flow.kind = "https";
    std::string h = url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host;
    flow.url = printable(
        "https://" + h + (url->port != 443 ? ":" + std::to_string(url->port) : "") + url->path,
        2048);
  }
  FlowClassifier classifier(proxy_.cfg.classifier, proxy_.cfg.maxScanBytes,
                            &proxy_.workerScanners[worker_]);
  auto urlMatches = classifier.scanUrl(url->path, flow);

  bool hasBody = head.chunked || head.contentLength.value_or(0) > 0;
  bool expectContinue = hasBody && toLower(trim(head.field("expect"))) == "100-continue";
  if (!hasBody && !head.field("expect").empty() && !expectContinue) {
    co_await refuse(417, "unsupported Expect", flow);
    co_return false;
  }

  // The vendor register: decide on the destination and the URL first; when a rule on data
  // classes could still block or redact, hold the body back (bounded) and decide on it too.
  std::optional<std::string> held;
  if (policy_) {
    const Vendor* vendor = policy_->vendorFor(url->host);
    flow.vendor = vendor ? vendor->name : "";
    Decision d = policy_->decide(facts(flow, url->host));
    if (d.action == Action::kBlock) co_return co_await block(d, flow, !hasBody);
    // Without a classifier nothing can be found in a body: nothing to wait for.
    bool hold = hasBody && proxy_.cfg.classifier && policy_->needsBody(url->host, appIds());
    if (hold) {
      if (expectContinue) {
        error_code ec;
        co_await writeAll(client_, "HTTP/1.1 100 Continue\r\n\r\n", ec);
        if (ec) {
          flow.error = "client vanished before the request body";
          co_return false;
        }
        expectContinue = false;
      }
      held.emplace();
      std::string chunk;
      std::uint64_t limit = policy_->maxHoldBytes();
      while (!req.done()) {
        if (!co_await nextBodyChunk(req, chunk, flow)) co_return false;
        held->append(chunk);
        if (held->size() > limit) {
          flow.bytesUp = held->size();
          std::string why = "request body over the policy's max_hold_bytes (" +
                            std::to_string(limit) + "), so it cannot be checked";
          uncheckedBlock(why, flow);
          co_await refuse(413, why, flow);
          co_return false;
        }
      }
      flow.bytesUp = held->size();
      auto bodyMatches = classifier.scanHeld(*held, head, flow);
      if (!bodyMatches) {
        // A rule may block or redact what is in it, and what is in it is unknown: fail closed.
        std::string why = "request body cannot be checked (" + bodyMatches.error().message +
                          "), so it is blocked";
        uncheckedBlock(why, flow);
        co_await refuse(403, why, flow);
        co_return false;
      }
      d = policy_->decide(facts(flow, url->host));
      if (d.action == Action::kBlock) co_return co_await block(d, flow, true);
      if (d.action == Action::kRedact) {
        // A compressed body is decompressed to be cut, at most maxScanBytes of it (held whole
        // in memory, unlike a scan).
        classify::ScanOptions opt = FlowClassifier::bodyOptions(head, proxy_.cfg.maxScanBytes);
        auto body =
            redactBody(proxy_.cfg.classifier, *held, opt, *bodyMatches, d.redact, "[REDACTED]");
        if (!body) {
          Decision b = d;
          Rule r = d.rule ? *d.rule : Rule{};
          r.action = Action::kBlock;
          r.reason = (r.reason.empty() ? std::string("redact") : r.reason) + " (" +
                     body.error().message + ", so blocked)";
          b.rule = &r;
          b.action = Action::kBlock;
          co_return co_await block(b, flow, true);
        }
        held = std::move(body->bytes);
      }
    }
    if (d.action == Action::kRedact) {
      std::size_t n = 0;
      auto path = redactSpans(url->path, urlMatches, d.redact, "%5BREDACTED%5D", &n);
      if (path && n) {
        url->path = std::move(*path);
        std::string host =
            url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host;
        if (url->port != (tls_ ? 443 : 80)) host += ":" + std::to_string(url->port);
        flow.url = printable((tls_ ? "https://" : "http://") + host + url->path, 2048);
      }
    }
    applyDecision(d, flow);
  }
  if (!co_await connectUpstream(url->host, url->port, flow)) {
    co_await refuse(timedOut_ ? 504 : 502, flow.error, flow);
    co_return false;
  }

  // The head in origin-form, Host from the URL, body framing as received.
  std::string authority =
      url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host;
  if (url->port != (tls_ ? 443 : 80)) authority += ":" + std::to_string(url->port);
  std::string extra = "Host: " + authority + "\r\n";
  if (held)  // held back for the policy (maybe redacted): sent whole, with its own length
    extra += "Content-Length: " + std::to_string(held->size()) + "\r\n";
  else if (head.chunked)
    extra += "Transfer-Encoding: chunked\r\n";
  else if (head.contentLength)
    extra += "Content-Length: " + std::to_string(*head.contentLength) + "\r\n";
  HttpHead fwd = head;
  std::erase_if(fwd.fields, [&held](const HttpField& f) {
    auto n = toLower(f.name);
    return n == "host" || (held && n == "expect");
  });
  error_code ec;
  std::string fwdHead = serializeHead(fwd, url->path, extra);
  bool reused = !upstreamKey_.empty() && upstream_.is_open();
  co_await writeAll(upstream_, fwdHead, ec);
  if (!hasBody && reused) {
    // A kept-alive upstream connection may have been closed by the server meanwhile: a request
    // without a body is sent again on a fresh connection when nothing at all came back.
    arm(proxy_.cfg.ioTimeout);
    if (!ec && ubuf_.empty()) co_await readSome(upstream_, ubuf_, ec);
    if (ec && ubuf_.empty()) {
      upstream_.close(ec);
      upstreamKey_.clear();
      if (!co_await connectUpstream(url->host, url->port, flow)) {
        co_await refuse(timedOut_ ? 504 : 502, flow.error, flow);
        co_return false;
      }
      co_await writeAll(upstream_, fwdHead, ec);
    }
  }
  if (!ec && held) co_await writeAll(upstream_, *held, ec);
  if (ec) {
    co_await refuse(502, "upstream write failed: " + ec.message(), flow);
    co_return false;
  }

  HttpParser resp =
      HttpParser::response({.maxHeaderBytes = proxy_.cfg.maxHeaderBytes}, head.method == "HEAD");
  std::string respBody;
  bool clientMustClose = !head.keepAlive;

  // Expect: 100-continue: wait briefly for the server's verdict before streaming the body.
  bool sendBody = hasBody && !held;
  if (expectContinue) {
    asio::steady_timer wait(client_.get_executor(), proxy_.cfg.continueTimeout);
    bool waited = false;
    wait.async_wait([this, &waited](error_code e) {
      if (!e) {
        waited = true;
        error_code ignore;
        upstream_.cancel(ignore);
      }
    });
    arm(proxy_.cfg.ioTimeout);
    while (!resp.headDone()) {
      if (!ubuf_.empty()) {
        auto used = resp.feed(ubuf_, respBody);
        if (!used) break;
        ubuf_.erase(0, *used);
        if (resp.headDone()) break;
      }
      co_await readSome(upstream_, ubuf_, ec);
      if (ec) break;
    }
    wait.cancel();
    if (resp.headDone() && resp.head().status == 100) {
      co_await writeAll(client_, "HTTP/1.1 100 Continue\r\n\r\n", ec);
      resp = HttpParser::response({.maxHeaderBytes = proxy_.cfg.maxHeaderBytes}, false);
    } else if (resp.headDone()) {
      // A final answer before the body: relay it; the body is not sent and the connection
      // cannot be reused (the client may still send it).
      sendBody = false;
      clientMustClose = true;
    } else if (waited || ec == asio::error::operation_aborted) {
      ec = {};
      resp = HttpParser::response({.maxHeaderBytes = proxy_.cfg.maxHeaderBytes}, false);
      co_await writeAll(client_, "HTTP/1.1 100 Continue\r\n\r\n", ec);
    } else {
      co_await refuse(502, "upstream failed before 100 Continue", flow);
      co_return false;
    }
  }

  // Stream the request body with backpressure: read 16 KiB, write it on, then read again.
  if (sendBody) {
    classifier.beginBody(head);
    std::string chunk;
    while (!req.done()) {
      if (!co_await nextBodyChunk(req, chunk, flow)) {
        upstream_.close(ec);  // it has part of the body: never reuse it
        co_return false;
      }
      if (chunk.empty()) continue;
      flow.bytesUp += chunk.size();
      classifier.body(chunk, flow);
      std::string framed = head.chunked ? chunkHeader(chunk.size()) + chunk + "\r\n" : chunk;
      co_await writeAll(upstream_, framed, ec);
      if (ec) {
        co_await refuse(502, "upstream closed during the request body", flow);
        co_return false;
      }
    }
    if (head.chunked) {
      co_await writeAll(upstream_, "0\r\n\r\n", ec);
      if (ec) {
        co_await refuse(502, "upstream closed during the request body", flow);
        co_return false;
      }
    }
    classifier.endBody(flow);
    // A streamed body (no rule could block or redact it): alert rules on its classes still apply.
    if (policy_) {
      Decision d = policy_->decide(facts(flow, url->host));
      if (d.action == Action::kAlert) applyDecision(d, flow);
    }
  }

  // The response head (1xx interim responses are relayed and skipped).
  while (true) {
    arm(proxy_.cfg.ioTimeout);
    while (!resp.headDone()) {
      if (!ubuf_.empty()) {
        auto used = resp.feed(ubuf_, respBody);
        if (!used) {
          flow.error = "bad response from upstream: " + used.error().describe();
          upstream_.close(ec);
          co_await refuse(502, used.error().message, flow);
          co_return false;
        }
        ubuf_.erase(0, *used);
        if (resp.headDone()) break;
      }
      co_await readSome(upstream_, ubuf_, ec);
      if (ec) {
        upstream_.close(ec);
        co_await refuse(timedOut_ ? 504 : 502,
                        timedOut_ ? "upstream timed out" : "upstream closed without a response",
                        flow);
        co_return false;
      }
    }
    unsigned st = resp.head().status;
    if (st >= 100 && st < 200 && st != 101) {
      co_await writeAll(client_, serializeHead(resp.head(), "", ""), ec);
      resp = HttpParser::response({.maxHeaderBytes = proxy_.cfg.maxHeaderBytes},
                                  head.method == "HEAD");
      respBody.clear();
      continue;
    }
    break;
  }
  const HttpHead& rh = resp.head();
  flow.status = rh.status;
  if (rh.status == 101) {
    // Upgrades are not proxied (the Upgrade field is hop-by-hop and was not forwarded).
    upstream_.close(ec);
    co_await refuse(502, "upstream switched protocols", flow);
    co_return false;
  }
  bool untilEof = resp.needsEof();
  bool noBody = head.method == "HEAD" || rh.status == 204 || rh.status == 304;
  std::string rextra;
  if (noBody) {
    if (auto cl = rh.field("content-length"); !cl.empty())
      rextra += "Content-Length: " + std::string(cl) + "\r\n";
  } else if (rh.chunked) {
    rextra += "Transfer-Encoding: chunked\r\n";
  } else if (rh.contentLength) {
    rextra += "Content-Length: " + std::to_string(*rh.contentLength) + "\r\n";
  }
  // The upstream closing its side (Connection: close) does not end the client's connection,
  // unless the body itself runs to the close.
  if (untilEof || head.version == 10) clientMustClose = true;
  if (clientMustClose) rextra += "Connection: close\r\n";
  // The head goes out with the first body bytes (or before waiting for them): a small response is
  // one write, so one TLS record on an intercepted tunnel.
  std::string pending = serializeHead(rh, "", rextra);
  // Stream the response body.
  while (true) {
    if (!respBody.empty()) {
      flow.bytesDown += respBody.size();
      std::string framed =
          pending + (rh.chunked ? chunkHeader(respBody.size()) + respBody + "\r\n" : respBody);
      pending.clear();
      co_await writeAll(client_, framed, ec);
      respBody.clear();
      if (ec) {
        flow.error = "client vanished mid-response";
        upstream_.close(ec);
        co_return false;
      }
    }
    if (resp.done()) break;
    if (!ubuf_.empty()) {
      auto used = resp.feed(ubuf_, respBody);
      if (!used) {
        flow.error = "bad response body from upstream: " + used.error().message;
        upstream_.close(ec);
        co_return false;
      }
      ubuf_.erase(0, *used);
      if (!respBody.empty() || resp.done()) continue;
    }
    if (!pending.empty()) {
      co_await writeAll(client_, pending, ec);
      pending.clear();
      if (ec) {
        flow.error = "client vanished before the response";
        upstream_.close(ec);
        co_return false;
      }
    }
    arm(proxy_.cfg.ioTimeout);
    co_await readSome(upstream_, ubuf_, ec);
    if (ec) {
      if (ec == asio::error::eof && untilEof) {
        (void)resp.feedEof();
        break;
      }
      flow.error = std::string("upstream vanished mid-response: ") +
                   (timedOut_ ? "timed out" : ec.message());
      upstream_.close(ec);
      co_return false;
    }
  }
  if (rh.chunked) pending += "0\r\n\r\n";
  if (!pending.empty()) {
    co_await writeAll(client_, pending, ec);
    if (ec) co_return false;
  }
  if (untilEof || !rh.keepAlive) {
    upstream_.close(ec);
    upstreamKey_.clear();
  }
  co_return !clientMustClose;
}

awaitable<void> Session::pump(tcp::socket& from, tcp::socket& to, std::string initial,
                              std::uint64_t& counter) {
  error_code ec;
  if (!initial.empty()) {
    counter += initial.size();
    co_await writeAll(to, initial, ec);
    if (ec) {
      close();
      co_return;
    }
  }
  std::array<char, kReadChunk> buf;
  for (;;) {
    arm(proxy_.cfg.idleTimeout);
    std::size_t n =
        co_await from.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
    if (ec) {
      error_code ignore;
      if (ec == asio::error::eof)
        to.shutdown(tcp::socket::shutdown_send, ignore);
      else
        close();
      co_return;
    }
    counter += n;
    co_await writeAll(to, std::string_view(buf.data(), n), ec);
    if (ec) {
      close();
      co_return;
    }
  }
}

awaitable<void> Session::handleConnect(const HttpHead& head, Flow& flow) {
  proxy_.counters.tunnels.fetch_add(1, std::memory_order_relaxed);
  flow.method = "CONNECT";
  flow.url = printable(head.target, 300);
  auto target = parseAuthority(head.target);
  if (!target) {
    co_await refuse(400, "CONNECT target: " + target.error().message, flow);
    co_return;
  }
  flow.host = target->first;
  flow.port = target->second;
  if (policy_) {
    // Tunnels are judged on their destination (their content is only seen when intercepted):
    // a blocked one is refused before anything is connected.
    Decision d = policy_->decide(facts(flow, flow.host));
    if (d.action == Action::kBlock) {
      (void)co_await block(d, flow, false);
      co_return;
    }
    if (d.action == Action::kAlert) applyDecision(d, flow);
  }
  if (!co_await connectUpstream(target->first, target->second, flow)) {
    co_await refuse(timedOut_ ? 504 : 502, flow.error, flow);
    co_return;
  }
  error_code ec;
  co_await writeAll(client_, "HTTP/1.1 200 Connection established\r\n\r\n", ec);
  if (ec) {
    flow.error = "client vanished before the tunnel opened";
    co_return;
  }
  flow.status = 200;
  // The client speaks first in TLS: read its ClientHello (bounded) before relaying anything.
  std::string first = std::move(cbuf_);
  cbuf_.clear();
  arm(proxy_.cfg.ioTimeout);
  while (true) {
    auto hello = parseClientHello(first);
    if (!hello) break;  // not TLS, or malformed: relayed as it is (policy decides on host)
    if (*hello) {
      const ClientHello& h = **hello;
      flow.sni = printable(h.sni, 256);
      std::string alpn;
      for (const auto& a : h.alpn) alpn += (alpn.empty() ? "" : ",") + printable(a, 32);
      flow.alpn = alpn;
      flow.ja3 = h.ja3();
      flow.ja4 = h.ja4();
      // A client may name another host in its SNI than in its CONNECT: the policy sees both.
      if (policy_ && !flow.sni.empty() && toLower(flow.sni) != flow.host) {
        Decision d = policy_->decide(facts(flow, toLower(flow.sni)));
        if (d.action == Action::kBlock) {
          applyDecision(d, flow);
          proxy_.counters.blocked.fetch_add(1, std::memory_order_relaxed);
          flow.error = "tunnel closed: SNI " + flow.sni + " blocked by policy";
          co_return;
        }
        if (d.action == Action::kAlert) applyDecision(d, flow);
      }
      break;
    }
    std::size_t before = first.size();
    co_await readSome(client_, first, ec);
    if (ec || first.size() == before) {
      if (first.empty()) {
        flow.error = ec == asio::error::eof ? "" : "client closed the tunnel: " + ec.message();
        co_return;
      }
      break;  // relay what there is
    }
  }
  if (!flow.ja4.empty() && wantIntercept(flow)) {
    co_await intercept(flow, std::move(first));
    co_return;
  }
  // Relay both ways until both sides are done.
  auto self = shared_from_this();
  int running = 2;
  asio::steady_timer both(client_.get_executor(), Clock::time_point::max());
  auto finished = [&running, &both](std::exception_ptr) {
    if (--running == 0) both.cancel();
  };
  asio::co_spawn(client_.get_executor(), pump(client_, upstream_, std::move(first), flow.bytesUp),
                 finished);
  asio::co_spawn(client_.get_executor(), pump(upstream_, client_, {}, flow.bytesDown), finished);
  co_await both.async_wait(asio::redirect_error(use_awaitable, ec));
  if (timedOut_) flow.error = "tunnel idle timeout";
}

// Interception is for hosts the policy marks `tls: inspect` (by the CONNECT host; by the SNI when
// the CONNECT names an IP address), and only with a CA.
bool Session::wantIntercept(const Flow& flow) const {
  if (!proxy_.interceptor) return false;
  auto policy = proxy_.policy();
  if (!policy) return false;
  error_code ec;
  asio::ip::make_address(flow.host, ec);
  std::string host = !ec && !flow.sni.empty() ? toLower(flow.sni) : flow.host;
  return policy->tlsMode(host) == TlsMode::kInspect;
}

Result<HttpUrl> Session::tunnelUrl(std::string_view target) const {
  if (target.empty() || target[0] != '/')
    return fail(
        ErrorCode::kInvalidInput,
        "expected an origin-form request (/path) inside the TLS tunnel: " + printable(target, 80));
  HttpUrl u;
  u.scheme = "https";
  u.host = tls_->host;
  u.port = tls_->port;
  u.path = std::string(target);
  return u;
}

awaitable<bool> Session::upstreamHandshake(Flow& flow) {
  tls_->dropUpstream();
  tls_->upstream.emplace(upstream_, proxy_.interceptor->client());
  SSL* ssl = tls_->upstream->native_handle();
  // Resume the last session with this upstream (same name and address) when there is one.
  tls_->sessionKey = tls_->peerName + "|" + upstreamKey_;
  proxy_.interceptor->resume(ssl, &tls_->sessionKey);
  error_code ec;
  if (auto st = TlsInterceptor::expect(ssl, tls_->peerName); !st) {
    flow.error = st.error().message;
  } else {
    arm(proxy_.cfg.connectTimeout);
    co_await tls_->upstream->async_handshake(asio::ssl::stream_base::client,
                                             asio::redirect_error(use_awaitable, ec));
    if (!ec) co_return true;
    flow.error = timedOut_ ? "TLS handshake with upstream " + tls_->peerName + " timed out"
                           : TlsInterceptor::upstreamFailure(ssl, ec, tls_->peerName);
  }
  tls_->upstream.reset();
  upstream_.close(ec);
  upstreamKey_.clear();
  co_return false;
}

awaitable<void> Session::intercept(Flow& flow, std::string hello) {
  auto& ic = *proxy_.interceptor;
  std::string name =
      !flow.sni.empty() && isCertificateName(flow.sni) ? toLower(flow.sni) : flow.host;
  auto leaf = ic.ca().leafFor(name, std::chrono::system_clock::now());
  if (!leaf) {
    flow.error =
        "no interception certificate for " + printable(name, 80) + ": " + leaf.error().message;
    co_return;
  }
  tls_ = std::make_unique<InterceptedTunnel>(client_, std::move(hello), ic);
  tls_->host = flow.host;
  tls_->port = flow.port;
  tls_->peerName = name;
  tls_->sni = flow.sni;
  tls_->alpn = flow.alpn;
  tls_->ja3 = flow.ja3;
  tls_->ja4 = flow.ja4;
  flow.intercepted = true;
  // The upstream first: when it fails (an untrusted certificate), the client still gets a TLS
  // session and its request a 502 naming the reason (the connection is retried per request).
  (void)co_await upstreamHandshake(flow);
  if (auto st = TlsInterceptor::present(tls_->client.native_handle(), **leaf); !st) {
    flow.error = st.error().message;
    co_return;
  }
  arm(proxy_.cfg.ioTimeout);
  error_code ec;
  co_await tls_->client.async_handshake(asio::ssl::stream_base::server,
                                        asio::redirect_error(use_awaitable, ec));
  if (ec) {
    bool rejected = false;
    std::string why = timedOut_ ? "TLS handshake with the client timed out"
                                : TlsInterceptor::clientFailure(ec, rejected);
    flow.error = flow.error.empty() ? why : why + "; " + flow.error;
    co_return;
  }
  tlsReady_ = true;
  proxy_.counters.intercepted.fetch_add(1, std::memory_order_relaxed);
}

Proxy::Proxy(std::unique_ptr<ProxyImpl> impl) : impl_(std::move(impl)) {}
Proxy::~Proxy() {
  if (impl_) {
    impl_->stopAll();
    impl_->lookups.join();
  }
}

Result<std::unique_ptr<Proxy>> Proxy::open(ProxyConfig config, QueuedFlowSink& sink) {
  auto impl = std::make_unique<ProxyImpl>(std::move(config), sink);
  unsigned n =
      impl->cfg.threads ? impl->cfg.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) {
    impl->contexts.push_back(std::make_unique<asio::io_context>(1));
    impl->guards.push_back(asio::make_work_guard(*impl->contexts.back()));
  }
  impl->workerScanners.resize(n);
  auto bind = [&](const Endpoint& ep, std::unique_ptr<tcp::acceptor>& out) -> Status {
    error_code ec;
    auto addr = asio::ip::make_address(ep.host, ec);
    std::string where = ep.host + ":" + std::to_string(ep.port);
    if (ec) return fail(ErrorCode::kUsage, "not an IP address", where);
    auto acc = std::make_unique<tcp::acceptor>(*impl->contexts[0]);
    tcp::endpoint e(addr, ep.port);
    acc->open(e.protocol(), ec);
    if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acc->bind(e, ec);
    if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail(ErrorCode::kIo, "cannot listen: " + ec.message(), where);
    out = std::move(acc);
    return {};
  };
  if (impl->cfg.ca) {
    auto ic = TlsInterceptor::create(impl->cfg.ca, impl->cfg.upstreamCaFile);
    if (!ic) return std::unexpected(ic.error());
    impl->interceptor = std::move(*ic);
  }
  if (auto st = bind(impl->cfg.listen, impl->acceptor); !st) return std::unexpected(st.error());
  if (impl->cfg.metrics)
    if (auto st = bind(*impl->cfg.metrics, impl->metricsAcceptor); !st)
      return std::unexpected(st.error());
  return std::unique_ptr<Proxy>(new Proxy(std::move(impl)));
}

std::uint16_t Proxy::port() const { return impl_->acceptor->local_endpoint().port(); }
std::uint16_t Proxy::metricsPort() const {
  return impl_->metricsAcceptor ? impl_->metricsAcceptor->local_endpoint().port() : 0;
}
const ProxyCounters& Proxy::counters() const { return impl_->counters; }
std::string Proxy::metricsText() const { return impl_->metricsText(); }
void Proxy::stop() { impl_->stopAll(); }
void Proxy::setPolicy(std::shared_ptr<const Policy> policy) { impl_->setPolicy(std::move(policy)); }

void Proxy::run(bool handleSignals) {
  auto& ctx0 = *impl_->contexts[0];
  asio::co_spawn(ctx0, impl_->acceptLoop(), asio::detached);
  if (impl_->metricsAcceptor) asio::co_spawn(ctx0, impl_->metricsLoop(), asio::detached);
  if (handleSignals) {
    impl_->signals.emplace(ctx0, SIGTERM, SIGINT);
    impl_->signals->async_wait([this](error_code ec, int) {
      if (!ec) impl_->stopAll();
    });
    // SIGHUP reloads the policy; without one it is logged and ignored rather than fatal.
    impl_->hangups.emplace(ctx0, SIGHUP);
    impl_->waitHangup();
  }
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->contexts.size(); ++i)
    threads.emplace_back([this, i] { impl_->contexts[i]->run(); });
  ctx0.run();
  for (auto& t : threads) t.join();
  impl_->signals.reset();
  impl_->hangups.reset();
}

}  // namespace tollgate::egress
