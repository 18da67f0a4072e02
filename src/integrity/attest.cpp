#include "tollgate/integrity/attest.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>

#include "tollgate/util/file.h"
#include "tollgate/util/hash.h"
#include "tollgate/util/json.h"
#include "tollgate/util/openssl.h"

namespace tollgate::integrity {

namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxKeyFile = 1 << 20;
constexpr std::size_t kMaxEnvelope = 256u << 20;

std::string hex(std::string_view b) {
  return toHex(std::span(reinterpret_cast<const std::uint8_t*>(b.data()), b.size()));
}

Result<std::string> unhex(std::string_view h, const std::string& what) {
  if (h.size() % 2) return fail(ErrorCode::kInvalidInput, what + ": odd-length hex");
  std::string out;
  out.reserve(h.size() / 2);
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < h.size(); i += 2) {
    int a = val(h[i]), b = val(h[i + 1]);
    if (a < 0 || b < 0) return fail(ErrorCode::kInvalidInput, what + ": not hex");
    out += static_cast<char>(a << 4 | b);
  }
  return out;
}

// What the messages below say when OpenSSL failed without queueing an error.
constexpr std::string_view kNoOpensslError = "unknown OpenSSL error";

Result<KeyKind> kindOf(EVP_PKEY* k, const std::string& label) {
  int id = EVP_PKEY_get_base_id(k);
  if (id == EVP_PKEY_ED25519) return KeyKind::kEd25519;
  if (id == EVP_PKEY_EC) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) ==
            1 &&
        (std::string_view(group) == "prime256v1" || std::string_view(group) == "P-256"))
      return KeyKind::kEcdsaP256;
    return fail(ErrorCode::kUnsupported,
                std::string("EC key on curve ") + group + ": only P-256 is supported", label);
  }
  return fail(ErrorCode::kUnsupported, "only Ed25519 and ECDSA P-256 keys are supported", label);
}

std::string rawPublicHex(EVP_PKEY* k) {
  unsigned char buf[64];
  std::size_t len = sizeof buf;
  if (EVP_PKEY_get_raw_public_key(k, buf, &len) != 1) {
    ERR_clear_error();
    return {};
  }
  return hex(std::string_view(reinterpret_cast<char*>(buf), len));
}

// securesystemslib's key id of an Ed25519 public key (what in-toto's tools look signatures up by).
std::string sslibEd25519KeyId(const std::string& publicHex) {
  std::string meta =
      R"({"keyid_hash_algorithms":["sha256","sha512"],"keytype":"ed25519","keyval":{"public":")" +
      publicHex + R"("},"scheme":"ed25519"})";
  return sha256Hex(meta);
}

std::string spkiKeyId(EVP_PKEY* k) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(k, &der);
  if (n <= 0) {
    ERR_clear_error();
    return {};
  }
  std::string id =
      sha256Hex(std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(n)));
  OPENSSL_free(der);
  return id;
}

std::string keyIdOf(EVP_PKEY* k, KeyKind kind) {
  return kind == KeyKind::kEd25519 ? sslibEd25519KeyId(rawPublicHex(k)) : spkiKeyId(k);
}

bool looksJson(std::string_view t) {
  auto p = t.find_first_not_of(" \t\r\n");
  return p != std::string_view::npos && t[p] == '{';
}

// An in-toto / securesystemslib JSON key: {"keytype", "scheme", "keyval": {"public", "private"?}}.
Result<PKey> keyFromSslibJson(std::string_view text, bool wantPrivate, const std::string& label) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("keyval") || !j["keyval"].is_object() ||
      !j.contains("keytype") || !j["keytype"].is_string())
    return fail(ErrorCode::kInvalidInput, "not a securesystemslib key (keytype, keyval)", label);
  std::string type = j["keytype"];
  const json& kv = j["keyval"];
  const char* field = wantPrivate ? "private" : "public";
  if (!kv.contains(field) || !kv[field].is_string())
    return fail(ErrorCode::kInvalidInput, std::string("key has no keyval.") + field, label);
  std::string value = kv[field];
  if (type == "ed25519") {
    auto raw = unhex(value, label);
    if (!raw) return std::unexpected(raw.error());
    if (raw->size() != 32)
      return fail(ErrorCode::kInvalidInput, "Ed25519 key is not 32 bytes", label);
    const auto* p = reinterpret_cast<const unsigned char*>(raw->data());
    EVP_PKEY* k = wantPrivate ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, p, 32)
                              : EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, p, 32);
    if (!k)
      return fail(ErrorCode::kInvalidInput, "bad Ed25519 key: " + opensslError(kNoOpensslError),
                  label);
    return PKey(k);
  }
  if (type == "ecdsa" || type == "ecdsa-sha2-nistp256") {
    BioPtr bio(BIO_new_mem_buf(value.data(), static_cast<int>(value.size())));
    EVP_PKEY* k = wantPrivate ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                              : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (!k)
      return fail(ErrorCode::kInvalidInput, "bad ECDSA key: " + opensslError(kNoOpensslError),
                  label);
    return PKey(k);
  }
  return fail(ErrorCode::kUnsupported, "key type '" + type + "' is not supported", label);
}

Result<std::string> readKeyFile(const std::string& path) { return readFile(path, kMaxKeyFile); }

void canonicalString(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  out += '"';
}

Status canonicalInto(std::string& out, const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      out += "null";
      return {};
    case json::value_t::boolean:
      out += v.get<bool>() ? "true" : "false";
      return {};
    case json::value_t::number_integer:
      out += std::to_string(v.get<std::int64_t>());
      return {};
    case json::value_t::number_unsigned:
      out += std::to_string(v.get<std::uint64_t>());
      return {};
    case json::value_t::string:
      canonicalString(out, v.get<std::string>());
      return {};
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& x : v) {
        if (!first) out += ',';
        first = false;
        if (auto st = canonicalInto(out, x); !st) return st;
      }
      out += ']';
      return {};
    }
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {  // nlohmann::json keeps keys sorted
        if (!first) out += ',';
        first = false;
        canonicalString(out, it.key());
        out += ':';
        if (auto st = canonicalInto(out, it.value()); !st) return st;
      }
      out += '}';
      return {};
    }
    default:
      return fail(ErrorCode::kInvalidInput, "canonical JSON has no floats or binary values");
  }
}

Result<std::vector<Subject>> readSubjects(const json& arr, const char* where) {
  std::vector<Subject> out;
  if (!arr.is_array()) return fail(ErrorCode::kInvalidInput, std::string(where) + ": not an array");
  for (const auto& s : arr) {
    if (!s.is_object() || !s.contains("name") || !s["name"].is_string() || !s.contains("digest") ||
        !s["digest"].is_object())
      return fail(ErrorCode::kInvalidInput, std::string(where) + ": entry without name and digest");
    Subject sub;
    sub.name = s["name"];
    if (s["digest"].contains("sha256") && s["digest"]["sha256"].is_string())
      sub.sha256 = s["digest"]["sha256"];
    out.push_back(std::move(sub));
  }
  return out;
}

}  // namespace

// --- Keys ---------------------------------------------------------------------------------------

Result<SigningKey> SigningKey::load(const std::string& path) {
  auto text = readKeyFile(path);
  if (!text) return std::unexpected(text.error());
  return fromText(*text, path);
}

Result<SigningKey> SigningKey::fromText(std::string_view text, const std::string& label) {
  PKey key;
  if (looksJson(text)) {
    auto k = keyFromSslibJson(text, true, label);
    if (!k) return std::unexpected(k.error());
    key = std::move(*k);
  } else {
    BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (!k)
      return fail(ErrorCode::kInvalidInput,
                  "not an unencrypted PEM private key (" + opensslError(kNoOpensslError) + ")",
                  label);
    key.reset(k);
  }
  auto kind = kindOf(key.get(), label);
  if (!kind) return std::unexpected(kind.error());
  std::string id = keyIdOf(key.get(), *kind);
  return SigningKey(std::move(key), *kind, std::move(id));
}

Result<std::string> SigningKey::sign(std::string_view data) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return fail(ErrorCode::kInternal, "EVP_MD_CTX_new failed");
  const EVP_MD* md = kind_ == KeyKind::kEd25519 ? nullptr : EVP_sha256();
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key_.get()) != 1)
    return fail(ErrorCode::kInternal, "EVP_DigestSignInit: " + opensslError(kNoOpensslError));
  std::size_t len = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, p, data.size()) != 1)
    return fail(ErrorCode::kInternal, "EVP_DigestSign: " + opensslError(kNoOpensslError));
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, p,
                     data.size()) != 1)
    return fail(ErrorCode::kInternal, "EVP_DigestSign: " + opensslError(kNoOpensslError));
  sig.resize(len);
  return sig;
}

Result<std::string> SigningKey::publicKeyInToto() const {
  if (kind_ != KeyKind::kEd25519)
    return fail(ErrorCode::kUnsupported, "in-toto JSON public keys are written for Ed25519 only");
  json j = {{"keytype", "ed25519"},
            {"scheme", "ed25519"},
            {"keyid_hash_algorithms", {"sha256", "sha512"}},
            {"keyval", {{"public", rawPublicHex(key_.get())}}}};
  return j.dump();
}

Result<VerifyKey> VerifyKey::load(const std::string& path) {
  auto text = readKeyFile(path);
  if (!text) return std::unexpected(text.error());
  return fromText(*text, path);
}

Result<VerifyKey> VerifyKey::fromText(std::string_view text, const std::string& label) {
  PKey key;
  if (looksJson(text)) {
    auto k = keyFromSslibJson(text, false, label);
    if (!k) return std::unexpected(k.error());
    key = std::move(*k);
  } else {
    BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    EVP_PKEY* k = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
    if (!k) {
      ERR_clear_error();
      BioPtr bio2(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
      k = PEM_read_bio_PrivateKey(bio2.get(), nullptr, nullptr, nullptr);
    }
    if (!k)
      return fail(ErrorCode::kInvalidInput,
                  "not a PEM public key (" + opensslError(kNoOpensslError) + ")", label);
    key.reset(k);
  }
  auto kind = kindOf(key.get(), label);
  if (!kind) return std::unexpected(kind.error());
  std::string id = keyIdOf(key.get(), *kind);
  return VerifyKey(std::shared_ptr<evp_pkey_st>(key.release(), OpensslFree{}), *kind,
                   std::move(id));
}

bool VerifyKey::verify(std::string_view data, std::string_view signature) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  const EVP_MD* md = kind_ == KeyKind::kEd25519 ? nullptr : EVP_sha256();
  bool ok = EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key_.get()) == 1 &&
            EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                             data.size()) == 1;
  ERR_clear_error();
  return ok;
}

// --- Encodings ----------------------------------------------------------------------------------

std::string base64Encode(std::string_view b) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((b.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < b.size(); i += 3) {
    std::uint32_t v = static_cast<unsigned char>(b[i]) << 16 |
                      static_cast<unsigned char>(b[i + 1]) << 8 |
                      static_cast<unsigned char>(b[i + 2]);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  if (i < b.size()) {
    std::uint32_t v = static_cast<unsigned char>(b[i]) << 16;
    if (i + 1 < b.size()) v |= static_cast<unsigned char>(b[i + 1]) << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += i + 1 < b.size() ? kAlphabet[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

Result<std::string> base64Decode(std::string_view t) {
  while (!t.empty() && t.back() == '=') t.remove_suffix(1);
  std::string out;
  out.reserve(t.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : t) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else
      return fail(ErrorCode::kInvalidInput, "invalid base64");
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (bits >= 6) return fail(ErrorCode::kInvalidInput, "invalid base64 length");
  return out;
}

Result<std::string> canonicalJson(const json& value) {
  std::string out;
  if (auto st = canonicalInto(out, value); !st) return std::unexpected(st.error());
  return out;
}

std::string dssePae(std::string_view type, std::string_view payload) {
  std::string out = "DSSEv1 ";
  out += std::to_string(type.size());
  out += ' ';
  out += type;
  out += ' ';
  out += std::to_string(payload.size());
  out += ' ';
  out += payload;
  return out;
}

// --- Statements and envelopes -------------------------------------------------------------------

std::string makeStatement(std::vector<Subject> subjects, std::string_view predicateType,
                          const json& predicate) {
  std::sort(subjects.begin(), subjects.end(),
            [](const Subject& a, const Subject& b) { return a.name < b.name; });
  nlohmann::ordered_json st;
  st["_type"] = kStatementType;
  st["subject"] = nlohmann::ordered_json::array();
  for (const auto& s : subjects)
    st["subject"].push_back({{"name", s.name}, {"digest", {{"sha256", s.sha256}}}});
  st["predicateType"] = predicateType;
  st["predicate"] = predicate;
  return jsonText(st);
}

Result<std::string> signEnvelope(std::string_view payload, std::string_view payloadType,
                                 const SigningKey& key) {
  auto sig = key.sign(dssePae(payloadType, payload));
  if (!sig) return std::unexpected(sig.error());
  nlohmann::ordered_json env;
  env["payloadType"] = payloadType;
  env["payload"] = base64Encode(payload);
  env["signatures"] = nlohmann::ordered_json::array();
  env["signatures"].push_back({{"keyid", key.keyId()}, {"sig", base64Encode(*sig)}});
  return env.dump(2) + "\n";
}

Result<Envelope> parseEnvelope(std::string_view text) {
  if (text.size() > kMaxEnvelope) return fail(ErrorCode::kLimit, "envelope larger than 256 MiB");
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::kInvalidInput, "not JSON");
  if (!j.is_object()) return fail(ErrorCode::kInvalidInput, "envelope is not a JSON object");
  if (!j.contains("payloadType") || !j["payloadType"].is_string())
    return fail(ErrorCode::kInvalidInput, "envelope has no payloadType string");
  if (!j.contains("payload") || !j["payload"].is_string())
    return fail(ErrorCode::kInvalidInput, "envelope has no payload string");
  if (!j.contains("signatures") || !j["signatures"].is_array())
    return fail(ErrorCode::kInvalidInput, "envelope has no signatures array");
  Envelope e;
  e.payloadType = j["payloadType"];
  auto payload = base64Decode(j["payload"].get<std::string>());
  if (!payload) return fail(ErrorCode::kInvalidInput, "payload: " + payload.error().message);
  e.payload = std::move(*payload);
  for (const auto& s : j["signatures"]) {
    if (!s.is_object() || !s.contains("sig") || !s["sig"].is_string())
      return fail(ErrorCode::kInvalidInput, "signature without a sig string");
    Envelope::Signature sig;
    if (s.contains("keyid") && s["keyid"].is_string()) sig.keyId = s["keyid"];
    auto raw = base64Decode(s["sig"].get<std::string>());
    if (!raw) return fail(ErrorCode::kInvalidInput, "signature: " + raw.error().message);
    sig.sig = std::move(*raw);
    e.signatures.push_back(std::move(sig));
  }
  if (e.signatures.empty()) return fail(ErrorCode::kInvalidInput, "envelope has no signatures");
  return e;
}

namespace {

Result<VerifiedStatement> verifyLink(const json& j, const std::vector<VerifyKey>& keys) {
  const json& signedPart = j["signed"];
  if (!signedPart.is_object() || !j["signatures"].is_array())
    return fail(ErrorCode::kInvalidInput, "metablock needs a signed object and a signatures array");
  auto canon = canonicalJson(signedPart);
  if (!canon) return std::unexpected(canon.error());
  VerifiedStatement v;
  v.format = "in-toto-link";
  for (const auto& s : j["signatures"]) {
    if (!s.is_object() || !s.contains("sig") || !s["sig"].is_string()) continue;
    auto raw = unhex(s["sig"].get<std::string>(), "signature");
    if (!raw) continue;
    for (const auto& k : keys)
      if (k.verify(*canon, *raw)) {
        v.keyId = k.keyId();
        break;
      }
    if (!v.keyId.empty()) break;
  }
  if (v.keyId.empty())
    return fail(ErrorCode::kNotFound, "no signature verifies with the given keys");
  v.statementType = signedPart.value("_type", std::string());
  if (signedPart.contains("products") && signedPart["products"].is_object())
    for (auto it = signedPart["products"].begin(); it != signedPart["products"].end(); ++it) {
      Subject s;
      s.name = it.key();
      if (it.value().is_object() && it.value().contains("sha256") &&
          it.value()["sha256"].is_string())
        s.sha256 = it.value()["sha256"];
      v.subjects.push_back(std::move(s));
    }
  v.predicate = signedPart;
  return v;
}

}  // namespace

Result<VerifiedStatement> verifyAttestation(std::string_view text,
                                            const std::vector<VerifyKey>& keys) {
  if (text.size() > kMaxEnvelope) return fail(ErrorCode::kLimit, "attestation larger than 256 MiB");
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return fail(ErrorCode::kInvalidInput, "not a JSON object");
  if (j.contains("signed") && j.contains("signatures")) return verifyLink(j, keys);

  auto env = parseEnvelope(text);
  if (!env) return std::unexpected(env.error());
  VerifiedStatement v;
  v.format = "dsse";
  v.payloadType = env->payloadType;
  std::string pae = dssePae(env->payloadType, env->payload);
  for (const auto& s : env->signatures) {
    for (const auto& k : keys)
      if (k.verify(pae, s.sig)) {
        v.keyId = k.keyId();
        break;
      }
    if (!v.keyId.empty()) break;
  }
  if (v.keyId.empty())
    return fail(ErrorCode::kNotFound, "no signature verifies with the given keys");
  if (env->payloadType != kInTotoPayloadType)
    return fail(ErrorCode::kInvalidInput,
                "payloadType is '" + env->payloadType + "', not an in-toto statement");
  json st = json::parse(env->payload, nullptr, false);
  if (st.is_discarded() || !st.is_object())
    return fail(ErrorCode::kInvalidInput, "payload is not a JSON object");
  v.statementType = st.value("_type", std::string());
  if (v.statementType == "link") {
    // in-toto 1.x links carried in DSSE (in-toto-run --use-dsse in later versions).
    if (st.contains("products") && st["products"].is_object())
      for (auto it = st["products"].begin(); it != st["products"].end(); ++it) {
        Subject s;
        s.name = it.key();
        if (it.value().is_object() && it.value().contains("sha256") &&
            it.value()["sha256"].is_string())
          s.sha256 = it.value()["sha256"];
        v.subjects.push_back(std::move(s));
      }
    v.predicate = st;
    return v;
  }
  if (!v.statementType.starts_with("https://in-toto.io/Statement/"))
    return fail(ErrorCode::kInvalidInput,
                "payload _type is '" + v.statementType + "', not an in-toto Statement");
  if (!st.contains("subject")) return fail(ErrorCode::kInvalidInput, "statement has no subject");
  auto subs = readSubjects(st["subject"], "subject");
  if (!subs) return std::unexpected(subs.error());
  v.subjects = std::move(*subs);
  v.predicateType = st.value("predicateType", std::string());
  if (st.contains("predicate")) v.predicate = st["predicate"];
  return v;
}

Result<std::string> signInTotoLink(std::string_view name, const std::vector<Subject>& subjects,
                                   const SigningKey& key) {
  if (key.kind() != KeyKind::kEd25519)
    return fail(ErrorCode::kUnsupported, "in-toto links are signed with Ed25519 keys here");
  json products = json::object();
  for (const auto& s : subjects) products[s.name] = {{"sha256", s.sha256}};
  json signedPart = {{"_type", "link"},
                     {"name", std::string(name)},
                     {"materials", json::object()},
                     {"products", products},
                     {"byproducts", json::object()},
                     {"command", json::array()},
                     {"environment", json::object()}};
  auto canon = canonicalJson(signedPart);
  if (!canon) return std::unexpected(canon.error());
  auto sig = key.sign(*canon);
  if (!sig) return std::unexpected(sig.error());
  json doc = {{"signed", signedPart},
              {"signatures", json::array({{{"keyid", key.keyId()}, {"sig", hex(*sig)}}})}};
  return doc.dump(1) + "\n";
}

}  // namespace tollgate::integrity
