// Table tests of each scheme's rules and edge cases, and of the ecosystem table. The bulk of the
// ordering evidence is vectors_test.cpp (osv-scalibr's vectors) and the differential integration
// test (tests/integration/versions_test.sh) against the reference implementations.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tollgate/versions/versions.h"

namespace {

using tollgate::ErrorCode;
using tollgate::versions::compare;
using tollgate::versions::Scheme;
using tollgate::versions::schemeForEcosystem;
using tollgate::versions::validate;

struct Case {
  Scheme scheme;
  const char* a;
  int expected;  // sign of a <=> b
  const char* b;
};

// Each pair is checked both ways.
const Case kOrder[] = {
    // dpkg: epochs, tildes, revisions, the order of characters in non-digit parts.
    {Scheme::kDpkg, "1:1.0", 1, "2.0"},
    {Scheme::kDpkg, "1.0~rc1", -1, "1.0"},
    {Scheme::kDpkg, "1.0~~", -1, "1.0~"},
    {Scheme::kDpkg, "1.0~", -1, "1.0"},
    {Scheme::kDpkg, "1.0", -1, "1.0a"},
    {Scheme::kDpkg, "1.0a", -1, "1.0+"},
    {Scheme::kDpkg, "1.0-1", -1, "1.0-1+deb12u1"},
    {Scheme::kDpkg, "1.0", 0, "1.0-0"},
    {Scheme::kDpkg, "0:1.0", 0, "1.0"},
    {Scheme::kDpkg, "1.0.0", 0, "1.0.000"},
    {Scheme::kDpkg, "2.36-9+deb12u4", 1, "2.36-9"},
    {Scheme::kDpkg, "1.2-3-4", -1, "1.2-3-5"},  // the revision follows the last '-'
    {Scheme::kDpkg, " 1.0 ", 0, "1.0"},
    // semver: precedence rules of semver.org section 11, leniency for ecosystem data.
    {Scheme::kSemver, "1.0.0-alpha", -1, "1.0.0-alpha.1"},
    {Scheme::kSemver, "1.0.0-alpha.1", -1, "1.0.0-alpha.beta"},
    {Scheme::kSemver, "1.0.0-beta.2", -1, "1.0.0-beta.11"},
    {Scheme::kSemver, "1.0.0-rc.1", -1, "1.0.0"},
    {Scheme::kSemver, "1.0.0+build.1", 0, "1.0.0+build.2"},
    {Scheme::kSemver, "v1.2.3", 0, "1.2.3"},
    {Scheme::kSemver, "1.2", 0, "1.2.0"},
    {Scheme::kSemver, "1.2.3.1", 1, "1.2.3"},
    {Scheme::kSemver, "18446744073709551617.0.0", 1, "18446744073709551616.0.0"},
    // Go: pseudo-versions are prereleases ordered by their timestamp.
    {Scheme::kGo, "v0.0.0-20191109021931-daa7c04131f5", -1, "v0.0.1"},
    {Scheme::kGo, "v0.0.0-20191109021931-daa7c04131f5", 1, "v0.0.0-20190101000000-aaaaaaaaaaaa"},
    {Scheme::kGo, "v1.2.4-0.20191109021931-daa7c04131f5", 1, "v1.2.3"},
    {Scheme::kGo, "v1.2.4-0.20191109021931-daa7c04131f5", -1, "v1.2.4"},
    {Scheme::kGo, "v2.0.0+incompatible", 0, "2.0.0"},
    // PEP 440: normalisation and the _cmpkey order.
    {Scheme::kPep440, "1.0.dev0", -1, "1.0a0"},
    {Scheme::kPep440, "1.0a1", -1, "1.0b1"},
    {Scheme::kPep440, "1.0rc1", -1, "1.0"},
    {Scheme::kPep440, "1.0", -1, "1.0.post0"},
    {Scheme::kPep440, "1.0.post0.dev1", -1, "1.0.post0"},
    {Scheme::kPep440, "1.0", -1, "1.0+local"},
    {Scheme::kPep440, "1.0+abc", -1, "1.0+1"},
    {Scheme::kPep440, "1.0+1.a", -1, "1.0+1.a.0"},
    {Scheme::kPep440, "1!0.1", 1, "2.0"},
    {Scheme::kPep440, "1.0", 0, "1.0.0.0"},
    {Scheme::kPep440, "1.0-1", 0, "1.0.post1"},
    {Scheme::kPep440, "1.0.ALPHA.1", 0, "1.0a1"},
    {Scheme::kPep440, "1.0c1", 0, "1.0rc1"},
    {Scheme::kPep440, "1.0preview2", 0, "1.0rc2"},
    {Scheme::kPep440, "1.0-r", 0, "1.0.post0"},
    {Scheme::kPep440, "v1.0", 0, " 1.0\n"},
    {Scheme::kPep440, "1.0+Ubuntu-1", 0, "1.0+ubuntu.1"},
    // Maven: ComparableVersion of Maven 3.8.
    {Scheme::kMaven, "1.0-alpha-1", -1, "1.0-beta-1"},
    {Scheme::kMaven, "1.0-SNAPSHOT", -1, "1.0"},
    {Scheme::kMaven, "1.0-rc1", -1, "1.0"},
    {Scheme::kMaven, "1.0", -1, "1.0-sp1"},
    {Scheme::kMaven, "1.0", 0, "1.0.0-ga"},
    {Scheme::kMaven, "1.0-final", 0, "1"},
    {Scheme::kMaven, "1.0.RELEASE", 0, "1.0"},
    {Scheme::kMaven, "2.15.0", 1, "2.15.0-rc2"},
    {Scheme::kMaven, "1.0-xyz", 1, "1.0-sp"},
    {Scheme::kMaven, "1.0.1", 1, "1.0-1"},
    {Scheme::kMaven, "1a1", 0, "1-alpha-1"},
    // An all-zero run of 19+ digits is a BigInteger zero, which ranks above any int (a quirk).
    {Scheme::kMaven, "1.0000000000000000000.1", 1, "1.2"},
    {Scheme::kMaven, "1.0000000000000000000", 0, "1"},
    // RubyGems: Gem::Version.
    {Scheme::kRubyGems, "1.0.0.pre", -1, "1.0.0"},
    {Scheme::kRubyGems, "1.0.0-rc1", -1, "1.0.0"},
    {Scheme::kRubyGems, "1.0.a", 0, "1.a"},
    {Scheme::kRubyGems, "1.0.0", 0, "1"},
    {Scheme::kRubyGems, "1.0.b1", -1, "1.0"},
    {Scheme::kRubyGems, "1.0.A", -1, "1.0.a"},
    {Scheme::kRubyGems, "3.10", 1, "3.2"},
    // apk: suffixes, letters, revisions, leading zeros after a dot.
    {Scheme::kApk, "1.2_rc1", -1, "1.2"},
    {Scheme::kApk, "1.2", -1, "1.2_p1"},
    {Scheme::kApk, "1.2_alpha1", -1, "1.2_beta1"},
    {Scheme::kApk, "1.2a", 1, "1.2"},
    {Scheme::kApk, "1.2-r1", 1, "1.2-r0"},
    {Scheme::kApk, "1.01", -1, "1.1"},
    {Scheme::kApk, "1.2.3-r10", 1, "1.2.3-r9"},
    {Scheme::kApk, "20190126230843", -1, "20190126230844"},
    // rpm: rpmvercmp and epoch:version-release.
    {Scheme::kRpm, "1.0~rc1", -1, "1.0"},
    {Scheme::kRpm, "1.0^git1", 1, "1.0"},
    {Scheme::kRpm, "1.0^git1", -1, "1.0.1"},
    {Scheme::kRpm, "1:1.0-1", 1, "2.0-1"},
    {Scheme::kRpm, "1.0-1.el8", -1, "1.0-1.el9"},
    {Scheme::kRpm, "1.0a", 1, "1.0"},
    {Scheme::kRpm, "1.0", -1, "1.0-1"},
    {Scheme::kRpm, "1.0_1", 0, "1.0.1"},
    {Scheme::kRpm, "2.0.1", 1, "2.0a"},
    // generic: a documented total order.
    {Scheme::kGeneric, "1.0-beta", -1, "1.0"},
    {Scheme::kGeneric, "1.0", -1, "1.0.1"},
    {Scheme::kGeneric, "1.0", 0, "v1"},
    {Scheme::kGeneric, "1.0RC1", 0, "1.0-rc.1"},
    {Scheme::kGeneric, "1.10", 1, "1.9"},
};

TEST(Compare, OrderTable) {
  for (const auto& c : kOrder) {
    const auto ab = compare(c.scheme, c.a, c.b);
    const auto ba = compare(c.scheme, c.b, c.a);
    const std::string what = std::string(tollgate::versions::schemeName(c.scheme)) + ": \"" + c.a +
                             "\" vs \"" + c.b + "\"";
    ASSERT_TRUE(ab.has_value()) << what << ": " << ab.error().describe();
    ASSERT_TRUE(ba.has_value()) << what << ": " << ba.error().describe();
    EXPECT_EQ(*ab, c.expected) << what;
    EXPECT_EQ(*ba, -c.expected) << what;
  }
}

struct Invalid {
  Scheme scheme;
  const char* version;
};

const Invalid kInvalid[] = {
    {Scheme::kDpkg, ""},
    {Scheme::kDpkg, "1.2.3-not-a-debian:version!@#$"},  // epoch is not a number
    {Scheme::kDpkg, "1:"},
    {Scheme::kDpkg, "1.0-"},
    {Scheme::kDpkg, "1 0"},
    {Scheme::kDpkg, "-1:1.0"},
    {Scheme::kDpkg, "99999999999:1.0"},
    {Scheme::kSemver, "abc"},
    {Scheme::kSemver, "1..2"},
    {Scheme::kSemver, "1.2.3-"},
    {Scheme::kSemver, "1.2.3-a..b"},
    {Scheme::kSemver, "1.2.3+"},
    {Scheme::kSemver, "1.2.3.RELEASE"},
    {Scheme::kGo, "latest"},
    {Scheme::kPep440, "0.1-bulbasaur"},
    {Scheme::kPep440, "1.0+"},
    {Scheme::kPep440, "1.0+a..b"},
    {Scheme::kPep440, "trunk"},
    {Scheme::kPep440, "1.0.0-SNAPSHOT"},
    {Scheme::kRubyGems, "1beta"},
    {Scheme::kRubyGems, "a.1"},
    {Scheme::kRubyGems, "1.0-"},
    {Scheme::kMaven, ""},
    {Scheme::kApk, ""},
    {Scheme::kGeneric, ""},
};

TEST(Compare, InvalidVersionsAreErrors) {
  for (const auto& c : kInvalid) {
    const auto r = compare(c.scheme, c.version, "1.0");
    ASSERT_FALSE(r.has_value()) << tollgate::versions::schemeName(c.scheme) << ": \"" << c.version
                                << "\" compared as " << *r;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_FALSE(validate(c.scheme, c.version).has_value());
  }
}

TEST(Compare, NulByteIsInvalidEverywhere) {
  const std::string withNul("1.0\0", 4);
  for (const Scheme s : tollgate::versions::kAllSchemes) {
    EXPECT_FALSE(compare(s, withNul, "1.0").has_value()) << tollgate::versions::schemeName(s);
    EXPECT_FALSE(compare(s, "", "1.0").has_value()) << tollgate::versions::schemeName(s);
  }
}

TEST(Compare, DpkgAcceptsWhatDpkgOnlyWarnsAbout) {
  // dpkg --compare-versions warns ("version number does not start with digit") and compares.
  EXPECT_EQ(compare(Scheme::kDpkg, "a1.0", "b1.0"), -1);
  EXPECT_EQ(compare(Scheme::kDpkg, "1.0_1", "1.0"), 1);
}

TEST(Schemes, NamesRoundTrip) {
  for (const Scheme s : tollgate::versions::kAllSchemes)
    EXPECT_EQ(tollgate::versions::schemeFromName(tollgate::versions::schemeName(s)), s);
  EXPECT_FALSE(tollgate::versions::schemeFromName("Debian").has_value());
}

TEST(Schemes, ForEcosystem) {
  const std::vector<std::pair<const char*, Scheme>> table = {
      {"Debian", Scheme::kDpkg},
      {"Debian:12", Scheme::kDpkg},
      {"Ubuntu:22.04:LTS", Scheme::kDpkg},
      {"Ubuntu:Pro:18.04:LTS", Scheme::kDpkg},
      {"npm", Scheme::kSemver},
      {"crates.io", Scheme::kSemver},
      {"Hex", Scheme::kSemver},
      {"Go", Scheme::kGo},
      {"PyPI", Scheme::kPep440},
      {"Maven", Scheme::kMaven},
      {"Maven:https://maven.google.com", Scheme::kMaven},
      {"RubyGems", Scheme::kRubyGems},
      {"Alpine", Scheme::kApk},
      {"Alpine:v3.18", Scheme::kApk},
      {"Wolfi", Scheme::kApk},
      {"Red Hat", Scheme::kRpm},
      {"Red Hat:rhel_aus:8.4::appstream", Scheme::kRpm},
      {"Rocky Linux:9", Scheme::kRpm},
      {"AlmaLinux:8", Scheme::kRpm},
      {"openSUSE:Leap 15.5", Scheme::kRpm},
      {"SUSE:Linux Enterprise Server 15 SP5", Scheme::kRpm},
      {"Packagist", Scheme::kGeneric},
      {"NuGet", Scheme::kGeneric},
      {"Pub", Scheme::kGeneric},
      {"Hackage", Scheme::kGeneric},
      {"GIT", Scheme::kGeneric},
      {"", Scheme::kGeneric},
      {"debian", Scheme::kGeneric},  // OSV names are case-sensitive
  };
  for (const auto& [eco, scheme] : table) EXPECT_EQ(schemeForEcosystem(eco), scheme) << eco;
}

}  // namespace
