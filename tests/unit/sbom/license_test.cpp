#include "tollgate/sbom/license.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

namespace tollgate::sbom {
namespace {

struct Case {
  std::string input;
  std::string expression;  // expected SPDX expression; empty: expect a name
  std::string name = {};   // expected name when expression is empty ("" means: the trimmed input)
};

void PrintTo(const Case& c, std::ostream* os) { *os << '"' << c.input << '"'; }

class NormalizeLicense : public ::testing::TestWithParam<Case> {};

TEST_P(NormalizeLicense, Maps) {
  const Case& c = GetParam();
  License got = normalizeLicense(c.input);
  if (!c.expression.empty()) {
    EXPECT_EQ(got.expression, c.expression);
    EXPECT_EQ(got.name, "");
  } else {
    EXPECT_EQ(got.expression, "");
    std::string trimmed = c.input;
    trimmed.erase(0, trimmed.find_first_not_of(" \t\r\n"));
    trimmed.erase(trimmed.find_last_not_of(" \t\r\n") + 1);
    EXPECT_EQ(got.name, c.name.empty() ? trimmed : c.name);
  }
}

// Valid SPDX, case fixes, operators.
INSTANTIATE_TEST_SUITE_P(
    Spdx, NormalizeLicense,
    ::testing::Values(
        Case{"MIT", "MIT"}, Case{"mit", "MIT"}, Case{"  Apache-2.0\n", "Apache-2.0"},
        Case{"apache-2.0", "Apache-2.0"}, Case{"bsd-3-clause", "BSD-3-Clause"},
        Case{"GPL-2.0-only", "GPL-2.0-only"}, Case{"0bsd", "0BSD"},
        Case{"MIT OR Apache-2.0", "MIT OR Apache-2.0"},
        Case{"(MIT OR Apache-2.0)", "MIT OR Apache-2.0"},
        Case{"mit or apache-2.0", "MIT OR Apache-2.0"},
        Case{"MIT and BSD-2-Clause", "MIT AND BSD-2-Clause"},
        Case{"(MIT OR Apache-2.0) AND BSD-3-Clause", "(MIT OR Apache-2.0) AND BSD-3-Clause"},
        Case{"MIT AND (Apache-2.0 OR BSD-3-Clause)", "MIT AND (Apache-2.0 OR BSD-3-Clause)"},
        Case{"MIT OR Apache-2.0 AND BSD-3-Clause", "MIT OR Apache-2.0 AND BSD-3-Clause"},
        Case{"((MIT))", "MIT"},
        Case{"GPL-2.0-or-later WITH Classpath-exception-2.0",
             "GPL-2.0-or-later WITH Classpath-exception-2.0"},
        Case{"gpl-2.0-or-later with classpath-exception-2.0",
             "GPL-2.0-or-later WITH Classpath-exception-2.0"},
        Case{"Apache-2.0 WITH LLVM-exception OR MIT", "Apache-2.0 WITH LLVM-exception OR MIT"},
        Case{"Apache-2.0+", "Apache-2.0+"},
        Case{"LicenseRef-scancode-public-domain", "LicenseRef-scancode-public-domain"},
        Case{"licenseref-Foo.1", "LicenseRef-Foo.1"},
        Case{"DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2",
             "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2"},
        Case{"MIT OR LicenseRef-x", "MIT OR LicenseRef-x"},
        // Deprecated GNU ids become their exact replacements.
        Case{"GPL-2.0", "GPL-2.0-only"}, Case{"GPL-2.0+", "GPL-2.0-or-later"},
        Case{"LGPL-2.1", "LGPL-2.1-only"}, Case{"LGPL-2.1+", "LGPL-2.1-or-later"},
        Case{"AGPL-3.0", "AGPL-3.0-only"}, Case{"GFDL-1.3", "GFDL-1.3-only"},
        Case{"GPL-3.0-only+", "GPL-3.0-or-later"}));

// Debian DEP-5 short names (copyright-format 1.0) as found in /usr/share/doc/*/copyright.
INSTANTIATE_TEST_SUITE_P(
    Debian, NormalizeLicense,
    ::testing::Values(
        Case{"GPL-2+", "GPL-2.0-or-later"}, Case{"GPL-2", "GPL-2.0-only"},
        Case{"GPL-3+", "GPL-3.0-or-later"}, Case{"GPL-1+", "GPL-1.0-or-later"},
        Case{"LGPL-2+", "LGPL-2.0-or-later"}, Case{"LGPL-2.1+", "LGPL-2.1-or-later"},
        Case{"LGPL-2.1", "LGPL-2.1-only"}, Case{"LGPL-3+", "LGPL-3.0-or-later"},
        Case{"AGPL-3+", "AGPL-3.0-or-later"}, Case{"GFDL-1.2+", "GFDL-1.2-or-later"},
        Case{"GFDL-NIV-1.3+", "GFDL-1.3-no-invariants-or-later"}, Case{"Expat", "MIT"},
        Case{"BSD-3-clause", "BSD-3-Clause"}, Case{"BSD-2-clause", "BSD-2-Clause"},
        Case{"BSD-4-clause", "BSD-4-Clause"}, Case{"Apache-2.0", "Apache-2.0"},
        Case{"Apache-2", "Apache-2.0"}, Case{"MPL-2.0", "MPL-2.0"}, Case{"MPL-1.1", "MPL-1.1"},
        Case{"Zlib", "Zlib"}, Case{"zlib", "Zlib"}, Case{"ISC", "ISC"}, Case{"CC0-1.0", "CC0-1.0"},
        Case{"CC0", "CC0-1.0"}, Case{"Artistic", "Artistic-1.0-Perl"},
        Case{"Artistic-2.0", "Artistic-2.0"}, Case{"Perl", "Artistic-1.0-Perl OR GPL-1.0-or-later"},
        Case{"GPL-1+ or Artistic", "GPL-1.0-or-later OR Artistic-1.0-Perl"},
        Case{"Artistic or GPL-1+", "Artistic-1.0-Perl OR GPL-1.0-or-later"},
        Case{"GPL-2+ and BSD-3-clause", "GPL-2.0-or-later AND BSD-3-Clause"},
        Case{"GPL-2+ or Artistic, and BSD-3-clause",
             "(GPL-2.0-or-later OR Artistic-1.0-Perl) AND BSD-3-Clause"},
        Case{"Perl and Expat", "(Artistic-1.0-Perl OR GPL-1.0-or-later) AND MIT"},
        Case{"GPL-3+ with GCC-Runtime-Library exception",
             "GPL-3.0-or-later WITH GCC-exception-3.1"},
        Case{"GPL-3+ with GCC-Runtime-Library-3.1 exception",
             "GPL-3.0-or-later WITH GCC-exception-3.1"},
        Case{"GPL-2+ with Autoconf exception", "GPL-2.0-or-later WITH Autoconf-exception-2.0"},
        Case{"GPL-3+ with Autoconf exception", "GPL-3.0-or-later WITH Autoconf-exception-3.0"},
        Case{"GPL-2+ with Bison exception", "GPL-2.0-or-later WITH Bison-exception-2.2"},
        Case{"GPL-2 with Classpath exception", "GPL-2.0-only WITH Classpath-exception-2.0"},
        Case{"GPL-2+ with Font exception", "GPL-2.0-or-later WITH Font-exception-2.0"},
        Case{"GPL-2+ with Libtool exception", "GPL-2.0-or-later WITH Libtool-exception"},
        Case{"GPL-2 with Linux-syscall-note exception", "GPL-2.0-only WITH Linux-syscall-note"},
        Case{"Apache-2.0 with LLVM exception", "Apache-2.0 WITH LLVM-exception"},
        Case{"GPL-3+ with GCC-Runtime-Library exception or LGPL-3+",
             "GPL-3.0-or-later WITH GCC-exception-3.1 OR LGPL-3.0-or-later"},
        // Not SPDX: kept verbatim as names.
        Case{"public-domain", ""}, Case{"GPL-2+ with OpenSSL exception", ""},
        Case{"MIT or public-domain", ""}, Case{"GPL", ""}, Case{"LGPL", ""}, Case{"BSD-like", ""},
        Case{"other", ""}, Case{"permissive", ""},
        Case{"  GPL-2+ with OpenSSL exception  ", "", "GPL-2+ with OpenSSL exception"}));

// npm, Python and free-text spellings.
INSTANTIATE_TEST_SUITE_P(
    Aliases, NormalizeLicense,
    ::testing::Values(
        Case{"MIT License", "MIT"}, Case{"The MIT License", "MIT"}, Case{"MIT license", "MIT"},
        Case{"Apache 2.0", "Apache-2.0"}, Case{"Apache License 2.0", "Apache-2.0"},
        Case{"Apache License, Version 2.0", "Apache-2.0"},
        Case{"The Apache Software License, Version 2.0", "Apache-2.0"},
        Case{"Apache License Version 2.0", "Apache-2.0"}, Case{"Apache2", "Apache-2.0"},
        Case{"Apache v2", "Apache-2.0"}, Case{"ASL 2.0", "Apache-2.0"},
        Case{"Apache 2.0 or MIT", "Apache-2.0 OR MIT"},
        Case{"MIT OR Apache License 2.0", "MIT OR Apache-2.0"}, Case{"GPLv3", "GPL-3.0-only"},
        Case{"GPLv3+", "GPL-3.0-or-later"}, Case{"GPLv2", "GPL-2.0-only"},
        Case{"GPL v2", "GPL-2.0-only"}, Case{"GNU GPLv3", "GPL-3.0-only"},
        Case{"LGPLv2.1", "LGPL-2.1-only"}, Case{"LGPLv3+", "LGPL-3.0-or-later"},
        Case{"AGPLv3", "AGPL-3.0-only"},
        Case{"GNU General Public License v3 or later", "GPL-3.0-or-later"},
        Case{"GNU General Public License v2 or later (GPLv2+)", "",
             "GNU General Public License v2 or later (GPLv2+)"},
        Case{"GNU Lesser General Public License v2.1", "LGPL-2.1-only"},
        Case{"GPL-2 or any later version", "GPL-2.0-or-later"},
        Case{"BSD 3-Clause", "BSD-3-Clause"}, Case{"3-Clause BSD License", "BSD-3-Clause"},
        Case{"New BSD License", "BSD-3-Clause"}, Case{"Simplified BSD", "BSD-2-Clause"},
        Case{"BSD-2-Clause License", "BSD-2-Clause"}, Case{"ISC License", "ISC"},
        Case{"Mozilla Public License 2.0", "MPL-2.0"}, Case{"MPL 2.0", "MPL-2.0"},
        Case{"zlib/libpng", "Zlib"}, Case{"PSF", "PSF-2.0"},
        Case{"Python Software Foundation License", "PSF-2.0"},
        Case{"Boost Software License 1.0", "BSL-1.0"}, Case{"Unlicense", "Unlicense"},
        Case{"WTFPL", "WTFPL"},
        // Ambiguous: no guessing.
        Case{"BSD", ""}, Case{"BSD License", ""}, Case{"Apache", ""},
        Case{"Apache Software License", ""}, Case{"GPL or later", ""}, Case{"Dual License", ""},
        Case{"SEE LICENSE IN LICENSE.md", ""}, Case{"UNLICENSED", ""}));

// Broken and hostile input never throws and never becomes an expression.
INSTANTIATE_TEST_SUITE_P(
    Malformed, NormalizeLicense,
    ::testing::Values(Case{"", "", ""}, Case{"   ", "", ""}, Case{"MIT OR", ""}, Case{"OR MIT", ""},
                      Case{"(MIT", ""}, Case{"MIT)", ""}, Case{"()", ""},
                      Case{"MIT AND AND GPL-2+", ""}, Case{"WITH Classpath-exception-2.0", ""},
                      Case{"MIT WITH Classpath-exception-2.0 WITH LLVM-exception", ""},
                      Case{"(MIT OR GPL-2.0-only) WITH Classpath-exception-2.0", ""},
                      Case{"MIT WITH NotAnException", ""}, Case{"LicenseRef-", ""},
                      Case{"LicenseRef-a+", ""}, Case{"DocumentRef-x", ""}, Case{"MIT,", ""},
                      Case{"\xff\xfe MIT", ""}));

TEST(NormalizeLicenseLimits, DeepNestingIsANameNotACrash) {
  std::string s(10000, '(');
  s += "MIT";
  s += std::string(10000, ')');
  License l = normalizeLicense(s);
  EXPECT_EQ(l.expression, "");
  std::string t(60, '(');
  t += "MIT";
  t += std::string(60, ')');
  EXPECT_EQ(normalizeLicense(t).expression, "MIT");
}

TEST(NormalizeLicenseLimits, ResultsAreValidSpdxIds) {
  // Everything an alias produces must be a real id of the list this build was made with.
  for (const char* in :
       {"Expat", "Perl", "Artistic", "CC0", "GFDL-NIV-1.2", "PSF", "ASL 2.0", "Simplified BSD",
        "New BSD", "zlib/libpng", "Boost Software License 1.0", "Eclipse Public License 2.0"}) {
    License l = normalizeLicense(in);
    ASSERT_FALSE(l.expression.empty()) << in;
    std::string e = l.expression;
    for (std::string_view op : {" OR ", " AND ", "(", ")"}) {
      for (auto p = e.find(op); p != std::string::npos; p = e.find(op))
        e.replace(p, op.size(), " ");
    }
    std::size_t start = 0;
    while (start < e.size()) {
      auto end = e.find(' ', start);
      if (end == std::string::npos) end = e.size();
      std::string id = e.substr(start, end - start);
      if (!id.empty()) {
        EXPECT_TRUE(isSpdxLicenseId(id)) << in << " -> " << id;
      }
      start = end + 1;
    }
  }
}

TEST(SpdxLists, CameFromDebianPackages) {
  EXPECT_TRUE(isSpdxLicenseId("MIT"));
  EXPECT_TRUE(isSpdxLicenseId("GPL-2.0-or-later"));
  EXPECT_TRUE(isSpdxLicenseId("GPL-2.0"));  // deprecated but still an SPDX id
  EXPECT_FALSE(isSpdxLicenseId("mit"));     // exact, case-sensitive
  EXPECT_FALSE(isSpdxLicenseId("Expat"));
  EXPECT_FALSE(isSpdxLicenseId(""));
  EXPECT_TRUE(isSpdxExceptionId("Classpath-exception-2.0"));
  EXPECT_TRUE(isSpdxExceptionId("GCC-exception-3.1"));
  EXPECT_FALSE(isSpdxExceptionId("classpath-exception-2.0"));
  EXPECT_FALSE(isSpdxExceptionId("MIT"));

  // Every id of the Debian package's list is known (the table is generated from it).
  std::ifstream in("/usr/share/nodejs/spdx-license-ids/index.json");
  if (!in) GTEST_SKIP() << "node-spdx-license-ids not installed";
  auto ids = nlohmann::json::parse(in);
  ASSERT_GT(ids.size(), 400u);
  for (const auto& id : ids) {
    EXPECT_TRUE(isSpdxLicenseId(id.get<std::string>())) << id;
    // ...and normalises to itself.
    EXPECT_EQ(normalizeLicense(id.get<std::string>()).expression, id.get<std::string>()) << id;
  }
  std::ifstream ex("/usr/share/nodejs/spdx-exceptions/index.json");
  ASSERT_TRUE(ex);
  for (const auto& id : nlohmann::json::parse(ex)) {
    EXPECT_TRUE(isSpdxExceptionId(id.get<std::string>())) << id;
  }
}

struct ClassifierCase {
  std::string classifier;
  std::string id;  // empty: nullopt
};

class Classifier : public ::testing::TestWithParam<ClassifierCase> {};

TEST_P(Classifier, Maps) {
  const auto& c = GetParam();
  auto got = licenseFromClassifier(c.classifier);
  if (c.id.empty()) {
    EXPECT_FALSE(got.has_value()) << *got;
  } else {
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, c.id);
    EXPECT_TRUE(isSpdxLicenseId(*got));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Trove, Classifier,
    ::testing::Values(
        ClassifierCase{"License :: OSI Approved :: MIT License", "MIT"},
        ClassifierCase{"License :: OSI Approved :: ISC License (ISCL)", "ISC"},
        ClassifierCase{"License :: OSI Approved :: GNU General Public License v2 (GPLv2)",
                       "GPL-2.0-only"},
        ClassifierCase{"License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)",
                       "GPL-2.0-or-later"},
        ClassifierCase{"License :: OSI Approved :: GNU General Public License v3 (GPLv3)",
                       "GPL-3.0-only"},
        ClassifierCase{"License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)",
                       "GPL-3.0-or-later"},
        ClassifierCase{"License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
                       "LGPL-3.0-only"},
        ClassifierCase{"License :: OSI Approved :: GNU Lesser General Public License v2 or later "
                       "(LGPLv2+)",
                       "LGPL-2.0-or-later"},
        ClassifierCase{"License :: OSI Approved :: GNU Affero General Public License v3",
                       "AGPL-3.0-only"},
        ClassifierCase{"License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)",
                       "MPL-2.0"},
        ClassifierCase{"License :: OSI Approved :: Python Software Foundation License", "PSF-2.0"},
        ClassifierCase{"License :: OSI Approved :: The Unlicense (Unlicense)", "Unlicense"},
        ClassifierCase{"License :: OSI Approved :: zlib/libpng License", "Zlib"},
        ClassifierCase{"License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)",
                       "BSL-1.0"},
        ClassifierCase{"License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)",
                       "EPL-2.0"},
        ClassifierCase{"License :: OSI Approved :: MIT No Attribution License (MIT-0)", "MIT-0"},
        ClassifierCase{"License :: OSI Approved :: Universal Permissive License (UPL)", "UPL-1.0"},
        ClassifierCase{"License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)",
                       "EUPL-1.2"},
        ClassifierCase{"License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication",
                       "CC0-1.0"},
        ClassifierCase{"License::OSI Approved::MIT License", "MIT"},
        // Ambiguous or not a licence.
        ClassifierCase{"License :: OSI Approved :: BSD License", ""},
        ClassifierCase{"License :: OSI Approved :: Apache Software License", ""},
        ClassifierCase{"License :: OSI Approved :: GNU General Public License (GPL)", ""},
        ClassifierCase{"License :: OSI Approved", ""},
        ClassifierCase{"License :: Public Domain", ""},
        ClassifierCase{"License :: Other/Proprietary License", ""},
        ClassifierCase{"Programming Language :: Python :: 3", ""},
        ClassifierCase{"MIT License", ""}, ClassifierCase{"", ""}));

}  // namespace
}  // namespace tollgate::sbom
