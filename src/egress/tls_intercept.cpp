#include "tls_intercept.h"

#include <arpa/inet.h>

#include <cstring>
#include <filesystem>

#include "tollgate/util/strings.h"

namespace tollgate::egress {

namespace {

// ALPN towards the client: http/1.1 when offered, else no ALPN at all (the client falls back to
// HTTP/1.1, the only protocol the pipeline speaks).
int selectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void*) {
  static constexpr unsigned char kHttp11[] = {'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned int i = 0;
  while (i < inlen) {
    unsigned int n = in[i];
    if (i + 1 + n > inlen) break;
    if (n == sizeof kHttp11 && std::memcmp(in + i + 1, kHttp11, n) == 0) {
      *out = in + i + 1;
      *outlen = static_cast<unsigned char>(n);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + n;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

bool isIp(const std::string& h) {
  unsigned char buf[16];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

}  // namespace

Result<std::shared_ptr<TlsInterceptor>> TlsInterceptor::create(
    std::shared_ptr<CertificateAuthority> ca, const std::string& upstreamCaFile) {
  std::shared_ptr<TlsInterceptor> t(new TlsInterceptor(std::move(ca)));
  SSL_CTX* s = t->server_.native_handle();
  SSL_CTX* c = t->client_.native_handle();
  if (SSL_CTX_set_min_proto_version(s, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) != 1)
    return fail(ErrorCode::kInternal, "cannot set the TLS versions: " + opensslError());
  SSL_CTX_set_alpn_select_cb(s, selectAlpn, nullptr);
  // Reconnecting clients resume with stateless session tickets; no server-side cache.
  SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
  static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  if (SSL_CTX_set_alpn_protos(c, kAlpn, sizeof kAlpn) != 0)
    return fail(ErrorCode::kInternal, "cannot set ALPN: " + opensslError());
  if (upstreamCaFile.empty()) {
    if (SSL_CTX_set_default_verify_paths(c) != 1)
      return fail(ErrorCode::kIo, "cannot load the system trust store: " + opensslError());
  } else {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(upstreamCaFile, ec))
      return fail(ErrorCode::kNotFound, "no such file", upstreamCaFile);
    if (SSL_CTX_load_verify_locations(c, upstreamCaFile.c_str(), nullptr) != 1)
      return fail(ErrorCode::kInvalidInput, "not PEM certificates: " + opensslError(),
                  upstreamCaFile);
  }
  SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
  if (ctxIndex() < 0 || keyIndex() < 0 || SSL_CTX_set_ex_data(c, ctxIndex(), t.get()) != 1)
    return fail(ErrorCode::kInternal, "cannot set up the session cache: " + opensslError());
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(c, &TlsInterceptor::onNewSession);
  // Upstream connections are closed without waiting for the server's close_notify.
  SSL_CTX_set_options(c, SSL_OP_IGNORE_UNEXPECTED_EOF);
  return t;
}

int TlsInterceptor::ctxIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int TlsInterceptor::keyIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int TlsInterceptor::onNewSession(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<TlsInterceptor*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctxIndex()));
  auto* key = static_cast<const std::string*>(SSL_get_ex_data(ssl, keyIndex()));
  if (!self || !key || key->empty()) return 0;
  std::lock_guard lock(self->sessionsMu_);
  if (self->sessions_.size() >= 4096) self->sessions_.clear();  // a cache: start again
  self->sessions_[*key] = Session(session, SSL_SESSION_free);
  return 1;  // the cache owns the reference now
}

void TlsInterceptor::resume(SSL* ssl, const std::string* key) {
  if (SSL_set_ex_data(ssl, keyIndex(), const_cast<std::string*>(key)) != 1) return;
  Session s;
  {
    std::lock_guard lock(sessionsMu_);
    if (auto it = sessions_.find(*key); it != sessions_.end()) s = it->second;
  }
  if (s) SSL_set_session(ssl, s.get());  // takes its own reference
}

Status TlsInterceptor::present(SSL* ssl, const MintedCert& leaf) {
  if (SSL_use_certificate(ssl, leaf.cert.get()) != 1 ||
      SSL_use_PrivateKey(ssl, leaf.key.get()) != 1)
    return fail(ErrorCode::kInternal, "cannot use the minted certificate: " + opensslError());
  return {};
}

Status TlsInterceptor::expect(SSL* ssl, const std::string& name) {
  if (isIp(name)) {
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) != 1)
      return fail(ErrorCode::kInternal, "cannot set the expected address: " + opensslError());
    return {};
  }
  if (SSL_set_tlsext_host_name(ssl, name.c_str()) != 1 || SSL_set1_host(ssl, name.c_str()) != 1)
    return fail(ErrorCode::kInternal, "cannot set the expected name: " + opensslError());
  return {};
}

std::string TlsInterceptor::upstreamFailure(SSL* ssl, const boost::system::error_code& ec,
                                            const std::string& name) {
  long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
  if (v != X509_V_OK)
    return "upstream certificate of " + name + " not trusted: " + X509_verify_cert_error_string(v);
  if (ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated)
    return "upstream " + name + " closed during the TLS handshake";
  return "TLS handshake with upstream " + name + " failed: " + ec.message();
}

std::string TlsInterceptor::clientFailure(const boost::system::error_code& ec, bool& rejected) {
  rejected = false;
  if (ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated)
    return "client closed during the TLS handshake";
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
      case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
      case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
      case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
      case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
      case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
      case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:
        rejected = true;
        return "client rejected the interception certificate (" + ec.message() +
               "): it does not trust the tollgate CA (tollgate ca show), or pins its server";
      default:
        break;
    }
  }
  return "TLS handshake with the client failed: " + ec.message();
}

}  // namespace tollgate::egress
