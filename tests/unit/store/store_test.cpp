#include "tollgate/store/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace tollgate::store {
namespace {

namespace fs = std::filesystem;
using tollgate::testing::TempDir;

constexpr Migration kV1[] = {{"t", 1, "CREATE TABLE t_items(k TEXT PRIMARY KEY, v INTEGER)"}};
constexpr Migration kV2[] = {{"t", 1, "CREATE TABLE t_items(k TEXT PRIMARY KEY, v INTEGER)"},
                             {"t", 2, "ALTER TABLE t_items ADD COLUMN note TEXT"}};

std::int64_t count(Store& s) {
  auto q = s.prepare("SELECT COUNT(*) FROM t_items");
  EXPECT_TRUE(q);
  EXPECT_TRUE(*(*q)->step());
  return (*q)->columnInt(0);
}

TEST(StoreUrl, Parses) {
  struct Case {
    const char* in;
    bool ok;
    Url::Kind kind;
    const char* path;
  } cases[] = {
      {"sqlite:/var/x.db", true, Url::Kind::kSqlite, "/var/x.db"},
      {"sqlite:///var/x.db", true, Url::Kind::kSqlite, "/var/x.db"},
      {"sqlite:rel/x.db", true, Url::Kind::kSqlite, "rel/x.db"},
      {"x.sqlite", true, Url::Kind::kSqlite, "x.sqlite"},
      {"postgresql://u@h/db", true, Url::Kind::kPostgres, "postgresql://u@h/db"},
      {"sqlite:", false, Url::Kind::kSqlite, ""},
      {"mysql://h/db", false, Url::Kind::kSqlite, ""},
      {"plainfile", false, Url::Kind::kSqlite, ""},
  };
  for (const auto& c : cases) {
    auto u = parseUrl(c.in);
    ASSERT_EQ(u.has_value(), c.ok) << c.in;
    if (!c.ok) {
      EXPECT_EQ(u.error().code, ErrorCode::kUsage);
      continue;
    }
    EXPECT_EQ(u->kind, c.kind) << c.in;
    EXPECT_EQ(u->path, c.path) << c.in;
  }
}

TEST(StoreUrl, DefaultFollowsXdg) {
  EXPECT_EQ(defaultUrl("/x/data", "/home/u"), "sqlite:/x/data/tollgate/tollgate.db");
  EXPECT_EQ(defaultUrl("relative", "/home/u"), "sqlite:/home/u/.local/share/tollgate/tollgate.db");
  EXPECT_EQ(defaultUrl(nullptr, "/home/u"), "sqlite:/home/u/.local/share/tollgate/tollgate.db");
  EXPECT_EQ(defaultUrl(nullptr, nullptr), "sqlite:tollgate.db");
}

TEST(Store, PostgresIsRefusedClearly) {
  auto u = parseUrl("postgresql://localhost/tollgate");
  ASSERT_TRUE(u);
  auto s = open(*u);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(s.error().message.find("not supported yet"), std::string::npos);
}

TEST(Store, CreatesParentsAndUsesWal) {
  TempDir d;
  auto path = d.path() / "a" / "b" / "t.db";
  auto s = open(Url{Url::Kind::kSqlite, path.string(), ""});
  ASSERT_TRUE(s) << s.error().describe();
  auto q = (*s)->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(q);
  ASSERT_TRUE(*(*q)->step());
  EXPECT_EQ((*q)->columnText(0), "wal");
  EXPECT_TRUE(fs::exists(path));
}

TEST(Store, MissingFileWithoutCreate) {
  TempDir d;
  auto s = open(Url{Url::Kind::kSqlite, (d.path() / "none.db").string(), ""}, {.create = false});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
}

TEST(Store, EmptyFileWithoutCreateIsLeftAlone) {
  TempDir d;
  auto path = d.path() / "empty.db";
  std::ofstream(path).flush();
  auto s = open(Url{Url::Kind::kSqlite, path.string(), ""}, {.create = false});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(fs::file_size(path), 0u);
  // A command that creates its store may still start from an empty file.
  EXPECT_TRUE(open(Url{Url::Kind::kSqlite, path.string(), ""}, {.create = true}));
}

TEST(Store, NotADatabaseIsInputError) {
  TempDir d;
  auto path = d.path() / "junk.db";
  std::ofstream(path) << std::string(4096, 'x');
  auto s = open(Url{Url::Kind::kSqlite, path.string(), ""});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidInput) << s.error().describe();
}

TEST(Store, MigrationsRunOnceAndUpgrade) {
  TempDir d;
  Url u{Url::Kind::kSqlite, (d.path() / "m.db").string(), ""};
  {
    auto s = open(u);
    ASSERT_TRUE(s);
    ASSERT_TRUE((*s)->migrate(kV1));
    ASSERT_TRUE((*s)->migrate(kV1));  // again: nothing to do
    ASSERT_TRUE((*s)->execute("INSERT INTO t_items VALUES ('a', 1)"));
  }
  {
    auto s = open(u);
    ASSERT_TRUE(s);
    auto st = (*s)->migrate(kV2);
    ASSERT_TRUE(st) << st.error().describe();
    ASSERT_TRUE((*s)->execute("UPDATE t_items SET note = 'n'"));
    EXPECT_EQ(count(**s), 1);
  }
  {
    // An older tollgate must not write into tables it does not understand.
    auto s = open(u);
    ASSERT_TRUE(s);
    auto st = (*s)->migrate(kV1);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidInput);
  }
}

TEST(Store, UncommittedTransactionLosesNothingStored) {
  TempDir d;
  Url u{Url::Kind::kSqlite, (d.path() / "t.db").string(), ""};
  auto s = open(u);
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->migrate(kV1));
  {
    auto tx = (*s)->begin();
    ASSERT_TRUE(tx);
    auto ins = (*s)->prepare("INSERT INTO t_items(k, v) VALUES (?, ?)");
    ASSERT_TRUE(ins);
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE((*ins)->bind(1, "k" + std::to_string(i)));
      ASSERT_TRUE((*ins)->bind(2, i));
      ASSERT_TRUE((*ins)->step());
      (*ins)->reset();
    }
    ASSERT_TRUE(tx->commit());
  }
  {
    auto tx = (*s)->begin();
    ASSERT_TRUE(tx);
    ASSERT_TRUE((*s)->execute("DELETE FROM t_items"));
    // A failure midway: the transaction goes out of scope without commit.
  }
  EXPECT_EQ(count(**s), 10);
  // A second connection (another process) sees the committed rows.
  auto other = open(u);
  ASSERT_TRUE(other);
  EXPECT_EQ(count(**other), 10);
}

TEST(Store, BadSqlNamesTheStatement) {
  auto s = open(Url{Url::Kind::kSqlite, ":memory:", ""});
  ASSERT_TRUE(s);
  auto q = (*s)->prepare("SELEKT nonsense");
  ASSERT_FALSE(q);
  EXPECT_NE(q.error().describe().find("SELEKT"), std::string::npos);
}

}  // namespace
}  // namespace tollgate::store
