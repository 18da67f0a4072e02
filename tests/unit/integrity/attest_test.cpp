#include "tollgate/integrity/attest.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "tollgate/integrity/config.h"

namespace tollgate::integrity {
namespace {

// RFC 8032 section 7.1, test 1.
constexpr const char* kEdPrivate =
    R"({"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a","private":"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"}})";
constexpr const char* kEdPublic =
    R"({"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"}})";

TEST(Base64, RoundTripAndAlphabets) {
  for (const std::string& s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba",
                                                       "foobar", std::string("\0\xff\xfe", 3)}) {
    auto d = base64Decode(base64Encode(s));
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(*d, s);
  }
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(*base64Decode("-_8"), *base64Decode("+/8="));
  EXPECT_FALSE(base64Decode("a").has_value());
  EXPECT_FALSE(base64Decode("ab$d").has_value());
}

TEST(Dsse, PaeAsSpecified) {
  // The DSSE specification's example.
  EXPECT_EQ(dssePae("http://example.com/HelloWorld", "hello world"),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
}

TEST(CanonicalJson, SecuresystemslibRules) {
  auto j = nlohmann::json::parse(R"({"b":[1,true,null],"a":"q\"\\\n","_":{}})");
  EXPECT_EQ(*canonicalJson(j), "{\"_\":{},\"a\":\"q\\\"\\\\\n\",\"b\":[1,true,null]}");
  EXPECT_FALSE(canonicalJson(nlohmann::json::parse("1.5")).has_value());
}

TEST(Keys, Rfc8032SignatureAndKeyId) {
  auto key = SigningKey::fromText(kEdPrivate, "k");
  ASSERT_TRUE(key.has_value()) << key.error().describe();
  auto sig = key->sign("");
  ASSERT_TRUE(sig.has_value());
  // RFC 8032 test 1 signature of the empty message.
  std::string hex;
  for (unsigned char c : *sig) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", c);
    hex += b;
  }
  EXPECT_EQ(hex,
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
            "39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  auto pub = VerifyKey::fromText(kEdPublic, "p");
  ASSERT_TRUE(pub.has_value());
  EXPECT_TRUE(pub->verify("", *sig));
  EXPECT_FALSE(pub->verify("x", *sig));
  EXPECT_EQ(pub->keyId(), key->keyId());
  EXPECT_EQ(key->keyId().size(), 64u);
}

TEST(Envelope, SignVerifyAndTamper) {
  auto key = SigningKey::fromText(kEdPrivate, "k");
  auto pub = VerifyKey::fromText(kEdPublic, "p");
  ASSERT_TRUE(key && pub);
  std::string st = makeStatement({{"b.txt", std::string(64, 'b')}, {"a.txt", std::string(64, 'a')}},
                                 kSlsaProvenanceType, nlohmann::json::object());
  auto env = signEnvelope(st, kInTotoPayloadType, *key);
  ASSERT_TRUE(env.has_value());
  auto v = verifyAttestation(*env, {*pub});
  ASSERT_TRUE(v.has_value()) << v.error().describe();
  EXPECT_EQ(v->format, "dsse");
  EXPECT_EQ(v->predicateType, kSlsaProvenanceType);
  ASSERT_EQ(v->subjects.size(), 2u);
  EXPECT_EQ(v->subjects[0].name, "a.txt");  // sorted

  auto parsed = nlohmann::json::parse(*env);
  parsed["payloadType"] = "application/other";
  auto bad = verifyAttestation(parsed.dump(), {*pub});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kNotFound);  // the PAE covers the type
}

TEST(Envelope, MalformedIsInvalidInput) {
  for (const char* text :
       {"", "[]", "{}", R"({"payloadType":"t","payload":"@@","signatures":[{"sig":"AA=="}]})",
        R"({"payloadType":"t","payload":"","signatures":[]})",
        R"({"payloadType":"t","payload":"","signatures":[{"keyid":"x"}]})"}) {
    auto e = parseEnvelope(text);
    ASSERT_FALSE(e.has_value()) << text;
    EXPECT_EQ(e.error().code, ErrorCode::kInvalidInput) << text;
  }
}

TEST(Link, SignedLinkVerifies) {
  auto key = SigningKey::fromText(kEdPrivate, "k");
  auto pub = VerifyKey::fromText(kEdPublic, "p");
  auto link = signInTotoLink("build", {{"x", std::string(64, 'c')}}, *key);
  ASSERT_TRUE(link.has_value());
  auto v = verifyAttestation(*link, {*pub});
  ASSERT_TRUE(v.has_value()) << v.error().describe();
  EXPECT_EQ(v->format, "in-toto-link");
  EXPECT_EQ(v->subjects.at(0).sha256, std::string(64, 'c'));
}

TEST(Config, OverlayAndErrors) {
  DiffConfig d = defaultConfig();
  EXPECT_TRUE(d.enabled("authenticode-slack"));
  EXPECT_EQ(d.rule("authenticode-slack").severity, report::Severity::kCritical);
  auto c = parseConfig("rules:\n  authenticode-slack: {enabled: false, severity: low}\n", d, "f");
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->enabled("authenticode-slack"));
  EXPECT_EQ(c->rule("authenticode-slack").severity, report::Severity::kLow);
  EXPECT_EQ(c->markers.size(), d.markers.size());
  for (const char* bad : {"rules: {nope: {enabled: false}}", "rules: [", "entropy: {threshold: 9}",
                          "markers: [{name: x, hex: zz}]", "other: 1",
                          "rules: {authenticode-slack: {severity: huge}}"}) {
    auto e = parseConfig(bad, d, "f.yaml");
    ASSERT_FALSE(e.has_value()) << bad;
    EXPECT_EQ(e.error().code, ErrorCode::kInvalidInput) << bad;
    EXPECT_EQ(e.error().context.substr(0, 6), "f.yaml") << bad;
  }
}

}  // namespace
}  // namespace tollgate::integrity
