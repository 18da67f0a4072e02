// Flow records and alerts in the store (SQLite through tollgate::store): the egress tables, a
// FlowSink that writes them, and the queries behind `tollgate flows` and `tollgate alerts`.
//
//   auto s = store::open(url).value();
//   s->migrate(egress::migrations());
//   egress::StoreFlowSink sink(*s);            // used by the writer thread only
//   auto flows = egress::queryFlows(*s, {.since = t});
//
// Thread safety: like the Store it wraps, one thread at a time.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <unordered_map>
#include <utility>
#include "tollgate/egress/flow.h"

#include "tollgate/report/finding.h"
#include "tollgate/sbom/bom.h"
#include "tollgate/store/store.h"

namespace tollgate::egress {

// The egress module's tables: egress_flows, egress_alerts, egress_contacts, egress_packages.
[[nodiscard]] std::span<const store::Migration> migrations();

// Writes flows (and the alerts attached to them) to the store; one transaction per batch, made
// durable by flush().
class StoreFlowSink final : public FlowSink {
 public:
  explicit StoreFlowSink(store::Store& s) : store_(s) {}
  ~StoreFlowSink() override;
  Status write(const Flow& flow) override;
  Status flush() override;

 private:
  store::Store& store_;
  std::optional<store::Transaction> tx_;
  std::unique_ptr<store::Statement> insert_;
};

struct FlowQuery {
  std::optional<std::chrono::system_clock::time_point> since;
  std::string vendor;  // exact
  std::string app;     // exe path, or its last component
  std::size_t limit = 100000;
};
[[nodiscard]] Result<std::vector<Flow>> queryFlows(store::Store& s, const FlowQuery& q);

struct StoredAlert {
  std::chrono::system_clock::time_point time;
  std::string flowId;
  report::Finding finding;
};
[[nodiscard]] Status insertAlert(store::Store& s, const StoredAlert& a);
[[nodiscard]] Result<std::vector<StoredAlert>> queryAlerts(
    store::Store& s, std::optional<std::chrono::system_clock::time_point> since);

// The (application, host) pairs of first contacts with destinations outside the register.
[[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> loadContacts(
    store::Store& s);

// Records which package owns which file, from an SBOM's components and their files (CycloneDX
// evidence occurrences, SPDX files); replaces earlier rows for the same paths. Returns the number
// of files recorded. `label` names the SBOM.
[[nodiscard]] Result<std::size_t> importPackages(store::Store& s, const sbom::Bom& bom,
                                                 const std::string& label);
// path -> purl (or name@version) of every recorded file.
[[nodiscard]] Result<std::unordered_map<std::string, std::string>> loadPackages(store::Store& s);

}  // namespace tollgate::egress
