// Local storage for every module that keeps state: advisories, indicators, later proxy flows and
// the audit log. One interface (`Store`), a SQLite backend today; PostgreSQL is recognised in URLs
// and refused with a clear "not supported yet".
//
//   auto url = store::parseUrl(store::defaultUrl(std::getenv("XDG_DATA_HOME"),
//   std::getenv("HOME"))); Result<std::unique_ptr<store::Store>> s = store::open(*url, {.create =
//   true}); if (auto st = (*s)->migrate(vulndb::migrations()); !st) ...   // each module brings its
//   tables auto tx = (*s)->begin();                 // BEGIN IMMEDIATE; rolled back unless
//   committed auto ins = (*s)->prepare("INSERT INTO t(a, b) VALUES (?, ?)"); ins->bind(1, "x");
//   ins->bind(2, std::int64_t{7}); ins->step(); ins->reset(); tx->commit();
//
// Adding tables (a new module, or a new version of a module's tables): declare a list of
// `Migration{module, version, sql}` in the module (versions 1, 2, 3... per module, never edited
// once released: add a new version instead) and call `migrate()` with it after opening. Each
// migration runs once, in its own transaction, and is recorded in `store_migrations(module,
// version, applied_at)`. Prefix table names with the module name (`vulndb_advisories`,
// `egress_flows`) so modules never collide. SQL is SQLite's dialect with `?` placeholders; a
// future PostgreSQL backend translates placeholders and keeps to the common subset.
//
// Thread safety: a Store and its Statements belong to one thread at a time. Several processes may
// share one database file: SQLite runs in WAL mode with a busy timeout, so readers never block the
// writer and a second writer waits (up to `busyTimeoutMs`) instead of failing at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "tollgate/util/result.h"

namespace tollgate::store {

// Where a store lives, parsed from a URL.
struct Url {
  enum class Kind : std::uint8_t { kSqlite, kPostgres };
  Kind kind = Kind::kSqlite;
  std::string path;  // kSqlite: file path (":memory:" for a private in-memory database)
  std::string text;  // the URL as given, for messages
};

// "sqlite:PATH" (also "sqlite://PATH" and a bare path ending in .db/.sqlite), "postgresql://..."
// or "postgres://...". Errors: kUsage for an empty path or an unknown scheme.
[[nodiscard]] Result<Url> parseUrl(std::string_view url);

// "sqlite:$XDG_DATA_HOME/tollgate/tollgate.db", falling back to $HOME/.local/share (XDG base
// directory spec: XDG_DATA_HOME only counts when absolute), else "./tollgate.db". Arguments may
// be null (the caller passes getenv's answers: no global state here).
[[nodiscard]] std::string defaultUrl(const char* xdgDataHome, const char* home);

struct OpenOptions {
  bool create = true;          // create the file (and its parent directory) when missing
  int busyTimeoutMs = 10'000;  // how long a writer waits for another process's write lock
};

// A prepared statement. Bind indexes start at 1; columns at 0. Text and blobs passed to bind()
// are copied. Column text views stay valid until the next step(), reset() or destruction.
class Statement {
 public:
  virtual ~Statement() = default;
  virtual Status bind(int index, std::int64_t value) = 0;
  virtual Status bind(int index, std::string_view text) = 0;
  virtual Status bindBlob(int index, std::span<const std::byte> bytes) = 0;
  virtual Status bindNull(int index) = 0;
  Status bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Status bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  // Runs one step: true when a row is available, false when done. Errors name the SQL.
  virtual Result<bool> step() = 0;
  // Ready to run again (bindings are kept; rebind what changes).
  virtual void reset() = 0;
  [[nodiscard]] virtual bool isNull(int column) const = 0;
  [[nodiscard]] virtual std::int64_t columnInt(int column) const = 0;
  [[nodiscard]] virtual std::string_view columnText(int column) const = 0;
};

struct Migration {
  std::string_view module;  // "vulndb", "egress", ...
  int version = 0;          // 1, 2, 3 ... within the module
  std::string_view sql;     // one or more statements
};

class Store;

// An open write transaction; rolled back on destruction unless commit() succeeded. Move-only.
class Transaction {
 public:
  Transaction(Transaction&& o) noexcept : store_(std::exchange(o.store_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();
  // Errors: the database's (disk full, ...); the transaction is rolled back then.
  Status commit();

 private:
  friend class Store;
  explicit Transaction(Store* s) : store_(s) {}
  Store* store_;
};

class Store {
 public:
  virtual ~Store() = default;
  // Runs one or more statements without results (DDL, pragmas). Errors name the SQL's start.
  virtual Status execute(std::string_view sql) = 0;
  virtual Result<std::unique_ptr<Statement>> prepare(std::string_view sql) = 0;
  // Starts a write transaction (one at a time per Store; nesting is an error).
  Result<Transaction> begin();
  // Applies the migrations not yet recorded, in (module, version) order, each in its own
  // transaction. Errors: kInvalidInput when the database records a version of a module that
  // is newer than any given (written by a newer tollgate), or the SQL's error.
  Status migrate(std::span<const Migration> migrations);
  // The URL it was opened from (for messages).
  [[nodiscard]] virtual const std::string& url() const = 0;

 protected:
  virtual Status beginWrite() = 0;
  virtual Status commitWrite() = 0;
  virtual void rollbackWrite() noexcept = 0;
  friend class Transaction;
};

// Opens (creating when allowed) the store at `url` and applies the store's own bookkeeping
// migration. Errors: kNotFound when the file is missing and !create, kIo when it cannot be opened
// or is not a database, kUnsupported for postgresql:// URLs.
[[nodiscard]] Result<std::unique_ptr<Store>> open(const Url& url, const OpenOptions& options = {});

}  // namespace tollgate::store
