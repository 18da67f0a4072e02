// TLS ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) and the JA3 / JA4 fingerprints.
#include "tollgate/egress/tls_hello.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace tollgate::egress {
namespace {

constexpr std::size_t kMaxHello = 64 * 1024;

// Bounds-checked big-endian reader over a span.
class Reader {
 public:
  explicit Reader(std::string_view d) : d_(d) {}
  bool u8(std::uint8_t& v) {
    if (d_.size() - pos_ < 1) return false;
    v = static_cast<std::uint8_t>(d_[pos_++]);
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (d_.size() - pos_ < 2) return false;
    v = static_cast<std::uint16_t>((static_cast<std::uint8_t>(d_[pos_]) << 8) |
                                   static_cast<std::uint8_t>(d_[pos_ + 1]));
    pos_ += 2;
    return true;
  }
  bool u24(std::uint32_t& v) {
    if (d_.size() - pos_ < 3) return false;
    v = (static_cast<std::uint32_t>(static_cast<std::uint8_t>(d_[pos_])) << 16) |
        (static_cast<std::uint32_t>(static_cast<std::uint8_t>(d_[pos_ + 1])) << 8) |
        static_cast<std::uint8_t>(d_[pos_ + 2]);
    pos_ += 3;
    return true;
  }
  bool bytes(std::size_t n, std::string_view& out) {
    if (d_.size() - pos_ < n) return false;
    out = d_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  // A vector with a length prefix of `lenBytes` (1 or 2).
  bool vec(int lenBytes, std::string_view& out) {
    std::size_t n = 0;
    if (lenBytes == 1) {
      std::uint8_t v = 0;
      if (!u8(v)) return false;
      n = v;
    } else {
      std::uint16_t v = 0;
      if (!u16(v)) return false;
      n = v;
    }
    return bytes(n, out);
  }
  [[nodiscard]] bool empty() const { return pos_ == d_.size(); }

 private:
  std::string_view d_;
  std::size_t pos_ = 0;
};

bool u16List(std::string_view d, std::vector<std::uint16_t>& out) {
  if (d.size() % 2 != 0) return false;
  Reader r(d);
  std::uint16_t v = 0;
  while (r.u16(v)) out.push_back(v);
  return true;
}

std::unexpected<Error> bad(const std::string& what) {
  return fail(ErrorCode::kInvalidInput, "malformed TLS ClientHello: " + what);
}

Status parseExtensions(std::string_view exts, ClientHello& h) {
  Reader r(exts);
  while (!r.empty()) {
    std::uint16_t type = 0;
    std::string_view body;
    if (!r.u16(type) || !r.vec(2, body)) return bad("truncated extension");
    h.extensions.push_back(type);
    Reader b(body);
    std::string_view list;
    switch (type) {
      case 0x0000: {              // server_name
        if (body.empty()) break;  // empty in a ServerHello-style echo; tolerated
        if (!b.vec(2, list)) return bad("server_name");
        Reader l(list);
        while (!l.empty()) {
          std::uint8_t nameType = 0;
          std::string_view name;
          if (!l.u8(nameType) || !l.vec(2, name)) return bad("server_name entry");
          if (nameType == 0 && h.sni.empty()) h.sni = std::string(name);
        }
        break;
      }
      case 0x0010: {  // application_layer_protocol_negotiation
        if (!b.vec(2, list)) return bad("ALPN");
        Reader l(list);
        while (!l.empty()) {
          std::string_view proto;
          if (!l.vec(1, proto)) return bad("ALPN entry");
          h.alpn.emplace_back(proto);
        }
        break;
      }
      case 0x000a:  // supported_groups
        if (!b.vec(2, list) || !u16List(list, h.groups)) return bad("supported_groups");
        break;
      case 0x000b:  // ec_point_formats
        if (!b.vec(1, list)) return bad("ec_point_formats");
        for (char c : list) h.pointFormats.push_back(static_cast<std::uint8_t>(c));
        break;
      case 0x000d:  // signature_algorithms
        if (!b.vec(2, list) || !u16List(list, h.signatureAlgorithms))
          return bad("signature_algorithms");
        break;
      case 0x002b:  // supported_versions
        if (!b.vec(1, list) || !u16List(list, h.supportedVersions))
          return bad("supported_versions");
        break;
      default:
        break;
    }
  }
  return {};
}

std::string hex4(std::uint16_t v) {
  char b[8];
  std::snprintf(b, sizeof b, "%04x", v);
  return b;
}

std::string digest(const EVP_MD* md, std::string_view in, std::size_t hexChars) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned len = 0;
  if (EVP_Digest(in.data(), in.size(), out.data(), &len, md, nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < len; ++i) {
    s.push_back(kHex[out[i] >> 4]);
    s.push_back(kHex[out[i] & 15]);
  }
  s.resize(std::min(s.size(), hexChars));
  return s;
}

template <class T>
std::string joinDec(const std::vector<T>& v, bool dropGrease) {
  std::string s;
  for (auto x : v) {
    if (dropGrease && isGrease(static_cast<std::uint16_t>(x))) continue;
    if (!s.empty()) s.push_back('-');
    s += std::to_string(x);
  }
  return s;
}

std::string joinHex(const std::vector<std::uint16_t>& v) {
  std::string s;
  for (auto x : v) {
    if (!s.empty()) s.push_back(',');
    s += hex4(x);
  }
  return s;
}

std::vector<std::uint16_t> withoutGrease(const std::vector<std::uint16_t>& v) {
  std::vector<std::uint16_t> out;
  for (auto x : v)
    if (!isGrease(x)) out.push_back(x);
  return out;
}

struct Ja4Parts {
  std::string a, ciphers, exts, sigs;
};

Ja4Parts ja4Parts(const ClientHello& h) {
  Ja4Parts p;
  std::uint16_t ver = h.legacyVersion;
  auto sv = withoutGrease(h.supportedVersions);
  if (!sv.empty()) ver = *std::max_element(sv.begin(), sv.end());
  std::string v;
  switch (ver) {
    case 0x0304:
      v = "13";
      break;
    case 0x0303:
      v = "12";
      break;
    case 0x0302:
      v = "11";
      break;
    case 0x0301:
      v = "10";
      break;
    case 0x0300:
      v = "s3";
      break;
    case 0x0002:
      v = "s2";
      break;
    case 0xfeff:
      v = "d1";
      break;
    case 0xfefd:
      v = "d2";
      break;
    case 0xfefc:
      v = "d3";
      break;
    default:
      v = "00";
      break;
  }
  auto ciphers = withoutGrease(h.ciphers);
  auto exts = withoutGrease(h.extensions);
  char counts[8];
  std::snprintf(counts, sizeof counts, "%02zu%02zu", std::min<std::size_t>(ciphers.size(), 99),
                std::min<std::size_t>(exts.size(), 99));
  // As the reference implementation: the first and last characters of the first ALPN value,
  // "99" when its first byte is not ASCII, "00" without ALPN.
  std::string alpn = "00";
  if (!h.alpn.empty() && !h.alpn.front().empty()) {
    const std::string& first = h.alpn.front();
    if (static_cast<unsigned char>(first.front()) > 127)
      alpn = "99";
    else if (first.size() > 2)
      alpn = std::string{first.front(), first.back()};
    else
      alpn = first;
  }
  bool sni = std::find(h.extensions.begin(), h.extensions.end(), 0x0000) != h.extensions.end();
  p.a = "t" + v + (sni ? "d" : "i") + counts + alpn;
  std::sort(ciphers.begin(), ciphers.end());
  p.ciphers = joinHex(ciphers);
  std::vector<std::uint16_t> sortedExts;
  for (auto e : exts)
    if (e != 0x0000 && e != 0x0010) sortedExts.push_back(e);
  std::sort(sortedExts.begin(), sortedExts.end());
  p.exts = joinHex(sortedExts);
  p.sigs = joinHex(withoutGrease(h.signatureAlgorithms));
  return p;
}

}  // namespace

std::string ClientHello::ja3String() const {
  return std::to_string(legacyVersion) + "," + joinDec(ciphers, true) + "," +
         joinDec(extensions, true) + "," + joinDec(groups, true) + "," +
         joinDec(pointFormats, false);
}

std::string ClientHello::ja3() const { return digest(EVP_md5(), ja3String(), 32); }

std::string ClientHello::ja4() const {
  auto p = ja4Parts(*this);
  std::string b = p.ciphers.empty() ? "000000000000" : digest(EVP_sha256(), p.ciphers, 12);
  std::string cIn = p.sigs.empty() ? p.exts : p.exts + "_" + p.sigs;
  std::string c = p.exts.empty() ? "000000000000" : digest(EVP_sha256(), cIn, 12);
  return p.a + "_" + b + "_" + c;
}

std::string ClientHello::ja4Raw() const {
  auto p = ja4Parts(*this);
  std::string out = p.a + "_" + p.ciphers + "_" + p.exts;
  if (!p.sigs.empty()) out += "_" + p.sigs;
  return out;
}

Result<std::optional<ClientHello>> parseClientHello(std::string_view data) {
  // Gather handshake bytes from consecutive handshake records.
  std::string hs;
  std::size_t pos = 0;
  ClientHello h;
  std::optional<std::uint32_t> msgLen;
  while (true) {
    if (msgLen && hs.size() >= 4 + *msgLen) break;
    if (data.size() - pos < 5) return std::nullopt;
    auto type = static_cast<std::uint8_t>(data[pos]);
    auto major = static_cast<std::uint8_t>(data[pos + 1]);
    if (type != 22) return fail(ErrorCode::kInvalidInput, "not a TLS handshake record");
    if (major != 3) return fail(ErrorCode::kInvalidInput, "not a TLS record version");
    std::size_t len =
        (static_cast<std::uint8_t>(data[pos + 3]) << 8) | static_cast<std::uint8_t>(data[pos + 4]);
    if (pos == 0)
      h.recordVersion =
          static_cast<std::uint16_t>((major << 8) | static_cast<std::uint8_t>(data[pos + 2]));
    if (len == 0 || len > 16384 + 2048) return bad("record length");
    if (data.size() - pos - 5 < len) return std::nullopt;
    hs.append(data.substr(pos + 5, len));
    pos += 5 + len;
    if (!msgLen && hs.size() >= 4) {
      if (static_cast<std::uint8_t>(hs[0]) != 1) return bad("first handshake is not a ClientHello");
      msgLen = (static_cast<std::uint32_t>(static_cast<std::uint8_t>(hs[1])) << 16) |
               (static_cast<std::uint32_t>(static_cast<std::uint8_t>(hs[2])) << 8) |
               static_cast<std::uint8_t>(hs[3]);
      if (*msgLen > kMaxHello) return fail(ErrorCode::kLimit, "TLS ClientHello over 64 KiB");
    }
    if (pos > kMaxHello + 5 * 8) return fail(ErrorCode::kLimit, "TLS ClientHello over 64 KiB");
  }
  h.bytes = pos;
  Reader r(std::string_view(hs).substr(4, *msgLen));
  std::string_view random, session, ciphers, compression, exts;
  if (!r.u16(h.legacyVersion) || !r.bytes(32, random) || !r.vec(1, session) || !r.vec(2, ciphers) ||
      !r.vec(1, compression))
    return bad("truncated");
  if (session.size() > 32) return bad("session id longer than 32 bytes");
  if (!u16List(ciphers, h.ciphers)) return bad("odd cipher suite list");
  if (!r.empty()) {
    if (!r.vec(2, exts) || !r.empty()) return bad("extensions length");
    if (auto st = parseExtensions(exts, h); !st) return std::unexpected(st.error());
  }
  return h;
}

}  // namespace tollgate::egress
