#include "tollgate/catalog/npm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "scanned_tree.h"
#include "temp_dir.h"
#include "tollgate/catalog/catalog.h"

namespace tollgate::catalog {
namespace {

using tollgate::testing::TempDir;

// ---------------------------------------------------------------------------------------------
// Lockfile parser

constexpr std::string_view kLockV3 = R"({
  "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": {"name": "app", "version": "1.0.0", "license": "ISC",
         "dependencies": {"a": "^1"}, "devDependencies": {"t": "^2"}},
    "node_modules/a": {"version": "1.2.0", "resolved": "https://r.example/a-1.2.0.tgz",
                       "integrity": "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=", "license": "MIT",
                       "dependencies": {"@s/b": "^2"}, "optionalDependencies": {"o": "*"},
                       "peerDependencies": {"p": "*"}, "hasInstallScript": true},
    "node_modules/@s/b": {"version": "2.0.0", "dev": true, "optional": true, "peer": true,
                          "devOptional": true, "inBundle": true},
    "node_modules/a/node_modules/@s/b": {"version": "2.1.0"},
    "node_modules/react-is-18": {"name": "react-is", "version": "18.3.1"},
    "node_modules/ws": {"resolved": "packages/ws", "link": true},
    "packages/ws": {"name": "@me/ws", "version": "0.1.0", "devDependencies": {"t": "^2"}},
    "node_modules/t": {"version": "2.0.0", "dev": true}
  }
})";

const npm::LockPackage* pkg(const npm::Lockfile& l, std::string_view path) {
  for (const auto& p : l.packages)
    if (p.path == path) return &p;
  return nullptr;
}

TEST(NpmLockfile, Version3Packages) {
  auto l = npm::parseLockfile(kLockV3);
  ASSERT_TRUE(l) << l.error().describe();
  EXPECT_EQ(l->lockfileVersion, 3);
  EXPECT_EQ(l->name, "app");
  EXPECT_EQ(l->packages.size(), 8u);

  const auto* root = pkg(*l, "");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->name, "app");
  EXPECT_EQ(root->license, "ISC");
  EXPECT_EQ(root->dependencies, std::vector<std::string>{"a"});
  EXPECT_EQ(root->devDependencies, std::vector<std::string>{"t"});

  const auto* a = pkg(*l, "node_modules/a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->name, "a");
  EXPECT_EQ(a->version, "1.2.0");
  EXPECT_EQ(a->resolved, "https://r.example/a-1.2.0.tgz");
  EXPECT_EQ(a->license, "MIT");
  EXPECT_EQ(a->dependencies, std::vector<std::string>{"@s/b"});
  EXPECT_EQ(a->optionalDependencies, std::vector<std::string>{"o"});
  EXPECT_EQ(a->peerDependencies, std::vector<std::string>{"p"});
  EXPECT_TRUE(a->hasInstallScript);
  EXPECT_FALSE(a->dev);

  const auto* b = pkg(*l, "node_modules/@s/b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->name, "@s/b");
  EXPECT_TRUE(b->dev && b->optional && b->peer && b->devOptional && b->inBundle);
  EXPECT_EQ(pkg(*l, "node_modules/a/node_modules/@s/b")->name, "@s/b");

  const auto* alias = pkg(*l, "node_modules/react-is-18");
  EXPECT_EQ(alias->name, "react-is");
  EXPECT_TRUE(alias->alias);

  const auto* link = pkg(*l, "node_modules/ws");
  EXPECT_TRUE(link->link);
  EXPECT_EQ(link->resolved, "packages/ws");
  const auto* ws = pkg(*l, "packages/ws");
  EXPECT_EQ(ws->name, "@me/ws");
  EXPECT_FALSE(ws->alias);  // a workspace folder is not named by its path
}

TEST(NpmLockfile, Version1NestedDependencies) {
  constexpr std::string_view kV1 = R"({
    "name": "old", "version": "0.0.1", "lockfileVersion": 1, "requires": true,
    "dependencies": {
      "a": {"version": "1.0.0", "integrity": "sha512-abc", "requires": {"b": "^1"},
            "dependencies": {"b": {"version": "1.5.0", "dev": true, "bundled": true}}},
      "b": {"version": "2.0.0", "optional": true},
      "rx": {"version": "npm:react-is@18.3.1"},
      "sc": {"version": "npm:@scope/real@2.0.0"},
      "skipped": {"optional": true},
      "g": {"version": "github:user/g#0123456789abcdef", "from": "github:user/g"}
    }
  })";
  auto l = npm::parseLockfile(kV1);
  ASSERT_TRUE(l) << l.error().describe();
  EXPECT_EQ(l->lockfileVersion, 1);
  const auto* root = pkg(*l, "");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->name, "old");
  EXPECT_EQ(root->version, "0.0.1");
  const auto* a = pkg(*l, "node_modules/a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dependencies, std::vector<std::string>{"b"});
  const auto* nested = pkg(*l, "node_modules/a/node_modules/b");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->version, "1.5.0");
  EXPECT_TRUE(nested->dev);
  EXPECT_TRUE(nested->inBundle);
  EXPECT_TRUE(pkg(*l, "node_modules/b")->optional);
  const auto* rx = pkg(*l, "node_modules/rx");
  EXPECT_EQ(rx->name, "react-is");
  EXPECT_EQ(rx->version, "18.3.1");
  EXPECT_TRUE(rx->alias);
  const auto* sc = pkg(*l, "node_modules/sc");
  EXPECT_EQ(sc->name, "@scope/real");
  EXPECT_EQ(sc->version, "2.0.0");
  EXPECT_EQ(pkg(*l, "node_modules/skipped"), nullptr);  // npm's placeholder, not a package
  EXPECT_EQ(pkg(*l, "node_modules/g")->version, "github:user/g#0123456789abcdef");
}

TEST(NpmLockfile, Version2ReadsPackagesNotTheLegacyCopy) {
  auto l = npm::parseLockfile(R"({"lockfileVersion": 2,
      "packages": {"": {"name": "x"}, "node_modules/a": {"version": "1.0.0"}},
      "dependencies": {"a": {"version": "1.0.0"}, "zzz": {"version": "9.9.9"}}})");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->packages.size(), 2u);
  EXPECT_EQ(pkg(*l, "node_modules/zzz"), nullptr);
}

TEST(NpmLockfile, WrongTypesAreSkippedNotThrown) {
  auto l = npm::parseLockfile(R"({"lockfileVersion": 3, "name": 5, "packages": {
      "node_modules/a": {"version": 5, "dependencies": ["x"], "dev": "yes", "license": {}},
      "node_modules/b": 7, "node_modules/c": null,
      "node_modules/d": {"version": "1.0.0", "dependencies": {"e": 1}}}})");
  ASSERT_TRUE(l) << l.error().describe();
  ASSERT_EQ(l->packages.size(), 2u);
  EXPECT_EQ(l->packages[0].version, "");
  EXPECT_TRUE(l->packages[0].dependencies.empty());
  EXPECT_FALSE(l->packages[0].dev);
  EXPECT_EQ(l->packages[0].license, "");
  EXPECT_EQ(l->packages[1].dependencies, std::vector<std::string>{"e"});
}

struct BadInput {
  const char* name;
  std::string text;
  ErrorCode code;
};

class NpmLockfileMalformed : public ::testing::TestWithParam<BadInput> {};

TEST_P(NpmLockfileMalformed, IsAnErrorNotACrash) {
  auto l = npm::parseLockfile(GetParam().text);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().code, GetParam().code);
  EXPECT_FALSE(l.error().message.empty());
}

std::string deepV1(int depth) {
  std::string s = R"({"lockfileVersion":1,"dependencies":)";
  for (int i = 0; i < depth; ++i) s += R"({"a":{"version":"1.0.0","dependencies":)";
  s += "{}";
  for (int i = 0; i < depth; ++i) s += "}}";
  return s + "}";
}

INSTANTIATE_TEST_SUITE_P(
    Table, NpmLockfileMalformed,
    ::testing::Values(
        BadInput{"empty", "", ErrorCode::kInvalidInput},
        BadInput{"truncated", R"({"lockfileVersion": 3, "packages": {)", ErrorCode::kInvalidInput},
        BadInput{"array", "[1,2]", ErrorCode::kInvalidInput},
        BadInput{"number", "42", ErrorCode::kInvalidInput},
        BadInput{"empty_object", "{}", ErrorCode::kInvalidInput},
        BadInput{"bad_version", R"({"lockfileVersion": "3"})", ErrorCode::kInvalidInput},
        BadInput{"negative_version", R"({"lockfileVersion": -1})", ErrorCode::kInvalidInput},
        BadInput{"invalid_utf8", "{\"name\": \"\xff\"}", ErrorCode::kInvalidInput},
        BadInput{"trailing_garbage", R"({"lockfileVersion": 3} x)", ErrorCode::kInvalidInput},
        BadInput{"too_deep_v1", deepV1(600), ErrorCode::kLimit}),
    [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------------------------
// package.json parser

TEST(NpmPackageJson, Fields) {
  auto p = npm::parsePackageJson(R"j({
    "name": "@s/x", "version": "1.0.0", "description": "Does x.\nSecond line",
    "license": "MIT", "author": "Barney Rubble <b@rubble.com> (http://barnyrubble.tumblr.com/)",
    "maintainers": [{"name": "m1", "email": "m1@x.org"}, "m2", 5],
    "homepage": "https://x.example", "private": true,
    "dependencies": {"a": "^1"}, "optionalDependencies": {"o": "*"},
    "peerDependencies": {"p": "*"}, "devDependencies": {"d": "*"},
    "scripts": {"test": "jest", "postinstall": "node setup.js"}})j");
  ASSERT_TRUE(p) << p.error().describe();
  EXPECT_EQ(p->name, "@s/x");
  EXPECT_EQ(p->version, "1.0.0");
  EXPECT_EQ(p->description, "Does x.");
  EXPECT_EQ(p->licenses, std::vector<std::string>{"MIT"});
  EXPECT_EQ(p->author, "Barney Rubble <b@rubble.com>");
  EXPECT_EQ(p->maintainers, (std::vector<std::string>{"m1 <m1@x.org>", "m2"}));
  EXPECT_EQ(p->homepage, "https://x.example");
  EXPECT_TRUE(p->isPrivate);
  EXPECT_TRUE(p->hasInstallScript);
  EXPECT_EQ(p->dependencies, std::vector<std::string>{"a"});
  EXPECT_EQ(p->optionalDependencies, std::vector<std::string>{"o"});
  EXPECT_EQ(p->peerDependencies, std::vector<std::string>{"p"});
  EXPECT_EQ(p->devDependencies, std::vector<std::string>{"d"});
}

struct LicenseCase {
  const char* json;
  std::vector<std::string> want;
};

class NpmPackageJsonLicense : public ::testing::TestWithParam<LicenseCase> {};

TEST_P(NpmPackageJsonLicense, Forms) {
  auto p = npm::parsePackageJson(GetParam().json);
  ASSERT_TRUE(p) << p.error().describe();
  EXPECT_EQ(p->licenses, GetParam().want) << GetParam().json;
}

INSTANTIATE_TEST_SUITE_P(
    Table, NpmPackageJsonLicense,
    ::testing::Values(
        LicenseCase{R"j({"license": "(MIT OR Apache-2.0)"})j", {"(MIT OR Apache-2.0)"}},
        LicenseCase{R"({"license": {"type": "BSD", "url": "http://x"}})", {"BSD"}},
        LicenseCase{R"({"licenses": [{"type": "MIT"}, {"type": "GPL-2.0"}]})", {"MIT", "GPL-2.0"}},
        LicenseCase{R"({"licenses": ["MIT", "Apache-2.0"]})", {"MIT", "Apache-2.0"}},
        LicenseCase{R"({"licenses": {"type": "ISC"}})", {"ISC"}},
        LicenseCase{R"({"license": "MIT", "licenses": [{"type": "MIT"}]})", {"MIT", "MIT"}},
        LicenseCase{R"({"license": "", "licenses": [{"url": "x"}, 5, null]})", {}},
        LicenseCase{R"({"license": 5})", {}}));

TEST(NpmPackageJson, AuthorObjectAndWrongTypes) {
  auto p = npm::parsePackageJson(
      R"({"name": 5, "version": ["1"], "author": {"name": "A", "email": "a@x"},
          "dependencies": "x", "scripts": ["install"], "maintainers": "m"})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "");
  EXPECT_EQ(p->version, "");
  EXPECT_EQ(p->author, "A <a@x>");
  EXPECT_TRUE(p->dependencies.empty());
  EXPECT_FALSE(p->hasInstallScript);
  EXPECT_TRUE(p->maintainers.empty());
}

TEST(NpmPackageJson, Malformed) {
  for (std::string_view bad : {"", "{", "[]", "\"x\"", "{\"a\":}", "{\"a\": 1,}", "nul"}) {
    auto p = npm::parsePackageJson(bad);
    EXPECT_FALSE(p) << bad;
    if (!p) {
      EXPECT_EQ(p.error().code, ErrorCode::kInvalidInput);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Integrity and resolution

TEST(NpmIntegrity, SriToHexHashes) {
  // Digests of the empty string.
  auto h = npm::integrityToHashes(
      "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/"
      "SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg== "
      "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].algorithm, "SHA-512");
  EXPECT_EQ(
      h[0].value,
      "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2"
      "877eec2f63b931bd47417a81a538327af927da3e");
  EXPECT_EQ(h[1].algorithm, "SHA-1");
  EXPECT_EQ(h[1].value, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  auto h256 = npm::integrityToHashes("sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=?opt");
  ASSERT_EQ(h256.size(), 1u);
  EXPECT_EQ(h256[0].value, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(NpmIntegrity, BadStringsGiveNothing) {
  for (std::string_view bad : {"", "sha512", "sha512-", "md4-AAAA", "sha1-!!!!", "sha1-AAAA",
                               "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg", "garbage"})
    EXPECT_TRUE(npm::integrityToHashes(bad).empty()) << bad;
}

TEST(NpmResolve, NodeModulesWalkUp) {
  std::set<std::string> have = {"node_modules/a",
                                "node_modules/b",
                                "node_modules/a/node_modules/b",
                                "node_modules/@s/c",
                                "node_modules/@s/c/node_modules/d",
                                "packages/w/node_modules/e"};
  auto exists = [&](const std::string& k) { return have.contains(k); };
  struct Case {
    const char* from;
    const char* dep;
    const char* want;
  } cases[] = {
      {"", "a", "node_modules/a"},
      {"node_modules/a", "b", "node_modules/a/node_modules/b"},
      {"node_modules/b", "a", "node_modules/a"},
      {"node_modules/a/node_modules/b", "b", "node_modules/a/node_modules/b"},
      {"node_modules/a/node_modules/b", "@s/c", "node_modules/@s/c"},
      {"node_modules/@s/c", "d", "node_modules/@s/c/node_modules/d"},
      {"node_modules/@s/c/node_modules/d", "b", "node_modules/b"},
      {"packages/w", "e", "packages/w/node_modules/e"},
      {"packages/w", "a", "node_modules/a"},
      {"node_modules/a", "zzz", ""},
  };
  for (const auto& c : cases)
    EXPECT_EQ(npm::resolveDependency(c.from, c.dep, exists), c.want) << c.from << " -> " << c.dep;
}

// ---------------------------------------------------------------------------------------------
// The cataloger on real trees

using tollgate::testing::walkTempDir;

const sbom::Component* find(const Catalogue& c, std::string_view group, std::string_view name,
                            std::string_view version) {
  for (const auto& comp : c.components)
    if (comp.group == group && comp.name == name && comp.version == version) return &comp;
  return nullptr;
}

std::set<std::pair<std::string, std::string>> edges(const Catalogue& c) {
  std::map<std::string, std::string> label;
  for (const auto& comp : c.components)
    label[comp.bomRef] =
        (comp.group.empty() ? "" : "@" + comp.group + "/") + comp.name + "@" + comp.version;
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& d : c.dependencies)
    for (const auto& t : d.dependsOn) out.emplace(label.at(d.ref), label.at(t));
  return out;
}

std::string pj(std::string_view name, std::string_view version, std::string_view deps = "{}") {
  return R"({"name": ")" + std::string(name) + R"(", "version": ")" + std::string(version) +
         R"(", "license": "MIT", "dependencies": )" + std::string(deps) + "}";
}

void installV3Project(const TempDir& d) {
  d.write("app/package.json", R"({"name": "app", "version": "1.0.0", "dependencies": {"a": "1"}})");
  d.write("app/package-lock.json", kLockV3);
  d.write("app/node_modules/a/package.json", pj("a", "1.2.0", R"({"@s/b": "^2"})"));
  d.write("app/node_modules/@s/b/package.json", pj("@s/b", "2.0.0"));
  d.write("app/node_modules/a/node_modules/@s/b/package.json", pj("@s/b", "2.1.0"));
  d.write("app/node_modules/react-is-18/package.json", pj("react-is", "18.3.1"));
  d.write("app/node_modules/t/package.json", pj("t", "2.0.0"));
  d.write("app/node_modules/a/lib/package.json", R"({"type": "module"})");  // not a package
  d.write("app/node_modules/.cache/x/package.json", pj("cache-junk", "0.0.0"));
  d.write("app/packages/ws/package.json", pj("@me/ws", "0.1.0"));
  d.symlink("../packages/ws", "app/node_modules/ws");
  auto addon = d.write("app/node_modules/a/build/addon.node",
                       "\x7f"
                       "ELF");
  (void)addon;
}

TEST(NpmCataloger, InstalledProjectWithLock) {
  TempDir d;
  installV3Project(d);
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogNpm(*s.tree, diag);
  EXPECT_EQ(diag.count(), 0u);

  // Installed: a, @s/b 2.0.0 and 2.1.0, react-is, t, the workspace and the root project. "o" and
  // "p" are in no lock entry; "cache-junk" and lib/package.json are not package folders.
  std::set<std::string> got;
  for (const auto& comp : c.components)
    got.insert((comp.group.empty() ? "" : "@" + comp.group + "/") + comp.name + "@" + comp.version);
  EXPECT_EQ(got, (std::set<std::string>{"app@1.0.0", "a@1.2.0", "@s/b@2.0.0", "@s/b@2.1.0",
                                        "react-is@18.3.1", "t@2.0.0", "@me/ws@0.1.0"}));

  const auto* app = find(c, "", "app", "1.0.0");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->type, sbom::ComponentType::kApplication);
  EXPECT_EQ(app->properties.at("tollgate:npm:project"), "true");

  const auto* a = find(c, "", "a", "1.2.0");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->foundBy, "npm");
  EXPECT_EQ(a->bomRef, a->purl);
  EXPECT_TRUE(a->purl.starts_with("pkg:npm/a")) << a->purl;
  EXPECT_EQ(a->evidencePaths, (std::vector<std::string>{"/app/node_modules/a/package.json",
                                                        "/app/package-lock.json"}));
  ASSERT_EQ(a->hashes.size(), 1u);
  EXPECT_EQ(a->hashes[0].algorithm, "SHA-1");
  EXPECT_EQ(a->properties.at("tollgate:npm:resolved"), "https://r.example/a-1.2.0.tgz");
  EXPECT_EQ(a->properties.at("tollgate:npm:hasInstallScript"), "true");
  ASSERT_EQ(a->licenses.size(), 1u);
  EXPECT_EQ(a->licenses[0].expression.empty() ? a->licenses[0].name : a->licenses[0].expression,
            "MIT");
  ASSERT_EQ(a->files.size(), 1u);
  EXPECT_EQ(a->files[0].path, "/app/node_modules/a/build/addon.node");

  const auto* b = find(c, "s", "b", "2.0.0");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->group, "s");
  EXPECT_TRUE(b->purl.starts_with("pkg:npm/%40s/b")) << b->purl;
  EXPECT_EQ(b->properties.at("tollgate:npm:dev"), "true");
  EXPECT_EQ(b->properties.at("tollgate:npm:optional"), "true");
  EXPECT_FALSE(find(c, "s", "b", "2.1.0")->properties.contains("tollgate:npm:dev"));

  const auto* rx = find(c, "", "react-is", "18.3.1");
  ASSERT_NE(rx, nullptr);
  EXPECT_EQ(rx->properties.at("tollgate:npm:alias"), "react-is-18");
  EXPECT_EQ(find(c, "me", "ws", "0.1.0")->properties.at("tollgate:npm:workspace"), "true");

  EXPECT_EQ(edges(c), (std::set<std::pair<std::string, std::string>>{
                          {"app@1.0.0", "a@1.2.0"},
                          {"app@1.0.0", "t@2.0.0"},
                          {"a@1.2.0", "@s/b@2.1.0"},  // the nested copy shadows the top one
                          {"@me/ws@0.1.0", "t@2.0.0"},
                      }));
}

TEST(NpmCataloger, LockOnlyListsEverythingTheLockNames) {
  TempDir d;
  d.write("p/package-lock.json", kLockV3);
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogNpm(*s.tree, diag);
  EXPECT_EQ(diag.count(), 0u);
  EXPECT_EQ(c.components.size(), 7u);  // no node_modules: nothing is known not to be installed
  EXPECT_NE(find(c, "s", "b", "2.1.0"), nullptr);
  EXPECT_TRUE(edges(c).contains({"a@1.2.0", "@s/b@2.1.0"}));
}

TEST(NpmCataloger, LockEntriesMissingFromAnInstalledTreeAreNotInstalled) {
  TempDir d;
  d.write("p/package-lock.json", R"({"name": "p", "version": "1.0.0", "lockfileVersion": 3,
      "packages": {"": {"name": "p", "version": "1.0.0", "dependencies": {"a": "1"}},
                   "node_modules/a": {"version": "1.0.0", "optionalDependencies": {"win": "1"}},
                   "node_modules/win": {"version": "1.0.0", "optional": true, "os": ["win32"]},
                   "node_modules/stale": {"version": "1.0.0"}}})");
  d.write("p/node_modules/a/package.json", pj("a", "1.0.0"));
  d.write("p/node_modules/stale/package.json", pj("stale", "2.0.0"));  // the lock is out of date
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogNpm(*s.tree, diag);
  EXPECT_NE(find(c, "", "a", "1.0.0"), nullptr);
  EXPECT_EQ(find(c, "", "win", "1.0.0"), nullptr);
  EXPECT_EQ(find(c, "", "stale", "1.0.0"), nullptr);
  EXPECT_NE(find(c, "", "stale", "2.0.0"), nullptr);
}

TEST(NpmCataloger, InstalledTreeWithoutLock) {
  TempDir d;
  d.write("srv/package.json", R"({"name": "srv", "version": "2.0.0",
      "dependencies": {"a": "1"}, "devDependencies": {"c": "1"}})");
  d.write("srv/node_modules/a/package.json", pj("a", "1.0.0", R"({"b": "1", "missing": "1"})"));
  d.write("srv/node_modules/b/package.json", pj("b", "1.0.0", R"({"c": "1"})"));
  d.write("srv/node_modules/a/node_modules/c/package.json", pj("c", "1.0.0"));
  d.write("srv/node_modules/c/package.json", pj("c", "2.0.0"));
  // pnpm's layout: the real folder under .pnpm, reached through a symbolic link.
  d.write("srv/node_modules/.pnpm/x@1.0.0/node_modules/x/package.json", pj("x", "1.0.0"));
  d.symlink(".pnpm/x@1.0.0/node_modules/x", "srv/node_modules/x");
  d.write("srv/node_modules/b/node_modules/y/package.json", pj("y", "1.0.0", R"({"x": "1"})"));
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogNpm(*s.tree, diag);
  EXPECT_EQ(diag.count(), 0u);
  EXPECT_EQ(c.components.size(), 7u);
  EXPECT_EQ(edges(c), (std::set<std::pair<std::string, std::string>>{
                          {"srv@2.0.0", "a@1.0.0"},
                          {"srv@2.0.0", "c@2.0.0"},
                          {"a@1.0.0", "b@1.0.0"},
                          {"b@1.0.0", "c@2.0.0"},  // a's nested c is not visible from b
                          {"y@1.0.0", "x@1.0.0"},
                      }));
}

TEST(NpmCataloger, SameVersionInManyPlacesIsOneComponent) {
  TempDir d;
  d.write("p1/node_modules/ms/package.json", pj("ms", "2.1.3"));
  d.write("p2/node_modules/q/node_modules/ms/package.json", pj("ms", "2.1.3"));
  d.write("p2/node_modules/q/package.json", pj("q", "1.0.0"));
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogNpm(*s.tree, diag);
  const auto* ms = find(c, "", "ms", "2.1.3");
  ASSERT_NE(ms, nullptr);
  EXPECT_EQ(ms->evidencePaths.size(), 2u);
  EXPECT_EQ(c.components.size(), 2u);
}

TEST(NpmCataloger, HiddenLockfileIsEvidenceAndLocksInsideNodeModulesAreIgnored) {
  TempDir d;
  d.write("p/node_modules/.package-lock.json", R"({"name": "p", "lockfileVersion": 3,
      "packages": {"node_modules/a": {"version": "1.0.0", "integrity":
      "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=", "dependencies": {"b": "1"}},
      "node_modules/b": {"version": "1.0.0"}}})");
  d.write("p/node_modules/a/package.json", pj("a", "1.0.0"));
  d.write("p/node_modules/b/package.json", pj("b", "1.0.0"));
  d.write("p/node_modules/b/package-lock.json", R"({"lockfileVersion": 3, "packages": {
      "node_modules/evil": {"version": "6.6.6"}}})");
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogNpm(*s.tree, diag);
  EXPECT_EQ(c.components.size(), 2u);
  const auto* a = find(c, "", "a", "1.0.0");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->hashes.size(), 1u);
  EXPECT_EQ(a->evidencePaths.size(), 2u);
  EXPECT_EQ(edges(c), (std::set<std::pair<std::string, std::string>>{{"a@1.0.0", "b@1.0.0"}}));
}

TEST(NpmCataloger, MalformedFilesGiveOneWarningEachAndTheScanGoesOn) {
  TempDir d;
  d.write("p/package-lock.json", "{ not json");
  d.write("q/npm-shrinkwrap.json", "[]");
  d.write("p/node_modules/bad/package.json", "{\"name\": ");
  d.write("p/node_modules/good/package.json", pj("good", "1.0.0"));
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogNpm(*s.tree, diag);
  ASSERT_EQ(c.components.size(), 1u);
  EXPECT_EQ(c.components[0].name, "good");
  auto w = diag.warnings();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].where, "/p/node_modules/bad/package.json");
  EXPECT_EQ(w[1].where, "/p/package-lock.json");
  EXPECT_EQ(w[2].where, "/q/npm-shrinkwrap.json");
  for (const auto& x : w) EXPECT_NE(x.what.find("malformed"), std::string::npos) << x.what;
}

TEST(NpmCataloger, NothingToFind) {
  TempDir d;
  d.write("src/package.json", pj("not-installed", "1.0.0"));  // a source tree, not a project
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogNpm(*s.tree, diag);
  EXPECT_TRUE(c.components.empty());
  EXPECT_TRUE(c.dependencies.empty());
}

}  // namespace
}  // namespace tollgate::catalog
