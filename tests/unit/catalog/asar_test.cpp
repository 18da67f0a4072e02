// asar header parser on archives built here from the documented layout (the integration test
// uses archives made by @electron/asar), and the asar cataloger on small roots.
#include "tollgate/catalog/asar.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "scanned_tree.h"
#include "temp_dir.h"
#include "tollgate/catalog/catalog.h"

namespace tollgate::catalog {
namespace {

using tollgate::testing::TempDir;

void le32(std::string& s, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// An asar file: size pickle, header pickle (JSON padded to 4 bytes), data.
std::string asarFile(const std::string& json, const std::string& data) {
  std::string padded = json;
  while (padded.size() % 4) padded.push_back('\0');
  std::string out;
  le32(out, 4);
  le32(out, static_cast<std::uint32_t>(8 + padded.size()));
  le32(out, static_cast<std::uint32_t>(4 + padded.size()));
  le32(out, static_cast<std::uint32_t>(json.size()));
  return out + padded + data;
}

// Files of a flat list "a/b/c" -> contents, packed as asar (directories synthesised).
std::string pack(const std::vector<std::pair<std::string, std::string>>& files,
                 const std::vector<std::string>& unpacked = {}) {
  // Build a nested JSON object by hand, in order.
  struct Node {
    std::vector<std::pair<std::string, std::unique_ptr<Node>>> dirs;
    std::vector<std::pair<std::string, std::string>> leaves;  // name -> JSON
  };
  Node root;
  std::string data;
  for (const auto& [path, content] : files) {
    Node* n = &root;
    std::size_t start = 0;
    for (std::size_t slash; (slash = path.find('/', start)) != std::string::npos;
         start = slash + 1) {
      std::string dir = path.substr(start, slash - start);
      auto it =
          std::find_if(n->dirs.begin(), n->dirs.end(), [&](auto& d) { return d.first == dir; });
      if (it == n->dirs.end()) {
        n->dirs.emplace_back(dir, std::make_unique<Node>());
        it = n->dirs.end() - 1;
      }
      n = it->second.get();
    }
    bool up = std::find(unpacked.begin(), unpacked.end(), path) != unpacked.end();
    std::string leaf = "{\"size\":" + std::to_string(content.size());
    if (up) {
      leaf += ",\"unpacked\":true}";
    } else {
      leaf += ",\"offset\":\"" + std::to_string(data.size()) + "\"}";
      data += content;
    }
    n->leaves.emplace_back(path.substr(start), leaf);
  }
  std::function<std::string(const Node&)> emit = [&](const Node& n) {
    std::string s = "{\"files\":{";
    bool first = true;
    for (const auto& [name, leaf] : n.leaves) {
      s += (first ? "" : ",") + std::string("\"") + name + "\":" + leaf;
      first = false;
    }
    for (const auto& [name, child] : n.dirs) {
      s += (first ? "" : ",") + std::string("\"") + name + "\":" + emit(*child);
      first = false;
    }
    return s + "}}";
  };
  return asarFile(emit(root), data);
}

TEST(AsarHeader, FilesDirectoriesLinksAndContents) {
  std::string json =
      R"({"files":{"main.js":{"size":5,"offset":"0","executable":true},)"
      R"("lib":{"files":{"a.txt":{"size":3,"offset":5},"native.node":{"size":9,"unpacked":true},)"
      R"("current":{"link":"lib/a.txt"}}},"empty":{"files":{}}}})";
  std::string file = asarFile(json, "hellofoo");
  auto a = asar::parseArchive(file);
  ASSERT_TRUE(a) << a.error().describe();
  EXPECT_EQ(a->dataOffset, file.size() - 8);
  ASSERT_EQ(a->entries.size(), 4u);
  EXPECT_EQ(a->entries[0].path, "main.js");
  EXPECT_TRUE(a->entries[0].executable);
  EXPECT_EQ(a->contents(file, a->entries[0]), "hello");
  const auto& txt = a->entries[1];
  EXPECT_EQ(txt.path, "lib/a.txt");
  EXPECT_EQ(a->contents(file, txt), "foo");
  EXPECT_EQ(a->entries[2].type, asar::EntryType::kLink);  // names sorted within a directory
  EXPECT_EQ(a->entries[2].link, "lib/a.txt");
  EXPECT_FALSE(a->contents(file, a->entries[2]));
  EXPECT_EQ(a->entries[3].path, "lib/native.node");
  EXPECT_TRUE(a->entries[3].unpacked);
  EXPECT_FALSE(a->contents(file, a->entries[3]));
  // Data cut short: the header still parses, contents beyond the end are refused.
  std::string cut = file.substr(0, file.size() - 2);
  auto c = asar::parseArchive(cut);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->contents(cut, c->entries[0]), "hello");
  EXPECT_FALSE(c->contents(cut, c->entries[1]));
}

struct Bad {
  std::string name;
  std::string file;
  std::string expect;
  ErrorCode code = ErrorCode::kInvalidInput;
};

std::vector<Bad> badArchives() {
  std::vector<Bad> v;
  auto withPickle = [](std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
    std::string s;
    le32(s, a);
    le32(s, b);
    le32(s, c);
    le32(s, d);
    return s + std::string(64, ' ');
  };
  v.push_back({"Short", "asar", "shorter"});
  v.push_back({"FirstPickle", withPickle(5, 16, 12, 4), "size pickle"});
  v.push_back({"Inconsistent", withPickle(4, 16, 20, 4), "inconsistent"});
  v.push_back({"JsonTooLong", withPickle(4, 16, 12, 40), "inconsistent"});
  v.push_back({"BeyondFile", withPickle(4, 1000, 996, 4), "past the end"});
  v.push_back({"NotJson", asarFile("{files", ""), "not JSON"});
  v.push_back({"NoFiles", asarFile(R"({"x":1})", ""), "no \"files\""});
  v.push_back({"FilesNotObject", asarFile(R"({"files":[]})", ""), "no \"files\""});
  v.push_back(
      {"DotDot", asarFile(R"({"files":{"..":{"size":1,"offset":"0"}}})", "x"), "bad entry name"});
  v.push_back(
      {"Slash", asarFile(R"({"files":{"a/b":{"size":1,"offset":"0"}}})", "x"), "bad entry name"});
  v.push_back(
      {"Empty", asarFile(R"({"files":{"":{"size":1,"offset":"0"}}})", "x"), "bad entry name"});
  v.push_back({"Nul", asarFile(R"({"files":{"a\u0000b":{"size":1,"offset":"0"}}})", "x"),
               "bad entry name"});
  v.push_back({"NoSize", asarFile(R"({"files":{"a":{"offset":"0"}}})", ""), "no valid size"});
  v.push_back({"NegativeSize", asarFile(R"({"files":{"a":{"size":-1,"offset":"0"}}})", ""),
               "no valid size"});
  v.push_back(
      {"FloatSize", asarFile(R"({"files":{"a":{"size":1.5,"offset":"0"}}})", ""), "no valid size"});
  v.push_back({"BadOffset", asarFile(R"({"files":{"a":{"size":1,"offset":"1e3"}}})", "x"),
               "no valid offset"});
  v.push_back({"HugeOffset",
               asarFile(R"({"files":{"a":{"size":1,"offset":"99999999999999999999"}}})", "x"),
               "no valid offset"});
  v.push_back({"EntryNotObject", asarFile(R"({"files":{"a":7}})", ""), "not an object"});
  v.push_back({"DirNotObject", asarFile(R"({"files":{"a":{"files":7}}})", ""), "no file list"});
  v.push_back({"LinkNotString", asarFile(R"({"files":{"a":{"link":7}}})", ""), "no target"});
  std::string deep = R"({"files":)";
  for (int i = 0; i < 300; ++i) deep += R"({"d":{"files":)";
  deep += "{}";
  for (int i = 0; i < 300; ++i) deep += "}}";
  deep += "}";
  v.push_back({"DeepDirectories", asarFile(deep, ""), "deeper", ErrorCode::kLimit});
  v.push_back({"DeepArrays", asarFile(R"({"files":{},"x":)" + std::string(100000, '[') + "}", ""),
               "deeper", ErrorCode::kLimit});
  return v;
}

class AsarMalformed : public ::testing::TestWithParam<Bad> {};

TEST_P(AsarMalformed, IsAnError) {
  const auto& c = GetParam();
  auto a = asar::parseArchive(c.file);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, c.code);
  EXPECT_NE(a.error().message.find(c.expect), std::string::npos) << a.error().message;
}

INSTANTIATE_TEST_SUITE_P(Asar, AsarMalformed, ::testing::ValuesIn(badArchives()),
                         [](const auto& info) { return info.param.name; });

TEST(AsarHeader, EveryTruncationIsHandled) {
  std::string file = pack({{"package.json", "{}"}, {"node_modules/a/package.json", "{}"}});
  for (std::size_t n = 0; n < file.size(); ++n) {
    auto a = asar::parseArchive(std::string_view(file).substr(0, n));
    if (a)
      for (const auto& e : a->entries) (void)a->contents(std::string_view(file).substr(0, n), e);
  }
}

// ---- cataloger --------------------------------------------------------------------------------

using tollgate::testing::walkTempDir;

const sbom::Component* byPurl(const Catalogue& c, std::string_view purl) {
  for (const auto& comp : c.components)
    if (comp.purl == purl) return &comp;
  return nullptr;
}

TEST(AsarCataloger, PackagesEvidenceAndDependencies) {
  TempDir d;
  d.write(
      "opt/App/resources/app.asar",
      pack(
          {{"package.json",
            R"({"name":"my-app","version":"2.0.0","license":"MIT","dependencies":{"a":"^1","@s/b":"2","gone":"1"}})"},
           {"main.js", "x"},
           {"node_modules/a/package.json",
            R"({"name":"a","version":"1.1.0","license":"ISC","dependencies":{"c":"1"}})"},
           {"node_modules/a/node_modules/c/package.json", R"({"name":"c","version":"1.0.0"})"},
           {"node_modules/c/package.json", R"({"name":"c","version":"2.0.0"})"},
           {"node_modules/@s/b/package.json", R"({"version":"2.1.0","dependencies":{"c":"2"}})"},
           {"node_modules/a/lib/package.json", R"({"name":"not-a-package-folder"})"},
           {"node_modules/native/package.json", ""},
           {"node_modules/broken/package.json", "{not json"}},
          {"node_modules/native/package.json"}));
  d.write("opt/App/resources/app.asar.unpacked/node_modules/native/package.json",
          R"({"name":"native","version":"0.1.0"})");
  d.write("opt/Other/x.asar", "not an asar archive at all");
  auto s = walkTempDir(d);
  Diagnostics diag;
  Catalogue c = catalogAsar(*s.tree, diag);
  ASSERT_EQ(c.components.size(), 6u);
  const auto* app = byPurl(c, "pkg:npm/my-app@2.0.0");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->type, sbom::ComponentType::kApplication);
  EXPECT_EQ(app->foundBy, "asar");
  EXPECT_EQ(app->evidencePaths,
            (std::vector<std::string>{"/opt/App/resources/app.asar!/package.json"}));
  EXPECT_EQ(app->properties.at("tollgate:asar:app"), "true");
  const auto* b = byPurl(c, "pkg:npm/%40s/b@2.1.0");  // name from the folder
  ASSERT_TRUE(b);
  EXPECT_EQ(b->group, "s");
  EXPECT_EQ(b->name, "b");
  const auto* native = byPurl(c, "pkg:npm/native@0.1.0");
  ASSERT_TRUE(native);
  EXPECT_EQ(native->evidencePaths,
            (std::vector<std::string>{
                "/opt/App/resources/app.asar.unpacked/node_modules/native/package.json"}));
  const auto* a = byPurl(c, "pkg:npm/a@1.1.0");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->licenses.size(), 1u);
  EXPECT_EQ(a->licenses[0].expression, "ISC");
  EXPECT_FALSE(byPurl(c, "pkg:npm/not-a-package-folder"));

  auto depsOf = [&](const std::string& ref) {
    for (const auto& dep : c.dependencies)
      if (dep.ref == ref) return dep.dependsOn;
    return std::vector<std::string>{};
  };
  EXPECT_EQ(depsOf(app->bomRef),
            (std::vector<std::string>{"pkg:npm/%40s/b@2.1.0", "pkg:npm/a@1.1.0"}));
  EXPECT_EQ(depsOf(a->bomRef), (std::vector<std::string>{"pkg:npm/c@1.0.0"}));  // nested first
  EXPECT_EQ(depsOf(b->bomRef), (std::vector<std::string>{"pkg:npm/c@2.0.0"}));

  auto w = diag.warnings();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].where, "/opt/App/resources/app.asar");
  EXPECT_NE(w[0].what.find("node_modules/broken/package.json"), std::string::npos) << w[0].what;
  EXPECT_EQ(w[1].where, "/opt/Other/x.asar");
}

}  // namespace
}  // namespace tollgate::catalog
