// Hand-written cases for the purls tollgate itself builds, for the parse modes, and for malformed
// input (which must come back as an error value, never a crash). The purl-spec suite is in
// purl_spec_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "tollgate/purl/purl.h"

namespace tollgate::purl {
namespace {

using namespace std::string_literals;

// parse(text) succeeds, is canonical (toString() gives `text` back), and equals `expected`.
void expectCanonical(std::string_view text, const PackageUrl& expected) {
  SCOPED_TRACE(std::string(text));
  const auto parsed = parse(text);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
  EXPECT_EQ(*parsed, expected);
  EXPECT_EQ(parsed->toString(), text);
  const auto strict = parse(text, ParseMode::kStrict);
  ASSERT_TRUE(strict.has_value()) << strict.error().describe();
  EXPECT_EQ(*strict, expected);
}

TEST(purl, DebianPackageAsTheDpkgCatalogerBuildsIt) {
  const PackageUrl want{.type = "deb",
                        .ns = "debian",
                        .name = "libc6",
                        .version = "2.36-9+deb12u4",
                        .qualifiers = {{"arch", "amd64"}, {"distro", "debian-12"}},
                        .subpath = ""};
  const auto built = build({.type = "deb",
                            .ns = "debian",
                            .name = "libc6",
                            .version = "2.36-9+deb12u4",
                            .qualifiers = {{"distro", "debian-12"}, {"arch", "amd64"}},
                            .subpath = ""});
  ASSERT_TRUE(built.has_value()) << built.error().describe();
  EXPECT_EQ(*built, want);
  EXPECT_EQ(built->toString(), "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12");
  expectCanonical("pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12", want);
  // An unencoded '+' and an epoch ':' are accepted; ':' stays literal in the canonical form.
  const auto loose = parse("pkg:deb/debian/libc6@1:2.36-9+deb12u4?distro=debian-12&arch=amd64");
  ASSERT_TRUE(loose.has_value()) << loose.error().describe();
  EXPECT_EQ(loose->version, "1:2.36-9+deb12u4");
  EXPECT_EQ(loose->toString(),
            "pkg:deb/debian/libc6@1:2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12");
}

TEST(purl, ScopedNpmPackage) {
  const PackageUrl want{.type = "npm", .ns = "@babel", .name = "core", .version = "7.22.0"};
  const auto built = build({.type = "npm", .ns = "@babel", .name = "core", .version = "7.22.0"});
  ASSERT_TRUE(built.has_value()) << built.error().describe();
  EXPECT_EQ(*built, want);
  EXPECT_EQ(built->toString(), "pkg:npm/%40babel/core@7.22.0");
  expectCanonical("pkg:npm/%40babel/core@7.22.0", want);
  // The unencoded scope is not mistaken for a version separator.
  const auto raw = parse("pkg:npm/@babel/core@7.22.0");
  ASSERT_TRUE(raw.has_value()) << raw.error().describe();
  EXPECT_EQ(*raw, want);
  // npm names are case-insensitive: canonical is lower-case.
  const auto upper = build({.type = "NPM", .ns = "@Babel", .name = "Core", .version = "7.22.0"});
  ASSERT_TRUE(upper.has_value()) << upper.error().describe();
  EXPECT_EQ(*upper, want);
}

TEST(purl, PypiNameIsNormalised) {
  const PackageUrl want{.type = "pypi", .name = "typing-extensions", .version = "4.7.1"};
  expectCanonical("pkg:pypi/typing-extensions@4.7.1", want);
  for (const char* name : {"typing_extensions", "Typing.Extensions", "typing__-_extensions"}) {
    const auto built = build({.type = "pypi", .name = name, .version = "4.7.1"});
    ASSERT_TRUE(built.has_value()) << name << ": " << built.error().describe();
    EXPECT_EQ(*built, want) << name;
    EXPECT_EQ(built->toString(), "pkg:pypi/typing-extensions@4.7.1");
  }
  EXPECT_FALSE(parse("pkg:pypi/some-ns/typing-extensions@4.7.1").has_value())
      << "pypi has no namespace";
}

TEST(purl, ModesDifferOnlyOnNonConformingInput) {
  constexpr std::string_view kMixedKey = "pkg:gem/jruby-launcher@1.1.2?Platform=java";
  const auto normalised = parse(kMixedKey);
  ASSERT_TRUE(normalised.has_value()) << normalised.error().describe();
  EXPECT_EQ(normalised->toString(), "pkg:gem/jruby-launcher@1.1.2?platform=java");
  const auto strict = parse(kMixedKey, ParseMode::kStrict);
  ASSERT_FALSE(strict.has_value());
  EXPECT_EQ(strict.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(strict.error().message.find("lower-case"), std::string::npos);

  EXPECT_TRUE(parse("PKG:npm/left-pad").has_value());
  EXPECT_FALSE(parse("PKG:npm/left-pad", ParseMode::kStrict).has_value());
  // Non-canonical but conforming input is accepted by both modes.
  for (const ParseMode mode : {ParseMode::kNormalize, ParseMode::kStrict}) {
    const auto p = parse("pkg://NPM/left-pad?b=2&a=1#/x/./y/../", mode);
    ASSERT_TRUE(p.has_value()) << p.error().describe();
    EXPECT_EQ(p->toString(), "pkg:npm/left-pad?a=1&b=2#x/y");
  }
}

TEST(purl, CanonicalFormDetails) {
  // Empty qualifier values are dropped, keys sorted, separators inside values encoded.
  auto p = parse("pkg:generic/tool?z=&download_url=https://example.org/a%3Fb%3Dc&checksum=sha1:ab");
  ASSERT_TRUE(p.has_value()) << p.error().describe();
  EXPECT_EQ(p->qualifiers.size(), 2u);
  EXPECT_EQ(p->qualifiers.at("download_url"), "https://example.org/a?b=c");
  EXPECT_EQ(p->toString(),
            "pkg:generic/tool?checksum=sha1:ab&download_url=https:%2F%2Fexample.org%2Fa%3Fb%3Dc");
  // Non-ASCII is encoded as UTF-8 octets, upper-case hex; decoding accepts lower-case hex.
  p = parse("pkg:generic/caf%c3%a9@1%202");
  ASSERT_TRUE(p.has_value()) << p.error().describe();
  EXPECT_EQ(p->name, "caf\xc3\xa9");
  EXPECT_EQ(p->version, "1 2");
  EXPECT_EQ(p->toString(), "pkg:generic/caf%C3%A9@1%202");
  // Encoded '/' in a name survives the round trip; subpath '.' and '..' never appear.
  p = parse("pkg:generic/a%2Fb#%2E/c/%2E%2E");
  ASSERT_TRUE(p.has_value()) << p.error().describe();
  EXPECT_EQ(p->name, "a/b");
  EXPECT_EQ(p->subpath, "c");
  EXPECT_EQ(p->toString(), "pkg:generic/a%2Fb#c");
}

TEST(purl, VersionIsAfterTheRightmostAtThatIsNotAScope) {
  auto p = parse("pkg:generic/foo@1.0/2");  // the spec's right-to-left split: '/' in a version
  ASSERT_TRUE(p.has_value()) << p.error().describe();
  EXPECT_EQ(p->name, "foo");
  EXPECT_EQ(p->version, "1.0/2");
  EXPECT_EQ(p->toString(), "pkg:generic/foo@1.0%2F2");
  p = parse("pkg:npm/@angular/core");  // an unencoded scope opens a namespace segment
  ASSERT_TRUE(p.has_value()) << p.error().describe();
  EXPECT_EQ(p->ns, "@angular");
  EXPECT_EQ(p->version, "");
  p = parse("pkg:brew/postgresql@14@14.10");
  ASSERT_TRUE(p.has_value()) << p.error().describe();
  EXPECT_EQ(p->name, "postgresql@14");
  EXPECT_EQ(p->version, "14.10");
  EXPECT_FALSE(parse("pkg:generic/ns/@1.0").has_value()) << "'@' right after '/': no name";
  p = parse("pkg:generic/ns/name/");  // without a version, trailing slashes are not significant
  ASSERT_TRUE(p.has_value()) << p.error().describe();
  EXPECT_EQ(p->name, "name");
}

TEST(purl, TypeRules) {
  auto p = parse("pkg:git/GitHub.com/Package-URL/purl-spec@abc");
  ASSERT_TRUE(p.has_value()) << p.error().describe();
  EXPECT_EQ(p->ns, "github.com");
  EXPECT_EQ(p->name, "package-url/purl-spec");
  EXPECT_EQ(p->toString(), "pkg:git/github.com/package-url/purl-spec@abc");
  const auto git = build({.type = "git", .ns = "github.com/package-url", .name = "purl-spec"});
  ASSERT_TRUE(git.has_value()) << git.error().describe();
  EXPECT_EQ(git->ns, "github.com");
  EXPECT_EQ(git->name, "package-url/purl-spec");

  p = parse(
      "pkg:mlflow/CreditFraud@3?repository_url=https://x.cloud.databricks.com/api/2.0/mlflow");
  ASSERT_TRUE(p.has_value()) << p.error().describe();
  EXPECT_EQ(p->name, "creditfraud");
  p = parse("pkg:mlflow/CreditFraud@3?repository_url=https://databricks.com.evil.example/x");
  ASSERT_TRUE(p.has_value()) << p.error().describe();
  EXPECT_EQ(p->name, "CreditFraud");

  EXPECT_TRUE(parse("pkg:julia/Dates?uuid=ade2ca70-3891-5945-98fb-dc099432e06a").has_value());
  EXPECT_FALSE(parse("pkg:julia/Dates?uuid=").has_value()) << "empty uuid is no uuid";
  EXPECT_FALSE(parse("pkg:swid/Fedora@29").has_value()) << "tag_id is required";
  EXPECT_FALSE(parse("pkg:cpan/LWP::UserAgent").has_value());
  EXPECT_FALSE(parse("pkg:chrome-extension/dlpngalgnefjeiefhmpklpfiohadpglk@1.").has_value());
  EXPECT_FALSE(parse("pkg:chrome-extension/dlpngalgnefjeiefhmpklpfiohadpglk@.1").has_value());
  EXPECT_TRUE(parse("pkg:chrome-extension/DLPNGALGNEFJEIEFHMPKLPFIOHADPGLK@1.2.3.4").has_value());
  EXPECT_FALSE(parse("pkg:swift/Alamofire@5.4.3").has_value()) << "swift needs a namespace";
  p = parse("pkg:golang/stdlib@1.21.0");  // the Go standard library, as SBOM tools write it
  ASSERT_TRUE(p.has_value()) << p.error().describe();
  p = parse("pkg:golang/github.com/BurntSushi/toml@v1.3.2");
  ASSERT_TRUE(p.has_value()) << p.error().describe();
  EXPECT_EQ(p->toString(), "pkg:golang/github.com/burntsushi/toml@v1.3.2");
  EXPECT_FALSE(parse("pkg:vcpkg/boost/asio").has_value());
  EXPECT_FALSE(parse("pkg:maven/commons-io@2.11.0").has_value()) << "maven needs a groupId";
  // Unregistered types get only the generic rules.
  p = parse("pkg:my-type.v2/Some/Thing@1");
  ASSERT_TRUE(p.has_value()) << p.error().describe();
  EXPECT_EQ(p->toString(), "pkg:my-type.v2/Some/Thing@1");
}

TEST(purl, MalformedInputIsAnErrorNotACrash) {
  const std::vector<std::string> bad = {
      "",
      "pkg",
      "pkg:",
      "pkg:/",
      "pkg:///",
      "pkg:npm",
      "pkg:npm/",
      "pkg:npm//",
      "pkg:npm/@1.0",
      "npm/left-pad",
      "http://npm/left-pad",
      "pkg%3Anpm/left-pad",
      "pkg:1npm/left-pad",
      "pkg:n_pm/left-pad",
      "pkg:n%70m/left-pad",
      "pkg:npm/left-pad%",
      "pkg:npm/left-pad%2",
      "pkg:npm/left-pad%zz",
      "pkg:npm/left-pad@1%g0",
      "pkg:npm/left-pad%ff",
      "pkg:npm/left-pad%C0%AF",
      "pkg:npm/left-pad?",  // an empty qualifier list is fine ...
      "pkg:npm/left-pad?a",
      "pkg:npm/left-pad?=1",
      "pkg:npm/left-pad?1a=1",
      "pkg:npm/left-pad?a%20b=1",
      "pkg:npm/left-pad?a=1&a=2",
      "pkg:npm/left-pad?a=1&A=2",
      "pkg:npm/left-pad?a=%ff",
      "pkg:npm/a%2Fb/left-pad",
      "pkg:npm/left-pad#a%2Fb",
      "pkg:npm/left-pad#%zz",
      "pkg:npm/%2F",
      "pkg:npm/left-pad\0"s,
      "pkg:npm/left\tpad",
      "pkg:npm/left-pad?a=\x7f",
      "pkg:npm/left-pad%00",  // NUL is data when encoded, so this one parses
      "\xff\xfe",
      std::string(kMaxPurlLength + 1, 'a'),
  };
  for (const std::string& input : bad) {
    const auto r = parse(input);
    if (input == "pkg:npm/left-pad?" || input == "pkg:npm/left-pad%00") {
      ASSERT_TRUE(r.has_value()) << r.error().describe();
      EXPECT_TRUE(parse(r->toString()).has_value());
      continue;
    }
    ASSERT_FALSE(r.has_value()) << "accepted \"" << input << "\" as " << r->toString();
    EXPECT_EQ(r.error().code,
              input.size() > kMaxPurlLength ? ErrorCode::kLimit : ErrorCode::kInvalidInput)
        << r.error().describe();
    EXPECT_FALSE(r.error().message.empty());
    EXPECT_EQ(r.error().context.find('\n'), std::string::npos);
  }
}

TEST(purl, BuildRejectsBadComponents) {
  EXPECT_FALSE(build({.type = "", .name = "x"}).has_value());
  EXPECT_FALSE(build({.type = "3d", .name = "x"}).has_value());
  EXPECT_FALSE(build({.type = "n pm", .name = "x"}).has_value());
  EXPECT_FALSE(build({.type = "npm", .name = ""}).has_value());
  EXPECT_FALSE(build({.type = "npm", .name = "///"}).has_value());
  EXPECT_FALSE(
      build({.type = "npm", .name = "x", .qualifiers = {{"in production", "1"}}}).has_value());
  EXPECT_FALSE(build({.type = "npm", .name = "x", .qualifiers = {{"Arch", "1"}, {"arch", "2"}}})
                   .has_value());
  EXPECT_FALSE(build({.type = "npm", .name = "x\xff"}).has_value());
  const auto ok = build({.type = "Generic",
                         .ns = "/a//b/",
                         .name = "/x/",
                         .version = "",
                         .qualifiers = {{"Arch", "1"}, {"empty", ""}},
                         .subpath = "/./c//../d/"});
  ASSERT_TRUE(ok.has_value()) << ok.error().describe();
  EXPECT_EQ(ok->toString(), "pkg:generic/a/b/x?arch=1#c/d");
}

TEST(purl, ToStringNeverLetsAComponentInjectSeparators) {
  // A hand-made object (not from build) with hostile content still serialises unambiguously.
  const PackageUrl hostile{.type = "generic",
                           .ns = "a?b",
                           .name = "n@m#e",
                           .version = "1&2",
                           .qualifiers = {{"k", "v=w&x#y"}, {"gone", ""}},
                           .subpath = "s?t"};
  EXPECT_EQ(hostile.toString(), "pkg:generic/a%3Fb/n%40m%23e@1%262?k=v%3Dw%26x%23y#s%3Ft");
  const auto back = parse(hostile.toString());
  ASSERT_TRUE(back.has_value()) << back.error().describe();
  EXPECT_EQ(back->name, "n@m#e");
  EXPECT_EQ(back->qualifiers.at("k"), "v=w&x#y");
}

}  // namespace
}  // namespace tollgate::purl
