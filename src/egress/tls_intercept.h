// TLS interception for the proxy (private to egress): the two TLS contexts every intercepted
// tunnel uses, the stream that replays the ClientHello bytes the proxy already read, and the
// per-tunnel state.
//
// Client leg: the proxy is the server, presenting a certificate minted by the local CA for the
// SNI (or the CONNECT host), offering only http/1.1 in ALPN. Upstream leg: the proxy is a client
// that verifies the server's certificate chain (system trust store, or --upstream-ca) and name,
// offering http/1.1. Both legs then carry HTTP/1.1 that the proxy's plain-HTTP pipeline handles.
//
// Thread safety: a TlsInterceptor is shared by every event loop (SSL_CTX is safe to create SSL
// objects from any thread); an InterceptedTunnel belongs to one session.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "openssl_handles.h"
#include "tollgate/egress/ca.h"
#include "tollgate/util/result.h"

namespace tollgate::egress {

class TlsInterceptor {
 public:
  // `upstreamCaFile` empty: the system trust store verifies upstreams. Errors: kIo/kInvalidInput
  // naming the file.
  [[nodiscard]] static Result<std::shared_ptr<TlsInterceptor>> create(
      std::shared_ptr<CertificateAuthority> ca, const std::string& upstreamCaFile);

  boost::asio::ssl::context& server() { return server_; }
  boost::asio::ssl::context& client() { return client_; }
  CertificateAuthority& ca() { return *ca_; }

  // Upstream TLS sessions (TLS 1.3 tickets, TLS 1.2 sessions) by `key` ("name|host:port"), so
  // the next connection to the same upstream resumes instead of a full handshake. `key` must
  // outlive `ssl`: the sessions the server sends on it are remembered under it. Thread-safe.
  void resume(SSL* ssl, const std::string* key);

  // Server side: present `leaf`. Errors: kInternal.
  [[nodiscard]] static Status present(SSL* ssl, const MintedCert& leaf);
  // Client side: send `name` as SNI (unless it is an IP literal) and require the certificate to
  // be valid for it. Errors: kInternal.
  [[nodiscard]] static Status expect(SSL* ssl, const std::string& name);
  // One line on why the handshake with the upstream `name` failed.
  [[nodiscard]] static std::string upstreamFailure(SSL* ssl, const boost::system::error_code& ec,
                                                   const std::string& name);
  // One line on why the client's handshake failed; `rejected` is set when the client refused the
  // proxy's certificate (an alert such as unknown_ca / bad_certificate).
  [[nodiscard]] static std::string clientFailure(const boost::system::error_code& ec,
                                                 bool& rejected);

 private:
  using Session = std::shared_ptr<SSL_SESSION>;
  // ex_data slots (Asio keeps its own pointers in the SSL and SSL_CTX app data).
  static int ctxIndex();
  static int keyIndex();
  static int onNewSession(SSL* ssl, SSL_SESSION* session);
  TlsInterceptor(std::shared_ptr<CertificateAuthority> ca)
      : ca_(std::move(ca)),
        server_(boost::asio::ssl::context::tls_server),
        client_(boost::asio::ssl::context::tls_client) {}
  std::shared_ptr<CertificateAuthority> ca_;
  boost::asio::ssl::context server_;
  boost::asio::ssl::context client_;
  std::mutex sessionsMu_;
  std::unordered_map<std::string, Session> sessions_;
};

// A TCP socket whose first reads return bytes already taken from it (the ClientHello the proxy
// parsed for SNI and JA4), so that the TLS engine sees the whole handshake.
class PrefixedSocket {
 public:
  using lowest_layer_type = boost::asio::ip::tcp::socket::lowest_layer_type;
  using executor_type = boost::asio::ip::tcp::socket::executor_type;

  PrefixedSocket(boost::asio::ip::tcp::socket& s, std::string prefix)
      : s_(&s), prefix_(std::move(prefix)) {}

  executor_type get_executor() { return s_->get_executor(); }
  lowest_layer_type& lowest_layer() { return s_->lowest_layer(); }
  const lowest_layer_type& lowest_layer() const { return s_->lowest_layer(); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& bufs) {
          if (prefix_.empty()) {
            s_->async_read_some(bufs, std::move(handler));
            return;
          }
          std::size_t n = boost::asio::buffer_copy(bufs, boost::asio::buffer(prefix_));
          prefix_.erase(0, n);
          auto ex = boost::asio::get_associated_executor(handler, s_->get_executor());
          boost::asio::post(
              ex, [h = std::move(handler), n]() mutable { h(boost::system::error_code{}, n); });
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return s_->async_write_some(buffers, std::forward<Token>(token));
  }

 private:
  boost::asio::ip::tcp::socket* s_;
  std::string prefix_;
};

// The state of one intercepted CONNECT tunnel.
struct InterceptedTunnel {
  InterceptedTunnel(boost::asio::ip::tcp::socket& clientSocket, std::string helloBytes,
                    TlsInterceptor& ic)
      : client(PrefixedSocket(clientSocket, std::move(helloBytes)), ic.server()) {}
  ~InterceptedTunnel() { dropUpstream(); }
  InterceptedTunnel(const InterceptedTunnel&) = delete;
  InterceptedTunnel& operator=(const InterceptedTunnel&) = delete;

  // Frees the upstream TLS state, marked as shut down: OpenSSL would otherwise flag the session
  // of a connection closed without close_notify as not resumable.
  void dropUpstream() {
    if (upstream)
      SSL_set_shutdown(upstream->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    upstream.reset();
  }

  boost::asio::ssl::stream<PrefixedSocket> client;
  // Re-created for each upstream connection (keep-alive reconnects).
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> upstream;
  std::string host;  // the CONNECT host
  std::uint16_t port = 443;
  std::string peerName;    // the name the certificates are for (SNI, else the CONNECT host)
  std::string sessionKey;  // upstream session cache key (the destructor frees `upstream` first)
  std::string sni, alpn, ja3, ja4;  // of the client's ClientHello
};

}  // namespace tollgate::egress
