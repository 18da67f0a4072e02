// The purl-spec test suite (../shared/data/purl-spec/tests), read in place: every case of
// tests/spec/*.json and tests/types/*.json is one test.
//
//   parse     input string  -> expected decoded components (or failure)
//   build     input components -> expected canonical string (or failure)
//   validate  input string  -> expected canonical string (parse, then toString; the suite's
//             round-trip test)
//
// Both parse modes run on every string case, with one rule and no per-case exceptions:
//   - expected failure: ParseMode::kStrict rejects it; ParseMode::kNormalize rejects it too,
//     unless kStrict's only objection is one the modes are documented to differ on (an
//     upper-case qualifier key or scheme, "not lower-case"), which kNormalize repairs;
//   - expected success: kNormalize produces the expected output; kStrict produces the same
//     object, unless it rejects it for that same documented reason.
// The suite's test_group is not consulted: the suite files it inconsistently (the upper-case key
// in maven #13 is a "required" success, the same shape in gem #1 and rpm #1 a "required" failure).
// Every successful case is also checked for the module's own invariants: build(p) == p and
// parse(p.toString()) == p in both modes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tollgate/purl/purl.h"

namespace tollgate::purl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path suiteDir() { return fs::path(TOLLGATE_SHARED_DATA) / "purl-spec" / "tests"; }

struct SpecCase {
  std::string file;   // e.g. "types/npm-test.json"
  std::size_t index;  // position in the file's "tests" array
  std::string name;   // gtest parameter name
  json test;
};

// gtest prints parameters of failing or listed tests with this instead of a byte dump.
void PrintTo(const SpecCase& c, std::ostream* os) { *os << c.file << " #" << c.index; }

std::vector<fs::path> suiteFiles() {
  std::vector<fs::path> files;
  for (const char* sub : {"spec", "types"}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(suiteDir() / sub, ec)) {
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string identifier(std::string_view s, std::size_t maxLen) {
  std::string out;
  for (const char ch : s) {
    if (out.size() >= maxLen) break;
    if (std::isalnum(static_cast<unsigned char>(ch)) != 0) {
      out += ch;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::vector<SpecCase> loadSuite() {
  std::vector<SpecCase> cases;
  for (const fs::path& path : suiteFiles()) {
    std::ifstream in(path);
    const json doc = json::parse(in);
    std::string stem = path.stem().string();  // "npm-test", "specification-test"
    if (stem.ends_with("-test")) stem.resize(stem.size() - 5);
    const auto& tests = doc.at("tests");
    for (std::size_t i = 0; i < tests.size(); ++i) {
      const json& t = tests[i];
      std::string index = std::to_string(i);
      index.insert(0, index.size() < 3 ? 3 - index.size() : 0, '0');
      std::string name = identifier(stem, 40) + "_" + index + "_" +
                         t.at("test_type").get<std::string>() + "_" +
                         identifier(t.value("description", ""), 60);
      cases.push_back({path.parent_path().filename().string() + "/" + path.filename().string(), i,
                       std::move(name), t});
    }
  }
  return cases;
}

const std::vector<SpecCase>& suite() {
  static const std::vector<SpecCase> cases = loadSuite();
  return cases;
}

std::string str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? std::string() : it->get<std::string>();
}

PackageUrl components(const json& j) {
  PackageUrl p{.type = str(j, "type"),
               .ns = str(j, "namespace"),
               .name = str(j, "name"),
               .version = str(j, "version"),
               .qualifiers = {},
               .subpath = str(j, "subpath")};
  if (const auto q = j.find("qualifiers"); q != j.end() && q->is_object()) {
    for (const auto& [key, value] : q->items()) {
      p.qualifiers[key] = value.is_null() ? std::string() : value.get<std::string>();
    }
  }
  return p;
}

std::string show(const PackageUrl& p) {
  json q = json::object();
  for (const auto& [k, v] : p.qualifiers) q[k] = v;
  return json{{"type", p.type},       {"namespace", p.ns}, {"name", p.name},
              {"version", p.version}, {"qualifiers", q},   {"subpath", p.subpath}}
      .dump();
}

// The module's own invariants on every object it hands out.
void expectCanonicalFixpoint(const PackageUrl& p) {
  const auto rebuilt = build(p);
  ASSERT_TRUE(rebuilt.has_value()) << rebuilt.error().describe();
  EXPECT_EQ(*rebuilt, p) << "build() is not idempotent on " << show(p);
  const std::string text = p.toString();
  for (const ParseMode mode : {ParseMode::kNormalize, ParseMode::kStrict}) {
    const auto reparsed = parse(text, mode);
    ASSERT_TRUE(reparsed.has_value()) << text << ": " << reparsed.error().describe();
    EXPECT_EQ(*reparsed, p) << "toString() does not round-trip: " << text;
  }
}

class PurlSpec : public testing::TestWithParam<SpecCase> {};

// The one kind of rejection that only kStrict makes (see purl.h).
bool isStrictOnlyRejection(const Error& e) {
  return e.message.find("not lower-case") != std::string::npos;
}

TEST_P(PurlSpec, Case) {
  const SpecCase& c = GetParam();
  const json& t = c.test;
  const std::string type = t.at("test_type").get<std::string>();
  const bool expectFailure = t.value("expected_failure", false);
  SCOPED_TRACE(c.file + " #" + std::to_string(c.index) + ": " + t.value("description", "") + " [" +
               t.value("test_group", "") + "] input " + t.at("input").dump());

  if (type == "build") {
    const auto built = build(components(t.at("input")));
    if (expectFailure) {
      EXPECT_FALSE(built.has_value()) << "built " << built->toString();
      return;
    }
    ASSERT_TRUE(built.has_value()) << built.error().describe();
    EXPECT_EQ(built->toString(), t.at("expected_output").get<std::string>());
    expectCanonicalFixpoint(*built);
    return;
  }

  ASSERT_TRUE(type == "parse" || type == "validate") << "unknown test_type " << type;
  const std::string input = t.at("input").get<std::string>();
  const auto strict = parse(input, ParseMode::kStrict);
  const auto lenient = parse(input, ParseMode::kNormalize);
  const bool strictOnly = !strict.has_value() && isStrictOnlyRejection(strict.error());
  if (expectFailure) {
    EXPECT_FALSE(strict.has_value()) << "kStrict parsed it as " << show(*strict);
    if (!strictOnly) {
      EXPECT_FALSE(lenient.has_value()) << "kNormalize parsed it as " << show(*lenient);
    }
    return;
  }
  ASSERT_TRUE(lenient.has_value()) << lenient.error().describe();
  if (type == "parse") {
    EXPECT_EQ(show(*lenient), show(components(t.at("expected_output"))));
  } else {
    EXPECT_EQ(lenient->toString(), t.at("expected_output").get<std::string>());
  }
  expectCanonicalFixpoint(*lenient);
  if (!strictOnly) {
    ASSERT_TRUE(strict.has_value()) << strict.error().describe();
    EXPECT_EQ(*strict, *lenient) << "kStrict and kNormalize disagree";
  }
}

INSTANTIATE_TEST_SUITE_P(purlspec, PurlSpec, testing::ValuesIn(suite()),
                         [](const testing::TestParamInfo<SpecCase>& info) {
                           return info.param.name;
                         });

// Guards against the suite silently shrinking to nothing (a moved data directory would otherwise
// leave zero parameterised cases and a green run).
TEST(purlspec, IsPresentAndComplete) {
  const auto files = suiteFiles();
  EXPECT_GE(files.size(), 40u) << "purl-spec suite missing under " << suiteDir();
  EXPECT_GE(suite().size(), 500u);
  std::map<std::string, int> byType;
  for (const SpecCase& c : suite()) ++byType[c.test.at("test_type").get<std::string>()];
  EXPECT_GT(byType["parse"], 0);
  EXPECT_GT(byType["build"], 0);
  EXPECT_GT(byType["validate"], 0);
  EXPECT_EQ(byType.size(), 3u) << "a test_type this harness does not know";
}

}  // namespace
}  // namespace tollgate::purl
