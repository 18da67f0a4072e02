#include "tollgate/store/store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <vector>

#include "tollgate/util/c_handle.h"

namespace tollgate::store {
namespace {

using Sqlite = CHandle<sqlite3, &sqlite3_close_v2>;
using SqliteStmt = CHandle<sqlite3_stmt, &sqlite3_finalize>;

std::string sqlHead(std::string_view sql) {
  std::string s(sql.substr(0, 60));
  std::ranges::replace(s, '\n', ' ');
  if (sql.size() > 60) s += "...";
  return s;
}

class SqliteStatement final : public Statement {
 public:
  SqliteStatement(sqlite3* db, SqliteStmt stmt, std::string context)
      : db_(db), stmt_(std::move(stmt)), context_(std::move(context)) {}

  Status bind(int index, std::int64_t value) override {
    return check(sqlite3_bind_int64(stmt_.get(), index, value));
  }
  Status bind(int index, std::string_view text) override {
    return check(sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8));
  }
  Status bindBlob(int index, std::span<const std::byte> bytes) override {
    return check(
        sqlite3_bind_blob64(stmt_.get(), index, bytes.data(), bytes.size(), SQLITE_TRANSIENT));
  }
  Status bindNull(int index) override { return check(sqlite3_bind_null(stmt_.get(), index)); }

  Result<bool> step() override {
    int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return fail(ErrorCode::kIo, std::string("database error: ") + sqlite3_errmsg(db_), context_);
  }
  void reset() override { sqlite3_reset(stmt_.get()); }
  [[nodiscard]] bool isNull(int column) const override {
    return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
  }
  [[nodiscard]] std::int64_t columnInt(int column) const override {
    return sqlite3_column_int64(stmt_.get(), column);
  }
  [[nodiscard]] std::string_view columnText(int column) const override {
    const auto* p = sqlite3_column_text(stmt_.get(), column);
    if (!p) return {};
    return {reinterpret_cast<const char*>(p),
            static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column))};
  }

 private:
  Status check(int rc) {
    if (rc == SQLITE_OK) return {};
    return fail(ErrorCode::kInternal, std::string("bind: ") + sqlite3_errstr(rc), context_);
  }
  sqlite3* db_;
  SqliteStmt stmt_;
  std::string context_;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(Sqlite db, std::string url) : db_(std::move(db)), url_(std::move(url)) {}

  Status execute(std::string_view sql) override {
    std::string s(sql);
    char* msg = nullptr;
    int rc = sqlite3_exec(db_.get(), s.c_str(), nullptr, nullptr, &msg);
    if (rc == SQLITE_OK) return {};
    std::string m = msg ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    return fail(codeFor(rc), "database error: " + m, url_ + ": " + sqlHead(sql));
  }

  Result<std::unique_ptr<Statement>> prepare(std::string_view sql) override {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    SqliteStmt stmt(raw);
    if (rc != SQLITE_OK)
      return fail(codeFor(rc), std::string("database error: ") + sqlite3_errmsg(db_.get()),
                  url_ + ": " + sqlHead(sql));
    return std::make_unique<SqliteStatement>(db_.get(), std::move(stmt),
                                             url_ + ": " + sqlHead(sql));
  }

  [[nodiscard]] const std::string& url() const override { return url_; }

 protected:
  // IMMEDIATE takes the write lock up front, so two writers wait on the busy timeout instead of
  // deadlocking when both upgrade a read lock.
  Status beginWrite() override { return execute("BEGIN IMMEDIATE"); }
  Status commitWrite() override { return execute("COMMIT"); }
  void rollbackWrite() noexcept override {
    if (!sqlite3_get_autocommit(db_.get()))
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  static ErrorCode codeFor(int rc) {
    switch (rc & 0xff) {
      case SQLITE_NOTADB:
      case SQLITE_CORRUPT:
        return ErrorCode::kInvalidInput;
      case SQLITE_ERROR:
      case SQLITE_MISUSE:
        return ErrorCode::kInternal;  // our SQL is wrong
      default:
        return ErrorCode::kIo;  // busy, full, read-only, I/O
    }
  }
  Sqlite db_;
  std::string url_;
};

constexpr Migration kStoreMigrations[] = {
    {"store", 1,
     "CREATE TABLE IF NOT EXISTS store_migrations(module TEXT NOT NULL, version INTEGER NOT NULL, "
     "applied_at INTEGER NOT NULL, PRIMARY KEY(module, version)) WITHOUT ROWID"},
};

}  // namespace

Transaction::~Transaction() {
  if (store_) store_->rollbackWrite();
}

Status Transaction::commit() {
  if (!store_) return fail(ErrorCode::kInternal, "transaction already finished");
  Store* s = std::exchange(store_, nullptr);
  auto st = s->commitWrite();
  if (!st) s->rollbackWrite();
  return st;
}

Result<Transaction> Store::begin() {
  if (auto st = beginWrite(); !st) return std::unexpected(st.error());
  return Transaction(this);
}

Status Store::migrate(std::span<const Migration> migrations) {
  // The bookkeeping table itself: CREATE IF NOT EXISTS, so it is safe to run every time.
  if (auto st = execute(kStoreMigrations[0].sql); !st) return st;
  std::map<std::string, int, std::less<>> applied;
  {
    auto q = prepare("SELECT module, MAX(version) FROM store_migrations GROUP BY module");
    if (!q) return std::unexpected(q.error());
    for (;;) {
      auto row = (*q)->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      applied[std::string((*q)->columnText(0))] = static_cast<int>((*q)->columnInt(1));
    }
  }
  std::vector<const Migration*> order;
  std::map<std::string_view, int> newest;
  for (const auto& m : migrations) {
    order.push_back(&m);
    newest[m.module] = std::max(newest[m.module], m.version);
  }
  for (const auto& [module, v] : newest) {
    auto it = applied.find(module);
    if (it != applied.end() && it->second > v)
      return fail(ErrorCode::kInvalidInput,
                  "written by a newer tollgate (tables of '" + std::string(module) +
                      "' at version " + std::to_string(it->second) + ", this one knows " +
                      std::to_string(v) + ")",
                  url());
  }
  std::ranges::sort(order, [](const Migration* a, const Migration* b) {
    return a->module != b->module ? a->module < b->module : a->version < b->version;
  });
  for (const Migration* m : order) {
    auto it = applied.find(m->module);
    if (it != applied.end() && it->second >= m->version) continue;
    auto tx = begin();
    if (!tx) return std::unexpected(tx.error());
    // Another process may have migrated between our read and our write lock.
    auto again = prepare("SELECT 1 FROM store_migrations WHERE module = ? AND version = ?");
    if (!again) return std::unexpected(again.error());
    (void)(*again)->bind(1, m->module);
    (void)(*again)->bind(2, m->version);
    auto done = (*again)->step();
    if (!done) return std::unexpected(done.error());
    if (*done) continue;
    if (auto st = execute(m->sql); !st) return st;
    auto rec = prepare("INSERT INTO store_migrations(module, version, applied_at) VALUES (?,?,?)");
    if (!rec) return std::unexpected(rec.error());
    (void)(*rec)->bind(1, m->module);
    (void)(*rec)->bind(2, m->version);
    (void)(*rec)->bind(3, static_cast<std::int64_t>(std::time(nullptr)));
    if (auto r = (*rec)->step(); !r) return std::unexpected(r.error());
    if (auto st = tx->commit(); !st) return st;
  }
  return {};
}

Result<Url> parseUrl(std::string_view url) {
  Url u;
  u.text = std::string(url);
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    u.kind = Url::Kind::kPostgres;
    u.path = std::string(url);
    return u;
  }
  std::string_view path;
  if (url.starts_with("sqlite://")) {
    path = url.substr(9);
  } else if (url.starts_with("sqlite:")) {
    path = url.substr(7);
  } else if (url.find("://") == std::string_view::npos &&
             (url.ends_with(".db") || url.ends_with(".sqlite") || url.ends_with(".sqlite3"))) {
    path = url;
  } else {
    return fail(ErrorCode::kUsage, "unknown store URL (expected sqlite:PATH or postgresql://...)",
                u.text);
  }
  if (path.empty()) return fail(ErrorCode::kUsage, "store URL names no file", u.text);
  if (path.find('\0') != std::string_view::npos)
    return fail(ErrorCode::kUsage, "store path contains a NUL byte", u.text);
  u.path = std::string(path);
  return u;
}

std::string defaultUrl(const char* xdgDataHome, const char* home) {
  std::filesystem::path base;
  if (xdgDataHome && xdgDataHome[0] == '/') {
    base = xdgDataHome;
  } else if (home && home[0] != '\0') {
    base = std::filesystem::path(home) / ".local" / "share";
  } else {
    return "sqlite:tollgate.db";
  }
  return "sqlite:" + (base / "tollgate" / "tollgate.db").string();
}

Result<std::unique_ptr<Store>> open(const Url& url, const OpenOptions& options) {
  if (url.kind == Url::Kind::kPostgres)
    return fail(ErrorCode::kUnsupported, "PostgreSQL stores are not supported yet; use sqlite:PATH",
                url.text);
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (url.path != ":memory:") {
    struct stat st {};
    if (::stat(url.path.c_str(), &st) != 0) {
      if (!options.create)
        return fail(ErrorCode::kNotFound,
                    "no store here yet (run 'tollgate db import' first, or pass --store)",
                    url.path);
      std::error_code ec;
      auto parent = std::filesystem::path(url.path).parent_path();
      if (!parent.empty()) std::filesystem::create_directories(parent, ec);
      if (ec)
        return fail(ErrorCode::kIo, "cannot create directory: " + ec.message(), parent.string());
    } else if (!S_ISREG(st.st_mode)) {
      return fail(ErrorCode::kInvalidInput, "not a regular file", url.path);
    } else if (!options.create && st.st_size == 0) {
      // SQLite would take an empty file for an empty database and the migrations would turn it
      // into one: a command that only reads must not rewrite a file it was pointed at by mistake.
      return fail(ErrorCode::kInvalidInput, "empty file, not a tollgate store", url.path);
    }
    if (options.create) flags |= SQLITE_OPEN_CREATE;
  } else {
    flags |= SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY;
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(url.path.c_str(), &raw, flags, nullptr);
  Sqlite db(raw);
  if (rc != SQLITE_OK)
    return fail(
        ErrorCode::kIo,
        std::string("cannot open database: ") + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)),
        url.path);
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), options.busyTimeoutMs);
  auto store = std::make_unique<SqliteStore>(std::move(db), url.path);
  // WAL: readers (vuln, the proxy) never block the writer (db import). NORMAL sync is durable
  // across application crashes; a power loss may lose the last transaction, never corrupt.
  // The first statement also proves the file is a database.
  if (url.path != ":memory:") {
    if (auto st = store->execute("PRAGMA journal_mode=WAL"); !st) {
      Error e = st.error();
      e.context = url.path;
      if (e.code == ErrorCode::kInvalidInput)
        e.message = "not a tollgate store (" + e.message + ")";
      return std::unexpected(e);
    }
  }
  if (auto st = store->execute("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"); !st)
    return std::unexpected(st.error());
  if (auto st = store->migrate(kStoreMigrations); !st) return std::unexpected(st.error());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace tollgate::store
