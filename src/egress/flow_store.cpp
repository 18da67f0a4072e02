#include "tollgate/egress/flow_store.h"
#include "tollgate/util/json.h"

#include <array>

namespace tollgate::egress {
namespace {

constexpr std::string_view kV1 = R"sql(
CREATE TABLE egress_flows(
  id TEXT PRIMARY KEY, start_ms INTEGER NOT NULL, record TEXT NOT NULL,
  host TEXT NOT NULL, vendor TEXT NOT NULL, exe TEXT NOT NULL, verdict TEXT NOT NULL);
CREATE INDEX egress_flows_start ON egress_flows(start_ms);
CREATE TABLE egress_alerts(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, time_ms INTEGER NOT NULL, flow_id TEXT NOT NULL,
  finding TEXT NOT NULL);
CREATE INDEX egress_alerts_time ON egress_alerts(time_ms);
CREATE TABLE egress_contacts(
  app TEXT NOT NULL, host TEXT NOT NULL, first_ms INTEGER NOT NULL, PRIMARY KEY(app, host));
)sql";

// The package that owns each executable, from SBOMs (`tollgate proxy --sbom FILE`): the proxy
// names a client by its package when its exe is listed.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE egress_packages(
  path TEXT PRIMARY KEY, purl TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL,
  sbom TEXT NOT NULL);
)sql";

constexpr std::array<store::Migration, 2> kMigrations{{{"egress", 1, kV1}, {"egress", 2, kV2}}};

std::int64_t ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Status check(Status st) { return st; }

// The application as --app names it: the exe path or its file name, the package (purl, or the
// purl without its version), the Proxy-Authorization user, or the client address.
bool appMatches(const Flow& f, std::string_view app) {
  std::string_view exe = f.exe;
  auto slash = exe.rfind('/');
  std::string_view base = slash == std::string_view::npos ? exe : exe.substr(slash + 1);
  if (!exe.empty() && (exe == app || base == app)) return true;
  std::string_view pkg = f.package;
  if (!pkg.empty() && (pkg == app || pkg.substr(0, pkg.find('@')) == app)) return true;
  if (!f.user.empty() && f.user == app) return true;
  std::string_view client = f.client;
  auto colon = client.rfind(':');
  if (colon != std::string_view::npos) client = client.substr(0, colon);
  if (client.starts_with('[') && client.ends_with(']'))
    client = client.substr(1, client.size() - 2);
  return !client.empty() && client == app;
}

}  // namespace

std::span<const store::Migration> migrations() { return kMigrations; }

StoreFlowSink::~StoreFlowSink() { (void)flush(); }

Status StoreFlowSink::write(const Flow& flow) {
  if (!tx_) {
    auto tx = store_.begin();
    if (!tx) return std::unexpected(tx.error());
    tx_.emplace(std::move(*tx));
  }
  if (!insert_) {
    auto st = store_.prepare(
        "INSERT OR REPLACE INTO egress_flows(id, start_ms, record, host, vendor, exe, verdict) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!st) return std::unexpected(st.error());
    insert_ = std::move(*st);
  }
  auto& s = *insert_;
  s.reset();
  std::string record = jsonText(toJson(flow));
  for (auto st :
       {s.bind(1, flow.id), s.bind(2, ms(flow.start)), s.bind(3, record), s.bind(4, flow.host),
        s.bind(5, flow.vendor), s.bind(6, flow.exe), s.bind(7, flow.verdict)})
    if (!st) return st;
  auto r = s.step();
  if (!r) return std::unexpected(r.error());
  for (const auto& a : flow.alerts) {
    if (auto st = insertAlert(store_, {flow.start, flow.id, a}); !st) return st;
    // The first contact of an application with a destination outside the register is remembered,
    // so that a restarted proxy does not raise it again.
    if (a.id == "egress-unlisted-destination" && a.evidence.is_object()) {
      auto c = store_.prepare(
          "INSERT OR IGNORE INTO egress_contacts(app, host, first_ms) VALUES (?, ?, ?)");
      if (!c) return std::unexpected(c.error());
      (void)(*c)->bind(1, a.evidence.value("app", ""));
      (void)(*c)->bind(2, a.evidence.value("host", ""));
      (void)(*c)->bind(3, ms(flow.start));
      if (auto r = (*c)->step(); !r) return std::unexpected(r.error());
    }
  }
  return {};
}

Result<std::vector<std::pair<std::string, std::string>>> loadContacts(store::Store& s) {
  auto st = s.prepare("SELECT app, host FROM egress_contacts");
  if (!st) return std::unexpected(st.error());
  std::vector<std::pair<std::string, std::string>> out;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.emplace_back(std::string((*st)->columnText(0)), std::string((*st)->columnText(1)));
  }
  return out;
}

Result<std::size_t> importPackages(store::Store& s, const sbom::Bom& bom,
                                   const std::string& label) {
  auto tx = s.begin();
  if (!tx) return std::unexpected(tx.error());
  auto ins = s.prepare(
      "INSERT OR REPLACE INTO egress_packages(path, purl, name, version, sbom) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!ins) return std::unexpected(ins.error());
  std::size_t n = 0;
  for (const auto& c : bom.components) {
    if (c.files.empty()) continue;
    std::string id = c.purl.empty() ? c.name + (c.version.empty() ? "" : "@" + c.version) : c.purl;
    if (id.empty()) continue;
    for (const auto& f : c.files) {
      if (f.path.empty() || f.path.front() != '/') continue;
      auto& st = **ins;
      st.reset();
      for (auto r : {st.bind(1, f.path), st.bind(2, id), st.bind(3, c.name), st.bind(4, c.version),
                     st.bind(5, label)})
        if (!r) return std::unexpected(r.error());
      if (auto r = st.step(); !r) return std::unexpected(r.error());
      ++n;
    }
  }
  if (auto st = tx->commit(); !st) return std::unexpected(st.error());
  return n;
}

Result<std::unordered_map<std::string, std::string>> loadPackages(store::Store& s) {
  auto st = s.prepare("SELECT path, purl FROM egress_packages");
  if (!st) return std::unexpected(st.error());
  std::unordered_map<std::string, std::string> out;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.emplace(std::string((*st)->columnText(0)), std::string((*st)->columnText(1)));
  }
  return out;
}

Status StoreFlowSink::flush() {
  if (!tx_) return {};
  auto st = tx_->commit();
  tx_.reset();
  return check(st);
}

Result<std::vector<Flow>> queryFlows(store::Store& s, const FlowQuery& q) {
  auto st = s.prepare(
      "SELECT record, exe FROM egress_flows WHERE start_ms >= ? AND (? = '' OR vendor = ?) "
      "ORDER BY start_ms, id LIMIT ?");
  if (!st) return std::unexpected(st.error());
  auto& stmt = **st;
  (void)stmt.bind(1, q.since ? ms(*q.since) : std::int64_t{0});
  (void)stmt.bind(2, q.vendor);
  (void)stmt.bind(3, q.vendor);
  (void)stmt.bind(4, static_cast<std::int64_t>(q.limit));
  std::vector<Flow> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    auto j = nlohmann::json::parse(stmt.columnText(0), nullptr, false);
    if (j.is_discarded()) return fail(ErrorCode::kInvalidInput, "corrupt flow record", s.url());
    auto f = flowFromJson(j);
    if (!f) return std::unexpected(f.error().within(s.url()));
    if (!q.app.empty() && !appMatches(*f, q.app)) continue;
    out.push_back(std::move(*f));
  }
  return out;
}

Status insertAlert(store::Store& s, const StoredAlert& a) {
  auto st = s.prepare("INSERT INTO egress_alerts(time_ms, flow_id, finding) VALUES (?, ?, ?)");
  if (!st) return std::unexpected(st.error());
  nlohmann::json f{{"id", a.finding.id},
                   {"severity", std::string(report::toString(a.finding.severity))},
                   {"subject", a.finding.subject},
                   {"message", a.finding.message},
                   {"evidence", a.finding.evidence}};
  (void)(*st)->bind(1, ms(a.time));
  (void)(*st)->bind(2, a.flowId);
  (void)(*st)->bind(3, jsonText(f));
  auto r = (*st)->step();
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<std::vector<StoredAlert>> queryAlerts(
    store::Store& s, std::optional<std::chrono::system_clock::time_point> since) {
  auto st = s.prepare(
      "SELECT time_ms, flow_id, finding FROM egress_alerts WHERE time_ms >= ? ORDER BY seq");
  if (!st) return std::unexpected(st.error());
  (void)(*st)->bind(1, since ? ms(*since) : std::int64_t{0});
  std::vector<StoredAlert> out;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    StoredAlert a;
    a.time = std::chrono::system_clock::time_point(std::chrono::milliseconds((*st)->columnInt(0)));
    a.flowId = std::string((*st)->columnText(1));
    auto j = nlohmann::json::parse((*st)->columnText(2), nullptr, false);
    if (!j.is_object()) return fail(ErrorCode::kInvalidInput, "corrupt alert record", s.url());
    a.finding.id = j.value("id", "");
    a.finding.severity =
        report::parseSeverity(j.value("severity", "info")).value_or(report::Severity::kInfo);
    a.finding.subject = j.value("subject", "");
    a.finding.message = j.value("message", "");
    if (auto e = j.find("evidence"); e != j.end()) a.finding.evidence = *e;
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace tollgate::egress
