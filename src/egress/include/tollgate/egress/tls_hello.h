// TLS ClientHello parsing for CONNECT tunnels: SNI, ALPN and the JA3 / JA4 client fingerprints,
// read from the first bytes a client sends, without decrypting anything. Pure, no I/O.
//
//   auto r = egress::parseClientHello(firstBytes);
//   if (!r) ...;                      // not TLS, or a malformed ClientHello
//   else if (!*r) ...;                // incomplete: read more and call again with all bytes
//   else use((*r)->sni, (*r)->ja4);
//
// The handshake message may span several TLS records (large post-quantum key shares do); records
// are joined up to 64 KiB. JA3 is Salesforce's definition (MD5 of version, ciphers, extensions,
// groups, point formats; GREASE values removed), JA4 is FoxIO's (BSD-3-Clause), computed as their
// reference implementation does (see tests/unit/egress/tls_hello_test.cpp against its outputs).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tollgate/util/result.h"

namespace tollgate::egress {

struct ClientHello {
  std::uint16_t recordVersion = 0;        // of the first record
  std::uint16_t legacyVersion = 0;        // client_version
  std::vector<std::uint16_t> ciphers;     // as sent (GREASE included)
  std::vector<std::uint16_t> extensions;  // as sent
  std::vector<std::uint16_t> groups;      // supported_groups
  std::vector<std::uint8_t> pointFormats;
  std::vector<std::uint16_t> signatureAlgorithms;
  std::vector<std::uint16_t> supportedVersions;
  std::string sni;                // server_name host_name, "" when absent
  std::vector<std::string> alpn;  // protocol names, as bytes
  std::size_t bytes = 0;          // record bytes the ClientHello took

  // "771,4865-4866-...,0-23-...,29-23-24,0" and its MD5 in hex.
  [[nodiscard]] std::string ja3String() const;
  [[nodiscard]] std::string ja3() const;
  // "t13d1516h2_8daaf6152771_e5627efa2ab1" and the raw form with the sorted lists.
  [[nodiscard]] std::string ja4() const;
  [[nodiscard]] std::string ja4Raw() const;
};

// Parses TLS records from the start of `data`. Returns nullopt while more bytes are needed.
// Errors: kInvalidInput when the bytes are not a TLS handshake starting with a ClientHello or
// the ClientHello is malformed; kLimit past 64 KiB.
[[nodiscard]] Result<std::optional<ClientHello>> parseClientHello(std::string_view data);

// True for the GREASE values of RFC 8701 (0x0a0a, 0x1a1a, ... 0xfafa).
[[nodiscard]] constexpr bool isGrease(std::uint16_t v) noexcept {
  return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

}  // namespace tollgate::egress
