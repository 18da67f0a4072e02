#include "tollgate/cvss/cvss.h"

#include <gtest/gtest.h>

namespace tollgate::cvss {
namespace {

struct Example {
  const char* vector;
  double score;
  Rating rating;
};

// The worked examples published with the CVSS v3.1 specification ("CVSS v3.1 Examples").
class V31Examples : public testing::TestWithParam<Example> {};
TEST_P(V31Examples, BaseScore) {
  auto s = score(GetParam().vector);
  ASSERT_TRUE(s) << s.error().describe();
  EXPECT_EQ(s->version, Version::kV3_1);
  EXPECT_DOUBLE_EQ(s->value, GetParam().score) << GetParam().vector;
  EXPECT_EQ(s->rating, GetParam().rating);
}
INSTANTIATE_TEST_SUITE_P(
    Spec, V31Examples,
    testing::Values(
        // CVE-2013-1937 phpMyAdmin reflected XSS
        Example{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, Rating::kMedium},
        // CVE-2013-0375 MySQL stored SQL injection
        Example{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, Rating::kMedium},
        // CVE-2014-3566 SSLv3 POODLE
        Example{"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, Rating::kLow},
        // CVE-2012-1516 VMware guest to host escape
        Example{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, Rating::kCritical},
        // CVE-2009-0783 Apache Tomcat XML parser
        Example{"CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2, Rating::kMedium},
        // CVE-2012-0384 Cisco IOS command injection
        Example{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, Rating::kHigh},
        // CVE-2015-1098 Apple iWork denial of service
        Example{"CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8, Rating::kHigh},
        // CVE-2014-0160 OpenSSL Heartbleed
        Example{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, Rating::kHigh},
        // CVE-2014-6271 GNU Bash Shellshock
        Example{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, Rating::kCritical},
        // CVE-2008-1447 DNS Kaminsky bug
        Example{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8, Rating::kMedium},
        // CVE-2014-2005 Sophos login screen bypass
        Example{"CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8, Rating::kMedium},
        // CVE-2010-0467 Joomla directory traversal
        Example{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8, Rating::kMedium},
        // CVE-2012-1342 Cisco access control bypass
        Example{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:N", 5.8, Rating::kMedium},
        // CVE-2013-6014 Juniper proxy ARP denial of service
        Example{"CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", 9.3, Rating::kCritical},
        // CVE-2014-0224 OpenSSL CCS injection
        Example{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4, Rating::kHigh},
        // CVE-2012-5376 Chrome IPC sandbox escape
        Example{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6, Rating::kCritical},
        // CVE-2016-1645 Chrome PDFium JPEG 2000 heap overflow
        Example{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8, Rating::kHigh},
        // No impact at all
        Example{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N", 0.0, Rating::kNone}));

TEST(CvssV3, TemporalAndEnvironmentalMetricsAreValidatedButNotScored) {
  auto s = score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:R/CR:L/MAV:P");
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->value, 9.8);
  EXPECT_FALSE(score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:Z"));
}

TEST(CvssV3, V30RoundsWithCeil) {
  // The v3.0 and v3.1 base equations agree; these differ only in the Roundup definition, which
  // matters for none of the spec examples.
  auto s = score("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->version, Version::kV3_0);
  EXPECT_DOUBLE_EQ(s->value, 6.1);
}

// Examples for v4.0 (the FIRST calculator's), checked against the reference implementation by
// tests/integration/cvss_test.sh.
class V40Examples : public testing::TestWithParam<Example> {};
TEST_P(V40Examples, Score) {
  auto s = score(GetParam().vector);
  ASSERT_TRUE(s) << s.error().describe();
  EXPECT_EQ(s->version, Version::kV4_0);
  EXPECT_DOUBLE_EQ(s->value, GetParam().score) << GetParam().vector;
  EXPECT_EQ(s->rating, GetParam().rating);
}
INSTANTIATE_TEST_SUITE_P(
    Spec, V40Examples,
    testing::Values(
        Example{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0,
                Rating::kCritical},
        Example{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3,
                Rating::kCritical},
        Example{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", 6.9,
                Rating::kMedium},
        Example{"CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.6,
                Rating::kHigh},
        Example{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.1,
                Rating::kMedium},
        // No impact on either system
        Example{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0,
                Rating::kNone},
        // Threat metrics lower the score; E:X is E:A.
        Example{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X", 9.3,
                Rating::kCritical},
        // Supplemental metrics do not change it.
        Example{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:P/AU:Y/U:Red",
                9.3, Rating::kCritical}));

TEST(CvssV4, ModifiedMetricsReplaceBaseOnes) {
  auto plain = score("CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
  auto modified = score("CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MAV:N");
  auto network = score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
  ASSERT_TRUE(plain && modified && network);
  EXPECT_LT(plain->value, network->value);
  EXPECT_DOUBLE_EQ(modified->value, network->value);
  auto attacked = score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U");
  ASSERT_TRUE(attacked);
  EXPECT_LT(attacked->value, network->value);
}

TEST(Cvss, Ratings) {
  EXPECT_EQ(ratingFor(0.0), Rating::kNone);
  EXPECT_EQ(ratingFor(0.1), Rating::kLow);
  EXPECT_EQ(ratingFor(3.9), Rating::kLow);
  EXPECT_EQ(ratingFor(4.0), Rating::kMedium);
  EXPECT_EQ(ratingFor(6.9), Rating::kMedium);
  EXPECT_EQ(ratingFor(7.0), Rating::kHigh);
  EXPECT_EQ(ratingFor(8.9), Rating::kHigh);
  EXPECT_EQ(ratingFor(9.0), Rating::kCritical);
  EXPECT_EQ(toString(Rating::kCritical), "critical");
  EXPECT_EQ(toString(Version::kV4_0), "4.0");
}

TEST(Cvss, Errors) {
  struct Case {
    const char* vector;
    ErrorCode code;
    const char* needle;
  };
  for (const auto& c : {
           Case{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", ErrorCode::kInvalidInput,
                "missing base metric A"},
           Case{"CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", ErrorCode::kInvalidInput,
                "AV given twice"},
           Case{"CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", ErrorCode::kInvalidInput,
                "metric AV has no value 'Q'"},
           Case{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/XX:1",
                ErrorCode::kInvalidInput, "unknown metric 'XX'"},
           Case{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N",
                ErrorCode::kInvalidInput, "metric SI has no value 'S'"},
           Case{"CVSS:3.1/AV:N//AC:L", ErrorCode::kInvalidInput, "malformed metric ''"},
           Case{"CVSS:4.0/", ErrorCode::kInvalidInput, "no metrics"},
           Case{"CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", ErrorCode::kUnsupported, "CVSS:2.0"},
           Case{"AV:N/AC:L/Au:N/C:P/I:P/A:P", ErrorCode::kUnsupported, "v2 is not scored"},
       }) {
    auto s = score(c.vector);
    ASSERT_FALSE(s) << c.vector;
    EXPECT_EQ(s.error().code, c.code) << c.vector;
    EXPECT_NE(s.error().describe().find(c.needle), std::string::npos) << s.error().describe();
  }
  EXPECT_FALSE(score(std::string(600, 'A')));
}

}  // namespace
}  // namespace tollgate::cvss
