// A small HTTPS load generator that goes through an HTTP proxy with CONNECT (wrk cannot): each of
// C client threads opens a tunnel, does the TLS handshake (SNI, certificate verified against
// --cacert, ALPN http/1.1) and sends keep-alive GETs until the time is up; with --new-conn every
// request gets a new tunnel and handshake. Blocking sockets, one thread per connection: simple,
// and OpenSSL does the costly part. Prints one line:
//   RESULT <requests/s> <p50 ms> <p99 ms> <errors> <requests>
//
//   https_load --proxy 127.0.0.1:3128 --connect 127.0.0.1:8443 --sni localhost --path /1k
//              --cacert ca.pem [-c 50] [-d 10] [--new-conn] [--direct]
// Built by bench/proxy.sh (g++ -O2 ... -lssl -lcrypto).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string proxyHost = "127.0.0.1";
  int proxyPort = 3128;
  std::string connect;  // host:port for CONNECT
  std::string sni = "localhost";
  std::string path = "/";
  std::string cacert;
  int conns = 50;
  double seconds = 10;
  bool newConn = false;
  bool direct = false;  // no proxy: TLS straight to --connect (the baseline)
};

int dialProxy(const Options& o) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  std::string host = o.proxyHost;
  int port = o.proxyPort;
  if (o.direct) {
    auto colon = o.connect.rfind(':');
    host = o.connect.substr(0, colon);
    port = std::atoi(o.connect.c_str() + colon + 1);
  }
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  if (o.direct) return fd;
  std::string req = "CONNECT " + o.connect + " HTTP/1.1\r\nHost: " + o.connect + "\r\n\r\n";
  if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return -1;
  }
  // Read the answer head byte-wise-ish: it ends with an empty line and nothing follows it.
  std::string head;
  char c;
  while (head.size() < 4096 && head.find("\r\n\r\n") == std::string::npos) {
    if (::read(fd, &c, 1) != 1) break;
    head += c;
  }
  if (head.compare(0, 12, "HTTP/1.1 200") != 0 && head.compare(0, 12, "HTTP/1.0 200") != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

struct Conn {
  int fd = -1;
  SSL* ssl = nullptr;
  std::string buf;
  void close() {
    if (ssl) SSL_free(ssl);
    if (fd >= 0) ::close(fd);
    ssl = nullptr;
    fd = -1;
    buf.clear();
  }
};

bool open(Conn& c, const Options& o, SSL_CTX* ctx) {
  c.fd = dialProxy(o);
  if (c.fd < 0) return false;
  c.ssl = SSL_new(ctx);
  SSL_set_fd(c.ssl, c.fd);
  SSL_set_tlsext_host_name(c.ssl, o.sni.c_str());
  SSL_set1_host(c.ssl, o.sni.c_str());
  if (SSL_connect(c.ssl) != 1) {
    ERR_clear_error();
    c.close();
    return false;
  }
  return true;
}

// One GET and its response (Content-Length or chunked bodies).
bool exchange(Conn& c, const Options& o) {
  std::string req = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.sni + "\r\n\r\n";
  if (SSL_write(c.ssl, req.data(), static_cast<int>(req.size())) <= 0) return false;
  char tmp[16384];
  std::size_t headEnd;
  while ((headEnd = c.buf.find("\r\n\r\n")) == std::string::npos) {
    int n = SSL_read(c.ssl, tmp, sizeof tmp);
    if (n <= 0) return false;
    c.buf.append(tmp, static_cast<std::size_t>(n));
  }
  std::string head = c.buf.substr(0, headEnd);
  for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (head.compare(0, 12, "http/1.1 200") != 0) return false;
  std::size_t need = 0;
  auto cl = head.find("content-length:");
  if (cl == std::string::npos) return false;  // the bench serves static files
  need = std::strtoull(head.c_str() + cl + 15, nullptr, 10);
  std::size_t total = headEnd + 4 + need;
  while (c.buf.size() < total) {
    int n = SSL_read(c.ssl, tmp, sizeof tmp);
    if (n <= 0) return false;
    c.buf.append(tmp, static_cast<std::size_t>(n));
  }
  c.buf.erase(0, total);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--proxy") {
      std::string p = next();
      auto colon = p.rfind(':');
      o.proxyHost = p.substr(0, colon);
      o.proxyPort = std::atoi(p.c_str() + colon + 1);
    } else if (a == "--connect") {
      o.connect = next();
    } else if (a == "--sni") {
      o.sni = next();
    } else if (a == "--path") {
      o.path = next();
    } else if (a == "--cacert") {
      o.cacert = next();
    } else if (a == "-c") {
      o.conns = std::atoi(next().c_str());
    } else if (a == "-d") {
      o.seconds = std::atof(next().c_str());
    } else if (a == "--new-conn") {
      o.newConn = true;
    } else if (a == "--direct") {
      o.direct = true;
    } else {
      std::fprintf(stderr, "https_load: unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (o.connect.empty() || o.cacert.empty() || o.conns < 1) {
    std::fprintf(stderr, "https_load: --connect and --cacert are required\n");
    return 2;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx, o.cacert.c_str(), nullptr) != 1) {
    std::fprintf(stderr, "https_load: cannot load %s\n", o.cacert.c_str());
    return 2;
  }
  static const unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn);

  std::atomic<std::uint64_t> errors{0};
  std::vector<std::vector<double>> lat(static_cast<std::size_t>(o.conns));
  auto start = Clock::now();
  auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  std::vector<std::thread> threads;
  for (int t = 0; t < o.conns; ++t) {
    threads.emplace_back([&, t] {
      Conn c;
      auto& mine = lat[static_cast<std::size_t>(t)];
      while (Clock::now() < end) {
        auto t0 = Clock::now();
        if (c.fd < 0 && !open(c, o, ctx)) {
          ++errors;
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          continue;
        }
        if (!exchange(c, o)) {
          ++errors;
          c.close();
          continue;
        }
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (o.newConn) c.close();
      }
      c.close();
    });
  }
  for (auto& th : threads) th.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0
                       : all[std::min(all.size() - 1, static_cast<std::size_t>(p * all.size()))];
  };
  std::printf("RESULT %.1f %.3f %.3f %llu %zu\n", all.size() / elapsed, pct(0.50), pct(0.99),
              static_cast<unsigned long long>(errors.load()), all.size());
  SSL_CTX_free(ctx);
  return 0;
}
