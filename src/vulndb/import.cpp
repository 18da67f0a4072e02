// OSV import into the store: files, zips, directories; incremental by `modified`.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>

#include "json_text.h"
#include "tollgate/util/c_handle.h"
#include "tollgate/vulndb/osv.h"
#include "tollgate/vulndb/vulndb.h"

namespace tollgate::vulndb {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE vulndb_advisories(
  id TEXT PRIMARY KEY,
  modified TEXT NOT NULL,
  modified_us INTEGER NOT NULL,
  withdrawn TEXT,
  published TEXT NOT NULL DEFAULT '',
  summary TEXT NOT NULL DEFAULT '',
  aliases TEXT NOT NULL DEFAULT '[]',
  severity TEXT NOT NULL DEFAULT '[]',
  db_severity TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE TABLE vulndb_affected(
  advisory_id TEXT NOT NULL,
  ecosystem TEXT NOT NULL,
  name TEXT NOT NULL,
  ranges TEXT NOT NULL,
  versions TEXT NOT NULL,
  severity TEXT NOT NULL DEFAULT ''
);
CREATE INDEX vulndb_affected_package ON vulndb_affected(ecosystem, name);
CREATE INDEX vulndb_affected_advisory ON vulndb_affected(advisory_id);
CREATE TABLE vulndb_imports(
  id INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  at INTEGER NOT NULL,
  files INTEGER NOT NULL, added INTEGER NOT NULL, updated INTEGER NOT NULL,
  unchanged INTEGER NOT NULL, withdrawn INTEGER NOT NULL, failed INTEGER NOT NULL
);
CREATE TABLE vulndb_indicators(
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  origin TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(type, value)
) WITHOUT ROWID;
)sql";

constexpr store::Migration kMigrations[] = {{"vulndb", 1, kSchemaV1}};

using Archive = CHandle<archive, &archive_read_free>;

class Importer {
 public:
  Importer(store::Store& s, const ImportOptions& o) : store_(s), opts_(o) {}

  Status prepare() {
    // A point query per advisory (it also sees this transaction's own inserts): cheaper than
    // loading every stored id for each source when a command imports dozens of zips.
    auto k = store_.prepare("SELECT modified_us FROM vulndb_advisories WHERE id = ?");
    if (!k) return std::unexpected(k.error());
    known_ = std::move(*k);
    auto a = store_.prepare(
        "INSERT OR REPLACE INTO vulndb_advisories(id, modified, modified_us, withdrawn, "
        "published, summary, aliases, severity, db_severity, source) VALUES "
        "(?,?,?,?,?,?,?,?,?,?)");
    auto d = store_.prepare("DELETE FROM vulndb_affected WHERE advisory_id = ?");
    auto f = store_.prepare(
        "INSERT INTO vulndb_affected(advisory_id, ecosystem, name, ranges, versions, severity) "
        "VALUES (?,?,?,?,?,?)");
    for (auto* r : {&a, &d, &f})
      if (!*r) return std::unexpected(r->error());
    insAdvisory_ = std::move(*a);
    delAffected_ = std::move(*d);
    insAffected_ = std::move(*f);
    return {};
  }

  Status document(std::string_view bytes, const std::string& label) {
    ++stats_.files;
    auto parsed = parser_.parse(bytes, label);
    if (!parsed) {
      ++stats_.failed;
      if (opts_.diagnostics) opts_.diagnostics->warn(parsed.error());
      return {};
    }
    for (const auto& a : *parsed)
      if (auto st = store(a, label); !st) return st;
    return {};
  }

  Status path(const fs::path& p) {
    std::error_code ec;
    auto st = fs::status(p, ec);
    if (ec || !fs::exists(st))
      return fail(ErrorCode::kNotFound, "no such file or directory", p.string());
    if (fs::is_directory(st)) return directory(p);
    if (p.extension() == ".zip") return zip(p);
    return file(p);
  }

  [[nodiscard]] const ImportStats& stats() const { return stats_; }

 private:
  Status store(const Advisory& a, const std::string& label) {
    if (opts_.progress) opts_.progress->tick();
    known_->reset();
    (void)known_->bind(1, a.id);
    auto found = known_->step();
    if (!found) return std::unexpected(found.error());
    bool update = *found;
    if (update && known_->columnInt(0) >= a.modifiedUs) {
      ++stats_.unchanged;
      return {};
    }
    auto& s = *insAdvisory_;
    std::string aliases = detail::encodeStrings(a.aliases);
    std::string sev = "[";
    for (std::size_t i = 0; i < a.severity.size(); ++i) {
      if (i) sev += ',';
      sev += "{\"type\":";
      detail::appendJsonString(sev, a.severity[i].type);
      sev += ",\"score\":";
      detail::appendJsonString(sev, a.severity[i].score);
      sev += '}';
    }
    sev += ']';
    s.reset();
    (void)s.bind(1, a.id);
    (void)s.bind(2, a.modified);
    (void)s.bind(3, a.modifiedUs);
    if (a.isWithdrawn())
      (void)s.bind(4, a.withdrawn);
    else
      (void)s.bindNull(4);
    (void)s.bind(5, a.published);
    (void)s.bind(6, a.summary);
    (void)s.bind(7, aliases);
    (void)s.bind(8, sev);
    (void)s.bind(9, a.dbSeverity);
    (void)s.bind(10, label);
    if (auto r = s.step(); !r) return std::unexpected(r.error());
    if (update) {
      delAffected_->reset();
      (void)delAffected_->bind(1, a.id);
      if (auto r = delAffected_->step(); !r) return std::unexpected(r.error());
    }
    // A withdrawn advisory keeps its row (so `db status` and re-imports know it) but no
    // affected packages: it can never match.
    if (!a.isWithdrawn()) {
      auto& f = *insAffected_;
      for (const auto& af : a.affected) {
        f.reset();
        (void)f.bind(1, a.id);
        (void)f.bind(2, af.ecosystem);
        (void)f.bind(3, af.name);
        (void)f.bind(4, encodeRanges(af.ranges));
        (void)f.bind(5, detail::encodeStrings(af.versions));
        (void)f.bind(6, af.severity);
        if (auto r = f.step(); !r) return std::unexpected(r.error());
      }
    }
    ++(update ? stats_.updated : stats_.added);
    if (a.isWithdrawn()) ++stats_.withdrawn;
    return {};
  }

  Status file(const fs::path& p) {
    UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return fail(ErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno), p);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
      return fail(ErrorCode::kInvalidInput, "not a regular file", p.string());
    if (static_cast<std::uint64_t>(st.st_size) > opts_.maxMemberBytes)
      return fail(ErrorCode::kLimit, "file larger than the import limit", p.string());
    std::string buf(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < buf.size()) {
      ssize_t n = ::read(fd.get(), buf.data() + got, buf.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(ErrorCode::kIo, std::string("read error: ") + std::strerror(errno), p);
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    buf.resize(got);
    return document(buf, p.string());
  }

  Status zip(const fs::path& p) {
    Archive a(archive_read_new());
    if (!a) return fail(ErrorCode::kInternal, "out of memory", p.string());
    archive_read_support_format_zip(a.get());
    if (archive_read_open_filename(a.get(), p.c_str(), 1 << 20) != ARCHIVE_OK)
      return fail(ErrorCode::kInvalidInput,
                  std::string("cannot read zip: ") + archive_error_string(a.get()), p.string());
    archive_entry* e = nullptr;
    std::string buf;
    for (;;) {
      int rc = archive_read_next_header(a.get(), &e);
      if (rc == ARCHIVE_EOF) break;
      if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
        return fail(ErrorCode::kInvalidInput,
                    std::string("corrupt zip: ") + archive_error_string(a.get()), p.string());
      if (archive_entry_filetype(e) != AE_IFREG) continue;
      const char* name = archive_entry_pathname(e);
      std::string member = name ? name : "";
      if (!member.ends_with(".json")) continue;
      std::string label = p.string() + "!/" + member;
      buf.clear();
      if (archive_entry_size_is_set(e)) {
        auto size = static_cast<std::uint64_t>(archive_entry_size(e));
        if (size > opts_.maxMemberBytes)
          return fail(ErrorCode::kLimit, "zip member larger than the import limit", label);
        buf.reserve(size);
      }
      char chunk[1 << 16];
      for (;;) {
        la_ssize_t n = archive_read_data(a.get(), chunk, sizeof chunk);
        if (n < 0)
          return fail(ErrorCode::kInvalidInput,
                      std::string("corrupt zip member: ") + archive_error_string(a.get()), label);
        if (n == 0) break;
        buf.append(chunk, static_cast<std::size_t>(n));
        if (buf.size() > opts_.maxMemberBytes)
          return fail(ErrorCode::kLimit, "zip member larger than the import limit", label);
      }
      if (auto st = document(buf, label); !st) return st;
    }
    return {};
  }

  Status directory(const fs::path& p) {
    std::vector<fs::path> files;
    std::error_code ec;
    fs::recursive_directory_iterator it(p, fs::directory_options::none, ec), end;
    if (ec) return fail(ErrorCode::kIo, "cannot list: " + ec.message(), p.string());
    for (; it != end; it.increment(ec)) {
      if (ec) return fail(ErrorCode::kIo, "cannot list: " + ec.message(), p.string());
      if (!it->is_regular_file(ec)) continue;
      auto ext = it->path().extension();
      if (ext == ".json" || ext == ".zip") files.push_back(it->path());
    }
    std::ranges::sort(files);
    for (const auto& f : files) {
      auto st = f.extension() == ".zip" ? zip(f) : file(f);
      if (!st) return st;
    }
    return {};
  }

  store::Store& store_;
  const ImportOptions& opts_;
  OsvParser parser_;
  std::unique_ptr<store::Statement> known_, insAdvisory_, delAffected_, insAffected_;
  ImportStats stats_;
};

Status recordImport(store::Store& s, const std::string& source, const ImportOptions& o,
                    const ImportStats& st) {
  auto q = s.prepare(
      "INSERT INTO vulndb_imports(source, at, files, added, updated, unchanged, withdrawn, "
      "failed) VALUES (?,?,?,?,?,?,?,?)");
  if (!q) return std::unexpected(q.error());
  auto& r = **q;
  (void)r.bind(1, source);
  (void)r.bind(2, o.now);
  int i = 3;
  for (auto v : {st.files, st.added, st.updated, st.unchanged, st.withdrawn, st.failed})
    (void)r.bind(i++, static_cast<std::int64_t>(v));
  if (auto x = r.step(); !x) return std::unexpected(x.error());
  return {};
}

}  // namespace

std::span<const store::Migration> migrations() { return kMigrations; }

ImportStats& ImportStats::operator+=(const ImportStats& o) {
  files += o.files;
  added += o.added;
  updated += o.updated;
  unchanged += o.unchanged;
  withdrawn += o.withdrawn;
  failed += o.failed;
  return *this;
}

Result<ImportStats> importPath(store::Store& store, const fs::path& path,
                               const ImportOptions& options) {
  auto tx = store.begin();
  if (!tx) return std::unexpected(tx.error());
  Importer imp(store, options);
  if (auto st = imp.prepare(); !st) return std::unexpected(st.error());
  if (auto st = imp.path(path); !st) return std::unexpected(st.error());
  if (auto st = recordImport(store, path.string(), options, imp.stats()); !st)
    return std::unexpected(st.error());
  if (auto st = tx->commit(); !st) return std::unexpected(st.error());
  return imp.stats();
}

Result<ImportStats> importJson(store::Store& store, std::string_view json, const std::string& label,
                               const ImportOptions& options) {
  Importer imp(store, options);
  if (auto st = imp.prepare(); !st) return std::unexpected(st.error());
  if (auto st = imp.document(json, label); !st) return std::unexpected(st.error());
  return imp.stats();
}

Result<DbStatus> status(store::Store& s) {
  DbStatus out;
  auto one = [&](std::string_view sql) -> Result<std::uint64_t> {
    auto q = s.prepare(sql);
    if (!q) return std::unexpected(q.error());
    auto r = (*q)->step();
    if (!r) return std::unexpected(r.error());
    return static_cast<std::uint64_t>(*r ? (*q)->columnInt(0) : 0);
  };
  for (auto [field, sql] :
       {std::pair{&out.advisories, "SELECT COUNT(*) FROM vulndb_advisories"},
        std::pair{&out.withdrawn,
                  "SELECT COUNT(*) FROM vulndb_advisories WHERE withdrawn IS NOT NULL"},
        std::pair{&out.affectedRows, "SELECT COUNT(*) FROM vulndb_affected"},
        std::pair{&out.indicators, "SELECT COUNT(*) FROM vulndb_indicators"}}) {
    auto v = one(sql);
    if (!v) return std::unexpected(v.error());
    *field = *v;
  }
  {
    // Per ecosystem base name; the release suffix ("Debian:12") is folded in.
    auto q = s.prepare(
        "SELECT CASE WHEN instr(f.ecosystem, ':') > 0 THEN substr(f.ecosystem, 1, "
        "instr(f.ecosystem, ':') - 1) ELSE f.ecosystem END AS eco, COUNT(DISTINCT a.id), "
        "COUNT(DISTINCT CASE WHEN a.id LIKE 'MAL-%' THEN a.id END), MAX(a.modified) "
        "FROM vulndb_affected f JOIN vulndb_advisories a ON a.id = f.advisory_id GROUP BY eco");
    if (!q) return std::unexpected(q.error());
    for (;;) {
      auto r = (*q)->step();
      if (!r) return std::unexpected(r.error());
      if (!*r) break;
      auto& e = out.ecosystems[std::string((*q)->columnText(0))];
      e.advisories = static_cast<std::uint64_t>((*q)->columnInt(1));
      e.malicious = static_cast<std::uint64_t>((*q)->columnInt(2));
      e.newestModified = std::string((*q)->columnText(3));
    }
  }
  {
    auto q = s.prepare(
        "SELECT source, at, files, added, updated, unchanged, withdrawn, failed FROM "
        "vulndb_imports ORDER BY id DESC LIMIT 10");
    if (!q) return std::unexpected(q.error());
    for (;;) {
      auto r = (*q)->step();
      if (!r) return std::unexpected(r.error());
      if (!*r) break;
      ImportRecord rec;
      rec.source = std::string((*q)->columnText(0));
      rec.at = (*q)->columnInt(1);
      auto col = [&](int c) { return static_cast<std::uint64_t>((*q)->columnInt(c)); };
      rec.stats = {col(2), col(3), col(4), col(5), col(6), col(7)};
      out.lastImports.push_back(std::move(rec));
    }
  }
  return out;
}

}  // namespace tollgate::vulndb
