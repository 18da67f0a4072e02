// Authenticode signatures of PE images: the certificate table, the PKCS#7 SignedData, the signer
// and the certificates it carries, and the verdict of checking the signed image digest against
// the image and the signature against the signer's certificate.
//
//   Result<PeInfo> pe = binfmt::parsePe(bytes);
//   Result<AuthenticodeInfo> sig = binfmt::verifyAuthenticode(bytes, *pe);
//   if (sig->status == SignatureStatus::kValid && sig->entries[0].slackBytes > 0) flag(...);
//
// "valid" means: the image digest computed per the Authenticode specification equals the digest
// in the signed SpcIndirectDataContent, and the PKCS#7 signature over the authenticated
// attributes verifies with the signer's certificate. Chain trust to a root, revocation,
// certificate validity periods and timestamps are NOT judged here; the chain is reported so that
// callers can apply a trust policy.
//
// The image digest excludes exactly what Windows excludes: the optional header CheckSum, the
// certificate table data directory entry, and the bytes of the certificate table (located by that
// entry); everything else of the file is hashed in file order, including data appended after the
// table (so such data makes a signature invalid, as it does for Windows). Bytes hidden inside the
// table (after the PKCS#7 blob in a WIN_CERTIFICATE, the CVE-2013-3900 trick used to ship the 3CX
// payload) do not change the digest: they are reported as slack instead.
//
// Pure and thread-safe (OpenSSL 1.1+/3 objects are created per call); reads the whole file once
// to hash it. Never throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tollgate/binfmt/pe.h"
#include "tollgate/util/result.h"

namespace tollgate::binfmt {

enum class SignatureStatus { kUnsigned, kValid, kInvalid };

// "unsigned", "valid", "invalid".
[[nodiscard]] const char* toString(SignatureStatus s);

struct CertificateInfo {
  std::string subject;  // RFC 2253 attributes in certificate order: "CN=Name,O=Org,C=US"
  std::string issuer;
  std::string serial;     // lower-case hex, no separators
  std::string notBefore;  // RFC 3339 UTC: "2024-01-31T12:00:00Z"
  std::string notAfter;
  std::string sha256;  // fingerprint of the DER encoding, lower-case hex
};

// One WIN_CERTIFICATE entry of the certificate table.
struct WinCertificate {
  std::uint64_t offset = 0;       // file offset of the entry
  std::uint32_t length = 0;       // dwLength as stored (header + blob + whatever follows it)
  std::uint16_t revision = 0;     // wRevision: 0x0200 (WIN_CERT_REVISION_2_0)
  std::uint16_t type = 0;         // wCertificateType: 0x0002 (WIN_CERT_TYPE_PKCS_SIGNED_DATA)
  std::uint64_t pkcs7Length = 0;  // DER length of the PKCS#7 blob; 0 when it does not parse
  // Bytes after the blob inside the entry: dwLength - 8 - pkcs7Length.
  std::uint64_t paddingBytes = 0;
  // Bytes beyond the 8-byte alignment signing tools add: dwLength - align8(8 + pkcs7Length),
  // when positive. Non-zero is the CVE-2013-3900 pattern (data hidden in a valid signature).
  std::uint64_t slackBytes = 0;
  bool paddingNonZero = false;  // any non-zero byte in the padding
};

struct AuthenticodeInfo {
  SignatureStatus status = SignatureStatus::kUnsigned;
  std::string reason;  // why the status is not kValid (empty when valid or unsigned)

  // The certificate table (data directory entry 4: a file offset, not an RVA).
  std::uint64_t tableOffset = 0;
  std::uint64_t tableSize = 0;
  bool tableAtEndOfFile = false;   // offset + size == file size
  bool tableOverrunsFile = false;  // offset + size > file size
  // Table bytes not covered by its 8-aligned entries (tableSize - sum of align8(dwLength)).
  std::uint64_t tableSlackBytes = 0;
  std::vector<WinCertificate> entries;

  // The first PKCS#7 SignedData (the one Windows checks).
  std::string digestAlgorithm;  // "sha256", "sha1", "md5", "sha384", "sha512"
  std::string signedDigest;     // from SpcIndirectDataContent, lower-case hex
  std::string computedDigest;   // image digest with the same algorithm, lower-case hex
  bool digestMatches = false;
  bool signatureVerifies = false;  // PKCS#7 signature checks out with the signer certificate
  std::optional<CertificateInfo> signer;
  std::vector<CertificateInfo> chain;         // signer first, then its issuers among `certificates`
  std::vector<CertificateInfo> certificates;  // every certificate embedded, in blob order
  bool hasTimestamp = false;                  // an RFC 3161 or legacy countersignature is attached
  std::uint32_t nestedSignatures = 0;         // SPC_NESTED_SIGNATURE values (dual signing)

  // The optional header CheckSum as stored, and as computed over the file (PE checksum
  // algorithm). Windows checks it only for drivers and boot files; a mismatch after signing
  // means the file changed after the checksum was set.
  std::uint32_t storedChecksum = 0;
  std::uint32_t computedChecksum = 0;
};

// Locates, parses and checks the Authenticode signature of the PE image `file` described by `pe`
// (from parsePe on the same bytes). Problems with the signature are not errors: they make the
// status kInvalid with a `reason`. Errors: kInternal when OpenSSL cannot allocate.
[[nodiscard]] Result<AuthenticodeInfo> verifyAuthenticode(std::span<const std::byte> file,
                                                          const PeInfo& pe);

// The PE image digest of `file` with digest `algorithm` ("sha256", "sha1", ...), lower-case hex,
// per the rules above. Errors: kUnsupported for an unknown algorithm, kInvalidInput when the
// excluded ranges lie outside the file.
[[nodiscard]] Result<std::string> authenticodeDigest(std::span<const std::byte> file,
                                                     const PeInfo& pe,
                                                     const std::string& algorithm);

}  // namespace tollgate::binfmt
