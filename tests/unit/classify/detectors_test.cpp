// Table-driven detector cases: each text either yields exactly the expected detector and value,
// or (for negatives) no match of that detector.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tollgate/classify/scanner.h"

namespace tollgate::classify {
namespace {

const std::shared_ptr<const Database>& db() {
  static const auto kDb = [] {
    auto d = Database::defaults();
    if (!d) {
      ADD_FAILURE() << d.error().describe();
      return std::shared_ptr<const Database>();
    }
    return *d;
  }();
  return kDb;
}

struct Case {
  std::string detector;
  std::string text;
  std::string value;  // expected matched value; "" for a negative case
};

std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << c.detector << ": " << c.text;
}

class Positive : public ::testing::TestWithParam<Case> {};
class Negative : public ::testing::TestWithParam<Case> {};

std::string describe(const std::vector<Match>& ms) {
  std::string s;
  for (const auto& m : ms)
    s += m.detector + "[" + m.value + "]@" + std::to_string(m.start) + "(" + m.decoding + ") ";
  return s;
}

TEST_P(Positive, Finds) {
  const auto& c = GetParam();
  ASSERT_TRUE(db());
  auto ms = scan(db(), c.text);
  ASSERT_TRUE(ms) << ms.error().describe();
  bool hit = false;
  for (const auto& m : *ms)
    if (m.detector == c.detector && m.value == c.value) hit = true;
  EXPECT_TRUE(hit) << "found: " << describe(*ms);
}

TEST_P(Negative, Rejects) {
  const auto& c = GetParam();
  ASSERT_TRUE(db());
  auto ms = scan(db(), c.text);
  ASSERT_TRUE(ms) << ms.error().describe();
  for (const auto& m : *ms) EXPECT_NE(m.detector, c.detector) << "found: " << describe(*ms);
}

INSTANTIATE_TEST_SUITE_P(
    Personal, Positive,
    ::testing::Values(
        Case{"email", "contact: Jordy_Goyette@gmail.com.", "Jordy_Goyette@gmail.com"},
        Case{"email", "<a href=\"mailto:first.last+tag@mail.example.co.uk\">",
             "first.last+tag@mail.example.co.uk"},
        Case{"phone", "call (551) 389-3688 x0018", "(551) 389-3688"},
        Case{"phone", "phone: 595-736-8079", "595-736-8079"},
        Case{"phone", "Tel: +44 20 7946 0958", "+44 20 7946 0958"},
        Case{"phone", "mobile 020 5659 5911 today", "020 5659 5911"},
        Case{"phone", "Telefon (0703) 101335462", "(0703) 101335462"},
        Case{"phone", "tél 03 05 65 95 91", "03 05 65 95 91"},
        Case{"phone", "whatsapp +91-746-4056595", "+91-746-4056595"},
        Case{"phone", "international:+17078971000", "+17078971000"},
        Case{"phone", "+33 670310133", "+33 670310133"},
        Case{"phone", "téléphone: 0146280645", "0146280645"},
        Case{"credit_card", "card 4111 1111 1111 1111 exp 12/29", "4111 1111 1111 1111"},
        Case{"credit_card", "pan=5594-5724-5054-8382;", "5594-5724-5054-8382"},
        Case{"credit_card", "amex 3450-980131-83957", "3450-980131-83957"},
        Case{"credit_card", "\"cc\":\"6011347441073920\"", "6011347441073920"},
        Case{"iban", "IBAN DE89 3704 0044 0532 0130 00 please", "DE89 3704 0044 0532 0130 00"},
        Case{"iban", "iban=GB82WEST12345698765432&x", "GB82WEST12345698765432"},
        Case{"us_ssn", "SSN: 536-90-4399", "536-90-4399"},
        Case{"us_ssn", "ssn 536904399", "536904399"},
        Case{"uk_nino", "NI number JG 10 37 59 A", "JG 10 37 59 A"},
        Case{"uk_nino", "nino=AB123456D", "AB123456D"},
        Case{"date_of_birth", "\"dob\": \"1985-03-12\"", "1985-03-12"},
        Case{"date_of_birth", "born on March 3rd, 1985 in", "March 3rd, 1985"},
        Case{"date_of_birth", "Geburtsdatum: 12.03.1985", "12.03.1985"},
        Case{"ipv4", "client 147.238.115.81 connected", "147.238.115.81"},
        Case{"ipv6", "from 4bd1:9ee0:f8fd:ccd6:caca:fd7e:9898:6d9f",
             "4bd1:9ee0:f8fd:ccd6:caca:fd7e:9898:6d9f"},
        Case{"ipv6", "addr fe80::1ff:fe23:4567:890a%eth0", "fe80::1ff:fe23:4567:890a"},
        Case{"postal_code", "\"zip\": \"62704\"", "62704"},
        Case{"postal_code", "Postcode: SW1A 1AA", "SW1A 1AA"}));

INSTANTIATE_TEST_SUITE_P(
    Secrets, Positive,
    ::testing::Values(
        Case{"jwt",
             "Authorization: Bearer "
             "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9"
             "lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
             "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9"
             "lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"},
        Case{"aws_access_key", "aws_access_key_id = AKIAZ3MSJV4WWNKWW5FG", "AKIAZ3MSJV4WWNKWW5FG"},
        Case{"github_token", "token ghp_R2d4Kq9ZxT7mWb1Lc8Vn3Pf6Hs0Jy5Ug2Ae4 ",
             "ghp_R2d4Kq9ZxT7mWb1Lc8Vn3Pf6Hs0Jy5Ug2Ae4"},
        Case{"gitlab_token", "GITLAB=glpat-x9Kd2LmQ7vT4bN8cW1zR", "glpat-x9Kd2LmQ7vT4bN8cW1zR"},
        Case{"slack_token", "xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1",
             "xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1"},
        Case{"stripe_key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"},
        Case{"google_api_key", "key=AIzaSyB3x9Kq2LmN7vT4bR8cW1zQ5dF6gH0jK2s",
             "AIzaSyB3x9Kq2LmN7vT4bR8cW1zQ5dF6gH0jK2s"},
        Case{"url_password", "DATABASE_URL=postgres://admin:s3cr3tPw9@db.internal.example:5432/app",
             "postgres://admin:s3cr3tPw9@db.internal.example"},
        Case{"basic_auth", "Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l",
             "Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l"},
        Case{"generic_secret", "api_key: \"Zk29xQm4Lp8vRt5nWc7bYh3d\"",
             "api_key: \"Zk29xQm4Lp8vRt5nWc7bYh3d"},
        Case{"aws_secret_key", "aws_secret_access_key = wJa7rXUtnFEMI2K7MDENGbPxRfiCY4hQ8zLk3Vn1",
             "aws_secret_access_key = wJa7rXUtnFEMI2K7MDENGbPxRfiCY4hQ8zLk3Vn1"}));

INSTANTIATE_TEST_SUITE_P(
    Host, Positive,
    ::testing::Values(Case{"username", "{\"username\":\"jdoe42\",", "username\":\"jdoe42"},
                      Case{"hostname", "COMPUTERNAME=DESKTOP-8F3K2LQ\n",
                           "COMPUTERNAME=DESKTOP-8F3K2LQ"},
                      Case{"os_build", "Microsoft Windows [Version 10.0.19045.3570]",
                           "Microsoft Windows [Version 10.0.19045.3570]"},
                      Case{"process_list", "svchost.exe,explorer.exe,lsass.exe,chrome.exe",
                           "svchost.exe,explorer.exe,lsass.exe,chrome.exe"}));

INSTANTIATE_TEST_SUITE_P(
    All, Negative,
    ::testing::Values(Case{"email", "icon@2x.png and pkg@1.2.3", ""}, Case{"email", "a@b", ""},
                      Case{"credit_card", "4111 1111 1111 1112", ""},         // Luhn fails
                      Case{"credit_card", "1234567812345670", ""},            // no IIN
                      Case{"credit_card", "order 41111111111111110000", ""},  // longer number
                      Case{"iban", "DE89 3704 0044 0532 0130 01", ""},        // mod-97 fails
                      Case{"iban", "DE8937040044053201300", ""},              // wrong length
                      Case{"us_ssn", "000-12-3456 666-12-3456 912-12-3456", ""},
                      Case{"us_ssn", "536-00-4399 536-90-0000", ""},
                      Case{"us_ssn", "call 536904399", ""},  // no context
                      Case{"uk_nino", "GB123456A QQ123456C", ""},
                      Case{"date_of_birth", "released 1985-03-12", ""},  // no context
                      Case{"date_of_birth", "dob 1985-02-30", ""},       // no such day
                      Case{"ipv4", "version 1.2.3.4", ""},
                      Case{"ipv4", "256.1.1.1 and 1.2.3.4.5", ""},
                      Case{"ipv6", "std::string a::b 12:34:56", ""},
                      Case{"phone", "2019-01-02 12:00:00", ""},
                      Case{"phone", "id 1234567890123", ""}, Case{"phone", "0123456789ABCDEF", ""},
                      Case{"private_key", "-----BEGIN RSA PRIVATE KEY-----\n...\n", ""},
                      Case{"jwt", "eyJhbGciOiJub25lIn0.not-base64-json.sig", ""},
                      Case{"aws_access_key", "AKIAIOSFODNN7EXAMPLE", ""},
                      Case{"url_password", "https://user:password@example.com/", ""},
                      Case{"url_password", "https://user:${PASSWORD}@host.example/", ""},
                      Case{"generic_secret", "password = get_password_from_environment()", ""},
                      Case{"generic_secret", "token: xxxxxxxxxxxxxxxxxxxxxxxx", ""},
                      Case{"process_list", "explorer.exe crashed", ""}));

TEST(PrivateKey, PemAndOpenSsh) {
  std::string pem =
      "-----BEGIN RSA PRIVATE KEY-----\n"
      "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM4Oiw2zQ4dFq1tKfQmYl4ZvD2xV8c\n"
      "-----END RSA PRIVATE KEY-----\n";
  auto ms = scan(db(), pem);
  ASSERT_TRUE(ms);
  ASSERT_EQ(ms->size(), 1u) << describe(*ms);
  EXPECT_EQ((*ms)[0].detector, "private_key");
  EXPECT_EQ((*ms)[0].start, 0u);

  std::string ssh =
      "-----BEGIN OPENSSH PRIVATE "
      "KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\\n";
  ms = scan(db(), "\"key\": \"" + ssh + "\"");
  ASSERT_TRUE(ms);
  bool found = false;
  for (const auto& m : *ms) found |= m.detector == "private_key";
  EXPECT_TRUE(found) << describe(*ms);
}

TEST(Mask, KeepsEnds) {
  EXPECT_EQ(mask("4111111111111111"), "4111********1111");
  EXPECT_EQ(mask("536-90-4399"), "53*******99");
  EXPECT_EQ(mask("ab"), "**");
}

}  // namespace
}  // namespace tollgate::classify
