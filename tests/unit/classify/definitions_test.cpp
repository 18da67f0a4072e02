// Detector files: parsing, errors that name the place, merging; one database shared by threads.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "tollgate/classify/scanner.h"

namespace tollgate::classify {
namespace {

TEST(Definitions, ShippedFileParsesAndCompiles) {
  auto defs = parseDetectors(defaultDetectorsYaml(), "shipped");
  ASSERT_TRUE(defs) << defs.error().describe();
  EXPECT_GT(defs->size(), 25u);
  for (const auto& d : *defs) EXPECT_FALSE(d.pattern.empty()) << d.id;
  EXPECT_TRUE(Database::compile(*defs));
}

TEST(Definitions, ErrorsNameTheFileAndLine) {
  struct Bad {
    const char* yaml;
    const char* what;
  };
  for (const auto& b : std::vector<Bad>{
           {"nothing: here\n", "detectors"},
           {"detectors:\n  - id: x\n    colour: red\n    pattern: a\n", "unknown field"},
           {"detectors:\n  - id: x\n    pattern: a\n    validator: magic\n", "unknown validator"},
           {"detectors:\n  - id: X Y\n    pattern: a\n", "invalid detector id"},
           {"detectors:\n  - id: x\n    pattern: a\n    score: 2\n", "score"},
           {"detectors:\n  - id: x\n", "no pattern"},
           {"detectors: [\n", ""},
       }) {
    auto r = parseDetectors(b.yaml, "mine.yaml");
    ASSERT_FALSE(r) << b.yaml;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(r.error().describe().find("mine.yaml"), std::string::npos) << r.error().describe();
    EXPECT_NE(r.error().describe().find(b.what), std::string::npos) << r.error().describe();
  }
  auto bad = parseDetectors("detectors:\n  - id: x\n    pattern: '(unclosed'\n", "f");
  ASSERT_TRUE(bad);
  auto db = Database::compile(*bad);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("'x'"), std::string::npos) << db.error().message;
}

TEST(Definitions, MergeReplacesAndDisables) {
  auto base = *parseDetectors(defaultDetectorsYaml(), "shipped");
  auto n = base.size();
  auto extra = *parseDetectors(
      "detectors:\n"
      "  - {id: employee_id, pattern: 'EMP-[0-9]{6}', validator: none, severity: high}\n"
      "  - {id: aws_access_key, enabled: false}\n"
      "  - {id: email, pattern: 'nobody@nowhere\\.example', validator: none}\n",
      "extra");
  mergeDetectors(base, std::move(extra));
  EXPECT_EQ(base.size(), n);  // one added, one removed, one replaced
  auto db = Database::compile(base);
  ASSERT_TRUE(db) << db.error().describe();
  auto ms = scan(*db, "EMP-123456 AKIAZ3MSJV4WWNKWW5FG jane@example.org nobody@nowhere.example");
  ASSERT_TRUE(ms);
  std::vector<std::string> ids;
  for (const auto& m : *ms) ids.push_back(m.detector + ":" + m.value);
  EXPECT_EQ(ids,
            (std::vector<std::string>{"employee_id:EMP-123456", "email:nobody@nowhere.example"}));
}

TEST(Definitions, OneDatabaseManyThreads) {
  auto db = *Database::defaults();
  std::string text;
  for (int i = 0; i < 200; ++i) text += "card 4539 1488 0343 6467 mail jane.roe@example.org\n";
  auto expected = scan(db, text)->size();
  std::vector<std::size_t> got(4);
  std::vector<std::thread> ts;
  for (std::size_t t = 0; t < got.size(); ++t)
    ts.emplace_back([&, t] {
      for (int r = 0; r < 5; ++r) got[t] = scan(db, text)->size();
    });
  for (auto& t : ts) t.join();
  for (auto g : got) EXPECT_EQ(g, expected);
  EXPECT_EQ(expected, 400u);
}

// The serialized databases: stored on the first compile, read on the second, a corrupt file
// recompiled and replaced; the matches are the same every time.
TEST(Definitions, CompiledDatabasesAreCached) {
  auto dir = std::filesystem::temp_directory_path() /
             ("tollgate-classify-cache-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto defs = *parseDetectors(defaultDetectorsYaml(), "<defaults>");
  std::string text = "card 4539 1488 0343 6467 mail jane.roe@example.org dob: 1985-03-12\n";
  auto expected = scan(*Database::compile(defs), text)->size();
  auto files = [&] {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path());
    return out;
  };
  auto first = Database::compileCached(defs, dir);
  ASSERT_TRUE(first);
  ASSERT_EQ(files().size(), 1u);
  auto size = std::filesystem::file_size(files()[0]);
  EXPECT_GT(size, 1000u);
  auto second = Database::compileCached(defs, dir);
  ASSERT_TRUE(second);
  EXPECT_EQ(scan(*second, text)->size(), expected);
  { std::ofstream(files()[0], std::ios::trunc) << "corrupt"; }
  auto third = Database::compileCached(defs, dir);
  ASSERT_TRUE(third);
  EXPECT_EQ(scan(*third, text)->size(), expected);
  EXPECT_EQ(std::filesystem::file_size(files()[0]), size);
  // Other definitions, another file.
  defs.pop_back();
  ASSERT_TRUE(Database::compileCached(defs, dir));
  EXPECT_EQ(files().size(), 2u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tollgate::classify
