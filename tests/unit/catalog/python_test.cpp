#include "tollgate/catalog/python.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "scanned_tree.h"
#include "temp_dir.h"
#include "tollgate/catalog/catalog.h"

namespace tollgate::catalog {
namespace {

using tollgate::testing::TempDir;

std::string text(const sbom::License& l) { return l.expression.empty() ? l.name : l.expression; }

TEST(PythonNames, Pep503Normalisation) {
  struct Case {
    const char* in;
    const char* want;
  } cases[] = {{"Django", "django"},
               {"foo_bar", "foo-bar"},
               {"Foo.Bar__baz", "foo-bar-baz"},
               {"zope.interface", "zope-interface"},
               {"a-_-.b", "a-b"},
               {"PyYAML", "pyyaml"},
               {"", ""},
               {"ruamel.yaml.clib", "ruamel-yaml-clib"}};
  for (const auto& c : cases) EXPECT_EQ(python::normalizeName(c.in), c.want) << c.in;
}

TEST(PythonRequirements, Pep508) {
  struct Case {
    const char* in;
    const char* name;
    const char* extras;
    const char* spec;
    const char* marker;
    bool extraOnly;
  } cases[] = {
      {"requests", "requests", "", "", "", false},
      {"Foo_Bar>=1.0,<2", "foo-bar", "", ">=1.0,<2", "", false},
      {"urllib3[socks] (>=1.21.1,<3)", "urllib3", "socks", ">=1.21.1,<3", "", false},
      {"pytest ; extra == 'test'", "pytest", "", "", "extra == 'test'", true},
      {"colorama; sys_platform == \"win32\"", "colorama", "", "", "sys_platform == \"win32\"",
       false},
      {"x; python_version<'3.8' and extra=='y'", "x", "", "", "python_version<'3.8' and extra=='y'",
       true},
      {"pkg @ https://e.example/pkg.whl", "pkg", "", "@ https://e.example/pkg.whl", "", false},
      {"extras-tool; python_version >= '3'", "extras-tool", "", "", "python_version >= '3'", false},
  };
  for (const auto& c : cases) {
    auto r = python::parseRequirement(c.in);
    ASSERT_TRUE(r) << c.in;
    EXPECT_EQ(r->normalized, c.name) << c.in;
    EXPECT_EQ(r->extras, c.extras) << c.in;
    EXPECT_EQ(r->specifier, c.spec) << c.in;
    EXPECT_EQ(r->marker, c.marker) << c.in;
    EXPECT_EQ(r->extraOnly, c.extraOnly) << c.in;
  }
  for (std::string_view bad : {"", "   ", ">=1.0", "; extra == 'x'", "foo[bar", "---"})
    EXPECT_FALSE(python::parseRequirement(bad)) << bad;
}

constexpr std::string_view kMetadata =
    "Metadata-Version: 2.1\r\n"
    "Name: Foo_Bar\n"
    "version: 1.2.3\n"
    "Summary: Does foo\n"
    "Home-page: https://foo.example\n"
    "Author: Ann Author\n"
    "Author-email: ann@example.org\n"
    "Maintainer-email: Max <max@example.org>\n"
    "License: BSD 3-Clause License\n"
    "        \n"
    "        Copyright (c) 2020, Foo\n"
    "       |All rights reserved.\n"
    "Classifier: Programming Language :: Python\n"
    "Classifier: License :: OSI Approved :: BSD License\n"
    "Requires-Python: >=3.8\n"
    "Requires-Dist: requests (>=2.0)\n"
    "Requires-Dist: pytest ; extra == 'test'\n"
    "Provides-Extra: test\n"
    "Project-URL: Source, https://src.example\n"
    "Description-Content-Type: text/markdown\n"
    "X-Unknown: ignored\n"
    "\n"
    "# Foo\n"
    "Name: not-a-header\n";

TEST(PythonMetadata, HeadersContinuationsAndBody) {
  auto md = python::parseCoreMetadata(kMetadata);
  ASSERT_TRUE(md) << md.error().describe();
  EXPECT_EQ(md->metadataVersion, "2.1");
  EXPECT_EQ(md->name, "Foo_Bar");
  EXPECT_EQ(md->version, "1.2.3");
  EXPECT_EQ(md->summary, "Does foo");
  EXPECT_EQ(md->homePage, "https://foo.example");
  EXPECT_EQ(md->author, "Ann Author");
  EXPECT_EQ(md->authorEmail, "ann@example.org");
  EXPECT_EQ(md->maintainerEmail, "Max <max@example.org>");
  EXPECT_EQ(md->license, "BSD 3-Clause License\n\nCopyright (c) 2020, Foo\nAll rights reserved.");
  EXPECT_EQ(md->classifiers.size(), 2u);
  EXPECT_EQ(md->requiresDist,
            (std::vector<std::string>{"requests (>=2.0)", "pytest ; extra == 'test'"}));
  EXPECT_EQ(md->providesExtra, std::vector<std::string>{"test"});
  EXPECT_EQ(md->requiresPython, ">=3.8");
  EXPECT_EQ(md->projectUrls, std::vector<std::string>{"Source, https://src.example"});
}

TEST(PythonMetadata, FirstValueWinsAndFoldedSummary) {
  auto md = python::parseCoreMetadata(
      "\xef\xbb\xbfName: a\nName: b\nVersion: 1\nSummary: one\n  two\n\tthree\n");
  ASSERT_TRUE(md);
  EXPECT_EQ(md->name, "a");
  EXPECT_EQ(md->summary, "one two three");
}

// Debian's passlib 1.7.4 PKG-INFO: setuptools wrote a multi-line Keywords value unindented. The
// lines fold into Keywords and the Classifiers after them still count.
TEST(PythonMetadata, UnindentedContinuationLines) {
  auto md = python::parseCoreMetadata(
      "Metadata-Version: 2.1\nName: passlib\nVersion: 1.7.4\nLicense: BSD\n"
      "Keywords: password secret hash security\ncrypt md5-crypt\ntotp 2fa\n"
      "Classifier: License :: OSI Approved :: BSD License\n");
  ASSERT_TRUE(md) << md.error().describe();
  EXPECT_EQ(md->name, "passlib");
  EXPECT_EQ(md->version, "1.7.4");
  EXPECT_EQ(md->classifiers, std::vector<std::string>{"License :: OSI Approved :: BSD License"});
}

TEST(PythonMetadata, Malformed) {
  struct Case {
    const char* name;
    std::string text;
  } cases[] = {
      {"empty", ""},
      {"only_body", "\nName: x\n"},
      {"no_colon_first", "this is not a header\nName: x\n"},
      {"empty_key", ": value\n"},
      {"leading_continuation", "  continued\nName: x\n"},
      {"nul", std::string("Name: x\0y\n", 10)},
      {"binary",
       "\x7f"
       "ELF\x02\x01\x01"},
  };
  for (const auto& c : cases) {
    auto md = python::parseCoreMetadata(c.text);
    EXPECT_FALSE(md) << c.name;
    if (!md) {
      EXPECT_EQ(md.error().code, ErrorCode::kInvalidInput) << c.name;
    }
  }
}

TEST(PythonRecord, RowsQuotingAndDigests) {
  auto r = python::parseRecord(
      "foo/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\r\n"
      "\"foo/a,b.py\",sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,12\n"
      "\"foo/q\"\"uote.py\",,\n"
      "\n"
      "../../../bin/foo,sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,7\n"
      "foo-1.0.dist-info/RECORD,,\n"
      "foo/only-path.py\n");
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_EQ(r->size(), 6u);
  const auto& v = *r;
  EXPECT_EQ(v[0].path, "foo/__init__.py");
  EXPECT_EQ(v[0].hashAlgorithm, "SHA-256");
  EXPECT_EQ(v[0].hashHex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(v[0].size, 0u);
  EXPECT_EQ(v[1].path, "foo/a,b.py");
  EXPECT_EQ(v[1].size, 12u);
  EXPECT_EQ(v[2].path, "foo/q\"uote.py");
  EXPECT_TRUE(v[2].hashAlgorithm.empty());
  EXPECT_FALSE(v[2].size.has_value());
  EXPECT_EQ(v[3].path, "../../../bin/foo");
  EXPECT_EQ(v[3].hashHex, v[0].hashHex);  // Debian's hex spelling
  EXPECT_EQ(v[5].path, "foo/only-path.py");
}

TEST(PythonRecord, Malformed) {
  struct Case {
    const char* name;
    const char* text;
  } cases[] = {
      {"unterminated_quote", "\"foo.py,sha256=x,1\n"},
      {"text_after_quote", "\"foo.py\"x,,\n"},
      {"quote_in_field", "fo\"o.py,,\n"},
      {"four_fields", "a,,1,extra\n"},
      {"empty_path", ",sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\n"},
      {"hash_without_eq", "a.py,sha256,1\n"},
      {"unknown_algorithm", "a.py,crc32=AAAA,1\n"},
      {"bad_base64", "a.py,sha256=!!!,1\n"},
      {"short_digest", "a.py,sha256=AAAA,1\n"},
      {"bad_size", "a.py,,12k\n"},
      {"negative_size", "a.py,,-1\n"},
  };
  for (const auto& c : cases) {
    auto r = python::parseRecord(c.text);
    EXPECT_FALSE(r) << c.name;
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput) << c.name;
      EXPECT_NE(r.error().message.find("line 1"), std::string::npos) << r.error().message;
    }
  }
  EXPECT_TRUE(python::parseRecord(""));
}

TEST(PythonRequiresTxt, SectionsBecomeMarkers) {
  auto reqs = python::parseRequiresTxt(
      "six>=1.0\n# comment\nhttplib2\n\n[:python_version < \"3\"]\nmock\n"
      "[docs]\nSphinx\n[test:sys_platform == \"win32\"]\npywin32; python_version>'3'\n");
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[0], "six>=1.0");
  EXPECT_EQ(reqs[1], "httplib2");
  EXPECT_EQ(reqs[2], "mock; (python_version < \"3\")");
  EXPECT_EQ(reqs[3], "Sphinx; extra == \"docs\"");
  EXPECT_EQ(reqs[4],
            "pywin32; python_version>'3' and extra == \"test\" and (sys_platform == "
            "\"win32\")");
  EXPECT_FALSE(python::parseRequirement(reqs[2])->extraOnly);
  EXPECT_TRUE(python::parseRequirement(reqs[3])->extraOnly);
  EXPECT_TRUE(python::parseRequirement(reqs[4])->extraOnly);
}

TEST(PythonLicenses, OrderOfTrust) {
  python::CoreMetadata md;
  md.licenseExpression = "MIT";
  md.license = "GPL";
  md.classifiers = {"License :: OSI Approved :: Apache Software License"};
  auto l = python::licensesOf(md);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(text(l[0]), "MIT");

  python::CoreMetadata whole;  // a licence text in the License field is not a licence name
  whole.license = "Copyright (c) 2005 The Authors\n\nRedistribution and use in source ...";
  EXPECT_TRUE(python::licensesOf(whole).empty());

  python::CoreMetadata unknown;
  unknown.license = "UNKNOWN";
  unknown.classifiers = {"License :: OSI Approved", "Programming Language :: Python"};
  EXPECT_TRUE(python::licensesOf(unknown).empty());

  python::CoreMetadata shortName;
  shortName.license = "Dual-licensed, see LICENSE";
  auto s = python::licensesOf(shortName);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].name, "Dual-licensed, see LICENSE");

  python::CoreMetadata classifierOnly;
  classifierOnly.classifiers = {"License :: OSI Approved :: MIT License"};
  auto c = python::licensesOf(classifierOnly);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_TRUE(text(c[0]) == "MIT" || text(c[0]) == "MIT License") << text(c[0]);
}

// ---------------------------------------------------------------------------------------------
// The cataloger on a real tree

using tollgate::testing::walkTempDir;

const sbom::Component* find(const Catalogue& c, std::string_view name) {
  for (const auto& comp : c.components)
    if (comp.name == name) return &comp;
  return nullptr;
}

std::set<std::pair<std::string, std::string>> edges(const Catalogue& c) {
  std::map<std::string, std::string> label;
  for (const auto& comp : c.components) label[comp.bomRef] = comp.name;
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& d : c.dependencies)
    for (const auto& t : d.dependsOn) out.emplace(label.at(d.ref), label.at(t));
  return out;
}

std::vector<std::string> paths(const sbom::Component& c) {
  std::vector<std::string> out;
  for (const auto& f : c.files) out.push_back(f.path);
  std::sort(out.begin(), out.end());
  return out;
}

constexpr const char* kSite = "venv/lib/python3.11/site-packages";

void makeSite(const TempDir& d) {
  std::string site = kSite;
  d.write(site + "/Foo_Bar-1.2.3.dist-info/METADATA", kMetadata);
  d.write(site + "/Foo_Bar-1.2.3.dist-info/INSTALLER", "pip\n");
  d.write(site + "/Foo_Bar-1.2.3.dist-info/RECORD",
          "foo/__init__.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\n"
          "foo/__pycache__/__init__.cpython-311.pyc,,\n"
          "../../../bin/foo,,\n"
          "../../../../../../../etc/passwd,,\n"
          "Foo_Bar-1.2.3.dist-info/METADATA,,\n"
          "Foo_Bar-1.2.3.dist-info/RECORD,,\n");
  d.write(site + "/foo/__init__.py", "");
  d.write("venv/bin/foo", "#!/usr/bin/env python\n");
  d.write(site + "/requests-2.31.0.dist-info/METADATA",
          "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\n"
          "Requires-Dist: urllib3 (<3,>=1.21.1)\nRequires-Dist: PySocks ; extra == 'socks'\n");
  d.write(site + "/urllib3-2.0.0.dist-info/METADATA",
          "Metadata-Version: 2.1\nName: urllib3\nVersion: 2.0.0\n");
  d.write(site + "/PySocks-1.7.1.dist-info/METADATA",
          "Metadata-Version: 2.1\nName: PySocks\nVersion: 1.7.1\n");
  // egg-info folder with requires.txt and installed-files.txt (relative to the egg-info folder).
  d.write(site + "/six-1.16.0.egg-info/PKG-INFO",
          "Metadata-Version: 1.2\nName: six\nVersion: 1.16.0\nLicense: MIT\n");
  d.write(site + "/six-1.16.0.egg-info/requires.txt", "urllib3\n[test]\nPySocks\n");
  d.write(site + "/six-1.16.0.egg-info/installed-files.txt", "../six.py\nPKG-INFO\n");
  d.write(site + "/six.py", "");
  // egg-info as a plain file.
  d.write(site + "/lazr.uri-1.0.6.egg-info",
          "Metadata-Version: 1.1\nName: lazr.uri\nVersion: 1.0.6\n");
  // The same distribution in a second site folder (another interpreter).
  d.write("other/site-packages/urllib3-2.0.0.dist-info/METADATA",
          "Metadata-Version: 2.1\nName: urllib3\nVersion: 2.0.0\n");
  // A requirement installed only in another site folder is not an edge.
  d.write("other/site-packages/solo-1.0.dist-info/METADATA",
          "Metadata-Version: 2.1\nName: solo\nVersion: 1.0\nRequires-Dist: six\n");
}

TEST(PythonCataloger, SitePackages) {
  TempDir d;
  makeSite(d);
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogPython(*s.tree, diag);
  EXPECT_EQ(diag.count(), 0u);
  EXPECT_EQ(c.components.size(), 7u);

  const auto* foo = find(c, "Foo_Bar");
  ASSERT_NE(foo, nullptr);
  EXPECT_EQ(foo->version, "1.2.3");
  EXPECT_EQ(foo->foundBy, "python");
  EXPECT_EQ(foo->bomRef, foo->purl);
  EXPECT_TRUE(foo->purl.starts_with("pkg:pypi/foo-bar")) << foo->purl;
  EXPECT_EQ(foo->author, "Ann Author <ann@example.org>");
  EXPECT_EQ(foo->supplier, "Max <max@example.org>");
  EXPECT_EQ(foo->description, "Does foo");
  EXPECT_EQ(foo->properties.at("tollgate:python:installer"), "pip");
  EXPECT_EQ(foo->properties.at("tollgate:python:homepage"), "https://foo.example");
  // The pyc is not on disk and /etc/passwd climbs out of the tree: neither is listed.
  EXPECT_EQ(foo->properties.at("tollgate:python:missingFiles"), "2");
  std::string site = std::string("/") + kSite;
  EXPECT_EQ(paths(*foo), (std::vector<std::string>{
                             "/venv/bin/foo", site + "/Foo_Bar-1.2.3.dist-info/METADATA",
                             site + "/Foo_Bar-1.2.3.dist-info/RECORD", site + "/foo/__init__.py"}));
  EXPECT_EQ(foo->evidencePaths,
            std::vector<std::string>{site + "/Foo_Bar-1.2.3.dist-info/METADATA"});
  ASSERT_FALSE(foo->licenses.empty());

  const auto* six = find(c, "six");
  ASSERT_NE(six, nullptr);
  EXPECT_EQ(paths(*six),
            (std::vector<std::string>{site + "/six-1.16.0.egg-info/PKG-INFO", site + "/six.py"}));
  EXPECT_NE(find(c, "lazr.uri"), nullptr);
  EXPECT_TRUE(find(c, "lazr.uri")->purl.starts_with("pkg:pypi/lazr-uri"));

  const auto* urllib3 = find(c, "urllib3");
  ASSERT_NE(urllib3, nullptr);
  EXPECT_EQ(urllib3->evidencePaths.size(), 2u);  // one component for both site folders

  EXPECT_EQ(edges(c), (std::set<std::pair<std::string, std::string>>{
                          {"Foo_Bar", "requests"},
                          {"requests", "urllib3"},  // PySocks only for the "socks" extra
                          {"six", "urllib3"},
                      }));
}

TEST(PythonCataloger, MalformedFilesGiveOneWarningEach) {
  TempDir d;
  std::string site = kSite;
  d.write(site + "/broken-1.0.dist-info/METADATA", "this is not metadata\n");
  d.write(site + "/good-2.0.dist-info/METADATA", "Name: good\nVersion: 2.0\n");
  d.write(site + "/good-2.0.dist-info/RECORD", "\"unterminated,,\n");
  d.write(site + "/nameless.dist-info/METADATA", "Summary: no name\n");
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogPython(*s.tree, diag);
  // The broken METADATA still names its distribution through its folder name.
  const auto* broken = find(c, "broken");
  ASSERT_NE(broken, nullptr);
  EXPECT_EQ(broken->version, "1.0");
  ASSERT_NE(find(c, "good"), nullptr);
  EXPECT_TRUE(find(c, "good")->files.empty());
  ASSERT_NE(find(c, "nameless"), nullptr);
  auto w = diag.warnings();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].where, "/" + site + "/broken-1.0.dist-info/METADATA");
  EXPECT_NE(w[0].what.find("malformed core metadata"), std::string::npos);
  EXPECT_EQ(w[1].where, "/" + site + "/good-2.0.dist-info/RECORD");
  EXPECT_NE(w[1].what.find("malformed RECORD"), std::string::npos);
}

TEST(PythonCataloger, NotDistributions) {
  TempDir d;
  d.write("src/METADATA", "Name: x\nVersion: 1\n");
  d.write("src/PKG-INFO", "Name: y\nVersion: 1\n");  // an sdist's, not installed
  d.write("src/.dist-info/METADATA", "Name: z\nVersion: 1\n");
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogPython(*s.tree, diag);
  EXPECT_TRUE(c.components.empty());
}

}  // namespace
}  // namespace tollgate::catalog
