// Attestations: in-toto Statement v1 in DSSE envelopes, signed and verified with Ed25519 or
// ECDSA P-256 keys through OpenSSL EVP; and in-toto 0.9 link metadata (the "signed" +
// "signatures" metablock that Debian 12's in-toto 1.3 tools read and write), for interoperating
// with those tools.
//
//   auto key = integrity::SigningKey::load("release.key");         // PEM, or in-toto JSON key
//   std::string statement = integrity::makeStatement(subjects, predicateType, predicate);
//   std::string envelope = integrity::signEnvelope(statement, kInTotoPayloadType, *key);
//   auto pub = integrity::VerifyKey::load("release.pub");
//   Result<VerifiedEnvelope> v = integrity::verifyEnvelope(envelopeText, {*pub});
//
// Envelope and metablock text is untrusted: the parsers never throw and return kInvalidInput for
// anything malformed (with what was wrong). Keys are immutable after loading and may be shared
// between threads.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tollgate/util/openssl.h"
#include "tollgate/util/result.h"

namespace tollgate::integrity {

inline constexpr std::string_view kInTotoPayloadType = "application/vnd.in-toto+json";
inline constexpr std::string_view kStatementType = "https://in-toto.io/Statement/v1";
inline constexpr std::string_view kSlsaProvenanceType = "https://slsa.dev/provenance/v1";
inline constexpr std::string_view kCycloneDxType = "https://cyclonedx.org/bom";

using PKey = PkeyPtr;

enum class KeyKind { kEd25519, kEcdsaP256 };

// A private key. PEM (PKCS#8 or traditional, unencrypted) or an in-toto/securesystemslib JSON
// Ed25519 key ({"keytype": "ed25519", "keyval": {"public": hex, "private": hex}}).
// Errors: kIo, kInvalidInput (not a key), kUnsupported (RSA, other curves).
class SigningKey {
 public:
  [[nodiscard]] static Result<SigningKey> load(const std::string& path);
  [[nodiscard]] static Result<SigningKey> fromText(std::string_view text, const std::string& label);
  [[nodiscard]] KeyKind kind() const { return kind_; }
  // The key id written with signatures: for Ed25519 the securesystemslib key id (so in-toto's
  // tools find the key), for ECDSA the SHA-256 of the DER SubjectPublicKeyInfo; lower-case hex.
  [[nodiscard]] const std::string& keyId() const { return keyId_; }
  // Raw signature bytes (Ed25519: 64 bytes; ECDSA: DER, over SHA-256 of `data`).
  [[nodiscard]] Result<std::string> sign(std::string_view data) const;
  // The public half in the securesystemslib JSON form in-toto's tools read (Ed25519 only).
  [[nodiscard]] Result<std::string> publicKeyInToto() const;

 private:
  SigningKey(PKey k, KeyKind kind, std::string id)
      : key_(std::move(k)), kind_(kind), keyId_(std::move(id)) {}
  PKey key_;
  KeyKind kind_;
  std::string keyId_;
};

// A public key: PEM SubjectPublicKeyInfo, a PEM private key (its public half), or an in-toto
// JSON key (Ed25519 hex, or ECDSA with a PEM "public" value).
class VerifyKey {
 public:
  [[nodiscard]] static Result<VerifyKey> load(const std::string& path);
  [[nodiscard]] static Result<VerifyKey> fromText(std::string_view text, const std::string& label);
  [[nodiscard]] KeyKind kind() const { return kind_; }
  [[nodiscard]] const std::string& keyId() const { return keyId_; }
  [[nodiscard]] bool verify(std::string_view data, std::string_view signature) const;

 private:
  VerifyKey(std::shared_ptr<evp_pkey_st> k, KeyKind kind, std::string id)
      : key_(std::move(k)), kind_(kind), keyId_(std::move(id)) {}
  std::shared_ptr<evp_pkey_st> key_;
  KeyKind kind_;
  std::string keyId_;
};

// DSSE pre-authentication encoding: "DSSEv1 <len(type)> <type> <len(body)> <body>".
[[nodiscard]] std::string dssePae(std::string_view payloadType, std::string_view payload);

struct Subject {
  std::string name;    // release-relative path
  std::string sha256;  // lower-case hex
};

// {"_type": Statement/v1, "subject": [...], "predicateType": ..., "predicate": ...} as compact
// JSON (subjects sorted by name).
[[nodiscard]] std::string makeStatement(std::vector<Subject> subjects,
                                        std::string_view predicateType,
                                        const nlohmann::json& predicate);

// {"payloadType", "payload" (base64), "signatures": [{"keyid", "sig" (base64)}]}.
[[nodiscard]] Result<std::string> signEnvelope(std::string_view payload,
                                               std::string_view payloadType, const SigningKey& key);

struct Envelope {
  std::string payloadType;
  std::string payload;  // decoded
  struct Signature {
    std::string keyId;
    std::string sig;  // decoded
  };
  std::vector<Signature> signatures;
};

// Parses a DSSE envelope (JSON). Errors: kInvalidInput naming the field.
[[nodiscard]] Result<Envelope> parseEnvelope(std::string_view text);

struct VerifiedStatement {
  std::string format;         // "dsse" or "in-toto-link"
  std::string payloadType;    // DSSE only
  std::string keyId;          // of the signature that verified
  std::string statementType;  // "_type": Statement/v1, or "link"
  std::string predicateType;
  std::vector<Subject> subjects;  // Statement subjects, or a link's products with SHA-256
  nlohmann::json predicate;
};

// Verifies `text` (a DSSE envelope, or an in-toto link metablock) with any of `keys`, then reads
// the in-toto Statement (or link) inside. Errors: kInvalidInput (malformed, not in-toto), and
// kNotFound with "no signature verifies with the given keys" when the signature check fails.
[[nodiscard]] Result<VerifiedStatement> verifyAttestation(std::string_view text,
                                                          const std::vector<VerifyKey>& keys);

// An in-toto 0.9 link metablock for step `name` whose products are `subjects`, signed over its
// canonical JSON with an Ed25519 key (what `in-toto-sign --verify` and `in-toto-verify` check).
[[nodiscard]] Result<std::string> signInTotoLink(std::string_view name,
                                                 const std::vector<Subject>& subjects,
                                                 const SigningKey& key);

// OLPC canonical JSON as securesystemslib encodes it (sorted keys, no whitespace, only '\' and
// '"' escaped, integers only). Errors: kInvalidInput for floats.
[[nodiscard]] Result<std::string> canonicalJson(const nlohmann::json& value);

[[nodiscard]] std::string base64Encode(std::string_view bytes);
// Standard or URL-safe alphabet, padding optional. Errors: kInvalidInput.
[[nodiscard]] Result<std::string> base64Decode(std::string_view text);

}  // namespace tollgate::integrity
