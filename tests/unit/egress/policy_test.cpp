#include "tollgate/egress/policy.h"

#include <gtest/gtest.h>

namespace tollgate::egress {
namespace {

constexpr std::string_view kPolicy = R"(tls_default: passthrough
max_hold_bytes: 64KiB
vendors:
  - name: Acme Analytics
    domains: [acme.example, "*.acme.example"]
    allowed: [email, ipv4]
    owner: dpo@corp.example
    reviewed: 2026-03-01
    volume_threshold: 10MB
    volume_window: 1h
    tls: inspect
  - name: Acme EU
    domains: ["eu.acme.example"]
    allowed: [personal]
  - name: Pinned
    domains: [pinned.example]
    tls: passthrough
rules:
  - action: block
    vendor: unlisted
    classes: [secret]
    reason: no secrets to unknown destinations
  - action: redact
    vendor: Acme Analytics
    classes: [unapproved]
  - action: block
    domains: ["*.paste.example"]
    reason: paste sites
  - action: alert
    apps: [/usr/bin/wget]
)";

std::set<std::string> known() {
  return {"email", "ipv4", "phone", "credit_card", "github_token", "personal", "secret", "host"};
}

TEST(Policy, ParsesVendorsAndRules) {
  auto p = Policy::parse(kPolicy, "vendors.yaml", known());
  ASSERT_TRUE(p) << p.error().describe();
  const auto& v = (*p)->vendors();
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].name, "Acme Analytics");
  EXPECT_EQ(v[0].owner, "dpo@corp.example");
  EXPECT_EQ(v[0].reviewed, "2026-03-01");
  EXPECT_EQ(v[0].volumeThreshold, 10'000'000u);
  EXPECT_EQ(v[0].volumeWindow, std::chrono::hours(1));
  EXPECT_EQ(v[0].line, 4);
  EXPECT_EQ((*p)->rules().size(), 4u);
  EXPECT_EQ((*p)->maxHoldBytes(), 65536u);
}

TEST(Policy, VendorLookupPrefersExactThenLongestWildcard) {
  auto p = Policy::parse(kPolicy, "vendors.yaml", known()).value();
  EXPECT_EQ(p->vendorFor("acme.example")->name, "Acme Analytics");
  EXPECT_EQ(p->vendorFor("API.Acme.Example")->name, "Acme Analytics");
  EXPECT_EQ(p->vendorFor("eu.acme.example")->name, "Acme EU");
  EXPECT_EQ(p->vendorFor("x.eu.acme.example")->name, "Acme Analytics");
  EXPECT_EQ(p->vendorFor("notacme.example"), nullptr);
  EXPECT_EQ(p->vendorFor("pinned.example.evil"), nullptr);
}

TEST(Policy, TlsModeDefaultsToPassthrough) {
  auto p = Policy::parse(kPolicy, "vendors.yaml", known()).value();
  EXPECT_EQ(p->tlsMode("api.acme.example"), TlsMode::kInspect);
  EXPECT_EQ(p->tlsMode("pinned.example"), TlsMode::kPassthrough);
  EXPECT_EQ(p->tlsMode("unknown.example"), TlsMode::kPassthrough);
  auto q = Policy::parse("tls_default: inspect\n", "x.yaml").value();
  EXPECT_EQ(q->tlsMode("unknown.example"), TlsMode::kInspect);
}

TEST(Policy, DecisionsFirstMatchWins) {
  auto p = Policy::parse(kPolicy, "vendors.yaml", known()).value();
  std::vector<std::string_view> curl{"/usr/bin/curl", "curl"};
  auto d =
      p->decide({.host = "unknown.example", .classes = {{"github_token", "secret"}}, .app = curl});
  EXPECT_EQ(d.action, Action::kBlock);
  EXPECT_EQ(d.reason(), "no secrets to unknown destinations");
  d = p->decide({.host = "unknown.example", .classes = {{"email", "personal"}}, .app = curl});
  EXPECT_EQ(d.action, Action::kAllow);
  d = p->decide({.host = "api.acme.example",
                 .classes = {{"email", "personal"}, {"phone", "personal"}},
                 .app = curl});
  EXPECT_EQ(d.action, Action::kRedact);
  EXPECT_EQ(d.redact, std::set<std::string>{"phone"});
  ASSERT_NE(d.vendor, nullptr);
  EXPECT_EQ(d.vendor->name, "Acme Analytics");
  d = p->decide({.host = "api.acme.example", .classes = {{"email", "personal"}}, .app = curl});
  EXPECT_EQ(d.action, Action::kAllow);
  d = p->decide({.host = "x.paste.example", .classes = {}, .app = curl});
  EXPECT_EQ(d.action, Action::kBlock);
  std::vector<std::string_view> wget{"/usr/bin/wget", "wget"};
  d = p->decide({.host = "somewhere.example", .classes = {}, .app = wget});
  EXPECT_EQ(d.action, Action::kAlert);
}

TEST(Policy, NeedsBodyOnlyWhereAClassRuleCanBlockOrRedact) {
  auto p = Policy::parse(kPolicy, "vendors.yaml", known()).value();
  std::vector<std::string_view> curl{"/usr/bin/curl"};
  EXPECT_TRUE(p->needsBody("unknown.example", curl));
  EXPECT_TRUE(p->needsBody("api.acme.example", curl));
  EXPECT_FALSE(p->needsBody("eu.acme.example", curl));
}

TEST(Policy, UnapprovedClasses) {
  auto p = Policy::parse(kPolicy, "vendors.yaml", known()).value();
  std::vector<FoundClass> found{{"email", "personal"}, {"credit_card", "personal"}};
  auto u = p->unapproved(p->vendorFor("acme.example"), found);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].detector, "credit_card");
  EXPECT_TRUE(p->unapproved(p->vendorFor("eu.acme.example"), found).empty());
  EXPECT_EQ(p->unapproved(nullptr, found).size(), 2u);
}

struct BadCase {
  std::string yaml;
  std::string error;  // expected in describe()
};

class PolicyErrors : public testing::TestWithParam<BadCase> {};

TEST_P(PolicyErrors, OneLineNamingFileAndLine) {
  auto p = Policy::parse(GetParam().yaml, "bad.yaml", known());
  ASSERT_FALSE(p);
  std::string d = p.error().describe();
  EXPECT_NE(d.find(GetParam().error), std::string::npos) << d;
  EXPECT_EQ(d.find('\n'), std::string::npos) << d;
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidInput);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PolicyErrors,
    testing::Values(
        BadCase{"vendors:\n  - name: A\n    domains: [a.example]\n    colour: red\n",
                "bad.yaml:4: unknown field 'colour'"},
        BadCase{"rules:\n  - action: deny\n", "bad.yaml:2: unknown action 'deny'"},
        BadCase{"vendors:\n  - name: A\n    domains: [a.example]\n    allowed: [emial]\n",
                "bad.yaml:4: unknown data class 'emial'"},
        BadCase{"vendors:\n  - name: A\n    domains: [a.example]\n    reviewed: last year\n",
                "bad.yaml:4: 'reviewed' must be a date"},
        BadCase{"vendors:\n  - name: A\n    domains: ['bad domain']\n", "bad.yaml:3: not a domain"},
        BadCase{"vendors:\n  - name: A\n    domains: [a.example]\n  - name: B\n    domains: "
                "[a.example]\n",
                "bad.yaml:5: domain 'a.example' already belongs to vendor 'A'"},
        BadCase{"rules:\n  - action: block\n    vendor: Nobody\n",
                "bad.yaml:3: rule names vendor 'Nobody'"},
        BadCase{"vendors: [\n", "bad.yaml:"},
        BadCase{"- just a list\n", "bad.yaml:1: expected a mapping"},
        BadCase{"vendors:\n  - name: A\n    domains: [a.example]\n    volume_threshold: lots\n",
                "bad.yaml:4: expected a size"},
        BadCase{"vendors:\n  - name: A\n    domains: [a.example]\n    tls: maybe\n",
                "bad.yaml:4: tls must be inspect or passthrough"},
        BadCase{"vendors:\n  - domains: [a.example]\n", "bad.yaml:2: vendor without a 'name'"}));

TEST(Policy, ByteSizes) {
  EXPECT_EQ(parseByteSize("512").value(), 512u);
  EXPECT_EQ(parseByteSize("10MB").value(), 10'000'000u);
  EXPECT_EQ(parseByteSize("1.5 KiB").value(), 1536u);
  EXPECT_FALSE(parseByteSize("-3"));
  EXPECT_FALSE(parseByteSize("3 parsecs"));
}

}  // namespace
}  // namespace tollgate::egress
