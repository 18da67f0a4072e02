// libFuzzer target for the attestation readers (integrity/attest.h): DSSE envelopes and in-toto
// link metablocks are untrusted JSON. Besides "no crash": a parsed envelope re-encodes to the same
// payload bytes (base64 round trip), and verifying with a key that signed nothing never succeeds.
//   build-fuzz/fuzz/dsse_fuzz -max_total_time=180 fuzz/corpus/dsse
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tollgate/integrity/attest.h"

namespace {
// A fixed Ed25519 key (RFC 8032 test 1 public key); it signed none of the inputs.
const char* const kPub =
    R"({"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"}})";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace tollgate::integrity;
  if (auto env = parseEnvelope(text)) {
    auto again = base64Decode(base64Encode(env->payload));
    TOLLGATE_CHECK(again && *again == env->payload, "base64 round trip");
  }
  static const auto key = VerifyKey::fromText(kPub, "fuzz");
  TOLLGATE_CHECK(key.has_value(), "the fixed key loads");
  auto v = verifyAttestation(text, {*key});
  TOLLGATE_CHECK(!v.has_value(), "no input verifies with a key that signed nothing");
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_discarded()) (void)canonicalJson(j);
  return 0;
}
